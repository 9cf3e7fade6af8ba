package fscache

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/fscachesim/fscachesim/sim"
)

// Cookie is struct fscache_cookie.
type Cookie struct {
	f         *Fscache
	life      sim.Life
	ref       sim.Atomic
	nActive   sim.Atomic
	nAccesses sim.Atomic
	flags     sim.Flags
	state     sim.Var[CookieState]
	lock      sim.SpinLock
	work      sim.Work

	ioInFlight int // backend I/O submitted, not yet completed (complete.go)

	DebugID      uint32
	Volume       *Volume
	CachePriv    any // backend object; set by lookup, cleared by withdraw_cookie
	InvalCounter uint32
	ObjectSize   int64
	Advice       uint8
	Key          []byte
	KeyHash      uint32
	Aux          []byte

	hashed   bool      // on its hash chain (hash_link)
	onLRU    bool      // commit_link non-empty
	unusedAt sim.Time  // when n_active last dropped to 0 while caching
	shared   sharedIDs // object ids of the fields read without their lock (shared.go)
	gen      uint32    // bumped at every change of a field the checker reads (Gen)
}

// Read-only views for checkers, tests and backends.
func (c *Cookie) State() CookieState { return c.state.Peek() }
func (c *Cookie) FlagBits() uint64   { return c.flags.Peek() }
func (c *Cookie) Has(bit int) bool   { return c.flags.Has(bit) }
func (c *Cookie) Ref() int64         { return c.ref.Peek() }
func (c *Cookie) NActive() int64     { return c.nActive.Peek() }
func (c *Cookie) NAccesses() int64   { return c.nAccesses.Peek() }
func (c *Cookie) OnLRU() bool        { return c.onLRU }
func (c *Cookie) OnHashChain() bool  { return c.hashed }
func (c *Cookie) Life() *sim.Life    { return &c.life }
func (c *Cookie) UnusedAt() sim.Time { return c.unusedAt }

// Flags is the cookie's flags word, for backends that set and test bits
// (cachefiles clears NO_DATA_TO_READ, sets HAVE_DATA and NEEDS_UPDATE).
func (c *Cookie) Flags() *sim.Flags { return &c.flags }

// Fscache is the module instance the cookie belongs to.
func (c *Cookie) Fscache() *Fscache { return c.f }

func (c *Cookie) trace(t *sim.Thread, ref int64, why string) {
	t.Emit(sim.Event{Type: EvCookie, Obj: c.DebugID, Args: [8]int64{ref}, Str: [2]string{why}})
}

// see is fscache_see_cookie().
func (c *Cookie) see(t *sim.Thread, why string) { c.trace(t, c.ref.Peek(), why) }

func (c *Cookie) traceAccess(t *sim.Thread, n int64, why string) {
	t.Emit(sim.Event{Type: EvAccess, Obj: c.DebugID, Args: [8]int64{c.ref.Peek(), n}, Str: [2]string{why}})
}

func (c *Cookie) traceActive(t *sim.Thread, ref, nActive, nAccesses int64, why string) {
	t.Emit(sim.Event{Type: EvActive, Obj: c.DebugID, Args: [8]int64{ref, nAccesses, nActive}, Str: [2]string{why}})
}

// setState is __fscache_set_cookie_state(): the caller holds cookie->lock
// (or the cookie is not yet published). tr names the row of the transition
// table the change belongs to. The store is smp_store_release(), as in the
// kernel: lockless readers of the state see what came before it.
func (c *Cookie) setState(t *sim.Thread, s CookieState, tr string) {
	c.lock.AssertHeld(t, "cookie->state store") // lockset: every caller of __fscache_set_cookie_state holds cookie->lock
	old := c.state.Peek()
	c.state.StoreRelease(t, s) // smp_store_release, and read without the lock elsewhere: a declared write (shared.go)
	t.Emit(sim.Event{Type: EvCookieState, Obj: c.DebugID, Args: [8]int64{int64(old), int64(s)}, Str: [2]string{tr}})
}

// noteTransition records a row of the table that does not change the state
// (T2', T9).
func (c *Cookie) noteTransition(t *sim.Thread, tr string) {
	s := c.state.Peek()
	t.Emit(sim.Event{Type: EvCookieState, Obj: c.DebugID, Args: [8]int64{int64(s), int64(s)}, Str: [2]string{tr}})
}

// wakeUpCookieState is wake_up_cookie_state(): smp_mb(), since the
// spin_unlock before it is no full barrier, then wake_up_var(), whose
// waitqueue_active() test needs it.
func (c *Cookie) wakeUpCookieState(t *sim.Thread) {
	sim.SmpMb(t)
	if c.f.Mutants.NoCookieStateWake {
		return
	}
	sim.WakeUpVar(t, &c.state)
}

// setCookieState is fscache_set_cookie_state(): lock, set, unlock, wake.
func (c *Cookie) setCookieState(t *sim.Thread, s CookieState, tr string) {
	c.lock.Lock(t)
	c.setState(t, s, tr)
	c.lock.Unlock(t)
	c.wakeUpCookieState(t)
}

