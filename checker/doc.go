// Package checker judges executions of the fscache model: per-step
// invariants, end-of-run checks, liveness monitors, coverage, and the
// linearizability of what a netfs sees.
//
// A Checker watches one execution. It sees the model only through the
// event stream (the tracepoints of model/fscache, with the simulator's own
// fscache_cookie_state, fscache_cache_state and fscache_mark) and the
// read-only views of model/fscache (Peek-style accessors that are not
// scheduling points); it never changes the model.
//
//   - invariants.go: after every step and on every event, the invariants
//     of spec §12 that can be stated over fscache's state (I-1..I-25), and
//     every cookie state change against the transition table
//     fscache.Transitions (the row exists and allows the change, changes
//     chain on, state-machine rows come from the cookie's running state
//     machine, the row's observable guards hold). Where the kernel itself
//     opens a window between two steps of one thread, a check holds only
//     while the lock that covers the window is free, or waits for the
//     event that closes it; each place says so. The cachefiles invariants
//     I-26..I-32 plug in as an Extension.
//   - drain.go: EndOfRun, after a drained run: no thread stuck, nothing hot,
//     nothing left (cookies with their state, flags and counts; LRU
//     entries; volumes; caches and their object_count).
//   - liveness.go: hot-state monitors L-1..L-4 with a bound in steps;
//     requests.go: L-5, a request (DO_* flag, volume CREATING) is acted on.
//   - resources.go: state implies resources (R-state, R-access, R-volume)
//     and backend calls made only where the kernel makes them (R-call),
//     from the tables of model/fscache/resources.go; R-call sees the calls
//     through the model's backend-call observer (Fscache.ObserveBackend).
//     Lost wake-ups are sim's own check (sim/lostwake.go).
//   - linear.go: the per-cookie register model for porcupine, the Recorder
//     the netfs simulation calls, and the witness-first check.
//   - coverage.go: transition rows, (state × event) pairs and marks reached.
//
// Checker.Verdict combines a run's sim.Result with the end-of-run and
// liveness checks; the first failure wins.
//
// Imports: sim, model/fscache, porcupine and the standard library. It must
// not import scenarios (scenarios imports checker) and nothing in model/
// imports it. Everything it reports is deterministic: no wall clock, no
// goroutines of its own, no map order in its output (porcupine runs its
// search in goroutines, one partition per call, with a budget counted in
// model steps).
//
// Attaching a checker to a scenario run:
//
//	k, w := scenarios.Prepare(s, model.Bugs{}, sim.Options{Seed: seed})
//	ck := checker.New(w.F, checker.Options{})
//	ck.Attach(k)
//	v := ck.Verdict(k, k.Run())
//	if !v.Pass {
//		fmt.Println(v.Failure) // invariant [I-9] at step 135 in netfs: c=00000002: ...
//	}
//	fmt.Println(ck.Coverage())
package checker
