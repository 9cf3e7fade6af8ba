//go:build fscachesim_gort

package scenarios

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sim"
)

// The stress test: a scenario hammered the way a developer without the
// explorer would, on sim's goroutine build mode (see sim/doc.go): a loop
// of scenarios.Execute, a fresh world each time, on GOMAXPROCS workers,
// for a fixed wall time, the Go runtime choosing every interleaving.
// BENCHMARKS.md compares its time to the first failure with the
// explorer's. Run it with `make stress`, or:
//
//	FSCACHESIM_SOAK=1 go test -tags fscachesim_gort -run TestSoakStress -v ./scenarios/
//	FSCACHESIM_SOAK=1 go test -race -tags fscachesim_gort -run TestSoakStress -v ./scenarios/
//
// FSCACHESIM_STRESS lists the targets as scenario:bug,... (bug "none" for
// a control run with every bug switch off; default: both historical bugs
// and the control), FSCACHESIM_STRESS_TIME the wall time of each
// (default 10s), FSCACHESIM_STRESS_RUNS how often to repeat each
// (default 1), FSCACHESIM_STRESS_WORKERS the workers (default GOMAXPROCS).
// With FSCACHESIM_STRESS_FIRST=1 each run stops at its first failure (the
// wall time is then a cap), for the median time to the first failure over
// FSCACHESIM_STRESS_RUNS runs, as the explorer's TestSoakTimeToFailure
// measures it.

// stressTarget is one scenario and its bug switches.
type stressTarget struct {
	scenario string
	bugs     string // "" for none
}

// stressResult is one stress run of a target.
type stressResult struct {
	target     stressTarget
	workers    int
	wall       time.Duration
	executions int64
	failures   int64
	bounds     int64         // executions that hit the step bound
	firstExec  int64         // executions finished up to and including the first failure; 0 for none
	firstWall  time.Duration // wall time to the first failure
	checks     map[string]int64
}

// stress runs t's scenario on workers goroutines until d has passed, or
// until the first failure if first is set.
func stress(tb testing.TB, tg stressTarget, workers int, d time.Duration, seedBase uint64, first bool) stressResult {
	s, err := Get(tg.scenario)
	if err != nil {
		tb.Fatal(err)
	}
	bugs, err := model.ParseBugs(tg.bugs)
	if err != nil {
		tb.Fatal(err)
	}
	r := stressResult{target: tg, workers: workers, checks: map[string]int64{}}
	var next, done atomic.Int64
	var stop atomic.Bool
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() && time.Now().Before(deadline) {
				seed := seedBase + uint64(next.Add(1))
				res, _, _ := Execute(s, bugs, sim.Options{Seed: seed})
				n := done.Add(1)
				if res.Outcome == sim.OutcomePass {
					continue
				}
				mu.Lock()
				switch res.Outcome {
				case sim.OutcomeFail:
					r.failures++
					r.checks[res.Failure.Check]++
					if r.firstExec == 0 {
						r.firstExec, r.firstWall = n, time.Since(start)
						stop.Store(first)
					}
				case sim.OutcomeBound:
					r.bounds++
				default:
					tb.Errorf("%s seed %d: outcome %v %s", tg.scenario, seed, res.Outcome, res.Diverged)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	r.wall = time.Since(start)
	r.executions = done.Load()
	return r
}

func (r stressResult) row(race bool) string {
	bugs := r.target.bugs
	if bugs == "" {
		bugs = "none"
	}
	mode := "plain"
	if race {
		mode = "-race"
	}
	first := "-"
	if r.firstExec > 0 {
		first = fmt.Sprintf("%d exec, %v", r.firstExec, r.firstWall.Round(time.Millisecond))
	}
	var checks []string
	for c, n := range r.checks {
		checks = append(checks, fmt.Sprintf("%s×%d", c, n))
	}
	slices.Sort(checks)
	return fmt.Sprintf("%-18s %-26s %-5s %2dw %6.1fs %9d exec %8.0f exec/s %6d fail %4d bound  first: %-20s %s",
		r.target.scenario, bugs, mode, r.workers, r.wall.Seconds(), r.executions,
		float64(r.executions)/r.wall.Seconds(), r.failures, r.bounds, first, strings.Join(checks, " "))
}

// medianRow gives the lower median of the executions and the wall time to
// the first failure over runs runs, found of which found one.
func medianRow(tg stressTarget, found []stressResult, runs int) string {
	bugs := tg.bugs
	if bugs == "" {
		bugs = "none"
	}
	med := "-"
	if 2*len(found) > runs {
		var execs []int64
		var walls []time.Duration
		for _, r := range found {
			execs = append(execs, r.firstExec)
			walls = append(walls, r.firstWall)
		}
		slices.Sort(execs)
		slices.Sort(walls)
		m := (runs - 1) / 2
		med = fmt.Sprintf("median %d exec, %v (min %d exec, %v; max %d exec, %v)", execs[m], walls[m].Round(100*time.Microsecond),
			execs[0], walls[0].Round(100*time.Microsecond), execs[len(execs)-1], walls[len(walls)-1].Round(100*time.Microsecond))
	}
	return fmt.Sprintf("%-18s %-26s found %d/%d  %s", tg.scenario, bugs, len(found), runs, med)
}

// buildSetting is one setting of the test binary's build ("-race", "-tags").
func buildSetting(key string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == key {
				return s.Value
			}
		}
	}
	return ""
}

