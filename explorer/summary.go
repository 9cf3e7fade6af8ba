package explorer

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fscachesim/fscachesim/sim"
)

// Why a run stopped (Summary.Stopped).
const (
	StopExecutions   = "executions"    // every index below Config.Executions ran
	StopFirstFailure = "first-failure" // a failure, and every index below it ran
	StopBudget       = "budget"        // the wall-time budget ran out
	StopCancelled    = "cancelled"     // the context was cancelled
)

// Summary is the result of Run, or of Merge. Everything but Perf is a
// function of the configuration and of the set of execution indices run: for
// the same indices it is the same for any worker count, GOMAXPROCS or
// machine. Perf holds the wall-time measures.
//
// JSON field names are the tags below; fields marshal in this order and
// every list has a fixed order (Scenarios and Strategies as configured,
// Failures by execution index).
type Summary struct {
	// Tool is the version of the tool that ran the exploration (set by
	// the tool, not by Run); shards of one exploration have the same.
	Tool      string `json:"tool,omitempty"`
	Seed      uint64 `json:"seed"`       // the base seed: index i ran seed+i
	Bugs      string `json:"bugs"`       // the bug switches on, comma-separated
	MaxSteps  int64  `json:"max_steps"`  // the step bound of one execution
	KeepGoing bool   `json:"keep_going"` // collected distinct failures instead of stopping
	Shard     Shard  `json:"shard"`      // {0,1} for a whole run or a full merge
	// Limit and Budget are the configured bounds (Config.Executions, 0 for
	// none, and Config.Budget as a duration, "" for none): shards of one
	// exploration have the same.
	Limit  int64  `json:"limit"`
	Budget string `json:"budget,omitempty"`
	// Executions is how many executions ran (and count in the totals).
	Executions int64 `json:"executions"`
	// End: every index of the shard below End ran, and none at or above
	// it. A merge of shards that stopped unevenly (time budgets) has End at
	// the end of the prefix all of them covered, and Executions - End
	// executions above it.
	End int64 `json:"end"`
	// Stopped is why the run stopped: StopExecutions, StopFirstFailure,
	// StopBudget or StopCancelled.
	Stopped string `json:"stopped"`
	// Failed counts the failing executions; Failures lists the distinct
	// ones (one in first-failure mode).
	Failed     int64           `json:"failed"`
	Scenarios  []ScenarioCount `json:"scenarios"`
	Strategies []StrategyCount `json:"strategies"`
	Failures   []FailureReport `json:"failures"`
	// Coverage sums what the executions counted in Executions reached. A
	// merge of first-failure shards has none: the shards' executions above
	// the failure, which one run would not have made, cannot be taken out.
	Coverage *CoverageSummary `json:"coverage,omitempty"`
	Perf     Perf             `json:"perf"`
}

// ScenarioCount is the executions and failing executions of one scenario.
type ScenarioCount struct {
	Name       string `json:"name"`
	Executions int64  `json:"executions"`
	Failed     int64  `json:"failed"`
}

// StrategyCount is the executions and failing executions of one strategy.
type StrategyCount struct {
	Name       string `json:"name"`
	Executions int64  `json:"executions"`
	Failed     int64  `json:"failed"`
}

// Perf is what depends on the machine and the worker count. Comparisons of
// summaries leave it out.
type Perf struct {
	Workers    int     `json:"workers"`
	Seconds    float64 `json:"seconds"`      // wall time of the run (the longest shard's, merged)
	ExecPerSec float64 `json:"exec_per_sec"` // Executions / Seconds (summed over shards, merged)
	// Ran counts every execution run, including those above the first
	// failure that finished on other workers before it and were dropped.
	Ran int64 `json:"ran"`
	// Steps is the steps of the executions in Ran.
	Steps int64 `json:"steps"`
}

