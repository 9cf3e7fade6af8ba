package scenarios

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// TestLivenessPasses: the liveness scenarios pass on the model, every check
// on, under random schedules (no false alarm). That they catch a cache
// that serves nothing is TestLivenessKills in package mutate (a mutant
// whose volume access always fails is killed by cache-liveness).
func TestLivenessPasses(t *testing.T) {
	for _, s := range Liveness() {
		for seed := uint64(0); seed < 20; seed++ {
			res, _, _ := Execute(s, model.Bugs{}, sim.Options{Seed: seed, Strategy: &sched.RandomWalk{}})
			if res.Outcome != sim.OutcomePass {
				t.Fatalf("%s seed %d: %v %+v", s.Name, seed, res.Outcome, res.Failure)
			}
		}
	}
}