func envInt(tb testing.TB, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		tb.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

// TestSoakStress is the stress test (see above). It is a soak test, not a
// benchmark: it runs for a wall time, not a number of iterations, and its
// result is a count of failures, not a cost per operation.
func TestSoakStress(t *testing.T) {
	if os.Getenv("FSCACHESIM_SOAK") == "" {
		t.Skip("soak test: set FSCACHESIM_SOAK=1")
	}
	targets := []stressTarget{
		{"lru-vs-relinquish", "lru-discard-no-redispatch"},
		{"lru-vs-use", "use-no-clear-lru-discard"},
		{"lru-vs-relinquish", ""},
	}
	if v := os.Getenv("FSCACHESIM_STRESS"); v != "" {
		targets = nil
		for _, f := range strings.Split(v, ",") {
			scen, bug, _ := strings.Cut(f, ":")
			if bug == "none" {
				bug = ""
			}
			targets = append(targets, stressTarget{scen, bug})
		}
	}
	d := 10 * time.Second
	if v := os.Getenv("FSCACHESIM_STRESS_TIME"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			t.Fatalf("FSCACHESIM_STRESS_TIME: %v", err)
		}
	}
	runs := envInt(t, "FSCACHESIM_STRESS_RUNS", 1)
	workers := envInt(t, "FSCACHESIM_STRESS_WORKERS", runtime.GOMAXPROCS(0))
	race := buildSetting("-race") == "true"
	first := os.Getenv("FSCACHESIM_STRESS_FIRST") != ""
	t.Logf("stress: GOMAXPROCS=%d, %d worker(s), %v per run, race detector %v, tags %q",
		runtime.GOMAXPROCS(0), workers, d, race, buildSetting("-tags"))
	var rows, medians []string
	for _, tg := range targets {
		var found []stressResult
		for i := range runs {
			r := stress(t, tg, workers, d, uint64(i)*1_000_000_000, first)
			if r.firstExec > 0 {
				found = append(found, r)
			}
			rows = append(rows, r.row(race))
			t.Log(rows[len(rows)-1])
			if r.executions == 0 {
				t.Errorf("%s: no execution finished in %v", tg.scenario, d)
			}
			if tg.bugs == "" && r.failures > 0 {
				t.Errorf("%s with no bug switch failed %d times: a false alarm of the goroutine build mode (%v)", tg.scenario, r.failures, r.checks)
			}
		}
		if runs > 1 {
			medians = append(medians, medianRow(tg, found, runs))
		}
	}
	t.Logf("\n%s", strings.Join(rows, "\n"))
	if len(medians) > 0 {
		t.Logf("time to the first failure over %d runs (a run that found nothing counts as longer than any that did):\n%s", runs, strings.Join(medians, "\n"))
	}
}

// Every default scenario passes, with every check on, on the goroutine
// build with no bug switch on: the checker works unchanged and the mode
// raises no false alarm.
func TestGortScenariosPass(t *testing.T) {
	for _, s := range Default() {
		n := 20
		if len(s.Name) > 0 && slices.Contains([]string{"cull-vs-use", "enospc-during-write", "netfs-over-cachefiles", "crash-and-rebind"}, s.Name) {
			n = 3
		}
		for i := range n {
			res, k, _ := Execute(s, model.Bugs{}, sim.Options{Seed: uint64(i)})
			if res.Outcome != sim.OutcomePass {
				t.Fatalf("%s seed %d: %v %v", s.Name, i, res.Outcome, res.Failure)
			}
			if res.Steps == 0 || len(k.Live()) != 0 {
				t.Fatalf("%s seed %d: %d steps, %d threads live", s.Name, i, res.Steps, len(k.Live()))
			}
		}
	}
}
