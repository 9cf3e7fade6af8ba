package fscache

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// writeThenRelinquish runs a netfs that writes to the cache, closes the
// file (unuse) and relinquishes the cookie straight away, then tears down,
// with write standing for fscache_write_to_cache. It reports whether the
// write's completion ran after the relinquish (the issuer overtook its own
// I/O) and how the run ended.
func writeThenRelinquish(seed uint64, write func(t *sim.Thread, c *Cookie, term TermFunc)) (overtaken bool, res sim.Result) {
	// PCT (depth 2) on odd seeds: a completion thread given a low
	// priority waits while the issuer goes on.
	var st sim.Strategy
	if seed%2 == 1 {
		st = &sched.PCT{Depth: 2, Steps: 300}
	}
	k := sim.New(sim.Options{Seed: seed, Strategy: st, MaxSteps: 1 << 16})
	f := New(k, model.Bugs{})
	k.Spawn("netfs", func(t *sim.Thread) {
		mem, err := NewMemBackend(t, f, "mycache")
		if err != nil {
			t.Bug("test", "bind: %v", err)
		}
		v, _ := f.AcquireVolume(t, "afs,example.com", "mycache", nil)
		c := AcquireCookie(t, v, 0, []byte("inode-1"), []byte("v1"), 4096)
		UseCookie(t, c, true)
		for i := 0; c.State() != CookieActive && c.State() != CookieCreating; i++ {
			if i > 1000 {
				t.Bug("test", "cookie never became usable (%v)", c.State())
			}
			t.Sleep(1)
		}
		write(t, c, func(t *sim.Thread, n int, err error, wasAsync bool) {
			overtaken = overtaken || c.flags.Has(FlagRelinquished)
		})
		UnuseCookie(t, c, nil, nil)
		RelinquishCookie(t, c, false)
		t.Sleep(sim.Second)
		RelinquishVolume(t, v, nil, false)
		t.Sleep(sim.Second)
		mem.Withdraw(t)
	})
	return overtaken, k.Run()
}

// TestIssuerOvertakesWriteCompletion: a write to the cache completes in
// the backend's completion context, so the issuer's close and relinquish
// can run before it (fscache_wreq_done after fscache_relinquish_cookie),
// and then the operation's cookie access is what keeps the state machine
// from withdrawing the object under the write. The model reaches that
// order under random scheduling and every run passes.
func TestIssuerOvertakesWriteCompletion(t *testing.T) {
	write := func(t *sim.Thread, c *Cookie, term TermFunc) {
		WriteToCache(t, c, 0, make([]byte, 4096), 4096, true, term)
	}
	overtaken := 0
	for seed := uint64(0); seed < 300; seed++ {
		o, res := writeThenRelinquish(seed, write)
		if res.Outcome != sim.OutcomePass {
			t.Fatalf("seed %d: %v %v", seed, res.Outcome, res.Failure)
		}
		if o {
			overtaken++
		}
	}
	if overtaken == 0 {
		t.Fatal("no seed of 300 ran the write's completion after the relinquish")
	}
	t.Logf("relinquish before the write's completion in %d of 300 seeds", overtaken)
}

// TestCompletionWithoutAccessCaught: a broken fscache_write_to_cache that
// ends the operation (and so the cookie access) when the write is
// submitted instead of in its completion lets the relinquish withdraw the
// object while the write is in flight; the check io-held-access catches
// it (withdraw_cookie with backend I/O in flight).
func TestCompletionWithoutAccessCaught(t *testing.T) {
	endsEarly := func(t *sim.Thread, c *Cookie, term TermFunc) {
		var cres CacheResources
		if beginOperation(t, &cres, c, WantWrite, TraceAccessIOWrite) != nil {
			return
		}
		start, length := int64(0), int64(4096)
		if cres.Ops.PrepareWrite(t, &cres, &start, &length, 4096, false) == nil {
			cres.Ops.Write(t, &cres, start, make([]byte, length), term)
		}
		EndOperation(t, &cres) // the mutation: the access ends at submission
	}
	for seed := uint64(0); seed < 300; seed++ {
		_, res := writeThenRelinquish(seed, endsEarly)
		if res.Failure == nil {
			continue
		}
		if res.Failure.Check != "io-held-access" {
			t.Fatalf("seed %d: caught as %q (%v), want io-held-access", seed, res.Failure.Check, res.Failure)
		}
		t.Logf("caught at seed %d: %v", seed, res.Failure)
		return
	}
	t.Fatal("an operation ending its access before the write's completion was not caught in 300 seeds")
}
