package sim_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// weakLitmus is a litmus shape whose allowed outcomes under each memory
// model are known (the LKMM's litmus tests, tools/memory-model/litmus-tests
// in the kernel tree, and the x86-TSO and PSO models): exhaustive search
// over every interleaving and every flush choice must reach exactly them.
type weakLitmus struct {
	name string
	run  func(k *sim.Kernel) func() string
	// want by memory model: sc, tso, weak.
	want [3][]string
}

var (
	sbAll = []string{"r0=0 r1=0", "r0=0 r1=1", "r0=1 r1=0", "r0=1 r1=1"}
	sbSC  = []string{"r0=0 r1=1", "r0=1 r1=0", "r0=1 r1=1"}
	mpAll = []string{"r0=0 r1=0", "r0=0 r1=1", "r0=1 r1=0", "r0=1 r1=1"}
	mpSC  = []string{"r0=0 r1=0", "r0=0 r1=1", "r0=1 r1=1"}
)

// sb is store buffering: each thread stores one variable and loads the
// other. Both loads seeing 0 needs store->load reordering; smp_mb()
// between forbids it (SB+fencembonceonces.litmus).
func sb(mb bool) func(k *sim.Kernel) func() string {
	return func(k *sim.Kernel) func() string {
		var x, y sim.Var[int]
		var r0, r1 int
		k.Spawn("P0", func(t *sim.Thread) {
			x.Store(t, 1)
			if mb {
				sim.SmpMb(t)
			}
			r0 = y.Load(t)
		})
		k.Spawn("P1", func(t *sim.Thread) {
			y.Store(t, 1)
			if mb {
				sim.SmpMb(t)
			}
			r1 = x.Load(t)
		})
		return func() string { return fmt.Sprintf("r0=%d r1=%d", r0, r1) }
	}
}

// mp is message passing: P0 stores data then flag, P1 loads flag then
// data. Flag seen (r0=1) with stale data (r1=0) needs store->store
// reordering; smp_wmb() or a release store of the flag forbids it
// (MP+pooncerelease+poacquireonce.litmus).
func mp(order string) func(k *sim.Kernel) func() string {
	return func(k *sim.Kernel) func() string {
		var data, flag sim.Var[int]
		var r0, r1 int
		k.Spawn("P0", func(t *sim.Thread) {
			data.Store(t, 1)
			switch order {
			case "wmb":
				sim.SmpWmb(t)
				flag.Store(t, 1)
			case "release":
				flag.StoreRelease(t, 1)
			default:
				flag.Store(t, 1)
			}
		})
		k.Spawn("P1", func(t *sim.Thread) {
			r0 = flag.LoadAcquire(t)
			sim.SmpRmb(t)
			r1 = data.Load(t)
		})
		return func() string { return fmt.Sprintf("r0=%d r1=%d", r0, r1) }
	}
}

var weakLitmusTests = []weakLitmus{
	{name: "SB", run: sb(false), want: [3][]string{sbSC, sbAll, sbAll}},
	{name: "SB+mbs", run: sb(true), want: [3][]string{sbSC, sbSC, sbSC}},
	{name: "MP", run: mp(""), want: [3][]string{mpSC, mpSC, mpAll}},
	{name: "MP+wmb", run: mp("wmb"), want: [3][]string{mpSC, mpSC, mpSC}},
	{name: "MP+release", run: mp("release"), want: [3][]string{mpSC, mpSC, mpSC}},
	{
		// SB on bits: set_bit() then test_bit() of another word. An
		// unordered RMW may be overtaken by a later load on the weakest
		// architectures (MemWeak), not on x86 (locked: MemTSO). Both bits
		// of one word set by two threads survive (the RMW is atomic).
		name: "SB+bits",
		run: func(k *sim.Kernel) func() string {
			var x, y, z sim.Flags
			var r0, r1 int
			k.Spawn("P0", func(t *sim.Thread) {
				x.Set(t, 0)
				z.Set(t, 0)
				if y.Test(t, 0) {
					r0 = 1
				}
			})
			k.Spawn("P1", func(t *sim.Thread) {
				y.Set(t, 0)
				z.Set(t, 1)
				if x.Test(t, 0) {
					r1 = 1
				}
			})
			return func() string {
				if z.Peek() != 3 {
					return fmt.Sprintf("lost bit update: z=%d", z.Peek())
				}
				return fmt.Sprintf("r0=%d r1=%d", r0, r1)
			}
		},
		want: [3][]string{sbSC, sbSC, sbAll},
	},
	{
		// Coherence of reads (CoRR): two loads of one variable never see
		// its stores in the reverse of their order.
		name: "CoRR",
		run: func(k *sim.Kernel) func() string {
			var x sim.Var[int]
			var r0, r1 int
			k.Spawn("P0", func(t *sim.Thread) { x.Store(t, 1); x.Store(t, 2) })
			k.Spawn("P1", func(t *sim.Thread) { r0 = x.Load(t); r1 = x.Load(t) })
			return func() string { return fmt.Sprintf("r0=%d r1=%d", r0, r1) }
		},
		want: func() [3][]string {
			w := []string{"r0=0 r1=0", "r0=0 r1=1", "r0=0 r1=2", "r0=1 r1=1", "r0=1 r1=2", "r0=2 r1=2"}
			return [3][]string{w, w, w}
		}(),
	},
	{
		// A thread reads its own store at once (store forwarding), and a
		// lock hand-off publishes what the holder stored: the unlock is a
		// release, whatever the store buffer holds. ran (written straight
		// to memory) says whether P0's critical section came first.
		name: "forward+lock",
		run: func(k *sim.Kernel) func() string {
			var x, y, ran sim.Var[int]
			var m sim.SpinLock
			var own, seen, r0, r1 int
			k.Spawn("P0", func(t *sim.Thread) {
				m.Lock(t)
				x.Store(t, 1)
				own = x.Load(t)
				y.Store(t, 1)
				ran.Set(1)
				m.Unlock(t)
			})
			k.Spawn("P1", func(t *sim.Thread) {
				m.Lock(t)
				seen = ran.Load(t)
				r0, r1 = y.Load(t), x.Load(t)
				m.Unlock(t)
			})
			return func() string { return fmt.Sprintf("own=%d ran=%d r0=%d r1=%d", own, seen, r0, r1) }
		},
		want: func() [3][]string {
			w := []string{"own=1 ran=0 r0=0 r1=0", "own=1 ran=1 r0=1 r1=1"}
			return [3][]string{w, w, w}
		}(),
	},
}

