package sim

import (
	"fmt"
	"strings"
)

// AccessKind says how a step touches its object; strategies that reduce
// the search (POS, DPOR) use it to tell which steps commute.
type AccessKind uint8

const (
	AccStart  AccessKind = iota // first step of a thread: touches nothing shared
	AccYield                    // plain scheduling point
	AccRead                     // load
	AccWrite                    // store or read-modify-write
	AccLock                     // lock acquire attempt
	AccUnlock                   // lock release
	AccWait                     // condition check before sleeping
	AccWake                     // wake-up of sleepers
	AccTimer                    // timer arm / delete
	AccQueue                    // work queueing
)

var accessNames = [...]string{"start", "yield", "read", "write", "lock", "unlock", "wait", "wake", "timer", "queue"}

func (a AccessKind) String() string {
	if int(a) < len(accessNames) {
		return accessNames[a]
	}
	return "access?"
}

// Access is what one step touches: an object id and how.
type Access struct {
	Obj  uint32
	Kind AccessKind
}

// Conflicts reports whether two accesses may not commute: they touch the same
// object and at least one is not a read. Object 0 is "unknown": it conflicts
// with everything except start and yield.
func (a Access) Conflicts(b Access) bool {
	if a.Kind <= AccYield || b.Kind <= AccYield {
		return false
	}
	if a.Obj == 0 || b.Obj == 0 {
		return true
	}
	return a.Obj == b.Obj && !(a.Kind == AccRead && b.Kind == AccRead)
}

// Options configure one execution.
type Options struct {
	// Seed is the master seed; every component's sub-seed derives from it.
	Seed uint64
	// Strategy picks the next thread and draws values; nil means a uniform
	// random walk (the same choices as sched.RandomWalk).
	Strategy Strategy
	// MaxSteps bounds the steps of one execution (default 100000). Hitting
	// it ends the run with OutcomeBound, which is reported, never silent.
	MaxSteps int64
	// Record keeps every event (for traces); without it only the running
	// hash and the last events are kept.
	Record bool
	// StepHook, if set, runs after every step (per-step invariant checks).
	// It may call Kernel.Report to end the run with a failure.
	StepHook func(k *Kernel)
	// OnEvent, if set, sees every event as it is emitted (a checker that
	// follows state changes, a coverage counter). It must not change the
	// model; it may call Kernel.Report. e is valid only during the call:
	// keep a copy (*e), never the pointer.
	OnEvent func(k *Kernel, e *Event)
	// Memory is the memory model (weakmem.go): MemSC (the default), or
	// per-thread store buffers whose flushes the strategy chooses.
	Memory MemoryModel
}

// DefaultMaxSteps is the step bound when Options.MaxSteps is zero.
const DefaultMaxSteps = 100000

// MaxRand is the largest range Kernel.Rand accepts: the decision log keeps
// a value and its range in 32 bits each.
const MaxRand = 1<<32 - 1

// Kernel is one simulated execution: its threads, clock, timers, decision
// log and event stream.
type Kernel struct {
	opts        Options
	strat       Strategy
	obs         StepObserver // strat, if it wants to see every step; nil otherwise
	threads     []*Thread    // every thread ever spawned, by id
	live        []*Thread    // threads not yet done, by id
	awake       []*Thread    // live threads not blocked, by id: kept by Spawn, block, unblock and retire
	cur         *Thread
	step        int64
	now         Time
	nextObj     uint32
	timers      []*Timer
	timerSeq    uint64
	log         Log
	hash        uint64
	events      []Event
	nEvents     int64
	scratch     Event // the event being emitted (emitValue)
	emitting    bool
	failure     *Failure
	outcome     Outcome
	running     bool   // Run is driving (not a script): a thread at a point may decide what runs next (decideHere)
	stopped     bool   // the observer ended the run (StepObserver.Executed)
	stepAcc     Access // the access of the step running now
	lastRan     int32  // id of the thread that ran the last step, -1 for none (an id, not a pointer: no write barrier per step)
	preempts    int
	switches    int
	ended       bool    // decideHere ended the step t yielded from: runStep has nothing left to do
	next        *Thread // decideHere picked the thread that runs next: Run runs it without deciding again
	hereOff     bool    // decideHere is switched off: every decision is Run's (tests compare the two)
	inHarness   bool    // hooks or Pick run on a thread's coroutine (decideHere): a panic is theirs, not the thread's
	hookPanic   any     // a hook or Pick panicked inside decideHere: runStep re-panics it outside the thread
	lives       []*Life
	expectFreed bool
	nWorkers    int
	nCond       int       // blocked threads in a wait with a recorded condition (lostwake.go)
	peekMem     bool      // Peek reads committed memory (the lost-wakeup check evaluating a condition)
	flushStep   int64     // the step whose memory step last flushed a store (weak memory)
	flushOwner  *Thread   // whose store it flushed
	flushCheck  bool      // checkWakes runs right after that flush (lostwake.go's setter)
	buffered    int       // stores waiting in store buffers (weak memory)
	elide       []string  // names of the locks whose acquire and release do nothing (ElideLocks, test-only)
	exited      []*Thread // threads that returned with stores still buffered, in exit order
	g           gortState // the goroutine build mode's state (run_gort.go); empty otherwise
	Private     any       // the model's world, for hooks that need it
	alloc       allocPlan // the allocation-failure plan (alloc.go)
}

