package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/explorer"
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/traces"
)

// defaultTraceDir is where explore and run write traces unless told
// otherwise: a directory under the current one, created when needed.
const defaultTraceDir = "fscachesim-traces"

const exploreHelp = `Usage: fscachesim explore [flags]

Explore interleavings: run the scenarios under many seeds and a portfolio of
strategies (random walk, PCT of depth 1 to 4, POS) on every core, with every
check on (the per-step invariants of spec §12, liveness monitors, end-of-run
leak checks). Execution i runs seed SEED+i; which scenario and strategy it
runs follows from i alone, so the result is the same on any machine and for
any number of workers. A failure is written as a trace, and its report ends
with the one command that replays it.

With no flags it explores every race scenario (not the quirk probes) for
2,000 executions each.

Ctrl-C (SIGINT) or SIGTERM stops it with its results: no new execution
starts, the traces of the failures found are written, the summary (and
--json) is printed, marked as interrupted with the prefix of executions
that ran, and it exits 130 (SIGINT) or 143 (SIGTERM). A second signal
quits at once.

Examples:
  fscachesim explore
  fscachesim explore --scenario lru-vs-relinquish --bugs lru-discard-no-redispatch
  fscachesim explore --scenario lru-vs-use,use-unuse-storm --budget 30s --keep-going
  fscachesim explore --executions 100000 --shard 0/4 --json > shard0.json
  fscachesim merge shard0.json shard1.json shard2.json shard3.json

With --exhaustive it runs a bounded exhaustive search of one scenario
instead: every interleaving within a preemption bound (CHESS-style: a
preemption is switching away from a thread that could go on), with
partial-order reduction (source-set DPOR) so that interleavings that only
reorder independent steps run once. It reports how many executions it
explored and pruned, and says "complete" when nothing within the bound is
left.
  fscachesim explore --exhaustive --scenario lru-vs-relinquish --bound 2
  fscachesim explore --exhaustive --scenario lru-vs-relinquish --bound 0 --bugs lru-discard-no-redispatch

Flags:
`

const runHelp = `Usage: fscachesim run --scenario NAME [flags]

Run one execution of a scenario, with every check on, and write its trace,
pass or fail. The seed is printed before the run starts.

Examples:
  fscachesim run --scenario lru-vs-relinquish
  fscachesim run --scenario lru-vs-relinquish --seed 2 --strategy random --bugs lru-discard-no-redispatch
  fscachesim run --scenario lru-vs-use --strategy pct:3 --max-steps 20000 --trace /tmp/lru.trace.jsonl

Flags:
`

// defaultExecutionsPerScenario is explore's execution bound, per scenario,
// when neither --executions nor --budget is given.
const defaultExecutionsPerScenario = 2000

