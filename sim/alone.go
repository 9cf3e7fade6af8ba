//go:build !fscachesim_gort

package sim

// A thread that reaches a scheduling point while every other live thread
// is blocked would be picked again at once: Run's loop has no choice to
// make and logs none. continueAlone does what the loop would do, on the
// thread's own coroutine, so the step costs no switch to the scheduler and
// back: it ends the step (the per-step hooks), checks what the loop checks
// (a failure, the observer's stop, the step bound, another thread
// enabled) and begins the next step of the same thread. The run is the
// same, step for step and hook call for hook call; only the goroutine the
// hooks run on differs. Half the steps of a typical scenario are such
// steps. (The goroutine build mode, fscachesim_gort, has no such path.)

// continueAlone is called by t at a scheduling point, with its next
// access pending. It reports whether t may go on at once; if not, it has
// ended t's step and t must yield.
func (k *Kernel) continueAlone(t *Thread) bool {
	// Most points of a run with several threads are not alone: find out
	// first, and leave those to runStep, which ends the step as before.
	if !k.running || !k.onlyEnabled(t) {
		return false
	}
	if !k.hooksSafely(t) {
		k.ended = true
		return false
	}
	// The hooks see the model but must not change it, so t is still
	// alone; the loop's other checks come after the hooks, as in Run.
	if k.failure != nil || k.stopped || k.step >= k.opts.MaxSteps {
		k.ended = true
		return false
	}
	k.beginStep(t)
	return true
}

// hooksSafely ends t's step as runStep would. A hook that panics is not
// the thread's failure (an oops) but the harness's: the panic is kept for
// runStep to raise outside the thread, as it would without this path.
func (k *Kernel) hooksSafely(t *Thread) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			k.hookPanic = r
			ok = false
		}
	}()
	k.cur = nil
	k.endStep(t)
	return true
}

// onlyEnabled reports whether t is the only live thread not blocked.
func (k *Kernel) onlyEnabled(t *Thread) bool {
	return !t.blocked && k.awake == 1
}
