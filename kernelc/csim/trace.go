//go:build fscachesim_kernelc

package csim

import (
	"fmt"

	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/traces"
)

// OptKernelTree is the trace header option naming the kernel tree a C-build
// run compiled: "<version> <sha256 of the compiled files>" (the build's
// manifest). A trace of the C build replays only on a build of that tree.
const OptKernelTree = "kernel_tree"

// Header is the trace header of a C-build run of scenario.
func Header(tool, scenario string, seed uint64, strategy, bug string, maxSteps int64, treeVersion, treeHash string) traces.Header {
	h := traces.NewHeader(tool, scenario, seed, strategy, bug, maxSteps)
	h.Options[OptKernelTree] = treeVersion + " " + treeHash
	return h
}

// Runner is the traces.Runner of the C build: the existing trace tools
// (traces.Replay, traces.Shrink) re-run C-build traces with it. tree is the
// "<version> <hash>" of the linked build; a trace of another tree is refused.
func Runner(tree string) traces.Runner {
	return func(h traces.Header, strat sim.Strategy) (sim.Result, *sim.Kernel, error) {
		if got := h.Options[OptKernelTree]; got != tree {
			return sim.Result{}, nil, fmt.Errorf("the trace ran on kernel tree %q, this build is %q", got, tree)
		}
		res, k, err := Execute(Options{Scenario: h.Scenario, Bug: h.Bugs,
			Sim: sim.Options{Seed: h.Seed, Strategy: strat, MaxSteps: h.MaxSteps, Record: true}})
		return res, k, err
	}
}
