//go:build fscachesim_kernelc

package csim

import (
	"testing"

	"github.com/fscachesim/fscachesim/kernelc"

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

// BenchmarkCvsGo compares, in one process, the C build and the Go model's
// twin of the same scenario under the same strategy (a random walk), each
// judged by package checker (the C through its mirror, the Go model
// directly) after every step.
func BenchmarkCvsGo(b *testing.B) {
	for _, sc := range []string{"lru-vs-use", "life"} {
		b.Run("c/"+sc, func(b *testing.B) {
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
		b.Run("go/"+sc, func(b *testing.B) {
			var steps int64
			for i := 0; i < b.N; i++ {
				res, err := kernelc.RunTwinChecked(sc, uint64(i), &sched.RandomWalk{})
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
