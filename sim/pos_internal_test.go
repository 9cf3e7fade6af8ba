package sim

import "testing"

// After a step, POS re-draws the priority of the thread that ran and of
// every thread whose pending step conflicts with it, and of no other.
func TestPOSRedrawsConflictingOnly(t *testing.T) {
	p := &POS{}
	k := New(Options{Seed: 7, Strategy: p})
	defer k.Close()
	var x, y Var[int]
	a := k.Spawn("a", func(t *Thread) { x.Store(t, 1); x.Store(t, 2) })
	b := k.Spawn("b", func(t *Thread) { x.Load(t) })     // conflicts with a's store
	c := k.Spawn("c", func(t *Thread) { y.Store(t, 1) }) // another object
	d := k.Spawn("d", func(t *Thread) { t.Yield() })     // touches nothing
	e := k.Spawn("e", func(t *Thread) { x.Load(t) })     // conflicts too
	for _, th := range []*Thread{a, b, c, d, e} {
		k.runStep(th) // start steps: each now pends on its first access
	}
	before := map[int32]uint64{}
	for _, th := range []*Thread{a, b, c, d, e} {
		before[th.id] = p.priority(th.id)
	}
	k.runStep(a) // a stores x
	changed := map[string]bool{}
	for _, th := range []*Thread{a, b, c, d, e} {
		changed[th.name] = p.priority(th.id) != before[th.id]
	}
	want := map[string]bool{"a": true, "b": true, "c": false, "d": false, "e": true}
	for name, w := range want {
		if changed[name] != w {
			t.Errorf("thread %s: priority re-drawn %v, want %v", name, changed[name], w)
		}
	}
	// Two reads do not conflict: b's load leaves e (also a load) alone.
	before[e.id] = p.priority(e.id)
	before[a.id] = p.priority(a.id)
	k.runStep(b)
	if p.priority(e.id) != before[e.id] {
		t.Error("a load re-drew the priority of another load")
	}
	if p.priority(a.id) == before[a.id] {
		t.Error("a load did not re-draw the priority of a pending store to the same variable")
	}
}
