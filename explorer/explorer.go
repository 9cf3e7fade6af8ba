package explorer

import (
	"context"
	"fmt"
	"math"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sim"
)

// Run explores cfg: it runs executions on cfg.Workers goroutines until the
// execution bound, the budget, the first failure (unless cfg.KeepGoing) or
// the cancellation of ctx, and returns their summary. It panics if
// cfg.Validate reports an error: check the configuration first.
//
// How the work is shared: the shard's executions are numbered k = 0, 1, 2,
// ... (global index Shard.I + k·Shard.N). A worker claims the lowest
// unclaimed k, runs it and hands its result back, under one lock. Claims
// stop when the run is halted (budget, cancellation) or k reaches the limit,
// which is the execution bound, or one past the lowest failing k found so
// far in first-failure mode. Every claimed execution runs to its end, so the
// executions below the limit that ran are a prefix. Results are merged in k
// order as the prefix of finished executions grows; results above the
// limit are dropped. So the summary is a function of the prefix alone, and
// "the first failure" is the lowest-index one, whatever the workers'
// speeds: a failure is only final once every lower index has finished.
func Run(ctx context.Context, cfg Config) Summary {
	if err := cfg.Validate(); err != nil {
		panic("explorer: " + err.Error())
	}
	cfg = cfg.Normalize()
	r := newRun(&cfg)
	start := time.Now()
	if ctx.Err() != nil {
		r.halt(StopCancelled)
	}
	var wg sync.WaitGroup
	for range cfg.Workers {
		wg.Go(r.worker)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var budget, tick <-chan time.Time
	if cfg.Budget > 0 {
		t := time.NewTimer(cfg.Budget)
		defer t.Stop()
		budget = t.C
	}
	if cfg.Progress != nil {
		t := time.NewTicker(cfg.ProgressEvery)
		defer t.Stop()
		tick = t.C
	}
	cancelled := ctx.Done()
	for {
		select {
		case <-done:
			return r.summary(time.Since(start))
		case <-budget:
			r.halt(StopBudget)
			budget = nil
		case <-cancelled:
			r.halt(StopCancelled)
			cancelled = nil
		case <-tick:
			cfg.Progress(r.progress(time.Since(start)))
		}
	}
}

// run is the shared state of one Run. Everything but cfg is guarded by mu.
type run struct {
	cfg *Config

	mu      sync.Mutex
	next    int64  // the next k to claim
	limit   int64  // no k at or above it is claimed or merged
	halted  string // why claiming stopped early ("" while it goes on)
	done    int64  // every k below it is merged
	pending map[int64]result

	failed   int64
	scen     []ScenarioCount
	strat    []StrategyCount
	failures []FailureReport
	bySig    map[string]int
	ran      int64
	steps    int64
	cov      *checker.Coverage // of the merged executions
}

// result is what a worker hands back for execution k.
type result struct {
	k     int64
	steps int64
	fail  *FailureReport // nil if it passed
	cov   *checker.Coverage
}

func newRun(cfg *Config) *run {
	r := &run{cfg: cfg, limit: math.MaxInt64, pending: map[int64]result{}, bySig: map[string]int{}, failures: []FailureReport{}, cov: checker.NewCoverage()}
	if cfg.Executions > 0 {
		r.limit = cfg.Shard.below(cfg.Executions)
	}
	r.scen = make([]ScenarioCount, len(cfg.Scenarios))
	for i, s := range cfg.Scenarios {
		r.scen[i].Name = s.Name
	}
	r.strat = make([]StrategyCount, len(cfg.Portfolio))
	for i, p := range cfg.Portfolio {
		r.strat[i].Name = p.Name
	}
	return r
}

func (r *run) halt(why string) {
	r.mu.Lock()
	if r.halted == "" {
		r.halted = why
	}
	r.mu.Unlock()
}

// worker hands back the result of its last execution and claims the next,
// in one critical section, until there is nothing left to claim.
func (r *run) worker() {
	var prev *result
	for {
		r.mu.Lock()
		if prev != nil {
			r.complete(*prev)
		}
		k, ok := r.claim()
		r.mu.Unlock()
		if !ok {
			return
		}
		res := r.execute(k)
		prev = &res
	}
}

func (r *run) claim() (int64, bool) {
	if r.halted != "" || r.next >= r.limit {
		return 0, false
	}
	k := r.next
	r.next++
	return k, true
}

// complete takes the result of execution k and merges every result that
// has become part of the finished prefix, in k order.
func (r *run) complete(res result) {
	r.ran++
	r.steps += res.steps
	if res.fail != nil && !r.cfg.KeepGoing && res.k < r.limit {
		r.limit = res.k + 1
	}
	if res.k >= r.limit {
		return
	}
	if res.k != r.done {
		r.pending[res.k] = res
		return
	}
	r.merge(res)
	// Results above a failure found since they came in stay pending for
	// good: they are not part of the run.
	for r.done < r.limit {
		p, ok := r.pending[r.done]
		if !ok {
			return
		}
		delete(r.pending, r.done)
		r.merge(p)
	}
}

// merge adds execution done to the totals.
func (r *run) merge(res result) {
	r.done++
	if res.cov != nil {
		r.cov.Merge(res.cov)
	}
	x := r.cfg.At(r.cfg.Shard.index(res.k))
	si, pi := r.scenIndex(x), r.stratIndex(x)
	r.scen[si].Executions++
	r.strat[pi].Executions++
	f := res.fail
	if f == nil {
		return
	}
	r.failed++
	r.scen[si].Failed++
	r.strat[pi].Failed++
	if i, ok := r.bySig[f.Signature]; ok {
		r.failures[i].Count++
		return
	}
	f.Schedule = f.Log.String()
	f.Count = 1
	f.Replay = r.cfg.ReplayCommand(f)
	r.bySig[f.Signature] = len(r.failures)
	r.failures = append(r.failures, *f)
}

func (r *run) scenIndex(x Execution) int {
	return int((x.Index / int64(len(r.cfg.Portfolio))) % int64(len(r.cfg.Scenarios)))
}

func (r *run) stratIndex(x Execution) int { return int(x.Index % int64(len(r.cfg.Portfolio))) }

// execute runs the shard's execution k in a world of its own.
func (r *run) execute(k int64) (res result) {
	x := r.cfg.At(r.cfg.Shard.index(k))
	res.k = k
	defer func() {
		if p := recover(); p != nil {
			res.fail = r.report(x, sim.Result{}, nil)
			res.fail.Outcome, res.fail.Class, res.fail.Check = "panic", "panic", "harness"
			res.fail.Msg = fmt.Sprintf("panic outside the simulated threads: %v", p)
			res.fail.Stack = normalizeStack(string(debug.Stack()))
			res.fail.Signature = Signature(res.fail.Class, res.fail.Check, res.fail.Scenario, res.fail.Msg)
		}
	}()
	k2, w := scenarios.PrepareChecked(x.Scenario, r.cfg.Bugs, sim.Options{Seed: x.Seed, Strategy: x.Strategy.New(), MaxSteps: r.cfg.MaxSteps, Memory: x.Strategy.Memory})
	if r.cfg.Attach != nil {
		r.cfg.Attach(k2, w)
	}
	out := w.Finish(k2, k2.Run())
	res.cov = w.Checker.Coverage()
	res.steps = out.Steps
	if out.Outcome != sim.OutcomePass {
		res.fail = r.report(x, out, k2.Log())
	}
	return res
}

// report describes a failing execution. Schedule, Count and Replay are
// filled in when it is merged, and only if its signature is new.
func (r *run) report(x Execution, out sim.Result, log sim.Log) *FailureReport {
	f := &FailureReport{
		Index: x.Index, Scenario: x.Scenario.Name, Seed: x.Seed, Strategy: x.Strategy.Name,
		Bugs: r.cfg.Bugs.Names(), MaxSteps: r.cfg.MaxSteps, Outcome: out.Outcome.String(), Thread: -1,
		Steps: out.Steps, Decisions: out.Decisions, Hash: fmt.Sprintf("%016x", out.Hash), Log: log,
	}
	switch sf := out.Failure; {
	case out.Outcome == sim.OutcomeBound:
		f.Class, f.Check, f.Step = "step-bound", "max-steps", out.Steps
		f.Msg = fmt.Sprintf("the step bound of %d steps was hit before the world drained", r.cfg.MaxSteps)
	case out.Outcome == sim.OutcomeDiverged:
		f.Class, f.Check, f.Step, f.Msg = "diverged", "diverged", out.Steps, out.Diverged
	case sf != nil:
		f.Class, f.Check, f.Msg, f.Step = sf.Class.String(), sf.Check, sf.Msg, sf.Step
		f.Thread, f.ThreadName = sf.Thread, sf.ThreadName
		f.Objects = slices.Clone(sf.Objects)
		for _, w := range sf.Waiters {
			f.Waiters = append(f.Waiters, Waiter{Thread: w.Thread, Name: w.Name, What: w.What, Since: w.Since})
		}
		f.Stack = normalizeStack(sf.Stack)
	}
	f.Signature = Signature(f.Class, f.Check, f.Scenario, f.Msg)
	return f
}

func (r *run) progress(elapsed time.Duration) Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := Progress{Elapsed: elapsed, Executions: r.ran, Failed: r.failed, Distinct: len(r.failures), Strategies: slices.Clone(r.strat), Coverage: coverageMeasure(r.cov)}
	if s := elapsed.Seconds(); s > 0 {
		p.ExecPerSec = float64(r.ran) / s
	}
	return p
}