// GetCookie is fscache_get_cookie().
func GetCookie(t *sim.Thread, c *Cookie, why string) *Cookie {
	t.Use(&c.life)
	r := c.ref.Inc(t)
	if r <= 1 {
		t.Bug("refcount", "refcount_t: addition on 0; use-after-free (cookie c=%08x)", c.DebugID)
	}
	c.trace(t, r, why)
	return c
}

// PutCookie is fscache_put_cookie(): the last ref frees the cookie and puts
// its volume.
func PutCookie(t *sim.Thread, c *Cookie, why string) {
	t.Use(&c.life)
	v := c.Volume
	r := c.ref.Dec(t)
	c.trace(t, r, why)
	if r < 0 {
		t.Bug("refcount", "refcount_t: underflow; use-after-free (cookie c=%08x)", c.DebugID)
	}
	if r == 0 {
		c.f.freeCookie(t, c)
		PutVolume(t, v, TraceVolumePutCookie)
	}
}

// freeCookie is fscache_free_cookie(). The kernel WARNs about (and leaks) a
// cookie still hashed, and WARNs about one still on the LRU: both are I-2.
func (f *Fscache) freeCookie(t *sim.Thread, c *Cookie) {
	f.touch(t)
	if c.onLRU {
		warn(t, "I-2", "WARN: fscache_free_cookie: cookie c=%08x freed while on the LRU", c.DebugID)
	}
	if c.flags.Test(t, FlagIsHashed) {
		warn(t, "I-2", "WARN: fscache_free_cookie: cookie c=%08x freed while still hashed (state %v, flags %s)",
			c.DebugID, c.state.Peek(), CookieFlagString(c.flags.Peek()))
	}
	f.cookiesLock.DownWrite(t)
	f.cookiesLock.AssertWriteHeld(t, "fscache_cookies list_del") // lockset
	for i, x := range f.cookies {
		if x == c {
			f.cookies = append(f.cookies[:i:i], f.cookies[i+1:]...)
			break
		}
	}
	f.cookiesLock.UpWrite(t)
	f.Stats.Cookies--
	t.Free(&c.life)
}

// AcquireCookie is fscache_acquire_cookie(): register a data object with the
// index key key in volume v. It returns nil (and the netfs runs uncached)
// for a bad key or a live cookie with the same key; it waits for a
// relinquished twin to be dropped.
func AcquireCookie(t *sim.Thread, v *Volume, advice uint8, key, aux []byte, objectSize int64) *Cookie {
	if v == nil || len(key) == 0 || len(key) > 255 || len(aux) > 255 {
		return nil
	}
	if v.f.Mutants.CookieKeyMaxShort && len(key) == 255 {
		return nil
	}
	f := v.f
	f.Stats.Acquires++
	c := f.allocCookie(t, v, advice, key, aux, objectSize)
	if c == nil {
		f.Stats.AcquiresOOM++
		return nil
	}
	if !f.hashCookie(t, c) {
		c.see(t, TraceCookieDiscard)
		f.freeCookie(t, c)
		return nil
	}
	t.Emit(sim.Event{Type: EvAcquire, Obj: c.DebugID, Args: [8]int64{int64(v.DebugID), v.ref.Peek(), v.nCookies.Peek()}})
	f.Stats.AcquiresOK++
	return c
}

// Sizes of the cookie's inline key and auxiliary data buffers
// (inline_key[16], inline_aux[8]): longer ones are allocated apart.
const (
	inlineKeyLen = 16
	inlineAuxLen = 8
)

// allocCookie is fscache_alloc_cookie(): nil when an allocation fails.
func (f *Fscache) allocCookie(t *sim.Thread, v *Volume, advice uint8, key, aux []byte, objectSize int64) *Cookie {
	_, hash, err := CookieKey(v.KeyHash, key)
	if err != nil {
		return nil
	}
	if t.AllocFails(AllocSiteCookie) {
		return nil
	}
	f.touch(t)
	if (len(key) > inlineKeyLen && t.AllocFails(AllocSiteCookieKey)) ||
		(len(aux) > inlineAuxLen && t.AllocFails(AllocSiteCookieAux)) {
		// The nomem path calls fscache_free_cookie on the zeroed cookie:
		// its commit_link and proc_link are not initialised yet, so
		// list_empty is false (WARN_ON_ONCE) and the list_del_init and
		// list_del that follow write through NULL pointers.
		warn(t, "alloc-unwind", "WARN: fscache_free_cookie: commit_link not initialised: fscache_alloc_cookie's nomem path (key %d bytes, aux %d bytes) frees the cookie before INIT_LIST_HEAD, then list_del of its zeroed links dereferences NULL",
			len(key), len(aux))
		return nil
	}
	f.cookieDebugID++
	c := &Cookie{f: f, DebugID: f.cookieDebugID, Volume: v, Advice: advice, ObjectSize: objectSize,
		Key: append([]byte(nil), key...), KeyHash: hash, Aux: append([]byte(nil), aux...)}
	c.life = sim.Life{Kind: "cookie", ID: c.DebugID}
	f.K.Track(&c.life)
	f.Stats.Cookies++
	if objectSize == 0 {
		c.flags.Init(1 << FlagNoDataToRead)
		if f.Mutants.NewCookieNeedsUpdate {
			c.flags.Init(1 << FlagNeedsUpdate)
		}
	}
	f.point(t, PtAllocCookie, c, v, false)
	c.ref.Init(1)
	c.lock.Name = "cookie->lock"
	c.work = sim.Work{Name: "fscache_cookie_worker", Func: c.worker}
	c.watch()
	c.state.Set(CookieQuiescent)
	t.Emit(sim.Event{Type: EvCookieState, Obj: c.DebugID, Args: [8]int64{-1, int64(CookieQuiescent)}, Str: [2]string{"T1"}})
	f.cookiesLock.DownWrite(t)
	f.cookiesLock.AssertWriteHeld(t, "fscache_cookies list_add") // lockset
	f.cookies = append(f.cookies, c)
	f.cookiesLock.UpWrite(t)
	c.see(t, TraceCookieNewAcquire)
	return c
}

