package checker

import (
	"strings"

	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// The daemon interface and the cache's death: what cachefiles tells
// cachefilesd (the status line's cull state and limits, the answers of
// cull and inuse) and when it kills itself (cachefiles_io_error), each
// judged at the step it happens against state computed here from the
// virtual disk (names, S_KERNEL_FILE marks, free space against the
// configured thresholds) and the world's fault plan, not taken from
// cachefiles' own flags (class invariant):
//
//	daemon-cull-flag   CACHEFILES_CULLING changes exactly in a step that
//	                   announces it ("begin culling" when it is set,
//	                   "cease culling" when it is cleared), and every
//	                   announcement comes with its change: no silent
//	                   change, no announcement twice (per step, one bit
//	                   per cache).
//	daemon-cull-space  at each cachefiles_has_space verdict, with the disk
//	                   as its statfs saw it less what was asked for: below
//	                   a cull threshold culling is on, at or above both run
//	                   thresholds it is off, unless another thread
//	                   announced the opposite since that statfs.
//	daemon-status      the status read of a bound, live cache carries its
//	                   limits, and a cull state that differs from the flag
//	                   at the answer leaves CACHEFILES_STATE_CHANGED set
//	                   (the change still to be read, not lost).
//	daemon-answer      cull and inuse: EIO only on an unbound or dead cache
//	                   (or a disk fault, an allocation failure, a victim
//	                   that became busy); ENOTDIR only for a directory that
//	                   does not resolve; ENOENT/ESTALE only for a name not
//	                   there; EBUSY only for an inode marked in use (at the
//	                   start, at the answer, or marked or unmarked
//	                   between); inuse answers 0 only for an inode not
//	                   marked throughout; a cull that answers 0 removed the
//	                   name; nothing but an error on an unbound or dead
//	                   cache. The names and marks are read from the disk at
//	                   the command's start and at its answer.
//	io-error-cause     cachefiles_io_error (the cache killed) only when the
//	                   disk has failed an operation by an injected fault,
//	                   crashed under the cache, or cachefiles' own error
//	                   injection is on: a healthy disk never kills it.
//	io-error-stops-cache  when the cache goes DEAD its fscache cache is no
//	                   longer ACTIVE (fscache_io_error was told).
//	io-error-missed    a bound cache whose disk failed a syncfs with EIO
//	                   (cachefiles_sync_cache at the withdrawal) is DEAD
//	                   by the time its withdrawal clears READY.
//
// Cost: one flag pair per cache per step; the rest per event, per space
// verdict or per daemon command.

const (
	checkDaemonCullFlag  = "daemon-cull-flag"
	checkDaemonCullSpace = "daemon-cull-space"
	checkDaemonStatus    = "daemon-status"
	checkDaemonAnswer    = "daemon-answer"
	checkIOErrorCause    = "io-error-cause"
	checkIOErrorStops    = "io-error-stops-cache"
	checkIOErrorMissed   = "io-error-missed"
)

// daemonTrack is what the daemon checks remember.
type daemonTrack struct {
	seen      []daemonCache
	announced []bool // this step's cull announcements: true begin, false cease
	begins    int    // "begin culling" announcements so far
	ceases    int    // "cease culling" announcements so far
	statfs    []daemonStatfs
	cmds      []daemonCmd
	marks     map[vfs.Ino]int // S_KERNEL_FILE mark events per inode
	ioErrors  int             // cachefiles_io_error warnings not yet matched with a cache going DEAD
	failed    *sim.Failure    // from an observer, reported at the next step
}

type daemonCache struct {
	c             *cachefiles.Cache
	culling, dead bool
	ready         bool
	syncFails     int // the disk's syncfs calls failed by a fault when READY was last seen set
}

// daemonStatfs is a thread's has_space at its statfs: the announcements
// made so far.
type daemonStatfs struct {
	tid            int32
	begins, ceases int
}

// daemonCmd is a daemon command in flight: the disk as it was when it
// started.
type daemonCmd struct {
	tid   int32
	start daemonView
}

// daemonView is what a cull or inuse command's answer is judged against.
type daemonView struct {
	ready, dead bool
	dir         vfs.Ino // the working directory, 0 if it does not resolve to a directory
	ino         vfs.Ino // the name in it, 0 if absent
	inUse       bool    // ino marked S_KERNEL_FILE
	marks       int     // mark events on ino so far
	faults      int     // disk operations failed by injected faults so far
	allocFails  int64
}

// daemonWatch installs the daemon observer on a newly seen cache.
func (x *Cachefiles) daemonWatch(c *cachefiles.Cache) {
	c.ObserveDaemon(x)
	x.daemon.seen = append(x.daemon.seen, daemonCache{c: c, culling: c.Culling(), dead: c.Dead(),
		ready: c.Ready(), syncFails: c.FS().FailedClass(vfs.ClassSync)})
}

// daemonEvent sees cachefiles' events: the cull announcements, the marks,
// cachefiles_io_error's warning (io-error-cause).
func (x *Cachefiles) daemonEvent(k *sim.Kernel, e *sim.Event) *sim.Failure {
	d := &x.daemon
	switch e.Type {
	case cachefiles.EvState:
		switch e.Str[0] {
		case "begin culling":
			d.announced = append(d.announced, true)
			d.begins++
		case "cease culling":
			d.announced = append(d.announced, false)
			d.ceases++
		}
	case cachefiles.EvMarkActive, cachefiles.EvMarkInactive, cachefiles.EvMarkFailed:
		if d.marks == nil {
			d.marks = map[vfs.Ino]int{}
		}
		d.marks[vfs.Ino(e.Args[0])]++
	case cachefiles.EvWarn:
		if !strings.HasPrefix(e.Str[0], "CacheFiles: I/O Error: ") {
			return nil
		}
		x.track()
		d.ioErrors++
		if len(x.caches) == 0 {
			return nil
		}
		fs := x.caches[len(x.caches)-1].FS()
		if fs.Failed() > 0 {
			return nil
		}
		// A crashed cache still being torn down explains its own errors,
		// not those of the next boot's cache once it is gone.
		for _, c := range x.caches {
			if c.Severed() && !c.Life().Freed() || c.ErrorInjecting() {
				return nil
			}
		}
		return fail(checkIOErrorCause, nil, "cachefiles_io_error (%q) kills the cache, but its disk has failed no operation (no injected fault, no crash, no error injection)", e.Str[0])
	}
	return nil
}

// daemonStep is daemon-cull-flag and io-error-stops-cache (from Step).
func (x *Cachefiles) daemonStep() *sim.Failure {
	d := &x.daemon
	if f := d.failed; f != nil {
		return f
	}
	ann := d.announced
	d.announced = d.announced[:0]
	for i := range d.seen {
		s := &d.seen[i]
		if cul := s.c.Culling(); cul != s.culling {
			s.culling = cul
			j := -1
			for k, a := range ann {
				if a == cul {
					j = k
					break
				}
			}
			if j < 0 {
				what := "set"
				if !cul {
					what = "cleared"
				}
				return fail(checkDaemonCullFlag, nil, "CACHEFILES_CULLING %s without announcing it (no %q in the step): the daemon is not told", what, cullWord(cul))
			}
			ann = append(ann[:j:j], ann[j+1:]...)
		}
		if dead := s.c.Dead(); dead != s.dead {
			s.dead = dead
			// DEAD is also set by the on-demand daemon's release
			// (cachefiles_flush_reqs): judged only after an I/O error.
			ioErr := d.ioErrors > 0
			d.ioErrors = 0
			if fc := s.c.FscacheCache(); dead && ioErr && fc != nil && fc.State() == fscache.CacheActive {
				return fail(checkIOErrorStops, []string{cacheObj(fc.DebugID)}, "the cache went DEAD (cachefiles_io_error) but its fscache cache %s is still ACTIVE: fscache_io_error was not told", fc.Name)
			}
		}
		if ready := s.c.Ready(); ready != s.ready {
			s.ready = ready
			n := s.c.FS().FailedClass(vfs.ClassSync)
			if !ready && n > s.syncFails && !s.c.Dead() {
				return fail(checkIOErrorMissed, nil, "the cache's withdrawal ended (READY cleared) after its syncfs failed with EIO, and the cache is not DEAD: cachefiles_sync_cache must call cachefiles_io_error")
			}
			s.syncFails = n
		}
	}
	if len(ann) > 0 {
		return fail(checkDaemonCullFlag, nil, "%q announced but CACHEFILES_CULLING did not change: an announcement twice, or of a change that did not happen", cullWord(ann[0]))
	}
	return nil
}

func cullWord(begin bool) string {
	if begin {
		return "begin culling"
	}
	return "cease culling"
}

// daemonStatfs records a thread's has_space statfs (from SpaceStatfs).
func (x *Cachefiles) daemonStatfs(t *sim.Thread) {
	d := &x.daemon
	s := daemonStatfs{t.ID(), d.begins, d.ceases}
	for i := range d.statfs {
		if d.statfs[i].tid == t.ID() {
			d.statfs[i] = s
			return
		}
	}
	d.statfs = append(d.statfs, s)
}

// daemonSpaceVerdict is daemon-cull-space (from SpaceVerdict); u is the
// disk at the thread's statfs.
func (x *Cachefiles) daemonSpaceVerdict(t *sim.Thread, c *cachefiles.Cache, v cachefiles.SpaceCheck, u vfs.Statfs) {
	d := &x.daemon
	if d.failed != nil {
		return
	}
	var at daemonStatfs
	found := false
	for _, s := range d.statfs {
		if s.tid == t.ID() {
			at, found = s, true
		}
	}
	if !found {
		return
	}
	cfg := c.Config()
	files, blocks := uint64(u.Files)/100, uint64(u.Blocks)/100
	ffree := satSub(uint64(u.Ffree), v.Fnr)
	bavail := satSub(satSub(uint64(u.Bavail), uint64(max(v.BWriting, 0))), v.Bnr)
	below := ffree < files*uint64(cfg.Fcull) || bavail < blocks*uint64(cfg.Bcull)
	above := ffree >= files*uint64(cfg.Frun) && bavail >= blocks*uint64(cfg.Brun)
	switch cul := c.Culling(); {
	case below && !cul && d.ceases == at.ceases:
		d.failed = fail(checkDaemonCullSpace, nil, "cachefiles_has_space saw %d free files and %d available blocks (after %d files, %d blocks asked and %d being written), below a cull threshold (%d%% files, %d%% blocks), and culling is off", u.Ffree, u.Bavail, v.Fnr, v.Bnr, v.BWriting, cfg.Fcull, cfg.Bcull)
	case above && cul && d.begins == at.begins:
		d.failed = fail(checkDaemonCullSpace, nil, "cachefiles_has_space saw %d free files and %d available blocks (after %d files, %d blocks asked and %d being written), at or above both run thresholds (%d%% files, %d%% blocks), and culling is still on", u.Ffree, u.Bavail, v.Fnr, v.Bnr, v.BWriting, cfg.Frun, cfg.Brun)
	}
}

// DaemonBegin implements cachefiles.DaemonObserver.
func (x *Cachefiles) DaemonBegin(t *sim.Thread, c *cachefiles.Cache, cmd cachefiles.DaemonCmd) {
	d := &x.daemon
	dc := daemonCmd{tid: t.ID(), start: x.daemonView(t, c, cmd)}
	for i := range d.cmds {
		if d.cmds[i].tid == t.ID() {
			d.cmds[i] = dc
			return
		}
	}
	d.cmds = append(d.cmds, dc)
}

// daemonView reads the disk for a command's judgement.
func (x *Cachefiles) daemonView(t *sim.Thread, c *cachefiles.Cache, cmd cachefiles.DaemonCmd) daemonView {
	fs := c.FS()
	v := daemonView{ready: c.Ready(), dead: c.Dead(), faults: fs.Failed(), allocFails: t.Kernel().AllocFailures()}
	dir := cmd.DirIno
	if cmd.Op == "read" {
		return v
	}
	if dir == 0 {
		dir = fs.Root()
		for _, comp := range strings.Split(cmd.DirPath, "/") {
			if comp == "" || comp == "." {
				continue
			}
			next, err := fs.Entry(dir, comp)
			if err != nil {
				return v
			}
			dir = next
		}
	}
	if st, err := fs.Stat(dir); err != nil || !st.IsDir() {
		return v
	}
	v.dir = dir
	if ino, err := fs.Entry(dir, cmd.Name); err == nil {
		v.ino = ino
		v.inUse = fs.InUse(ino)
		v.marks = x.daemon.marks[ino]
	}
	return v
}

// DaemonAnswer implements cachefiles.DaemonObserver: daemon-status and
// daemon-answer.
func (x *Cachefiles) DaemonAnswer(t *sim.Thread, c *cachefiles.Cache, cmd cachefiles.DaemonCmd, st cachefiles.Status, err error) {
	d := &x.daemon
	var start daemonView
	found := false
	for i := range d.cmds {
		if d.cmds[i].tid == t.ID() {
			start, found = d.cmds[i].start, true
			d.cmds = append(d.cmds[:i], d.cmds[i+1:]...)
			break
		}
	}
	if !found || d.failed != nil {
		return
	}
	if cmd.Op == "read" {
		if err != nil || !c.Ready() || c.Dead() {
			return
		}
		if st.Limits != c.Limits() || st.Limits == (cachefiles.Limits{}) {
			d.failed = fail(checkDaemonStatus, nil, "the status read of a bound, live cache reports limits %+v, not the cache's %+v", st.Limits, c.Limits())
		} else if st.Culling != c.Culling() && !c.StateChanged() {
			d.failed = fail(checkDaemonStatus, nil, "the status read answers cull=%v while culling is %v, and CACHEFILES_STATE_CHANGED is clear: the change is lost to the daemon", b01(st.Culling), c.Culling())
		}
		return
	}
	end := x.daemonView(t, c, cmd)
	what := cmd.Op + " " + cmd.Name
	if f := judgeAnswer(cmd.Op, start, end, err); f != "" {
		d.failed = fail(checkDaemonAnswer, nil, "%s answered %s: %s", what, errName(err), f)
	}
}

func b01(b bool) int {
	if b {
		return 1
	}
	return 0
}

func errName(err error) string {
	if err == nil {
		return "0"
	}
	return err.Error()
}

// judgeAnswer is daemon-answer for one cull or inuse: why its answer is
// wrong, or "".
func judgeAnswer(op string, s, e daemonView, err error) string {
	unbound := !s.ready && !e.ready
	dead := s.dead && e.dead
	faulted := s.faults != e.faults || s.allocFails != e.allocFails
	changed := s.ino != e.ino || s.marks != e.marks
	switch err {
	case nil:
		switch {
		case unbound:
			return "the cache was not bound (READY clear) from start to answer: only EIO"
		case dead:
			return "the cache was dead from start to answer: only EIO"
		case op == "inuse" && s.ino != 0 && !changed && s.inUse && e.inUse:
			return "the object was marked in use (S_KERNEL_FILE) from start to answer: -EBUSY"
		case op == "cull" && s.ino != 0 && s.ino == e.ino:
			return "the culled name still names the same inode: nothing was removed"
		}
	case vfs.EIO:
		if !s.ready || !e.ready || s.dead || e.dead || faulted {
			return ""
		}
		if op == "cull" && (changed || e.inUse) {
			return "" // the victim became busy under the cull (cachefiles_cull's second check)
		}
		return "the cache was bound and live from start to answer and the disk failed nothing"
	case vfs.ENOTDIR:
		if s.dir != 0 && e.dir != 0 && s.dir == e.dir && !faulted {
			return "the working directory resolves to a directory from start to answer"
		}
	case vfs.ENOENT, vfs.ESTALE:
		if s.ino != 0 && !changed && !faulted && s.dir == e.dir {
			return "the name was there, the same inode, from start to answer"
		}
	case vfs.EBUSY:
		if s.ino != 0 && !changed && !s.inUse && !e.inUse && !faulted {
			return "the object was not marked in use (S_KERNEL_FILE) from start to answer"
		}
	}
	if (unbound || dead) && err != vfs.EIO {
		return "the cache was unbound or dead from start to answer: only EIO"
	}
	return ""
}