// New prepares an execution. Spawn its threads, then call Run.
func New(opts Options) *Kernel {
	if opts.MaxSteps <= 0 {
		opts.MaxSteps = DefaultMaxSteps
	}
	if opts.Strategy == nil {
		opts.Strategy = &uniform{}
	}
	// The log's first array holds the decisions of a typical fscache
	// scenario run (~90-120), so that appending seldom copies it.
	k := &Kernel{opts: opts, strat: opts.Strategy, hash: fnvOffset, log: make(Log, 0, 128), lastRan: -1,
		threads: make([]*Thread, 0, 8), live: make([]*Thread, 0, 8), awake: make([]*Thread, 0, 8), lives: make([]*Life, 0, 8)}
	k.obs, _ = opts.Strategy.(StepObserver)
	k.strat.Start(opts.Seed)
	return k
}

// Spawn creates a thread that starts at fn. It can be called before Run (the
// scenario's threads) or by a running thread (a worker, a callback). Creating
// a thread is not itself a scheduling point.
func (k *Kernel) Spawn(name string, fn func(*Thread)) *Thread {
	t := k.newThread(name, fn)
	k.threads = append(k.threads, t)
	k.live = append(k.live, t)
	k.awake = append(k.awake, t) // the highest id yet
	k.emitSim(evSpawn, t, t.id)
	return t
}

// Now is the virtual time.
func (k *Kernel) Now() Time { return k.now }

// Step is the number of steps taken so far.
func (k *Kernel) Step() int64 { return k.step }

// Current is the running thread, or nil outside a step.
func (k *Kernel) Current() *Thread { return k.cur }

// Threads lists every thread spawned so far, by id.
func (k *Kernel) Threads() []*Thread { return k.threads }

// Log is the decision log recorded so far.
func (k *Kernel) Log() Log { return k.log }

// Hash is the running hash of every step and event.
func (k *Kernel) Hash() uint64 { return k.hash }

// Seed is the master seed of the run.
func (k *Kernel) Seed() uint64 { return k.opts.Seed }

// Strategy is the strategy driving the run.
func (k *Kernel) Strategy() Strategy { return k.strat }

// ObjID assigns an object id to *id on first use and returns it. Ids are
// assigned in execution order, so they are deterministic.
func (k *Kernel) ObjID(id *uint32) uint32 {
	if *id == 0 {
		k.nextObj++
		*id = k.nextObj
	}
	return *id
}

// Rand draws a value in [0, n) for component c through the strategy and
// records it in the decision log. n of 0 or 1 is no choice and returns 0.
// The log keeps 32 bits: n above MaxRand panics (an oops in a thread).
func (k *Kernel) Rand(c Component, n uint64) uint64 {
	if n <= 1 {
		return 0
	}
	if n > MaxRand {
		panic(fmt.Sprintf("sim: Rand range %d is above MaxRand", n))
	}
	v := k.strat.Value(c, n)
	if v >= n {
		v = n - 1
	}
	k.log = append(k.log, Decision{Kind: DecValue, V: uint32(v), N: uint32(n)})
	k.mix(0xa1, v)
	return v
}