func cookieSame(a, b *Cookie) bool {
	return a.KeyHash == b.KeyHash && a.Volume == b.Volume && len(a.Key) == len(b.Key) && bytes.Equal(a.Key, b.Key)
}

// hashCookie is fscache_hash_cookie().
func (f *Fscache) hashCookie(t *sim.Thread, c *Cookie) bool {
	f.touch(t)
	b := f.cookieBucket(c.KeyHash)
	var waitFor *Cookie
	sim.BitSpinLock(t, &b.lock, 0, "fscache_cookie_hash bucket")
	for _, cursor := range b.chain {
		if !cookieSame(c, cursor) {
			continue
		}
		if !cursor.flags.Test(t, FlagRelinquished) {
			cursor.trace(t, cursor.ref.Peek(), TraceCookieCollision)
			notice(t, cursor.DebugID, "Duplicate cookie detected")
			printCookie(t, cursor, 'O')
			printCookie(t, c, 'N')
			sim.BitSpinUnlock(t, &b.lock, 0, "fscache_cookie_hash bucket")
			return false
		}
		waitFor = GetCookie(t, cursor, TraceCookieGetHashCollision)
		break
	}
	sim.AssertBitHeld(t, &b.lock, 0, "fscache_cookie_hash bucket", "hash chain add") // lockset
	GetVolume(t, c.Volume, TraceVolumeGetCookie)
	c.Volume.nCookies.Inc(t)
	b.push(c)
	c.hashed = true
	c.flags.Set(t, FlagIsHashed)
	sim.BitSpinUnlock(t, &b.lock, 0, "fscache_cookie_hash bucket")
	if waitFor != nil && f.Mutants.Lockset.CollisionPutBeforeWait {
		PutCookie(t, waitFor, TraceCookiePutHashCollision) // test-only (LocksetMutants)
		waitOnCollision(t, c, waitFor)
		return true
	}
	if waitFor != nil {
		waitOnCollision(t, c, waitFor)
		PutCookie(t, waitFor, TraceCookiePutHashCollision)
	}
	return true
}

// waitOnCollision is fscache_wait_on_collision(): wait for the relinquished
// twin to be DROPPED, with a notice after 20 s.
func waitOnCollision(t *sim.Thread, c, waitFor *Cookie) {
	dropped := func() bool { t.Use(&waitFor.life); return waitFor.state.Peek() == CookieDropped } // KASAN: the test reads the old cookie
	if !sim.WaitVarEventTimeout(t, &waitFor.state, "cookie collision: old cookie DROPPED", CollisionTimeout, dropped) {
		notice(t, c.DebugID, fmt.Sprintf("Potential collision c=%08x old: c=%08x", c.DebugID, waitFor.DebugID))
		sim.WaitVarEvent(t, &waitFor.state, "cookie collision: old cookie DROPPED", dropped)
	} else if c.f.Mutants.CollisionNoticeAlways {
		notice(t, c.DebugID, fmt.Sprintf("Potential collision c=%08x old: c=%08x", c.DebugID, waitFor.DebugID))
	}
}

// unhashCookie is fscache_unhash_cookie().
func (f *Fscache) unhashCookie(t *sim.Thread, c *Cookie) {
	f.touch(t)
	b := f.cookieBucket(c.KeyHash)
	sim.BitSpinLock(t, &b.lock, 0, "fscache_cookie_hash bucket")
	sim.AssertBitHeld(t, &b.lock, 0, "fscache_cookie_hash bucket", "hash chain del") // lockset
	for i, x := range b.chain {
		if x == c {
			b.remove(i)
			break
		}
	}
	c.hashed = false
	c.flags.Clear(t, FlagIsHashed)
	sim.BitSpinUnlock(t, &b.lock, 0, "fscache_cookie_hash bucket")
	f.Stats.RelinquishesDropped++
}

// queueCookie is fscache_queue_cookie(): a ref for the work item, dropped at
// once if the item was already pending.
func queueCookie(t *sim.Thread, c *Cookie, why string) {
	GetCookie(t, c, why)
	if !c.f.queueWork(t, &c.work) {
		PutCookie(t, c, TraceCookiePutOverQueued)
	}
}

// initAccessGate is fscache_init_access_gate().
func initAccessGate(t *sim.Thread, c *Cookie) {
	n := c.nAccesses.Load(t)
	c.traceAccess(t, n, TraceAccessCachePin)
	c.flags.Set(t, FlagNoAccessWake)
}