// explore is both 'explore' (many executions) and 'run' (one).
func explore(cmd string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	isRun := cmd == "run"
	var (
		executions                  *int64
		out, tracePath, budget, shd *string
		workers, bound              *int
		keepGoing, asJSON           *bool
		exhaustive, noPOR           *bool
		matchPath                   *string
	)
	scenarioDoc := "scenarios to explore, comma-separated, e.g. --scenario lru-vs-use (default: every race scenario, not the quirk probes); see 'fscachesim list'"
	seedDoc := "base seed: execution i runs master seed SEED+i, e.g. --seed 500"
	strategyDoc := "portfolio (random, pct:1..4, pos, pos+weak and random+weak in rotation), or one of random, pct:D (D = depth 1..4), pos, each optionally +tso or +weak (store buffers); e.g. --strategy pct:2"
	strategyDefault := "portfolio"
	if isRun {
		scenarioDoc = "the scenario to run (required), e.g. --scenario lru-vs-relinquish; see 'fscachesim list'"
		seedDoc = "master seed, e.g. --seed 2"
		strategyDoc = "random, pct:D (D = depth 1..4) or pos, optionally +tso or +weak (store buffers), e.g. --strategy pct:2 or pos+weak"
		strategyDefault = "random"
	}
	scenario := fs.String("scenario", "", scenarioDoc)
	if isRun {
		tracePath = fs.String("trace", "", "where to write the trace, e.g. --trace /tmp/x.trace.jsonl (default: "+defaultTraceDir+"/SCENARIO-seedSEED-STRATEGY.trace.jsonl)")
	} else {
		executions = fs.Int64("executions", 0, fmt.Sprintf("executions in all (execution indices 0..N-1), e.g. --executions 100000 (default: %d per scenario, or unbounded with --budget)", defaultExecutionsPerScenario))
		budget = fs.String("budget", "", "wall-time budget, e.g. --budget 30s or --budget 5m; the executions run are still a prefix of the index space, so the result of that prefix is reproducible")
		workers = fs.Int("workers", 0, "executions run at once (default: every core, GOMAXPROCS); the result does not depend on it, e.g. --workers 2")
		keepGoing = fs.Bool("keep-going", false, "collect every distinct failure (by check, scenario and message) instead of stopping at the first, e.g. --keep-going --budget 5m")
		shd = fs.String("shard", "", "run shard I of N of the index space (indices i with i mod N == I), e.g. --shard 0/4 on the first of 4 CI jobs; combine the --json outputs with 'fscachesim merge'")
		asJSON = fs.Bool("json", false, "print the summary as JSON on stdout (for CI and 'fscachesim merge'); the text report goes to stderr, e.g. --json > summary.json")
		out = fs.String("out", defaultTraceDir, "directory for the traces of failing executions (created when needed), e.g. --out /tmp/traces")
		exhaustive = fs.Bool("exhaustive", false, "bounded exhaustive search of one scenario instead of sampling, sequentially consistent only (a +tso or +weak strategy is refused: POR does not see store-buffer flushes), e.g. --exhaustive --scenario lru-vs-relinquish --bound 2 (--executions caps it)")
		bound = fs.Int("bound", 2, "with --exhaustive: the preemption bound, -1 for none, e.g. --bound 1")
		matchPath = fs.String("match-trace", "", "search the scenarios (default: all, the random world included; --executions, default 5000) for an execution whose trace contains the events of this kernel trace (ftrace, trace-cmd or oops layout; docs/ftrace.md) under some mapping of object ids, and write it as a trace, e.g. --match-trace bug.trace --bugs lru-discard-no-redispatch")
		noPOR = fs.Bool("no-por", false, "with --exhaustive: no partial-order reduction (every interleaving within the bound; for comparison), e.g. --exhaustive --no-por --bound 1")
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
		fmt.Fprint(fs.Output(), "\nExit codes: 0 every execution passed, 1 a check failed, 2 usage error or unwritable output, 3 internal error")
		if !isRun {
			fmt.Fprint(fs.Output(), ", 130/143 interrupted by SIGINT/SIGTERM")
		}
		fmt.Fprint(fs.Output(), ".\n")
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "fscachesim %s: %s\n", cmd, oneLine(fmt.Sprintf(format, a...)))
		return exitUsage
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q", fs.Arg(0))
	}
	if !isRun {
		given := false
		fs.Visit(func(f *flag.Flag) { given = given || f.Name == "executions" })
		if given && *executions < 1 {
			return fail("--executions must be at least 1 (leave it out for the default)")
		}
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
		list = nil
		for _, name := range strings.Split(*scenario, ",") {
			s, err := scenarios.Get(strings.TrimSpace(name))
			if err != nil {
				return fail("%v", err)
			}
			list = append(list, s)
		}
	} else if isRun {
		return fail("--scenario is required: name the scenario to run (see 'fscachesim list')")
	}
	if isRun {
		if len(list) > 1 {
			return fail("run takes one scenario, not %q", *scenario)
		}
		if len(strats) > 1 {
			return fail("run takes one strategy: random, pct:D or pos")
		}
		return runOne(list[0], strats[0], *seed, b, *maxSteps, *tracePath, stdout, stderr)
	}
	if *matchPath != "" {
		ms := matchSearch{path: *matchPath, strats: strats, seed: *seed, bugs: b, maxSteps: *maxSteps, executions: *executions, dir: *out}
		if *scenario != "" {
			ms.list = list
		}
		return matchTrace(ms, stdout, stderr)
	}
	if *exhaustive {
		if *scenario == "" || len(list) != 1 {
			return fail("--exhaustive searches one scenario: name it with --scenario")
		}
		if _, mem, err := explorer.SplitMemory(*strategy); err == nil && mem != sim.MemSC {
			return fail("--exhaustive has no weak-memory mode (%s): partial-order reduction does not see store-buffer flushes, so the search would not be sound; use sampling, e.g. --strategy pos+%s", mem, mem)
		}
		if *budget != "" || *shd != "" || *workers != 0 || *strategy != strategyDefault {
			return fail("--exhaustive runs one search on one core: --budget, --shard, --workers and --strategy do not apply")
		}
		if *bound < -1 {
			return fail("--bound must be -1 (none) or at least 0")
		}
		if *executions < 0 {
			return fail("--executions must be at least 1")
		}
		return exploreExhaustive(explorer.ExhaustiveConfig{Scenario: list[0], Bugs: b, Bound: *bound, POR: !*noPOR,
			MaxExecutions: *executions, MaxSteps: *maxSteps, KeepGoing: *keepGoing}, *out, *asJSON, stdout, stderr)
	}
	cfg := explorer.Config{Scenarios: list, Bugs: b, Seed: *seed, MaxSteps: *maxSteps, Workers: *workers, KeepGoing: *keepGoing}
	for _, n := range strats {
		_, mem, _ := explorer.SplitMemory(n)
		cfg.Portfolio = append(cfg.Portfolio, explorer.StrategySpec{Name: n, New: func() sim.Strategy { st, _ := newStrategy(n); return st }, Memory: mem})
	}
	if *executions < 0 {
		return fail("--executions must be at least 1")
	}
	cfg.Executions = *executions
	if *budget != "" {
		d, err := time.ParseDuration(*budget)
		if err != nil || d <= 0 {
			return fail("bad --budget %q: want a duration such as 30s or 5m", *budget)
		}
		cfg.Budget = d
	}
	if cfg.Executions == 0 && cfg.Budget == 0 {
		cfg.Executions = int64(defaultExecutionsPerScenario * len(list))
	}
	if *workers < 0 {
		return fail("--workers must be at least 1")
	}
	if *shd != "" {
		sh, err := parseShard(*shd)
		if err != nil {
			return fail("%v", err)
		}
		cfg.Shard = sh
	}
	traceDir := *out
	cfg.ReplayCommand = func(f *explorer.FailureReport) string {
		return selfCommand() + " replay " + filepath.Join(traceDir, traceName(f.Scenario, f.Seed, f.Strategy))
	}
	if err := cfg.Validate(); err != nil {
		return fail("%v", err)
	}
	report := stdout
	if *asJSON {
		report = stderr
	}
	fmt.Fprintf(report, "explore %d scenario(s) [%s], strategies %s, bugs %s, seeds from %d\n",
		len(list), scenarioNames(list), strings.Join(strats, ","), orNone(b.Names()), *seed)
	if isTerminal(stderr) {
		cfg.Progress = func(p explorer.Progress) { fmt.Fprintf(stderr, "\r\033[K%s", p.Line()) }
	}
	// The first SIGINT or SIGTERM stops claiming executions; the report
	// below is still made (signals.go), and the exit code says which
	// signal it was.
	ctx, sig := interruptible()
	sum := explorer.Run(ctx, cfg)
	sum.Tool = Version
	if cfg.Progress != nil {
		fmt.Fprint(stderr, "\r\033[K")
	}
	code := exitPass
	for i := range sum.Failures {
		f := &sum.Failures[i]
		if c := reportExplored(report, stderr, f, traceDir); c > code {
			code = c
		}
	}
	fmt.Fprintln(report, sum.Line())
	if sum.Coverage != nil {
		fmt.Fprintln(report, sum.Coverage.Line())
	}
	if s := sig(); s != nil && sum.Stopped == explorer.StopCancelled {
		fmt.Fprintf(report, "interrupted by %s: the executions run are the indices below %d; rerun them with the same flags and --executions %d\n", signalName(s), sum.End, sum.End)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sum); err != nil {
			fmt.Fprintf(stderr, "fscachesim explore: cannot write the JSON summary: %v\n", err)
			return exitInternal
		}
	}
	if s := sig(); s != nil && code != exitInternal {
		return signalExit(s)
	}
	return code
}

