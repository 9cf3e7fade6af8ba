package checker_test

import (
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// TestStateRequestActedOnCaught: an invalidation that moves an ACTIVE
// cookie to INVALIDATING without queueing the state machine leaves a state
// nobody acts on; L-5 reports it once it has waited longer than the bound
// while the netfs goes on working (300 steps). Unmutated, the state machine
// performs the invalidation and the world passes.
func TestStateRequestActedOnCaught(t *testing.T) {
	for _, mutate := range []bool{false, true} {
		w := newWorld(checker.Options{LivenessBound: 100}, true)
		w.f.Mutants.InvalidateNoQueue = mutate
		w.k.Spawn("netfs", func(th *sim.Thread) {
			w.bind(th)
			c := w.acquire(th, "inode-1")
			fscache.UseCookie(th, c, false)
			var cres fscache.CacheResources
			if err := fscache.BeginReadOperation(th, &cres, c); err != nil {
				th.Bug("test", "begin read: %v", err)
			}
			fscache.EndOperation(th, &cres)
			th.Sleep(sim.Second) // the state machine goes idle in ACTIVE
			fscache.Invalidate(th, c, []byte("v2"), 4096, 0)
			for i := 0; i < 300; i++ {
				th.Yield()
			}
			fscache.UnuseCookie(th, c, nil, nil)
			fscache.RelinquishCookie(th, c, false)
			w.teardown(th)
		})
		v := w.run()
		want, msg := "pass", ""
		if mutate {
			want, msg = "liveness/L-5", "INVALIDATING (a state the state machine must act on) and nothing due to act on it"
		}
		if got := check(v); got != want || (v.Failure != nil && !strings.Contains(v.Failure.Msg, msg)) {
			t.Fatalf("mutant %v: got %s (%v), want %s with %q", mutate, got, v, want, msg)
		}
		t.Logf("mutant %v: %v", mutate, v)
	}
}
