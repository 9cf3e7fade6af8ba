package sched_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// exhaust runs the whole search x over the litmus program run and returns
// the sorted set of outcomes it reached. A failing execution's outcome is
// its failure class ("deadlock"), followed by what the program observed.
func exhaust(t *testing.T, run func(k *sim.Kernel) func() string, x *sched.Exhaustive) ([]string, sched.SearchStats) {
	t.Helper()
	seen := map[string]bool{}
	st := x.Run(func(r *sched.ExhaustiveRun) (sim.Result, bool) {
		k := sim.New(sim.Options{Strategy: r, MaxSteps: 10000})
		out := run(k)
		res := k.Run()
		if r.Pruned() {
			if res.Outcome != sim.OutcomeDiverged {
				t.Fatalf("pruned execution ended %v", res.Outcome)
			}
			return res, false
		}
		if res.Outcome == sim.OutcomeDiverged {
			t.Fatalf("execution diverged: %s", res.Diverged)
		}
		key := out()
		if res.Failure != nil {
			key = res.Failure.Class.String() + " " + key
		}
		seen[key] = true
		return res, false
	})
	var got []string
	for s := range seen {
		got = append(got, s)
	}
	slices.Sort(got)
	return got, st
}

// dporLitmus are programs for exhaustive search beyond the shared litmus
// set: deadlocks, values drawn by the model, and independence that POR
// should collapse.
var dporLitmus = []litmus{
	{
		// The waker wakes before it sets the flag: the waiter that checks
		// between the two sleeps for good. Exactly the schedules with the
		// wake before the check and the store after it fail, as a lost
		// wake-up (liveness [lost-wakeup], sim/lostwake.go).
		name: "lost-wakeup",
		run: func(k *sim.Kernel) func() string {
			var flag sim.Var[int]
			woke := false
			k.Spawn("waiter", func(t *sim.Thread) {
				sim.WaitVarEvent(t, &flag, "flag", func() bool { return flag.Peek() == 1 })
				woke = true
			})
			k.Spawn("waker", func(t *sim.Thread) {
				sim.WakeUpVar(t, &flag)
				flag.Store(t, 1)
			})
			return func() string { return fmt.Sprintf("woke=%v", woke) }
		},
		want: []string{"liveness woke=false", "woke=true"},
		// Without preemption the waiter either checks first (and is
		// woken), or runs after the waker finished.
		serial: []string{"woke=true"},
	},
	{
		// AB/BA: the only deadlock needs a preemption inside a critical
		// section.
		name: "abba",
		run: func(k *sim.Kernel) func() string {
			a, b := &sim.Mutex{Name: "A"}, &sim.Mutex{Name: "B"}
			k.Spawn("t1", func(t *sim.Thread) { a.Lock(t); b.Lock(t); b.Unlock(t); a.Unlock(t) })
			k.Spawn("t2", func(t *sim.Thread) { b.Lock(t); a.Lock(t); a.Unlock(t); b.Unlock(t) })
			return func() string { return "" }
		},
		want:   []string{"", "deadlock "},
		serial: []string{""},
	},
	{
		// Three threads write their own variables and then take a ticket
		// from a shared counter: the private stores commute, so POR
		// explores the 3! ticket orders only.
		name: "three-tickets",
		run: func(k *sim.Kernel) func() string {
			var own [3]sim.Var[int]
			var ticket sim.Atomic
			got := make([]int64, 3)
			for i := 0; i < 3; i++ {
				k.Spawn(fmt.Sprintf("t%d", i), func(t *sim.Thread) {
					own[i].Store(t, 1)
					own[i].Store(t, 2)
					got[i] = ticket.Inc(t)
				})
			}
			return func() string { return fmt.Sprint(got) }
		},
		want:   []string{"[1 2 3]", "[1 3 2]", "[2 1 3]", "[2 3 1]", "[3 1 2]", "[3 2 1]"},
		serial: []string{"[1 2 3]", "[1 3 2]", "[2 1 3]", "[2 3 1]", "[3 1 2]", "[3 2 1]"},
	},
	{
		// A value drawn by the model is a choice point: every value of a
		// narrow range is reached, and a fault either happens or not.
		name: "values",
		run: func(k *sim.Kernel) func() string {
			var x sim.Var[uint64]
			fault := false
			k.Spawn("draw", func(t *sim.Thread) {
				x.Store(t, t.Kernel().Rand(sim.CompWorkload, 3))
				fault = t.Kernel().Chance(sim.CompFaults, sim.Ratio{Num: 1, Den: 100})
			})
			k.Spawn("read", func(t *sim.Thread) {
				if x.Load(t) == 2 {
					x.Store(t, 20)
				}
			})
			return func() string { return fmt.Sprintf("x=%d fault=%v", x.Peek(), fault) }
		},
		want: []string{"x=0 fault=false", "x=0 fault=true", "x=1 fault=false", "x=1 fault=true",
			"x=2 fault=false", "x=2 fault=true", "x=20 fault=false", "x=20 fault=true"},
		serial: []string{"x=0 fault=false", "x=0 fault=true", "x=1 fault=false", "x=1 fault=true",
			"x=2 fault=false", "x=2 fault=true", "x=20 fault=false", "x=20 fault=true"},
	},
	{
		// A timer fires only when nothing else can run: the sleeper wakes
		// after the clock advanced, and the store it races with is always
		// done by then.
		name: "sleep-then-race",
		run: func(k *sim.Kernel) func() string {
			var x sim.Var[int]
			k.Spawn("sleeper", func(t *sim.Thread) {
				t.Sleep(sim.Second)
				x.Store(t, 1)
			})
			k.Spawn("writer", func(t *sim.Thread) { x.Store(t, 2) })
			return func() string { return fmt.Sprint(x.Peek()) }
		},
		want:   []string{"1"},
		serial: []string{"1"},
	},
}

