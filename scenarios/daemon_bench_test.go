package scenarios

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// BenchmarkDaemonScenarios measures the cachefilesd scenarios, which are
// not in Default() (daemon-bind-unbind is a quirk probe, its rare
// findings are counted, not fatal; daemon-cull-under-use is Long): one op
// is one execution under random walk.
func BenchmarkDaemonScenarios(b *testing.B) {
	for _, name := range []string{"daemon-bind-unbind", "daemon-cull-under-use"} {
		s, err := Get(name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			steps := int64(0)
			for i := 0; i < b.N; i++ {
				res, _, _ := Execute(s, model.Bugs{}, sim.Options{Seed: uint64(i), Strategy: &sched.RandomWalk{}})
				if res.Outcome != sim.OutcomePass && s.Quirk == "" {
					b.Fatalf("seed %d: %v %v", i, res.Outcome, res.Failure)
				}
				steps += res.Steps
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "exec/s")
			b.ReportMetric(float64(steps)/float64(b.N), "steps/exec")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(steps), "ns/step")
		})
	}
}
