package checker_test

import (
	"testing"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sim"
)

// BenchmarkChecker measures what the checker costs: executions per second
// of a scenario run bare (scenarios.Run) and with a checker attached and
// its verdict taken, seeds 0, 1, 2 ... under the random strategy.
//
//	go test -run '^$' -bench BenchmarkChecker ./checker/
func BenchmarkChecker(b *testing.B) {
	for _, name := range []string{"lru-vs-relinquish", "use-unuse-storm", "netfs-read-write"} {
		s, err := scenarios.Get(name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/bare", func(b *testing.B) {
			steps := int64(0)
			for i := 0; b.Loop(); i++ {
				res, _ := scenarios.Run(s, model.Bugs{}, sim.Options{Seed: uint64(i)})
				if res.Outcome != sim.OutcomePass {
					b.Fatalf("seed %d: %v", i, res.Failure)
				}
				steps += res.Steps
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "exec/s")
			b.ReportMetric(float64(steps)/float64(b.N), "steps/exec")
		})
		b.Run(name+"/checked", func(b *testing.B) {
			steps := int64(0)
			for i := 0; b.Loop(); i++ {
				k, w := scenarios.Prepare(s, model.Bugs{}, sim.Options{Seed: uint64(i)})
				ck := checker.New(w.F, checker.Options{})
				ck.Attach(k)
				res := k.Run()
				if v := ck.Verdict(k, res); !v.Pass {
					b.Fatalf("seed %d: %v", i, v)
				}
				steps += res.Steps
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "exec/s")
			b.ReportMetric(float64(steps)/float64(b.N), "steps/exec")
		})
	}
}
