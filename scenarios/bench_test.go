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

// BenchmarkWeakMemoryStep is the cost per step of the default scenarios
// under random walk, sequentially consistent (sc) and with store buffers
// (weak); one op is one execution, ns/step is the figure to compare;
// %steps-buffered is the share of steps after which a store was buffered.
func BenchmarkWeakMemoryStep(b *testing.B) {
	for _, m := range []sim.MemoryModel{sim.MemSC, sim.MemWeak} {
		b.Run(m.String(), func(b *testing.B) {
			list := Default()
			steps, buffered := int64(0), int64(0)
			for i := 0; i < b.N; i++ {
				res, _, _ := Execute(list[i%len(list)], model.Bugs{}, sim.Options{Seed: uint64(i), Strategy: &sched.RandomWalk{}, Memory: m,
					StepHook: func(k *sim.Kernel) {
						if k.Buffered() > 0 {
							buffered++
						}
					}})
				if res.Outcome != sim.OutcomePass {
					b.Fatalf("seed %d: %v %v", i, res.Outcome, res.Failure)
				}
				steps += res.Steps
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(steps), "ns/step")
			b.ReportMetric(float64(steps)/float64(b.N), "steps/exec")
			b.ReportMetric(100*float64(buffered)/float64(steps), "%steps-buffered")
		})
	}
}
