package checker_test

import (
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// TestLiveness plants hot states: a relinquished cookie kept from DROPPED
// by an I/O access that ends late (hot for longer than the bound while
// other threads run) or never (still hot when the run ends).
func TestLiveness(t *testing.T) {
	cases := []struct {
		name        string
		bound       int64
		expectFreed bool
		endIO       bool // the read operation ends (after busy steps)
		busy        int  // steps another thread takes while the cookie is hot
		check       string
		msg         string
	}{
		{"access ends within the bound", 0, true, true, 300, "pass", ""},
		{"hot longer than the bound", 100, true, true, 300, "liveness/L-2", "relinquished cookie not yet DROPPED: hot since step"},
		{"never cooled, run drained", 0, false, false, 0, "liveness/L-2", "still hot when the run ended"},
		{"never cooled, simulator leak check", 0, true, false, 0, "liveness/L-2", "still hot when the run ended"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(checker.Options{LivenessBound: tc.bound}, tc.expectFreed)
			w.k.Spawn("netfs", func(th *sim.Thread) {
				w.bind(th)
				c := w.acquire(th, "inode-1")
				fscache.UseCookie(th, c, false)
				var cres fscache.CacheResources
				if err := fscache.BeginReadOperation(th, &cres, c); err != nil {
					th.Bug("test", "begin read: %v", err)
				}
				fscache.UnuseCookie(th, c, nil, nil)
				fscache.RelinquishCookie(th, c, false) // n_accesses 1: not yet
				for i := 0; i < tc.busy; i++ {
					th.Yield()
				}
				if tc.endIO {
					fscache.EndOperation(th, &cres)
					w.teardown(th)
				}
			})
			v := w.run()
			if got := check(v); got != tc.check || (v.Failure != nil && !strings.Contains(v.Failure.Msg, tc.msg)) {
				t.Fatalf("got %s (%v), want %s with %q", got, v, tc.check, tc.msg)
			}
			if v.Failure != nil && (len(v.Failure.Objects) == 0 || v.Failure.Objects[0] != "c=00000002") {
				t.Fatalf("failure does not name the cookie: %+v", v.Failure)
			}
		})
	}
}

// TestLivenessStepBound: a run cut by the step bound with something hot is
// a liveness failure naming the monitor, not a bare step-bound outcome.
func TestLivenessStepBound(t *testing.T) {
	k := sim.New(sim.Options{Seed: 1, MaxSteps: 400})
	w := &world{k: k, f: fscache.New(k, model.Bugs{})}
	w.ck = checker.New(w.f, checker.Options{})
	w.ck.Attach(k)
	k.Spawn("netfs", func(th *sim.Thread) {
		w.bind(th)
		c := w.acquire(th, "inode-1")
		fscache.UseCookie(th, c, false)
		var cres fscache.CacheResources
		fscache.BeginReadOperation(th, &cres, c)
		fscache.UnuseCookie(th, c, nil, nil)
		fscache.RelinquishCookie(th, c, false)
		for {
			th.Yield() // spins until the bound
		}
	})
	v := w.run()
	if check(v) != "liveness/L-2" || !strings.Contains(v.Failure.Msg, "hit the step bound") {
		t.Fatalf("got %v", v)
	}
}
