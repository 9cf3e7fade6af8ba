package fscache

import (
	"bytes"
	"fmt"

	"github.com/fscachesim/fscachesim/sim"
)

// Volume is struct fscache_volume.
type Volume struct {
	f         *Fscache
	life      sim.Life
	ref       sim.Atomic
	nCookies  sim.Atomic
	nAccesses sim.Atomic
	flags     sim.Flags
	work      sim.Work
	hashed    bool   // on its hash chain (hash_link)
	privID    uint32 // object id of cache_priv's declared accesses (shared.go)

	DebugID   uint32
	Key       string // the volume key string
	keyBuf    []byte // length-prefixed, zero-padded key (§3.2)
	KeyHash   uint32
	Cache     *Cache
	CachePriv any    // backend volume; nil until the on-disk volume exists
	Coherency []byte // volume coherency data
}

// Read-only views.
func (v *Volume) Ref() int64       { return v.ref.Peek() }
func (v *Volume) NCookies() int64  { return v.nCookies.Peek() }
func (v *Volume) NAccesses() int64 { return v.nAccesses.Peek() }
func (v *Volume) Flags() uint64    { return v.flags.Peek() }
func (v *Volume) Life() *sim.Life  { return &v.life }

// PinAccess is what a backend does when its on-disk volume is ready: take
// the volume's access pin (cachefiles_acquire_volume's n_accesses++).
func (v *Volume) PinAccess(t *sim.Thread) {
	t.Use(&v.life)
	n := v.nAccesses.Inc(t)
	v.traceAccess(t, 0, n, TraceAccessCachePin)
}

func (v *Volume) trace(t *sim.Thread, ref int64, why string) {
	t.Emit(sim.Event{Type: EvVolume, Obj: v.DebugID, Args: [8]int64{ref}, Str: [2]string{why}})
}

func (v *Volume) traceAccess(t *sim.Thread, cookie uint32, n int64, why string) {
	t.Emit(sim.Event{Type: EvAccessVolume, Obj: v.DebugID, Args: [8]int64{int64(cookie), v.ref.Peek(), n}, Str: [2]string{why}})
}

func volumeSame(a, b *Volume) bool {
	return a.KeyHash == b.KeyHash && a.Cache == b.Cache && len(a.keyBuf) > 0 && len(b.keyBuf) > 0 &&
		a.keyBuf[0] == b.keyBuf[0] && bytes.Equal(a.keyBuf, b.keyBuf)
}

// GetVolume is fscache_get_volume().
func GetVolume(t *sim.Thread, v *Volume, why string) {
	t.Use(&v.life)
	r := v.ref.Inc(t)
	if r <= 1 {
		t.Bug("refcount", "refcount_t: addition on 0; use-after-free (volume V=%08x)", v.DebugID)
	}
	v.trace(t, r, why)
}

// TryGetVolume is fscache_try_get_volume(): a ref unless it is being freed.
func TryGetVolume(t *sim.Thread, v *Volume, why string) bool {
	if !v.ref.IncNotZero(t) {
		return false
	}
	v.trace(t, v.ref.Peek(), why)
	return true
}

// PutVolume is fscache_put_volume(): the last ref frees the volume.
func PutVolume(t *sim.Thread, v *Volume, why string) {
	t.Use(&v.life)
	r := v.ref.Dec(t)
	v.trace(t, r, why)
	if r < 0 {
		t.Bug("refcount", "refcount_t: underflow; use-after-free (volume V=%08x)", v.DebugID)
	}
	if r == 0 {
		v.f.freeVolume(t, v)
	}
}

// AcquireVolume is fscache_acquire_volume(): register a volume with key,
// on the cache with tag cacheName ("" for any). A live twin gives ErrBusy; a
// relinquished twin makes it wait until the twin is freed.
func (f *Fscache) AcquireVolume(t *sim.Thread, key, cacheName string, coherency []byte) (*Volume, error) {
	v, err := f.allocVolume(t, key, cacheName, coherency)
	if err != nil {
		return nil, err
	}
	if !f.hashVolume(t, v) {
		PutVolume(t, v, TraceVolumePutHashCollide)
		return nil, ErrBusy
	}
	createVolume(t, v, false)
	return v, nil
}

