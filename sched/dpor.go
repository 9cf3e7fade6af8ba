package sched

import (
	"fmt"
	"strconv"

	"github.com/fscachesim/fscachesim/sim"
)

// Exhaustive is bounded exhaustive search: a depth-first walk over the tree
// of every choice of an execution (which enabled thread runs, and every
// value drawn), one execution per leaf, stateless (each execution re-runs
// its prefix from the start; the model is deterministic given the
// choices).
//
// # Bounds
//
// Bound is a preemption bound as in CHESS (Musuvathi, Qadeer, PLDI 2007): a
// preemption is switching away from the thread that ran the last step while
// it is still enabled. Switching after it blocked or returned is free, and
// so is the first choice after the clock advanced. A negative Bound is no
// bound. The first execution never preempts: it keeps running the last
// thread while it can, and otherwise takes the lowest enabled id.
//
// Values are choice points too. A Value drawn from a range of at most
// MaxValue (DefaultMaxValue when zero) is branched over every value, 0
// first; a wider range is fixed at 0, not explored (the search is then
// exhaustive only over the schedules and the narrow values). A Chance with
// a probability below one is branched both ways, no first; a certain one is
// yes and no choice.
//
// The clock needs no branching: the kernel advances it only when nothing
// can run, which the choices already determine. For the reduction an
// advance is a barrier: every step before it happens before every step
// after it.
//
// # Partial-order reduction
//
// With POR off the search enumerates every interleaving within the bound.
// With POR on and no bound it is source-set DPOR with sleep sets (Abdulla,
// Aronis, Jonsson, Sagonas, "Optimal Dynamic Partial Order Reduction", POPL
// 2014, Algorithm 1): every race of the execution is reversed by
// scheduling one initial of the reversing sequence at the race's choice
// point, and a thread whose next step is covered elsewhere sleeps until a
// dependent step runs.
//
// A preemption bound breaks the arguments of both: the execution that
// covers a pruned one may need more preemptions than the bound allows
// (Coons, Musuvathi, McKinley, "Bounded Partial-Order Reduction", OOPSLA
// 2013). Under a bound the search therefore drops sleep sets, schedules
// every initial of a race (not one), and also schedules them, as BPOR does,
// at the last choice point before the race where switching threads costs
// no extra preemption (a context switch happened there, or the previous
// thread could not run). This is what the differential tests check
// (TestExhaustivePORSound: random programs with locks, atomics, waits,
// values and sleeps, under bounds 0, 1, 2 and none, reach the same outcome
// sets with and without POR); it is not a proof.
//
// Two steps are dependent when their accesses conflict (Access.Conflicts)
// or either is a wait (AccWait): a wait's condition may read anything, so a
// wait is ordered against every step of another thread. The reduction is
// sound for what is a function of the partial order of dependent steps:
// final states, deadlocks, failures a thread raises from what it read
// through scheduling points, end-of-run checks. It assumes every step
// touches shared state only through its declared access, or under a lock
// whose acquire and release are scheduling points; a per-step check (a
// StepHook) that compares several objects may hold in the execution
// explored and fail in an equivalent one it stands for. See
// sched/dpor_test.go for the litmus programs that pin these claims down.
//
// Known gaps in the declared accesses: queueing two items on one ordered
// workqueue touches the queue under each item's own object, so the two
// are taken as independent though their order is the order they run in
// (no model code uses ordered workqueues yet); and threads are numbered in
// spawn order, so two commuting steps that each spawn a thread reach
// states equal up to the numbering of those threads, and POR explores one
// numbering.
//
// # Use
//
//	x := &Exhaustive{Bound: 2, POR: true}
//	for r, ok := x.Next(); ok; r, ok = x.Next() {
//		k := sim.New(sim.Options{Strategy: r})
//		... spawn the program's threads ...
//		res := k.Run()
//		x.Report(res)
//		if r.Pruned() {
//			continue // covered by another execution
//		}
//		... judge res; k.Log() replays it with Replay ...
//	}
//	st := x.Stats() // st.Complete: every execution within the bound was covered
//
// An Exhaustive is not safe for concurrent use, and its executions run one
// at a time: each one extends the tree the next one is drawn from.
type Exhaustive struct {
	// Bound is the preemption bound; negative is none.
	Bound int
	// POR turns on partial-order reduction.
	POR bool
	// MaxValue is the widest Value range branched over (DefaultMaxValue
	// when zero); wider ranges are fixed at 0.
	MaxValue uint64
	// MaxExecutions caps the executions started (0: no cap). Hitting it
	// leaves Stats().Complete false and Capped true.
	MaxExecutions int64

	path  []xnode
	run   ExhaustiveRun
	stats SearchStats
	begun bool
	over  bool
}

