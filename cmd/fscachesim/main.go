// Command fscachesim explores interleavings of the Linux fscache model and
// reports the races it finds, each with one command line that replays it.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/scenarios"
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
  fscachesim explore [flags]   explore interleavings of scenarios (default: all, short budget)
  fscachesim run [flags]       run one execution: a scenario, a seed, a strategy
  fscachesim list              list the scenarios
  fscachesim bugs              list the historical-bug switches
  fscachesim version           print the version

Exit codes: 0 pass, 1 a check failed, 2 usage error or bad input, 3 internal error.
Run 'fscachesim <command> -h' for the flags of a command.
`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "list":
		for _, s := range scenarios.All() {
			fmt.Fprintf(stdout, "%-24s %s\n", s.Name, s.Desc)
		}
		return exitPass
	case "bugs":
		for _, b := range model.AllBugs {
			fmt.Fprintf(stdout, "%-28s %s\n", b.Name, b.Doc)
		}
		return exitPass
	case "version":
		fmt.Fprintf(stdout, "fscachesim %s\n", Version)
		return exitPass
	case "explore", "run":
		return explore(args[0], args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitPass
	}
	fmt.Fprintf(stderr, "fscachesim: unknown command %q (see 'fscachesim --help')\n", args[0])
	return exitUsage
}

func explore(cmd string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	scenario := fs.String("scenario", "", "scenario to explore (default: every scenario); see 'fscachesim list'")
	executions := fs.Int("executions", 2000, "executions per scenario and strategy")
	seed := fs.Uint64("seed", 1, "first master seed; execution i uses seed+i")
	strategy := fs.String("strategy", "portfolio", "random, pct:D (D = depth 1..4), or portfolio (random and pct:1..3 in rotation)")
	bugs := fs.String("bugs", "", "comma-separated historical-bug switches to turn on; see 'fscachesim bugs'")
	maxSteps := fs.Int64("max-steps", sim.DefaultMaxSteps, "step bound of one execution")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: fscachesim %s [flags]\n\nExample:\n  fscachesim %s --scenario lru-vs-relinquish --bugs lru-discard-no-redispatch\n\nFlags:\n", cmd, cmd)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "fscachesim %s: unexpected argument %q\n", cmd, fs.Arg(0))
		return exitUsage
	}
	b, err := model.ParseBugs(*bugs)
	if err != nil {
		fmt.Fprintf(stderr, "fscachesim %s: %v\n", cmd, err)
		return exitUsage
	}
	strats, err := parseStrategy(*strategy)
	if err != nil {
		fmt.Fprintf(stderr, "fscachesim %s: %v\n", cmd, err)
		return exitUsage
	}
	list := scenarios.Default()
	if *scenario != "" {
		s, err := scenarios.Get(*scenario)
		if err != nil {
			fmt.Fprintf(stderr, "fscachesim %s: %v\n", cmd, err)
			return exitUsage
		}
		list = []scenarios.Scenario{s}
	}
	if cmd == "run" {
		*executions = 1
		if len(strats) > 1 {
			strats = strats[:1]
		}
	}
	if *executions < 1 {
		fmt.Fprintf(stderr, "fscachesim %s: --executions must be at least 1\n", cmd)
		return exitUsage
	}
	total, failed := 0, 0
	for _, s := range list {
		for i := 0; i < *executions; i++ {
			sname := strats[i%len(strats)]
			st, _ := newStrategy(sname)
			sd := *seed + uint64(i)
			res, k := scenarios.Run(s, b, sim.Options{Seed: sd, Strategy: st, MaxSteps: *maxSteps})
			total++
			if res.Outcome == sim.OutcomePass {
				continue
			}
			failed++
			report(stdout, s.Name, sname, sd, b, res, k)
			break
		}
	}
	fmt.Fprintf(stdout, "explored %d executions of %d scenario(s), %d failed\n", total, len(list), failed)
	if failed > 0 {
		return exitFailure
	}
	return exitPass
}

func report(w io.Writer, scenario, strat string, seed uint64, bugs model.Bugs, res sim.Result, k *sim.Kernel) {
	fmt.Fprintf(w, "FAIL %s seed=%d strategy=%s bugs=%s\n", scenario, seed, strat, bugs.Names())
	switch {
	case res.Failure != nil:
		fmt.Fprintf(w, "  %s\n", res.Failure)
	default:
		fmt.Fprintf(w, "  outcome %s after %d steps %s\n", res.Outcome, res.Steps, res.Diverged)
	}
	fmt.Fprintf(w, "  last events:\n")
	for _, e := range k.LastEvents(12) {
		fmt.Fprintf(w, "    %6d %s %-14s %s: %s\n", e.Step, e.Time, k.ThreadName(e.Thread), e.Type.Name(), e.Text())
	}
	bugFlag := ""
	if n := bugs.Names(); n != "" {
		bugFlag = " --bugs " + n
	}
	fmt.Fprintf(w, "  replay: go run ./cmd/fscachesim run --scenario %s --seed %d --strategy %s%s\n", scenario, seed, strat, bugFlag)
}

func parseStrategy(s string) ([]string, error) {
	if s == "portfolio" {
		return []string{"random", "pct:1", "pct:2", "pct:3"}, nil
	}
	if _, err := newStrategy(s); err != nil {
		return nil, err
	}
	return []string{s}, nil
}

func newStrategy(s string) (sim.Strategy, error) {
	switch {
	case s == "random":
		return &sim.RandomWalk{}, nil
	case strings.HasPrefix(s, "pct:"):
		var d int
		if _, err := fmt.Sscanf(s, "pct:%d", &d); err != nil || d < 1 || d > 4 || fmt.Sprintf("pct:%d", d) != s {
			return nil, fmt.Errorf("bad strategy %q: want pct:1 .. pct:4", s)
		}
		return &sim.PCT{Depth: d, Steps: 400}, nil
	}
	return nil, fmt.Errorf("unknown strategy %q: want random, pct:D or portfolio", s)
}
