package sched

import "github.com/fscachesim/fscachesim/sim"

// POS is partial order sampling (Yuan, Yang, Gu, "Partial Order Aware
// Concurrency Sampling", CAV 2018). Every pending step gets a random
// priority and the enabled thread whose pending step has the highest
// priority runs. After a step runs, its thread's next step is a new step and
// gets a fresh priority, and so does the pending step of every other thread
// that conflicts with the step that ran (Access.Conflicts): a step that
// races with what just happened is as likely to go next as to wait, while a
// step that commutes with everything keeps its priority, so the
// interleavings of independent steps do not dilute the sampling of the
// orders that matter.
//
// POS implements StepObserver to see the steps the kernel runs without
// asking (when one thread is enabled). A wrapper that does not forward
// Executed leaves it with the steps it picked: it then re-draws at the next
// Pick for the step it picked last, and misses the others.
type POS struct {
	sim.Seeds

	prio     []uint64    // by thread id; 0 = not drawn yet
	lastPick *sim.Thread // the thread picked last, until Executed sees a step
	lastAcc  sim.Access
}

func (p *POS) Name() string { return "pos" }

func (p *POS) Start(seed uint64) {
	p.Seeds.Start(seed)
	p.prio = p.prio[:0]
	p.lastPick = nil
}

// draw gives thread id's pending step a fresh priority (never 0).
func (p *POS) draw(id int32) {
	for int(id) >= len(p.prio) {
		p.prio = append(p.prio, 0)
	}
	p.prio[id] = p.Sched().Uint64() | 1
}

func (p *POS) priority(id int32) uint64 {
	if int(id) >= len(p.prio) || p.prio[id] == 0 {
		p.draw(id)
	}
	return p.prio[id]
}

func (p *POS) Pick(step int64, enabled []*sim.Thread) int {
	if p.lastPick != nil {
		// No Executed since the last Pick: the observer is not wired.
		p.ran(p.lastPick, p.lastAcc)
	}
	bi, bp := 0, uint64(0)
	for i, t := range enabled {
		if pr := p.priority(t.ID()); pr > bp {
			bi, bp = i, pr
		}
	}
	p.lastPick, p.lastAcc = enabled[bi], enabled[bi].Pending()
	return bi
}

// Executed re-draws the priority of t's next step and of every pending step
// that conflicts with the step t ran.
func (p *POS) Executed(t *sim.Thread, a sim.Access, step int64) bool {
	p.lastPick = nil
	p.ran(t, a)
	return true
}

// Advanced changes no priority: the threads it wakes keep their pending
// steps, and the timer callbacks it spawns draw theirs when first seen.
func (p *POS) Advanced(k *sim.Kernel) {}

func (p *POS) ran(t *sim.Thread, a sim.Access) {
	p.draw(t.ID())
	for _, u := range t.Kernel().Live() {
		if u != t && u.Pending().Conflicts(a) {
			p.draw(u.ID())
		}
	}
}