// Exhaustive search reaches exactly the known outcome set of every litmus
// program and says it is complete; with POR on it reaches the same set in
// no more executions (fewer where the program has independent steps);
// with preemption bound 0 it reaches the non-preemptive subset.
func TestExhaustiveLitmus(t *testing.T) {
	fewer := map[string]bool{"three-tickets": true, "store-then-flag": true, "lock-handshake-completion": true, "values": true}
	for _, l := range append(slices.Clone(litmusTests), dporLitmus...) {
		t.Run(l.name, func(t *testing.T) {
			var explored [2]int64
			for i, por := range []bool{false, true} {
				got, st := exhaust(t, l.run, &sched.Exhaustive{Bound: -1, POR: por})
				if !slices.Equal(got, l.want) {
					t.Fatalf("por=%v: outcomes %q, want exactly %q", por, got, l.want)
				}
				if !st.Complete || st.Capped || st.Pending != 0 {
					t.Fatalf("por=%v: search not complete: %v", por, st)
				}
				explored[i] = st.Explored
				got0, st0 := exhaust(t, l.run, &sched.Exhaustive{Bound: 0, POR: por})
				if !slices.Equal(got0, l.serial) || !st0.Complete {
					t.Fatalf("por=%v bound 0: outcomes %q (%v), want exactly %q", por, got0, st0, l.serial)
				}
			}
			if explored[1] > explored[0] || fewer[l.name] && explored[1] >= explored[0] {
				t.Fatalf("POR explored %d executions, without POR %d", explored[1], explored[0])
			}
			t.Logf("explored without POR %d, with POR %d", explored[0], explored[1])
		})
	}
}

// POR's reduction on the three-ticket program is what theory says: one
// execution per order of the three increments (3! = 6), while the
// unreduced search runs every interleaving of the three threads' four
// steps each (start, two stores, the increment): 12!/(4!)^3 = 34650.
func TestExhaustiveReduction(t *testing.T) {
	var l litmus
	for _, x := range dporLitmus {
		if x.name == "three-tickets" {
			l = x
		}
	}
	_, off := exhaust(t, l.run, &sched.Exhaustive{Bound: -1})
	_, on := exhaust(t, l.run, &sched.Exhaustive{Bound: -1, POR: true})
	if on.Explored != 6 {
		t.Errorf("with POR: %d executions explored, want 6 (%v)", on.Explored, on)
	}
	if off.Explored != 34650 {
		t.Errorf("without POR: %d executions explored, want 34650 (%v)", off.Explored, off)
	}
	t.Logf("without POR: %v", off)
	t.Logf("with POR:    %v", on)
}

// With POR off, the search enumerates every interleaving within the bound:
// for two threads of n yields each, the schedules with at most b
// preemptions, counted by hand.
func TestExhaustiveCountsInterleavings(t *testing.T) {
	prog := func(n int) func(k *sim.Kernel) func() string {
		return func(k *sim.Kernel) func() string {
			for i := 0; i < 2; i++ {
				k.Spawn(fmt.Sprintf("y%d", i), func(t *sim.Thread) {
					for j := 0; j < n; j++ {
						t.Yield()
					}
				})
			}
			return func() string { return "" }
		}
	}
	// Each thread runs n+1 steps (start, n yields). Schedules of two
	// threads of m = n+1 steps: C(2m, m) = 20 for m = 3. With bound 0:
	// 2 (one thread then the other). With bound 1: each schedule is A^i
	// B^m A^(m-i) or the mirror, i in 1..m-1, plus the two serial ones:
	// 2 + 2(m-1) = 6.
	for _, c := range []struct {
		bound int
		want  int64
	}{{-1, 20}, {0, 2}, {1, 6}} {
		_, st := exhaust(t, prog(2), &sched.Exhaustive{Bound: c.bound})
		if st.Explored != c.want || !st.Complete {
			t.Errorf("bound %d: %v, want %d executions", c.bound, st, c.want)
		}
	}
}

