package sim

// Strategy decides every choice of an execution: which enabled thread runs
// next, and every value the model, workload or fault injector draws.
// The strategies live in package sched, one per file: random.go (random
// walk), pct.go (PCT), pos.go (POS), dpor.go (bounded exhaustive search with
// partial-order reduction), replay.go (a recorded decision log). sim keeps
// only the interfaces and the default below.
type Strategy interface {
	// Name identifies the strategy and its parameters ("random", "pct:3").
	Name() string
	// Start begins an execution with the given master seed.
	Start(seed uint64)
	// Pick returns the index in enabled of the thread to run at step.
	// enabled is sorted by thread id and holds at least two threads; each
	// thread's Pending access says what its step will touch.
	Pick(step int64, enabled []*Thread) int
	// Value returns a value in [0, n), n >= 2, for component c.
	Value(c Component, n uint64) uint64
	// Chance returns yes with probability p for component c.
	Chance(c Component, p Ratio) bool
}

// StepObserver is an optional interface of a Strategy that needs to see
// every step, not only the choices: the kernel asks Pick only when two or
// more threads are enabled, so a strategy that follows what ran (POS
// re-drawing priorities, DPOR computing happens-before) implements it. The
// kernel calls it only when the strategy implements it; a strategy that
// wraps another must forward it.
type StepObserver interface {
	// Executed is called after t ran one step whose access was a (the
	// access t was pending on when the step began); step is the step's
	// number, from 1. Threads spawned during the step (and by the step
	// hooks that ran after it) exist by now. It returns false to end the
	// run at once: a search that knows the rest of the execution is
	// covered by another (a sleep-set-blocked branch) stops it. The run
	// then ends as OutcomeDiverged with the strategy's Err().
	Executed(t *Thread, a Access, step int64) bool
	// Advanced is called after the clock advanced because no thread could
	// run: timed sleepers woke and due timers fired, each callback a new
	// thread. No step ran in between.
	Advanced(k *Kernel)
}

// uniform is the strategy of a kernel built without one: it picks uniformly
// among the enabled threads, exactly as sched.RandomWalk does (sim cannot
// import sched, which imports sim).
type uniform struct{ Seeds }

func (u *uniform) Name() string { return "random" }

func (u *uniform) Pick(step int64, enabled []*Thread) int {
	return int(u.Sched().Uint64n(uint64(len(enabled))))
}