// EndCookieAccess is fscache_end_cookie_access(): the last access queues the
// state machine unless NO_ACCESS_WAKE is set.
func EndCookieAccess(t *sim.Thread, c *Cookie, why string) {
	sim.SmpMbBeforeAtomic(t)
	n := c.nAccesses.Dec(t)
	c.traceAccess(t, n, why)
	if n < 0 {
		t.Bug("I-7", "cookie c=%08x n_accesses underflow (%d)", c.DebugID, n)
	}
	if n == 0 && !c.flags.Test(t, FlagNoAccessWake) {
		queueCookie(t, c, TraceCookieGetEndAccess)
	}
}

// beginCookieAccessUnchecked is __fscache_begin_cookie_access().
func beginCookieAccessUnchecked(t *sim.Thread, c *Cookie, why string) {
	n := c.nAccesses.Inc(t)
	sim.SmpMbAfterAtomic(t)
	c.traceAccess(t, n, why)
}

// BeginCookieAccess is fscache_begin_cookie_access(): increment, then
// re-check that the cookie is still caching and the cache still live.
func BeginCookieAccess(t *sim.Thread, c *Cookie, why string) bool {
	if !c.flags.Test(t, FlagIsCaching) {
		return false
	}
	beginCookieAccessUnchecked(t, c, why)
	if !c.flags.Test(t, FlagIsCaching) || (!c.f.Mutants.AccessGateIgnoresCache && !cacheIsLive(t, c.Volume.Cache)) {
		EndCookieAccess(t, c, TraceAccessUnlive)
		return false
	}
	c.f.point(t, PtAccessGranted, c, nil, false)
	return true
}

// CookieLookupNegative is fscache_cookie_lookup_negative() (backend, from
// the state machine only): nothing to read; state CREATING.
func CookieLookupNegative(t *sim.Thread, c *Cookie) {
	if c.f.Mutants.CreatingBeforeNoData {
		c.setCookieState(t, CookieCreating, "T4")
		c.flags.Set(t, FlagNoDataToRead)
		return
	}
	c.flags.Set(t, FlagNoDataToRead)
	c.setCookieState(t, CookieCreating, "T4")
}

// ResumeAfterInvalidation is fscache_resume_after_invalidation() (backend).
func ResumeAfterInvalidation(t *sim.Thread, c *Cookie) {
	c.setCookieState(t, CookieActive, "T8")
}

// CachingFailed is fscache_caching_failed() (backend, from the state
// machine only): stop caching; state FAILED.
func CachingFailed(t *sim.Thread, c *Cookie) {
	c.flags.Clear(t, FlagIsCaching)
	tr := "T6"
	if s := c.state.Peek(); s == CookieActive || s == CookieInvalidating {
		tr = "T8'"
	}
	c.setCookieState(t, CookieFailed, tr)
	c.see(t, TraceCookieFailed)
}

// beginLookup is fscache_begin_lookup(); cookie->lock is held.
func beginLookup(t *sim.Thread, c *Cookie, willModify bool) bool {
	if willModify {
		c.flags.Set(t, FlagLocalWrite)
		c.flags.Set(t, FlagDoPrepToWrite)
	}
	if c.f.Mutants.Layout.NoLocalWriteAtLookup && willModify {
		c.flags.Clear(t, FlagLocalWrite)
	}
	if !BeginVolumeAccess(t, c.Volume, c, TraceAccessLookupCookie) {
		c.noteTransition(t, "T2'")
		return false
	}
	beginCookieAccessUnchecked(t, c, TraceAccessLookupCookie)
	c.setState(t, CookieLookingUp, "T2")
	c.flags.Set(t, FlagIsCaching)
	c.flags.Set(t, FlagHasBeenCached)
	return true
}

// UseCookie is fscache_use_cookie(): the netfs opens the file; n_active goes
// up, and a quiescent cookie starts a lookup.
func UseCookie(t *sim.Thread, c *Cookie, willModify bool) {
	if c == nil {
		return
	}
	t.Use(&c.life)
	if c.flags.Test(t, FlagRelinquished) {
		warn(t, "WARN", "Trying to use relinquished cookie c=%08x", c.DebugID)
	}
	queue := false
	c.lock.Lock(t)
	n := c.nActive.Inc(t)
	why := TraceActiveUse
	if willModify {
		why = TraceActiveUseModify
	}
	c.traceActive(t, c.ref.Peek(), n, c.nAccesses.Peek(), why)
again:
	switch state := c.state.Peek(); state {
	case CookieQuiescent:
		queue = beginLookup(t, c, willModify)
	case CookieLookingUp, CookieCreating:
		if willModify {
			c.flags.Set(t, FlagLocalWrite)
		}
	case CookieActive, CookieInvalidating:
		if willModify && !c.flags.TestAndSet(t, FlagLocalWrite) {
			c.flags.Set(t, FlagDoPrepToWrite)
			queue = !c.f.Mutants.UseNoQueuePrepToWrite
		}
		// The fix for CVE-2022-48989: a use cancels a pending LRU discard.
		if !c.f.Bugs.UseNoClearLRUDiscard && c.flags.TestAndClear(t, FlagDoLRUDiscard) {
			c.see(t, TraceCookieSeeLRUDiscardClear)
			mark(t, c, "use cancelled a pending LRU discard")
		}
	case CookieFailed, CookieWithdrawing:
	case CookieLRUDiscarding:
		mark(t, c, "use waited for LRU_DISCARDING")
		c.lock.Unlock(t)
		sim.WaitVarEvent(t, &c.state, "cookie state != LRU_DISCARDING", func() bool { return c.state.Peek() != CookieLRUDiscarding })
		c.lock.Lock(t)
		if c.f.Mutants.UseNoRecheck {
			break
		}
		goto again
	default:
		warn(t, "WARN", "Can't use cookie c=%08x in state %v", c.DebugID, state)
	}
	requestPoint(t, RequestUse, c)
	c.lock.Unlock(t)
	if queue {
		queueCookie(t, c, TraceCookieGetUseWork)
	}
}

