//go:build fscachesim_kernelc

// Command kc-sim runs a scenario of the C build under sim's strategies and
// prints the kernel's tracepoints as ftrace-like lines ("fscache_cookie:
// c=00000002 ..."), then the verdict and the decision log. `fscachesim
// kernel build` links it against the build's archive (docs/kernel-c.md);
// `fscachesim diff` reads its output.
//
//	kc-sim -scenario life [-strategy sequential|random|pct|pos] [-seed N]
//	kc-sim -tree "VERSION HASH" -explore N -scenario S -strategy random|pct|pos [-o TRACE]
//	kc-sim -tree "VERSION HASH" -replay TRACE
//	kc-sim -tree "VERSION HASH" -shrink TRACE -o TRACE
//
// -explore runs seeds 0..N-1 with package checker on and writes the first
// failing run as a trace (its header names the kernel tree); -replay re-runs
// a trace of this tree and says whether it is identical; -shrink writes a
// shorter trace failing the same check. `fscachesim kernel explore|replay|
// shrink --build DIR` runs these with the build's tree.
//
// Exit status: 0 pass (replay: identical), 1 a failure (replay: differs),
// 2 bad usage or a trace of another tree.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/fscachesim/fscachesim/kernelc"
	"github.com/fscachesim/fscachesim/kernelc/csim"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/traces"
)

func main() {
	scenario := flag.String("scenario", "life", "the C driver's scenario: life, two-users, lru-vs-use, lru-vs-io, lru-wait, lru-io-wait")
	strategy := flag.String("strategy", "sequential", "sequential (the lowest enabled thread), random, pct or pos")
	seed := flag.Uint64("seed", 0, "the seed")
	bug := flag.String("bug", "", "the driver's bug switch: use-after-relinquish")
	tree := flag.String("tree", "", "the build's kernel tree, \"VERSION SHA256\" (for -explore, -replay, -shrink)")
	explore := flag.Int("explore", 0, "explore seeds 0..N-1 and write the first failing run as a trace (-o)")
	replay := flag.String("replay", "", "replay this trace of the C build")
	shrink := flag.String("shrink", "", "shrink this trace of the C build into -o")
	out := flag.String("o", "", "the trace to write (-explore, -shrink)")
	flag.Parse()
	if *explore > 0 || *replay != "" || *shrink != "" {
		os.Exit(traceMode(*tree, *explore, *replay, *shrink, *out, *scenario, *strategy, *bug))
	}
	var strat sim.Strategy
	switch *strategy {
	case "sequential":
		strat = kernelc.Sequential()
	case "random":
		strat = &sched.RandomWalk{}
	case "pct":
		strat = &sched.PCT{Depth: 3, Steps: 300}
	case "pos":
		strat = &sched.POS{}
	default:
		fmt.Fprintf(os.Stderr, "kc-sim: no strategy %q (want sequential, random, pct or pos)\n", *strategy)
		os.Exit(2)
	}
	res, k, err := csim.Execute(csim.Options{Scenario: *scenario, Bug: *bug, Sim: sim.Options{Seed: *seed, Strategy: strat, Record: true}})
	if err != nil {
		fmt.Fprintf(os.Stderr, "kc-sim: %v\n", err)
		os.Exit(2)
	}
	w := bufio.NewWriter(os.Stdout)
	for i := range k.Events() {
		e := &k.Events()[i]
		if name := e.Type.Name(); name == "kc_trace" {
			fmt.Fprintf(w, "%s\n", e.Text())
		} else if kernelc.KernelTracepoint(name) {
			fmt.Fprintf(w, "%s: %s\n", name, e.Text())
		}
	}
	fmt.Fprintf(w, "verdict %v steps %d hash %016x", res.Outcome, res.Steps, res.Hash)
	if res.Failure != nil {
		fmt.Fprintf(w, " %v", res.Failure)
	}
	fmt.Fprintf(w, "\ndecisions %s\n", k.Log())
	w.Flush()
	if res.Outcome != sim.OutcomePass {
		os.Exit(1)
	}
}

func strategyNamed(name string) sim.Strategy {
	switch name {
	case "random":
		return &sched.RandomWalk{}
	case "pct":
		return &sched.PCT{Depth: 3, Steps: 300}
	case "pos":
		return &sched.POS{}
	}
	return nil
}

// traceMode is -explore, -replay and -shrink.
func traceMode(tree string, explore int, replay, shrink, out, scenario, strategy, bug string) int {
	version, hash, ok := strings.Cut(tree, " ")
	if !ok {
		fmt.Fprintf(os.Stderr, "kc-sim: want -tree \"VERSION SHA256\" of the build\n")
		return 2
	}
	run := csim.Runner(tree)
	switch {
	case explore > 0:
		if strategyNamed(strategy) == nil {
			fmt.Fprintf(os.Stderr, "kc-sim: -explore wants -strategy random, pct or pos\n")
			return 2
		}
		for seed := uint64(0); seed < uint64(explore); seed++ {
			res, k, err := csim.Execute(csim.Options{Scenario: scenario, Bug: bug, Sim: sim.Options{Seed: seed, Strategy: strategyNamed(strategy), Record: true}})
			if err != nil {
				fmt.Fprintf(os.Stderr, "kc-sim: %v\n", err)
				return 2
			}
			if res.Outcome == sim.OutcomePass {
				continue
			}
			fmt.Printf("%s seed %d (%s): %v\n", scenario, seed, k.Strategy().Name(), res.Failure)
			if out != "" {
				h := csim.Header("fscachesim kernel explore", scenario, seed, k.Strategy().Name(), bug, 0, version, hash)
				t, err := traces.FromRun(h, res, k)
				if err == nil {
					err = traces.WriteFile(out, t)
				}
				if err != nil {
					fmt.Fprintf(os.Stderr, "kc-sim: %v\n", err)
					return 2
				}
				fmt.Printf("trace %s (%d decisions)\n", out, len(k.Log()))
			}
			return 1
		}
		fmt.Printf("%s: %d executions (%s), every check passed\n", scenario, explore, strategy)
		return 0
	case replay != "":
		t, err := traces.ReadFile(replay, traces.ReadOptions{})
		if err != nil {
			fmt.Fprintf(os.Stderr, "kc-sim: %v\n", err)
			return 2
		}
		rep, err := traces.Replay(t, run)
		if err != nil {
			fmt.Fprintf(os.Stderr, "kc-sim: %v\n", err)
			return 2
		}
		fmt.Println(rep.Explain())
		if !rep.Identical {
			return 1
		}
		return 0
	default:
		if out == "" {
			fmt.Fprintf(os.Stderr, "kc-sim: -shrink wants -o TRACE\n")
			return 2
		}
		t, err := traces.ReadFile(shrink, traces.ReadOptions{})
		if err != nil {
			fmt.Fprintf(os.Stderr, "kc-sim: %v\n", err)
			return 2
		}
		small, st, err := traces.Shrink(t, run, traces.ShrinkOptions{})
		if err == nil {
			err = traces.WriteFile(out, small)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "kc-sim: %v\n", err)
			return 2
		}
		fmt.Printf("%v\ntrace %s: %s\n", st, out, small.Verdict.Check)
		return 0
	}
}
