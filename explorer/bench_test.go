package explorer

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sim"
)

// BenchmarkExplore measures executions per second of the default scenarios
// (no bug switch, the default portfolio) with 1 and 2 workers, and of a
// plain loop over the same executions (the explorer's overhead on one
// worker is the difference between loop and workers=1).
func BenchmarkExplore(b *testing.B) {
	b.Run("loop", func(b *testing.B) {
		c := Config{Seed: 1}.Normalize()
		for i := range int64(b.N) {
			x := c.At(i)
			res, _, _ := scenarios.Execute(x.Scenario, c.Bugs, sim.Options{Seed: x.Seed, Strategy: x.Strategy.New(), MaxSteps: c.MaxSteps})
			if res.Outcome != sim.OutcomePass {
				b.Fatalf("index %d: %v", i, res.Outcome)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "exec/s")
	})
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			s := Run(context.Background(), Config{Seed: 1, Executions: int64(b.N), Workers: w})
			if s.Failed != 0 || s.Executions != int64(b.N) {
				b.Fatalf("want %d passing executions: %s", b.N, s.Line())
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "exec/s")
			b.ReportMetric(float64(s.Perf.Steps)/float64(b.N), "steps/exec")
		})
	}
}

// BenchmarkExploreScaling runs the same 20000 executions with 1 worker,
// then with 2, and reports both rates and their ratio (the scaling from 1
// to 2 workers; 2.0 is perfect): of the default scenarios, and of
// lru-vs-relinquish alone (one of the 2-3-thread scenarios, without the
// slow cachefiles ones in the mix). It runs the collector at GCPercent,
// as the fscachesim command does.
func BenchmarkExploreScaling(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(GCPercent))
	lru, err := scenarios.Get("lru-vs-relinquish")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		scens []scenarios.Scenario
	}{{"default", nil}, {"lru-vs-relinquish", []scenarios.Scenario{lru}}} {
		b.Run(c.name, func(b *testing.B) {
			const n = 20000
			var t1, t2 time.Duration
			for b.Loop() {
				for _, w := range []int{1, 2} {
					start := time.Now()
					s := Run(context.Background(), Config{Seed: 1, Executions: n, Workers: w, Scenarios: c.scens})
					if s.Failed != 0 {
						b.Fatal(s.Line())
					}
					if w == 1 {
						t1 += time.Since(start)
					} else {
						t2 += time.Since(start)
					}
				}
			}
			b.ReportMetric(float64(n*b.N)/t1.Seconds(), "exec/s-1w")
			b.ReportMetric(float64(n*b.N)/t2.Seconds(), "exec/s-2w")
			b.ReportMetric(t1.Seconds()/t2.Seconds(), "scaling")
		})
	}
}

// TestSoakTimeToFailure measures, for each planted bug, each strategy alone
// and the whole portfolio, the median executions and wall time to the first
// failure over 20 base seeds (a million apart, so their seed ranges do not
// overlap), with one worker; the portfolio also on every core.
func TestSoakTimeToFailure(t *testing.T) {
	if os.Getenv("FSCACHESIM_SOAK") == "" {
		t.Skip("soak test: set FSCACHESIM_SOAK=1")
	}
	bases := make([]uint64, 20)
	for i := range bases {
		bases[i] = uint64(i)*1_000_000 + 1
	}
	bugs := []struct {
		scenario string
		bugs     model.Bugs
	}{{"lru-vs-relinquish", relinquishBug}, {"lru-vs-use", useBug}}
	strategies := [][]StrategySpec{
		{DefaultPortfolio()[0]}, {PCTSpec(1)}, {PCTSpec(2)}, {PCTSpec(3)}, {POSSpec()}, DefaultPortfolio(),
	}
	var rows []string
	for _, bc := range bugs {
		for _, p := range strategies {
			workers := []int{1}
			if len(p) > 1 {
				workers = append(workers, 0)
			}
			for _, w := range workers {
				r := TimeToFailure(context.Background(), Config{Scenarios: scenario(t, bc.scenario), Bugs: bc.bugs, Portfolio: p, Executions: 20000, Workers: w}, bases)
				row := r.Row() + fmt.Sprintf(" %dw", r.Workers)
				rows = append(rows, row)
				t.Log(row)
				if 2*r.Found <= len(r.Runs) {
					t.Errorf("%s: found in only %d of %d runs", r.Strategy, r.Found, len(r.Runs))
				}
			}
		}
	}
	t.Logf("\n%-26s %-26s %-44s %5s %8s %10s\n%s", "scenario", "bugs", "strategy", "found", "med-exec", "med-wall", strings.Join(rows, "\n"))
}