// unuseCookieLocked is fscache_unuse_cookie_locked(): n_active reached 0;
// a caching cookie goes to the tail of the LRU and the timer is pulled in.
func unuseCookieLocked(t *sim.Thread, c *Cookie) {
	f := c.f
	c.flags.Clear(t, FlagDisabled)
	c.f.point(t, PtEnabled, c, nil, false)
	if !c.flags.Test(t, FlagIsCaching) {
		return
	}
	f.touch(t)
	c.declare(t, &c.shared.unusedAt, sim.AccWrite)
	c.lock.AssertHeld(t, "cookie->unused_at store") // lockset: fscache_unuse_cookie_locked's caller holds cookie->lock
	c.unusedAt = f.K.Now()
	requestPoint(t, RequestUnused, c)
	f.lruLock.Lock(t)
	if !c.onLRU {
		GetCookie(t, c, TraceCookieGetLRU)
		f.Stats.CookiesLRU++
	} else {
		f.lruRemove(t, c)
	}
	c.declare(t, &c.shared.lruLink, sim.AccWrite)
	c.setOnLRU(true)
	f.lruLock.AssertHeld(t, "fscache_cookie_lru list_add") // lockset
	f.lru = append(f.lru, c)
	f.gen++
	f.lruLock.Unlock(t)
	f.lruTimer.Reduce(t, f.K.Now()+LRUCookieTimeout)
}

// UnuseCookie is fscache_unuse_cookie(): the netfs closes the file; aux and
// size, if given, update the coherency data first.
func UnuseCookie(t *sim.Thread, c *Cookie, aux []byte, objectSize *int64) {
	if c == nil {
		return
	}
	t.Use(&c.life)
	r, a := c.ref.Peek(), c.nAccesses.Peek()
	if aux != nil || objectSize != nil {
		updateCookie(t, c, aux, objectSize)
	}
	old := c.nActive.FetchAddUnless(t, -1, 1)
	if old != 1 {
		c.traceActive(t, r, old-1, a, TraceActiveUnuse)
		return
	}
	c.lock.Lock(t)
	n := c.nActive.Dec(t)
	c.traceActive(t, c.ref.Peek(), n, c.nAccesses.Peek(), TraceActiveUnuse)
	if n == 0 {
		unuseCookieLocked(t, c)
	}
	c.lock.Unlock(t)
}

// worker is fscache_cookie_worker(): run the state machine, then put the
// ref taken when the work was queued.
func (c *Cookie) worker(t *sim.Thread) {
	t.Use(&c.life)
	c.f.enterWQ(t)
	c.see(t, TraceCookieSeeWork)
	c.stateMachine(t)
	c.f.leaveWQ(t)
	PutCookie(t, c, TraceCookiePutWork)
}

