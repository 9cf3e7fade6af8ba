//go:build fscachesim_kernelc

package csim

import (
	"testing"

	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// BenchmarkScenario is the C build's cost per execution and per step under
// sim's random walk, every check on (BENCHMARKS.md, kernel-C section).
func BenchmarkScenario(b *testing.B) {
	for _, sc := range scenarioNames {
		b.Run(sc, func(b *testing.B) {
			var steps int64
			for i := 0; i < b.N; i++ {
				res, _, err := Execute(Options{Scenario: sc, Sim: sim.Options{Seed: uint64(i), Strategy: &sched.RandomWalk{}}})
				if err != nil || res.Outcome != sim.OutcomePass {
					b.Fatal(err, res.Failure)
				}
				steps += res.Steps
			}
			b.ReportMetric(float64(steps)/float64(b.N), "steps/exec")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(steps), "ns/step")
		})
	}
}
