//go:build fscachesim_kernelc

// Command kc-sim runs a scenario of the C build under sim's strategies and
// prints the kernel's tracepoints as ftrace-like lines ("fscache_cookie:
// c=00000002 ..."), then the verdict and the decision log. `fscachesim
// kernel build` links it against the build's archive (docs/kernel-c.md);
// `fscachesim diff` reads its output.
//
//	kc-sim -scenario life [-strategy sequential|random|pct|pos] [-seed N]
//
// Exit status: 0 pass, 1 a failure, 2 bad usage.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/fscachesim/fscachesim/kernelc"
	"github.com/fscachesim/fscachesim/kernelc/csim"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

func main() {
	scenario := flag.String("scenario", "life", "the C driver's scenario: life, two-users, lru-vs-use, lru-vs-io")
	strategy := flag.String("strategy", "sequential", "sequential (the lowest enabled thread), random, pct or pos")
	seed := flag.Uint64("seed", 0, "the seed")
	bug := flag.String("bug", "", "the driver's bug switch: use-after-relinquish")
	flag.Parse()
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