// allocVolume is fscache_alloc_volume(): ErrNoMem for a key over NAME_MAX,
// a cache record that cannot be made, or a failed allocation of the
// volume or its key buffer (those two put the cache ref and count
// volumes_nomem).
func (f *Fscache) allocVolume(t *sim.Thread, key, cacheName string, coherency []byte) (*Volume, error) {
	buf, hash, err := VolumeKey(key)
	if err != nil {
		return nil, ErrNoMem
	}
	cache := f.lookupCache(t, cacheName, false)
	if cache == nil {
		return nil, ErrNoMem
	}
	if t.AllocFails(AllocSiteVolume) || t.AllocFails(AllocSiteVolumeKey) {
		if f.brokenUnwind != AllocSiteVolume {
			PutCache(t, cache, TraceCachePutAllocVol)
		}
		f.Stats.VolumesNomem++
		return nil, ErrNoMem
	}
	f.touch(t)
	f.volumeDebugID++
	v := &Volume{f: f, DebugID: f.volumeDebugID, Key: key, keyBuf: buf, KeyHash: hash, Cache: cache,
		Coherency: append([]byte(nil), coherency...)}
	v.life = sim.Life{Kind: "volume", ID: v.DebugID}
	f.K.Track(&v.life)
	v.ref.Init(1)
	v.work = sim.Work{Name: "fscache_create_volume_work", Func: func(t *sim.Thread) { createVolumeWork(t, v) }}
	v.ref.Watch(&f.gen)
	v.nCookies.Watch(&f.gen)
	v.nAccesses.Watch(&f.gen)
	v.flags.Watch(&f.gen)
	v.work.Watch(&f.gen)
	f.addremove.DownWrite(t)
	cache.nVolumes.Inc(t)
	f.addremove.AssertWriteHeld(t, "fscache_volumes list_add") // lockset
	f.volumes = append(f.volumes, v)
	f.gen++
	v.trace(t, 1, TraceVolumeNewAcquire) // under fscache_addremove_sem, once listed
	f.Stats.Volumes++
	f.addremove.UpWrite(t)
	return v, nil
}

// hashVolume is fscache_hash_volume().
func (f *Fscache) hashVolume(t *sim.Thread, v *Volume) bool {
	f.touch(t)
	b := f.volumeBucket(v.KeyHash)
	var collidee uint32
	sim.BitSpinLock(t, &b.lock, 0, "fscache_volume_hash bucket")
	for _, cursor := range b.chain {
		if !volumeSame(v, cursor) {
			continue
		}
		if !cursor.flags.Test(t, VolRelinquished) {
			cursor.trace(t, cursor.ref.Peek(), TraceVolumeCollision)
			sim.BitSpinUnlock(t, &b.lock, 0, "fscache_volume_hash bucket")
			return false
		}
		// A see-trace under the get label: no reference is taken.
		cursor.trace(t, cursor.ref.Peek(), TraceVolumeGetHashCollide)
		cursor.flags.Set(t, VolCollidedWith)
		v.flags.Set(t, VolAcquirePending)
		collidee = cursor.DebugID
		break
	}
	sim.AssertBitHeld(t, &b.lock, 0, "fscache_volume_hash bucket", "hash chain add") // lockset
	b.chain = append([]*Volume{v}, b.chain...)
	f.gen++
	v.hashed = true
	sim.BitSpinUnlock(t, &b.lock, 0, "fscache_volume_hash bucket")
	if v.flags.Test(t, VolAcquirePending) {
		f.waitOnVolumeCollision(t, v, collidee)
	}
	return true
}

// waitOnVolumeCollision is fscache_wait_on_volume_collision(): wait for the
// relinquished twin to be freed, with a notice after 20 s.
func (f *Fscache) waitOnVolumeCollision(t *sim.Thread, v *Volume, collidee uint32) {
	if !sim.WaitOnBitTimeout(t, &v.flags, VolAcquirePending, "volume ACQUIRE_PENDING", CollisionTimeout) {
		notice(t, v.DebugID, fmt.Sprintf("Potential volume collision new=%08x old=%08x", v.DebugID, collidee))
		f.Stats.VolumesCollision++
		sim.WaitOnBit(t, &v.flags, VolAcquirePending, "volume ACQUIRE_PENDING")
	}
}

