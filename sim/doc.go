// Package sim is the simulated kernel that fscache and cachefiles run on:
// threads, the scheduler and its strategies, the virtual clock, timers,
// workqueues, locks, atomics and bit operations, wait/wake, object
// lifetimes, tracepoint events and the decision log.
//
// Simulated threads are coroutines: exactly one runs at a time, and it hands
// control back to the scheduler at every scheduling point (a lock, an atomic,
// a Var load or store, queue_work, a timer, a wait or a wake). A Strategy
// picks the next thread among the enabled ones and draws every random value;
// each choice goes into the decision log, which alone reproduces the run. The
// clock moves only when no thread can run and a timer or timed wait is
// pending. When every thread sleeps and nothing is pending, the run ends as
// a deadlock naming who waits on what.
//
// Imports: the standard library only, and from it nothing that lets the
// outside world into a run: no wall clock (time.Now, time.Sleep, timers), no
// math/rand or crypto/rand, no os, no goroutines, channels or select. The
// exceptions are the files that own the coroutines (thread.go) and the
// random source (rand.go). internal/lint enforces this; model/ imports sim,
// never the other way round.
//
// Two threads increment a shared variable with a scheduling point between
// the load and the store, so some seeds lose an update:
//
//	k := sim.New(sim.Options{Seed: 1})
//	var x sim.Var[int]
//	for _, name := range []string{"inc-a", "inc-b"} {
//		k.Spawn(name, func(t *sim.Thread) {
//			v := x.Load(t) // the other thread may run here
//			x.Store(t, v+1)
//		})
//	}
//	res := k.Run()
//	fmt.Println(res.Outcome, x.Peek(), k.Log()) // pass 1 0*2 1*3
//
// Replaying k.Log() with &sim.Replay{Log: log, Strict: true} as the
// strategy gives the same execution, step for step.
package sim