// DefaultMaxValue is the widest Value range Exhaustive branches over when
// MaxValue is zero.
const DefaultMaxValue = 4

// SearchStats is the progress of an exhaustive search.
type SearchStats struct {
	// Executions is the number of executions started.
	Executions int64
	// Explored counts the executions that ran to their end: each stands
	// for a distinct class of interleavings (with POR) or is one
	// interleaving (without).
	Explored int64
	// SleepBlocked counts the executions stopped early because every
	// thread that could run next was in the sleep set: what they would
	// reach is reached by another execution.
	SleepBlocked int64
	// Pruned counts thread choices within the bound that the reduction
	// never took (no race asked for them, or they slept).
	Pruned int64
	// Pending is the number of alternatives queued on the current path,
	// each of which starts at least one more execution: a lower bound on
	// the executions still to run, not an estimate of them.
	Pending int64
	// StepBound counts executions that hit Options.MaxSteps (reported
	// with Report): their continuations were not explored.
	StepBound int64
	// MaxDepth is the most choices seen in one execution.
	MaxDepth int
	// Complete: the search ran out of alternatives, and no execution hit
	// the step bound. Every execution within the preemption bound was
	// covered.
	Complete bool
	// Capped: the search stopped at MaxExecutions.
	Capped bool
}

func (s SearchStats) String() string {
	state := "in progress"
	switch {
	case s.Complete:
		state = "complete"
	case s.Capped:
		state = "capped"
	case s.StepBound > 0:
		state = "incomplete (step bound)"
	}
	return fmt.Sprintf("%d executions (%d explored, %d sleep-blocked), %d choices pruned, >=%d pending, %d hit the step bound: %s",
		s.Executions, s.Explored, s.SleepBlocked, s.Pruned, s.Pending, s.StepBound, state)
}

// xnode is one choice point on the current path.
type xnode struct {
	kind sim.DecisionKind

	// DecValue, DecFault: the range asked for, the values explored
	// (span: 1 when the range is too wide to branch) and the current one.
	dom, span, v uint32

	// DecThread.
	en          []int32      // enabled thread ids
	acc         []sim.Access // their pending accesses
	last        int32        // the thread that ran last, if enabled (switching away is a preemption); -1 otherwise
	pre         int          // preemptions before this choice
	choice      int32        // the thread chosen in the current execution
	todo        []xalt       // the backtrack set: choices still to explore
	done        []int32      // choices explored or being explored
	sleep       []xsleep     // the sleep set on arrival
	taken       []xsleep     // choices explored non-conservatively, in order
	takenBefore int          // taken[:takenBefore] were explored before the current choice
}

type xalt struct {
	tid  int32
	cons bool // added conservatively for the bound: explored even asleep
}

type xsleep struct {
	tid int32
	acc sim.Access
}

func (n *xnode) accOf(id int32) sim.Access {
	for i, x := range n.en {
		if x == id {
			return n.acc[i]
		}
	}
	return sim.Access{}
}

func hasID(ids []int32, id int32) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func asleep(s []xsleep, id int32) bool {
	for _, x := range s {
		if x.tid == id {
			return true
		}
	}
	return false
}

// dependent is the dependence relation of the reduction: conflicting
// accesses, and a wait against anything.
func dependent(a, b sim.Access) bool {
	if a.Kind == sim.AccWait || b.Kind == sim.AccWait {
		return true
	}
	return a.Conflicts(b)
}

// sleeps reports whether the search uses sleep sets.
func (e *Exhaustive) sleeps() bool { return e.POR && e.Bound < 0 }

func (e *Exhaustive) maxValue() uint64 {
	if e.MaxValue == 0 {
		return DefaultMaxValue
	}
	return e.MaxValue
}

