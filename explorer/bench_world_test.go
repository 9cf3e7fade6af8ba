package explorer

import (
	"context"
	"runtime/debug"
	"syscall"
	"testing"
	"time"

	"github.com/fscachesim/fscachesim/scenarios"
)

// BenchmarkExploreRandomWorld is issue 16's speed figure: executions per
// second of the random world as `fscachesim explore --scenario random`
// runs it (the default portfolio, every check on, the collector at
// GCPercent), on one worker, so that with -cpu 1 it is the rate per core.
// One op is one execution (seeds 1..b.N). exec/cpu-s divides by the
// process's CPU time instead of the wall clock (getrusage: every thread,
// the collector's included): on a loaded machine it moves much less.
func BenchmarkExploreRandomWorld(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(GCPercent))
	s, err := scenarios.Get("random")
	if err != nil {
		b.Fatal(err)
	}
	cpu0 := processCPU()
	r := Run(context.Background(), Config{Seed: 1, Executions: int64(b.N), Workers: 1, Scenarios: []scenarios.Scenario{s}})
	if r.Failed != 0 || r.Executions != int64(b.N) {
		b.Fatalf("want %d passing executions: %s", b.N, r.Line())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "exec/s")
	b.ReportMetric(float64(b.N)/(processCPU()-cpu0).Seconds(), "exec/cpu-s")
	b.ReportMetric(float64(r.Perf.Steps)/float64(b.N), "steps/exec")
}

// processCPU is the CPU time the process has used so far (user plus
// system, every thread).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
