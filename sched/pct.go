package sched

import "github.com/fscachesim/fscachesim/sim"

import (
	"cmp"
	"slices"
	"strconv"
)

// PCT is probabilistic concurrency testing with depth d (Burckhardt,
// Kothari, Musuvathi, Nagarakatte, "A Randomized Scheduler with Probabilistic
// Guarantees of Finding Bugs", ASPLOS 2010). Every thread gets a random
// priority above d when it is first seen; d-1 change points are drawn
// uniformly over the expected number of steps; the highest-priority enabled
// thread runs, and at change point k_i (the i-th drawn, not the i-th in
// time) the running thread's priority drops to i (below every initial
// priority). Keeping the pairing of k_i with i random matters: priorities by
// order in time would always leave a thread demoted later above one demoted
// earlier, so no run could switch back to the earlier one. A bug of depth d
// is found with probability at least 1/(n·k^(d-1)) per execution.
type PCT struct {
	sim.Seeds
	Depth int   // d >= 1
	Steps int64 // k, the expected steps of an execution (default 200)

	prio   []uint64 // by thread id; 0 = not yet assigned
	change []pctChange
	next   int
}

// pctChange is a priority change point: at step, the running thread's
// priority becomes prio.
type pctChange struct {
	step int64
	prio uint64
}

func (p *PCT) Name() string { return "pct:" + strconv.Itoa(p.depth()) }

func (p *PCT) depth() int {
	if p.Depth < 1 {
		return 1
	}
	return p.Depth
}

func (p *PCT) Start(seed uint64) {
	p.Seeds.Start(seed)
	p.prio = p.prio[:0]
	p.change = p.change[:0]
	p.next = 0
	k := p.Steps
	if k <= 0 {
		k = 200
	}
	for i := 1; i < p.depth(); i++ {
		p.change = append(p.change, pctChange{step: 1 + int64(p.Sched().Uint64n(uint64(k))), prio: uint64(i)})
	}
	slices.SortStableFunc(p.change, func(a, b pctChange) int { return cmp.Compare(a.step, b.step) })
}

func (p *PCT) priority(id int32) uint64 {
	for int(id) >= len(p.prio) {
		p.prio = append(p.prio, 0)
	}
	if p.prio[id] == 0 {
		p.prio[id] = uint64(p.depth()) + 1 + p.Sched().Uint64n(1<<48)
	}
	return p.prio[id]
}

func (p *PCT) best(enabled []*sim.Thread) int {
	bi, bp := 0, uint64(0)
	for i, t := range enabled {
		if pr := p.priority(t.ID()); pr > bp {
			bi, bp = i, pr
		}
	}
	return bi
}

func (p *PCT) Pick(step int64, enabled []*sim.Thread) int {
	i := p.best(enabled)
	for p.next < len(p.change) && p.change[p.next].step <= step {
		p.prio[enabled[i].ID()] = p.change[p.next].prio
		p.next++
		i = p.best(enabled)
	}
	return i
}