// stateMachine is fscache_cookie_state_machine().
func (c *Cookie) stateMachine(t *sim.Thread) {
	wake := false
again:
	c.lock.Lock(t)
againLocked:
	state := c.state.Peek()
	switch state {
	case CookieQuiescent:
		// QUIESCENT -> LOOKING_UP is done by use_cookie.
		if c.nAccesses.Load(t) == 0 && c.flags.Test(t, FlagDoRelinquish) {
			c.setState(t, CookieRelinquishing, "T13")
			wake = true
			goto againLocked
		}
	case CookieLookingUp:
		c.lock.Unlock(t)
		initAccessGate(t, c)
		c.performLookup(t)
		goto again
	case CookieInvalidating:
		c.lock.Unlock(t)
		c.performInvalidation(t)
		goto again
	case CookieActive, CookieFailed:
		if state == CookieActive {
			if c.flags.TestAndClear(t, FlagDoPrepToWrite) || c.f.Mutants.PrepToWriteUnasked {
				c.lock.Unlock(t)
				c.noteTransition(t, "T9")
				c.f.backendCall(t, "prepare_to_write", c, c.Volume)
				cacheOps(c.Volume.Cache, "prepare_to_write").PrepareToWrite(t, c)
				c.lock.Lock(t)
			}
			if c.flags.Test(t, FlagDoLRUDiscard) {
				// Since 6.10.7 the discard waits for the accesses in
				// flight: the LRU worker unpinned the access gate, so
				// the last fscache_end_cookie_access queues the state
				// machine again.
				if !c.f.Bugs.LRUDiscardIgnoresAccesses && c.nAccesses.Load(t) != 0 {
					break
				}
				if c.nAccesses.Peek() != 0 {
					mark(t, c, "LRU discard began with accesses in flight")
				}
				c.setState(t, CookieLRUDiscarding, "T10")
				wake = true
				goto againLocked
			}
		}
		if c.flags.TestAndClear(t, FlagDoInvalidate) {
			EndCookieAccess(t, c, TraceAccessInvalidateCookieEnd)
		}
		if c.nAccesses.Load(t) != 0 {
			break
		}
		if c.flags.Test(t, FlagDoRelinquish) {
			c.setState(t, CookieRelinquishing, "T11")
			wake = true
			goto againLocked
		}
		if c.flags.Test(t, FlagDoWithdraw) {
			if c.nActive.Peek() > 0 {
				mark(t, c, "withdrawn while in use")
			}
			c.setState(t, CookieWithdrawing, "T12")
			wake = true
			goto againLocked
		}
	case CookieLRUDiscarding, CookieRelinquishing, CookieWithdrawing:
		if state == CookieLRUDiscarding && c.f.Mutants.LRUDiscardClearsRequest {
			c.flags.Clear(t, FlagDoLRUDiscard)
		}
		if c.CachePriv != nil || c.f.Mutants.WithdrawWithoutObject {
			c.lock.Unlock(t)
			if c.ioInFlight > 0 {
				t.Bug("io-held-access", "cookie c=%08x: withdraw_cookie with %d backend I/O(s) in flight: an I/O must hold its cookie access until its completion has run", c.DebugID, c.ioInFlight)
			}
			c.f.backendCall(t, "withdraw_cookie", c, c.Volume)
			cacheOps(c.Volume.Cache, "withdraw_cookie").WithdrawCookie(t, c)
			c.lock.Lock(t)
		}
		if c.flags.TestAndClear(t, FlagDoInvalidate) {
			EndCookieAccess(t, c, TraceAccessInvalidateCookieEnd)
		}
		switch state {
		case CookieRelinquishing:
			c.see(t, TraceCookieSeeRelinquish)
			c.f.unhashCookie(t, c)
			c.setState(t, CookieDropped, "T15")
			wake = true
			goto out
		case CookieLRUDiscarding:
			c.see(t, TraceCookieSeeLRUDiscard)
		default:
			c.see(t, TraceCookieSeeWithdraw)
		}
		c.flags.Clear(t, FlagNeedsUpdate)
		c.flags.Clear(t, FlagDoWithdraw)
		c.flags.Clear(t, FlagDoLRUDiscard)
		c.flags.Clear(t, FlagDoPrepToWrite)
		c.flags.Set(t, FlagNoDataToRead)
		c.setState(t, CookieQuiescent, "T14")
		wake = true
		// Before v3 of the rewrite the state machine stopped here after an
		// LRU discard, so a relinquish that arrived meanwhile was lost.
		if state == CookieLRUDiscarding && c.f.Bugs.LRUDiscardNoRedispatch {
			goto out
		}
		goto againLocked
	case CookieDropped:
	default:
		warn(t, "WARN", "Cookie c=%08x in unexpected state %d", c.DebugID, state)
	}
out:
	c.lock.Unlock(t)
	if wake {
		c.wakeUpCookieState(t)
	}
}

// performLookup is fscache_perform_lookup(): make the on-disk volume if
// needed, then have the backend look the object up.
func (c *Cookie) performLookup(t *sim.Thread) {
	trace := TraceAccessLookupCookieEndFail
	needWithdraw := false
	v := c.Volume
	if v.LoadCachePriv(t) == nil {
		createVolume(t, v, true)
		if v.LoadCachePriv(t) == nil {
			c.setCookieState(t, CookieQuiescent, "T3")
			goto out
		}
	}
	if c.f.Mutants.LookupEndsVolumeAccessEarly {
		EndVolumeAccess(t, v, c, trace)
	}
	c.f.backendCall(t, "lookup_cookie", c, v)
	if !cacheOps(v.Cache, "lookup_cookie").LookupCookie(t, c) {
		if c.state.Load(t) != CookieFailed {
			c.setCookieState(t, CookieQuiescent, "T6'")
		}
		needWithdraw = true
		goto out
	}
	c.see(t, TraceCookieSeeActive)
	if c.f.Mutants.LookupEndsAccessEarly {
		EndCookieAccess(t, c, TraceAccessLookupCookieEnd)
	}
	c.lock.Lock(t)
	if c.flags.TestAndClear(t, FlagDoInvalidate) {
		c.setState(t, CookieInvalidating, "T5'")
	} else {
		c.setState(t, CookieActive, "T5")
	}
	c.lock.Unlock(t)
	c.wakeUpCookieState(t)
	trace = TraceAccessLookupCookieEnd
	if c.f.Mutants.LookupEndsAccessEarly {
		if !c.f.Mutants.LookupEndsVolumeAccessEarly {
			EndVolumeAccess(t, v, c, trace)
		}
		return
	}
out:
	EndCookieAccess(t, c, trace)
	if needWithdraw {
		WithdrawCookie(t, c)
	}
	if !c.f.Mutants.LookupEndsVolumeAccessEarly {
		EndVolumeAccess(t, v, c, trace)
	}
}