// Exhaustive search (without POR: flushes are not declared accesses)
// reaches exactly the outcomes each memory model allows.
func TestWeakMemoryLitmus(t *testing.T) {
	for _, l := range weakLitmusTests {
		for m := sim.MemSC; m <= sim.MemWeak; m++ {
			t.Run(l.name+"/"+m.String(), func(t *testing.T) {
				seen := map[string]bool{}
				x := &sched.Exhaustive{Bound: -1}
				st := x.Run(func(r *sched.ExhaustiveRun) (sim.Result, bool) {
					k := sim.New(sim.Options{Strategy: r, Memory: m, MaxSteps: 1000})
					out := l.run(k)
					res := k.Run()
					if res.Outcome != sim.OutcomePass {
						t.Fatalf("execution ended %v", res.Outcome)
					}
					if k.Buffered() != 0 {
						t.Fatalf("%d stores still buffered at the end of the run", k.Buffered())
					}
					seen[out()] = true
					return res, false
				})
				if !st.Complete {
					t.Fatalf("search incomplete: %v", st)
				}
				var got []string
				for s := range seen {
					got = append(got, s)
				}
				slices.Sort(got)
				if !slices.Equal(got, l.want[m]) {
					t.Fatalf("outcomes %q, want %q (%d executions)", got, l.want[m], st.Executions)
				}
			})
		}
	}
}

// wakePair is a waiter for cond and a waker that sets it and wakes the
// waiter, with or without the smp_mb() the kernel's wake_up_var() callers
// put between the store and the wake-up (its waitqueue_active() test is a
// plain load). Without it, the waker can find no waiter while its store
// still sits in its buffer, and the waiter, finding cond unset, sleeps for
// good: a lost wake-up, which the lost-wakeup check reports (at the
// deadlock, once the store has landed).
func wakePair(barrier bool) func(k *sim.Kernel) {
	return func(k *sim.Kernel) {
		var cond sim.Var[int]
		k.Spawn("waiter", func(t *sim.Thread) {
			sim.WaitVarEvent(t, &cond, "cond", func() bool { return cond.Peek() == 1 })
		})
		k.Spawn("waker", func(t *sim.Thread) {
			cond.Store(t, 1)
			if barrier {
				sim.SmpMb(t)
			}
			sim.WakeUpVar(t, &cond)
		})
	}
}

// firstFailure runs prog under random walk with weak memory for seeds
// 0..n-1 and returns the first seed whose run did not pass (-1 for none).
func firstFailure(t *testing.T, prog func(k *sim.Kernel), mem sim.MemoryModel, n int) (int, sim.Result) {
	t.Helper()
	for seed := 0; seed < n; seed++ {
		k := sim.New(sim.Options{Seed: uint64(seed), Strategy: &sched.RandomWalk{}, Memory: mem})
		prog(k)
		if res := k.Run(); res.Outcome != sim.OutcomePass {
			return seed, res
		}
	}
	return -1, sim.Result{}
}