// Chance decides yes or no with probability p for component c (a fault
// injection, say) and records the answer.
func (k *Kernel) Chance(c Component, p Ratio) bool {
	if p.Num == 0 || p.Den == 0 {
		return false
	}
	yes := k.strat.Chance(c, p)
	d := Decision{Kind: DecFault}
	if yes {
		d.V = 1
	}
	k.log = append(k.log, d)
	k.mix(0xa2, uint64(d.V))
	return yes
}

// judge sets the outcome of a run that has ended and every thread of which
// is gone, and returns its result.
func (k *Kernel) judge() Result {
	if k.stopped {
		k.outcome = OutcomeDiverged
	}
	// A replay that diverged is not the recorded run, whatever happened
	// after the divergence (a failure, the step bound): say so first.
	if d, ok := k.strat.(interface{ Err() error }); ok && d.Err() != nil {
		k.outcome = OutcomeDiverged
	}
	switch {
	case k.outcome == OutcomeDiverged:
	case k.failure != nil:
		k.outcome = OutcomeFail
	case k.outcome == OutcomePass && k.expectFreed:
		k.checkLeaks()
	}
	return k.result()
}

func (k *Kernel) retire(t *Thread) {
	if len(t.held) > 0 && k.failure == nil && !t.killed {
		k.failure = &Failure{Class: FailLockMisuse, Check: "lock-held-at-exit", Step: k.step, Thread: t.id, ThreadName: t.name,
			Msg: fmt.Sprintf("thread %s returned holding %s", t.name, t.heldNames())}
	}
	if len(t.sb) > 0 {
		// Its stores become visible later, as the strategy chooses: a
		// thread's last load and its exit are one step here, and draining
		// at once would hide the reorderings of its last stores.
		k.exited = append(k.exited, t)
	}
	k.emitSim(evExit, t, t.id)
	k.asleep(t) // a thread returns only while it runs, awake
	for i, l := range k.live {
		if l == t {
			k.live = append(k.live[:i], k.live[i+1:]...)
			break
		}
	}
}

func (k *Kernel) result() Result {
	r := Result{Outcome: k.outcome, Failure: k.failure, Steps: k.step, Decisions: len(k.log), Hash: k.hash, Time: k.now, Events: k.nEvents, Preemptions: k.preempts, Switches: k.switches}
	if k.outcome == OutcomeDiverged {
		msg := fmt.Sprintf("strategy %s could not continue at step %d", k.strat.Name(), k.step)
		if d, ok := k.strat.(interface{ Err() error }); ok && d.Err() != nil {
			msg = d.Err().Error()
		}
		r.Diverged = msg
	}
	return r
}

func (k *Kernel) deadlock() {
	if k.checkDeadlock() {
		return
	}
	f := &Failure{Class: FailDeadlock, Check: "deadlock", Step: k.step, Thread: -1}
	var b strings.Builder
	b.WriteString("every thread is blocked and no timer is pending:")
	for _, t := range k.live {
		w := Waiter{Thread: t.id, Name: t.name, What: t.waitWhat, Since: t.waitSince}
		f.Waiters = append(f.Waiters, w)
		fmt.Fprintf(&b, " [%s waits on %s since step %d]", t.name, t.waitWhat, t.waitSince)
	}
	f.Msg = b.String()
	k.failure = f
}

// Report ends the run with a failure found outside a thread (a per-step
// check). Only the first failure of a run is kept.
func (k *Kernel) Report(f *Failure) {
	if k.failure != nil {
		return
	}
	if f.Step == 0 {
		f.Step = k.step
	}
	if k.cur != nil && f.ThreadName == "" {
		f.Thread, f.ThreadName = k.cur.id, k.cur.name
	} else if f.ThreadName == "" {
		f.Thread = -1
	}
	k.failure = f
}

// AddStepHook adds fn to the hooks that run after every step (per-step
// checkers attach here after New, once the world they watch exists).
func (k *Kernel) AddStepHook(fn func(k *Kernel)) {
	if prev := k.opts.StepHook; prev != nil {
		k.opts.StepHook = func(k *Kernel) { prev(k); fn(k) }
	} else {
		k.opts.StepHook = fn
	}
}