// A failing execution of the search replays with the Replay strategy from
// its decision log to the same result.
func TestExhaustiveReplay(t *testing.T) {
	x := &sched.Exhaustive{Bound: -1, POR: true}
	found := 0
	x.Run(func(r *sched.ExhaustiveRun) (sim.Result, bool) {
		k, res, _ := runProgram(abba, 0, r, false)
		if r.Pruned() || res.Failure == nil {
			return res, false
		}
		found++
		_, r2, _ := runProgram(abba, 0, &sched.Replay{Log: k.Log(), Strict: true}, false)
		if r2.Hash != res.Hash || r2.Outcome != res.Outcome {
			t.Fatalf("replay of %v: %v hash %x, want %v hash %x", k.Log(), r2.Outcome, r2.Hash, res.Outcome, res.Hash)
		}
		return res, false
	})
	if found == 0 {
		t.Fatal("no deadlock found")
	}
}

// MaxExecutions caps the search, and the cap is reported.
func TestExhaustiveCap(t *testing.T) {
	l := dporLitmus[2] // three-tickets
	_, st := exhaust(t, l.run, &sched.Exhaustive{Bound: -1, MaxExecutions: 10})
	if st.Executions != 10 || st.Complete || !st.Capped || st.Pending == 0 {
		t.Fatalf("capped search: %v", st)
	}
}

// An execution that hits the step bound makes the search incomplete.
func TestExhaustiveStepBound(t *testing.T) {
	x := &sched.Exhaustive{Bound: 0}
	st := x.Run(func(r *sched.ExhaustiveRun) (sim.Result, bool) {
		k := sim.New(sim.Options{Strategy: r, MaxSteps: 5})
		yielders(k, 2, 10)
		return k.Run(), false
	})
	if st.Complete || st.StepBound == 0 {
		t.Fatalf("search with step-bounded executions: %v", st)
	}
}

// randomProgram builds a small program from a seed: two or three threads,
// each a few operations on two variables, an atomic and a mutex, with a
// wait on a flag sometimes. The outcome is every thread's observations
// and the final values.
func randomProgram(seed uint64) func(k *sim.Kernel) func() string {
	r := sim.NewRand(seed)
	nThreads := 2 + int(r.Uint64n(2))
	type op struct{ kind, obj, val int }
	progs := make([][]op, nThreads)
	for i := range progs {
		n := 1 + int(r.Uint64n(uint64(7-2*nThreads))) // 1-3 ops for two threads, 1-2 for three
		for j := 0; j < n; j++ {
			progs[i] = append(progs[i], op{kind: int(r.Uint64n(9)), obj: int(r.Uint64n(2)), val: 1 + int(r.Uint64n(3))})
		}
	}
	return func(k *sim.Kernel) func() string {
		var vars [2]sim.Var[int]
		var at sim.Atomic
		var flag sim.Var[int]
		m := &sim.Mutex{Name: "m"}
		obs := make([][]int, nThreads)
		for i, prog := range progs {
			k.Spawn(fmt.Sprintf("t%d", i), func(t *sim.Thread) {
				for _, o := range prog {
					switch o.kind {
					case 0:
						obs[i] = append(obs[i], vars[o.obj].Load(t))
					case 1:
						vars[o.obj].Store(t, o.val)
					case 2:
						obs[i] = append(obs[i], int(at.Add(t, int64(o.val))))
					case 3:
						m.Lock(t)
						v := vars[o.obj].Load(t)
						vars[o.obj].Store(t, v+o.val)
						m.Unlock(t)
					case 4:
						t.Yield()
					case 5:
						flag.Store(t, 1)
						sim.WakeUpVar(t, &flag)
					case 6:
						// Wait for the flag (which may deadlock: an
						// outcome too), or read it.
						if o.obj == 0 {
							sim.WaitVarEvent(t, &flag, "flag", func() bool { return flag.Peek() == 1 })
						}
						obs[i] = append(obs[i], flag.Load(t))
					case 7:
						vars[o.obj].Store(t, int(k.Rand(sim.CompWorkload, 2))+10*o.val)
					case 8:
						t.Sleep(sim.Time(o.val) * sim.Millisecond)
					}
				}
			})
		}
		return func() string {
			return fmt.Sprint(obs, vars[0].Peek(), vars[1].Peek(), at.Peek(), flag.Peek())
		}
	}
}

