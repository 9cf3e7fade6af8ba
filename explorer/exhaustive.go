package explorer

import (
	"context"
	"fmt"
	"time"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// ExhaustiveConfig configures a bounded exhaustive search of one scenario
// (sched.Exhaustive). Unlike Run, the executions depend on each other (each
// extends the search tree the next is drawn from), so they run one at a
// time, on one core, in a fixed order: the summary is the same on every
// machine, wall time aside.
type ExhaustiveConfig struct {
	Scenario scenarios.Scenario
	Bugs     model.Bugs
	// Bound is the preemption bound (negative: none); POR turns on
	// partial-order reduction; MaxValue is sched.Exhaustive's.
	Bound    int
	POR      bool
	MaxValue uint64
	// MaxExecutions caps the executions started (0: no cap).
	MaxExecutions int64
	// MaxSteps bounds each execution (0: DefaultMaxSteps). An execution
	// that hits it is a failure, as in Run.
	MaxSteps int64
	// KeepGoing runs to the end instead of stopping at the first failure;
	// the summary then keeps the first failure and counts the others.
	KeepGoing bool
	// Progress, if set, is called about every ProgressEvery
	// (DefaultProgressEvery when zero) with the search's progress.
	Progress      func(ExhaustiveStats)
	ProgressEvery time.Duration
}

// ExhaustiveStats is the progress of an exhaustive search.
type ExhaustiveStats struct {
	Search  sched.SearchStats `json:"search"`
	Failed  int64             `json:"failed"`
	Elapsed time.Duration     `json:"elapsed"`
}

// ExhaustiveSummary is what an exhaustive search did.
type ExhaustiveSummary struct {
	Scenario string `json:"scenario"`
	Bugs     string `json:"bugs"`
	Strategy string `json:"strategy"` // "exhaustive:2+por"
	MaxSteps int64  `json:"max_steps"`
	// Search is the search's own account: executions started, explored,
	// pruned, whether it completed.
	Search sched.SearchStats `json:"search"`
	// Failed counts the failing executions (1 at most without KeepGoing).
	Failed int64 `json:"failed"`
	// Failure is the first failing execution, or nil. Its Log replays it
	// with sched.Replay (Strict) on the scenario: scenarios.Execute(s, bugs,
	// sim.Options{Strategy: &sched.Replay{Log: f.Log, Strict: true},
	// MaxSteps: f.MaxSteps}); its Index is the execution's number in the
	// search (from 0) and Seed is 0 (the search draws no random numbers).
	// Replay is left empty for the caller.
	Failure *FailureReport `json:"failure,omitempty"`
	// Stopped says why the search ended: StopComplete, StopFirstFailure,
	// StopExecutions (MaxExecutions), StopIncomplete (it ran out of
	// alternatives but some execution hit the step bound) or StopCanceled.
	Stopped string  `json:"stopped"`
	Seconds float64 `json:"seconds"`
}

// Reasons an exhaustive search stops, besides StopFirstFailure and
// StopExecutions.
const (
	StopComplete   = "complete"
	StopIncomplete = "incomplete"
	StopCanceled   = "canceled"
)

// Line is a one-line summary.
func (s *ExhaustiveSummary) Line() string {
	st := s.Search
	line := fmt.Sprintf("%s on %s: %d executions (%d explored, %d sleep-blocked, %d choices pruned) in %.1fs, stopped: %s",
		s.Strategy, s.Scenario, st.Executions, st.Explored, st.SleepBlocked, st.Pruned, s.Seconds, s.Stopped)
	if st.Pending > 0 && s.Stopped != StopComplete {
		line += fmt.Sprintf(", at least %d executions left", st.Pending)
	}
	if s.Failure != nil {
		line += fmt.Sprintf("; %d failed, first at execution %d: %s [%s] %s", s.Failed, s.Failure.Index, s.Failure.Class, s.Failure.Check, s.Failure.Msg)
	}
	return line
}

// Exhaustive runs a bounded exhaustive search of c.Scenario with every
// check on (scenarios.PrepareChecked, World.Finish), until the search is
// complete, capped, canceled, or (without KeepGoing) an execution fails.
func Exhaustive(ctx context.Context, c ExhaustiveConfig) ExhaustiveSummary {
	if c.MaxSteps <= 0 {
		c.MaxSteps = sim.DefaultMaxSteps
	}
	every := c.ProgressEvery
	if every <= 0 {
		every = DefaultProgressEvery
	}
	x := &sched.Exhaustive{Bound: c.Bound, POR: c.POR, MaxValue: c.MaxValue, MaxExecutions: c.MaxExecutions}
	s := ExhaustiveSummary{Scenario: c.Scenario.Name, Bugs: c.Bugs.Names(), Strategy: x.Name(), MaxSteps: c.MaxSteps}
	start := time.Now()
	last := start
	var index int64
	canceled := false
	x.Run(func(r *sched.ExhaustiveRun) (sim.Result, bool) {
		i := index
		index++
		k, w := scenarios.PrepareChecked(c.Scenario, c.Bugs, sim.Options{Strategy: r, MaxSteps: c.MaxSteps})
		res := w.Finish(k, k.Run())
		stop := false
		if !r.Pruned() && res.Outcome != sim.OutcomePass {
			s.Failed++
			if s.Failure == nil {
				s.Failure = exhaustiveReport(c, &s, i, res, k.Log())
			}
			stop = !c.KeepGoing
		}
		if c.Progress != nil {
			if now := time.Now(); now.Sub(last) >= every {
				last = now
				c.Progress(ExhaustiveStats{Search: x.Stats(), Failed: s.Failed, Elapsed: now.Sub(start)})
			}
		}
		if ctx.Err() != nil {
			canceled = true
			stop = true
		}
		return res, stop
	})
	s.Search = x.Stats()
	s.Seconds = time.Since(start).Seconds()
	switch {
	case s.Failure != nil && !c.KeepGoing:
		s.Stopped = StopFirstFailure
	case canceled:
		s.Stopped = StopCanceled
	case s.Search.Complete:
		s.Stopped = StopComplete
	case s.Search.Capped:
		s.Stopped = StopExecutions
	default:
		s.Stopped = StopIncomplete
	}
	if c.Progress != nil {
		c.Progress(ExhaustiveStats{Search: s.Search, Failed: s.Failed, Elapsed: time.Since(start)})
	}
	return s
}

// exhaustiveReport describes a failing execution of the search, the way
// Run's reports do.
func exhaustiveReport(c ExhaustiveConfig, s *ExhaustiveSummary, i int64, out sim.Result, log sim.Log) *FailureReport {
	f := &FailureReport{
		Index: i, Scenario: c.Scenario.Name, Strategy: s.Strategy, Bugs: s.Bugs, MaxSteps: c.MaxSteps,
		Outcome: out.Outcome.String(), Thread: -1, Steps: out.Steps, Decisions: out.Decisions,
		Hash: fmt.Sprintf("%016x", out.Hash), Log: log, Schedule: log.String(), Count: 1,
	}
	switch sf := out.Failure; {
	case out.Outcome == sim.OutcomeBound:
		f.Class, f.Check, f.Step = "step-bound", "max-steps", out.Steps
		f.Msg = fmt.Sprintf("the step bound of %d steps was hit before the world drained", c.MaxSteps)
	case out.Outcome == sim.OutcomeDiverged:
		f.Class, f.Check, f.Step, f.Msg = "diverged", "diverged", out.Steps, out.Diverged
	case sf != nil:
		f.Class, f.Check, f.Msg, f.Step = sf.Class.String(), sf.Check, sf.Msg, sf.Step
		f.Thread, f.ThreadName = sf.Thread, sf.ThreadName
		f.Objects = append([]string(nil), sf.Objects...)
		for _, w := range sf.Waiters {
			f.Waiters = append(f.Waiters, Waiter{Thread: w.Thread, Name: w.Name, What: w.What, Since: w.Since})
		}
		f.Stack = normalizeStack(sf.Stack)
	}
	f.Signature = Signature(f.Class, f.Check, f.Scenario, f.Msg)
	return f
}
