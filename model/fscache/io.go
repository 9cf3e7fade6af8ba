package fscache

import (
	"fmt"

	"github.com/fscachesim/fscachesim/sim"
)

// beginOperation is fscache_begin_operation(): take a cookie access, wait
// out transient states, and have the backend attach its resources.
func beginOperation(t *sim.Thread, cres *CacheResources, c *Cookie, want Want, why string) error {
	t.Use(&c.life)
	*cres = CacheResources{CachePriv: c, DebugID: c.DebugID, InvalCounter: c.LoadInvalCounter(t)}
	if !BeginCookieAccess(t, c, why) {
		cres.CachePriv = nil
		return ErrNoBufs
	}
	timedOut := false
again:
	c.lock.Lock(t)
	state := c.state.Peek()
	switch state {
	case CookieLookingUp, CookieLRUDiscarding, CookieInvalidating:
		goto wait
	case CookieCreating:
		if want != WantParams {
			goto wait
		}
		goto ready
	case CookieActive:
		goto ready
	case CookieRelinquishing, CookieDropped:
		c.lock.Unlock(t)
		warn(t, "WARN", "fscache_begin_operation: cookie c=%08x in state %v", c.DebugID, state)
	default:
		c.lock.Unlock(t)
		goto failed
	}
ready:
	c.lock.Unlock(t)
	c.f.backendCall(t, "begin_operation", c, c.Volume)
	if !cacheOps(c.Volume.Cache, "begin_operation").BeginOperation(t, cres, want) {
		goto failed
	}
	return nil
wait:
	c.lock.Unlock(t)
	c.traceAccess(t, c.nAccesses.Peek(), TraceAccessIOWait)
	if !sim.WaitVarEventTimeout(t, &c.state, "cookie state change (begin_operation)", CollisionTimeout,
		func() bool { return c.state.Peek() != state }) && !timedOut {
		timedOut = true
		notice(t, c.DebugID, fmt.Sprintf("fscache_begin_operation: cookie state change wait timed out: cookie->state=%d state=%d", c.state.Peek(), state))
	}
	goto again
failed:
	cres.CachePriv = nil
	cres.Ops = nil
	EndCookieAccess(t, c, TraceAccessIONotLive)
	return ErrNoBufs
}

// BeginReadOperation is fscache_begin_read_operation().
func BeginReadOperation(t *sim.Thread, cres *CacheResources, c *Cookie) error {
	netfsCall(t, "begin_read_operation", c, nil)
	if c == nil || c.flags.Test(t, FlagDisabled) {
		return ErrNoBufs
	}
	c.f.point(t, PtBeginReadWrite, c, nil, false)
	return beginOperation(t, cres, c, WantParams, TraceAccessIORead)
}

// BeginWriteOperation is fscache_begin_write_operation().
func BeginWriteOperation(t *sim.Thread, cres *CacheResources, c *Cookie) error {
	netfsCall(t, "begin_write_operation", c, nil)
	if c == nil || c.flags.Test(t, FlagDisabled) {
		return ErrNoBufs
	}
	c.f.point(t, PtBeginReadWrite, c, nil, false)
	return beginOperation(t, cres, c, WantParams, TraceAccessIOWrite)
}

// EndOperation is fscache_end_operation().
func EndOperation(t *sim.Thread, cres *CacheResources) {
	if cres.CachePriv != nil && cres.Ops != nil {
		cres.Ops.EndOperation(t, cres)
	}
}

// WaitForOperation is fscache_wait_for_operation(): the backend waits until
// the cookie can serve want, and picks up its file if it has none yet.
func WaitForOperation(t *sim.Thread, cres *CacheResources, want Want) bool {
	c := cres.CachePriv
	for {
		if !cacheIsLive(t, c.Volume.Cache) {
			return false
		}
		state := c.state.LoadAcquire(t) // fscache_cookie_state(): smp_load_acquire
		switch state {
		case CookieCreating, CookieInvalidating:
			if want == WantParams {
				goto ready
			}
		case CookieLookingUp, CookieLRUDiscarding:
		case CookieActive:
			goto ready
		default:
			return false
		}
		if c.f.Mutants.WaitForOperationNoRecheck {
			sim.WaitVarEvent(t, &c.state, "cookie state change (wait_for_operation)", func() bool { return c.state.Peek() != state })
			break
		}
		sim.WaitVarEvent(t, &c.state, "cookie state change (wait_for_operation)", func() bool { return c.state.Peek() != state })
	}
ready:
	c.f.point(t, PtWaitReady, c, nil, want == WantParams)
	if cres.CachePriv2 == nil {
		c.f.backendCall(t, "begin_operation", c, c.Volume)
		return cacheOps(c.Volume.Cache, "begin_operation").BeginOperation(t, cres, want)
	}
	return true
}

