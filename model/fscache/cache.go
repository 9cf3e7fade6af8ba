package fscache

import (
	"errors"
	"fmt"

	"github.com/fscachesim/fscachesim/sim"
)

// Errors returned to callers, named after the kernel's errno values.
var (
	ErrNoBufs = errors.New("ENOBUFS")
	ErrBusy   = errors.New("EBUSY")
	ErrNoMem  = errors.New("ENOMEM")
	ErrStale  = errors.New("ESTALE")
	ErrNoData = errors.New("ENODATA")
)

// Cache is struct fscache_cache: the fscache side of a cache backend.
type Cache struct {
	f           *Fscache
	life        sim.Life
	ref         sim.Atomic
	nVolumes    sim.Atomic
	nAccesses   sim.Atomic
	objectCount sim.Atomic
	state       sim.Var[CacheState]
	privID      uint32 // object id of cache_priv's declared accesses (shared.go)

	Name      string // the tag; "" for a placeholder record
	DebugID   uint32
	Ops       Backend
	CachePriv any
}

// State is the cache state (read-only view).
func (c *Cache) State() CacheState { return c.state.Peek() }

// Ref, NAccesses, ObjectCount and NVolumes are read-only views of the counters.
func (c *Cache) Ref() int64         { return c.ref.Peek() }
func (c *Cache) NAccesses() int64   { return c.nAccesses.Peek() }
func (c *Cache) ObjectCount() int64 { return c.objectCount.Peek() }
func (c *Cache) NVolumes() int64    { return c.nVolumes.Peek() }

// Life is the cache's lifetime record.
func (c *Cache) Life() *sim.Life { return &c.life }

func (c *Cache) trace(t *sim.Thread, ref int64, why string) {
	t.Emit(sim.Event{Type: EvCache, Obj: c.DebugID, Args: [8]int64{ref}, Str: [2]string{why}})
}

func (c *Cache) traceAccess(t *sim.Thread, n int64, why string) {
	t.Emit(sim.Event{Type: EvAccessCache, Obj: c.DebugID, Args: [8]int64{c.ref.Peek(), n}, Str: [2]string{why}})
}

// setState is fscache_set_cache_state(): smp_store_release, so what was
// stored before the state change is visible to whoever sees the new state.
func (c *Cache) setState(t *sim.Thread, s CacheState) {
	t.Use(&c.life) // KASAN: a store to the record
	old := c.state.Peek()
	c.state.StoreRelease(t, s)
	t.Emit(sim.Event{Type: EvCacheState, Obj: c.DebugID, Args: [8]int64{int64(old), int64(s)}})
}

// cacheIsLive is fscache_cache_is_live(): fscache_cache_state() is
// smp_load_acquire.
func cacheIsLive(t *sim.Thread, c *Cache) bool { return c.state.LoadAcquire(t) == CacheActive }

// allocCache is fscache_alloc_cache(): nil when an allocation fails (the
// record, or the copy of its name).
func (f *Fscache) allocCache(t *sim.Thread, name string) *Cache {
	if t.AllocFails(AllocSiteCache) || (name != "" && t.AllocFails(AllocSiteCacheName)) {
		return nil
	}
	f.cacheDebugID++
	c := &Cache{f: f, Name: name, DebugID: f.cacheDebugID}
	c.life = sim.Life{Kind: "cache", ID: c.DebugID}
	f.K.Track(&c.life)
	c.ref.Init(1)
	c.ref.Watch(&f.gen)
	c.nVolumes.Watch(&f.gen)
	c.nAccesses.Watch(&f.gen)
	c.objectCount.Watch(&f.gen)
	c.state.Watch(&f.gen)
	return c
}

// getCacheMaybe is fscache_get_cache_maybe(): a ref unless the record is
// being freed.
func getCacheMaybe(t *sim.Thread, c *Cache, why string) bool {
	if !c.ref.IncNotZero(t) {
		return false
	}
	c.trace(t, c.ref.Peek(), why)
	return true
}