// performInvalidation is fscache_perform_invalidation().
func (c *Cookie) performInvalidation(t *sim.Thread) {
	c.f.backendCall(t, "invalidate_cookie", c, c.Volume)
	if !cacheOps(c.Volume.Cache, "invalidate_cookie").InvalidateCookie(t, c) {
		CachingFailed(t, c)
	}
	EndCookieAccess(t, c, TraceAccessInvalidateCookieEnd)
}

// withdrawCookieRequest is __fscache_withdraw_cookie(): open the access gate
// and queue the state machine now if no access is in flight (otherwise the
// last one will).
func withdrawCookieRequest(t *sim.Thread, c *Cookie) {
	unpinned := c.flags.TestAndClear(t, FlagNoAccessWake)
	n := c.nAccesses.Load(t)
	if unpinned {
		c.traceAccess(t, n, TraceAccessCacheUnpin)
	}
	if n == 0 {
		queueCookie(t, c, TraceCookieGetEndAccess)
	}
}

// dropFromLRU is fscache_cookie_drop_from_lru().
func dropFromLRU(t *sim.Thread, c *Cookie) {
	f := c.f
	c.declare(t, &c.shared.lruLink, sim.AccRead) // list_empty() without the LRU lock
	if !c.onLRU {
		return
	}
	needPut := false
	f.touch(t)
	f.lruLock.Lock(t)
	if c.onLRU {
		f.lruRemove(t, c)
		f.Stats.CookiesLRU--
		f.Stats.CookiesLRUDropped++
		needPut = true
	}
	f.lruLock.Unlock(t)
	if needPut {
		PutCookie(t, c, TraceCookiePutLRU)
	}
}

// dropWithdrawCookie is fscache_drop_withdraw_cookie().
func dropWithdrawCookie(t *sim.Thread, c *Cookie) {
	dropFromLRU(t, c)
	withdrawCookieRequest(t, c)
}

// WithdrawCookie is fscache_withdraw_cookie(): the backend (or a failed
// lookup) asks for the backing object to be withdrawn, even in use.
func WithdrawCookie(t *sim.Thread, c *Cookie) {
	c.flags.Set(t, FlagDoWithdraw)
	dropWithdrawCookie(t, c)
}

// RelinquishCookie is fscache_relinquish_cookie(): the netfs gives the
// cookie back (evict); retire deletes the backing object.
func RelinquishCookie(t *sim.Thread, c *Cookie, retire bool) {
	if c == nil {
		return
	}
	t.Use(&c.life)
	f := c.f
	f.Stats.Relinquishes++
	if retire {
		f.Stats.RelinquishesRetire++
	}
	if c.flags.TestAndSet(t, FlagRelinquished) {
		warn(t, "WARN", "Cookie c=%08x already relinquished", c.DebugID)
	}
	if retire {
		c.flags.Set(t, FlagRetired)
	}
	rt := int64(0)
	if retire {
		rt = 1
	}
	t.Emit(sim.Event{Type: EvRelinquish, Obj: c.DebugID,
		Args: [8]int64{int64(c.Volume.DebugID), c.ref.Peek(), c.nActive.Peek(), int64(c.flags.Peek() & 0xff), rt}})
	switch c.state.Peek() {
	case CookieLRUDiscarding:
		mark(t, c, "relinquish arrived during LRU_DISCARDING")
	case CookieLookingUp:
		mark(t, c, "relinquish arrived during LOOKING_UP")
	}
	if c.flags.Has(FlagDoLRUDiscard) {
		mark(t, c, "relinquish arrived with an LRU discard pending")
	}
	if n := c.nActive.Load(t); n != 0 {
		t.Bug("I-6", "ASSERTCMP(n_active == 0) failed at relinquish of cookie c=%08x: n_active=%d", c.DebugID, n)
	}
	if n := c.Volume.nCookies.Load(t); n <= 0 {
		t.Bug("I-10", "ASSERTCMP(volume->n_cookies > 0) failed at relinquish of cookie c=%08x", c.DebugID)
	}
	c.Volume.nCookies.Dec(t)
	if c.flags.Test(t, FlagHasBeenCached) {
		c.flags.Set(t, FlagDoRelinquish)
		dropWithdrawCookie(t, c)
	} else {
		c.setCookieState(t, CookieDropped, "T16")
		f.unhashCookie(t, c)
	}
	PutCookie(t, c, TraceCookiePutRelinquish)
}

// updateAux is fscache_update_aux().
func updateAux(c *Cookie, aux []byte, objectSize *int64) {
	if aux != nil {
		if !c.f.Mutants.UpdateKeepsAux {
			copy(c.Aux, aux)
		}
	}
	if objectSize != nil {
		c.ObjectSize = *objectSize
	}
}

// Invalidate is fscache_invalidate(): the netfs's data changed under the
// cache (or a DIO write, flags InvalDIOWrite, disables caching while in use).
// A no-op while the cookie is disabled.
func Invalidate(t *sim.Thread, c *Cookie, aux []byte, size int64, flags uint) {
	if flags&InvalDIOWrite != 0 {
		netfsCall(t, "invalidate_dio_write", c, nil)
	}
	if c == nil || c.flags.Test(t, FlagDisabled) {
		return
	}
	invalidate(t, c, aux, size, flags)
}