// unhashVolume is fscache_unhash_volume(): remove v from the hash and, if a
// newer twin waits on it, let that one go.
func (f *Fscache) unhashVolume(t *sim.Thread, v *Volume) {
	f.touch(t)
	b := f.volumeBucket(v.KeyHash)
	sim.BitSpinLock(t, &b.lock, 0, "fscache_volume_hash bucket")
	sim.AssertBitHeld(t, &b.lock, 0, "fscache_volume_hash bucket", "hash chain del") // lockset
	for i, x := range b.chain {
		if x == v {
			b.chain = append(b.chain[:i:i], b.chain[i+1:]...)
			f.gen++
			break
		}
	}
	v.hashed = false
	if v.flags.Test(t, VolCollidedWith) {
		for _, cursor := range b.chain {
			if volumeSame(v, cursor) {
				cursor.trace(t, cursor.ref.Peek(), TraceVolumeSeeHashWake)
				if f.Mutants.NoAcquirePendingWake {
					cursor.flags.Clear(t, VolAcquirePending)
					break
				}
				sim.ClearAndWakeUpBit(t, &cursor.flags, VolAcquirePending)
				break
			}
		}
	}
	sim.BitSpinUnlock(t, &b.lock, 0, "fscache_volume_hash bucket")
}

// createVolume is fscache_create_volume(): have the backend make the
// on-disk volume, as work on the system workqueue; wait for it if asked.
func createVolume(t *sim.Thread, v *Volume, wait bool) {
	if !v.flags.TestAndSet(t, VolCreating) {
		if v.LoadCachePriv(t) != nil || !BeginCacheAccess(t, v.Cache, TraceAccessAcquireVolume) {
			// no_wait: we raced, or the cache is not live.
			clearCreating(t, v, v.f.Bugs.VolumeCreateRacedNoBarrier)
			return
		}
		GetVolume(t, v, TraceVolumeGetCreateWork)
		if !sim.QueueWork(t, &v.f.systemWQ, &v.work) {
			PutVolume(t, v, TraceVolumePutCreateWork)
		}
	}
	if wait {
		v.trace(t, v.ref.Peek(), TraceVolumeWaitCreateWork)
		sim.WaitOnBit(t, &v.flags, VolCreating, "volume CREATING")
	}
}

// createVolumeWork is fscache_create_volume_work().
func createVolumeWork(t *sim.Thread, v *Volume) {
	t.Use(&v.life)
	v.trace(t, v.ref.Peek(), TraceVolumeSeeCreateWork)
	v.f.backendCall(t, "acquire_volume", nil, v)
	cacheOps(v.Cache, "acquire_volume").AcquireVolume(t, v)
	EndCacheAccess(t, v.Cache, TraceAccessAcquireVolumeEnd)
	clearCreating(t, v, v.f.Bugs.VolumeCreateWorkNoBarrier)
	PutVolume(t, v, TraceVolumePutCreateWork)
}

// clearCreating is clear_and_wake_up_bit(FSCACHE_VOLUME_CREATING), as both
// of fscache_create_volume's paths and fscache_create_volume_work have it
// in 6.12; with noBarrier (bug switches create-volume-work-no-mb and
// create-volume-raced-no-mb) it is the code before their fixes,
// clear_bit_unlock() then wake_up_bit() with no barrier between, whose
// lost wake-up only the weak-memory mode can show.
func clearCreating(t *sim.Thread, v *Volume, noBarrier bool) {
	t.Use(&v.life) // KASAN: a store to the volume's flags
	if noBarrier {
		v.flags.ClearBitUnlock(t, VolCreating)
		sim.WakeUpBit(t, &v.flags, VolCreating)
		return
	}
	sim.ClearAndWakeUpBit(t, &v.flags, VolCreating)
}

// RelinquishVolume is fscache_relinquish_volume(): the netfs lets go; the
// volume is freed when its last cookie is.
func RelinquishVolume(t *sim.Thread, v *Volume, coherency []byte, invalidate bool) {
	t.Use(&v.life)
	if v == nil {
		return
	}
	if v.flags.TestAndSet(t, VolRelinquished) {
		warn(t, "WARN", "fscache: volume V=%08x relinquished twice", v.DebugID)
	}
	if invalidate {
		v.flags.Set(t, VolInvalidate)
	} else if coherency != nil {
		v.Coherency = append(v.Coherency[:0], coherency...)
	}
	PutVolume(t, v, TraceVolumePutRelinquish)
}