// inBound reports whether choosing id at n stays within the bound.
func (e *Exhaustive) inBound(n *xnode, id int32) bool {
	if e.Bound < 0 {
		return true
	}
	cost := 0
	if n.last >= 0 && id != n.last {
		cost = 1
	}
	return n.pre+cost <= e.Bound
}

// Name describes the search ("exhaustive:2+por", "exhaustive:inf").
func (e *Exhaustive) Name() string {
	b := "inf"
	if e.Bound >= 0 {
		b = strconv.Itoa(e.Bound)
	}
	if e.POR {
		b += "+por"
	}
	return "exhaustive:" + b
}

// Next returns the strategy of the next execution, or false when the search
// is over (complete, or capped by MaxExecutions). The execution handed out
// before must have finished running.
func (e *Exhaustive) Next() (*ExhaustiveRun, bool) {
	if e.over {
		return nil, false
	}
	if e.begun {
		e.finishRun()
		if !e.backtrack() {
			e.over = true
			e.stats.Complete = e.stats.StepBound == 0
			return nil, false
		}
	}
	if e.MaxExecutions > 0 && e.stats.Executions >= e.MaxExecutions {
		e.over = true
		e.stats.Capped = true
		return nil, false
	}
	e.begun = true
	e.stats.Executions++
	e.run.reset(e)
	return &e.run, true
}

// Report tells the search how the execution it handed out last ended; an
// execution that hit the step bound makes the search incomplete.
func (e *Exhaustive) Report(res sim.Result) {
	if res.Outcome == sim.OutcomeBound {
		e.stats.StepBound++
	}
}

// Run drives the search to its end: exec runs one execution with the
// strategy it is given and returns its result, and true to stop the search
// there (at a failure, say).
func (e *Exhaustive) Run(exec func(r *ExhaustiveRun) (res sim.Result, stop bool)) SearchStats {
	for r, ok := e.Next(); ok; r, ok = e.Next() {
		res, stop := exec(r)
		e.Report(res)
		if stop {
			e.finishRun()
			break
		}
	}
	return e.Stats()
}

// Stats is the search's progress so far.
func (e *Exhaustive) Stats() SearchStats {
	s := e.stats
	s.Pending = 0
	for i := range e.path {
		n := &e.path[i]
		if n.kind != sim.DecThread {
			s.Pending += int64(n.span - n.v - 1)
			continue
		}
		for _, a := range n.todo {
			if !hasID(n.done, a.tid) && e.inBound(n, a.tid) && (a.cons || !e.POR || !asleep(n.sleep, a.tid)) {
				s.Pending++
			}
		}
	}
	return s
}

// finishRun accounts for the execution handed out last, once.
func (e *Exhaustive) finishRun() {
	r := &e.run
	if r.finished {
		return
	}
	r.finished = true
	if !r.pruned && r.err == nil {
		e.stats.Explored++
	}
	if len(e.path) > e.stats.MaxDepth {
		e.stats.MaxDepth = len(e.path)
	}
}

// backtrack moves the path to the next alternative, depth first, and
// reports false when there is none left.
func (e *Exhaustive) backtrack() bool {
	for len(e.path) > 0 {
		i := len(e.path) - 1
		n := &e.path[i]
		if n.kind != sim.DecThread {
			if n.v+1 < n.span {
				n.v++
				return true
			}
			e.path = e.path[:i]
			continue
		}
		for len(n.todo) > 0 {
			a := n.todo[0]
			n.todo = n.todo[1:]
			if hasID(n.done, a.tid) || !e.inBound(n, a.tid) {
				continue
			}
			if e.sleeps() && !a.cons && asleep(n.sleep, a.tid) {
				continue
			}
			n.done = append(n.done, a.tid)
			n.choice = a.tid
			n.takenBefore = len(n.taken)
			if e.POR && !a.cons {
				n.taken = append(n.taken, xsleep{a.tid, n.accOf(a.tid)})
			}
			return true
		}
		if e.POR {
			for _, id := range n.en {
				if !hasID(n.done, id) && e.inBound(n, id) {
					e.stats.Pruned++
				}
			}
		}
		e.path = e.path[:i]
	}
	return false
}

