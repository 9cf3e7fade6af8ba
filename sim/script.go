package sim

// Scripted driving, for golden tests that set up one exact interleaving:
// run one thread until it blocks or returns, run everything until nothing
// can run, advance the clock. Choices made here are the script's, not a
// strategy's, and are not recorded in the decision log.

// RunThread runs t alone until it returns or blocks. It reports false if a
// check failed.
func (k *Kernel) RunThread(t *Thread) bool {
	for k.failure == nil && !t.done && !t.blocked {
		if k.step >= k.opts.MaxSteps {
			k.outcome = OutcomeBound
			return false
		}
		k.runStep(t)
	}
	return k.failure == nil
}

// StepThread runs one step of t (t must be enabled): a test of a strategy
// drives the steps it observes one by one.
func (k *Kernel) StepThread(t *Thread) { k.runStep(t) }

// RunUntilIdle runs enabled threads, lowest id first, until none can run.
// The clock does not move. It reports false if a check failed.
func (k *Kernel) RunUntilIdle() bool {
	for k.failure == nil {
		var t *Thread
		for _, x := range k.live {
			if !x.blocked {
				t = x
				break
			}
		}
		if t == nil {
			return true
		}
		if k.step >= k.opts.MaxSteps {
			k.outcome = OutcomeBound
			return false
		}
		k.runStep(t)
	}
	return false
}

// AdvanceClock jumps to the next pending deadline, firing its timers and
// waking its sleepers; it reports false if nothing was pending.
func (k *Kernel) AdvanceClock() bool { return k.advanceClock() }

// Live lists the threads that have not returned.
func (k *Kernel) Live() []*Thread { return k.live }

// Blocked reports whether the thread is asleep, and on what.
func (t *Thread) Blocked() (bool, string) { return t.blocked, t.waitWhat }

// Close tears down a kernel that was driven by script (or built and never
// run): every thread that has not returned is unwound, so its coroutine
// goroutine exits. Run does this itself at the end of a run.
func (k *Kernel) Close() {
	for _, t := range k.live {
		t.kill()
	}
	k.live = k.live[:0]
	k.awake = k.awake[:0]
}
