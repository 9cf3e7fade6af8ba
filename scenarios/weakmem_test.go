package scenarios

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// TestWeakMemoryNoFalseAlarms: with no bug switch on, every named scenario
// but the quirk probes passes 500 seeds in the weak-memory mode (store
// buffers, sim/weakmem.go) under random walk and POS, with every check on.
// The model's barriers are the kernel's; a missing one shows here as a
// lost wake-up or a stale lockless read.
func TestWeakMemoryNoFalseAlarms(t *testing.T) {
	for _, s := range All() {
		if s.Quirk != "" || s.Long || s.Extra != "" {
			continue // the probes; Long and Extra scenarios have their own tests
		}
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			for seed := 0; seed < 500; seed++ {
				var st sim.Strategy = &sched.RandomWalk{}
				if seed%2 == 1 {
					st = &sched.POS{}
				}
				res, _, _ := Execute(s, model.Bugs{}, sim.Options{Seed: uint64(seed), Strategy: st, Memory: sim.MemWeak})
				if res.Outcome != sim.OutcomePass {
					t.Fatalf("seed %d (%s, weak memory): %v %v %s", seed, st.Name(), res.Outcome, res.Failure, res.Diverged)
				}
			}
		})
	}
}