// AddEventHook adds fn to the hooks that see every emitted event.
func (k *Kernel) AddEventHook(fn func(k *Kernel, e *Event)) {
	if prev := k.opts.OnEvent; prev != nil {
		k.opts.OnEvent = func(k *Kernel, e *Event) { prev(k, e); fn(k, e) }
	} else {
		k.opts.OnEvent = fn
	}
}

// Failure is the failure recorded so far, or nil.
func (k *Kernel) Failure() *Failure { return k.failure }

// failNow records f against t and unwinds t at once.
func (k *Kernel) failNow(t *Thread, f *Failure) {
	f.Step, f.Thread, f.ThreadName = k.step, t.id, t.name
	if k.failure == nil {
		k.failure = f
	}
	panic(killedT{})
}

// Bug is the model's BUG()/assertion: it records an invariant failure named
// check (e.g. "I-6") and stops the run.
func (t *Thread) Bug(check, format string, args ...any) {
	t.k.failNow(t, &Failure{Class: FailInvariant, Check: check, Msg: fmt.Sprintf(format, args...)})
}

func (k *Kernel) oops(t *Thread, r any, stack []byte) {
	if k.failure != nil {
		return
	}
	k.failure = &Failure{Class: FailOops, Check: "oops", Step: k.step, Thread: t.id, ThreadName: t.name,
		Msg: fmt.Sprintf("Oops: %v", r), Stack: string(stack)}
}

// Outcome is how an execution ended.
type Outcome uint8

const (
	OutcomePass  Outcome = iota // every thread returned, nothing pending, no check failed
	OutcomeFail                 // a check failed (see Result.Failure)
	OutcomeBound                // the step bound was hit
	// OutcomeDiverged: a replayed decision log did not fit the execution,
	// or the strategy ended the run (an exhaustive search's branch that
	// another execution covers: Result.Diverged says which).
	// It wins over a failure or the step bound that followed the
	// divergence; Result.Failure still holds such a failure.
	OutcomeDiverged
)

var outcomeNames = [...]string{"pass", "fail", "step-bound", "diverged"}

func (o Outcome) String() string { return outcomeNames[o] }

// FailClass classifies a failure.
type FailClass uint8

const (
	FailInvariant FailClass = iota + 1
	FailUseAfterFree
	FailDeadlock
	FailLockMisuse
	FailLiveness
	FailLinearizability
	FailLeak
	FailOops
)

var failNames = [...]string{"", "invariant", "use-after-free", "deadlock", "lock-misuse", "liveness", "linearizability", "leak", "oops"}

func (c FailClass) String() string {
	if int(c) < len(failNames) {
		return failNames[c]
	}
	return "failure?"
}

// Failure describes the first check that failed in a run.
type Failure struct {
	Class      FailClass
	Check      string // short name of the check: "I-6", "deadlock", "double-unlock"
	Msg        string
	Step       int64
	Thread     int32 // -1 when no thread was running
	ThreadName string
	Objects    []string
	Waiters    []Waiter // for deadlocks: who waits on what
	Stack      string   // for oopses: the Go stack
}

func (f *Failure) String() string {
	who := f.ThreadName
	if who == "" {
		who = "-"
	}
	return fmt.Sprintf("%s [%s] at step %d in %s: %s", f.Class, f.Check, f.Step, who, f.Msg)
}

// Waiter is one blocked thread in a deadlock report.
type Waiter struct {
	Thread int32
	Name   string
	What   string
	Since  int64
}

// Result summarises an execution.
type Result struct {
	Outcome   Outcome
	Failure   *Failure
	Diverged  string
	Steps     int64
	Decisions int
	Hash      uint64
	Time      Time
	Events    int64
	// Preemptions counts the switches away from the thread that ran the
	// step before while it could still run: the count a CHESS preemption
	// bound (sched.Exhaustive) limits. (Log.Preemptions counts every switch
	// at a choice, including those after a thread blocked.) The goroutine
	// build mode does not count them.
	Preemptions int
	// Switches counts every change of the running thread from one step to
	// the next (a timer firing in between resets it): every preemption,
	// and the switches after a thread blocked or returned. So Preemptions
	// <= Switches. The goroutine build mode does not count them either.
	Switches int
}
