package sim

import "fmt"

// The lost-wakeup check. Every wait by family (wait_var_event and
// wait_var_event_timeout, wait_on_bit and wait_on_bit_timeout,
// wait_for_completion) records on the sleeper what it waits for: the
// predicate the model passed, the bit, the completion (wait.go). After
// every step, while some thread sleeps in such a wait, the kernel
// evaluates each sleeper's condition and remembers since which step it
// holds and which thread's step made it hold (the setter). A wake-up is
// owed by the setter: the kernel's rule is that whoever makes a waited-for
// condition true wakes the waiters after it (set, barrier, wake). The
// check fails, as liveness [lost-wakeup], naming the sleeper, its wait, the
// step since which its condition holds and the setter, where the wake-up
// can no longer come:
//
//   - at the step the setter returns while the sleeper still sleeps with
//     its condition true (the setter went away without waking it);
//   - when the clock is about to jump to a timed sleeper's deadline and its
//     condition holds: the wait would end by timeout although what it waits
//     for happened earlier (the kernel's 20 s collision and operation waits
//     would print their warning, or go on waiting, for nothing);
//   - when every thread sleeps and nothing is pending (a deadlock) and a
//     sleeper's condition holds: the deadlock is a lost wake-up, reported
//     as such.
//
// A setter that is still alive (asleep on a lock, in msleep, or running
// other code first, as fscache's state machine does between setting a
// state and its wake_up_cookie_state) can still wake the sleeper: nothing
// is reported until one of the three points above.
//
// Weak memory. The condition is evaluated on committed memory: Peek reads
// memory, not the newest store in a store buffer (Kernel.peekMem), because
// a woken sleeper re-tests its condition on its own CPU, which sees only
// what has left the setter's buffer. A condition that holds only in a
// setter's buffer is not yet true for anyone else, and the wake-up is owed
// from the moment the store becomes visible: when a store buffer is
// flushed, the thread whose store it was is the setter. So the missing
// barrier between a store and wake_up_var() (the waker's waitqueue_active()
// sees no sleeper, the sleeper tests memory without the store and sleeps,
// the store lands later) is found the step the store lands if its thread
// has returned, or at the deadlock otherwise. At a deadlock every buffered
// store is made visible first (the run ends; nothing could wake anyone).
//
// Cost: nothing while no thread sleeps in such a wait (one compare per
// step); otherwise one evaluation per such sleeper per step.

// waitFamily is the kind of wait a sleeper is in.
type waitFamily uint8

const (
	famNone       waitFamily = iota // a lock, msleep, flush_work: no condition recorded
	famVar                          // wait_var_event
	famVarTimeout                   // wait_var_event_timeout
	famBit                          // wait_on_bit
	famBitTimeout                   // wait_on_bit_timeout
	famCompletion                   // wait_for_completion
)

var famNames = [...]string{"", "wait_var_event", "wait_var_event_timeout", "wait_on_bit", "wait_on_bit_timeout", "wait_for_completion"}

// CheckLostWakeup is the check name of a lost wake-up in Failure.Check.
const CheckLostWakeup = "lost-wakeup"

// condHolds evaluates t's wait condition on committed memory.
func (t *Thread) condHolds() bool {
	k := t.k
	k.peekMem = true
	ok := false
	switch t.waitFam {
	case famVar, famVarTimeout:
		ok = t.waitCond()
	case famBit, famBitTimeout:
		ok = t.waitObj.(*Flags).v&(1<<t.waitBit) == 0
	case famCompletion:
		ok = t.waitObj.(*Completion).done > 0
	}
	k.peekMem = false
	return ok
}

// setter is the thread whose step just ended, or, in the check made right
// after a memory step flushed a store (beginStep), the thread whose store
// it was. The two are told apart by checking both: a condition over plain
// memory (a model's own Go data, as the on-demand request xarray is) made
// true by the step's own thread, while another thread's store was flushed
// before that step, is the step's thread's doing.
func (k *Kernel) setter() *Thread {
	if k.flushCheck && k.flushOwner != nil {
		return k.flushOwner
	}
	if k.lastRan >= 0 {
		return k.threads[k.lastRan]
	}
	return nil
}

// checkWakes is the per-step half of the check (endStep, while nCond > 0).
func (k *Kernel) checkWakes() {
	for _, s := range k.live {
		if !s.blocked || s.waitFam == famNone {
			continue
		}
		if !s.condHolds() {
			s.condSince, s.condBy = -1, nil
			continue
		}
		if s.condSince < 0 {
			s.condSince, s.condBy = k.step, k.setter()
		}
		if by := s.condBy; by != nil && by != s && by.done {
			k.lostWake(s, by, fmt.Sprintf("%s, whose step made it hold, returned without waking it", by.name))
			return
		}
	}
}

// checkTimeouts is the clock's half: before the clock jumps to next, a
// timed sleeper due then whose condition holds is a lost wake-up.
func (k *Kernel) checkTimeouts(next Time) {
	for _, s := range k.live {
		if !s.blocked || (s.waitFam != famVarTimeout && s.waitFam != famBitTimeout) || s.wakeAt == 0 || Before(next, s.wakeAt) {
			continue
		}
		if s.condHolds() {
			k.lostWake(s, nil, fmt.Sprintf("every thread sleeps and its wait ends by timeout at %s, although what it waits for happened earlier", s.wakeAt))
			return
		}
	}
}

// checkDeadlock is the deadlock's half: every thread sleeps and nothing is
// pending; a sleeper whose condition holds was never woken.
func (k *Kernel) checkDeadlock() bool {
	if k.nCond == 0 {
		return false
	}
	if k.buffered > 0 {
		k.drainAll()
	}
	for _, s := range k.live {
		if s.blocked && s.waitFam != famNone && s.condHolds() {
			k.lostWake(s, nil, "every thread sleeps and nothing is pending, so no wake-up will come")
			return true
		}
	}
	return false
}

// lostWake reports s's lost wake-up; by is the setter if the report is
// about it (the failure then names it as the thread at fault).
func (k *Kernel) lostWake(s, by *Thread, why string) {
	if k.failure != nil {
		return
	}
	since := s.condSince
	if since < 0 {
		since = k.step
	}
	setter := "an unknown step"
	if s.condBy != nil {
		setter = s.condBy.name
	}
	f := &Failure{Class: FailLiveness, Check: CheckLostWakeup, Step: k.step, Thread: s.id, ThreadName: s.name,
		Waiters: []Waiter{{Thread: s.id, Name: s.name, What: s.waitWhat, Since: s.waitSince}},
		Msg: fmt.Sprintf("lost wake-up: %s sleeps in %s(%s) since step %d; its condition holds since step %d (made true by %s): %s",
			s.name, famNames[s.waitFam], s.waitWhat, s.waitSince, since, setter, why)}
	if by != nil {
		f.Thread, f.ThreadName = by.id, by.name
	}
	k.failure = f
}