// ExhaustiveRun is the strategy of one execution of an exhaustive search:
// it replays the path's prefix, takes the new alternative at its end, and
// extends the path with first choices beyond it. With POR it follows every
// step (StepObserver) to find the races that call for other alternatives.
type ExhaustiveRun struct {
	e        *Exhaustive
	pos      int // next node of e.path
	replay   int // e.path[:replay] is replayed
	sleep    []xsleep
	last     int32 // the thread of the last step; -1 at the start and after the clock advanced
	pre      int   // preemptions so far
	picked   bool  // the step running was chosen by Pick at node pickNode
	pickNode int
	pruned   bool
	finished bool
	err      error

	// Happens-before, by vector clocks indexed by thread id.
	events    []xevent
	vc        [][]uint32     // per thread: the clock of its last step (or of its spawn)
	known     int            // threads seen so far
	barrier   []uint32       // the clock of the last clock advance
	barrierAt int            // events[:barrierAt] happen before every later step
	all       []uint32       // join of every step
	waits     []uint32       // join of every wait
	nontriv   []uint32       // join of every step other than start and yield
	obj0      []uint32       // join of every step on object 0
	objs      []int32        // object id -> index in pool + 1 (0: none yet): Kernel.ObjID's ids are small and dense
	objsBig   map[uint32]int // ids of objsDense and above (Thread.Point may name any)
	pool      []objClock     // reused across executions
	clocks    []uint32       // every step's clock: events[i].off, .n
	base      []uint32       // scratch
	dep, v    []int          // scratch
	waitEvs   []int          // the waits
	obj0Evs   []int          // the steps on object 0 (not start, yield or wait)
	ini       []int32        // scratch
}

// xevent is one step of the execution.
type xevent struct {
	tid  int32
	idx  uint32 // its number among its thread's steps, from 1
	acc  sim.Access
	node int // the choice point it was picked at; -1 if it was the only thread enabled
	off  int // its clock is clocks[off:off+n]
	n    int
}

// objClock is the join of the reads and of the other accesses to an object.
type objClock struct {
	r, w []uint32
	evs  []int // the steps on the object
}

func (r *ExhaustiveRun) reset(e *Exhaustive) {
	objs, objsBig, pool := r.objs, r.objsBig, r.pool[:0]
	clear(objs)
	clear(objsBig)
	*r = ExhaustiveRun{e: e, replay: len(e.path), last: -1, objs: objs, objsBig: objsBig, pool: pool,
		sleep: r.sleep[:0], events: r.events[:0], vc: r.vc[:0],
		barrier: r.barrier[:0], all: r.all[:0], waits: r.waits[:0], nontriv: r.nontriv[:0], obj0: r.obj0[:0],
		clocks: r.clocks[:0], base: r.base, dep: r.dep, v: r.v, ini: r.ini, waitEvs: r.waitEvs[:0], obj0Evs: r.obj0Evs[:0]}
}

// Name is the search's name.
func (r *ExhaustiveRun) Name() string { return r.e.Name() }

// Start does nothing: every choice comes from the search.
func (r *ExhaustiveRun) Start(seed uint64) {}

// Pruned reports whether the execution was stopped early because another
// execution covers it (sleep-set blocked). Its result is not an outcome.
func (r *ExhaustiveRun) Pruned() bool { return r.pruned }

// Preemptions is the number of preemptions the execution made so far.
func (r *ExhaustiveRun) Preemptions() int { return r.pre }

// Err reports why the execution was stopped: pruned, or the model did not
// replay the same choices from the same prefix (it is not deterministic).
func (r *ExhaustiveRun) Err() error { return r.err }

func (r *ExhaustiveRun) nondet(step int64, what string) {
	if r.err == nil {
		r.err = fmt.Errorf("exhaustive: at step %d the replayed prefix %s: the model is not deterministic given its choices", step, what)
	}
}

func (r *ExhaustiveRun) block(step int64) {
	r.pruned = true
	r.e.stats.SleepBlocked++
	if r.err == nil {
		r.err = fmt.Errorf("exhaustive: execution pruned at step %d: every thread that can run sleeps (covered by another execution)", step)
	}
}