// interruptible returns a context the first SIGINT or SIGTERM cancels
// (signals.go), and a function that tells which signal came (nil if none).
func interruptible() (context.Context, func() os.Signal) {
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var got os.Signal
	onInterrupt(func(s os.Signal) {
		mu.Lock()
		got = s
		mu.Unlock()
		cancel()
	})
	return ctx, func() os.Signal {
		mu.Lock()
		defer mu.Unlock()
		return got
	}
}

// signalName is "SIGINT" or "SIGTERM".
func signalName(s os.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// exploreExhaustive is 'explore --exhaustive'.
func exploreExhaustive(c explorer.ExhaustiveConfig, dir string, asJSON bool, stdout, stderr io.Writer) int {
	report := stdout
	if asJSON {
		report = stderr
	}
	if isTerminal(stderr) {
		c.Progress = func(p explorer.ExhaustiveStats) {
			fmt.Fprintf(stderr, "\r\033[K%6.1fs %d executions (%d explored, %d choices pruned), at least %d left, %d failed",
				p.Elapsed.Seconds(), p.Search.Executions, p.Search.Explored, p.Search.Pruned, p.Search.Pending, p.Failed)
		}
	}
	ctx, sig := interruptible()
	sum := explorer.Exhaustive(ctx, c)
	if c.Progress != nil {
		fmt.Fprint(stderr, "\r\033[K")
	}
	code := exitPass
	if f := sum.Failure; f != nil {
		f.Replay = selfCommand() + " replay " + filepath.Join(dir, traceName(f.Scenario, 0, f.Strategy))
		code = reportExplored(report, stderr, f, dir)
	}
	fmt.Fprintln(report, sum.Line())
	if s := sig(); s != nil {
		fmt.Fprintf(report, "interrupted by %s: the search is incomplete\n", signalName(s))
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sum); err != nil {
			fmt.Fprintf(stderr, "fscachesim explore: cannot write the JSON summary: %v\n", err)
			return exitInternal
		}
	}
	if s := sig(); s != nil && code != exitInternal {
		return signalExit(s)
	}
	return code
}

