package cachefiles

import (
	"fmt"

	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/model/vfsops"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// Path walking and the namespace operations of fs/cachefiles/namei.c.

// markInodeInUse is cachefiles_mark_inode_in_use(): set S_KERNEL_FILE
// under the inode lock (inode_lock, as 6.12 does: a user unlink, rename or
// rmdir of the file, or the daemon's cull of it, which hold that lock, come
// wholly before or after the mark); false if someone (another object, a
// cull) already has it.
func (c *Cache) markInodeInUse(t *sim.Thread, o *Object, ino vfs.Ino) bool {
	l := c.inodeLock(t, ino)
	l.lock(t)
	ok := c.markInUseLocked(t, o, ino)
	l.unlock(t)
	return ok
}

// inodeLock is inode_lock()/inode_unlock() of ino around a mark or an
// unmark; inside a batched (quiet) section it is not taken, as the
// fan-out directories' own locks are not (Cache.makeFanout); quiet is per thread.
func (c *Cache) inodeLock(t *sim.Thread, ino vfs.Ino) optLock {
	if c.quiet(t) {
		return optLock{}
	}
	return optLock{c.fs.ILock(ino)}
}

// optLock is an inode lock that may be absent (quiet sections).
type optLock struct{ l *vfs.ILock }

func (o optLock) lock(t *sim.Thread) {
	if o.l != nil {
		o.l.Lock(t)
	}
}

func (o optLock) unlock(t *sim.Thread) {
	if o.l != nil {
		o.l.Unlock(t)
	}
}

// markInUseLocked is __cachefiles_mark_inode_in_use(): the caller holds
// the inode lock.
func (c *Cache) markInUseLocked(t *sim.Thread, o *Object, ino vfs.Ino) bool {
	c.assertInodeLocked(t, ino, "S_KERNEL_FILE mark") // lockset
	if err := c.setInUse(t, ino); err != nil {
		c.emit(t, EvMarkFailed, oid(o), int64(ino))
		return false
	}
	c.emit(t, EvMarkActive, oid(o), int64(ino))
	if o != nil {
		o.marked = ino
	}
	return true
}

// doUnmarkInodeInUse is cachefiles_do_unmark_inode_in_use(): the unmark
// under the inode lock.
func (c *Cache) doUnmarkInodeInUse(t *sim.Thread, o *Object, ino vfs.Ino) {
	l := c.inodeLock(t, ino)
	l.lock(t)
	c.unmarkInUseLocked(t, o, ino)
	l.unlock(t)
}

// unmarkInUseLocked is __cachefiles_unmark_inode_in_use(): the caller
// holds the inode lock (or, in cachefiles_bury_object, the parents').
func (c *Cache) unmarkInUseLocked(t *sim.Thread, o *Object, ino vfs.Ino) {
	c.clearInUse(t, ino)
	c.emit(t, EvMarkInactive, oid(o), int64(ino))
	if o != nil && o.marked == ino {
		o.marked = 0
	}
}

// unmarkInodeInUse is cachefiles_unmark_inode_in_use(): unmark an
// object's file and, unless it is a tmpfile, account its space as released
// for the daemon.
func (c *Cache) unmarkInodeInUse(t *sim.Thread, o *Object, f *cfile) {
	t.Use(&f.life) // KASAN: file_inode(file)
	c.doUnmarkInodeInUse(t, o, f.ino)
	if !o.flags.Test(t, ObjUsingTmpfile) {
		if st, err := c.stat(f.ino); err == nil {
			c.bReleased.Add(t, st.Blocks)
		}
		c.fReleased.Inc(t)
		c.stateChanged(t)
	}
}

// getDirectory is cachefiles_get_directory(): look name up in dir (making
// it if missing, space permitting), mark it in use and check that it is a
// directory. It returns the directory and whether it was made.
func (c *Cache) getDirectory(t *sim.Thread, dir vfs.Ino, name string) (vfs.Ino, bool, error) {
	lock := c.dirLock(dir)
	quiet := c.quiet(t)
	if !quiet {
		lock.Lock(t)
	}
	unlock := func() {
		if !quiet {
			lock.Unlock(t)
		}
	}
	isNew := false
	c.fs.AssertLocked(t, dir, "lookup_one_len") // lockset: the parent's i_rwsem (makeFanout's in a batched section)
	ino, err := c.lookupAt(t, AllocSiteGetDirectory, dir, name)
	if err == nil || err == vfs.ENOENT {
		c.traceLookup(t, nil, dir, ino, nil)
	} else {
		c.traceLookup(t, nil, dir, ino, err)
	}
	var ref dref
	switch {
	case err == vfs.ENOENT:
		// The lookup's negative dentry, which mkdir instantiates.
		ref = c.dgetAt(refGetDirectory, dir, name, 0)
		if err := c.hasSpace(t, 1, 0, spaceForCreate); err != nil {
			unlock()
			c.dputAt(t, refGetDirectory, ref)
			return 0, false, err
		}
		if ino, err = c.mkdir(t, dir, name); err != nil {
			c.traceVFSError(t, nil, dir, err, ErrMkdir)
			unlock()
			c.dputAt(t, refGetDirectory, ref)
			c.emitWarn(t, fmt.Sprintf("CacheFiles: mkdir %s failed with error %d", name, vfs.Code(err)))
			return 0, false, err
		}
		c.emit(t, EvMkdir, 0, int64(dir), int64(ino))
		c.instantiate(&ref, ino)
		isNew = true
	case err != nil:
		c.traceVFSError(t, nil, dir, err, ErrLookup)
		unlock()
		if err != vfs.ENOMEM { // nomem_d_alloc says nothing
			c.emitWarn(t, fmt.Sprintf("CacheFiles: Lookup %s failed with error %d", name, vfs.Code(err)))
		}
		return 0, false, err
	}
	// The lookup's (or mkdir's) reference on the subdirectory's dentry,
	// kept until cachefiles_put_directory.
	if !isNew {
		ref = c.dgetAt(refGetDirectory, dir, name, ino)
	}
	// Take the subdirectory's lock before dropping the parent's and mark
	// it in use under it, so that no rmdir, rename or cull (each of which
	// locks the victim) comes in between (__cachefiles_mark_inode_in_use).
	var sub *vfs.ILock
	if !quiet {
		sub = c.fs.ILock(ino)
		sub.Lock(t)
	}
	unlock()
	marked := c.markInUseLocked(t, nil, ino)
	if sub != nil {
		sub.Unlock(t)
	}
	if !marked {
		c.emitWarn(t, fmt.Sprintf("cachefiles: Inode already in use: %s (B=%x)", name, uint64(ino)))
		c.dputAt(t, refGetDirectory, ref)
		return 0, false, vfs.EBUSY
	}
	if st, err := c.stat(ino); err != nil || !st.IsDir() {
		c.emitWarn(t, "CacheFiles: "+name+" is not a directory")
		c.putDirectory(t, ino)
		return 0, false, vfs.EIO
	}
	return ino, isNew, nil
}

// putDirectory is cachefiles_put_directory(): clear the in-use mark, then
// drop the dentry reference (in between, the daemon may remove the
// directory: it is then dead but referenced until the dput).
func (c *Cache) putDirectory(t *sim.Thread, ino vfs.Ino) {
	if ino != 0 {
		c.doUnmarkInodeInUse(t, nil, ino)
		c.dput(t, ino)
	}
}

// unlink is cachefiles_unlink(): remove name (inode ino) from the locked
// directory dir.
func (c *Cache) unlink(t *sim.Thread, o *Object, dir vfs.Ino, name string, ino vfs.Ino, why Why) error {
	c.emit(t, EvUnlink, killID(o), int64(ino), int64(why))
	err := c.unlinkRaw(t, dir, name, ino)
	if err == vfs.EIO {
		c.ioError(t, "Unlink failed")
	}
	if err != nil {
		c.traceVFSError(t, o, dir, err, ErrUnlink)
	}
	return err
}

// stillChild reports whether name in dir is still inode ino (the dentry
// checks rep->d_parent == dir of cachefiles_bury_object).
//
// The kernel checks a dentry it holds: no disk I/O, so no disk fault (a
// faulted lookup here made a cull's bury return ESTALE with its victim
// left marked in use, in a cache still live).
func (c *Cache) stillChild(t *sim.Thread, dir vfs.Ino, name string, ino vfs.Ino) bool {
	if c.severed {
		c.severedErr(t)
		return false
	}
	cur, err := c.fs.LookupCached(dir, name)
	return err == nil && cur == ino
}

// graveyardBound bounds the attempts to find a free graveyard name. The
// kernel retries without bound; hitting it is a liveness failure.
const graveyardBound = 16

// buryObject is cachefiles_bury_object(): called with dir locked, it
// unlinks a file, or moves a directory into the graveyard; it unlocks dir.
func (c *Cache) buryObject(t *sim.Thread, o *Object, dir vfs.Ino, name string, ino vfs.Ino, why Why) error {
	dl := c.dirLock(dir)
	if !c.stillChild(t, dir, name, ino) {
		dl.Unlock(t)
		return vfs.ESTALE
	}
	st, err := c.stat(ino)
	if c.F.Mutants.Layout.BurySwapsKinds && err == nil {
		st.Mode ^= vfs.ModeDir ^ vfs.ModeRegular // a file taken for a directory, and the reverse
	}
	if err != nil || !st.IsDir() {
		// A file's dentry may be pinned only by a struct file: an extra
		// reference keeps it from being made negative by the unlink.
		rep := c.dgetAt(refBuryVictim, dir, name, ino)
		err := c.unlink(t, o, dir, name, ino, why)
		c.dputAt(t, refBuryVictim, rep)
		dl.Unlock(t)
		return err
	}
	dl.Unlock(t)
	for try := 0; try < graveyardBound; try++ {
		n := c.gravecounter.Inc(t)
		grave := fmt.Sprintf("%08x%08x", uint32(c.k.Now()/sim.Second), uint32(n))
		unlock := c.lockRename(t, c.graveyard, dir)
		if !c.stillChild(t, dir, name, ino) {
			unlock()
			return nil // probably culled meanwhile
		}
		gino, err := c.lookupNoInjectAt(t, AllocSiteBuryGrave, c.graveyard, grave)
		if err == nil {
			g := c.dgetAt(refBuryGrave, c.graveyard, grave, gino)
			unlock()
			c.dputAt(t, refBuryGrave, g)
			continue
		} else if err == vfs.ENOMEM {
			unlock()
			c.traceVFSError(t, o, c.graveyard, err, ErrLookup)
			return err
		} else if err != vfs.ENOENT {
			unlock()
			c.ioError(t, "Lookup error %d", vfs.Code(err))
			return vfs.EIO
		}
		g := c.dgetAt(refBuryGrave, c.graveyard, grave, 0) // the negative grave
		c.emit(t, EvRename, killID(o), int64(ino), int64(why))
		if err := c.rename(t, dir, name, ino, c.graveyard, grave); err != nil {
			c.traceVFSError(t, o, dir, err, ErrRename)
			if err != vfs.ENOMEM {
				c.ioError(t, "Rename failed with error %d", vfs.Code(err))
			}
		}
		c.unmarkInUseLocked(t, o, ino)
		unlock()
		c.dputAt(t, refBuryGrave, g)
		return nil
	}
	t.Livelock("graveyard-retry-bound", "cachefiles_bury_object: no free graveyard name in %d tries (the kernel retries without bound)", graveyardBound)
	return vfs.EIO
}

// lockRename is lock_rename(p1, p2) (vfsops.LockRename): the returned
// function is unlock_rename.
func (c *Cache) lockRename(t *sim.Thread, p1, p2 vfs.Ino) func() {
	return vfsops.LockRename(t, c.fs, p1, p2)
}

// deleteObject is cachefiles_delete_object(): unlink a retired object's
// file from its fan-out directory.
func (c *Cache) deleteObject(t *sim.Thread, o *Object, why Why) error {
	fan := o.fanoutDir(t)
	// An extra reference on the file's dentry, as in cachefiles_bury_object.
	d := c.dgetAt(refDeleteObject, fan, o.dName, o.file.ino)
	dl := c.dirLock(fan)
	dl.Lock(t)
	var err error
	if cur, lerr := c.lookupNoInject(t, fan, o.dName); lerr != nil || cur != o.file.ino {
		// The name is gone or is another file: vfs_unlink of a dentry
		// that no longer names the inode.
		err = vfs.ENOENT
		c.traceVFSError(t, o, fan, err, ErrUnlink)
	} else {
		err = c.unlink(t, o, fan, o.dName, o.file.ino, why)
	}
	dl.Unlock(t)
	c.dputAt(t, refDeleteObject, d)
	return err
}

// lookUpObject is cachefiles_look_up_object(): find the object's file in
// its fan-out directory and open it, or create a tmpfile.
func (c *Cache) lookUpObject(t *sim.Thread, o *Object) bool {
	fan := o.fanoutDir(t)
	ino, err := c.lookupAt(t, AllocSiteLookUpObject, fan, o.dName)
	if err == vfs.ENOENT && !c.severed {
		// A miss is looked up again under the directory's shared lock
		// (lookup_positive_unlocked's lookup_slow; a name found is a
		// dcache hit, taken without it: see model/vfsops).
		l := c.fs.ILock(fan)
		l.LockShared(t)
		ino, err = c.fs.Lookup(fan, o.dName)
		l.UnlockShared(t)
	}
	c.traceLookup(t, o, fan, ino, err)
	switch {
	case err == vfs.ENOENT:
		return c.lookUpNewFile(t, o)
	case err != nil:
		if err == vfs.EIO {
			c.ioErrorObj(t, o, "Lookup failed")
		}
		return false
	}
	// lookup_positive_unlocked's reference, dropped before returning.
	d := c.dgetAt(refLookUpObject, fan, o.dName, ino)
	if st, err := c.stat(ino); err != nil || st.Mode&vfs.ModeType != vfs.ModeRegular {
		c.emitWarn(t, "CacheFiles: "+o.dName+" is not a file")
		c.dirLock(fan).Lock(t)
		err := c.buryObject(t, o, fan, o.dName, ino, WhyIsWeird)
		c.dputAt(t, refLookUpObject, d)
		if err != nil {
			return false
		}
		return c.lookUpNewFile(t, o)
	}
	ok := c.openFile(t, o, ino)
	c.dputAt(t, refLookUpObject, d)
	return ok
}

// lookUpNewFile is cachefiles_look_up_object's new_file label.
func (c *Cache) lookUpNewFile(t *sim.Thread, o *Object) bool {
	fscache.CookieLookupNegative(t, o.cookie)
	return c.createFile(t, o)
}

// openFile is cachefiles_open_file(): claim an existing file, open it and
// check its coherency data; a stale file is replaced by a tmpfile (the
// stale one goes at commit).
func (c *Cache) openFile(t *sim.Thread, o *Object, ino vfs.Ino) bool {
	if !c.markInodeInUse(t, o, ino) {
		c.emitWarn(t, fmt.Sprintf("cachefiles: Inode already in use: %s (B=%x)", o.dName, uint64(ino)))
		return false
	}
	vf, err := (*vfs.File)(nil), error(vfs.ENOMEM)
	if !t.AllocFails(AllocSiteOpenFile) {
		vf, err = c.open(t, ino)
	}
	if err != nil {
		c.traceVFSError(t, o, ino, err, ErrOpen)
		if c.brokenUnwind != AllocSiteOpenFile {
			c.doUnmarkInodeInUse(t, o, ino)
		}
		return false
	}
	f := c.newCfile(vf, o.fanoutDir(t))
	if err := c.ondemandInitObject(t, o); err != nil {
		c.fput(t, f)
		c.doUnmarkInodeInUse(t, o, ino)
		return false
	}
	if err := c.checkAuxdata(t, o, f); err != nil {
		fscache.CookieLookupNegative(t, o.cookie)
		if c.F.Mutants.Lockset.CachefilesUnmarkAfterFput {
			c.fput(t, f) // test-only (fscache.LocksetMutants)
			c.unmarkInodeInUse(t, o, f)
		} else {
			c.unmarkInodeInUse(t, o, f)
			c.fput(t, f)
		}
		if err == vfs.ESTALE {
			return c.createFile(t, o)
		}
		return false
	}
	o.cookie.Flags().Clear(t, fscache.FlagNoDataToRead)
	o.file = f
	c.gen++
	// Always update the atime of an object just looked up: culling ranks
	// by atime, which open and lookup do not touch.
	c.touchAtime(f)
	return true
}

// createFile is cachefiles_create_file(): space permitting, make the
// object's file as a tmpfile, to be linked in at commit.
func (c *Cache) createFile(t *sim.Thread, o *Object) bool {
	if err := c.hasSpace(t, 1, 0, spaceForCreate); err != nil {
		return false
	}
	f, err := c.createTmpfile(t, o)
	if err != nil {
		return false
	}
	o.cookie.Flags().Set(t, fscache.FlagNeedsUpdate)
	fscache.NeedsUpdatePoint(t, o.cookie)
	o.flags.Set(t, ObjUsingTmpfile)
	o.file = f
	c.gen++
	return true
}

// createTmpfile is cachefiles_create_tmpfile(): an unnamed file in the
// object's fan-out directory, marked in use and sized to the object rounded
// up to the DIO block size.
func (c *Cache) createTmpfile(t *sim.Thread, o *Object) (*cfile, error) {
	fan := o.fanoutDir(t)
	vf, err := (*vfs.File)(nil), error(vfs.ENOMEM)
	if !t.AllocFails(AllocSiteTmpfile) {
		vf, err = c.tmpfile(t, fan)
	}
	if err != nil {
		c.traceVFSError(t, o, fan, err, ErrTmpfile)
		if err == vfs.EIO {
			c.ioErrorObj(t, o, "Failed to create tmpfile")
		}
		return nil, err
	}
	f := c.newCfile(vf, fan)
	c.emit(t, EvTmpfile, oid(o), int64(f.ino))
	if !c.markInodeInUse(t, o, f.ino) {
		t.Bug("WARN", "cachefiles: new tmpfile B=%x already in use", uint64(f.ino))
	}
	if err := c.ondemandInitObject(t, o); err != nil {
		c.doUnmarkInodeInUse(t, o, f.ino)
		c.fput(t, f)
		return nil, err
	}
	if c.F.Mutants.Layout.TmpfileNotExpanded {
		return f, nil
	}
	if ni := roundUp(o.cookie.ObjectSize, DIOBlockSize); ni > 0 {
		c.traceTrunc(t, o, f.ino, 0, ni, TruncExpandTmpfile)
		if err := c.truncate(t, f.ino, ni, injectWrite); err != nil {
			c.traceVFSError(t, o, f.ino, err, ErrTrunc)
			c.doUnmarkInodeInUse(t, o, f.ino)
			c.fput(t, f)
			return nil, err
		}
	}
	return f, nil
}

// commitTmpfile is cachefiles_commit_tmpfile(): link the object's tmpfile
// into its fan-out directory, replacing a stale file of the same name.
func (c *Cache) commitTmpfile(t *sim.Thread, o *Object) bool {
	fan := o.fanoutDir(t)
	dl := c.dirLock(fan)
	dl.Lock(t)
	defer dl.Unlock(t) // out_unlock, after the dput of out_dput
	ino, err := c.lookupAt(t, AllocSiteCommitTmpfile, fan, o.dName)
	if err != nil && err != vfs.ENOENT {
		c.traceVFSError(t, o, fan, err, ErrLookup)
		return false
	}
	d := c.dgetAt(refCommitTmpfile, fan, o.dName, ino)
	if err == nil {
		if ino == o.file.ino {
			c.dputAt(t, refCommitTmpfile, d)
			return true
		}
		if err := c.unlink(t, o, fan, o.dName, ino, WhyIsStale); err != nil {
			c.dputAt(t, refCommitTmpfile, d)
			return false
		}
		c.dputAt(t, refCommitTmpfile, d)
		ino, err = c.lookupAt(t, AllocSiteCommitTmpfile, fan, o.dName)
		if err != nil && err != vfs.ENOENT {
			c.traceVFSError(t, o, fan, err, ErrLookup)
			return false
		}
		d = c.dgetAt(refCommitTmpfile, fan, o.dName, ino)
	}
	ok := false
	if err := c.link(t, o.file.ino, fan, o.dName); err != nil {
		c.traceVFSError(t, o, fan, err, ErrLink)
	} else {
		c.instantiate(&d, o.file.ino)
		c.emit(t, EvLink, oid(o), int64(o.file.ino))
		o.lock.Lock(t)
		o.flags.Clear(t, ObjUsingTmpfile)
		o.lock.Unlock(t)
		ok = true
	}
	c.dputAt(t, refCommitTmpfile, d)
	return ok
}

// lookupForCull is cachefiles_lookup_for_cull(): look name up in dir for
// the daemon; on success dir stays locked.
func (c *Cache) lookupForCull(t *sim.Thread, dir vfs.Ino, name string) (vfs.Ino, dref, error) {
	dl := c.dirLock(dir)
	dl.Lock(t)
	ino, err := c.lookupNoInjectAt(t, AllocSiteLookupForCull, dir, name)
	switch {
	case err == vfs.ENOENT:
		// A negative dentry, let go at once.
		d := c.dgetAt(refLookupForCull, dir, name, 0)
		dl.Unlock(t)
		c.dputAt(t, refLookupForCull, d)
		return 0, dref{}, vfs.ENOENT
	case err == vfs.ESTALE:
		dl.Unlock(t) // the directory died: lookup_one_len says ENOENT
		return 0, dref{}, vfs.ESTALE
	case err == vfs.EIO:
		dl.Unlock(t)
		c.ioError(t, "Lookup failed")
		return 0, dref{}, vfs.EIO
	case err == vfs.ENOMEM:
		dl.Unlock(t)
		return 0, dref{}, err
	case err != nil:
		dl.Unlock(t)
		c.emitWarn(t, fmt.Sprintf("CacheFiles: Internal error: %d", vfs.Code(err)))
		return 0, dref{}, vfs.EIO
	}
	d := c.dgetAt(refLookupForCull, dir, name, ino)
	if c.fs.InUse(ino) && !c.F.Mutants.CachefilesCullIgnoresInUse {
		dl.Unlock(t)
		c.dputAt(t, refLookupForCull, d)
		return 0, dref{}, vfs.EBUSY
	}
	return ino, d, nil
}

// cull is cachefiles_cull(): bury an entry the daemon chose, unless it is
// in use. An entry that becomes in use after the lookup is an "Internal
// error" (EIO) [Q-19]. The victim's S_KERNEL_FILE is tested and set under
// its inode lock (inside the directory's).
func (c *Cache) cull(t *sim.Thread, dir vfs.Ino, name string) error {
	victim, d, err := c.lookupForCull(t, dir, name)
	if err != nil {
		return err
	}
	il := c.fs.ILock(victim)
	il.Lock(t)
	err = c.setInUse(t, victim)
	il.Unlock(t)
	if err != nil && !c.F.Mutants.CachefilesCullIgnoresInUse {
		err = vfs.EBUSY
		c.dirLock(dir).Unlock(t)
	} else {
		c.cullVictims = append(c.cullVictims, victim)
		err = c.buryObject(t, nil, dir, name, victim, WhyWasCulled)
	}
	c.dputAt(t, refLookupForCull, d)
	switch {
	case err == nil:
		c.F.Stats.Culled++
		return nil
	case err == vfs.ENOENT:
		return vfs.ESTALE
	case err == vfs.ENOMEM:
		return err
	}
	c.emitWarn(t, fmt.Sprintf("CacheFiles: Internal error: %d", vfs.Code(err)))
	return vfs.EIO
}

// checkInUse is cachefiles_check_in_use().
func (c *Cache) checkInUse(t *sim.Thread, dir vfs.Ino, name string) error {
	_, d, err := c.lookupForCull(t, dir, name)
	if err != nil {
		return err
	}
	c.dirLock(dir).Unlock(t)
	c.dputAt(t, refLookupForCull, d)
	return nil
}

func roundUp(x, a int64) int64 { return (x + a - 1) / a * a }

func roundDown(x, a int64) int64 { return x / a * a }
