package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/traces"
)

// defaultTraceDir is where explore and run write traces unless told
// otherwise: a directory under the current one, created when needed.
const defaultTraceDir = "fscachesim-traces"

const exploreHelp = `Usage: fscachesim explore [flags]

Explore interleavings: run each scenario under many seeds and strategies.
The first failing execution of a scenario is written as a trace, and the
report ends with the one command that replays it.

Examples:
  fscachesim explore
  fscachesim explore --scenario lru-vs-relinquish --bugs lru-discard-no-redispatch
  fscachesim explore --scenario lru-vs-use --executions 10000 --seed 500 --strategy pct:2
  fscachesim explore --max-steps 5000 --out /tmp/traces

Flags:
`

const runHelp = `Usage: fscachesim run --scenario NAME [flags]

Run one execution of a scenario and write its trace, pass or fail. The seed
is printed before the run starts.

Examples:
  fscachesim run --scenario lru-vs-relinquish
  fscachesim run --scenario lru-vs-relinquish --seed 2 --strategy random --bugs lru-discard-no-redispatch
  fscachesim run --scenario lru-vs-use --strategy pct:3 --max-steps 20000 --trace /tmp/lru.trace.jsonl

Flags:
`

// explore is both 'explore' (many executions) and 'run' (one).
func explore(cmd string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	isRun := cmd == "run"
	var executions *int
	var out, tracePath *string
	scenarioDoc := "scenario to explore, e.g. --scenario lru-vs-use (default: every race scenario, not the quirk probes); see 'fscachesim list'"
	seedDoc := "first master seed: execution i uses seed+i, e.g. --seed 500"
	strategyDoc := "random, pct:D (D = depth 1..4), or portfolio (random and pct:1..3 in rotation), e.g. --strategy pct:2"
	strategyDefault := "portfolio"
	if isRun {
		scenarioDoc = "the scenario to run (required), e.g. --scenario lru-vs-relinquish; see 'fscachesim list'"
		seedDoc = "master seed, e.g. --seed 2"
		strategyDoc = "random or pct:D (D = depth 1..4), e.g. --strategy pct:2"
		strategyDefault = "random"
	}
	scenario := fs.String("scenario", "", scenarioDoc)
	if isRun {
		tracePath = fs.String("trace", "", "where to write the trace, e.g. --trace /tmp/x.trace.jsonl (default: "+defaultTraceDir+"/SCENARIO-seedSEED-STRATEGY.trace.jsonl)")
	} else {
		executions = fs.Int("executions", 2000, "executions per scenario, e.g. --executions 10000")
		out = fs.String("out", defaultTraceDir, "directory for the trace of a failing execution (created when needed), e.g. --out /tmp/traces")
	}
	seed := fs.Uint64("seed", 1, seedDoc)
	strategy := fs.String("strategy", strategyDefault, strategyDoc)
	bugs := fs.String("bugs", "", "comma-separated historical-bug switches to turn on, e.g. --bugs lru-discard-no-redispatch; see 'fscachesim bugs'")
	maxSteps := fs.Int64("max-steps", sim.DefaultMaxSteps, "step bound of one execution; hitting it is reported as step-bound, e.g. --max-steps 5000")
	fs.Usage = func() {
		if isRun {
			fmt.Fprint(fs.Output(), runHelp)
		} else {
			fmt.Fprint(fs.Output(), exploreHelp)
		}
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stderr); !ok {
		return code
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "fscachesim %s: %s\n", cmd, oneLine(fmt.Sprintf(format, a...)))
		return exitUsage
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q", fs.Arg(0))
	}
	b, err := model.ParseBugs(*bugs)
	if err != nil {
		return fail("%v", err)
	}
	strats, err := parseStrategy(*strategy)
	if err != nil {
		return fail("%v", err)
	}
	if *maxSteps < 1 {
		return fail("--max-steps must be at least 1")
	}
	list := scenarios.Default()
	if *scenario != "" {
		s, err := scenarios.Get(*scenario)
		if err != nil {
			return fail("%v", err)
		}
		list = []scenarios.Scenario{s}
	} else if isRun {
		return fail("--scenario is required: name the scenario to run (see 'fscachesim list')")
	}
	if isRun {
		if len(strats) > 1 {
			return fail("run takes one strategy: random or pct:D")
		}
		return runOne(list[0], strats[0], *seed, b, *maxSteps, *tracePath, stdout, stderr)
	}
	if *executions < 1 {
		return fail("--executions must be at least 1")
	}
	total, failed := 0, 0
	for _, s := range list {
		fmt.Fprintf(stdout, "explore %s: seeds %d..%d, strategy %s\n", s.Name, *seed, *seed+uint64(*executions)-1, strings.Join(strats, ","))
		for i := 0; i < *executions; i++ {
			sname := strats[i%len(strats)]
			st, _ := newStrategy(sname)
			sd := *seed + uint64(i)
			h := traces.NewHeader(Version, s.Name, sd, sname, b.Names(), *maxSteps)
			res, k, err := runHeader(h, st, false)
			if err != nil {
				fmt.Fprintf(stderr, "fscachesim %s: %v\n", cmd, err)
				return exitInternal
			}
			total++
			if res.Outcome == sim.OutcomePass {
				continue
			}
			failed++
			path := filepath.Join(*out, traceName(s.Name, sd, sname))
			reportFailure(stdout, stderr, h, res, k, path)
			break
		}
	}
	fmt.Fprintf(stdout, "explored %d executions of %d scenario(s), %d failed\n", total, len(list), failed)
	if failed > 0 {
		return exitFailure
	}
	return exitPass
}

