package scenarios

import (
	"strings"
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
		// also, when set, is another outcome of the same quirk, passed
		// over while the search goes on for check.
		also func(*sim.Failure) bool
	}{
		{"quirk-q1-stale-withdraw", func() sim.Strategy { return &sched.RandomWalk{} }, 50, "Q-1", nil},
		{"quirk-q2-inval-access-held", func() sim.Strategy { return &sched.RandomWalk{} }, 500, "I-2", nil},
		{"quirk-stale-after-failed-invalidation", func() sim.Strategy { return &sched.RandomWalk{} }, 5, "netfs-coherency", nil},
		{"quirk-q21-cookie-nomem-unwind", func() sim.Strategy { return &sched.RandomWalk{} }, 1, "alloc-unwind", nil},
		{"quirk-q22-cull-nomem-keeps-mark", func() sim.Strategy { return &sched.RandomWalk{} }, 1, "Q-22", nil},
		// Found by the random world: the volume withdrawn twice, its
		// n_accesses underflows (seed 185 under POS; other seeds end in
		// the daemon's release waiting for n_accesses == 0 for ever).
		{"quirk-withdraw-volume-twice", func() sim.Strategy { return &sched.POS{} }, 4000, "I-14", q24Hang},
		// Found by random-disk: a cache dead of an I/O error commits the
		// coherency data of a write-back it refused.
		{"quirk-ioerror-commits-skipped-write", func() sim.Strategy { return &sched.RandomWalk{} }, 5, "netfs-coherency", nil},
		// Found by the random on-demand world: a daemon thread's close of
		// an anonymous fd during a reopen makes a READ selectable with no
		// wake-up of the daemon's poll.
		{"random-ondemand", func() sim.Strategy { return &sched.PCT{Depth: 2, Steps: 2000} }, 3000, "lost-wakeup", nil},
		// The stall itself is not reached: the API forbids the I/O it needs.
		{"quirk-q2b-rearmed-gate", func() sim.Strategy { return &sched.RandomWalk{} }, 2000, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			s, err := Get(tc.scenario)
			if err != nil {
				t.Fatal(err)
			}
			for seed := 0; seed < tc.seeds; seed++ {
				res, _ := Run(s, model.Bugs{}, sim.Options{Seed: uint64(seed), Strategy: tc.strat()})
				if res.Outcome == sim.OutcomePass || (tc.also != nil && tc.also(res.Failure)) {
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

// q24Hang is Q-24's other outcome (docs/quirks.md): the daemon's release
// waits for ever for the withdrawn volume's n_accesses to reach 0.
func q24Hang(f *sim.Failure) bool {
	return f != nil && f.Class == sim.FailDeadlock && strings.Contains(f.Msg, "cachefilesd waits on volume n_accesses == 0")
}
