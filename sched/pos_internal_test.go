package sched

import "github.com/fscachesim/fscachesim/sim"

import "testing"

// After a step, POS re-draws the priority of the thread that ran and of
// every thread whose pending step conflicts with it, and of no other.
func TestPOSRedrawsConflictingOnly(t *testing.T) {
	p := &POS{}
	k := sim.New(sim.Options{Seed: 7, Strategy: p})
	defer k.Close()
	var x, y sim.Var[int]
	a := k.Spawn("a", func(t *sim.Thread) { x.Store(t, 1); x.Store(t, 2) })
	b := k.Spawn("b", func(t *sim.Thread) { x.Load(t) })     // conflicts with a's store
	c := k.Spawn("c", func(t *sim.Thread) { y.Store(t, 1) }) // another object
	d := k.Spawn("d", func(t *sim.Thread) { t.Yield() })     // touches nothing
	e := k.Spawn("e", func(t *sim.Thread) { x.Load(t) })     // conflicts too
	for _, th := range []*sim.Thread{a, b, c, d, e} {
		k.StepThread(th) // start steps: each now pends on its first access
	}
	before := map[int32]uint64{}
	for _, th := range []*sim.Thread{a, b, c, d, e} {
		before[th.ID()] = p.priority(th.ID())
	}
	k.StepThread(a) // a stores x
	changed := map[string]bool{}
	for _, th := range []*sim.Thread{a, b, c, d, e} {
		changed[th.Name()] = p.priority(th.ID()) != before[th.ID()]
	}
	want := map[string]bool{"a": true, "b": true, "c": false, "d": false, "e": true}
	for name, w := range want {
		if changed[name] != w {
			t.Errorf("thread %s: priority re-drawn %v, want %v", name, changed[name], w)
		}
	}
	// Two reads do not conflict: b's load leaves e (also a load) alone.
	before[e.ID()] = p.priority(e.ID())
	before[a.ID()] = p.priority(a.ID())
	k.StepThread(b)
	if p.priority(e.ID()) != before[e.ID()] {
		t.Error("a load re-drew the priority of another load")
	}
	if p.priority(a.ID()) == before[a.ID()] {
		t.Error("a load did not re-draw the priority of a pending store to the same variable")
	}
}
