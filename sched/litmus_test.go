package sched_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// litmus is a tiny program whose full set of outcomes is known.
type litmus struct {
	name string
	run  func(k *sim.Kernel) func() string // spawns threads, returns the outcome reader
	want []string
	// serial is the outcome set of schedules without preemption, which is
	// all PCT with depth 1 can reach.
	serial []string
}

var litmusTests = []litmus{
	{
		// Two threads do x = x + 1 with a scheduling point between the load
		// and the store: the lost update (1) and the clean result (2).
		name: "rmw-race",
		run: func(k *sim.Kernel) func() string {
			var x sim.Var[int]
			for i := 0; i < 2; i++ {
				k.Spawn(fmt.Sprintf("inc-%d", i), func(t *sim.Thread) {
					v := x.Load(t)
					x.Store(t, v+1)
				})
			}
			return func() string { return fmt.Sprint(x.Peek()) }
		},
		want:   []string{"1", "2"},
		serial: []string{"2"},
	},
	{
		// The same under a spinlock: only 2.
		name: "rmw-locked",
		run: func(k *sim.Kernel) func() string {
			var x sim.Var[int]
			var l sim.SpinLock
			for i := 0; i < 2; i++ {
				k.Spawn(fmt.Sprintf("inc-%d", i), func(t *sim.Thread) {
					l.Lock(t)
					v := x.Load(t)
					x.Store(t, v+1)
					l.Unlock(t)
				})
			}
			return func() string { return fmt.Sprint(x.Peek()) }
		},
		want:   []string{"2"},
		serial: []string{"2"},
	},
	{
		// Message passing: store data, then set the flag; the reader that
		// sees the flag must see the data. Outcomes are (flag, data) seen.
		name: "store-then-flag",
		run: func(k *sim.Kernel) func() string {
			var data, flag sim.Var[int]
			var seen string
			k.Spawn("writer", func(t *sim.Thread) {
				data.Store(t, 1)
				flag.Store(t, 1)
			})
			k.Spawn("reader", func(t *sim.Thread) {
				f := flag.Load(t)
				d := data.Load(t)
				seen = fmt.Sprintf("f=%d d=%d", f, d)
			})
			return func() string { return seen }
		},
		want:   []string{"f=0 d=0", "f=0 d=1", "f=1 d=1"},
		serial: []string{"f=0 d=0", "f=1 d=1"},
	},
	{
		// Lock-ordered handshake: the producer publishes under the lock and
		// then completes; the consumer waits for the completion and reads
		// under the lock. It can only see the data.
		name: "lock-handshake-completion",
		run: func(k *sim.Kernel) func() string {
			var x sim.Var[int]
			m := &sim.Mutex{Name: "m"}
			c := &sim.Completion{Name: "ready"}
			var seen int
			k.Spawn("producer", func(t *sim.Thread) {
				m.Lock(t)
				x.Store(t, 1)
				m.Unlock(t)
				c.Complete(t)
			})
			k.Spawn("consumer", func(t *sim.Thread) {
				c.Wait(t)
				m.Lock(t)
				seen = x.Load(t)
				m.Unlock(t)
			})
			return func() string { return fmt.Sprint(seen) }
		},
		want:   []string{"1"},
		serial: []string{"1"},
	},
	{
		// The same consumer without the completion may run first.
		name: "lock-no-handshake",
		run: func(k *sim.Kernel) func() string {
			var x sim.Var[int]
			m := &sim.Mutex{Name: "m"}
			var seen int
			k.Spawn("producer", func(t *sim.Thread) {
				m.Lock(t)
				x.Store(t, 1)
				m.Unlock(t)
			})
			k.Spawn("consumer", func(t *sim.Thread) {
				m.Lock(t)
				seen = x.Load(t)
				m.Unlock(t)
			})
			return func() string { return fmt.Sprint(seen) }
		},
		want:   []string{"0", "1"},
		serial: []string{"0", "1"},
	},
	{
		// atomic_inc is indivisible: two racing increments always give 2,
		// and each thread sees a distinct return value.
		name: "atomic-inc-race",
		run: func(k *sim.Kernel) func() string {
			var x sim.Atomic
			var got [2]int64
			for i := 0; i < 2; i++ {
				k.Spawn(fmt.Sprintf("inc-%d", i), func(t *sim.Thread) { got[i] = x.Inc(t) })
			}
			return func() string { return fmt.Sprintf("x=%d returns=%d", x.Peek(), got[0]+got[1]) }
		},
		want:   []string{"x=2 returns=3"},
		serial: []string{"x=2 returns=3"},
	},
	{
		// Two threads race to claim with cmpxchg: exactly one wins, and
		// either may.
		name: "cmpxchg-claim",
		run: func(k *sim.Kernel) func() string {
			var owner sim.Atomic
			wins := 0
			for i := 1; i <= 2; i++ {
				k.Spawn(fmt.Sprintf("claim-%d", i), func(t *sim.Thread) {
					if owner.CmpXchg(t, 0, int64(i)) == 0 {
						wins++
					}
				})
			}
			return func() string { return fmt.Sprintf("owner=%d wins=%d", owner.Peek(), wins) }
		},
		want:   []string{"owner=1 wins=1", "owner=2 wins=1"},
		serial: []string{"owner=1 wins=1", "owner=2 wins=1"},
	},
}

func outcomes(t *testing.T, l litmus, strat func() sim.Strategy, seeds int) []string {
	t.Helper()
	seen := map[string]bool{}
	for seed := 0; seed < seeds; seed++ {
		k := sim.New(sim.Options{Seed: uint64(seed), Strategy: strat()})
		out := l.run(k)
		res := k.Run()
		if res.Outcome != sim.OutcomePass {
			t.Fatalf("%s seed %d: outcome %v: %v", l.name, seed, res.Outcome, res.Failure)
		}
		seen[out()] = true
	}
	var got []string
	for s := range seen {
		got = append(got, s)
	}
	slices.Sort(got)
	return got
}

func TestLitmus(t *testing.T) {
	strategies := map[string]func() sim.Strategy{
		"random": func() sim.Strategy { return &sched.RandomWalk{} },
		"pct1":   func() sim.Strategy { return &sched.PCT{Depth: 1, Steps: 10} },
		"pct2":   func() sim.Strategy { return &sched.PCT{Depth: 2, Steps: 10} },
		"pct3":   func() sim.Strategy { return &sched.PCT{Depth: 3, Steps: 10} },
		"pos":    func() sim.Strategy { return &sched.POS{} },
	}
	names := []string{"random", "pct1", "pct2", "pct3", "pos"}
	for _, l := range litmusTests {
		for _, sn := range names {
			t.Run(l.name+"/"+sn, func(t *testing.T) {
				want := l.want
				if sn == "pct1" {
					want = l.serial
				}
				got := outcomes(t, l, strategies[sn], 400)
				if !slices.Equal(got, want) {
					t.Fatalf("outcomes %q, want exactly %q", got, want)
				}
			})
		}
	}
}
