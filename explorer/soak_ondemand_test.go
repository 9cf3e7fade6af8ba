package explorer_test

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/explorer"
	"github.com/fscachesim/fscachesim/scenarios"
)

// TestSoakOndemand is issue 19's soak (make soak): 10^6 executions of the
// on-demand race scenarios (every one but the quirk probe: the correct
// daemons, and those that misbehave in the ways the kernel must survive)
// under the default portfolio, one worker per CPU: the run of
// BENCHMARKS.md's on-demand section (the same scenarios in the same order,
// so the same executions as its command line). Any failure is a false
// alarm or a new finding: the test fails with the first one.
const ondemandSoakScenarios = "ondemand-daemon-close-vs-read,ondemand-restore-vs-read,ondemand-anon-close-vs-copen," +
	"ondemand-reopen-vs-drop,ondemand-restore-vs-cread,ondemand-kill-vs-read,ondemand-chaos"

func TestSoakOndemand(t *testing.T) {
	if os.Getenv("FSCACHESIM_SOAK") == "" {
		t.Skip("soak test: set FSCACHESIM_SOAK=1 (make soak)")
	}
	const n = 1_000_000
	var list []scenarios.Scenario
	for _, name := range strings.Split(ondemandSoakScenarios, ",") {
		s, err := scenarios.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		if s.Quirk != "" {
			t.Fatalf("%s is a quirk probe", name)
		}
		list = append(list, s)
	}
	sum := explorer.Run(context.Background(), explorer.Config{
		Scenarios:  list,
		Portfolio:  explorer.DefaultPortfolio(),
		Executions: n,
		Workers:    runtime.GOMAXPROCS(0),
	})
	t.Logf("%d executions of %d on-demand scenarios in %.0f s (%.0f exec/s on %d workers)",
		sum.Executions, len(list), sum.Perf.Seconds, float64(sum.Perf.Ran)/sum.Perf.Seconds, sum.Perf.Workers)
	if sum.Failed > 0 {
		f := sum.Failures[0]
		t.Fatalf("%d failing execution(s); first: %s/%s seed %d: %s %s: %s", sum.Failed, f.Scenario, f.Strategy, f.Seed, f.Class, f.Check, f.Msg)
	}
	if sum.Executions != n {
		t.Fatalf("ran %d executions, want %d (stopped: %s)", sum.Executions, n, sum.Stopped)
	}
}
