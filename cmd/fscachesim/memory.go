package main

import (
	"fmt"
	"slices"

	"github.com/fscachesim/fscachesim/explorer"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/traces"
)

// The memory model of a run (sim/weakmem.go) is part of its strategy's
// name on the command line and in a failure's replay command ("pos+weak",
// explorer.SplitMemory), and a run option in its trace header
// (traces.OptMemory), so replay and shrink run it the same way.

// withMemory returns h with the memory model its strategy names recorded
// as a run option.
func withMemory(h traces.Header) traces.Header {
	if _, m, err := explorer.SplitMemory(h.Strategy); err == nil && m != sim.MemSC {
		if h.Options == nil {
			h.Options = map[string]string{}
		}
		h.Options[traces.OptMemory] = m.String()
	}
	return h
}

// runOptions reads a header's run options: the memory model, and an error
// naming the first option this fscachesim does not know.
func runOptions(h traces.Header) (sim.MemoryModel, error) {
	names := make([]string, 0, len(h.Options))
	for n := range h.Options {
		names = append(names, n)
	}
	slices.Sort(names)
	m := sim.MemSC
	for _, n := range names {
		if n != traces.OptMemory {
			return m, fmt.Errorf("unknown run option %q (this fscachesim knows only %s)", n, traces.OptMemory)
		}
		var err error
		if m, err = sim.ParseMemoryModel(h.Options[n]); err != nil {
			return m, fmt.Errorf("run option %s: %v", n, err)
		}
	}
	return m, nil
}
