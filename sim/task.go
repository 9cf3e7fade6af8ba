package sim

import (
	"fmt"
	"slices"
)

// The simulated thread as the rest of sim and the model see it. How a
// thread runs is the build mode's: thread.go makes it a coroutine (the
// default), thread_gort.go a free-running goroutine (build tag
// fscachesim_gort). Each defines threadRun, newThread, resume, kill,
// point, block and unblock.

// Thread is a simulated kernel thread (a task, a kworker, a timer callback).
type Thread struct {
	k    *Kernel
	id   int32
	name string
	fn   func(*Thread)
	run  threadRun // the build mode's part

	pending Access // what the thread's next step touches
	born    int64  // the kernel's step count when it was spawned (0: before the first step)
	started bool
	done    bool
	killed  bool
	// A fatal signal (signal.go): pending, and whether the thread sleeps
	// killable now.
	sigkill  bool
	killable bool

	// Blocking state. A blocked thread is not enabled.
	blocked   bool
	waitObj   any   // what it sleeps on (a lock, a variable, a flags word)
	waitBit   int32 // bit number for wait_on_bit, -1 otherwise
	waitWhat  string
	waitSince int64
	wakeAt    Time // deadline of a timed wait or sleep, 0 for none
	timedOut  bool

	// The condition of a wait by family (lostwake.go): what the sleeper
	// waits for, so that the lost-wakeup check can see it hold.
	waitFam   waitFamily  // famNone for locks, msleep, flush_work
	waitCond  func() bool // the predicate of a wait_var_event family wait
	condSince int64       // step since which the condition holds, -1 while it does not
	condBy    *Thread     // the thread whose step (or store) made it hold

	spinDepth int32 // spinlocks held: sleeping now is a bug
	atomicCtx bool  // timer callbacks run in softirq context and may not sleep
	held      []lockRef
	heldBuf   [4]lockRef // held's first backing array: most threads never hold more

	sb    []sbEntry // store buffer, oldest first (weak memory, weakmem.go)
	epoch uint32    // smp_wmb epoch of the next store
}

// lockRef is a lock a thread holds: the lock, or for a bit spinlock the
// flags word and the bit (-1 for a whole lock; kept apart so that taking a
// bit lock does not box a pair into an interface).
type lockRef struct {
	obj  any
	bit  int32
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

// Born is the kernel's step count when the thread was spawned (0: before
// the first step). The exhaustive search uses it to tell which threads a
// step created.
func (t *Thread) Born() int64 { return t.born }

// Done reports whether the thread has returned.
func (t *Thread) Done() bool { return t.done }

// Yield is a plain scheduling point that touches nothing (cond_resched()).
func (t *Thread) Yield() { t.point(Access{Kind: AccYield}) }

// Point is a scheduling point before an access to the object id (a state
// load or store the model wants interleaved). Use the typed helpers (Var,
// Atomic, Flags) where they fit.
func (t *Thread) Point(obj uint32, kind AccessKind) { t.point(Access{Obj: obj, Kind: kind}) }

// mightSleep is the kernel's might_sleep(): sleeping while holding a
// spinlock or in softirq context is a bug.
func (t *Thread) mightSleep(fn, obj string) {
	if t.spinDepth == 0 && !t.atomicCtx {
		return
	}
	// The call is named only for the report: building the name at every
	// sleep was a string concatenation per lock taken.
	what := fn
	if obj != "" {
		what = fn + "(" + obj + ")"
	}
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

func (t *Thread) pushHeld(obj any, bit int32, name string) {
	t.held = append(t.held, lockRef{obj, bit, name})
}

func (t *Thread) popHeld(obj any, bit int32) bool {
	for i := len(t.held) - 1; i >= 0; i-- {
		if t.held[i].obj == obj && t.held[i].bit == bit {
			t.held = append(t.held[:i], t.held[i+1:]...)
			return true
		}
	}
	return false
}

// markBlocked is the first half of block, the same in both build modes:
// a killed thread unwinds; otherwise it records what it sleeps on and
// since when. It is not enabled from now on.
func (t *Thread) markBlocked(obj any, bit int32, what string) {
	if t.killed {
		panic(killedT{})
	}
	t.drain() // schedule() is a full barrier
	t.blocked = true
	t.k.asleep(t)
	t.waitObj = obj
	t.waitBit = bit
	t.waitWhat = what
	t.waitSince = t.k.step
	if t.waitFam != famNone {
		t.condSince = -1
		t.condBy = nil
		t.k.nCond++
	}
}

// markAwake is unblock's part that both build modes share: t waits on
// nothing and, if it was blocked, is enabled again (it reports whether).
func (t *Thread) markAwake() bool {
	was := t.blocked
	if was {
		t.k.wakes(t)
		if t.waitFam != famNone {
			t.k.nCond--
		}
	}
	t.waitFam = famNone
	t.waitCond = nil
	t.condBy = nil
	t.blocked = false
	t.waitObj = nil
	t.waitBit = -1
	t.waitWhat = ""
	t.wakeAt = 0
	return was
}

// wakes adds t, blocked until now, to the awake threads, in id order.
func (k *Kernel) wakes(t *Thread) {
	i := len(k.awake)
	for i > 0 && k.awake[i-1].id > t.id {
		i--
	}
	k.awake = slices.Insert(k.awake, i, t)
}

// asleep removes t from the awake threads (it blocked or returned).
func (k *Kernel) asleep(t *Thread) {
	if i := slices.Index(k.awake, t); i >= 0 {
		k.awake = slices.Delete(k.awake, i, i+1)
	}
}
