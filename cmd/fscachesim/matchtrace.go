package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fscachesim/fscachesim/ftrace"
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/traces"
)

// defaultMatchExecutions is how many executions --match-trace tries when
// --executions is not given.
const defaultMatchExecutions = 5000

// matchSearch is what explore --match-trace searches with.
type matchSearch struct {
	path       string
	list       []scenarios.Scenario // nil: every scenario, the random world included
	strats     []string
	seed       uint64
	bugs       model.Bugs
	maxSteps   int64
	executions int64
	dir        string
}

// matchTrace searches the scenarios for an execution whose own trace
// contains the events of the kernel trace at m.path, for some one-to-one
// mapping of its object ids (the same tracepoints, reasons and counts, in
// the same order), and writes that execution as a normal trace. Execution
// i runs scenario i mod N with strategy (i / N) mod S and seed
// SEED + i / (N*S): every scenario under every strategy for one seed, then
// the next seed, the same on every machine. Exit 0 found, 1 not found
// within the executions, 2 unreadable trace.
func matchTrace(m matchSearch, stdout, stderr io.Writer) int {
	f, err := os.Open(m.path)
	if err != nil {
		return badInput(stderr, "explore", err)
	}
	p, err := ftrace.ReadPattern(f)
	f.Close()
	if err != nil {
		return badInput(stderr, "explore", fmt.Errorf("--match-trace %s: %w", m.path, err))
	}
	list := m.list
	if list == nil {
		list = scenarios.All()
	}
	if m.executions <= 0 {
		m.executions = defaultMatchExecutions
	}
	fmt.Fprintf(stdout, "match-trace %s: %d fscache/cachefiles events; searching %d scenarios, %d executions, bugs %s\n",
		m.path, len(p.Events), len(list), m.executions, orNone(m.bugs.Names()))
	for i := int64(0); i < m.executions; i++ {
		n, ns := int64(len(list)), int64(len(m.strats))
		s := list[i%n]
		sname := m.strats[(i/n)%ns]
		strat, _ := newStrategy(sname)
		seed := m.seed + uint64(i/(n*ns))
		res, k, _ := scenarios.Execute(s, m.bugs, sim.Options{Seed: seed, Strategy: strat, MaxSteps: m.maxSteps, Record: true})
		evs := k.Events()
		var names, texts []string
		for j := range evs {
			if n := evs[j].Type.Name(); ftrace.IsKernelEvent(n) {
				names, texts = append(names, n), append(texts, evs[j].Text())
			}
		}
		match, ok := p.MatchEvents(names, texts)
		if !ok {
			continue
		}
		h := traces.NewHeader(Version, s.Name, seed, sname, m.bugs.Names(), m.maxSteps)
		t, err := traces.FromRun(h, res, k)
		if err != nil {
			fmt.Fprintf(stderr, "fscachesim explore: %s\n", oneLine(err.Error()))
			return exitInternal
		}
		path := filepath.Join(m.dir, strings.TrimSuffix(traceName(s.Name, seed, sname), ".trace.jsonl")+".match.trace.jsonl")
		if err := os.MkdirAll(m.dir, 0o755); err != nil {
			fmt.Fprintf(stderr, "fscachesim explore: cannot write the trace: %s\n", oneLine(err.Error()))
			return exitInternal
		}
		if err := writeTrace(path, t); err != nil {
			fmt.Fprintf(stderr, "fscachesim explore: cannot write the trace: %s\n", oneLine(err.Error()))
			return exitInternal
		}
		fmt.Fprintf(stdout, "FOUND after %d executions: %s seed %d strategy %s: %s\n", i+1, s.Name, seed, sname, traces.VerdictLine(t.Verdict))
		keys := make([]string, 0, len(match.Mapping))
		for k := range match.Mapping {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var pairs []string
		for _, k := range keys {
			pairs = append(pairs, k+"->"+match.Mapping[k])
		}
		fmt.Fprintf(stdout, "  ids (trace -> run): %s\n", clip(strings.Join(pairs, " "), 400))
		fmt.Fprintf(stdout, "  trace: %s\n", path)
		fmt.Fprintf(stdout, "  replay: %s replay %s\n", selfCommand(), path)
		return exitPass
	}
	fmt.Fprintf(stdout, "NOT FOUND: no execution of %d contains the trace's events (try more --executions, other --scenario or --bugs)\n", m.executions)
	return exitFailure
}