// FailureReport is one failing execution: what ran, how it failed, its
// schedule and the command that replays it.
type FailureReport struct {
	Index    int64  `json:"index"` // execution index
	Scenario string `json:"scenario"`
	Seed     uint64 `json:"seed"`
	Strategy string `json:"strategy"`
	Bugs     string `json:"bugs"`
	MaxSteps int64  `json:"max_steps"`
	// Outcome is sim's outcome: "fail", "step-bound", "diverged"; "panic"
	// if the harness itself (a scenario's setup, a hook) panicked.
	Outcome string `json:"outcome"`
	// The failure (sim.Failure): Class is its class's name, or "step-bound",
	// "diverged" or "panic" for an outcome that has no sim.Failure.
	Class      string   `json:"class"`
	Check      string   `json:"check"`
	Msg        string   `json:"msg"`
	Step       int64    `json:"step"`
	Thread     int32    `json:"thread"` // -1 when no thread was running
	ThreadName string   `json:"thread_name"`
	Objects    []string `json:"objects,omitempty"`
	Waiters    []Waiter `json:"waiters,omitempty"`
	// Stack is an oops's Go stack, goroutine numbers and addresses masked.
	Stack string `json:"stack,omitempty"`
	// Steps, Decisions and Hash are the execution's (sim.Result).
	Steps     int64  `json:"steps"`
	Decisions int    `json:"decisions"`
	Hash      string `json:"hash"`
	// Schedule is the decision log's printable form (sim.Log.String);
	// Log is the log itself, for recording a trace by replaying it.
	Schedule string  `json:"schedule"`
	Log      sim.Log `json:"-"`
	// Signature is the deduplication key (see Signature); Count the
	// failing executions that had it.
	Signature string `json:"signature"`
	Count     int64  `json:"count"`
	// Replay is one command line that replays the execution
	// (Config.ReplayCommand).
	Replay string `json:"replay"`
}

// Waiter is one blocked thread of a deadlock.
type Waiter struct {
	Thread int32  `json:"thread"`
	Name   string `json:"name"`
	What   string `json:"what"`
	Since  int64  `json:"since"`
}

// Line is a one-line summary, for a terminal or a log.
func (s *Summary) Line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "explored %d executions", s.Executions)
	switch {
	case s.Shard.N > 1:
		fmt.Fprintf(&b, " (shard %d/%d: indices i = %d mod %d below %d, seed %d+i)", s.Shard.I, s.Shard.N, s.Shard.I, s.Shard.N, s.End, s.Seed)
	case s.Executions > 0:
		fmt.Fprintf(&b, " (seeds %d..%d)", s.Seed, s.Seed+uint64(s.End)-1)
	}
	fmt.Fprintf(&b, " of %d scenario(s) with %s", len(s.Scenarios), strings.Join(stratNames(s.Strategies), ","))
	if s.Bugs != "" {
		fmt.Fprintf(&b, ", bugs %s", s.Bugs)
	}
	switch {
	case s.Failed == 0:
		b.WriteString(": no failure")
	case s.KeepGoing:
		fmt.Fprintf(&b, ": %d distinct failure(s) in %d failing execution(s)", len(s.Failures), s.Failed)
	default:
		f := &s.Failures[0]
		fmt.Fprintf(&b, ": FAIL at index %d (%s seed %d %s): %s [%s]", f.Index, f.Scenario, f.Seed, f.Strategy, f.Class, f.Check)
	}
	fmt.Fprintf(&b, "; stopped: %s; %.1fs, %.0f exec/s, %d worker(s)", s.Stopped, s.Perf.Seconds, s.Perf.ExecPerSec, s.Perf.Workers)
	return b.String()
}