// invalidate is __fscache_invalidate().
func invalidate(t *sim.Thread, c *Cookie, aux []byte, size int64, flags uint) {
	c.f.point(t, PtInvalidate, c, nil, false)
	t.Use(&c.life)
	c.f.Stats.Invalidates++
	if c.flags.Test(t, FlagRelinquished) {
		warn(t, "WARN", "Trying to invalidate relinquished cookie c=%08x", c.DebugID)
	}
	if c.f.Mutants.DIOInvalidateNoDisable && flags&InvalDIOWrite != 0 {
		if c.flags.Test(t, FlagDisabled) {
			return
		}
	} else if c.f.Mutants.DIOInvalidateAlways && flags&InvalDIOWrite != 0 {
		c.flags.Set(t, FlagDisabled)
	} else if flags&InvalDIOWrite != 0 && c.flags.TestAndSet(t, FlagDisabled) {
		return
	}
	c.f.point(t, PtInvalidateDIO, c, nil, flags&InvalDIOWrite != 0)
	c.lock.Lock(t)
	c.flags.Set(t, FlagNoDataToRead)
	updateAux(c, aux, &size)
	c.declare(t, &c.shared.invalCounter, sim.AccWrite)
	c.lock.AssertHeld(t, "cookie->inval_counter bump") // lockset
	c.bumpInvalCounter()
	t.Emit(sim.Event{Type: EvInvalidate, Obj: c.DebugID, Args: [8]int64{size}})
	switch c.state.Peek() {
	case CookieLookingUp:
		mark(t, c, "invalidate during LOOKING_UP")
		if !c.flags.TestAndSet(t, FlagDoInvalidate) && !c.f.Mutants.InvalidateNoAccess {
			beginCookieAccessUnchecked(t, c, TraceAccessInvalidateCookie)
		}
		c.lock.Unlock(t)
	case CookieActive:
		isCaching := BeginCookieAccess(t, c, TraceAccessInvalidateCookie)
		if isCaching {
			c.setState(t, CookieInvalidating, "T7")
		}
		c.lock.Unlock(t)
		c.wakeUpCookieState(t)
		if isCaching && !c.f.Mutants.InvalidateNoQueue {
			queueCookie(t, c, TraceCookieGetInvalWork)
		}
	default:
		c.lock.Unlock(t)
	}
}

// UpdateCookie is fscache_update_cookie(): new coherency data and size, to
// be written when the object is committed. A no-op while disabled.
func UpdateCookie(t *sim.Thread, c *Cookie, aux []byte, objectSize *int64) {
	if c == nil || (c.flags.Test(t, FlagDisabled) && !c.f.Mutants.UpdateWhileDisabled) {
		return
	}
	c.f.point(t, PtUpdate, c, nil, false)
	updateCookie(t, c, aux, objectSize)
}

// updateCookie is __fscache_update_cookie(): smp_wmb() orders the new
// auxiliary data before NEEDS_UPDATE (the aux data and size are plain
// fields, not buffered, so the barrier orders only what the thread has
// buffered before them).
func updateCookie(t *sim.Thread, c *Cookie, aux []byte, objectSize *int64) {
	t.Use(&c.life)
	c.f.Stats.Updates++
	updateAux(c, aux, objectSize)
	sim.SmpWmb(t)
	c.flags.Set(t, FlagNeedsUpdate)
	c.f.point(t, PtNeedsUpdate, c, nil, false)
}

// NotePageRelease is fscache_note_page_release(): once data written to a new
// object has left the page cache, reads must consult the cache.
func NotePageRelease(t *sim.Thread, c *Cookie) {
	if c != nil && c.f.Mutants.NotePageReleaseNoop {
		return
	}
	if c != nil && c.flags.Test(t, FlagHaveData) && c.flags.Test(t, FlagNoDataToRead) {
		c.flags.Clear(t, FlagNoDataToRead)
		c.f.point(t, PtPageReleaseClear, c, nil, false)
	}
}

// cookieStateChars is fscache_cookie_states: one letter per state.
const cookieStateChars = "-LCAIFUWRD"

// printCookie is fscache_print_cookie(): the three pr_err lines that follow
// a duplicate cookie. The volume key is printed with %s as the kernel does,
// length byte first; a non-printable byte is shown as dmesg shows it
// (\xNN).
func printCookie(t *sim.Thread, c *Cookie, prefix byte) {
	st := byte('?')
	if s := int(c.state.Peek()); s < len(cookieStateChars) {
		st = cookieStateChars[s]
	}
	notice(t, c.DebugID, fmt.Sprintf("%c-cookie c=%08x [fl=%x na=%d nA=%d s=%c]",
		prefix, c.DebugID, c.flags.Peek(), c.nActive.Peek(), c.nAccesses.Peek(), st))
	var vkey strings.Builder
	for _, b := range c.Volume.keyBuf {
		if b == 0 {
			break
		}
		if b < 0x20 || b >= 0x7f {
			fmt.Fprintf(&vkey, "\\x%02x", b)
		} else {
			vkey.WriteByte(b)
		}
	}
	notice(t, c.DebugID, fmt.Sprintf("%c-cookie V=%08x [%s]", prefix, c.Volume.DebugID, vkey.String()))
	notice(t, c.DebugID, fmt.Sprintf("%c-key=[%d] '%x'", prefix, len(c.Key), c.Key))
}
