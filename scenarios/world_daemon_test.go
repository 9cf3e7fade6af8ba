package scenarios

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// TestWorldDaemonFeaturesReached: the random world's daemon features
// (world_daemon.go) are drawn by some seed and their code runs: the status
// reads, the command before the bind; "random" passes every one of these
// seeds.
func TestWorldDaemonFeaturesReached(t *testing.T) {
	type feature struct {
		name    string
		enabled func(f worldFeatures) bool
		ran     func(s worldStats) int
	}
	features := []feature{
		{"daemon status reads", func(f worldFeatures) bool { return f.cull }, func(s worldStats) int { return s.statusReads }},
		{"daemon command before the bind", func(f worldFeatures) bool { return f.cull }, func(s worldStats) int { return s.daemonEarly }},
		{"unbind with the cookies live", func(f worldFeatures) bool { return f.unbindLive }, func(s worldStats) int { return s.liveUnbinds }},
		{"the daemon's status read killing the cache", func(f worldFeatures) bool { return f.deadDaemon }, func(s worldStats) int { return s.deadDaemons }},
		{"a sparse object read", func(f worldFeatures) bool { return f.sparse }, func(s worldStats) int { return s.sparseReads }},
		{"syncfs failing at the withdrawal", func(f worldFeatures) bool { return f.syncFault }, func(s worldStats) int { return s.syncFaults }},
	}
	s, err := Get("random")
	if err != nil {
		t.Fatal(err)
	}
	enabled := make([]int, len(features))
	ran := make([]int, len(features))
	for seed := 0; seed < 300; seed++ {
		opts := sim.Options{Seed: uint64(seed), Strategy: &sched.RandomWalk{}}
		f := drawWorld(sim.New(opts), false)
		res, _, w := Execute(s, model.Bugs{}, opts)
		if res.Outcome != sim.OutcomePass {
			t.Fatalf("seed %d: %v %v", seed, res.Outcome, res.Failure)
		}
		for i, ft := range features {
			if ft.enabled(f) {
				enabled[i]++
				ran[i] += ft.ran(w.stats)
			}
		}
	}
	for i, ft := range features {
		t.Logf("%s: enabled in %d of 300 seeds, ran %d times", ft.name, enabled[i], ran[i])
		if enabled[i] == 0 || ran[i] == 0 {
			t.Errorf("%s: enabled in %d seeds, its code ran %d times", ft.name, enabled[i], ran[i])
		}
	}
}
