package scenarios

import (
	"sort"
	"syscall"
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
//
// Each execution is timed twice: by the wall clock (exec/s, p*-exec/s)
// and by the process's CPU time (exec/cpu-s, p*-exec/cpu-s: user plus
// system time of every thread, the collector's included). On one core
// (GOMAXPROCS=1, -cpu 1) the CPU figures are the executions per second
// per core; on a loaded machine they move much less than the wall ones,
// since time spent waiting for the core is not counted.
func BenchmarkRandomWorld(b *testing.B) {
	s, err := Get("random")
	if err != nil {
		b.Fatal(err)
	}
	per := make([]float64, 0, b.N)
	perCPU := make([]float64, 0, b.N)
	steps := int64(0)
	var cpuTotal time.Duration
	for i := 0; i < b.N; i++ {
		start, startCPU := time.Now(), processCPU()
		res, _, _ := Execute(s, model.Bugs{}, sim.Options{Seed: uint64(i), Strategy: &sched.RandomWalk{}})
		d, dCPU := time.Since(start), processCPU()-startCPU
		if res.Outcome != sim.OutcomePass {
			b.Fatalf("seed %d: %v %v", i, res.Outcome, res.Failure)
		}
		steps += res.Steps
		per = append(per, float64(time.Second)/float64(d))
		// getrusage counts in microseconds: an execution is hundreds.
		perCPU = append(perCPU, float64(time.Second)/float64(max(dCPU, time.Microsecond)))
		cpuTotal += dCPU
	}
	sort.Float64s(per)
	sort.Float64s(perCPU)
	pct := func(v []float64, p int) float64 { return v[(len(v)-1)*p/100] }
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "exec/s")
	b.ReportMetric(float64(steps)/float64(b.N), "steps/exec")
	b.ReportMetric(pct(per, 10), "p10-exec/s")
	b.ReportMetric(pct(per, 50), "p50-exec/s")
	b.ReportMetric(pct(per, 90), "p90-exec/s")
	b.ReportMetric(float64(b.N)/cpuTotal.Seconds(), "exec/cpu-s")
	b.ReportMetric(pct(perCPU, 10), "p10-exec/cpu-s")
	b.ReportMetric(pct(perCPU, 50), "p50-exec/cpu-s")
	b.ReportMetric(pct(perCPU, 90), "p90-exec/cpu-s")
}

// processCPU is the CPU time the process has used so far (getrusage:
// user plus system, every thread).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
