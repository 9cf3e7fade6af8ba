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
func (k *Kernel) decideHere(t *Thread) bool {
	if !k.running || k.hereOff || t.blocked {
		return false
	}
	if !k.hooksSafely(t) {
		k.ended = true
		return false
	}
	// The hooks see the model but must not change it, so the threads
	// enabled are those of before the hooks; the loop's checks come after
	// the hooks, as in Run.
	if k.failure != nil || k.stopped {
		k.ended = true
		return false
	}
	if k.awake == 1 {
		// t alone: Run would take it again without a decision.
		if k.step >= k.opts.MaxSteps {
			k.ended = true
			return false
		}
		k.beginStep(t)
		return true
	}
	en := k.enabledThreads()
	if k.step >= k.opts.MaxSteps {
		k.ended = true
		return false
	}
	next, ok := k.decideSafely(en)
	k.ended = true
	if !ok {
		return false
	}
	if next != t {
		k.next = next
		return false
	}
	k.ended = false
	k.beginStep(t)
	return true
}

// hooksSafely ends t's step as runStep would. A hook that panics is not
// the thread's failure (an oops) but the harness's: the panic is kept for
// runStep to raise outside the thread, as it would without this path.
func (k *Kernel) hooksSafely(t *Thread) (ok bool) {
	defer k.keepPanic(&ok)
	k.cur = nil
	k.endStep(t)
	return true
}

// decideSafely is decide on a thread's coroutine: a Strategy that panics
// is the harness's panic, raised by runStep outside the thread.
func (k *Kernel) decideSafely(en []*Thread) (t *Thread, ok bool) {
	defer k.keepPanic(&ok)
	return k.decide(en)
}

// keepPanic, deferred, keeps a panic for runStep to raise and makes the
// caller report false.
func (k *Kernel) keepPanic(ok *bool) {
	if r := recover(); r != nil {
		k.hookPanic = r
		*ok = false
	}
}
