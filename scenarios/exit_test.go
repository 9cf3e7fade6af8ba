package scenarios

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// TestRandomWorldsUnload: random worlds that end by unloading the modules
// pass every check, and the unload really ran (the module is gone).
func TestRandomWorldsUnload(t *testing.T) {
	lim := DefaultRandomLimits
	lim.Unload = true
	s := Scenario{Name: "random-unload", Setup: func(k *sim.Kernel, w *World) { RandomSetup(k, w, lim) }}
	for seed := 0; seed < 400; seed++ {
		var st sim.Strategy = &sched.RandomWalk{}
		if seed%2 == 1 {
			st = &sched.PCT{Depth: 1 + seed%3, Steps: 400}
		}
		res, _, w := Execute(s, model.Bugs{}, sim.Options{Seed: uint64(seed), Strategy: st})
		if res.Outcome != sim.OutcomePass {
			t.Fatalf("seed %d (%s): %v %v", seed, st.Name(), res.Outcome, res.Failure)
		}
		if !w.F.Unloaded() {
			t.Fatalf("seed %d: the world did not unload", seed)
		}
	}
}