// WriteToCache is fscache_write_to_cache(): copy data the netfs has (read
// from the server or written locally) into the cache. The write is
// submitted and WriteToCache returns; its completion (fscache_wreq_done:
// term, then fscache_end_operation, which ends the cookie access) runs
// later in the backend's completion context, so the operation holds its
// cookie access until then. A write abandoned before submission (no
// access, prepare_write refused) or failed synchronously completes in the
// caller (wasAsync false): its error is returned, and given to term as
// well. term may be nil.
func WriteToCache(t *sim.Thread, c *Cookie, start int64, data []byte, iSize int64, caching bool, term TermFunc) error {
	return writeToCache(t, c, start, data, iSize, caching, term, nil)
}

// WriteToCacheStream is WriteToCache for a netfs write request's cache
// stream (netfs_write_collection's io_streams[1]): *began tells term and
// the caller whether the stream was opened (the write operation began), so
// that a failure after that point can be told from a cache that was not
// there (6.12's netfs calls ->invalidate_cache only for a cache stream
// that was active and failed).
func WriteToCacheStream(t *sim.Thread, c *Cookie, start int64, data []byte, iSize int64, began *bool, term TermFunc) error {
	// The write request's cache stream is begun by netfs_create_write_req
	// with fscache_begin_write_operation, refused while the cookie is
	// DISABLED (a direct write's invalidation until the last unuse).
	caching := c == nil || !c.flags.Test(t, FlagDisabled)
	return writeToCache(t, c, start, data, iSize, caching, term, began)
}

func writeToCache(t *sim.Thread, c *Cookie, start int64, data []byte, iSize int64, caching bool, term TermFunc, began *bool) error {
	netfsCall(t, "write_to_cache", c, nil)
	if !caching || c == nil || len(data) == 0 {
		if term != nil {
			term(t, 0, ErrNoBufs, false)
		}
		return ErrNoBufs
	}
	// kzalloc of struct fscache_write_request; its failure abandons the
	// write like the checks above.
	if t.AllocFails(AllocSiteWriteRequest) {
		if term != nil {
			term(t, 0, ErrNoBufs, false)
		}
		return ErrNoBufs
	}
	wreq := &writeRequest{term: term, life: sim.Life{Kind: "fscache_write_request", ID: c.DebugID}}
	cres := &wreq.cres
	if err := beginOperation(t, cres, c, WantWrite, TraceAccessIOWrite); err != nil {
		if term != nil {
			term(t, 0, err, false)
		}
		return err
	}
	if began != nil {
		*began = true
	}
	length := int64(len(data))
	err := PrepareWrite(t, cres, &start, &length, iSize, false)
	if err != nil {
		wreq.done(t, 0, err, false)
		return err
	}
	if length > int64(len(data)) {
		data = append(data, make([]byte, length-int64(len(data)))...)
	}
	var syncErr error
	err = Write(t, cres, start, data[:length], func(t *sim.Thread, n int, err error, wasAsync bool) {
		if !wasAsync {
			syncErr = err
		}
		wreq.done(t, n, err, wasAsync)
	})
	if syncErr != nil {
		return syncErr
	}
	return err
}

// writeRequest is struct fscache_write_request: the operation a
// WriteToCache holds until its completion.
type writeRequest struct {
	cres CacheResources
	term TermFunc
	// life is the request's lifetime, kzalloc to the kfree at the end of
	// fscache_wreq_done (not tracked for leaks: the cookie access it holds
	// is).
	life sim.Life
}

