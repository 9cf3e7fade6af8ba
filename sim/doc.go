// Package sim is the simulated kernel that fscache and cachefiles run on:
// threads, the scheduler, the virtual clock, timers,
// workqueues, locks, atomics and bit operations, wait/wake, object
// lifetimes, tracepoint events and the decision log.
//
// Simulated threads are coroutines: exactly one runs at a time, and every
// scheduling point (a lock, an atomic, a Var load or store, queue_work, a
// timer, a wait or a wake) ends a step. A Strategy picks the next thread
// among the enabled ones and draws every random value; each choice goes into
// the decision log, which alone reproduces the run. The running thread takes
// that decision itself at its point and goes on without a coroutine switch
// when it is picked again; it hands control back to Run only when another
// thread is picked or it blocks (decide_here.go). The
// clock moves only when no thread can run and a timer or timed wait is
// pending. When every thread sleeps and nothing is pending, the run ends as
// a deadlock naming who waits on what.
//
// Memory is sequentially consistent unless Options.Memory asks for a weak
// model (weakmem.go): then every thread has a store buffer, the strategy
// chooses when a buffered store becomes visible, and the kernel's barriers
// (SmpMb, SmpWmb, Var.StoreRelease, the ordered atomics, unlocks, the
// barrier a wait runs before its test) decide what may stay buffered.
//
// Imports: the standard library only, and from it nothing that lets the
// outside world into a run: no wall clock (time.Now, time.Sleep, timers), no
// math/rand or crypto/rand, no os, no goroutines, channels or select. The
// exceptions are the files that own the coroutines (thread.go) and the
// random source (rand.go), and the goroutine build mode's files (*_gort.go).
// internal/lint enforces this; model/ imports sim, never the other way
// round.
//
// The goroutine build mode (go build -tags fscachesim_gort; thread_gort.go,
// run_gort.go) exists for one measurement: the same model hammered by a
// plain stress test, the way a developer without this tool would
// (BENCHMARKS.md, make stress). Each simulated thread is a real goroutine
// and the Go runtime on GOMAXPROCS cores picks the interleaving; no
// Strategy picks threads (it still draws the Rand and Chance values), so a
// seed no longer reproduces a run and replay, shrink and exhaustive search
// do not apply. One sync.Mutex per kernel, a big kernel lock, keeps sim's
// bookkeeping and the model's plain Go memory consistent: a thread holds it
// from one scheduling point to the next, then lets go of it, calls
// runtime.Gosched and takes it again (without the Gosched the same thread
// retakes it almost every time: 1.2% of steps switch threads, against 97%
// with it). So the model runs at exactly the coroutine build's granularity,
// a step at a time; only who runs next is left to the Go scheduler, and the
// race detector sees no race in the model, as the lock orders every access.
// The virtual clock still jumps to the next deadline when every thread
// sleeps, blocking still waits on sim's wait/wake (a sync.Cond per thread),
// and every check, hook and failure works unchanged; a failure unwinds the
// other goroutines, and Run returns when all have exited.
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
// Replaying k.Log() with &sched.Replay{Log: log, Strict: true} as the
// strategy gives the same execution, step for step.
package sim