// runOne is 'run': one execution, recorded, its trace written.
func runOne(s scenarios.Scenario, sname string, seed uint64, b model.Bugs, maxSteps int64, path string, stdout, stderr io.Writer) int {
	if path == "" {
		path = filepath.Join(defaultTraceDir, traceName(s.Name, seed, sname))
	}
	h := traces.NewHeader(Version, s.Name, seed, sname, b.Names(), maxSteps)
	fmt.Fprintf(stdout, "run %s seed=%d strategy=%s bugs=%s max-steps=%d\n", s.Name, seed, sname, orNone(b.Names()), maxSteps)
	st, _ := newStrategy(sname)
	res, k, err := runHeader(h, st, true)
	if err != nil {
		fmt.Fprintf(stderr, "fscachesim run: %v\n", err)
		return exitInternal
	}
	if res.Outcome != sim.OutcomePass {
		reportFailure(stdout, stderr, h, res, k, path)
		return exitFailure
	}
	t, err := traces.FromRun(h, res, k)
	if err == nil {
		err = writeTrace(path, t)
	}
	if err != nil {
		fmt.Fprintf(stderr, "fscachesim run: cannot write the trace: %s\n", oneLine(err.Error()))
		return exitInternal
	}
	fmt.Fprintf(stdout, "PASS after %d steps, %d events, %d decisions, hash %s\n", res.Steps, res.Events, res.Decisions, traces.HashString(res.Hash))
	fmt.Fprintf(stdout, "  trace: %s\n", path)
	return exitPass
}