// reportExplored reports one failure an exploration found: it replays the
// failure's decision log, writes its trace under dir, and prints the
// report ending with the replay command. It returns the exit code.
func reportExplored(stdout, stderr io.Writer, f *explorer.FailureReport, dir string) int {
	h := withMemory(traces.NewHeader(Version, f.Scenario, f.Seed, f.Strategy, f.Bugs, f.MaxSteps))
	res, k, err := runHeader(h, &sched.Replay{Log: f.Log, Strict: true}, true)
	if err != nil {
		fmt.Fprintf(stderr, "fscachesim explore: %v\n", err)
		return exitInternal
	}
	if got := fmt.Sprintf("%016x", res.Hash); got != f.Hash {
		fmt.Fprintf(stderr, "fscachesim explore: non-determinism: replaying %s seed %d %s gave hash %s, the exploration saw %s\n", f.Scenario, f.Seed, f.Strategy, got, f.Hash)
		return exitInternal
	}
	if f.Count > 1 {
		fmt.Fprintf(stdout, "%d executions failed this way; the first:\n", f.Count)
	}
	if !reportFailure(stdout, stderr, h, res, k, true, filepath.Join(dir, traceName(f.Scenario, f.Seed, f.Strategy))) {
		return exitUsage
	}
	return exitFailure
}

// parseShard parses "I/N".
func parseShard(s string) (explorer.Shard, error) {
	var sh explorer.Shard
	i, n, ok := strings.Cut(s, "/")
	var err1, err2 error
	if ok {
		sh.I, err1 = strconv.ParseInt(i, 10, 64)
		sh.N, err2 = strconv.ParseInt(n, 10, 64)
	}
	if !ok || err1 != nil || err2 != nil || sh.N < 1 || sh.I < 0 || sh.I >= sh.N {
		return sh, fmt.Errorf("bad --shard %q: want I/N with 0 <= I < N, e.g. --shard 0/4", s)
	}
	return sh, nil
}

func scenarioNames(list []scenarios.Scenario) string {
	n := make([]string, len(list))
	for i, s := range list {
		n[i] = s.Name
	}
	return strings.Join(n, ",")
}