// done is fscache_wreq_done(): tell the netfs, then end the operation
// (and with it the cookie access the write held).
func (w *writeRequest) done(t *sim.Thread, n int, err error, wasAsync bool) {
	t.Use(&w.life)
	if w.term != nil {
		w.term(t, n, err, wasAsync)
	}
	EndOperation(t, &w.cres)
	t.Free(&w.life)
}

// ResizeCookie is fscache_resize_cookie(): the netfs truncated the file. A
// no-op while disabled.
func ResizeCookie(t *sim.Thread, c *Cookie, newSize int64) {
	netfsCall(t, "resize_cookie", c, nil)
	if c == nil || c.flags.Test(t, FlagDisabled) {
		return
	}
	c.f.point(t, PtResize, c, nil, false)
	// The tracepoint comes first, whether or not the operation begins.
	t.Emit(sim.Event{Type: EvResize, Obj: c.DebugID, Args: [8]int64{c.ObjectSize, newSize}})
	var cres CacheResources
	if err := beginOperation(t, &cres, c, WantWrite, TraceAccessIOResize); err != nil {
		c.f.Stats.ResizesNull++
		return
	}
	c.f.Stats.Resizes++
	c.flags.Set(t, FlagNeedsUpdate)
	c.f.point(t, PtNeedsUpdate, c, nil, false)
	c.f.backendCall(t, "resize_cookie", c, c.Volume)
	if c.f.Mutants.ResizeAfterEndOperation {
		EndOperation(t, &cres)
		cacheOps(c.Volume.Cache, "resize_cookie").ResizeCookie(t, &cres, newSize)
		return
	}
	cacheOps(c.Volume.Cache, "resize_cookie").ResizeCookie(t, &cres, newSize)
	EndOperation(t, &cres)
}

// Inode is the part of a netfs inode that write-back pinning touches: the
// I_PINNING_FSCACHE_WB flag under i_lock.
type Inode struct {
	Lock    sim.SpinLock
	pinning bool
}

// Pinning reports I_PINNING_FSCACHE_WB.
func (i *Inode) Pinning() bool { return i.pinning }

// DirtyFolio is fscache_dirty_folio(): the first dirtying of an inode's page
// cache pins the cookie in use (a modifying use) until write-back is done.
// alreadyDirty is the folio's previous dirty state; it returns whether the
// folio was newly dirtied.
func DirtyFolio(t *sim.Thread, inode *Inode, c *Cookie, alreadyDirty bool) bool {
	if alreadyDirty {
		return false
	}
	if c == nil || inode.pinning {
		return true
	}
	inode.Lock.Lock(t)
	inode.Lock.AssertHeld(t, "I_PINNING_FSCACHE_WB test and set (inode->i_lock)") // lockset
	pin := !inode.pinning
	inode.pinning = true
	inode.Lock.Unlock(t)
	if pin {
		UseCookie(t, c, true)
	}
	return true
}

// ClearPinning is the VFS's half of the unpin (__writeback_single_inode):
// with no dirty page left it clears I_PINNING_NETFS_WB. The caller holds
// i.Lock and passes the result to UnpinWriteback.
func (i *Inode) ClearPinning() bool {
	pinned := i.pinning
	i.pinning = false
	return pinned
}

// UnpinWriteback is fscache_unpin_writeback() (netfs_unpin_writeback in
// 6.12): called from the flusher's write_inode; if the VFS cleared the pin
// (wbc->unpinned_netfs_wb), drop the cookie use it stood for.
func UnpinWriteback(t *sim.Thread, c *Cookie, unpinned bool) {
	if unpinned {
		UnuseCookie(t, c, nil, nil)
	}
}

// ClearInodeWriteback is fscache_clear_inode_writeback(): at evict, drop a
// pin still held, with the final coherency data and size.
func ClearInodeWriteback(t *sim.Thread, inode *Inode, c *Cookie, aux []byte, iSize int64) {
	inode.Lock.Lock(t)
	inode.Lock.AssertHeld(t, "I_PINNING_FSCACHE_WB test and clear (inode->i_lock)") // lockset
	pinned := inode.pinning
	inode.pinning = false
	inode.Lock.Unlock(t)
	if pinned {
		UnuseCookie(t, c, aux, &iSize)
	}
}