// lookupCache is fscache_lookup_cache(): find or create the record for name
// ("" asks for any), adopting an unnamed placeholder when a backend
// registers a tag. It returns nil (the kernel's ERR_PTR(-ENOMEM)) when the
// candidate record cannot be allocated.
func (f *Fscache) lookupCache(t *sim.Thread, name string, isCache bool) *Cache {
	f.touch(t)
	f.addremove.DownRead(t)
	f.addremove.AssertHeld(t, "fscache_caches walk") // lockset
	for _, c := range f.caches {
		if name != "" && c.Name == name && getCacheMaybe(t, c, TraceCacheGetAcquire) {
			f.addremove.UpRead(t)
			return c
		}
	}
	if name == "" {
		for _, named := range []bool{false, true} {
			for _, c := range f.caches {
				if (c.Name != "") == named && getCacheMaybe(t, c, TraceCacheGetAcquire) {
					f.addremove.UpRead(t)
					return c
				}
			}
		}
	}
	f.addremove.UpRead(t)

	candidate := f.allocCache(t, name)
	if candidate == nil {
		return nil
	}
	f.addremove.DownWrite(t)
	// The second pass remembers the last unnamed record it passes (a
	// backend registering a tag adopts it) and, asked for any cache,
	// takes the first unnamed one it can get, then the first named one.
	var unnamed *Cache
	f.addremove.AssertWriteHeld(t, "fscache_caches walk to add") // lockset
	for _, c := range f.caches {
		if name != "" && c.Name == name && getCacheMaybe(t, c, TraceCacheGetAcquire) {
			f.addremove.UpWrite(t)
			f.discardCache(t, candidate)
			return c
		}
		if c.Name == "" {
			unnamed = c
			if name == "" && getCacheMaybe(t, c, TraceCacheGetAcquire) {
				f.addremove.UpWrite(t)
				f.discardCache(t, candidate)
				return c
			}
		}
	}
	if unnamed != nil && isCache && getCacheMaybe(t, unnamed, TraceCacheGetAcquire) {
		unnamed.Name = name
		f.addremove.UpWrite(t)
		f.discardCache(t, candidate)
		return unnamed
	}
	if name == "" {
		for _, c := range f.caches {
			if c.Name != "" && getCacheMaybe(t, c, TraceCacheGetAcquire) {
				f.addremove.UpWrite(t)
				f.discardCache(t, candidate)
				return c
			}
		}
	}
	f.addremove.AssertWriteHeld(t, "fscache_caches list_add") // lockset
	f.caches = append(f.caches, candidate)
	f.gen++
	// Only the record added is traced (a discarded candidate never is).
	candidate.trace(t, candidate.ref.Peek(), TraceCacheNewAcquire)
	f.addremove.UpWrite(t)
	return candidate
}

func (f *Fscache) discardCache(t *sim.Thread, c *Cache) {
	t.Free(&c.life)
}

// PutCache is fscache_put_cache().
func PutCache(t *sim.Thread, c *Cache, why string) {
	if c == nil {
		return
	}
	t.Use(&c.life)
	r := c.ref.Dec(t)
	c.trace(t, r, why)
	if r < 0 {
		t.Bug("I-12", "cache C=%08x refcount underflow", c.DebugID)
	}
	if r == 0 {
		f := c.f
		f.touch(t)
		f.addremove.DownWrite(t)
		f.addremove.AssertWriteHeld(t, "fscache_caches list_del") // lockset
		for i, x := range f.caches {
			if x == c {
				f.caches = append(f.caches[:i], f.caches[i+1:]...)
				f.gen++
				break
			}
		}
		f.addremove.UpWrite(t)
		t.Free(&c.life)
	}
}

// AcquireCache is fscache_acquire_cache(): a backend claims the tag name.
// It fails with ErrBusy if the tag is in use, ErrNoMem if the record
// cannot be allocated.
func (f *Fscache) AcquireCache(t *sim.Thread, name string) (*Cache, error) {
	c := f.lookupCache(t, name, true)
	if c == nil {
		return nil, ErrNoMem
	}
	if c.state.CmpXchgLoad(t, CacheNotPresent, CachePreparing) != CacheNotPresent {
		notice(t, c.DebugID, fmt.Sprintf("Cache tag %s in use", name))
		PutCache(t, c, TraceCachePutCache)
		return nil, ErrBusy
	}
	t.Emit(sim.Event{Type: EvCacheState, Obj: c.DebugID, Args: [8]int64{int64(CacheNotPresent), int64(CachePreparing)}})
	return c, nil
}

// AddCache is fscache_add_cache(): the backend is ready; the cache goes
// ACTIVE and its access gate is pinned.
func AddCache(t *sim.Thread, c *Cache, ops Backend, priv any) {
	t.Use(&c.life)
	if c.state.LoadAcquire(t) != CachePreparing {
		t.Bug("I-25", "BUG: fscache_add_cache on cache C=%08x in state %v", c.DebugID, c.state.Peek())
	}
	n := c.nAccesses.Inc(t)
	c.traceAccess(t, n, TraceAccessCachePin)
	f := c.f
	f.addremove.DownWrite(t)
	c.Ops = ops
	c.SetCachePriv(t, priv)
	c.setState(t, CacheActive)
	f.addremove.UpWrite(t)
	notice(t, c.DebugID, fmt.Sprintf("Cache \"%s\" added (type %s)", c.Name, ops.Name()))
}