// Pick takes the thread of the next choice point: the replayed prefix's
// choice, the new alternative at its end, or the first choice beyond it.
func (r *ExhaustiveRun) Pick(step int64, enabled []*sim.Thread) int {
	if r.err != nil {
		return -1
	}
	if r.pos < r.replay {
		if !r.checkReplayed(step, enabled) {
			return -1
		}
	} else if !r.extendPath(step, enabled) {
		return -1
	}
	n := &r.e.path[r.pos]
	r.pickNode = r.pos
	r.pos++
	if n.last >= 0 && n.choice != n.last {
		r.pre++
	}
	if r.e.POR {
		r.enterChildSleepSet(n)
	}
	r.picked = true
	for i, t := range enabled {
		if t.ID() == n.choice {
			return i
		}
	}
	r.nondet(step, "lost the chosen thread")
	return -1
}

// checkReplayed reports whether the replayed prefix's choice point at
// r.pos enables the same threads now; if not, the model is not
// deterministic and the execution stops.
func (r *ExhaustiveRun) checkReplayed(step int64, enabled []*sim.Thread) bool {
	n := &r.e.path[r.pos]
	if n.kind != sim.DecThread || len(n.en) != len(enabled) {
		r.nondet(step, "asks for another choice")
		return false
	}
	for i, t := range enabled {
		if n.en[i] != t.ID() {
			r.nondet(step, "enables other threads")
			return false
		}
	}
	return true
}

// extendPath appends a new choice point past the replayed prefix and takes
// its first choice: the thread that ran last if the bound allows and it
// does not sleep, else the lowest such thread. It reports false (and
// prunes the execution) when every enabled thread sleeps.
func (r *ExhaustiveRun) extendPath(step int64, enabled []*sim.Thread) bool {
	e := r.e
	n := xnode{kind: sim.DecThread, last: -1, pre: r.pre}
	n.en = make([]int32, len(enabled))
	n.acc = make([]sim.Access, len(enabled))
	for i, t := range enabled {
		n.en[i], n.acc[i] = t.ID(), t.Pending()
		if t.ID() == r.last {
			n.last = r.last
		}
	}
	ok := func(id int32) bool { return e.inBound(&n, id) && !(e.sleeps() && asleep(r.sleep, id)) }
	n.choice = -1
	if n.last >= 0 && ok(n.last) {
		n.choice = n.last
	} else {
		for _, id := range n.en {
			if ok(id) {
				n.choice = id
				break
			}
		}
	}
	if n.choice < 0 {
		r.block(step)
		return false
	}
	n.done = []int32{n.choice}
	if e.POR {
		n.sleep = append([]xsleep(nil), r.sleep...)
		n.taken = []xsleep{{n.choice, n.accOf(n.choice)}}
	} else {
		for _, id := range n.en {
			if id != n.choice && e.inBound(&n, id) {
				n.todo = append(n.todo, xalt{tid: id})
			}
		}
	}
	e.path = append(e.path, n)
	return true
}

// enterChildSleepSet sets the sleep set below choice point n: what slept
// at n, and the choices explored at n before this one, that commute with
// the one taken.
func (r *ExhaustiveRun) enterChildSleepSet(n *xnode) {
	acc := n.accOf(n.choice)
	s := r.sleep[:0]
	for _, x := range n.sleep {
		if x.tid != n.choice && !dependent(x.acc, acc) {
			s = append(s, x)
		}
	}
	for _, x := range n.taken[:n.takenBefore] {
		if x.tid != n.choice && !dependent(x.acc, acc) && !asleep(s, x.tid) {
			s = append(s, x)
		}
	}
	r.sleep = s
}

// choose handles a value or yes/no choice point.
func (r *ExhaustiveRun) choose(kind sim.DecisionKind, dom uint32) uint32 {
	if r.err != nil {
		return 0
	}
	e := r.e
	if r.pos < r.replay {
		n := &e.path[r.pos]
		if n.kind != kind || n.dom != dom {
			r.nondet(-1, "draws another value")
			return 0
		}
		r.pos++
		return n.v
	}
	span := dom
	if kind == sim.DecValue && uint64(dom) > e.maxValue() {
		span = 1
	}
	e.path = append(e.path, xnode{kind: kind, dom: dom, span: span})
	r.pos++
	return 0
}

