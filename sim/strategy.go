package sim

// Strategy decides every choice of an execution: which enabled thread runs
// next, and every value the model, workload or fault injector draws.
// Strategies live one per file: random.go (random walk), pct.go (PCT),
// replay.go (a recorded decision log).
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