// BeginCacheAccess is fscache_begin_cache_access().
func BeginCacheAccess(t *sim.Thread, c *Cache, why string) bool {
	t.Use(&c.life)
	if !cacheIsLive(t, c) {
		return false
	}
	n := c.nAccesses.Inc(t)
	sim.SmpMbAfterAtomic(t) // reread the live flag after n_accesses
	c.traceAccess(t, n, why)
	if !cacheIsLive(t, c) {
		EndCacheAccess(t, c, TraceAccessUnlive)
		return false
	}
	return true
}

// EndCacheAccess is fscache_end_cache_access().
func EndCacheAccess(t *sim.Thread, c *Cache, why string) {
	t.Use(&c.life)
	sim.SmpMbBeforeAtomic(t)
	n := c.nAccesses.Dec(t)
	c.traceAccess(t, n, why)
	if n < 0 {
		t.Bug("I-14", "cache C=%08x n_accesses underflow", c.DebugID)
	}
	if n == 0 && !c.f.Mutants.NoCacheAccessWake {
		sim.WakeUpVar(t, &c.nAccesses)
	}
}

// WithdrawCache is fscache_withdraw_cache(): no new accesses; drop the pin
// and wait for the accesses in flight.
func WithdrawCache(t *sim.Thread, c *Cache) {
	t.Use(&c.life)
	notice(t, c.DebugID, fmt.Sprintf("Withdrawing cache \"%s\" (%d objs)", c.Name, c.objectCount.Peek()))
	c.setState(t, CacheWithdrawn)
	// The pin is dropped with a plain decrement that wakes no one (only
	// the withdrawer waits on n_accesses, and it tests its condition
	// before it sleeps), not with fscache_end_cache_access.
	n := c.nAccesses.Dec(t)
	c.traceAccess(t, n, TraceAccessCacheUnpin)
	if n < 0 {
		t.Bug("I-14", "cache C=%08x n_accesses underflow", c.DebugID)
	}
	sim.WaitVarEvent(t, &c.nAccesses, "cache n_accesses == 0", func() bool { return c.nAccesses.Peek() == 0 })
}

// RelinquishCache is fscache_relinquish_cache(): the backend lets go.
func RelinquishCache(t *sim.Thread, c *Cache) {
	t.Use(&c.life)
	// A cache that never got past PREPARING (the backend's bind failed)
	// is put under its own label.
	why := TraceCachePutRelinq
	if c.state.Peek() == CachePreparing {
		why = TraceCachePutPrepFail
	}
	c.Ops = nil
	c.SetCachePriv(t, nil)
	if c.f.Mutants.Lockset.RelinquishCacheStateAfterPut {
		PutCache(t, c, why) // test-only (LocksetMutants)
		c.setState(t, CacheNotPresent)
		return
	}
	c.setState(t, CacheNotPresent)
	PutCache(t, c, why)
}

// IOError is fscache_io_error(): an ACTIVE cache goes GOT_IOERROR; every new
// access then fails.
func IOError(t *sim.Thread, c *Cache) {
	t.Use(&c.life)
	if c.state.CmpXchgLoad(t, CacheActive, CacheGotIOError) == CacheActive {
		t.Emit(sim.Event{Type: EvCacheState, Obj: c.DebugID, Args: [8]int64{int64(CacheActive), int64(CacheGotIOError)}})
		notice(t, c.DebugID, fmt.Sprintf("Cache '%s' stopped due to I/O error", c.Name))
	}
}

// CountObject is fscache_count_object().
func CountObject(t *sim.Thread, c *Cache) {
	t.Use(&c.life)
	c.objectCount.Inc(t)
}

// UncountObject is fscache_uncount_object(): the last one wakes the
// withdrawer.
func UncountObject(t *sim.Thread, c *Cache) {
	t.Use(&c.life)
	n := c.objectCount.Dec(t)
	if n < 0 {
		t.Bug("I-13", "cache C=%08x object_count underflow", c.DebugID)
	}
	if n == 0 {
		sim.WakeUpVar(t, &c.f.clearance)
	}
}

// WaitForObjects is fscache_wait_for_objects().
func WaitForObjects(t *sim.Thread, c *Cache) {
	t.Use(&c.life)
	sim.WaitVarEvent(t, &c.f.clearance, "cache object_count == 0", func() bool { return c.objectCount.Peek() == 0 })
}
