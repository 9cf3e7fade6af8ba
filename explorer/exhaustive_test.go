package explorer

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

func lruVsRelinquish(t testing.TB) scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Get("lru-vs-relinquish")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// With LRUDiscardNoRedispatch on, exhaustive search finds the I-2 failure
// of lru-vs-relinquish (at bound 0 already: the LRU timer and the sleeps
// give free switches), with and without POR, and the failing execution's
// decision log replays strictly to the same failure and hash.
func TestExhaustiveFindsLRUDiscardBug(t *testing.T) {
	s := lruVsRelinquish(t)
	bugs := model.Bugs{LRUDiscardNoRedispatch: true}
	for _, por := range []bool{false, true} {
		var sum ExhaustiveSummary
		bound := 0
		for ; bound <= 2; bound++ {
			sum = Exhaustive(context.Background(), ExhaustiveConfig{Scenario: s, Bugs: bugs, Bound: bound, POR: por, MaxExecutions: 50000})
			if sum.Failure != nil {
				break
			}
		}
		f := sum.Failure
		if f == nil {
			t.Fatalf("por=%v: bug not found up to bound 2: %s", por, sum.Line())
		}
		t.Logf("por=%v bound %d: %s", por, bound, sum.Line())
		if f.Check != "I-2" || sum.Stopped != StopFirstFailure || sum.Failed != 1 {
			t.Fatalf("por=%v: %s, want the first I-2 failure", por, sum.Line())
		}
		res, _, _ := scenarios.Execute(s, bugs, sim.Options{Strategy: &sched.Replay{Log: f.Log, Strict: true}, MaxSteps: f.MaxSteps})
		if res.Outcome != sim.OutcomeFail || res.Failure.Check != f.Check || res.Failure.Step != f.Step || f.Hash != hex(res.Hash) {
			t.Fatalf("por=%v: replay of %q gives %v %v hash %s, want %s at step %d hash %s", por, f.Schedule, res.Outcome, res.Failure, hex(res.Hash), f.Check, f.Step, f.Hash)
		}
		// The replay counts preemptions as the bound does (the scenario
		// sleeps, so clock jumps are crossed), though the log shows more
		// thread switches.
		if res.Preemptions > bound || f.Log.Preemptions() <= res.Preemptions {
			t.Fatalf("por=%v bound %d: the failing run made %d preemptions and its log %d switches", por, bound, res.Preemptions, f.Log.Preemptions())
		}
	}
}

// With no bug switched on, the search at bound 1 completes with no
// failure, with and without POR; POR needs fewer executions; the summary
// is the same on a second run (wall time aside). Bound 2 reaches its
// execution cap with no failure, and says so.
func TestExhaustiveNoBug(t *testing.T) {
	s := lruVsRelinquish(t)
	var explored [2]int64
	for i, por := range []bool{false, true} {
		c := ExhaustiveConfig{Scenario: s, Bound: 1, POR: por}
		sum := Exhaustive(context.Background(), c)
		if sum.Failure != nil || sum.Stopped != StopComplete || !sum.Search.Complete {
			t.Fatalf("por=%v: %s", por, sum.Line())
		}
		again := Exhaustive(context.Background(), c)
		again.Seconds = sum.Seconds
		if again != sum {
			t.Fatalf("por=%v: two runs differ:\n%s\n%s", por, sum.Line(), again.Line())
		}
		explored[i] = sum.Search.Explored
		t.Logf("%s", sum.Line())
	}
	if explored[1] >= explored[0] {
		t.Fatalf("POR explored %d executions, without POR %d", explored[1], explored[0])
	}
	calls := 0
	sum := Exhaustive(context.Background(), ExhaustiveConfig{Scenario: s, Bound: 2, POR: true, MaxExecutions: 300,
		Progress: func(ExhaustiveStats) { calls++ }})
	if sum.Failure != nil || sum.Stopped != StopExecutions || sum.Search.Complete || !sum.Search.Capped || sum.Search.Executions != 300 {
		t.Fatalf("capped search: %s", sum.Line())
	}
	if calls == 0 {
		t.Fatal("Progress never called")
	}
}

// A canceled context stops the search and says so.
func TestExhaustiveCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sum := Exhaustive(ctx, ExhaustiveConfig{Scenario: lruVsRelinquish(t), Bound: 2, POR: true})
	if sum.Stopped != StopCanceled || sum.Search.Executions != 1 {
		t.Fatalf("canceled search: %s", sum.Line())
	}
}

// TestSoakExhaustiveFigures measures exhaustive search of
// lru-vs-relinquish at preemption bound 2 (no bug), with and without POR:
// executions and wall time. FSCACHESIM_EXHAUSTIVE_CAP caps each search
// (default 3,000,000 executions); a capped search says so.
//
//	FSCACHESIM_SOAK=1 go test -run TestSoakExhaustiveFigures -v -timeout 2h ./explorer/
func TestSoakExhaustiveFigures(t *testing.T) {
	if os.Getenv("FSCACHESIM_SOAK") == "" {
		t.Skip("soak test: set FSCACHESIM_SOAK=1")
	}
	limit := int64(3_000_000)
	if v := os.Getenv("FSCACHESIM_EXHAUSTIVE_CAP"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		limit = n
	}
	s := lruVsRelinquish(t)
	for _, por := range []bool{true, false} {
		start := time.Now()
		sum := Exhaustive(context.Background(), ExhaustiveConfig{Scenario: s, Bound: 2, POR: por, MaxExecutions: limit,
			ProgressEvery: time.Minute, Progress: func(p ExhaustiveStats) { t.Logf("  ... %v: %v", p.Elapsed.Round(time.Second), p.Search) }})
		if sum.Failure != nil {
			t.Errorf("failure with no bug on: %s", sum.Line())
		}
		t.Logf("por=%v: %s; %.0f exec/s; wall %v", por, sum.Line(), float64(sum.Search.Executions)/sum.Seconds, time.Since(start).Round(time.Millisecond))
		t.Logf("por=%v: %v", por, sum.Search)
	}
}