// Merge combines the summaries of the n shards of one exploration (the
// same configuration, Shard {0,n} .. {n-1,n}, each exactly once) into the
// summary of the whole. Shards that each ran every index of theirs below E
// merge into exactly the summary of one unsharded run over [0, E): the
// same executions, per-scenario and per-strategy counts, and failures with
// their indices. In first-failure mode each shard stops at its own first
// failure; the merge keeps the lowest-index one and drops the executions
// above it, as one run would have stopped there. Perf is summed (Seconds
// is the longest shard's).
func Merge(shards []Summary) (Summary, error) {
	if len(shards) == 0 {
		return Summary{}, errors.New("merge: no summary")
	}
	sh := slices.Clone(shards)
	for j := range sh {
		if sh[j].Shard.N < 1 || sh[j].Shard.I < 0 || sh[j].Shard.I >= sh[j].Shard.N {
			return Summary{}, fmt.Errorf("merge: shard %d/%d: not a shard (want I/N with 0 <= I < N)", sh[j].Shard.I, sh[j].Shard.N)
		}
	}
	slices.SortFunc(sh, func(a, b Summary) int { return cmp.Compare(a.Shard.I, b.Shard.I) })
	n := sh[0].Shard.N
	if int64(len(sh)) != n {
		return Summary{}, fmt.Errorf("merge: %d summaries of %d shards: every shard is needed, once", len(sh), n)
	}
	for j := range sh {
		if sh[j].Shard.N != n || sh[j].Shard.I != int64(j) {
			return Summary{}, fmt.Errorf("merge: shard %d/%d where shard %d/%d was expected: every shard is needed, once", sh[j].Shard.I, sh[j].Shard.N, j, n)
		}
		if err := sameExploration(&sh[0], &sh[j]); err != nil {
			return Summary{}, fmt.Errorf("merge: shard %d differs from shard 0: %v", j, err)
		}
	}
	for j := range sh {
		if err := sh[j].Validate(); err != nil {
			return Summary{}, fmt.Errorf("merge: shard %d/%d: %v", sh[j].Shard.I, sh[j].Shard.N, err)
		}
	}
	m := Summary{Tool: sh[0].Tool, Limit: sh[0].Limit, Budget: sh[0].Budget, Seed: sh[0].Seed, Bugs: sh[0].Bugs, MaxSteps: sh[0].MaxSteps, KeepGoing: sh[0].KeepGoing, Shard: Shard{0, 1}, Failures: []FailureReport{}}
	m.Scenarios = zeroScenarios(sh[0].Scenarios)
	m.Strategies = zeroStrategies(sh[0].Strategies)
	// First-failure mode: the lowest failure ends the merged run.
	first := int64(-1)
	if !m.KeepGoing {
		for j := range sh {
			for _, f := range sh[j].Failures {
				if first < 0 || f.Index < first {
					first = f.Index
				}
			}
		}
	}
	end := int64(-1)
	var last int64
	stopped := StopExecutions
	bySig := map[string]int{}
	for j := range sh {
		s := &sh[j]
		shard := s.Shard
		execs := s.Executions
		if first >= 0 {
			// Keep the shard's executions up to the first failure and
			// recount them: which scenario and strategy an index ran
			// follows from the index alone.
			execs = min(execs, shard.below(first+1))
			scen, strat := tally(shard, execs, len(m.Strategies), len(m.Scenarios))
			for i := range m.Scenarios {
				m.Scenarios[i].Executions += scen[i]
			}
			for i := range m.Strategies {
				m.Strategies[i].Executions += strat[i]
			}
		} else {
			for i := range m.Scenarios {
				m.Scenarios[i].Executions += s.Scenarios[i].Executions
				m.Scenarios[i].Failed += s.Scenarios[i].Failed
			}
			for i := range m.Strategies {
				m.Strategies[i].Executions += s.Strategies[i].Executions
				m.Strategies[i].Failed += s.Strategies[i].Failed
			}
			m.Failed += s.Failed
		}
		m.Executions += execs
		if e := shard.index(execs); end < 0 || e < end {
			end = e
		}
		if execs > 0 {
			last = max(last, shard.index(execs-1)+1)
		}
		stopped = laterStop(stopped, s.Stopped)
		for _, f := range s.Failures {
			if first >= 0 && f.Index != first {
				continue
			}
			if i, ok := bySig[f.Signature]; ok {
				m.Failures[i].Count += f.Count
				if f.Index < m.Failures[i].Index {
					c := m.Failures[i].Count
					m.Failures[i] = f
					m.Failures[i].Count = c
				}
				continue
			}
			bySig[f.Signature] = len(m.Failures)
			m.Failures = append(m.Failures, f)
		}
		m.Perf.Workers += s.Perf.Workers
		m.Perf.Seconds = max(m.Perf.Seconds, s.Perf.Seconds)
		m.Perf.ExecPerSec += s.Perf.ExecPerSec
		m.Perf.Ran += s.Perf.Ran
		m.Perf.Steps += s.Perf.Steps
	}
	m.End = min(end, last)
	if first < 0 {
		m.Coverage = newCoverageSummary()
		for j := range sh {
			if sh[j].Coverage != nil {
				m.Coverage.merge(sh[j].Coverage)
			}
		}
	}
	if first >= 0 {
		f := m.Failures[0]
		m.Failed = 1
		m.Stopped = StopFirstFailure
		for i := range m.Scenarios {
			if m.Scenarios[i].Name == f.Scenario {
				m.Scenarios[i].Failed = 1
			}
		}
		for i := range m.Strategies {
			if m.Strategies[i].Name == f.Strategy {
				m.Strategies[i].Failed = 1
			}
		}
	} else {
		m.Stopped = stopped
	}
	slices.SortFunc(m.Failures, func(a, b FailureReport) int { return int(a.Index - b.Index) })
	return m, nil
}

