package fscache

import "github.com/fscachesim/fscachesim/sim"

// Fields the kernel writes under a lock but reads without it. Partial-order
// reduction (sched.Exhaustive with POR) takes two steps as independent unless
// their declared accesses conflict, so a write made inside a locked region
// must still be declared, or a lockless reader on another thread would look
// independent of it and the search could prune a real outcome. Each such
// field has an object id (sharedIDs) and every write to it, and every
// lockless read, is a scheduling point that declares the access:
//
//   - cookie->state: written by __fscache_set_cookie_state under
//     cookie->lock (setState stores it as a declared write), read without the
//     lock by fscache_wait_for_operation and the wait conditions;
//   - cookie->inval_counter: bumped by fscache_invalidate under cookie->lock,
//     read without it by fscache_begin_operation's snapshot and by the
//     backend's I/O when it checks for an invalidation under it;
//   - cookie->unused_at: set by fscache_unuse_cookie_locked under
//     cookie->lock, read by the LRU worker under the LRU lock only;
//   - cookie->commit_link (the LRU link): changed under the LRU lock, tested
//     without it by fscache_cookie_drop_from_lru (list_empty);
//   - cookie->cache_priv: set by the backend's lookup and cleared by its
//     withdrawal from the state machine, read by I/O without any lock (the
//     access count is what keeps it alive);
//   - volume->cache_priv: set by the backend's acquire_volume in
//     fscache_create_volume_work and cleared by its free_volume, read
//     without a lock by fscache_create_volume ("we raced"),
//     fscache_perform_lookup, fscache_free_volume and
//     cachefiles_alloc_object (Volume.LoadCachePriv, Volume.SetCachePriv).
//     Both backends' writes are declared: the in-memory backend's and
//     cachefiles' (cachefiles_acquire_volume, __cachefiles_free_volume;
//     cachefiles' TestVolumeCachePrivWritesDeclared);
//   - cache->cache_priv: set by fscache_add_cache (under the addremove
//     semaphore) and cleared by fscache_relinquish_cache (under no lock),
//     read by the backend's volume and object code without either
//     (Cache.SetCachePriv).
type sharedIDs struct {
	invalCounter, unusedAt, lruLink, cachePriv uint32
}

// declare is a scheduling point whose step accesses the field with object
// id *id (explorer.PORCheck is the self-check that these suffice).
func (c *Cookie) declare(t *sim.Thread, id *uint32, kind sim.AccessKind) {
	t.Point(t.Kernel().ObjID(id), kind)
}

// LoadCachePriv reads cookie->cache_priv as I/O does: without a lock, as a
// declared read.
func (c *Cookie) LoadCachePriv(t *sim.Thread) any {
	c.declare(t, &c.shared.cachePriv, sim.AccRead)
	return c.CachePriv
}

// SetCachePriv sets cookie->cache_priv (a backend's lookup attaching its
// object, its withdrawal detaching it) as a declared write.
func (c *Cookie) SetCachePriv(t *sim.Thread, priv any) {
	c.declare(t, &c.shared.cachePriv, sim.AccWrite)
	c.CachePriv = priv
	c.gen++
}

// LoadInvalCounter reads cookie->inval_counter without cookie->lock, as a
// declared read.
func (c *Cookie) LoadInvalCounter(t *sim.Thread) uint32 {
	c.declare(t, &c.shared.invalCounter, sim.AccRead)
	return c.InvalCounter
}

// LoadCachePriv reads volume->cache_priv without a lock, as a declared
// read.
func (v *Volume) LoadCachePriv(t *sim.Thread) any {
	t.Point(t.Kernel().ObjID(&v.privID), sim.AccRead)
	return v.CachePriv
}

// SetCachePriv sets volume->cache_priv (the backend's acquire_volume
// attaching its volume, its free_volume or withdrawal detaching it) as a
// declared write.
func (v *Volume) SetCachePriv(t *sim.Thread, priv any) {
	t.Point(t.Kernel().ObjID(&v.privID), sim.AccWrite)
	v.CachePriv = priv
	v.f.gen++
}

// SetCachePriv sets cache->cache_priv (fscache_add_cache,
// fscache_relinquish_cache) as a declared write.
func (c *Cache) SetCachePriv(t *sim.Thread, priv any) {
	t.Point(t.Kernel().ObjID(&c.privID), sim.AccWrite)
	c.CachePriv = priv
}

// PrivID is the object id of the field's declared accesses (tests).
func (v *Volume) PrivID(k *sim.Kernel) uint32 { return k.ObjID(&v.privID) }

// PrivID is the object id of the field's declared accesses (tests).
func (c *Cache) PrivID(k *sim.Kernel) uint32 { return k.ObjID(&c.privID) }

// PrivID is the object id of the field's declared accesses (tests).
func (c *Cookie) PrivID(k *sim.Kernel) uint32 { return k.ObjID(&c.shared.cachePriv) }
