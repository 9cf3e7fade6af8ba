package checker_test

import (
	"testing"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

var strategies = []struct {
	name  string
	strat func(seed int) sim.Strategy
}{
	{"random", func(int) sim.Strategy { return &sched.RandomWalk{} }},
	{"pct", func(seed int) sim.Strategy { return &sched.PCT{Depth: 1 + seed%3, Steps: 400} }},
}

// runChecked runs one execution of s with a checker attached.
func runChecked(s scenarios.Scenario, bugs model.Bugs, seed int, strat sim.Strategy) (checker.Verdict, *checker.Checker) {
	k, w := scenarios.Prepare(s, bugs, sim.Options{Seed: uint64(seed), Strategy: strat})
	ck := checker.New(w.F, checker.Options{})
	ck.Attach(k)
	return ck.Verdict(k, k.Run()), ck
}

// TestScenariosNoFalseAlarms: with no bug switch on, every default
// scenario passes 2,000 seeds under each strategy with the checker
// attached, and no object stays hot anywhere near the liveness bound (a
// fifth of it: the whole-model random world, with completions on their own
// threads, keeps a cookie busy for up to ~520 steps over these seeds).
// (TestSoakNoFalseAlarms runs 10,000.)
func TestScenariosNoFalseAlarms(t *testing.T) {
	for _, s := range scenarios.Default() {
		for _, st := range strategies {
			t.Run(s.Name+"/"+st.name, func(t *testing.T) {
				t.Parallel()
				var maxHot int64
				for seed := 0; seed < 2000; seed++ {
					v, ck := runChecked(s, model.Bugs{}, seed, st.strat(seed))
					if !v.Pass {
						t.Fatalf("seed %d: %v", seed, v)
					}
					maxHot = max(maxHot, ck.MaxHot())
				}
				if maxHot*5 > checker.DefaultLivenessBound {
					t.Errorf("an object stayed hot %d steps: within 5x of the liveness bound %d", maxHot, checker.DefaultLivenessBound)
				}
			})
		}
	}
}

// TestBugSwitchesFlagged: each historical bug switched back on is flagged
// by the checker within a stated number of seeds, by the check that
// matches the bug, and, for CVE-2022-48989, before the oops it leads to.
func TestBugSwitchesFlagged(t *testing.T) {
	cases := []struct {
		scenario string
		bugs     model.Bugs
		check    string // the first check to fire
		within   int
		// oops: in some seed the run without the checker oopses where the
		// checker stopped it earlier.
		oops bool
	}{
		// The last ref of a relinquished cookie is put while it is still
		// hashed: I-2 fires at that put, a step before fscache_free_cookie
		// would WARN.
		{"lru-vs-relinquish", model.Bugs{LRUDiscardNoRedispatch: true}, "I-2", 400, false},
		// use_cookie leaves DO_LRU_DISCARD set while the cookie is in use:
		// I-9, before the prepare_write oops (on the kernel the CVE was
		// found on, before the 2024 n_accesses check).
		{"lru-vs-use", model.Bugs{UseNoClearLRUDiscard: true, LRUDiscardIgnoresAccesses: true}, "I-9", 400, true},
		// The CVE's fix reverted alone on 6.12: no oops any more (the
		// discard waits for the I/O), but I-9 still names the rule broken.
		{"lru-vs-use", model.Bugs{UseNoClearLRUDiscard: true}, "I-9", 400, false},
		// the state machine goes to LRU_DISCARDING with a copy to the
		// cache in flight: I-16, before the oops in prepare_write.
		{"lru-discard-vs-io", model.Bugs{LRUDiscardIgnoresAccesses: true}, "I-16", 400, true},
	}
	for _, tc := range cases {
		for _, st := range strategies {
			t.Run(tc.scenario+"/"+tc.bugs.Names()+"/"+st.name, func(t *testing.T) {
				t.Parallel()
				s, err := scenarios.Get(tc.scenario)
				if err != nil {
					t.Fatal(err)
				}
				found, beforeOops := -1, false
				for seed := 0; seed < tc.within && (found < 0 || (tc.oops && !beforeOops)); seed++ {
					v, _ := runChecked(s, tc.bugs, seed, st.strat(seed))
					if v.Pass {
						continue
					}
					if v.Failure.Class != sim.FailInvariant || v.Failure.Check != tc.check || len(v.Failure.Objects) == 0 || v.Failure.ThreadName == "" {
						t.Fatalf("seed %d: %v, want invariant %s naming its thread and cookie", seed, v, tc.check)
					}
					if found < 0 {
						found = seed
						t.Logf("flagged at seed %d: %v", seed, v.Failure)
					}
					if tc.oops && !beforeOops {
						res, _ := scenarios.Run(s, tc.bugs, sim.Options{Seed: uint64(seed), Strategy: st.strat(seed)})
						beforeOops = res.Failure != nil && res.Failure.Class == sim.FailOops
					}
				}
				if found < 0 {
					t.Fatalf("not flagged within %d seeds", tc.within)
				}
				if tc.oops && !beforeOops {
					t.Fatalf("%s never fired in a run that oopses without the checker", tc.check)
				}
			})
		}
	}
}