// Differential test of the reduction: on many random small programs, the
// search with POR reaches exactly the outcomes of the search without it,
// unbounded and under preemption bounds 0, 1 and 2.
func TestExhaustivePORSound(t *testing.T) {
	seeds := 150
	if testing.Short() {
		seeds = 40
	}
	porSound(t, 0, seeds)
}

// TestSoakExhaustivePORSound is the same over many more programs.
func TestSoakExhaustivePORSound(t *testing.T) {
	if os.Getenv("FSCACHESIM_SOAK") == "" {
		t.Skip("soak test: set FSCACHESIM_SOAK=1")
	}
	porSound(t, 1000, 5000)
}

func porSound(t *testing.T, from, n int) {
	var on, off int64
	for seed := uint64(from); seed < uint64(from+n); seed++ {
		prog := randomProgram(seed)
		for _, bound := range []int{-1, 0, 1, 2} {
			want, stOff := exhaust(t, prog, &sched.Exhaustive{Bound: bound})
			got, stOn := exhaust(t, prog, &sched.Exhaustive{Bound: bound, POR: true})
			if !slices.Equal(got, want) {
				t.Fatalf("program %d bound %d: POR reached\n  %s\nwithout POR\n  %s", seed, bound, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
			if !stOn.Complete || !stOff.Complete {
				t.Fatalf("program %d bound %d: incomplete: %v / %v", seed, bound, stOn, stOff)
			}
			on += stOn.Explored
			off += stOff.Explored
		}
	}
	if on >= off {
		t.Fatalf("POR explored %d executions, without POR %d", on, off)
	}
	t.Logf("%d programs x 4 bounds: %d executions without POR, %d with", n, off, on)
}

// The kernel's preemption count (Result.Preemptions) is the one the
// search bounds: for every execution of every litmus program under bounds
// 0, 1 and 2 it equals the search's own count and stays within the bound,
// while the decision log's count of switches (Log.Preemptions) may exceed
// it; and some execution does preempt, so the test can fail.
func TestExhaustivePreemptionCount(t *testing.T) {
	progs := append(slices.Clone(litmusTests), dporLitmus...)
	maxSeen, logAbove := 0, 0
	for _, l := range progs {
		for _, bound := range []int{0, 1, 2} {
			x := &sched.Exhaustive{Bound: bound, POR: true, MaxExecutions: 2000}
			x.Run(func(r *sched.ExhaustiveRun) (sim.Result, bool) {
				k := sim.New(sim.Options{Strategy: r, MaxSteps: 10000})
				l.run(k)
				res := k.Run()
				if r.Pruned() {
					return res, false
				}
				if res.Preemptions != r.Preemptions() || res.Preemptions > bound {
					t.Fatalf("%s bound %d: Result.Preemptions %d, the search counted %d", l.name, bound, res.Preemptions, r.Preemptions())
				}
				if n := k.Log().Preemptions(); n > res.Preemptions {
					logAbove++
				}
				maxSeen = max(maxSeen, res.Preemptions)
				return res, false
			})
		}
	}
	if maxSeen != 2 {
		t.Fatalf("no execution made 2 preemptions under bound 2 (max %d): the count is not exercised", maxSeen)
	}
	t.Logf("executions whose log shows more switches than preemptions: %d", logAbove)
}

// Objects named by Thread.Point with any id, small or beyond the range the
// search indexes densely, are told apart the same way: two threads writing
// two objects of their own, then one shared, explore the same executions
// and reach the same outcomes whatever the ids.
func TestExhaustivePointIDs(t *testing.T) {
	prog := func(base uint32) func(k *sim.Kernel) func() string {
		return func(k *sim.Kernel) func() string {
			order := ""
			for i := uint32(0); i < 2; i++ {
				k.Spawn(fmt.Sprintf("t%d", i), func(t *sim.Thread) {
					t.Point(base+i, sim.AccWrite)
					t.Point(base+2+i, sim.AccWrite)
					t.Point(base+9, sim.AccWrite)
					order += t.Name()
				})
			}
			return func() string { return order }
		}
	}
	small, stSmall := exhaust(t, prog(100), &sched.Exhaustive{Bound: -1, POR: true})
	big, stBig := exhaust(t, prog(1<<20), &sched.Exhaustive{Bound: -1, POR: true})
	if stSmall.Explored != stBig.Explored || !slices.Equal(small, big) {
		t.Fatalf("ids 100..: %d executions, outcomes %v; ids 2^20..: %d executions, outcomes %v", stSmall.Explored, small, stBig.Explored, big)
	}
	if len(small) != 2 || stSmall.Explored != 2 {
		t.Fatalf("%d executions, outcomes %v; want 2 executions, the two orders of the shared write", stSmall.Explored, small)
	}
}