// isTerminal reports whether w is a terminal (progress goes there only then).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// runOne is 'run': one execution, recorded, its trace written.
func runOne(s scenarios.Scenario, sname string, seed uint64, b model.Bugs, maxSteps int64, path string, stdout, stderr io.Writer) int {
	if path == "" {
		path = filepath.Join(defaultTraceDir, traceName(s.Name, seed, sname))
	}
	if err := traces.CheckOutput(path); err != nil {
		fmt.Fprintf(stderr, "fscachesim run: cannot write the trace: %s\n", oneLine(err.Error()))
		return exitUsage
	}
	h := withMemory(traces.NewHeader(Version, s.Name, seed, sname, b.Names(), maxSteps))
	fmt.Fprintf(stdout, "run %s seed=%d strategy=%s bugs=%s max-steps=%d\n", s.Name, seed, sname, orNone(b.Names()), maxSteps)
	st, _ := newStrategy(sname)
	res, k, err := runHeader(h, st, true)
	if err != nil {
		fmt.Fprintf(stderr, "fscachesim run: %v\n", err)
		return exitInternal
	}
	if res.Outcome != sim.OutcomePass {
		if !reportFailure(stdout, stderr, h, res, k, false, path) {
			return exitUsage
		}
		return exitFailure
	}
	t, err := traces.FromRun(h, res, k)
	if err == nil {
		err = writeTrace(path, t)
	}
	if err != nil {
		fmt.Fprintf(stderr, "fscachesim run: cannot write the trace: %s\n", oneLine(err.Error()))
		return exitUsage
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
// report says so. It reports whether the trace was written (when it was
// not, the output is unwritable: exit 2 for the command).
//
// k must have run with Record. replayed says it already ran under a strict
// replay of its own log (explore's failures are reported from one), so
// its events make the trace without another run.
func reportFailure(stdout, stderr io.Writer, h traces.Header, res sim.Result, k *sim.Kernel, replayed bool, path string) bool {
	fmt.Fprintf(stdout, "FAIL %s seed=%d strategy=%s bugs=%s max-steps=%d\n", h.Scenario, h.Seed, h.Strategy, orNone(h.Bugs), h.MaxSteps)
	fmt.Fprintf(stdout, "  %s\n", oneLine(traces.VerdictLine(traces.VerdictOf(res))))
	if res.Failure != nil {
		for _, w := range res.Failure.Waiters {
			fmt.Fprintf(stdout, "    %s waits on %s since step %d\n", w.Name, w.What, w.Since)
		}
	}
	log := k.Log()
	// Preemptions as a CHESS bound counts them (what --exhaustive --bound
	// limits), and every thread switch (traces.PreemptionsText).
	fmt.Fprintf(stdout, "  schedule: %d decisions, %s: %s\n", len(log), traces.PreemptionsText(traces.VerdictOf(res)), clip(log.String(), 160))
	fmt.Fprintf(stdout, "  last events:\n")
	for _, e := range k.LastEvents(12) {
		fmt.Fprintf(stdout, "    %6d %s %-14s %s: %s\n", e.Step, e.Time, k.ThreadName(e.Thread), e.Type.Name(), e.Text())
	}
	replayCmd := func(p string) string { return selfCommand() + " replay " + p }
	var t *traces.Trace
	var err error
	if replayed {
		t, err = traces.FromRun(h, res, k)
	} else {
		t, err = recordTrace(h, log, res)
	}
	if err == nil && res.Failure != nil && res.Failure.Class == sim.FailLinearizability {
		if html, verr := writeVisualization(k, path); verr != nil {
			fmt.Fprintf(stderr, "fscachesim: cannot write porcupine's visualisation: %s\n", oneLine(verr.Error()))
		} else {
			t.Verdict.Visualization = filepath.Base(html)
			fmt.Fprintf(stdout, "  linearizability: porcupine's visualisation of the history: %s\n", html)
		}
	}
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
		return false
	}
	fmt.Fprintf(stdout, "  trace: %s\n", path)
	fmt.Fprintf(stdout, "  replay: %s\n", replayCmd(path))
	return true
}

// writeVisualization writes porcupine's HTML visualisation of the history
// of the run k (which failed its linearizability check) beside the trace
// at tracePath, atomically, and returns its path.
func writeVisualization(k *sim.Kernel, tracePath string) (string, error) {
	w, ok := k.Private.(*scenarios.World)
	if !ok || w.History == nil {
		return "", fmt.Errorf("the run recorded no history")
	}
	html := strings.TrimSuffix(tracePath, ".trace.jsonl") + ".porcupine.html"
	if dir := filepath.Dir(html); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
	}
	if err := traces.CheckOutput(html); err != nil {
		return "", err
	}
	tmp := html + ".tmp"
	if _, err := w.History.Check(checker.LinearOptions{VisualizePath: tmp}); err != nil {
		os.Remove(tmp)
		return "", err
	}
	if err := os.Rename(tmp, html); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return html, nil
}

// recordTrace re-runs the execution of log with a strict replay, recording
// every event, and checks it is the run that was reported.
func recordTrace(h traces.Header, log sim.Log, want sim.Result) (*traces.Trace, error) {
	res, k, err := runHeader(h, &sched.Replay{Log: log, Strict: true}, true)
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
	mem, err := runOptions(h)
	if err != nil {
		return sim.Result{}, nil, err
	}
	res, k, _ := scenarios.Execute(s, b, sim.Options{Seed: h.Seed, Strategy: strat, MaxSteps: h.MaxSteps, Record: record, Memory: mem})
	return res, k, nil
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