// freeVolume is fscache_free_volume().
func (f *Fscache) freeVolume(t *sim.Thread, v *Volume) {
	f.touch(t)
	if v.LoadCachePriv(t) != nil {
		if !f.Mutants.FreeVolumeNoAccess {
			BeginVolumeAccessUnchecked(t, v, nil, TraceAccessRelinquishVolume)
		}
		// The kernel looks at cache_priv again once the access is held.
		if v.LoadCachePriv(t) != nil {
			f.backendCall(t, "free_volume", nil, v)
			cacheOps(v.Cache, "free_volume").FreeVolume(t, v)
		}
		if !f.Mutants.FreeVolumeNoAccess && !f.Mutants.RelinquishVolumeKeepsAccess {
			EndVolumeAccess(t, v, nil, TraceAccessRelinquishVolumeEnd)
		}
	}
	f.addremove.DownWrite(t)
	f.addremove.AssertWriteHeld(t, "fscache_volumes list_del") // lockset
	for i, x := range f.volumes {
		if x == v {
			f.volumes = append(f.volumes[:i:i], f.volumes[i+1:]...)
			f.gen++
			break
		}
	}
	v.Cache.nVolumes.Dec(t)
	f.addremove.UpWrite(t)
	if v.hashed {
		f.unhashVolume(t, v)
	}
	f.point(t, PtFreeVolume, nil, v, false)
	v.trace(t, 0, TraceVolumeFree)
	f.Stats.Volumes--
	t.Free(&v.life)
	PutCache(t, v.Cache, TraceCachePutVolume)
}

// BeginVolumeAccess is fscache_begin_volume_access(): gated on the cache.
func BeginVolumeAccess(t *sim.Thread, v *Volume, c *Cookie, why string) bool {
	t.Use(&v.life)
	if !cacheIsLive(t, v.Cache) {
		return false
	}
	BeginVolumeAccessUnchecked(t, v, c, why)
	if !cacheIsLive(t, v.Cache) {
		EndVolumeAccess(t, v, c, TraceAccessUnlive)
		return false
	}
	return true
}

// BeginVolumeAccessUnchecked is __fscache_begin_volume_access().
func BeginVolumeAccessUnchecked(t *sim.Thread, v *Volume, c *Cookie, why string) {
	t.Use(&v.life)
	n := v.nAccesses.Inc(t)
	sim.SmpMbAfterAtomic(t)
	v.traceAccess(t, cookieID(c), n, why)
}

// EndVolumeAccess is fscache_end_volume_access().
func EndVolumeAccess(t *sim.Thread, v *Volume, c *Cookie, why string) {
	t.Use(&v.life)
	sim.SmpMbBeforeAtomic(t)
	n := v.nAccesses.Dec(t)
	v.traceAccess(t, cookieID(c), n, why)
	if n < 0 {
		t.Bug("I-14", "volume V=%08x n_accesses underflow", v.DebugID)
	}
	if n == 0 && !v.f.Mutants.NoVolumeAccessWake {
		sim.WakeUpVar(t, &v.nAccesses)
	}
}

// WithdrawVolume is fscache_withdraw_volume(): the backend drops its pin and
// waits for lookups in flight.
func WithdrawVolume(t *sim.Thread, v *Volume) {
	t.Use(&v.life)
	// The kernel's decrement wakes no one (unlike fscache_withdraw_cache's
	// twin, nobody else waits on a volume's n_accesses but a withdrawer,
	// which tests its condition before it sleeps).
	n := v.nAccesses.Dec(t)
	v.traceAccess(t, 0, n, TraceAccessCacheUnpin)
	sim.WaitVarEvent(t, &v.nAccesses, "volume n_accesses == 0", func() bool { return v.nAccesses.Peek() == 0 })
}

func cookieID(c *Cookie) uint32 {
	if c == nil {
		return 0
	}
	return c.DebugID
}
