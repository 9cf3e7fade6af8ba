package scenarios

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// BenchmarkScenario measures executions per second of each named scenario
// under the random strategy with every check on (Execute), as explore runs
// them (one core: run with -cpu 1).
func BenchmarkScenario(b *testing.B) {
	for _, s := range Default() {
		b.Run(s.Name, func(b *testing.B) {
			steps := int64(0)
			for i := 0; i < b.N; i++ {
				res, _, _ := Execute(s, model.Bugs{}, sim.Options{Seed: uint64(i), Strategy: &sched.RandomWalk{}})
				if res.Outcome != sim.OutcomePass {
					b.Fatalf("seed %d: %v %v", i, res.Outcome, res.Failure)
				}
				steps += res.Steps
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "exec/s")
			b.ReportMetric(float64(steps)/float64(b.N), "steps/exec")
		})
	}
}
