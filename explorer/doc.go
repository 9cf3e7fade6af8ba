// Package explorer runs many executions of the scenarios, on every core,
// under a portfolio of strategies, and reports what failed: the library
// behind 'fscachesim explore'.
//
// # The index space
//
// An exploration is a sequence of executions numbered 0, 1, 2, ... Execution
// i runs with master seed Config.Seed+i, strategy Portfolio[i mod P] and
// scenario Scenarios[(i div P) mod S] (Config.At): consecutive indices go
// round the strategies on one scenario, then move to the next scenario.
// What execution i does is a function of i and the configuration alone.
//
// # Determinism
//
// The Summary — the executions run, the counts per scenario and per
// strategy, the failures with their indices, schedules and replay commands —
// is the same for 1 worker or 64, at any GOMAXPROCS, on any machine,
// because:
//
//   - the executions run are always a prefix [0, n) of the index space (of
//     the shard's part of it): workers claim indices in order and finish
//     every claim;
//   - results are merged in index order, and results above the first
//     failure (first-failure mode) are dropped, so "first" means the lowest
//     index, never the first to finish;
//   - each execution builds its own kernel and world and a fresh strategy.
//
// n itself is fixed by Config.Executions, or by the first failure. With a
// wall-time Config.Budget, n depends on the machine and the load; the
// summary of that prefix does not. Only Summary.Perf (wall time,
// executions per second, worker count, work done and dropped) depends on
// timing, and comparisons leave it out.
//
// # Modes
//
// By default the run stops at the first failure. With Config.KeepGoing it
// runs to its bound and keeps one report per distinct failure, by
// Signature: class, check, scenario and the message with numbers and hex
// ids masked; the report kept is the lowest-index one, with the count of
// executions that failed the same way.
//
// # Sharding
//
// Shard {I, N} runs exactly the indices i with i mod N == I (of those below
// Config.Executions). The N shards of one configuration run, between them,
// the indices of one unsharded run, and Merge of their summaries gives that
// run's summary (Perf aside). Since the rotation is by index, a shard count
// that shares a factor with P skews each shard's strategy mix (N = P gives
// each shard one strategy); the merged totals are unaffected.
//
// # Imports
//
// explorer imports sim, model and scenarios, and the standard library. It
// is outside the deterministic core, so it may use goroutines, sync and
// the wall clock (for the budget and progress only; no wall-clock value
// reaches an execution). It does not write traces: a FailureReport carries
// the decision log (Log) from which the command line records one.
//
// # Example
//
//	s := explorer.Run(ctx, explorer.Config{
//		Scenarios:  []scenarios.Scenario{lru},
//		Bugs:       model.Bugs{LRUDiscardNoRedispatch: true},
//		Executions: 10000,
//	})
//	fmt.Println(s.Line())
//	for _, f := range s.Failures {
//		fmt.Println(f.Class, f.Check, f.Msg)
//		fmt.Println("replay:", f.Replay)
//	}
package explorer