// reportFailure prints one block for a failing execution: what ran and the
// failure, its schedule and last events, then the trace it writes to path
// and exactly one command that replays it. The trace is recorded by a
// strict replay of the run's decision log (what 'replay' will do); if that
// does not give the same hash, the run is not deterministic, and the
// report says so.
func reportFailure(stdout, stderr io.Writer, h traces.Header, res sim.Result, k *sim.Kernel, path string) {
	fmt.Fprintf(stdout, "FAIL %s seed=%d strategy=%s bugs=%s max-steps=%d\n", h.Scenario, h.Seed, h.Strategy, orNone(h.Bugs), h.MaxSteps)
	fmt.Fprintf(stdout, "  %s\n", oneLine(traces.VerdictLine(traces.VerdictOf(res))))
	if res.Failure != nil {
		for _, w := range res.Failure.Waiters {
			fmt.Fprintf(stdout, "    %s waits on %s since step %d\n", w.Name, w.What, w.Since)
		}
	}
	log := k.Log()
	fmt.Fprintf(stdout, "  schedule: %d decisions, %d preemptions: %s\n", len(log), log.Preemptions(), clip(log.String(), 160))
	fmt.Fprintf(stdout, "  last events:\n")
	for _, e := range k.LastEvents(12) {
		fmt.Fprintf(stdout, "    %6d %s %-14s %s: %s\n", e.Step, e.Time, k.ThreadName(e.Thread), e.Type.Name(), e.Text())
	}
	replayCmd := func(p string) string { return selfCommand() + " replay " + p }
	t, err := recordTrace(h, log, res)
	if err == nil {
		err = writeTrace(path, t)
	}
	if err != nil {
		fmt.Fprintf(stderr, "fscachesim: cannot write the trace: %s\n", oneLine(err.Error()))
		bugFlag := ""
		if h.Bugs != "" {
			bugFlag = " --bugs " + h.Bugs
		}
		fmt.Fprintf(stdout, "  replay: %s run --scenario %s --seed %d --strategy %s --max-steps %d%s\n", selfCommand(), h.Scenario, h.Seed, h.Strategy, h.MaxSteps, bugFlag)
		return
	}
	fmt.Fprintf(stdout, "  trace: %s\n", path)
	fmt.Fprintf(stdout, "  replay: %s\n", replayCmd(path))
}

// recordTrace re-runs the execution of log with a strict replay, recording
// every event, and checks it is the run that was reported.
func recordTrace(h traces.Header, log sim.Log, want sim.Result) (*traces.Trace, error) {
	res, k, err := runHeader(h, &sim.Replay{Log: log, Strict: true}, true)
	if err != nil {
		return nil, err
	}
	if res.Hash != want.Hash || res.Outcome != want.Outcome {
		return nil, fmt.Errorf("non-determinism: replaying the decision log of %s seed %d gave %s (hash %s), not %s (hash %s)",
			h.Scenario, h.Seed, res.Outcome, traces.HashString(res.Hash), want.Outcome, traces.HashString(want.Hash))
	}
	return traces.FromRun(h, res, k)
}

// writeTrace writes t at path atomically, creating its directory.
func writeTrace(path string, t *traces.Trace) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return traces.WriteFile(path, t)
}

// runHeader runs the execution a trace header describes under strat. Every
// command that runs a scenario goes through here (explore, run, replay,
// shrink), so they build the same world with the same checks.
func runHeader(h traces.Header, strat sim.Strategy, record bool) (sim.Result, *sim.Kernel, error) {
	s, err := scenarios.Get(h.Scenario)
	if err != nil {
		return sim.Result{}, nil, err
	}
	b, err := model.ParseBugs(h.Bugs)
	if err != nil {
		return sim.Result{}, nil, err
	}
	if len(h.Options) > 0 {
		names := make([]string, 0, len(h.Options))
		for n := range h.Options {
			names = append(names, n)
		}
		slices.Sort(names)
		return sim.Result{}, nil, fmt.Errorf("unknown run option %q (this fscachesim knows none)", names[0])
	}
	k, _ := scenarios.Prepare(s, b, sim.Options{Seed: h.Seed, Strategy: strat, MaxSteps: h.MaxSteps, Record: record})
	return k.Run(), k, nil
}

// runner is runHeader as the Runner replay and shrink use.
func runner(h traces.Header, strat sim.Strategy) (sim.Result, *sim.Kernel, error) {
	return runHeader(h, strat, true)
}

// traceName is the file name of a trace: scenario, seed and strategy.
func traceName(scenario string, seed uint64, strategy string) string {
	st := strings.NewReplacer(":", "", "/", "-").Replace(strategy)
	return fmt.Sprintf("%s-seed%d-%s.trace.jsonl", scenario, seed, st)
}

// selfCommand is how to invoke this tool again, for the printed replay
// command: "go run ./cmd/fscachesim" under go run (and go test), else the
// path it was started by.
func selfCommand() string {
	a := os.Args[0]
	if strings.Contains(a, "go-build") || strings.HasSuffix(a, ".test") {
		return "go run ./cmd/fscachesim"
	}
	if strings.ContainsRune(a, filepath.Separator) {
		return a
	}
	return "fscachesim"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + " ..."
}

// oneLine keeps a message on one line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
