package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/fscachesim/fscachesim/explorer"
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// Version is the tool version printed by 'fscachesim version' and written
// into traces.
const Version = "0.1.0-dev"

// Exit codes, by class.
const (
	exitPass     = 0 // every execution passed
	exitFailure  = 1 // a check failed
	exitUsage    = 2 // bad command line or input
	exitInternal = 3 // the tool itself failed
)

const usage = `fscachesim: find races in the Linux fscache/cachefiles model

Usage:
  fscachesim explore [flags]       explore interleavings of scenarios (default: the race
                                   scenarios, short budget); a failure is written as a trace
  fscachesim run [flags]           run one execution (a scenario, a seed, a strategy) and
                                   write its trace
  fscachesim merge [flags] FILE... merge the --json summaries of the shards of an exploration
  fscachesim replay [flags] PATH   re-run a trace and check it still does the same
  fscachesim shrink [flags] PATH   minimise a failing trace's schedule
  fscachesim render [flags] PATH   print a trace as ftrace text, or draw it as an HTML page
  fscachesim check-trace FILE|-    check a kernel ftrace of fscache/cachefiles against the rules
  fscachesim kernel build|run      build the kernel's own fscache C from a tree and run it
                                   under the simulated kernel (docs/kernel-c.md)
  fscachesim diff --build DIR      the Go model against the kernel's own C, same script and
                                   schedule: the first differing tracepoint (docs/kernel-c.md)
  fscachesim mutate [flags]        mutation testing: how many broken versions of the model
                                   the explorer catches (docs/mutation.md)
  fscachesim list                  list the scenarios
  fscachesim bugs                  list the historical-bug switches
  fscachesim alloc-sites           list the allocation sites a scenario's allocation-failure
                                   plan can fail (docs/kernel-baseline.md)
  fscachesim version               print the version (also --version)
  fscachesim help [COMMAND]        this text, or a command's help (= COMMAND --help)

A trace is a JSON Lines file (docs/trace-format.md) from which a failure
replays bit for bit:
  fscachesim explore --scenario lru-vs-relinquish --bugs lru-discard-no-redispatch
  fscachesim replay fscachesim-traces/lru-vs-relinquish-seed1-random.trace.jsonl

Exit codes: 0 pass, 1 a check failed, 2 usage error or bad input, 3 internal error;
replay also 4 (the run differs from the trace) and 5 (the trace failed, the run passes).
Environment: fscachesim runs Go's collector at GOGC=400 (faster; the heap may grow
to five times its live data) unless GOGC is set; results never depend on it.
Run 'fscachesim <command> -h' for the flags of a command.
`

func main() {
	handleSignals()
	tuneGC(os.LookupEnv)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// tuneGC sets the collector's target to explorer.GCPercent unless the
// environment sets GOGC (the user's setting wins), and reports whether it
// did.
func tuneGC(lookupEnv func(string) (string, bool)) bool {
	if _, set := lookupEnv("GOGC"); set {
		return false
	}
	debug.SetGCPercent(explorer.GCPercent)
	return true
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	if cmd := args[0]; len(args) > 1 && (cmd == "list" || cmd == "bugs" || cmd == "alloc-sites" || cmd == "version" || cmd == "--version") {
		fmt.Fprintf(stderr, "fscachesim %s: unexpected argument %q (it takes none)\n", cmd, args[1])
		return exitUsage
	}
	switch args[0] {
	case "list":
		for _, s := range scenarios.All() {
			fmt.Fprintf(stdout, "%-26s %s\n", s.Name, s.Desc)
		}
		return exitPass
	case "bugs":
		for _, b := range model.AllBugs {
			fmt.Fprintf(stdout, "%-28s %s\n", b.Name, b.Doc)
		}
		return exitPass
	case "alloc-sites":
		for _, s := range sim.AllocSites() {
			i := s.Info()
			fmt.Fprintf(stdout, "%-36s %s; on failure: %s\n", i.Name, i.Call, i.Unwind)
		}
		return exitPass
	case "version", "--version":
		fmt.Fprintf(stdout, "fscachesim %s\n", Version)
		return exitPass
	case "explore", "run":
		return explore(args[0], args[1:], stdout, stderr)
	case "merge":
		return mergeCmd(args[1:], stdout, stderr)
	case "kernel":
		return kernelCmd(args[1:], stdout, stderr)
	case "diff":
		return diffCmd(args[1:], stdout, stderr)
	case "replay":
		return replayCmd(args[1:], stdout, stderr)
	case "shrink":
		return shrinkCmd(args[1:], stdout, stderr)
	case "render":
		return renderCmd(args[1:], stdout, stderr)
	case "mutate":
		return mutateCmd(args[1:], stdout, stderr)
	case "check-trace":
		return checkTraceCmd(args[1:], os.Stdin, stdout, stderr)
	case "help":
		return helpCmd(args[1:], stdout, stderr)
	case "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitPass
	}
	fmt.Fprintf(stderr, "fscachesim: unknown command %q (see 'fscachesim --help')\n", args[0])
	return exitUsage
}

func parseStrategy(s string) ([]string, error) {
	if s == "portfolio" {
		var names []string
		for _, p := range explorer.DefaultPortfolio() {
			names = append(names, p.Name)
		}
		return names, nil
	}
	if _, err := newStrategy(s); err != nil {
		return nil, err
	}
	return []string{s}, nil
}

func newStrategy(s string) (sim.Strategy, error) {
	s, _, err := explorer.SplitMemory(s)
	if err != nil {
		return nil, err
	}
	switch {
	case s == "random":
		return &sched.RandomWalk{}, nil
	case s == "pos":
		return &sched.POS{}, nil
	case strings.HasPrefix(s, "pct:"):
		var d int
		if _, err := fmt.Sscanf(s, "pct:%d", &d); err != nil || d < 1 || d > 4 || fmt.Sprintf("pct:%d", d) != s {
			return nil, fmt.Errorf("bad strategy %q: want pct:1 .. pct:4", s)
		}
		return &sched.PCT{Depth: d, Steps: explorer.PCTSteps}, nil
	}
	return nil, fmt.Errorf("unknown strategy %q: want random, pct:D, pos or portfolio", s)
}
