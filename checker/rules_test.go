package checker_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// mutantCase is a model broken one way (a test-only mutant of
// fscache.Mutants), the scenario that exercises the broken code, and the
// check that must catch it.
type mutantCase struct {
	name     string
	set      func(m *fscache.Mutants)
	scenario string
	check    string // Failure.Check ("A|B": either)
	says     string // the failure's message contains this ("A|B": either)
	within   int    // seeds per strategy
}

// runMutant runs one execution of scenario with every check on and the
// mutant set.
func runMutant(t *testing.T, scenario string, set func(m *fscache.Mutants), opts sim.Options) sim.Result {
	t.Helper()
	s, err := scenarios.Get(scenario)
	if err != nil {
		t.Fatal(err)
	}
	k, w := scenarios.PrepareChecked(s, model.Bugs{}, opts)
	set(&w.F.Mutants)
	return w.Finish(k, k.Run())
}

// catchMutants runs every case under random walk and PCT until it fails,
// and checks that the failure is the case's check.
func catchMutants(t *testing.T, cases []mutantCase) {
	strats := []struct {
		name  string
		strat func(seed int) sim.Strategy
	}{
		{"random", func(int) sim.Strategy { return &sched.RandomWalk{} }},
		{"pct", func(seed int) sim.Strategy { return &sched.PCT{Depth: 1 + seed%3, Steps: 400} }},
	}
	for _, c := range cases {
		for _, st := range strats {
			t.Run(c.name+"/"+st.name, func(t *testing.T) {
				for seed := 0; seed < c.within; seed++ {
					res := runMutant(t, c.scenario, c.set, sim.Options{Seed: uint64(seed), Strategy: st.strat(seed)})
					if res.Outcome != sim.OutcomeFail {
						continue
					}
					says := slices.ContainsFunc(strings.Split(c.says, "|"), func(x string) bool { return strings.Contains(res.Failure.Msg, x) })
					if !slices.Contains(strings.Split(c.check, "|"), res.Failure.Check) || !says {
						t.Fatalf("seed %d: %v, want [%s] saying %q", seed, res.Failure, c.check, c.says)
					}
					t.Logf("caught at seed %d: %v", seed, res.Failure)
					return
				}
				t.Fatalf("mutant not caught within %d seeds", c.within)
			})
		}
	}
}

// TestLostWakeupCaught: a model that forgets one of fscache's wake-ups is
// caught by the lost-wakeup check (sim/lostwake.go), naming the wait whose
// wake-up was lost, not by a deadlock, a liveness bound or a leak later.
func TestLostWakeupCaught(t *testing.T) {
	catchMutants(t, []mutantCase{
		{"cookie-state", func(m *fscache.Mutants) { m.NoCookieStateWake = true }, "cookie-collision",
			sim.CheckLostWakeup, "(cookie ", 200},
		{"volume-access", func(m *fscache.Mutants) { m.NoVolumeAccessWake = true }, "withdraw-cache-during-io",
			sim.CheckLostWakeup, "volume n_accesses == 0", 400},
		{"cache-access", func(m *fscache.Mutants) { m.NoCacheAccessWake = true }, "withdraw-cache-during-io",
			sim.CheckLostWakeup, "cache n_accesses == 0", 400},
		{"acquire-pending", func(m *fscache.Mutants) { m.NoAcquirePendingWake = true }, "volume-collision",
			sim.CheckLostWakeup, "volume ACQUIRE_PENDING", 400},
	})
}

// TestResourceRulesCaught: a model broken so that a state or a request flag
// lacks what it holds, or a backend call is made where the kernel does not
// make it, is caught by the rule of resources.go (R-state, R-access,
// R-volume, R-call) at the step it is broken, before any count underflows
// or any object is freed early.
func TestResourceRulesCaught(t *testing.T) {
	catchMutants(t, []mutantCase{
		{"lookup-ends-access-early", func(m *fscache.Mutants) { m.LookupEndsAccessEarly = true }, "invalidate-during-write",
			"R-access", "by the tables", 200},
		{"lookup-ends-volume-access-early", func(m *fscache.Mutants) { m.LookupEndsVolumeAccessEarly = true }, "lru-vs-use",
			"R-volume", "looking up", 200},
		// Where another thread's access hides the missing one from R-access,
		// the begin_operation that follows finds its own access missing
		// (R-call): the same broken rule, at the first step it shows.
		{"invalidate-no-access", func(m *fscache.Mutants) { m.InvalidateNoAccess = true }, "invalidate-during-lookup",
			"R-access|R-call", "DO_INVALIDATE|without an access of its own", 400},
		{"lru-discard-clears-request", func(m *fscache.Mutants) { m.LRUDiscardClearsRequest = true }, "lru-vs-relinquish",
			"R-state", "LRU_DISCARDING without DO_LRU_DISCARD", 400},
		{"withdraw-without-object", func(m *fscache.Mutants) { m.WithdrawWithoutObject = true }, "lru-vs-relinquish",
			"R-call", "withdraw_cookie: called for c=", 400},
	})
}

// TestRequestActedOnCaught: a use that records DO_PREP_TO_WRITE without
// queueing the state machine leaves the request with nobody due to act on
// it; L-5 reports it once it has waited longer than the bound, while the
// netfs goes on working (300 steps) before it lets go of the cookie. The
// same world unmutated passes: the state machine acts on the request.
func TestRequestActedOnCaught(t *testing.T) {
	for _, mutate := range []bool{false, true} {
		w := newWorld(checker.Options{LivenessBound: 100}, true)
		w.f.Mutants.UseNoQueuePrepToWrite = mutate
		w.k.Spawn("netfs", func(th *sim.Thread) {
			w.bind(th)
			c := w.acquire(th, "inode-1")
			fscache.UseCookie(th, c, false)
			var cres fscache.CacheResources
			if err := fscache.BeginReadOperation(th, &cres, c); err != nil {
				th.Bug("test", "begin read: %v", err)
			}
			fscache.EndOperation(th, &cres)
			th.Sleep(sim.Second)           // the state machine goes idle
			fscache.UseCookie(th, c, true) // ACTIVE, first local write: DO_PREP_TO_WRITE
			for i := 0; i < 300; i++ {
				th.Yield()
			}
			fscache.UnuseCookie(th, c, nil, nil)
			fscache.UnuseCookie(th, c, nil, nil)
			fscache.RelinquishCookie(th, c, false)
			w.teardown(th)
		})
		v := w.run()
		want, msg := "pass", ""
		if mutate {
			want, msg = "liveness/L-5", "DO_PREP_TO_WRITE pending in ACTIVE and nothing due to act on it"
		}
		if got := check(v); got != want || (v.Failure != nil && !strings.Contains(v.Failure.Msg, msg)) {
			t.Fatalf("mutant %v: got %s (%v), want %s with %q", mutate, got, v, want, msg)
		}
		t.Logf("mutant %v: %v", mutate, v)
	}
}