// laterStop is the stop reason of a merge: a shard stopped by its budget
// or cancelled makes the whole stopped so.
func laterStop(a, b string) string {
	rank := map[string]int{StopExecutions: 0, StopFirstFailure: 1, StopBudget: 2, StopCancelled: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// sameExploration reports how two summaries come from different
// explorations.
func sameExploration(a, b *Summary) error {
	switch {
	case a.Tool != b.Tool:
		return fmt.Errorf("written by fscachesim version %q, not %q", b.Tool, a.Tool)
	case a.Limit != b.Limit:
		return fmt.Errorf("executions bound %d, not %d", b.Limit, a.Limit)
	case a.Budget != b.Budget:
		return fmt.Errorf("budget %q, not %q", b.Budget, a.Budget)
	case a.Seed != b.Seed:
		return fmt.Errorf("seed %d, not %d", b.Seed, a.Seed)
	case a.Bugs != b.Bugs:
		return fmt.Errorf("bugs %q, not %q", b.Bugs, a.Bugs)
	case a.MaxSteps != b.MaxSteps:
		return fmt.Errorf("max steps %d, not %d", b.MaxSteps, a.MaxSteps)
	case a.KeepGoing != b.KeepGoing:
		return fmt.Errorf("keep-going %v, not %v", b.KeepGoing, a.KeepGoing)
	case !slices.Equal(names(a.Scenarios), names(b.Scenarios)):
		return fmt.Errorf("scenarios %v, not %v", names(b.Scenarios), names(a.Scenarios))
	case !slices.Equal(stratNames(a.Strategies), stratNames(b.Strategies)):
		return fmt.Errorf("strategies %v, not %v", stratNames(b.Strategies), stratNames(a.Strategies))
	}
	return nil
}

func names(s []ScenarioCount) []string {
	out := make([]string, len(s))
	for i := range s {
		out[i] = s[i].Name
	}
	return out
}

func stratNames(s []StrategyCount) []string {
	out := make([]string, len(s))
	for i := range s {
		out[i] = s[i].Name
	}
	return out
}

func zeroScenarios(s []ScenarioCount) []ScenarioCount {
	out := make([]ScenarioCount, len(s))
	for i := range s {
		out[i].Name = s[i].Name
	}
	return out
}

func zeroStrategies(s []StrategyCount) []StrategyCount {
	out := make([]StrategyCount, len(s))
	for i := range s {
		out[i].Name = s[i].Name
	}
	return out
}

// tally counts the first n executions of a shard by scenario and by
// strategy, from their indices alone (see Config.At).
func tally(shard Shard, n int64, nStrat, nScen int) (scen, strat []int64) {
	scen, strat = make([]int64, nScen), make([]int64, nStrat)
	p, s := int64(nStrat), int64(nScen)
	for k := int64(0); k < n; k++ {
		i := shard.index(k)
		strat[i%p]++
		scen[(i/p)%s]++
	}
	return scen, strat
}

// Validate reports how a summary contradicts itself: a negative count,
// totals that are not the sums of the per-scenario and per-strategy
// counts, failures that do not add up to Failed (or more than one in
// first-failure mode), a failure of a scenario or strategy not in the
// lists or of an index outside the shard, an unknown stop reason. Merge
// refuses such a summary; one written by Run is always valid.
func (s *Summary) Validate() error {
	if s.Shard.N < 1 || s.Shard.I < 0 || s.Shard.I >= s.Shard.N {
		return fmt.Errorf("shard %d/%d: want I/N with 0 <= I < N", s.Shard.I, s.Shard.N)
	}
	if s.Executions < 0 || s.Failed < 0 || s.End < 0 || s.Limit < 0 || s.MaxSteps < 0 {
		return fmt.Errorf("a negative count (executions %d, failed %d, end %d, limit %d, max steps %d)", s.Executions, s.Failed, s.End, s.Limit, s.MaxSteps)
	}
	if s.Failed > s.Executions {
		return fmt.Errorf("%d failed executions of %d", s.Failed, s.Executions)
	}
	if len(s.Scenarios) == 0 || len(s.Strategies) == 0 {
		return fmt.Errorf("no scenario or no strategy listed")
	}
	var se, sf, pe, pf int64
	for _, c := range s.Scenarios {
		if c.Executions < 0 || c.Failed < 0 || c.Failed > c.Executions {
			return fmt.Errorf("scenario %s: %d failed of %d executions", c.Name, c.Failed, c.Executions)
		}
		se, sf = se+c.Executions, sf+c.Failed
	}
	for _, c := range s.Strategies {
		if c.Executions < 0 || c.Failed < 0 || c.Failed > c.Executions {
			return fmt.Errorf("strategy %s: %d failed of %d executions", c.Name, c.Failed, c.Executions)
		}
		pe, pf = pe+c.Executions, pf+c.Failed
	}
	if se != s.Executions || pe != s.Executions {
		return fmt.Errorf("%d executions, but the scenarios count %d and the strategies %d", s.Executions, se, pe)
	}
	if sf != s.Failed || pf != s.Failed {
		return fmt.Errorf("%d failed, but the scenarios count %d and the strategies %d", s.Failed, sf, pf)
	}
	var counted int64
	for _, f := range s.Failures {
		if f.Count < 1 || f.Index < 0 || f.Index%s.Shard.N != s.Shard.I {
			return fmt.Errorf("failure at index %d (count %d) cannot be of shard %d/%d", f.Index, f.Count, s.Shard.I, s.Shard.N)
		}
		if !slices.Contains(names(s.Scenarios), f.Scenario) || !slices.Contains(stratNames(s.Strategies), f.Strategy) {
			return fmt.Errorf("failure of scenario %q, strategy %q: not among the summary's", f.Scenario, f.Strategy)
		}
		counted += f.Count
	}
	switch {
	case s.KeepGoing && counted != s.Failed:
		return fmt.Errorf("%d failed executions, but the failure list counts %d", s.Failed, counted)
	case !s.KeepGoing && (s.Failed > 1 || int64(len(s.Failures)) != s.Failed):
		return fmt.Errorf("first-failure mode with %d failed executions and %d failure(s) listed: want one of each, or none", s.Failed, len(s.Failures))
	}
	switch s.Stopped {
	case StopExecutions, StopFirstFailure, StopBudget, StopCancelled:
	default:
		return fmt.Errorf("unknown stop reason %q", s.Stopped)
	}
	return nil
}