func (r *ExhaustiveRun) Value(c sim.Component, n uint64) uint64 {
	return uint64(r.choose(sim.DecValue, uint32(n)))
}

func (r *ExhaustiveRun) Chance(c sim.Component, p sim.Ratio) bool {
	if p.Num >= p.Den {
		return true
	}
	return r.choose(sim.DecFault, 2) == 1
}

// Executed follows the step t ran: the sleep set, the happens-before
// clocks and the races it completes.
func (r *ExhaustiveRun) Executed(t *sim.Thread, a sim.Access, step int64) bool {
	if r.err != nil {
		return false
	}
	e := r.e
	picked := r.picked
	r.picked = false
	if !picked && e.sleeps() && asleep(r.sleep, t.ID()) {
		// t was the only thread enabled, and it sleeps.
		r.block(step)
		return false
	}
	r.last = t.ID()
	if !e.POR {
		return true
	}
	node := -1
	if picked {
		node = r.pickNode
	}
	r.record(t, a, node, step)
	s := r.sleep[:0]
	for _, x := range r.sleep {
		if x.tid != t.ID() && !dependent(x.acc, a) {
			s = append(s, x)
		}
	}
	r.sleep = s
	return true
}

// Advanced is a barrier: the steps before it happen before the steps after
// it, and nothing sleeps across it. The first choice after it is free.
func (r *ExhaustiveRun) Advanced(k *sim.Kernel) {
	r.last = -1
	if !r.e.POR {
		return
	}
	r.sleep = r.sleep[:0]
	r.barrier = join(r.barrier[:0], r.all)
	r.barrierAt = len(r.events)
	for ; r.known < len(k.Threads()); r.known++ {
		r.vc = append(r.vc, append([]uint32(nil), r.barrier...))
	}
}

func join(dst, src []uint32) []uint32 {
	for len(dst) < len(src) {
		dst = append(dst, 0)
	}
	for i, v := range src {
		if v > dst[i] {
			dst[i] = v
		}
	}
	return dst
}

// objsDense bounds the object ids indexed by a slice (Exhaustive.objs).
const objsDense = 1 << 16

// objIndex is the index in pool of object id's clock, if it has one.
func (r *ExhaustiveRun) objIndex(id uint32) (int, bool) {
	if id < objsDense {
		if int(id) < len(r.objs) && r.objs[id] != 0 {
			return int(r.objs[id]) - 1, true
		}
		return 0, false
	}
	i, ok := r.objsBig[id]
	return i, ok
}

func (r *ExhaustiveRun) setObjIndex(id uint32, i int) {
	if id < objsDense {
		if n := int(id) + 1 - len(r.objs); n > 0 {
			r.objs = append(r.objs, make([]int32, n)...)
		}
		r.objs[id] = int32(i + 1)
		return
	}
	if r.objsBig == nil {
		r.objsBig = map[uint32]int{}
	}
	r.objsBig[id] = i
}

func (r *ExhaustiveRun) obj(id uint32) *objClock {
	i, ok := r.objIndex(id)
	if !ok {
		i = len(r.pool)
		if i < cap(r.pool) {
			r.pool = r.pool[:i+1]
			r.pool[i].r, r.pool[i].w, r.pool[i].evs = r.pool[i].r[:0], r.pool[i].w[:0], r.pool[i].evs[:0]
		} else {
			r.pool = append(r.pool, objClock{})
		}
		r.setObjIndex(id, i)
	}
	return &r.pool[i]
}

// record adds the step to the happens-before relation and reverses the
// races it completes, as source-set DPOR does (Abdulla, Aronis, Jonsson,
// Sagonas, "Optimal Dynamic Partial Order Reduction", POPL 2014, Algorithm
// 1): for every earlier step e of another thread that this step e' depends
// on directly (no step in between happens after e and before e'), the
// steps after e that do not happen after it, then e', form a sequence v
// that reverses the race; one of v's initials (its threads whose first
// step in v waits for nothing else in v) must be explored before e.
func (r *ExhaustiveRun) record(t *sim.Thread, a sim.Access, node int, step int64) {
	vc := r.stepClock(t, a, step)
	r.publishClock(a, vc)
	j := len(r.events)
	off := len(r.clocks)
	r.clocks = append(r.clocks, vc...)
	r.events = append(r.events, xevent{tid: t.ID(), idx: vc[t.ID()], acc: a, node: node, off: off, n: len(vc)})
	k := t.Kernel()
	for ; r.known < len(k.Threads()); r.known++ {
		r.vc = append(r.vc, append([]uint32(nil), vc...)) // spawned by this step
	}
	r.dep = r.racingEvents(t, a, j)
	r.indexEvent(a, j)
	r.reverseDirectRaces(j)
}

