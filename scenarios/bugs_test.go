package scenarios

import (
	"testing"

	"github.com/anishathalye/porcupine"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// TestBugSwitchFound: with a historical bug switched on, the scenario
// written for it fails within a stated number of seeds under random and
// PCT, with the failure the real bug showed (the simulated kernel alone,
// scenarios.Run) or, where a later fix hides that symptom, with the check
// of the rule it breaks (every check on, scenarios.Execute);
// TestNoFalseAlarms runs the same scenarios with every switch off.
func TestBugSwitchFound(t *testing.T) {
	strategies := []struct {
		name  string
		strat func() sim.Strategy
	}{
		{"random", func() sim.Strategy { return &sched.RandomWalk{} }},
		{"pct:2", func() sim.Strategy { return &sched.PCT{Depth: 2, Steps: 400} }},
		{"pct:3", func() sim.Strategy { return &sched.PCT{Depth: 3, Steps: 400} }},
	}
	cases := []struct {
		scenario string
		bugs     model.Bugs
		check    string // the failure's check
		within   int
		checked  bool // run with every check on (Execute), not the kernel alone (Run)
	}{
		// Freed while still hashed: fscache_free_cookie's WARN (I-2).
		{"lru-vs-relinquish", model.Bugs{LRUDiscardNoRedispatch: true}, "I-2", 400, false},
		// The NULL dereference in prepare_write of CVE-2022-48989, on the
		// kernel it was found on (before the 2024 n_accesses check).
		{"lru-vs-use", model.Bugs{UseNoClearLRUDiscard: true, LRUDiscardIgnoresAccesses: true}, "oops", 1500, false},
		// The CVE's fix reverted alone on 6.12: the n_accesses check keeps
		// the discard from running under I/O, so nothing oopses, but the
		// cookie in use is still discarded: I-9 names the rule broken.
		{"lru-vs-use", model.Bugs{UseNoClearLRUDiscard: true}, "I-9", 400, true},
		// the object withdrawn under an in-flight copy to the cache,
		// whose prepare_write then follows a NULL cache_priv.
		{"lru-discard-vs-io", model.Bugs{LRUDiscardIgnoresAccesses: true}, "oops", 400, false},
		// Module exit leaving the LRU timer armed: it fires after the
		// unload and touches the freed module.
		{"module-exit", model.Bugs{ExitKeepsLRUTimer: true}, "use-after-free", 10, false},
	}
	for _, tc := range cases {
		for _, st := range strategies {
			t.Run(tc.scenario+"/"+tc.bugs.Names()+"/"+st.name, func(t *testing.T) {
				s, err := Get(tc.scenario)
				if err != nil {
					t.Fatal(err)
				}
				for seed := 0; seed < tc.within; seed++ {
					opts := sim.Options{Seed: uint64(seed), Strategy: st.strat()}
					var res sim.Result
					if tc.checked {
						res, _, _ = Execute(s, tc.bugs, opts)
					} else {
						res, _ = Run(s, tc.bugs, opts)
					}
					if res.Outcome == sim.OutcomeFail {
						if res.Failure.Check != tc.check {
							t.Fatalf("seed %d: found %v, want a %s failure", seed, res.Failure, tc.check)
						}
						t.Logf("found at seed %d: %v", seed, res.Failure)
						return
					}
				}
				t.Fatalf("bug not found within %d seeds", tc.within)
			})
		}
	}
}

// TestNoFalseAlarms: with no bug switch on, every named scenario but the
// quirk probes passes 10,000 seeds under random walk and 10,000 under PCT
// (depths 1 to 3) with every check on: the kernel's own (oops, WARN,
// use-after-free, deadlock), the per-step invariants, liveness, the
// end-of-run drain and leak checks and linearizability.
func TestNoFalseAlarms(t *testing.T) {
	for _, s := range All() {
		if s.Quirk != "" || s.Long || s.Extra != "" {
			continue // the probes; Long and Extra scenarios have their own tests
		}
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			for seed := 0; seed < 20000; seed++ {
				var st sim.Strategy = &sched.RandomWalk{}
				if seed%2 == 1 {
					st = &sched.PCT{Depth: 1 + seed%3, Steps: 400}
				}
				res, _, _ := Execute(s, model.Bugs{}, sim.Options{Seed: uint64(seed), Strategy: st})
				if res.Outcome != sim.OutcomePass {
					t.Fatalf("seed %d (%s): %v %v %s", seed, st.Name(), res.Outcome, res.Failure, res.Diverged)
				}
			}
		})
	}
}

// TestNetfsHistoryLinearizable: the netfs scenario records its
// cache-visible operations, and every execution's history is linearizable
// against the per-cookie register, mostly by the simulator's own order.
func TestNetfsHistoryLinearizable(t *testing.T) {
	s, err := Get("netfs-read-write")
	if err != nil {
		t.Fatal(err)
	}
	fast, searched := 0, 0
	for seed := uint64(0); seed < 300; seed++ {
		res, _, w := Execute(s, model.Bugs{}, sim.Options{Seed: seed, Strategy: &sched.PCT{Depth: 2, Steps: 400}})
		if res.Outcome != sim.OutcomePass {
			t.Fatalf("seed %d: %v", seed, res.Failure)
		}
		if w.History.Len() < 8 {
			t.Fatalf("seed %d: only %d operations recorded", seed, w.History.Len())
		}
		lv, err := w.History.Check(checker.LinearOptions{})
		if err != nil || lv.Result != porcupine.Ok {
			t.Fatalf("seed %d: linearizability %v %v", seed, lv.Result, err)
		}
		if lv.FastPath {
			fast++
		} else {
			searched++
		}
	}
	if fast == 0 {
		t.Errorf("the witness order never sufficed (%d searched)", searched)
	}
	t.Logf("300 histories linearizable: %d by the witness alone, %d searched", fast, searched)
}
