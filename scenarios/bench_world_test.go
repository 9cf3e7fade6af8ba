package scenarios

import (
	"sort"
	"testing"
	"time"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// BenchmarkRandomWorld is the random world's speed as a distribution over
// seeds: each execution (seed i, random walk, every check on) is timed on
// its own, and the 10th, 50th and 90th percentiles of executions per
// second over the seeds are reported beside the mean (run with -cpu 1;
// the machine's load moves every figure, compare within one run).
func BenchmarkRandomWorld(b *testing.B) {
	s, err := Get("random")
	if err != nil {
		b.Fatal(err)
	}
	per := make([]float64, 0, b.N)
	steps := int64(0)
	for i := 0; i < b.N; i++ {
		start := time.Now()
		res, _, _ := Execute(s, model.Bugs{}, sim.Options{Seed: uint64(i), Strategy: &sched.RandomWalk{}})
		d := time.Since(start)
		if res.Outcome != sim.OutcomePass {
			b.Fatalf("seed %d: %v %v", i, res.Outcome, res.Failure)
		}
		steps += res.Steps
		per = append(per, float64(time.Second)/float64(d))
	}
	sort.Float64s(per)
	pct := func(p int) float64 { return per[(len(per)-1)*p/100] }
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "exec/s")
	b.ReportMetric(float64(steps)/float64(b.N), "steps/exec")
	b.ReportMetric(pct(10), "p10-exec/s")
	b.ReportMetric(pct(50), "p50-exec/s")
	b.ReportMetric(pct(90), "p90-exec/s")
}
