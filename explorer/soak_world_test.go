package explorer_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/fscachesim/fscachesim/explorer"
	"github.com/fscachesim/fscachesim/scenarios"
)

// TestSoakRandomWorld is issue 16's soak (make soak): the whole-model
// random world under the default portfolio (weak-memory entries included),
// 10^7 executions by default (FSCACHESIM_SOAK_EXECUTIONS overrides), one
// worker per CPU, on the unmutated model. Any failure is a false alarm or
// a new finding: the test fails with the replay command of the first one.
func TestSoakRandomWorld(t *testing.T) {
	if os.Getenv("FSCACHESIM_SOAK") == "" {
		t.Skip("soak test: set FSCACHESIM_SOAK=1 (make soak)")
	}
	n := int64(10_000_000)
	if v := os.Getenv("FSCACHESIM_SOAK_EXECUTIONS"); v != "" {
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil || x <= 0 {
			t.Fatalf("FSCACHESIM_SOAK_EXECUTIONS=%q: want a positive integer", v)
		}
		n = x
	}
	s, err := scenarios.Get("random")
	if err != nil {
		t.Fatal(err)
	}
	sum := explorer.Run(context.Background(), explorer.Config{
		Scenarios:  []scenarios.Scenario{s},
		Portfolio:  explorer.DefaultPortfolio(),
		Executions: n,
		Workers:    runtime.GOMAXPROCS(0),
	})
	t.Logf("%d executions of the random world in %.0f s (%.0f exec/s on %d workers, %.0f steps/exec)",
		sum.Executions, sum.Perf.Seconds, float64(sum.Perf.Ran)/sum.Perf.Seconds, sum.Perf.Workers,
		float64(sum.Perf.Steps)/float64(max(sum.Perf.Ran, 1)))
	if sum.Failed > 0 {
		f := sum.Failures[0]
		t.Fatalf("%d failing execution(s); first: %s/%s seed %d: %s %s: %s", sum.Failed, f.Scenario, f.Strategy, f.Seed, f.Class, f.Check, f.Msg)
	}
	if sum.Executions != n {
		t.Fatalf("ran %d executions, want %d (stopped: %s)", sum.Executions, n, sum.Stopped)
	}
}
