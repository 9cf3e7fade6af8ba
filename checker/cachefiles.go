package checker

import (
	"fmt"

	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// Cachefiles is the checker extension for the cachefiles backend: the
// invariants I-26..I-32 of spec §12, checked through cachefiles' read-only
// views, the virtual disk's in-memory state and the cachefiles_* events.
// It never changes the model. A cache whose disk crashed under it
// (Cache.Crash) is exempt from the disk checks: its in-memory state is
// being torn down against a disk it no longer owns.
type Cachefiles struct {
	// Fsck also checks the disk's consistency at the end of the run
	// (vfs.FS.Fsck: a quarter of a short run's time, so off by default).
	Fsck bool

	current func() *cachefiles.Cache
	caches  []*cachefiles.Cache // every cache seen, in order

	verified []*fscache.Volume // published volumes whose directories were checked (I-26)
	linking  []*cachefiles.Object
	released []released
	// xattrLost: an object's xattr write failed for want of memory
	// (the cachefiles_set_object_xattr allocation site): the kernel goes
	// on and its data file may keep no xattr or a dirty one, which the
	// next lookup treats as stale, so I-29 does not hold.
	xattrLost bool

	disk   diskTrack   // the disk checks (disk.go)
	lay    layoutTrack // the layout and DIRTY checks (layout.go)
	daemon daemonTrack // the daemon interface and io-error checks (daemon.go)

	// The incremental step (cfincremental.go): ev counts the events that
	// change what Step reads of the extension's own records; key is what
	// the last passing Step read its inputs at; full is Options.Full.
	ev     uint32
	key    []uint64
	keyBuf []uint64
	keyOK  bool
	full   bool
	digest uint64
}

type released struct {
	o   *cachefiles.Object
	ino vfs.Ino
}

// NewCachefiles makes the extension; current returns the cache of the
// world now (a reboot replaces it; the extension remembers them all).
func NewCachefiles(current func() *cachefiles.Cache) *Cachefiles {
	return &Cachefiles{current: current}
}

// Name implements Extension.
func (x *Cachefiles) Name() string { return "cachefiles" }

func (x *Cachefiles) track() {
	c := x.current()
	if c == nil {
		return
	}
	for _, s := range x.caches {
		if s == c {
			return
		}
	}
	x.caches = append(x.caches, c)
	x.watch(c)
}

func fail(check string, objs []string, format string, args ...any) *sim.Failure {
	return &sim.Failure{Class: sim.FailInvariant, Check: check, Msg: fmt.Sprintf(format, args...), Objects: objs}
}

func objName(o *cachefiles.Object) string { return fmt.Sprintf("o=%08x", o.DebugID) }

// Event implements Extension: the cull checks (I-27) and the windows the
// per-step checks must allow (a file being released, a tmpfile being
// linked).
func (x *Cachefiles) Event(k *sim.Kernel, e *sim.Event) *sim.Failure {
	if f := x.layoutEvent(e); f != nil {
		return f
	}
	if f := x.daemonEvent(k, e); f != nil {
		return f
	}
	switch e.Type {
	case cachefiles.EvUnlink, cachefiles.EvRename:
		if cachefiles.Why(e.Args[1]) != cachefiles.WhyWasCulled {
			return nil
		}
		x.track()
		ino := vfs.Ino(e.Args[0])
		if f := x.cullDisk(ino); f != nil {
			return f
		}
		for _, c := range x.caches {
			for _, o := range c.Objects() {
				if o.File() == ino && o.MarkedInUse() == ino {
					return fail("I-27", []string{objName(o)}, "cull buries B=%x, the open file of object o=%08x, still marked in use by it", uint64(ino), o.DebugID)
				}
			}
			for _, v := range c.Volumes() {
				if v.Dir() == ino {
					return fail("I-27", nil, "cull buries B=%x, the directory of a live volume", uint64(ino))
				}
			}
		}
	case cachefiles.EvMarkActive:
		x.ev++
		x.disk.markActive(vfs.Ino(e.Args[0]))
	case cachefiles.EvMarkInactive:
		x.ev++
		x.track()
		ino := vfs.Ino(e.Args[0])
		x.disk.markInactive(ino)
		for _, c := range x.caches {
			for _, o := range c.Objects() {
				if o.DebugID == e.Obj && o.File() == ino {
					x.released = append(x.released, released{o, ino})
				}
			}
		}
	case cachefiles.EvCoherency:
		x.track()
		return x.coherencyDisk(e)
	case sim.EvAllocFail:
		x.xattrLost = x.xattrLost || sim.AllocSite(e.Args[0]) == cachefiles.AllocSiteSetObjectXattr
	case cachefiles.EvLink:
		x.ev++
		x.track()
		for _, c := range x.caches {
			for _, o := range c.Objects() {
				if o.DebugID == e.Obj {
					x.linking = append(x.linking, o)
				}
			}
		}
	}
	return nil
}

func (x *Cachefiles) isReleased(o *cachefiles.Object) bool {
	for _, r := range x.released {
		if r.o == o && r.ino == o.File() {
			return true
		}
	}
	return false
}

func (x *Cachefiles) isLinking(o *cachefiles.Object) bool {
	for _, l := range x.linking {
		if l == o {
			return true
		}
	}
	return false
}

// Step implements Extension.
func (x *Cachefiles) Step(k *sim.Kernel) *sim.Failure {
	x.track()
	// The daemon checks judge what the step's events and observers
	// reported (announcements, answers, I/O errors), not a state the
	// incremental key covers: they run at every step.
	if f := x.daemonStep(); f != nil {
		x.keyOK = false
		return f
	}
	same := x.still()
	if same && !x.full {
		return nil
	}
	f := x.step()
	if f == nil && x.full {
		f = x.verifyStill(same)
	}
	x.keyOK = f == nil
	return f
}

// step is every per-step check of the extension.
func (x *Cachefiles) step() *sim.Failure {
	x.prune()
	if f := x.stepDisk(); f != nil {
		return f
	}
	bound := 0
	for _, c := range x.caches {
		if c.Ready() && !c.Severed() {
			bound++
		}
		if f := x.stepCache(c); f != nil {
			return f
		}
	}
	if bound > 1 {
		return fail("I-32", nil, "%d caches bound on one disk at once", bound)
	}
	return nil
}

// prune forgets windows that closed.
func (x *Cachefiles) prune() {
	keep := x.released[:0]
	for _, r := range x.released {
		if r.o.File() == r.ino && !r.o.Life().Freed() {
			keep = append(keep, r)
		}
	}
	x.released = keep
	kl := x.linking[:0]
	for _, o := range x.linking {
		if o.UsingTmpfile() && o.File() != 0 && !o.Life().Freed() {
			kl = append(kl, o)
		}
	}
	x.linking = kl
}

func (x *Cachefiles) stepCache(c *cachefiles.Cache) *sim.Failure {
	if c.Severed() {
		return nil
	}
	fs := c.FS()
	if c.Ready() {
		cfg, l := c.Config(), c.Limits()
		if !(cfg.Fstop < cfg.Fcull && cfg.Fcull < cfg.Frun && cfg.Frun < 100 &&
			cfg.Bstop < cfg.Bcull && cfg.Bcull < cfg.Brun && cfg.Brun < 100) ||
			l.Fstop > l.Fcull || l.Fcull > l.Frun || l.Bstop > l.Bcull || l.Bcull > l.Brun {
			return fail("I-31", nil, "bound with limits out of order: %+v, %+v", cfg, l)
		}
		for _, d := range []vfs.Ino{c.Store(), c.Graveyard()} {
			if d != 0 && !fs.InUse(d) {
				return fail("I-27", nil, "cache/ or graveyard/ (B=%x) of a bound cache not marked in use", uint64(d))
			}
		}
	}
	// I-26: a published volume holds the pin (until the cache is
	// withdrawn) and its directories exist, marked in use.
	for _, v := range c.Volumes() {
		vc := v.VolumeCookie()
		if vc.CachePriv != v {
			continue
		}
		if fc := c.FscacheCache(); fc != nil && fc.State() == fscache.CacheActive && vc.NAccesses() < 1 {
			return fail("I-26", []string{volumeObj(vc.DebugID)}, "volume V=%08x published without its access pin", vc.DebugID)
		}
		if x.verifiedVolume(vc) {
			continue
		}
		if !fs.InUse(v.Dir()) {
			return fail("I-26", []string{volumeObj(vc.DebugID)}, "volume V=%08x directory B=%x not marked in use", vc.DebugID, uint64(v.Dir()))
		}
		for i := 0; i < 256; i++ {
			fan := v.Fanout(uint8(i))
			st, err := fs.Stat(fan)
			if fan == 0 || err != nil || !st.IsDir() || !st.InUse {
				return fail("I-26", []string{volumeObj(vc.DebugID)}, "volume V=%08x fan-out %s (B=%x) missing or not in use", vc.DebugID, cachefiles.FanoutDirName(uint8(i)), uint64(fan))
			}
		}
		x.verified = append(x.verified, vc)
	}
	objs := c.Objects()
	for i, o := range objs {
		ino := o.File()
		if ino == 0 {
			continue
		}
		for _, p := range objs[:i] {
			if p.File() == ino {
				return fail("I-27", []string{objName(p), objName(o)}, "objects o=%08x and o=%08x have the same file B=%x open", p.DebugID, o.DebugID, uint64(ino))
			}
		}
		st, err := fs.Stat(ino)
		if err != nil {
			return fail("I-27", []string{objName(o)}, "object o=%08x holds file B=%x, which is gone: %v", o.DebugID, uint64(ino), err)
		}
		if !st.InUse && !x.isReleased(o) {
			return fail("I-27", []string{objName(o)}, "object o=%08x has file B=%x open without S_KERNEL_FILE", o.DebugID, uint64(ino))
		}
		if o.UsingTmpfile() && st.Nlink != 0 && !x.isLinking(o) {
			return fail("I-28", []string{objName(o)}, "object o=%08x is USING_TMPFILE but its file B=%x has %d links", o.DebugID, uint64(ino), st.Nlink)
		}
		if st.Size%cachefiles.DIOBlockSize != 0 {
			return fail("I-30", []string{objName(o)}, "object o=%08x file B=%x size %d is not a multiple of %d", o.DebugID, uint64(ino), st.Size, cachefiles.DIOBlockSize)
		}
		if allocOver(st, fs.BlockSize()) {
			return allocFailure("object "+objName(o)+"'s file", ino, st, fs.BlockSize())
		}
	}
	return nil
}

func (x *Cachefiles) verifiedVolume(vc *fscache.Volume) bool {
	for _, v := range x.verified {
		if v == vc {
			return true
		}
	}
	return false
}

// EndOfRun implements Extension: every cache unbound with nothing left
// (objects, volumes, open files, in-use marks), the disk consistent, and,
// unless a crash or an I/O error intervened, every data file's xattr
// clean (I-29) and its size DIO-aligned (I-30).
func (x *Cachefiles) EndOfRun(k *sim.Kernel) *sim.Failure {
	x.track()
	dirty := false
	for _, c := range x.caches {
		if c.Ready() {
			return &sim.Failure{Class: sim.FailLeak, Check: "cachefiles-bound", Msg: "a cache is still bound at the end of the run"}
		}
		if n := len(c.Objects()); n > 0 {
			return &sim.Failure{Class: sim.FailLeak, Check: "cachefiles-objects", Msg: fmt.Sprintf("%d cachefiles objects left (o=%08x first)", n, c.Objects()[0].DebugID)}
		}
		if n := len(c.Volumes()); n > 0 {
			return &sim.Failure{Class: sim.FailLeak, Check: "cachefiles-volumes", Msg: fmt.Sprintf("%d cachefiles volumes left", n)}
		}
		dirty = dirty || c.Severed() || c.Dead()
	}
	if len(x.caches) == 0 {
		return nil
	}
	last := x.caches[len(x.caches)-1]
	fs := last.FS()
	if last.Severed() {
		return nil
	}
	if n := fs.OpenFiles(); n > 0 {
		return &sim.Failure{Class: sim.FailLeak, Check: "cachefiles-files", Msg: fmt.Sprintf("%d backing files left open", n)}
	}
	if in := x.leftMarked(fs); len(in) > 0 {
		return &sim.Failure{Class: sim.FailLeak, Check: "cachefiles-inuse", Msg: fmt.Sprintf("%d inodes left marked in use (B=%x first)", len(in), uint64(in[0]))}
	}
	if x.Fsck {
		if err := fs.Fsck(); err != nil {
			return fail("fsck", nil, "the cache's disk is inconsistent: %v", err)
		}
	}
	if dirty {
		return nil
	}
	return x.checkFiles(fs, !x.xattrLost)
}

// leftMarked is the inodes left marked in use at the end, but for the
// victims of a cull in a cache that died of an I/O error: the cull marks
// its victim (S_KERNEL_FILE) before burying it, and a bury that fails
// leaves the mark, as 6.12 does (Q-22's sibling: every failure of
// cachefiles_bury_object but ENOMEM kills the cache first). Likewise the
// old file of an invalidation whose bury failed: its lookup marked it, and
// cachefiles_invalidate_cookie never unmarks it (a successful unlink frees
// the inode with its mark).
func (x *Cachefiles) leftMarked(fs *vfs.FS) []vfs.Ino {
	in := fs.InUseInodes()
	out := in[:0]
	for _, ino := range in {
		excused := false
		for _, c := range x.caches {
			if !c.Dead() {
				continue
			}
			for _, v := range c.CullVictims() {
				excused = excused || v == ino
			}
			for _, v := range c.InvalidationVictims() {
				excused = excused || v == ino
			}
		}
		if !excused {
			out = append(out, ino)
		}
	}
	return out
}

// checkFiles walks cache/ for I-30 and, if xattrs, I-29.
func (x *Cachefiles) checkFiles(fs *vfs.FS, xattrs bool) *sim.Failure {
	store, err := fs.Lookup(fs.Root(), "cache")
	if err != nil {
		return nil
	}
	vols, _ := fs.Readdir(store)
	for _, v := range vols {
		fans, _ := fs.Readdir(v.Ino)
		for _, fan := range fans {
			files, _ := fs.Readdir(fan.Ino)
			for _, f := range files {
				if f.Dir {
					continue
				}
				st, _ := fs.Stat(f.Ino)
				if allocOver(st, fs.BlockSize()) {
					return allocFailure("data file "+v.Name+"/"+fan.Name+"/"+f.Name, f.Ino, st, fs.BlockSize())
				}
				if st.Size%cachefiles.DIOBlockSize != 0 {
					return fail("I-30", nil, "data file %s/%s/%s size %d is not DIO-aligned", v.Name, fan.Name, f.Name, st.Size)
				}
				if !xattrs {
					continue
				}
				buf, err := fs.Getxattr(f.Ino, cachefiles.XattrName, 0)
				if err != nil {
					return fail("I-29", nil, "data file %s/%s/%s has no coherency xattr: %v", v.Name, fan.Name, f.Name, err)
				}
				ox, err := cachefiles.DecodeObjectXattr(buf)
				if err != nil || ox.Content == cachefiles.ContentDirty || ox.Type != cachefiles.CookieTypeData {
					return fail("I-29", nil, "data file %s/%s/%s left with xattr %x after the cache was withdrawn", v.Name, fan.Name, f.Name, buf)
				}
			}
		}
	}
	return nil
}