// summary is called once every worker has returned: every claimed
// execution below the limit has been merged.
func (r *run) summary(elapsed time.Duration) Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.cfg
	s := Summary{
		Seed: c.Seed, Bugs: c.Bugs.Names(), MaxSteps: c.MaxSteps, KeepGoing: c.KeepGoing, Shard: c.Shard, Limit: c.Executions,
		Executions: r.done, Failed: r.failed,
		Scenarios: slices.Clone(r.scen), Strategies: slices.Clone(r.strat), Failures: slices.Clone(r.failures), Coverage: fromChecker(r.cov),
		Perf: Perf{Workers: c.Workers, Seconds: elapsed.Seconds(), Ran: r.ran, Steps: r.steps},
	}
	if r.done > 0 {
		s.End = c.Shard.index(r.done-1) + 1
	}
	switch {
	case !c.KeepGoing && r.failed > 0:
		s.Stopped = StopFirstFailure
	case r.halted != "" && r.done < r.limit:
		s.Stopped = r.halted
	default:
		s.Stopped = StopExecutions
	}
	if c.Budget > 0 {
		s.Budget = c.Budget.String()
	}
	if s.Perf.Seconds > 0 {
		s.Perf.ExecPerSec = float64(s.Executions) / s.Perf.Seconds
	}
	return s
}
