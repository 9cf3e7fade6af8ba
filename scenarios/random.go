package scenarios

import (
	"strconv"

	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// The random scenario generator. Everything it decides (how many threads and
// cookies, which operation kinds this world enables, each thread's script)
// is drawn through Kernel.Rand from the workload component, so a random
// world replays and shrinks from its decision log like any other run.
//
// It is swarm testing (Groce et al., ISSTA 2012): each seed enables a random
// subset of operation kinds and of fault classes, so that some executions
// hammer a few kinds hard instead of every execution diluting every kind.
// An enabled fault class is switched on and off as the scripts go: before
// each operation, one time in four, the thread flips it.
//
// Scripts respect the netfs API: each thread balances its own uses and
// unuses, does I/O only while it has the cookie in use, and only the closing
// thread relinquishes, after every other thread has finished.

// OpKind is one kind of netfs or cache-side operation a random script uses.
type OpKind uint8

const (
	OpRead OpKind = iota
	OpWrite
	OpInvalidate
	OpInvalidateDIO
	OpUpdate
	OpResize
	OpSleepLRU
	OpWithdrawCache
	numOpKinds
)

var opKindNames = [numOpKinds]string{"read", "write", "invalidate", "invalidate-dio", "update", "resize", "sleep-lru", "withdraw-cache"}

func (o OpKind) String() string { return opKindNames[o] }

// FaultClass is a class of backend failure a random world may inject.
type FaultClass uint8

const (
	// FaultLookup: the backend's lookup fails and calls caching_failed (T6).
	FaultLookup FaultClass = iota
	// FaultInvalidate: the backend's invalidate_cookie fails (T8').
	FaultInvalidate
	numFaultClasses
)

var faultClassNames = [numFaultClasses]string{"lookup", "invalidate"}

func (f FaultClass) String() string { return faultClassNames[f] }

// setFault switches fault class f on or off in the in-memory backend.
func (w *World) setFault(f FaultClass, on bool) {
	switch f {
	case FaultLookup:
		w.Mem.FailLookup = 0
		if on {
			w.Mem.FailLookup = 1
		}
	case FaultInvalidate:
		w.Mem.FailInvalidate = on
	}
}

// RandomLimits bound the generator.
type RandomLimits struct {
	MaxThreads, MaxCookies, MaxOps int
	// Unload ends the world by unloading the modules (fscache_exit) once
	// everything is let go. It draws nothing, so worlds without it are
	// unchanged.
	Unload bool
}

// DefaultRandomLimits keep random worlds small: small worlds find races
// sooner and shrink better.
var DefaultRandomLimits = RandomLimits{MaxThreads: 3, MaxCookies: 2, MaxOps: 4}

func init() {
	register(Scenario{
		Name:  "random-fscache",
		Desc:  "a random world of bare fscache calls over the in-memory cache: 2-3 threads, 1-2 cookies, scripts over a random subset of operation kinds (swarm testing)",
		Setup: func(k *sim.Kernel, w *World) { RandomSetup(k, w, DefaultRandomLimits) },
	})
}

// RandomSetup builds a random world on k within lim.
func RandomSetup(k *sim.Kernel, w *World, lim RandomLimits) {
	r := func(n int) int { return int(k.Rand(sim.CompWorkload, uint64(n))) }
	nThreads := 2 + r(lim.MaxThreads-1)
	nCookies := 1 + r(lim.MaxCookies)
	var enabled []OpKind
	for op := OpKind(0); op < numOpKinds; op++ {
		if r(2) == 1 {
			enabled = append(enabled, op)
		}
	}
	if len(enabled) == 0 {
		enabled = append(enabled, OpRead)
	}
	var faults []FaultClass
	for f := FaultClass(0); f < numFaultClasses; f++ {
		if r(2) == 1 {
			faults = append(faults, f)
		}
	}
	cookies := make([]*fscache.Cookie, nCookies)
	g := &gate{n: nThreads}
	withdrawn := false
	for i := 0; i < nThreads; i++ {
		k.Spawn("netfs-"+strconv.Itoa(i), func(t *sim.Thread) {
			if i == 0 {
				w.bind(t)
				for j := range cookies {
					cookies[j] = fscache.AcquireCookie(t, w.Vol, 0, []byte("inode-"+strconv.Itoa(j)), []byte("v1"), 4096)
				}
				w.ready.CompleteAll(t)
			} else {
				w.WaitReady(t)
			}
			nOps := 1 + r(lim.MaxOps)
			for n := 0; n < nOps; n++ {
				for _, f := range faults {
					if r(4) == 0 {
						w.setFault(f, r(2) == 1)
					}
				}
				c := cookies[r(len(cookies))]
				op := enabled[r(len(enabled))]
				if op == OpWithdrawCache {
					if !withdrawn {
						withdrawn = true
						w.Mem.Withdraw(t)
					}
					continue
				}
				if op == OpSleepLRU {
					t.Sleep(fscache.LRUCookieTimeout)
					continue
				}
				fscache.UseCookie(t, c, op == OpWrite)
				switch op {
				case OpRead:
					netfsReadAndCopy(t, c, 4096)
				case OpWrite:
					fscache.WriteToCache(t, c, 0, zeroBlock[:], 4096, true, nil)
				case OpInvalidate:
					fscache.Invalidate(t, c, []byte("v2"), 4096, 0)
				case OpInvalidateDIO:
					fscache.Invalidate(t, c, []byte("v3"), 4096, fscache.InvalDIOWrite)
				case OpUpdate:
					fscache.UpdateCookie(t, c, []byte("v4"), nil)
				case OpResize:
					fscache.ResizeCookie(t, c, int64(4096*r(2)))
				}
				fscache.UnuseCookie(t, c, nil, nil)
				jitter(t)
			}
			g.finish(t)
		})
	}
	k.Spawn("evict", func(t *sim.Thread) {
		w.WaitReady(t)
		g.wait(t)
		for _, c := range cookies {
			fscache.RelinquishCookie(t, c, r(2) == 1)
		}
		t.Sleep(fscache.LRUCookieTimeout)
		fscache.RelinquishVolume(t, w.Vol, nil, false)
		if !withdrawn {
			w.Mem.Withdraw(t)
		}
		if lim.Unload {
			w.unload(t)
		}
	})
}
