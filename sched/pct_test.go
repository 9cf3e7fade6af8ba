package sched_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// ordering is a program of two threads, each recording its labels one per
// step; the bug is one exact interleaving of the labels.
func ordering(a, b []string, bug string) program {
	return func(k *sim.Kernel, seen notes) func(sim.Result) error {
		var tr trace
		for i, labels := range [][]string{a, b} {
			k.Spawn(fmt.Sprintf("t%d", i), func(t *sim.Thread) {
				for _, l := range labels {
					t.Yield()
					tr.add("%s", l)
				}
			})
		}
		return func(res sim.Result) error {
			if err := mustPass(res); err != nil {
				return err
			}
			if tr.String() == bug {
				seen.see("bug")
			}
			return nil
		}
	}
}

// A bug that needs d-1 preemptions is found by PCT with depth d within a
// bounded number of seeds, and never by depth d-1. With n = 2 threads and
// k = Steps = 8 (each program runs in at most 8 steps), Burckhardt et al.
// bound the chance of finding it in one run by 1/(n·k^(d-1)): 1/16 for
// d = 2, 1/128 for d = 3, 1/1024 for d = 4, and the bound is tight here
// (measured over 10^5 seeds or more: 1 in 16.2, 126.8, 1050). The seed
// budget is eight times the expected number of runs, so the test does not
// depend on luck; the seeds are fixed, so it is deterministic either way.
func TestPCTDepth(t *testing.T) {
	tests := []struct {
		name  string
		prog  program
		depth int // the depth that finds it
		seeds int
	}{
		{"1-preemption", ordering([]string{"a1", "a2"}, []string{"b1"}, "a1 b1 a2"), 2, 16 * 8},
		{"2-preemptions", ordering([]string{"a1", "a2"}, []string{"b1", "b2"}, "a1 b1 a2 b2"), 3, 128 * 8},
		{"3-preemptions", ordering([]string{"a1", "a2", "a3"}, []string{"b1", "b2"}, "a1 b1 a2 b2 a3"), 4, 1024 * 8},
	}
	for _, c := range tests {
		for _, depth := range []int{c.depth - 1, c.depth} {
			t.Run(fmt.Sprintf("%s/pct%d", c.name, depth), func(t *testing.T) {
				s := sweepSeeds(t, c.prog, c.seeds, func() sim.Strategy { return &sched.PCT{Depth: depth, Steps: 8} })
				found := s.seen["bug"]
				t.Logf("found in %d of %d runs", found, c.seeds)
				if depth < c.depth && found != 0 {
					t.Fatalf("depth %d found a bug of depth %d in %d of %d runs", depth, c.depth, found, c.seeds)
				}
				if depth == c.depth && found == 0 {
					t.Fatalf("depth %d did not find a bug of its depth in %d runs", depth, c.seeds)
				}
			})
		}
	}
}

// watch wraps a strategy and counts its preemptions: a choice, at the step
// right after the previous choice, of a thread other than the one chosen
// then although that one is still enabled, where the thread chosen now was
// already enabled then (so it was not just woken or spawned).
type watch struct {
	sim.Strategy
	prevStep    int64
	prevPick    int32
	prevEnabled []int32
	preempted   int
}

func (w *watch) Start(seed uint64) {
	w.Strategy.Start(seed)
	w.prevStep, w.prevPick, w.prevEnabled, w.preempted = -2, -1, w.prevEnabled[:0], 0
}

func (w *watch) Pick(step int64, enabled []*sim.Thread) int {
	i := w.Strategy.Pick(step, enabled)
	var ids []int32
	for _, t := range enabled {
		ids = append(ids, t.ID())
	}
	now := ids[i]
	if step == w.prevStep+1 && now != w.prevPick && slices.Contains(ids, w.prevPick) && slices.Contains(w.prevEnabled, now) {
		w.preempted++
	}
	w.prevStep, w.prevPick, w.prevEnabled = step, now, ids
	return i
}

// contended is three threads taking one mutex and one spinlock, with
// atomics in between: threads block and wake each other.
func contended(k *sim.Kernel, seen notes) func(sim.Result) error {
	m := &sim.Mutex{Name: "m"}
	l := &sim.SpinLock{Name: "l"}
	var n sim.Atomic
	for i := 0; i < 3; i++ {
		k.Spawn(fmt.Sprintf("t%d", i), func(t *sim.Thread) {
			for j := 0; j < 4; j++ {
				m.Lock(t)
				n.Inc(t)
				t.Yield()
				m.Unlock(t)
				l.Lock(t)
				n.Dec(t)
				l.Unlock(t)
			}
		})
	}
	return mustPass
}

// PCT with depth d preempts a running thread that is still enabled at most
// d-1 times per run (only at its change points; a switch to a thread that
// was just woken or spawned, by priority, is not a preemption). Depth 1
// never preempts. The random walk, for contrast, preempts all the time.
func TestPCTPreemptions(t *testing.T) {
	tests := []struct {
		name  string
		strat sim.Strategy
		max   int // most preemptions allowed in one run; -1: no limit
	}{
		{"pct1", &sched.PCT{Depth: 1, Steps: 60}, 0},
		{"pct2", &sched.PCT{Depth: 2, Steps: 60}, 1},
		{"pct3", &sched.PCT{Depth: 3, Steps: 60}, 2},
		{"random", &sched.RandomWalk{}, -1},
	}
	progs := []struct {
		name string
		prog program
	}{
		{"contended", contended},
		{"yielders", func(k *sim.Kernel, seen notes) func(sim.Result) error { yielders(k, 4, 10); return mustPass }},
	}
	for _, c := range tests {
		for _, p := range progs {
			t.Run(c.name+"/"+p.name, func(t *testing.T) {
				w := &watch{Strategy: c.strat}
				most := 0
				for seed := uint64(0); seed < 300; seed++ {
					_, res, err := runProgram(p.prog, seed, w, false)
					if err != nil {
						t.Fatalf("seed %d: %v", seed, err)
					}
					if res.Decisions == 0 {
						t.Fatalf("seed %d: no decisions", seed)
					}
					most = max(most, w.preempted)
				}
				switch {
				case c.max >= 0 && most != c.max:
					t.Fatalf("at most %d preemptions in a run, want at most %d and that reached", most, c.max)
				case c.max < 0 && most < 5:
					t.Fatalf("at most %d preemptions in a run: the watcher does not see them", most)
				}
			})
		}
	}
}

// A strategy's name carries its parameters.
func TestStrategyNames(t *testing.T) {
	var got []string
	for _, s := range []sim.Strategy{&sched.RandomWalk{}, &sched.PCT{}, &sched.PCT{Depth: 3}, &sched.Replay{}} {
		got = append(got, s.Name())
	}
	if want := "random pct:1 pct:3 replay"; strings.Join(got, " ") != want {
		t.Fatalf("names %q, want %q", got, want)
	}
}
