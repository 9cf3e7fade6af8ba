//go:build !fscachesim_gort

package sim

// Run and runStep of the default build: one simulated thread runs at a
// time, picked by the Strategy. (With the build tag fscachesim_gort,
// run_gort.go replaces this file.)

// gortState is empty in the default build.
type gortState struct{}

// Run executes until every thread has returned and no timer is pending, a
// check fails, the threads deadlock, or the step bound is hit.
func (k *Kernel) Run() Result {
	k.running = true
	defer func() { k.running = false }()
	for k.failure == nil && !k.stopped && k.outcome != OutcomeDiverged {
		t := k.next
		k.next = nil
		if t == nil {
			if len(k.awake) == 0 {
				if k.advanceClock() {
					continue
				}
				if len(k.live) > 0 {
					k.deadlock()
				}
				break
			}
			if k.step >= k.opts.MaxSteps {
				k.outcome = OutcomeBound
				break
			}
			var ok bool
			if t, ok = k.decide(); !ok {
				break
			}
		}
		k.runStep(t)
	}
	for _, t := range k.live {
		t.kill()
	}
	if k.buffered > 0 {
		k.drainAll()
	}
	k.live = k.live[:0]
	k.awake = k.awake[:0]
	return k.judge()
}

// decide picks the thread that runs the next step among the awake ones
// (Kernel.awake, not empty): the only one, or the Strategy's choice,
// logged, with a preemption counted if the thread that ran last could have
// gone on. A choice out of range ends the run as diverged (ok false). The
// Strategy sees the kernel's own list, valid until a thread runs.
func (k *Kernel) decide() (t *Thread, ok bool) {
	en := k.awake
	if len(en) == 1 {
		if k.lastRan >= 0 && en[0].id != k.lastRan {
			k.switches++
		}
		return en[0], true
	}
	i := k.strat.Pick(k.step, en)
	if i < 0 || i >= len(en) {
		k.outcome = OutcomeDiverged
		return nil, false
	}
	t = en[i]
	k.log = append(k.log, Decision{Kind: DecThread, V: uint32(t.id), N: uint32(len(en))})
	if k.lastRan >= 0 && t.id != k.lastRan {
		k.switches++
		if last := k.threads[k.lastRan]; !last.blocked && !last.done {
			k.preempts++
		}
	}
	return t, true
}

// runStep runs one step of t.
// Under Run, t may run several steps in one resume (decideHere): the
// hooks of every step but the last have then run already.
func (k *Kernel) runStep(t *Thread) {
	k.beginStep(t)
	t.resume()
	if k.hookPanic != nil {
		p := k.hookPanic
		k.hookPanic = nil
		panic(p)
	}
	if k.ended {
		k.ended = false
		return
	}
	k.cur = nil
	if t.done {
		k.retire(t)
	}
	k.endStep(t)
}

// beginStep starts a step of t: its number, its access in the hash.
func (k *Kernel) beginStep(t *Thread) {
	k.step++
	a := t.pending
	k.stepAcc = a
	k.lastRan = t.id
	k.mix(uint64(t.id)<<8|uint64(a.Kind), uint64(a.Obj))
	k.cur = t
	if k.buffered > 0 {
		k.memoryStep()
		if k.flushStep == k.step && k.nCond > 0 && k.failure == nil {
			// A condition the flushed store made true is the store
			// owner's doing; what the step itself makes true, the
			// step's thread's (endStep).
			k.flushCheck = true
			k.checkWakes()
			k.flushCheck = false
		}
	}
}

// endStep runs the hooks that follow every step.
func (k *Kernel) endStep(t *Thread) {
	if k.nCond > 0 && k.failure == nil {
		k.checkWakes()
	}
	if k.opts.StepHook != nil && k.failure == nil {
		k.opts.StepHook(k)
	}
	if k.obs != nil && !k.obs.Executed(t, k.stepAcc, k.step) {
		k.stopped = true
	}
}