// The missing barrier of a wait/wake pair is found within 10,000
// executions, as the lost wake-up it causes (liveness [lost-wakeup]
// naming the waiter); under sequential consistency it cannot be.
func TestWeakMemoryMissingWakeBarrier(t *testing.T) {
	seed, res := firstFailure(t, wakePair(false), sim.MemWeak, 10000)
	if seed < 0 {
		t.Fatal("the wait/wake pair without its barrier passed 10,000 weak-memory executions")
	}
	if res.Outcome != sim.OutcomeFail || res.Failure.Class != sim.FailLiveness || res.Failure.Check != sim.CheckLostWakeup ||
		len(res.Failure.Waiters) != 1 || res.Failure.Waiters[0].Name != "waiter" {
		t.Fatalf("seed %d: %v %v, want a lost wake-up of the waiter", seed, res.Outcome, res.Failure)
	}
	t.Logf("found at seed %d: %v", seed, res.Failure)
	if seed, _ := firstFailure(t, wakePair(false), sim.MemSC, 2000); seed >= 0 {
		t.Fatalf("seed %d: the pair failed under sequential consistency", seed)
	}
}

// With the barrier the same pair passes 100,000 weak-memory executions.
func TestWeakMemoryWakeBarrier(t *testing.T) {
	if seed, res := firstFailure(t, wakePair(true), sim.MemWeak, 100000); seed >= 0 {
		t.Fatalf("seed %d: %v %v", seed, res.Outcome, res.Failure)
	}
}

// bitWakePair is wakePair on a bit: the waiter waits for bit 0 to clear
// (wait_on_bit), the waker clears it with clear_bit_unlock() and then
// calls wake_up_bit(), without (barrier false) or with (true) the
// smp_mb__after_atomic() between them that clear_and_wake_up_bit() has.
func bitWakePair(barrier bool) func(k *sim.Kernel) {
	return func(k *sim.Kernel) {
		var f sim.Flags
		f.Init(1)
		k.Spawn("waiter", func(t *sim.Thread) { sim.WaitOnBit(t, &f, 0, "bit 0") })
		k.Spawn("waker", func(t *sim.Thread) {
			if barrier {
				sim.ClearAndWakeUpBit(t, &f, 0)
				return
			}
			f.ClearBitUnlock(t, 0)
			sim.WakeUpBit(t, &f, 0)
		})
	}
}

// clear_bit_unlock() then wake_up_bit() without smp_mb__after_atomic()
// loses the wake-up under MemWeak within 10,000 executions (the bug that
// "fscache: add a memory barrier for FSCACHE_VOLUME_CREATING" fixed);
// under MemTSO (a locked clear) and SC it cannot, and with the barrier
// (clear_and_wake_up_bit) it passes 100,000 MemWeak executions.
func TestWeakMemoryMissingBitWakeBarrier(t *testing.T) {
	seed, res := firstFailure(t, bitWakePair(false), sim.MemWeak, 10000)
	if seed < 0 {
		t.Fatal("clear_bit_unlock + wake_up_bit passed 10,000 weak-memory executions")
	}
	if res.Failure == nil || res.Failure.Check != sim.CheckLostWakeup || len(res.Failure.Waiters) != 1 || res.Failure.Waiters[0].Name != "waiter" {
		t.Fatalf("seed %d: %v %v, want a lost wake-up of the waiter", seed, res.Outcome, res.Failure)
	}
	t.Logf("found at seed %d: %v", seed, res.Failure)
	for _, m := range []sim.MemoryModel{sim.MemSC, sim.MemTSO} {
		if seed, res := firstFailure(t, bitWakePair(false), m, 2000); seed >= 0 {
			t.Fatalf("%v seed %d: %v", m, seed, res.Failure)
		}
	}
	if seed, res := firstFailure(t, bitWakePair(true), sim.MemWeak, 100000); seed >= 0 {
		t.Fatalf("with the barrier, seed %d: %v %v", seed, res.Outcome, res.Failure)
	}
}

// A weak-memory run replays from its decision log (the flushes are in it)
// and is a function of its seed.
func TestWeakMemoryReplay(t *testing.T) {
	for seed := uint64(0); seed < 200; seed++ {
		k1 := sim.New(sim.Options{Seed: seed, Memory: sim.MemWeak, Record: true})
		wakePair(false)(k1)
		r1 := k1.Run()
		k2 := sim.New(sim.Options{Strategy: &sched.Replay{Log: k1.Log(), Strict: true}, Memory: sim.MemWeak, Record: true})
		wakePair(false)(k2)
		r2 := k2.Run()
		if r1.Hash != r2.Hash || r1.Outcome != r2.Outcome || k1.Log().String() != k2.Log().String() {
			t.Fatalf("seed %d: replay differs: %v %x / %v %x (%v)", seed, r1.Outcome, r1.Hash, r2.Outcome, r2.Hash, r2.Diverged)
		}
	}
}

func TestParseMemoryModel(t *testing.T) {
	for m := sim.MemSC; m <= sim.MemWeak; m++ {
		if got, err := sim.ParseMemoryModel(m.String()); err != nil || got != m {
			t.Errorf("ParseMemoryModel(%q) = %v, %v", m, got, err)
		}
	}
	if _, err := sim.ParseMemoryModel("alpha"); err == nil {
		t.Error("ParseMemoryModel accepted alpha")
	}
}
