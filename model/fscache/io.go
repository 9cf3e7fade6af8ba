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
	if c == nil || c.flags.Test(t, FlagDisabled) {
		return ErrNoBufs
	}
	return beginOperation(t, cres, c, WantParams, TraceAccessIORead)
}

// BeginWriteOperation is fscache_begin_write_operation().
func BeginWriteOperation(t *sim.Thread, cres *CacheResources, c *Cookie) error {
	if c == nil || c.flags.Test(t, FlagDisabled) {
		return ErrNoBufs
	}
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
		state := c.state.Load(t)
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
		sim.WaitVarEvent(t, &c.state, "cookie state change (wait_for_operation)", func() bool { return c.state.Peek() != state })
	}
ready:
	if cres.CachePriv2 == nil {
		c.f.backendCall(t, "begin_operation", c, c.Volume)
		return cacheOps(c.Volume.Cache, "begin_operation").BeginOperation(t, cres, want)
	}
	return true
}

// WriteToCache is fscache_write_to_cache(): copy data the netfs has (read
// from the server or written locally) into the cache. It returns the
// result the netfs's termination function would get.
func WriteToCache(t *sim.Thread, c *Cookie, start int64, data []byte, iSize int64, caching bool) error {
	if !caching || c == nil {
		return ErrNoBufs
	}
	if len(data) == 0 {
		return ErrNoBufs
	}
	var cres CacheResources
	if err := beginOperation(t, &cres, c, WantWrite, TraceAccessIOWrite); err != nil {
		return err
	}
	length := int64(len(data))
	err := cres.Ops.PrepareWrite(t, &cres, &start, &length, iSize, false)
	if err == nil {
		if length > int64(len(data)) {
			data = append(data, make([]byte, length-int64(len(data)))...)
		}
		err = cres.Ops.Write(t, &cres, start, data[:length])
	}
	EndOperation(t, &cres)
	return err
}

// ResizeCookie is fscache_resize_cookie(): the netfs truncated the file. A
// no-op while disabled.
func ResizeCookie(t *sim.Thread, c *Cookie, newSize int64) {
	if c == nil || c.flags.Test(t, FlagDisabled) {
		return
	}
	var cres CacheResources
	if err := beginOperation(t, &cres, c, WantWrite, TraceAccessIOResize); err != nil {
		c.f.Stats.ResizesNull++
		return
	}
	c.f.Stats.Resizes++
	c.flags.Set(t, FlagNeedsUpdate)
	t.Emit(sim.Event{Type: EvResize, Obj: c.DebugID, Args: [8]int64{c.ObjectSize, newSize}})
	c.f.backendCall(t, "resize_cookie", c, c.Volume)
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
	pin := !inode.pinning
	inode.pinning = true
	inode.Lock.Unlock(t)
	if pin {
		UseCookie(t, c, true)
	}
	return true
}

// UnpinWriteback is fscache_unpin_writeback(): write_inode found every dirty
// page written (the VFS cleared I_PINNING_FSCACHE_WB), so drop the pin.
func UnpinWriteback(t *sim.Thread, inode *Inode, c *Cookie) {
	inode.Lock.Lock(t)
	unpinned := inode.pinning
	inode.pinning = false
	inode.Lock.Unlock(t)
	if unpinned {
		UnuseCookie(t, c, nil, nil)
	}
}

// ClearInodeWriteback is fscache_clear_inode_writeback(): at evict, drop a
// pin still held, with the final coherency data and size.
func ClearInodeWriteback(t *sim.Thread, inode *Inode, c *Cookie, aux []byte, iSize int64) {
	inode.Lock.Lock(t)
	pinned := inode.pinning
	inode.pinning = false
	inode.Lock.Unlock(t)
	if pinned {
		UnuseCookie(t, c, aux, &iSize)
	}
}