// stepClock is the vector clock of t's step with access a: program order,
// the last barrier, every wait, and the earlier steps a conflicts with.
// It also leaves t's clock before the step in r.base.
func (r *ExhaustiveRun) stepClock(t *sim.Thread, a sim.Access, step int64) []uint32 {
	k := t.Kernel()
	for ; r.known < len(k.Threads()) && k.Threads()[r.known].Born() < step; r.known++ {
		// Threads spawned before the first step.
		r.vc = append(r.vc, append([]uint32(nil), r.barrier...))
	}
	base := join(r.vc[t.ID()], r.barrier) // program order and the last barrier
	r.vc[t.ID()] = base
	r.base = append(r.base[:0], base...)
	vc := join(base, r.waits)
	switch {
	case a.Kind == sim.AccWait:
		vc = join(vc, r.all)
	case a.Kind <= sim.AccYield:
	default:
		vc = join(vc, r.obj0)
		if a.Obj == 0 {
			vc = join(vc, r.nontriv)
		} else {
			o := r.obj(a.Obj)
			vc = join(vc, o.w)
			if a.Kind != sim.AccRead {
				vc = join(vc, o.r)
			}
		}
	}
	for len(vc) <= int(t.ID()) {
		vc = append(vc, 0)
	}
	vc[t.ID()]++
	r.vc[t.ID()] = vc
	return vc
}

// publishClock joins the step's clock vc into the clocks later steps
// conflicting with access a will join.
func (r *ExhaustiveRun) publishClock(a sim.Access, vc []uint32) {
	r.all = join(r.all, vc)
	switch {
	case a.Kind == sim.AccWait:
		r.waits = join(r.waits, vc)
	case a.Kind <= sim.AccYield:
	default:
		r.nontriv = join(r.nontriv, vc)
		if a.Obj == 0 {
			r.obj0 = join(r.obj0, vc)
		} else if o := r.obj(a.Obj); a.Kind == sim.AccRead {
			o.r = join(o.r, vc)
		} else {
			o.w = join(o.w, vc)
		}
	}
}

// racingEvents lists the earlier steps (since the last barrier) that t's
// step j with access a depends on and that do not already happen before it
// through its own thread.
func (r *ExhaustiveRun) racingEvents(t *sim.Thread, a sim.Access, j int) []int {
	d := r.dep[:0]
	add := func(i int) {
		if ev := &r.events[i]; i >= r.barrierAt && ev.tid != t.ID() && dependent(ev.acc, a) && !before(ev, r.base) {
			d = append(d, i)
		}
	}
	switch {
	case a.Kind == sim.AccWait || a.Kind > sim.AccYield && a.Obj == 0:
		for i := r.barrierAt; i < j; i++ {
			add(i)
		}
	default:
		// Only waits, steps on object 0 and steps on a's object can
		// depend on a.
		for _, i := range r.waitEvs {
			add(i)
		}
		if a.Kind > sim.AccYield {
			for _, i := range r.obj0Evs {
				add(i)
			}
			o, _ := r.objIndex(a.Obj)
			for _, i := range r.pool[o].evs {
				add(i)
			}
		}
	}
	return d
}

// indexEvent files step j under what later steps look it up by: the
// waits, the steps on object 0, the steps on a's object.
func (r *ExhaustiveRun) indexEvent(a sim.Access, j int) {
	switch {
	case a.Kind == sim.AccWait:
		r.waitEvs = append(r.waitEvs, j)
	case a.Kind <= sim.AccYield:
	case a.Obj == 0:
		r.obj0Evs = append(r.obj0Evs, j)
	default:
		o := r.obj(a.Obj)
		o.evs = append(o.evs, j)
	}
}

