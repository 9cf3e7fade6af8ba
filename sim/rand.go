package sim

import "math/bits"

// This file owns the simulator's only random source. Everything random in a
// run comes from a Rand seeded from the master seed, so the same seed gives
// the same execution on any machine.

// Rand is a small integer-only pseudo-random generator (SplitMix64). It is
// not safe for concurrent use; each component of a run has its own.
type Rand struct{ s uint64 }

// NewRand returns a generator seeded with seed.
func NewRand(seed uint64) Rand { return Rand{s: seed} }

// Uint64 returns the next 64 random bits.
func (r *Rand) Uint64() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Uint64n returns a uniform value in [0, n). n must be > 0.
// It uses Lemire's multiply-and-reject method: integers only, no bias.
func (r *Rand) Uint64n(n uint64) uint64 {
	if n == 0 {
		panic("sim: Uint64n(0)")
	}
	hi, lo := bits.Mul64(r.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(r.Uint64(), n)
		}
	}
	return hi
}

// Ratio is a probability as a fraction Num/Den; no floats reach the model.
type Ratio struct{ Num, Den uint64 }

// Chance reports true with probability r.
func (r *Rand) Chance(p Ratio) bool {
	if p.Num == 0 || p.Den == 0 {
		return false
	}
	if p.Num >= p.Den {
		return true
	}
	return r.Uint64n(p.Den) < p.Num
}

// Component names a consumer of randomness. Each has its own sub-seed, so one
// component drawing more values does not shift another's stream.
type Component uint8

const (
	CompScheduler Component = iota
	CompWorkload
	CompFaults
	CompDisk
	CompMemory // which buffered store becomes visible (weak memory)
	CompAlloc  // which allocation fails (sim/alloc.go)
	numComponents
)

var componentNames = [numComponents]string{"sched", "workload", "faults", "disk", "memory", "alloc"}

func (c Component) String() string {
	if int(c) < len(componentNames) {
		return componentNames[c]
	}
	return "component?"
}

// SubSeed derives the seed of component c from the master seed.
func SubSeed(master uint64, c Component) uint64 {
	r := NewRand(master ^ (uint64(c)+1)*0xd1342543de82ef95)
	r.Uint64()
	return r.Uint64()
}

// Seeds is embedded by strategies that draw values from per-component
// generators derived from the master seed (random walk, PCT).
type Seeds struct {
	rng [numComponents]Rand
}

// Start derives the component generators from the master seed.
func (s *Seeds) Start(seed uint64) {
	for c := Component(0); c < numComponents; c++ {
		s.rng[c] = NewRand(SubSeed(seed, c))
	}
}

// Value draws a value in [0, n) from component c.
func (s *Seeds) Value(c Component, n uint64) uint64 { return s.rng[c].Uint64n(n) }

// Chance draws a yes/no with probability p from component c.
func (s *Seeds) Chance(c Component, p Ratio) bool { return s.rng[c].Chance(p) }

// Sched is the scheduler component's generator.
func (s *Seeds) Sched() *Rand { return &s.rng[CompScheduler] }
