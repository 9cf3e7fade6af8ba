package checker

import (
	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// The disk: what cachefiles keeps, refuses, culls or buries is justified
// by the virtual disk's own state (sim/vfs's views: Usage, Stat,
// OpenCount, InUse), computed here, not taken from cachefiles' counters.
// Each check fires at the step the rule is broken (class invariant):
//
//	disk-space   cachefiles_has_space refuses (ENOBUFS) exactly when the
//	             disk, as it was at its statfs, less the files and blocks
//	             asked for and the blocks of writes in flight, is below a
//	             stop threshold, the thresholds computed from the bound
//	             configuration's percentages of the disk's size as
//	             cachefiles_add_cache does (f_files/100*fstop, …); checked
//	             at the verdict (cachefiles.SpaceObserver). b_writing is
//	             the one input taken from cachefiles.
//	disk-alloc   a file an object holds has no block allocated past its
//	             size rounded up to the disk's block (st_blocks*512 <=
//	             round_up(i_size, bsize)): cachefiles only writes within
//	             the DIO-aligned size and punches holes, never preallocates;
//	             every step, and over every data file at the end of a run.
//	disk-cull    a cull buries a file nobody has open (the disk's open
//	             count, not cachefiles' object list), but for a file being
//	             closed (cachefiles_mark_inactive seen, the last fput still
//	             to come: 6.12 lets a cull take it then): at the
//	             cachefiles_unlink/rename event with why=was_culled.
//	disk-coherency  a data file found on disk is judged stale only if its
//	             xattr, read from the disk and decoded here, does not
//	             describe the cookie: coherent data survives a rebind or a
//	             reopen (coherencyDisk);
//	disk-unbind  once a cache record is freed (the device's last release,
//	             after cachefiles_daemon_unbind), no inode of its disk is
//	             still marked S_KERNEL_FILE, unless another cache record on
//	             the same disk is alive or the disk crashed under it.
//
// Cost: disk-space runs per has_space call (two views); disk-alloc is two
// multiplications per object per step on the Stat I-27 already takes;
// disk-cull per cull event; disk-coherency per stale verdict; disk-unbind
// once per cache record.

const (
	checkDiskSpace     = "disk-space"
	checkDiskAlloc     = "disk-alloc"
	checkDiskCull      = "disk-cull"
	checkDiskUnbind    = "disk-unbind"
	checkDiskCoherency = "disk-coherency"
)

// diskTrack is what the disk checks remember.
type diskTrack struct {
	seen []spaceSeen // per thread in has_space: the disk at its statfs
	// closing are files whose holder cleared their in-use mark
	// (cachefiles_mark_inactive) and whose last fput may still be to
	// come: a cull may take them (disk-cull), as in 6.12.
	closing []vfs.Ino
	freed   []*cachefiles.Cache // cache records whose free was judged
	failed  *sim.Failure        // a failure from an observer, reported at the next step
}

type spaceSeen struct {
	tid int32
	u   vfs.Statfs
}

// watch installs the space observer on a newly seen cache.
func (x *Cachefiles) watch(c *cachefiles.Cache) {
	c.ObserveSpace(x)
	c.ObserveLayout(x)
	x.daemonWatch(c)
}

// SpaceStatfs implements cachefiles.SpaceObserver.
func (x *Cachefiles) SpaceStatfs(t *sim.Thread, c *cachefiles.Cache) {
	u := c.FS().Usage()
	x.daemonStatfs(t)
	for i := range x.disk.seen {
		if x.disk.seen[i].tid == t.ID() {
			x.disk.seen[i].u = u
			return
		}
	}
	x.disk.seen = append(x.disk.seen, spaceSeen{t.ID(), u})
}

// SpaceVerdict implements cachefiles.SpaceObserver: disk-space.
func (x *Cachefiles) SpaceVerdict(t *sim.Thread, c *cachefiles.Cache, v cachefiles.SpaceCheck) {
	if x.disk.failed != nil {
		return
	}
	var u vfs.Statfs
	found := false
	for _, s := range x.disk.seen {
		if s.tid == t.ID() {
			u, found = s.u, true
		}
	}
	if !found {
		return
	}
	x.daemonSpaceVerdict(t, c, v, u)
	if f := spaceAsk(v); f != nil {
		x.disk.failed = f
		return
	}
	cfg := c.Config()
	files, blocks := uint64(u.Files)/100, uint64(u.Blocks)/100
	fstop, bstop := files*uint64(cfg.Fstop), blocks*uint64(cfg.Bstop)
	ffree := satSub(uint64(u.Ffree), v.Fnr)
	bavail := satSub(satSub(uint64(u.Bavail), uint64(max(v.BWriting, 0))), v.Bnr)
	below := ffree < fstop || bavail < bstop
	if below == v.Refused {
		return
	}
	verdict := "refused"
	if !v.Refused {
		verdict = "granted"
	}
	x.ev++
	x.disk.failed = fail(checkDiskSpace, nil,
		"cachefiles_has_space %s %d file(s) and %d block(s) with %d free files and %d available blocks (less %d being written) on the disk, stop thresholds %d files (%d%%) and %d blocks (%d%%): refused must mean below a stop threshold",
		verdict, v.Fnr, v.Bnr, u.Ffree, u.Bavail, v.BWriting, fstop, cfg.Fstop, bstop, cfg.Bstop)
}

func satSub(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return 0
}

func (d *diskTrack) markInactive(ino vfs.Ino) { d.closing = append(d.closing, ino) }

// markActive: a file marked in use again is no longer closing.
func (d *diskTrack) markActive(ino vfs.Ino) {
	for i, c := range d.closing {
		if c == ino {
			d.closing = append(d.closing[:i], d.closing[i+1:]...)
			return
		}
	}
}

func (d *diskTrack) isClosing(ino vfs.Ino) bool {
	for _, c := range d.closing {
		if c == ino {
			return true
		}
	}
	return false
}

// stepDisk is disk-unbind and the observers' pending failure (from Step).
func (x *Cachefiles) stepDisk() *sim.Failure {
	if f := x.disk.failed; f != nil {
		return f
	}
	if len(x.disk.closing) > 0 && len(x.caches) > 0 {
		fs := x.caches[len(x.caches)-1].FS()
		keep := x.disk.closing[:0]
		for _, ino := range x.disk.closing {
			if fs.OpenCount(ino) > 0 {
				keep = append(keep, ino)
			}
		}
		x.disk.closing = keep
	}
	for _, c := range x.caches {
		if !c.Life().Freed() || x.judgedFree(c) {
			continue
		}
		x.disk.freed = append(x.disk.freed, c)
		if c.Severed() || x.otherAlive(c) {
			continue
		}
		// A cull's victim left marked by a bury that killed the cache is
		// 6.12's behaviour (leftMarked, TestCachefilesCullVictimMarkLeftByDeadCache).
		if in := x.leftMarked(c.FS()); len(in) > 0 {
			return fail(checkDiskUnbind, nil, "the cache record was freed (unbound) with %d inode(s) of its disk still marked in use (S_KERNEL_FILE), B=%x first", len(in), uint64(in[0]))
		}
	}
	return nil
}

func (x *Cachefiles) judgedFree(c *cachefiles.Cache) bool {
	for _, f := range x.disk.freed {
		if f == c {
			return true
		}
	}
	return false
}

func (x *Cachefiles) otherAlive(c *cachefiles.Cache) bool {
	for _, o := range x.caches {
		if o != c && o.FS() == c.FS() && !o.Life().Freed() {
			return true
		}
	}
	return false
}

// allocOver is disk-alloc for one file: its allocation passes its size
// rounded up to the disk's block.
func allocOver(st vfs.Stat, bsize int64) bool {
	return st.Blocks*512 > (st.Size+bsize-1)/bsize*bsize
}

func allocFailure(what string, ino vfs.Ino, st vfs.Stat, bsize int64) *sim.Failure {
	return fail(checkDiskAlloc, nil, "%s B=%x has %d bytes allocated past its size %d rounded up to the %d-byte block (%d)",
		what, uint64(ino), st.Blocks*512, st.Size, bsize, (st.Size+bsize-1)/bsize*bsize)
}

// cullDisk is disk-cull for the victim ino of a cull (from Event).
func (x *Cachefiles) cullDisk(ino vfs.Ino) *sim.Failure {
	for _, c := range x.caches {
		if c.Severed() {
			continue
		}
		if n := c.FS().OpenCount(ino); n > 0 {
			if x.disk.isClosing(ino) {
				return nil
			}
			return fail(checkDiskCull, nil, "cull buries B=%x, which is open %d time(s): a cull may take only a file nobody uses", uint64(ino), n)
		}
		return nil
	}
	return nil
}

// coherencyDisk is disk-coherency, at a cachefiles_coherency event: a data
// file the lookup judged stale (BAD type, aux, osiz or dirt) must be stale
// by its xattr as the disk holds it, decoded here from the layout of
// struct cachefiles_xattr (object_size, zero_point, type, content, then
// the aux data): a file whose xattr is of the cookie's length, type data,
// not DIRTY, with the cookie's object size and aux data is coherent, and
// the data in it must survive (a rebind, a reopen). BAD xatt (getxattr
// failed, or a wrong length) is not judged: an injected getxattr error
// cannot be seen on the disk.
func (x *Cachefiles) coherencyDisk(e *sim.Event) *sim.Failure {
	reason := e.Str[0]
	if len(reason) < 3 || reason[:3] != "BAD" || reason == cachefiles.ReasonBadXattr {
		return nil
	}
	ino := vfs.Ino(e.Args[0])
	for _, c := range x.caches {
		for _, o := range c.Objects() {
			if o.DebugID != e.Obj {
				continue
			}
			ck := o.Cookie()
			if ck == nil || c.Severed() {
				return nil
			}
			buf, ok := c.FS().XattrView(ino, cachefiles.XattrName)
			if !ok || len(buf) != 18+len(ck.Aux) {
				return nil
			}
			size := uint64(0)
			for _, b := range buf[:8] {
				size = size<<8 | uint64(b)
			}
			if buf[16] != cachefiles.CookieTypeData || cachefiles.Content(buf[17]) == cachefiles.ContentDirty ||
				size != uint64(ck.ObjectSize) || string(buf[18:]) != string(ck.Aux) {
				return nil
			}
			return fail(checkDiskCoherency, []string{objName(o)},
				"object o=%08x's data file B=%x judged stale (%s), but its xattr on the disk matches the cookie (size %d, aux %q, content %d): coherent data thrown away",
				o.DebugID, uint64(ino), reason, size, ck.Aux, buf[17])
		}
	}
	return nil
}
