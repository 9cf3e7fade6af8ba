//go:build !fscachesim_gort

package sim

// When a thread reaches a scheduling point, Run's loop would end its step
// (the per-step hooks), check what ends a run (a failure, the observer's
// stop, the step bound) and ask the Strategy which enabled thread runs
// next. decideHere does all of that on the thread's own coroutine, so that
// when the answer is the same thread — it is alone, or the strategy keeps
// it (PCT's highest priority, a random walk's coin) — the next step begins
// without a switch to the scheduler and back. Only when the answer is
// another thread does the thread yield, with the choice made (Kernel.next).
// The run is the same, step for step, hook call for hook call, Pick call
// for Pick call; only the goroutine the hooks and Pick run on differs. (The
// goroutine build mode, fscachesim_gort, has no such path.)

// decideHere is called by t at a scheduling point, with its next access
// pending. It reports whether t goes on at once; if not, it has ended t's
// step and t must yield.
//
// A hook or a Strategy that panics here is the harness's panic, not the
// thread's oops: while they run, Kernel.inHarness tells the thread's
// recover (Thread.body) to keep the panic for runStep to raise outside the
// thread. (A deferred recover here would cost every point.)
func (k *Kernel) decideHere(t *Thread) bool {
	if !k.running || k.hereOff {
		return false
	}
	k.inHarness = true
	k.cur = nil
	k.endStep(t)
	// The hooks see the model but must not change it, so the threads
	// enabled are those of before the hooks; the loop's checks come after
	// the hooks, as in Run. On a failure, a stop or the bound, Run's loop
	// ends the run; on a divergence too (decide set the outcome).
	next, ok := t, k.failure == nil && !k.stopped && k.step < k.opts.MaxSteps
	if ok {
		next, ok = k.decide()
	}
	k.inHarness = false
	if ok && next == t {
		k.beginStep(t)
		return true
	}
	if ok {
		k.next = next
	}
	k.ended = true
	return false
}
