// Package sched holds the search strategies: how the model checker chooses
// among the interleavings and values the simulated kernel (package sim)
// offers. sim says how the kernel behaves and defines the interface every
// strategy implements (sim.Strategy, and sim.StepObserver for those that
// follow every step); this package says how we search, one strategy per
// file:
//
//   - random.go: RandomWalk, a uniform pick at every step (sim's default).
//   - pct.go: PCT, probabilistic concurrency testing (Burckhardt et al.,
//     ASPLOS 2010).
//   - pos.go: POS, partial order sampling (Yuan, Yang, Gu, CAV 2018).
//   - dpor.go: Exhaustive, bounded exhaustive search with source-set DPOR
//     and sleep sets (Abdulla et al., POPL 2014).
//   - replay.go: Replay, which follows a recorded decision log (strict for
//     replay, lenient for shrinking).
//
// Imports: the standard library and sim, under the same determinism rules
// as sim (internal/lint walks this package too): no wall clock, no
// math/rand, no goroutines or channels, no map order reaching a choice.
//
// Exploring every interleaving of a small program:
//
//	x := &sched.Exhaustive{Bound: 2, POR: true}
//	st := x.Run(func(r *sched.ExhaustiveRun) (sim.Result, bool) {
//		k := sim.New(sim.Options{Strategy: r})
//		... spawn the program's threads ...
//		return k.Run(), false
//	})
//	// st.Complete: every execution within the bound was covered
package sched
