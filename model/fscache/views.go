package fscache

// Read-only views for the checker (package checker). None of them is a
// scheduling point and none changes the model: they let a per-step check
// tell a transient window (a lock held across two steps of one thread) from
// a broken invariant.

// LockHeld reports whether anyone holds cookie->lock.
func (c *Cookie) LockHeld() bool { return c.lock.Held() }

// WorkPending reports whether the cookie's state machine work item is
// queued and not yet started (each pending queueing holds a cookie ref).
func (c *Cookie) WorkPending() bool { return c.work.Pending() }

// WorkRunning reports whether a kworker is executing the cookie's work item.
func (c *Cookie) WorkRunning() bool { return c.work.Running() }

// CookieBucketLocked reports whether the cookie hash bucket for hash is
// locked (hlist_bl_lock held).
func (f *Fscache) CookieBucketLocked(hash uint32) bool {
	if b := f.cookieHash.get(CookieBucket(hash)); b != nil {
		return b.lock.Has(0)
	}
	return false
}

// VolumeHashChain returns the chain of the volume hash bucket for hash,
// head first.
func (f *Fscache) VolumeHashChain(hash uint32) []*Volume {
	if b := f.volumeHash.get(VolumeBucket(hash)); b != nil {
		return b.chain
	}
	return nil
}

// VolumeBucketLocked reports whether the volume hash bucket for hash is
// locked.
func (f *Fscache) VolumeBucketLocked(hash uint32) bool {
	if b := f.volumeHash.get(VolumeBucket(hash)); b != nil {
		return b.lock.Has(0)
	}
	return false
}

// LRUWorkBusy reports whether the LRU worker is queued or running.
func (f *Fscache) LRUWorkBusy() bool { return f.lruWork.Pending() || f.lruWork.Running() }

// LRULockHeld reports whether anyone holds fscache_cookie_lru_lock.
func (f *Fscache) LRULockHeld() bool { return f.lruLock.Held() }

// WorkBusy reports whether the volume's creation work item is queued or
// running.
func (v *Volume) WorkBusy() bool { return v.work.Pending() || v.work.Running() }

// Gen is the cookie's generation: it changes whenever a field the views
// above show changes (state, flags, ref, n_active, n_accesses, cookie->lock,
// the work item, cache_priv, inval_counter, the hash and LRU links). A
// checker that saw a cookie at one generation and finds it at the same
// generation may take every view to be as it saw it (checker/doc.go,
// "Incremental checks"). It wraps; compare for equality only.
func (c *Cookie) Gen() uint32 { return c.gen }

// Gen is the generation of everything the volume, cache and LRU views show
// (the volumes' and caches' counters, flags, states and work items,
// volume->cache_priv, the volume hash chains and their bucket locks, and
// the lists of volumes, caches and LRU cookies): it changes whenever one
// of them does. The cookies' own views have their own (Cookie.Gen). It
// wraps; compare for equality only.
func (f *Fscache) Gen() uint32 { return f.gen }
