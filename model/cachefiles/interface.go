package cachefiles

import (
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// Object flag bits (CACHEFILES_OBJECT_*).
const (
	ObjUsingTmpfile = 0 // the file is an unlinked tmpfile, linked at commit
)

// Object is struct cachefiles_object: the backend's half of a cookie that
// is being cached, with the open backing file.
type Object struct {
	life    sim.Life
	ref     sim.Atomic
	cache   *Cache
	volume  *Volume
	cookie  *fscache.Cookie
	file    *cfile
	dName   string
	DebugID uint32
	lock    sim.SpinLock // object->lock: file swaps and the tmpfile flag
	content Content
	flags   sim.Flags
	onList  bool    // on cache->object_list
	marked  vfs.Ino // the inode this object last marked in use, 0 once unmarked
	// ondemand is the on-demand info (cachefiles_ondemand_info), nil
	// outside on-demand mode.
	ondemand *ondemandInfo
}

// allocObject is cachefiles_alloc_object(): ref 1, a cookie ref, counted
// on the cache; nil when the allocation fails.
func (c *Cache) allocObject(t *sim.Thread, ck *fscache.Cookie) *Object {
	// The volume is read first (the kernel's declaration), without a lock:
	// a declared read, kept out of the allocation and the debug id's
	// increment so that no other step comes between those.
	vol := ck.Volume.LoadCachePriv(t).(*Volume)
	if t.AllocFails(AllocSiteObject) {
		return nil
	}
	c.objectDebugID++
	o := &Object{cache: c, DebugID: c.objectDebugID, volume: vol}
	o.life = sim.Life{Kind: "object", ID: o.DebugID}
	c.k.Track(&o.life)
	c.initObjInfo(t, o)
	o.ref.Init(1)
	o.lock.Name = "cachefiles object->lock"
	o.cookie = fscache.GetCookie(t, ck, fscache.TraceCookieGetAttachObject)
	fscache.CountObject(t, ck.Volume.Cache)
	c.allObjects = append(c.allObjects, o)
	o.flags.Watch(&c.gen)
	c.gen++
	t.Emit(sim.Event{Type: EvRef, Obj: o.DebugID, Args: [8]int64{int64(ck.DebugID), 1}, Str: [2]string{TraceObjNew}})
	return o
}

// fanoutDir is o->volume->fanout[] at the cookie's hash, as the kernel
// reads it: the object, its volume and its cookie are dereferenced.
func (o *Object) fanoutDir(t *sim.Thread) vfs.Ino {
	t.Use(&o.life)
	t.Use(&o.volume.life)
	t.Use(o.cookie.Life())
	if o.volume.cache.F.Mutants.Layout.FanoutWrongByte {
		return o.volume.fanout[fscache.FanoutIndex(o.cookie.KeyHash+1)]
	}
	return o.volume.fanout[fscache.FanoutIndex(o.cookie.KeyHash)]
}

// cookieOf is o->cookie as the kernel dereferences it.
func (o *Object) cookieOf(t *sim.Thread) *fscache.Cookie {
	t.Use(&o.life)
	t.Use(o.cookie.Life())
	return o.cookie
}

// see is cachefiles_see_object().
func (o *Object) see(t *sim.Thread, why string) {
	t.Emit(sim.Event{Type: EvRef, Obj: o.DebugID, Args: [8]int64{int64(o.cookie.DebugID), o.ref.Peek()}, Str: [2]string{why}})
}

// grab is cachefiles_grab_object(): the trace shows the count before.
func (o *Object) grab(t *sim.Thread, why string) {
	t.Use(&o.life)
	r := o.ref.Inc(t) - 1
	t.Emit(sim.Event{Type: EvRef, Obj: o.DebugID, Args: [8]int64{int64(o.cookie.DebugID), r}, Str: [2]string{why}})
}

// put is cachefiles_put_object(): the last put frees the object, drops
// its cookie ref and uncounts it.
func (o *Object) put(t *sim.Thread, why string) {
	ck := o.cookieOf(t)
	r := o.ref.Dec(t) + 1
	t.Emit(sim.Event{Type: EvRef, Obj: o.DebugID, Args: [8]int64{int64(ck.DebugID), r}, Str: [2]string{why}})
	if r < 1 {
		t.Bug("refcount", "cachefiles object o=%08x refcount underflow", o.DebugID)
	}
	if r != 1 {
		return
	}
	if o.file != nil {
		t.Bug("ASSERT", "cachefiles object o=%08x freed with a file", o.DebugID)
	}
	c := o.cache
	// object->volume->cache->cache.
	t.Use(&o.volume.life)
	t.Use(&o.volume.cache.life)
	cache := o.volume.cache.cache
	c.deinitObjInfo(t, o)
	t.Free(&o.life)
	for i, x := range c.allObjects {
		if x == o {
			c.allObjects = append(c.allObjects[:i:i], c.allObjects[i+1:]...)
			c.gen++
			break
		}
	}
	fscache.PutCookie(t, ck, fscache.TraceCookiePutObject)
	o.cookie = nil
	fscache.UncountObject(t, cache)
}

// objectOf is cookie->cache_priv as the kernel reads it: no check, so a
// cookie whose object was withdrawn is a NULL dereference (an oops).
func objectOf(ck *fscache.Cookie) *Object {
	return ck.CachePriv.(*Object)
}

// LookupCookie is cachefiles_lookup_cookie(): allocate an object, name it,
// look its file up (or create one), list it and adjust the file's size.
// A failed look-up makes caching fail for the cookie.
func (c *Cache) LookupCookie(t *sim.Thread, ck *fscache.Cookie) bool {
	t.Use(&c.life)
	o := c.allocObject(t, ck)
	if o == nil {
		return false
	}
	name, err := CookKey(ck.Key)
	if c.F.Mutants.Layout.CookKeySkipsFirst && len(ck.Key) > 1 {
		name, err = CookKey(ck.Key[1:])
	}
	if err != nil {
		// cachefiles_cook_key BUG()s on a key longer than NAME_MAX - 3
		// (fscache passes keys up to 255 bytes): an oops, not a
		// caching failure.
		t.Bug("BUG_ON", "kernel BUG at fs/cachefiles/key.c: cachefiles_cook_key: keylen %d > NAME_MAX - 3 (c=%08x)", len(ck.Key), ck.DebugID)
		return false
	}
	if t.AllocFails(AllocSiteCookKey) {
		if c.brokenUnwind != AllocSiteCookKey {
			o.put(t, TraceObjPutAllocFail)
		}
		return false
	}
	o.dName = name
	ck.SetCachePriv(t, o)
	if !c.lookUpObject(t, o) {
		o.see(t, TraceObjSeeLookupFailed)
		fscache.CachingFailed(t, ck)
		return false
	}
	o.see(t, TraceObjSeeLookupCookie)
	c.objectListLock.Lock(t)
	c.objectListLock.AssertHeld(t, "cache->object_list list_add") // lockset
	c.objects = append(c.objects, o)
	o.onList = true
	c.objectListLock.Unlock(t)
	c.sizing(t, o, SizeLookup, 0, false)
	c.adjustSize(t, o)
	c.sizing(t, o, SizeLookup, 0, true)
	return true
}

// adjustSize is cachefiles_adjust_size(): keep the file's size the object
// size rounded up to the DIO block size, discarding a partial tail page
// before growing.
func (c *Cache) adjustSize(t *sim.Thread, o *Object) error {
	f := o.file
	if f == nil {
		return vfs.ENOBUFS
	}
	ni := roundUp(o.cookieOf(t).ObjectSize, DIOBlockSize)
	if c.F.Mutants.Layout.AdjustSizeOver {
		ni += DIOBlockSize
	}
	st, err := c.stat(f.ino)
	if err != nil {
		return vfs.ENOBUFS
	}
	oi := st.Size
	if oi == ni {
		return nil
	}
	if oi%PageSize != 0 && ni > oi {
		err = c.truncate(t, f.ino, roundDown(oi, PageSize), injectRemove)
	}
	if err == nil {
		err = c.truncate(t, f.ino, ni, injectWrite)
	}
	if err != nil {
		c.traceIOError(t, nil, f.ino, err, ErrNotifyChange)
	}
	if err == vfs.EIO {
		c.ioErrorObj(t, o, "Size set failed")
		return vfs.ENOBUFS
	}
	return err
}

// WithdrawCookie is cachefiles_withdraw_cookie(): unlist the object,
// commit (or, retired, delete) its file, close it and detach the object.
func (c *Cache) WithdrawCookie(t *sim.Thread, ck *fscache.Cookie) {
	t.Use(&c.life)
	o := objectOf(ck)
	o.see(t, TraceObjSeeWithdrawCookie)
	if o.onList {
		c.objectListLock.Lock(t)
		if o.onList {
			o.see(t, TraceObjSeeWithdrawal)
			c.objectListLock.AssertHeld(t, "cache->object_list list_del") // lockset
			for i, x := range c.objects {
				if x == o {
					c.objects = append(c.objects[:i:i], c.objects[i+1:]...)
					break
				}
			}
			o.onList = false
		}
		c.objectListLock.Unlock(t)
	}
	c.ondemandCleanObject(t, o)
	if o.file != nil {
		c.cleanUpObject(t, o)
	}
	ck.SetCachePriv(t, nil)
	o.put(t, TraceObjPutDetach)
}

// cleanUpObject is cachefiles_clean_up_object().
func (c *Cache) cleanUpObject(t *sim.Thread, o *Object) {
	if o.cookieOf(t).Flags().Test(t, fscache.FlagRetired) {
		if !o.flags.Test(t, ObjUsingTmpfile) {
			o.see(t, TraceObjSeeCleanDelete)
			if !c.F.Mutants.CachefilesRetireKeepsFile {
				c.deleteObject(t, o, WhyWasRetired)
			}
		} else {
			o.see(t, TraceObjSeeCleanDropTmp)
		}
	} else {
		o.see(t, TraceObjSeeCleanCommit)
		c.commitObject(t, o)
	}
	c.unmarkInodeInUse(t, o, o.file)
	o.lock.Lock(t)
	o.lock.AssertHeld(t, "object->file detach") // lockset: begin_operation reads it under object->lock
	f := o.file
	o.file = nil
	c.gen++
	o.lock.Unlock(t)
	c.fput(t, f)
}

// commitObject is cachefiles_commit_object(): rewrite the xattr (clean) if
// the cookie was written to or changed, then link a tmpfile in.
func (c *Cache) commitObject(t *sim.Thread, o *Object) {
	update := o.cookieOf(t).Flags().TestAndClear(t, fscache.FlagLocalWrite)
	if o.cookie.Flags().TestAndClear(t, fscache.FlagNeedsUpdate) {
		update = true
	}
	if update || c.F.Mutants.CachefilesCommitAlwaysRewrites {
		fscache.CommitXattrPoint(t, o.cookie)
		c.setObjectXattr(t, o)
	}
	if o.flags.Test(t, ObjUsingTmpfile) {
		c.commitTmpfile(t, o)
	}
}

// InvalidateCookie is cachefiles_invalidate_cookie(): cut over to a new
// tmpfile; I/O in flight finishes on the old file (and reads report
// ESTALE); a linked old file is unlinked.
func (c *Cache) InvalidateCookie(t *sim.Thread, ck *fscache.Cookie) bool {
	t.Use(&c.life)
	o := objectOf(ck)
	oldTmp := o.flags.Test(t, ObjUsingTmpfile)
	if o.file == nil {
		fscache.ResumeAfterInvalidation(t, ck)
		return true
	}
	nf, err := c.createTmpfile(t, o)
	if err != nil {
		return false
	}
	o.lock.Lock(t)
	o.lock.AssertHeld(t, "object->file swap") // lockset: begin_operation reads it under object->lock
	old := o.file
	o.file = nf
	c.gen++
	o.content = ContentNoData
	o.flags.Set(t, ObjUsingTmpfile)
	ck.Flags().Set(t, fscache.FlagNeedsUpdate)
	fscache.NeedsUpdatePoint(t, ck)
	o.lock.Unlock(t)
	fscache.ResumeAfterInvalidation(t, ck)
	if old != nil {
		if !oldTmp {
			fan := o.fanoutDir(t)
			c.dirLock(fan).Lock(t)
			if err := c.buryObject(t, o, fan, o.dName, old.ino, WhyInvalidated); err != nil {
				// The old file keeps the S_KERNEL_FILE its lookup
				// set: nothing on this path unmarks it, and a failed
				// unlink leaves its inode alive (for the checker).
				c.invalVictims = append(c.invalVictims, old.ino)
			}
		}
		c.fput(t, old)
	}
	return true
}

// ResizeCookie is cachefiles_resize_cookie(): shrinking cuts the file
// down (to the DIO block, zeroing the padding); growing only records the
// size.
func (c *Cache) ResizeCookie(t *sim.Thread, cres *fscache.CacheResources, newSize int64) {
	fscache.ResizePoint(t, cres)
	t.Use(&c.life)
	o := objectOf(cres.CachePriv)
	ck := o.cookie
	if newSize < ck.ObjectSize {
		if f := cresFile(cres); f != nil {
			c.shortenObject(t, o, f, newSize)
		}
	}
	ck.ObjectSize = newSize
}

// shortenObject is cachefiles_shorten_object().
func (c *Cache) shortenObject(t *sim.Thread, o *Object, f *cfile, newSize int64) bool {
	dio := roundUp(newSize, DIOBlockSize)
	st, _ := c.stat(f.ino)
	c.traceTrunc(t, o, f.ino, st.Size, dio, TruncShrink)
	if err := c.truncate(t, f.ino, dio, injectRemove); err != nil {
		c.traceIOError(t, o, f.ino, err, ErrTrunc)
		c.ioErrorObj(t, o, "Trunc-to-size failed %d", vfs.Code(err))
		c.removeObjectXattr(t, o, f.ino)
		return false
	}
	if newSize < dio {
		c.traceTrunc(t, o, f.ino, dio, newSize, TruncDIOAdjust)
		if err := c.fallocate(t, f, vfs.FallocZeroRange, newSize, dio-newSize, injectWrite); err != nil {
			c.traceIOError(t, o, f.ino, err, ErrFallocate)
			c.ioErrorObj(t, o, "Trunc-to-dio-size failed %d", vfs.Code(err))
			c.removeObjectXattr(t, o, f.ino)
			return false
		}
	}
	return true
}

// PrepareToWrite is cachefiles_prepare_to_write(): a linked file gets the
// DIRTY marker (LOCAL_WRITE is set) until it is committed.
func (c *Cache) PrepareToWrite(t *sim.Thread, ck *fscache.Cookie) {
	t.Use(&c.life)
	o := objectOf(ck)
	if c.F.Mutants.Layout.PrepareMarksTmpfile {
		if o.flags.Test(t, ObjUsingTmpfile) {
			c.setObjectXattr(t, o)
		}
		return
	}
	if !o.flags.Test(t, ObjUsingTmpfile) {
		c.setObjectXattr(t, o)
	}
}

// setObjectXattr is cachefiles_set_object_xattr().
func (c *Cache) setObjectXattr(t *sim.Thread, o *Object) error {
	f := o.file
	if f == nil {
		return vfs.ESTALE
	}
	if t.AllocFails(AllocSiteSetObjectXattr) {
		return vfs.ENOMEM
	}
	ck := o.cookie
	content := o.content
	if ck.Flags().Test(t, fscache.FlagLocalWrite) {
		content = ContentDirty
	}
	if c.F.Mutants.Layout.XattrNoDataAsOne && content == ContentNoData {
		content = 1
	}
	buf := EncodeObjectXattr(uint64(ck.ObjectSize), content, ck.Aux)
	if err := c.setxattr(t, f.ino, buf); err != nil {
		c.traceVFSError(t, o, f.ino, err, ErrSetxattr)
		c.traceCoherency(t, o, f.ino, content, ReasonSetFail)
		if err != vfs.ENOMEM {
			c.ioErrorObj(t, o, "Failed to set xattr with error %d", vfs.Code(err))
		}
		return err
	}
	c.traceCoherency(t, o, f.ino, content, ReasonSetOK)
	return nil
}

// removeObjectXattr is cachefiles_remove_object_xattr().
func (c *Cache) removeObjectXattr(t *sim.Thread, o *Object, ino vfs.Ino) error {
	err := c.removexattr(t, ino)
	if err == vfs.ENOENT || err == vfs.ENODATA {
		err = nil
	}
	if err != nil {
		c.traceVFSError(t, o, ino, err, ErrRemxattr)
		if err == vfs.EIO {
			c.ioErrorObj(t, o, "Can't remove xattr from %s (error %d)", o.dName, vfs.Code(err))
		}
	}
	return err
}

// checkAuxdata is cachefiles_check_auxdata(): does the file's xattr still
// describe the cookie? nil, ESTALE, or the getxattr error.
func (c *Cache) checkAuxdata(t *sim.Thread, o *Object, f *cfile) error {
	if t.AllocFails(AllocSiteCheckAuxdata) {
		return vfs.ENOMEM
	}
	ck := o.cookie
	buf, err := c.getxattr(t, f.ino, ObjectXattrHeaderLen+len(ck.Aux))
	reason, content := ReasonBadXattr, Content(0)
	if err == nil {
		var e error
		size := uint64(ck.ObjectSize)
		if c.F.Mutants.CachefilesCoherencyWrongSize {
			size++
		}
		reason, e = CheckAuxdata(buf, ck.Aux, size)
		err = xattrErr(e)
		if len(buf) >= ObjectXattrHeaderLen {
			content = Content(buf[17])
		}
	} else {
		c.traceVFSError(t, o, f.ino, err, ErrGetxattr)
		if err == vfs.EIO {
			c.ioErrorObj(t, o, "Failed to read aux with error %d", vfs.Code(err))
		}
	}
	if reason == ReasonBadDirty {
		c.emitWarn(t, "CacheFiles: Dirty object in cache")
	}
	c.traceCoherency(t, o, f.ino, content, reason)
	return err
}
