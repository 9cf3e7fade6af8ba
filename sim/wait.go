package sim

// Wait and wake, with the semantics of wait_var_event()/wake_up_var(),
// wait_on_bit()/wake_up_bit() and completions. A waiter checks its condition
// and goes to sleep in one step (as prepare_to_wait + check does in the
// kernel), and re-checks after every wake, so a wake-up that the waker forgot
// (or made before setting the condition) leaves the waiter asleep: with
// nothing else to run, the run stops as a deadlock naming the sleeper.
//
// Each wait records its condition and family on the sleeper (t.waitFam,
// t.waitCond), so that the lost-wakeup check (lostwake.go) can see a
// sleeper whose condition holds and that no wake-up can reach any more.

// wake makes every thread sleeping on (obj, bit) runnable.
func (k *Kernel) wake(obj any, bit int32) {
	for _, t := range k.live {
		if t.blocked && t.waitObj == obj && t.waitBit == bit {
			t.unblock()
		}
	}
}

// WaitVarEvent sleeps until cond() holds; v is the address being waited on
// (wait_var_event(v, cond)). what names the wait in deadlock reports.
func WaitVarEvent(t *Thread, v any, what string, cond func() bool) {
	t.mightSleep("wait_var_event", what)
	for {
		t.point(Access{Obj: objOf(t.k, v), Kind: AccWait})
		t.drain() // set_current_state(): a full barrier before the test
		if cond() {
			return
		}
		t.waitFam, t.waitCond = famVar, cond
		t.block(v, -1, what)
	}
}

// WaitVarEventTimeout is wait_var_event_timeout(): it sleeps until cond()
// holds or timeout passes on the virtual clock, and reports whether cond
// held. The kernel's 20 s collision waits use it to print a warning, then
// wait again without a timeout.
func WaitVarEventTimeout(t *Thread, v any, what string, timeout Time, cond func() bool) bool {
	t.mightSleep("wait_var_event_timeout", what)
	deadline := t.k.now + timeout
	for {
		t.point(Access{Obj: objOf(t.k, v), Kind: AccWait})
		t.drain() // set_current_state(): a full barrier before the test
		if cond() {
			return true
		}
		if !Before(t.k.now, deadline) {
			return false
		}
		t.wakeAt = deadline
		t.timedOut = false
		t.waitFam, t.waitCond = famVarTimeout, cond
		t.block(v, -1, what)
	}
}

// WakeUpVar wakes the threads waiting on v (wake_up_var()). Its test for
// waiters is waitqueue_active(), a plain load without a barrier: the
// caller needs smp_mb() between the store its waiters test and this call
// (weakmem.go), as the kernel's callers have.
func WakeUpVar(t *Thread, v any) {
	t.point(Access{Obj: objOf(t.k, v), Kind: AccWake})
	t.k.wakeActive(t, v, -1)
}

// WaitOnBit sleeps until bit of f is clear (wait_on_bit()).
func WaitOnBit(t *Thread, f *Flags, bit int, what string) {
	WaitOnBitTimeout(t, f, bit, what, 0)
}

// WaitOnBitTimeout is wait_on_bit_timeout(): it sleeps until bit of f is
// clear or timeout (if > 0) passes, and reports whether the bit is clear.
func WaitOnBitTimeout(t *Thread, f *Flags, bit int, what string, timeout Time) bool {
	t.mightSleep("wait_on_bit", what)
	deadline := t.k.now + timeout
	for {
		t.point(Access{Obj: t.k.ObjID(&f.id), Kind: AccWait})
		t.drain() // set_current_state(): a full barrier before the test
		if f.v&(1<<bit) == 0 {
			return true
		}
		if timeout > 0 {
			if !Before(t.k.now, deadline) {
				return false
			}
			t.wakeAt = deadline
			t.timedOut = false
			t.waitFam = famBitTimeout
		} else {
			t.waitFam = famBit
		}
		t.block(f, int32(bit), what)
	}
}

// WakeUpBit wakes the threads waiting on bit of f (wake_up_bit()). Like
// WakeUpVar it tests for waiters with a plain load: after clear_bit() the
// caller needs smp_mb__after_atomic() (SmpMbAfterAtomic).
func WakeUpBit(t *Thread, f *Flags, bit int) {
	t.point(Access{Obj: t.k.ObjID(&f.id), Kind: AccWake})
	t.k.wakeActive(t, f, int32(bit))
}

// wakeActive is __wake_up_bit / wake_up_var past waitqueue_active(): if a
// thread waits on (obj, bit), try_to_wake_up's smp_mb__after_spinlock
// makes every store of t visible before the waiter runs, and the waiters
// wake.
func (k *Kernel) wakeActive(t *Thread, obj any, bit int32) {
	if len(t.sb) > 0 {
		for _, w := range k.live {
			if w.blocked && w.waitObj == obj && w.waitBit == bit {
				t.drain()
				break
			}
		}
	}
	k.wake(obj, bit)
}

// ClearAndWakeUpBit clears bit of f and wakes its waiters in one step
// (clear_and_wake_up_bit(): clear_bit_unlock, smp_mb__after_atomic,
// wake_up_bit; the barriers are included).
func ClearAndWakeUpBit(t *Thread, f *Flags, bit int) {
	t.point(Access{Obj: t.k.ObjID(&f.id), Kind: AccWrite})
	t.drain()
	f.v &^= 1 << bit
	touch(f.gen)
	t.k.wake(f, int32(bit))
}

// objOf gives the object id of a wait address when it is one of sim's
// types; anything else is object 0 (conflicts with everything).
func objOf(k *Kernel, v any) uint32 {
	switch x := v.(type) {
	case *Atomic:
		return k.ObjID(&x.id)
	case *Flags:
		return k.ObjID(&x.id)
	case interface{ ID(*Kernel) uint32 }:
		return x.ID(k)
	}
	return 0
}

// Completion is struct completion.
type Completion struct {
	Name string
	id   uint32
	done uint32
}

// ID is the object id used in accesses.
func (c *Completion) ID(k *Kernel) uint32 { return k.ObjID(&c.id) }

// Reinit is reinit_completion().
func (c *Completion) Reinit() { c.done = 0 }

// Done reports whether the completion has been completed (completion_done()).
func (c *Completion) Done() bool { return c.done > 0 }

// Complete is complete(): it lets one waiter through.
func (c *Completion) Complete(t *Thread) {
	t.point(Access{Obj: t.k.ObjID(&c.id), Kind: AccWake})
	t.drain() // the wait queue's lock and the wake-up order it
	if c.done != ^uint32(0) {
		c.done++
	}
	t.k.wake(c, -1)
}

// CompleteAll is complete_all(): it lets every waiter through, for good.
func (c *Completion) CompleteAll(t *Thread) {
	t.point(Access{Obj: t.k.ObjID(&c.id), Kind: AccWake})
	t.drain() // the wait queue's lock and the wake-up order it
	c.done = ^uint32(0)
	t.k.wake(c, -1)
}

// Wait is wait_for_completion().
func (c *Completion) Wait(t *Thread) {
	name := c.Name
	if name == "" {
		name = "completion"
	}
	t.mightSleep("wait_for_completion", name)
	for {
		t.point(Access{Obj: t.k.ObjID(&c.id), Kind: AccWait})
		t.drain() // set_current_state(): a full barrier before the test
		if c.done > 0 {
			if c.done != ^uint32(0) {
				c.done--
			}
			return
		}
		t.waitFam = famCompletion
		t.block(c, -1, name)
	}
}
