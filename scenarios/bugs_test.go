package scenarios

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sim"
)

// TestBugSwitchFound: with the v3-of-the-rewrite bug switched on, the
// lru-vs-relinquish scenario fails within a stated number of seeds under
// random and PCT; with it off, the same scenario passes 10,000 seeds.
func TestBugSwitchFound(t *testing.T) {
	s, err := Get("lru-vs-relinquish")
	if err != nil {
		t.Fatal(err)
	}
	bugs := model.Bugs{LRUDiscardNoRedispatch: true}
	cases := []struct {
		name   string
		strat  func() sim.Strategy
		within int
	}{
		{"random", func() sim.Strategy { return &sim.RandomWalk{} }, 200},
		{"pct:2", func() sim.Strategy { return &sim.PCT{Depth: 2, Steps: 400} }, 400},
		{"pct:3", func() sim.Strategy { return &sim.PCT{Depth: 3, Steps: 400} }, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for seed := 0; seed < tc.within; seed++ {
				res, _ := Run(s, bugs, sim.Options{Seed: uint64(seed), Strategy: tc.strat()})
				if res.Outcome == sim.OutcomeFail {
					if res.Failure.Check != "I-2" {
						t.Fatalf("seed %d: found %v, want the I-2 freed-while-hashed failure", seed, res.Failure)
					}
					t.Logf("found at seed %d: %v", seed, res.Failure)
					return
				}
			}
			t.Fatalf("bug not found within %d seeds", tc.within)
		})
	}
}

func TestNoFalseAlarms(t *testing.T) {
	for _, s := range All() {
		t.Run(s.Name, func(t *testing.T) {
			for seed := 0; seed < 10000; seed++ {
				var st sim.Strategy = &sim.RandomWalk{}
				if seed%2 == 1 {
					st = &sim.PCT{Depth: 1 + seed%3, Steps: 400}
				}
				res, _ := Run(s, model.Bugs{}, sim.Options{Seed: uint64(seed), Strategy: st})
				if res.Outcome != sim.OutcomePass {
					t.Fatalf("seed %d (%s): %v %v %s", seed, st.Name(), res.Outcome, res.Failure, res.Diverged)
				}
			}
		})
	}
}
