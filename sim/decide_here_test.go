//go:build !fscachesim_gort

package sim_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// hookCall is what a step hook saw: the step, the last decision logged,
// the hash so far.
type hookCall struct {
	Step         int64
	LastDecision string
	Hash         uint64
}

func runWithHooks(p program, seed uint64, strat sim.Strategy, inRunOnly bool) (*sim.Kernel, sim.Result, []hookCall) {
	k := sim.New(sim.Options{Seed: seed, Strategy: strat, Record: true, MaxSteps: 20000})
	if inRunOnly {
		sim.DecideInRunOnly(k)
	}
	p(k, notes{})
	var calls []hookCall
	k.AddStepHook(func(k *sim.Kernel) {
		last := "-"
		if len(k.Log()) > 0 {
			last = fmt.Sprint(k.Log()[len(k.Log())-1])
		}
		calls = append(calls, hookCall{k.Step(), last, k.Hash()})
	})
	return k, k.Run(), calls
}

// A thread that decides at its own point what runs next (and goes on if it
// is its own turn) runs the same execution as the scheduler deciding every
// step: the same decisions, results, events, and step hooks, under every
// strategy that samples.
func TestDecideHereIsTheSameRun(t *testing.T) {
	strategies := []func() sim.Strategy{
		func() sim.Strategy { return &sched.RandomWalk{} },
		func() sim.Strategy { return &sched.PCT{Depth: 1, Steps: 100} },
		func() sim.Strategy { return &sched.PCT{Depth: 3, Steps: 100} },
		func() sim.Strategy { return &sched.POS{} },
	}
	rapid.Check(t, func(rt *rapid.T) {
		p := genProgramGen.Draw(rt, "program").build()
		seed := rapid.Uint64().Draw(rt, "seed")
		for i, strat := range strategies {
			k1, r1, h1 := runWithHooks(p, seed, strat(), false)
			k2, r2, h2 := runWithHooks(p, seed, strat(), true)
			name := strat().Name()
			if d := cmp.Diff(r2, r1); d != "" {
				rt.Fatalf("strategy %d (%s): result differs (-scheduler decides +thread decides):\n%s", i, name, d)
			}
			if k1.Log().String() != k2.Log().String() {
				rt.Fatalf("strategy %s: decision logs differ:\n%s\n%s", name, k2.Log(), k1.Log())
			}
			if d := cmp.Diff(k2.Events(), k1.Events()); d != "" {
				rt.Fatalf("strategy %s: events differ (-scheduler decides +thread decides):\n%s", name, d)
			}
			if d := cmp.Diff(h2, h1); d != "" {
				rt.Fatalf("strategy %s: step hooks differ (-scheduler decides +thread decides):\n%s", name, d)
			}
		}
	})
}

// panicky is a random walk whose Pick panics at its n-th call.
type panicky struct {
	sched.RandomWalk
	n int
}

type pickPanic struct{}

func (p *panicky) Pick(step int64, en []*sim.Thread) int {
	if p.n--; p.n == 0 {
		panic(pickPanic{})
	}
	return p.RandomWalk.Pick(step, en)
}

// A Strategy's or a step hook's panic is the harness's: Run raises it to
// its caller, wherever the decision was taken (a panic inside a thread's
// coroutine would otherwise be taken for the thread's oops).
func TestHarnessPanicsLeaveRun(t *testing.T) {
	spin := func(k *sim.Kernel) {
		var a sim.Atomic
		for i := 0; i < 3; i++ {
			k.Spawn(fmt.Sprintf("t%d", i), func(t *sim.Thread) {
				for j := 0; j < 20; j++ {
					a.Inc(t)
				}
			})
		}
	}
	for n := 1; n <= 30; n += 7 {
		for _, hook := range []bool{false, true} {
			name := fmt.Sprintf("pick-%d", n)
			opts := sim.Options{Seed: 3, Strategy: &panicky{n: n}}
			if hook {
				name = fmt.Sprintf("hook-%d", n)
				steps := n
				opts = sim.Options{Seed: 3, StepHook: func(k *sim.Kernel) {
					if steps--; steps == 0 {
						panic(pickPanic{})
					}
				}}
			}
			t.Run(name, func(t *testing.T) {
				k := sim.New(opts)
				spin(k)
				var got any
				var res sim.Result
				func() {
					defer func() { got = recover() }()
					res = k.Run()
				}()
				if _, ok := got.(pickPanic); !ok {
					t.Fatalf("Run returned %v (%v) and raised %v, want the harness's panic raised", res.Outcome, res.Failure, got)
				}
				k.Close()
			})
		}
	}
}
