package scenarios

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// TestQuirkFindings pins what docs/quirks.md reports for each quirk
// scenario: the outcome the explorer reaches (or does not) with no bug
// switch on. If the model changes so that a finding disappears or a new one
// appears, this fails and the doc must be revisited.
func TestQuirkFindings(t *testing.T) {
	cases := []struct {
		scenario string
		strat    func() sim.Strategy
		seeds    int
		check    string // the failure's check; "" = no failure in any seed
	}{
		{"quirk-q1-stale-withdraw", func() sim.Strategy { return &sched.RandomWalk{} }, 50, "Q-1"},
		{"quirk-q2-inval-access-held", func() sim.Strategy { return &sched.RandomWalk{} }, 500, "I-2"},
		{"quirk-stale-after-failed-invalidation", func() sim.Strategy { return &sched.RandomWalk{} }, 5, "netfs-coherency"},
		{"quirk-q21-cookie-nomem-unwind", func() sim.Strategy { return &sched.RandomWalk{} }, 1, "alloc-unwind"},
		{"quirk-q22-cull-nomem-keeps-mark", func() sim.Strategy { return &sched.RandomWalk{} }, 1, "Q-22"},
		// Found by the random world: the volume withdrawn twice, its
		// n_accesses underflows (seed 185 under POS; other seeds end in
		// the daemon's release waiting for n_accesses == 0 for ever).
		{"quirk-withdraw-volume-twice", func() sim.Strategy { return &sched.POS{} }, 4000, "I-14"},
		// Found by the random on-demand world: a daemon thread's close of
		// an anonymous fd during a reopen makes a READ selectable with no
		// wake-up of the daemon's poll.
		{"random-ondemand", func() sim.Strategy { return &sched.PCT{Depth: 2, Steps: 2000} }, 3000, "lost-wakeup"},
		// The stall itself is not reached: the API forbids the I/O it needs.
		{"quirk-q2b-rearmed-gate", func() sim.Strategy { return &sched.RandomWalk{} }, 2000, ""},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			s, err := Get(tc.scenario)
			if err != nil {
				t.Fatal(err)
			}
			for seed := 0; seed < tc.seeds; seed++ {
				res, _ := Run(s, model.Bugs{}, sim.Options{Seed: uint64(seed), Strategy: tc.strat()})
				if res.Outcome == sim.OutcomePass {
					continue
				}
				if tc.check == "" || res.Failure == nil || res.Failure.Check != tc.check {
					t.Fatalf("seed %d: %v %v, want %q", seed, res.Outcome, res.Failure, tc.check)
				}
				t.Logf("reached at seed %d: %v", seed, res.Failure)
				return
			}
			if tc.check != "" {
				t.Fatalf("%s not reached in %d seeds", tc.check, tc.seeds)
			}
		})
	}
}