// reverseDirectRaces reverses the race of step j with each step in r.dep
// that it depends on directly: no other step of r.dep lies between them.
func (r *ExhaustiveRun) reverseDirectRaces(j int) {
	d := r.dep
	for _, i := range d {
		direct := true
		for _, x := range d {
			if x != i && r.hbEv(i, x) {
				direct = false
				break
			}
		}
		if direct {
			r.reverse(i, j)
		}
	}
}

// before reports whether ev happens before a step with clock vc.
func before(ev *xevent, vc []uint32) bool {
	return int(ev.tid) < len(vc) && vc[ev.tid] >= ev.idx
}

// hbEv reports whether event i happens before event x.
func (r *ExhaustiveRun) hbEv(i, x int) bool {
	if i < r.barrierAt {
		return i < x
	}
	ev, ex := &r.events[i], &r.events[x]
	return before(ev, r.clocks[ex.off:ex.off+ex.n])
}

// reverse handles the race of event i with event j: it makes sure an
// initial of v = notdep(i).j is explored at i's choice point (and, under a
// bound, at the last context switch before i).
func (r *ExhaustiveRun) reverse(i, j int) {
	e := r.e
	nd := r.events[i].node
	if nd < 0 {
		return // i's thread was the only one enabled: nothing can go first
	}
	n := &e.path[nd]
	ini := r.initials(r.notAfter(i, j))
	if e.Bound >= 0 {
		r.scheduleAllInitials(n, i, ini)
		return
	}
	for _, q := range ini {
		if hasID(n.done, q) || hasTodo(n, q) {
			return
		}
	}
	// Prefer an initial that does not sleep there.
	pick := int32(-1)
	for _, q := range ini {
		if hasID(n.en, q) && !asleep(n.sleep, q) {
			pick = q
			break
		}
	}
	if pick < 0 && len(ini) > 0 {
		pick = ini[0]
	}
	if pick >= 0 {
		e.addTodo(n, pick, false)
	}
}

// notAfter is v = notdep(i).j: the steps after i that do not happen after
// it, then j.
func (r *ExhaustiveRun) notAfter(i, j int) []int {
	v := r.v[:0]
	for x := i + 1; x < j; x++ {
		if !r.hbEv(i, x) {
			v = append(v, x)
		}
	}
	v = append(v, j)
	r.v = v
	return v
}

// initials are the threads of v whose first step in v waits for no other
// step of v.
func (r *ExhaustiveRun) initials(v []int) []int32 {
	ini := r.ini[:0]
	for a, x := range v {
		tid := r.events[x].tid
		if hasID(ini, tid) {
			continue
		}
		first := true
		for _, g := range v[:a] {
			if r.hbEv(g, x) {
				first = false
				break
			}
		}
		if first {
			ini = append(ini, tid)
		}
	}
	r.ini = ini
	return ini
}

// scheduleAllInitials is reverse under a preemption bound, where one
// initial may be out of bound where another is not: it schedules them all
// at i's choice point n and at the last context switch before i.
func (r *ExhaustiveRun) scheduleAllInitials(n *xnode, i int, ini []int32) {
	e := r.e
	for _, q := range ini {
		e.addTodo(n, q, false)
	}
	for x := i - 1; x >= 0; x-- {
		ev := &r.events[x]
		if ev.node >= 0 && (x == 0 || ev.tid != r.events[x-1].tid || e.path[ev.node].last < 0) {
			for _, q := range ini {
				e.addTodo(&e.path[ev.node], q, true)
			}
			break
		}
	}
}

func hasTodo(n *xnode, q int32) bool {
	for _, a := range n.todo {
		if a.tid == q {
			return true
		}
	}
	return false
}

func (e *Exhaustive) addTodo(n *xnode, p int32, cons bool) {
	if !hasID(n.en, p) {
		for _, q := range n.en {
			e.addTodo1(n, q, cons)
		}
		return
	}
	e.addTodo1(n, p, cons)
}

func (e *Exhaustive) addTodo1(n *xnode, p int32, cons bool) {
	if hasID(n.done, p) {
		return
	}
	for i := range n.todo {
		if n.todo[i].tid == p {
			n.todo[i].cons = n.todo[i].cons || cons
			return
		}
	}
	n.todo = append(n.todo, xalt{tid: p, cons: cons})
}
