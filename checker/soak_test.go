package checker_test

import (
	"os"
	"testing"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// TestSoakNoFalseAlarms runs every default scenario for 10,000 seeds, as
// scenarios' TestNoFalseAlarms does, with the checker attached and judging
// the verdict (make soak).
func TestSoakNoFalseAlarms(t *testing.T) {
	if os.Getenv("FSCACHESIM_SOAK") == "" {
		t.Skip("soak test: set FSCACHESIM_SOAK=1 (make soak)")
	}
	for _, s := range scenarios.Default() {
		t.Run(s.Name, func(t *testing.T) {
			var maxHot int64
			cov := checker.NewCoverage()
			for seed := 0; seed < 10000; seed++ {
				var st sim.Strategy = &sched.RandomWalk{}
				if seed%2 == 1 {
					st = &sched.PCT{Depth: 1 + seed%3, Steps: 400}
				}
				k, w := scenarios.Prepare(s, model.Bugs{}, sim.Options{Seed: uint64(seed), Strategy: st})
				ck := checker.New(w.F, checker.Options{})
				ck.Attach(k)
				v := ck.Verdict(k, k.Run())
				if !v.Pass {
					t.Fatalf("seed %d (%s): %v", seed, st.Name(), v)
				}
				maxHot = max(maxHot, ck.MaxHot())
				cov.Merge(ck.Coverage())
			}
			t.Logf("10000 seeds pass; longest hot stretch %d steps; %d/%d rows", maxHot, len(fscache.Transitions)-len(cov.Missing()), len(fscache.Transitions))
		})
	}
}
