package fscache

import (
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sim"
)

// LRUCookieTimeout is fscache_lru_cookie_timeout (10 * HZ).
const LRUCookieTimeout = 10 * sim.Second

// CollisionTimeout is the 20 * HZ after which collision and operation waits
// print a warning (and keep waiting).
const CollisionTimeout = 20 * sim.Second

// Fscache is the module's global state for one execution: what the kernel
// keeps in static variables of fs/netfs/fscache_*.c (the hash tables, the
// cookie and volume lists, the LRU list, timer and worker, the workqueues,
// the cache list and the statistics).
type Fscache struct {
	K     *sim.Kernel
	Bugs  model.Bugs
	Stats Stats
	// Mutants are test-only breakages (mutants.go); all off by default.
	Mutants Mutants

	// gen is bumped at every change of what the volume, cache and LRU
	// views show (Gen).
	gen uint32

	onBackend BackendObserver // a checker watching backend calls (resources.go)
	onNetfs   NetfsObserver   // a checker watching the netfs's calls (netfscalls.go)
	onRequest RequestObserver // a checker watching requested work (requests.go)
	onPoint   PointObserver   // a checker watching the rule points (rulepoints.go)

	wq       sim.Workqueue // fscache_wq (unbound)
	systemWQ sim.Workqueue // system_wq (volume creation)

	cookieHash  buckets[cookieBucket] // fscache_cookie_hash[], the buckets used
	volumeHash  buckets[volumeBucket] // fscache_volume_hash[]
	cookiesLock sim.RWSem             // fscache_cookies_lock (rwlock)
	cookies     []*Cookie             // fscache_cookies (proc list)
	addremove   sim.RWSem             // fscache_addremove_sem
	volumes     []*Volume             // fscache_volumes
	caches      []*Cache              // fscache_caches

	lruLock  sim.SpinLock // fscache_cookie_lru_lock
	lru      []*Cookie    // fscache_cookie_lru, head first
	lruTimer sim.Timer    // fscache_cookie_lru_timer
	lruWork  sim.Work     // fscache_cookie_lru_work

	cookieDebugID uint32
	volumeDebugID uint32
	cacheDebugID  uint32

	clearance int // fscache_clearance_waiters (a wait address)

	module moduleState // module exit (exit.go)

	// brokenUnwind, set only by tests, is an allocation site whose failure
	// path skips its undo step: a mutant the checks must catch (alloc_test.go).
	brokenUnwind sim.AllocSite
}

type cookieBucket struct {
	lock  sim.Flags // bit 0: hlist_bl_lock
	chain []*Cookie // head first
}

type volumeBucket struct {
	lock  sim.Flags
	chain []*Volume
}

// New sets up fscache for one execution (fscache_init).
func New(k *sim.Kernel, bugs model.Bugs) *Fscache {
	f := &Fscache{K: k, Bugs: bugs, cookieDebugID: 1}
	f.wq.Name = "fscache"
	f.systemWQ.Name = "events"
	f.cookiesLock = sim.RWSem{Name: "fscache_cookies_lock", Spin: true}
	f.addremove = sim.RWSem{Name: "fscache_addremove_sem"}
	f.lruLock.Name = "fscache_cookie_lru_lock"
	f.lruTimer = sim.Timer{Name: "fscache_cookie_lru_timed_out", Func: f.lruTimedOut}
	f.lruWork = sim.Work{Name: "fscache_cookie_lru_worker", Func: f.lruWorker}
	f.module.life = sim.Life{Kind: "netfs-module(fscache)"}
	return f
}

func (f *Fscache) cookieBucket(hash uint32) *cookieBucket {
	return f.cookieHash.getOrNew(CookieBucket(hash))
}

func (f *Fscache) volumeBucket(hash uint32) *volumeBucket {
	b := f.volumeHash.getOrNew(VolumeBucket(hash))
	b.lock.Watch(&f.gen) // VolumeBucketLocked is a view
	return b
}

// warn is a kernel WARN()/ASSERT in a path the netfs or the model should
// never reach: it ends the run as an invariant failure named check.
func warn(t *sim.Thread, check, format string, args ...any) {
	t.Bug(check, format, args...)
}

// notice is a pr_notice()/pr_warn()/pr_err() line: it goes into the trace
// only. text is the format's output; the prefix is fs/netfs/internal.h's
// pr_fmt, "netfs: ", which 6.12 puts on every fscache message.
func notice(t *sim.Thread, obj uint32, text string) {
	t.Emit(sim.Event{Type: EvWarn, Obj: obj, Str: [2]string{"netfs: " + text}})
}

// mark records a named coverage point.
func mark(t *sim.Thread, c *Cookie, name string) {
	t.Emit(sim.Event{Type: EvMark, Obj: c.DebugID, Str: [2]string{name}})
}

// Read-only views for checkers and tests.

// Cookies lists every cookie not yet freed, in allocation order (the
// /proc/fs/fscache/cookies list).
func (f *Fscache) Cookies() []*Cookie { return f.cookies }

// Volumes lists every volume not yet freed.
func (f *Fscache) Volumes() []*Volume { return f.volumes }

// Caches lists every cache record.
func (f *Fscache) Caches() []*Cache { return f.caches }

// LRU lists the cookies on the LRU, head first.
func (f *Fscache) LRU() []*Cookie { return f.lru }

// LRUTimer is the LRU timer.
func (f *Fscache) LRUTimer() *sim.Timer { return &f.lruTimer }

// CookieHashChain returns the chain of the bucket for hash, head first.
func (f *Fscache) CookieHashChain(hash uint32) []*Cookie {
	if b := f.cookieHash.get(CookieBucket(hash)); b != nil {
		return b.chain
	}
	return nil
}
