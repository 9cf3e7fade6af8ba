package sim

import (
	"fmt"
	"iter"
	"runtime/debug"
)

// This file owns the coroutines. A simulated thread is an iter.Pull
// coroutine: it runs only when the scheduler resumes it and hands control back
// at every scheduling point, so exactly one simulated thread runs at a time.

// Thread is a simulated kernel thread (a task, a kworker, a timer callback).
type Thread struct {
	k     *Kernel
	id    int32
	name  string
	fn    func(*Thread)
	next  func() (struct{}, bool)
	stop  func()
	yield func(struct{}) bool

	pending Access // what the thread's next step touches
	born    int64  // the kernel's step count when it was spawned (0: before the first step)
	started bool
	done    bool
	killed  bool

	// Blocking state. A blocked thread is not enabled.
	blocked   bool
	waitObj   any   // what it sleeps on (a lock, a variable, a flags word)
	waitBit   int32 // bit number for wait_on_bit, -1 otherwise
	waitWhat  string
	waitSince int64
	wakeAt    Time // deadline of a timed wait or sleep, 0 for none
	timedOut  bool

	spinDepth int32 // spinlocks held: sleeping now is a bug
	atomicCtx bool  // timer callbacks run in softirq context and may not sleep
	held      []lockRef
}

type lockRef struct {
	obj  any
	name string
}

// killedT is thrown to unwind a thread whose execution is being torn down.
type killedT struct{}

// ID is the thread's number in its run (0, 1, 2 ... in spawn order).
func (t *Thread) ID() int32 { return t.id }

// Name is the thread's comm, as ftrace would print it.
func (t *Thread) Name() string { return t.name }

// Pending is the access the thread's next step will make. Strategies use it
// to tell which steps commute.
func (t *Thread) Pending() Access { return t.pending }

// Kernel is the run the thread belongs to.
func (t *Thread) Kernel() *Kernel { return t.k }

// Done reports whether the thread has returned.
func (t *Thread) Done() bool { return t.done }

func (k *Kernel) newThread(name string, fn func(*Thread)) *Thread {
	t := &Thread{k: k, id: int32(len(k.threads)), name: name, fn: fn, waitBit: -1, born: k.step}
	t.pending = Access{Kind: AccStart}
	t.next, t.stop = iter.Pull(func(yield func(struct{}) bool) {
		t.yield = yield
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(killedT); !ok {
					k.oops(t, r, debug.Stack())
				}
			}
		}()
		t.fn(t)
	})
	return t
}

// resume runs t until its next scheduling point or until it returns.
func (t *Thread) resume() {
	t.started = true
	if _, ok := t.next(); !ok {
		t.done = true
	}
}

// kill tears down a thread that has not finished.
func (t *Thread) kill() {
	if t.done {
		return
	}
	t.killed = true
	if t.started {
		t.stop()
	} else {
		t.stop()
	}
	t.done = true
}

// point is a scheduling point: record what the next step touches and hand
// control to the scheduler. It returns when the scheduler picks t again.
func (t *Thread) point(a Access) {
	if t.killed {
		panic(killedT{})
	}
	t.pending = a
	if !t.yield(struct{}{}) {
		t.killed = true
		panic(killedT{})
	}
	if t.killed {
		panic(killedT{})
	}
}

// Yield is a plain scheduling point that touches nothing (cond_resched()).
func (t *Thread) Yield() { t.point(Access{Kind: AccYield}) }

// Point is a scheduling point before an access to the object id (a state
// load or store the model wants interleaved). Use the typed helpers (Var,
// Atomic, Flags) where they fit.
func (t *Thread) Point(obj uint32, kind AccessKind) { t.point(Access{Obj: obj, Kind: kind}) }

// block parks the thread until something wakes it (wake) or its deadline
// passes. The caller re-checks its condition afterwards.
func (t *Thread) block(obj any, bit int32, what string) {
	if t.killed {
		panic(killedT{})
	}
	t.blocked = true
	t.waitObj = obj
	t.waitBit = bit
	t.waitWhat = what
	t.waitSince = t.k.step
	if !t.yield(struct{}{}) {
		t.killed = true
		panic(killedT{})
	}
	if t.killed {
		panic(killedT{})
	}
}

func (t *Thread) unblock() {
	t.blocked = false
	t.waitObj = nil
	t.waitBit = -1
	t.waitWhat = ""
	t.wakeAt = 0
}

// mightSleep is the kernel's might_sleep(): sleeping while holding a
// spinlock or in softirq context is a bug.
func (t *Thread) mightSleep(what string) {
	if t.spinDepth > 0 {
		t.k.failNow(t, &Failure{Class: FailLockMisuse, Check: "sleep-in-atomic",
			Msg: fmt.Sprintf("BUG: sleeping function called from invalid context: %s while holding %s", what, t.heldNames())})
	}
	if t.atomicCtx {
		t.k.failNow(t, &Failure{Class: FailLockMisuse, Check: "sleep-in-atomic",
			Msg: fmt.Sprintf("BUG: sleeping function called from invalid context: %s in softirq (timer callback)", what)})
	}
}

func (t *Thread) heldNames() string {
	s := ""
	for i, h := range t.held {
		if i > 0 {
			s += ", "
		}
		s += h.name
	}
	return s
}

func (t *Thread) pushHeld(obj any, name string) { t.held = append(t.held, lockRef{obj, name}) }

func (t *Thread) popHeld(obj any) bool {
	for i := len(t.held) - 1; i >= 0; i-- {
		if t.held[i].obj == obj {
			t.held = append(t.held[:i], t.held[i+1:]...)
			return true
		}
	}
	return false
}
