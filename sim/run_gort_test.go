//go:build fscachesim_gort

package sim

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// Tests of the goroutine build mode: go test -tags fscachesim_gort -run Gort ./sim/

// watch is a strategy that counts what the kernel asks of it: Pick must
// never be called in this mode, and Executed sees every step, so it counts
// the thread switches (consecutive steps of different threads).
type watch struct {
	uniform
	picks, steps, switches int
	last                   *Thread
}

func (w *watch) Pick(step int64, en []*Thread) int { w.picks++; return 0 }
func (w *watch) Executed(t *Thread, a Access, step int64) bool {
	w.steps++
	if w.last != nil && w.last != t {
		w.switches++
	}
	w.last = t
	return true
}
func (w *watch) Advanced(k *Kernel) {}

// settle waits for goroutines that have signalled their end to be gone,
// and reports how many there are.
func settle(want int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 200 && n > want; i++ {
		time.Sleep(5 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

// lostUpdate is two threads each incrementing x once with a scheduling
// point between the load and the store.
func lostUpdate(seed uint64, strat Strategy) (int, Result) {
	k := New(Options{Seed: seed, Strategy: strat})
	var x Var[int]
	for _, n := range []string{"inc-a", "inc-b"} {
		k.Spawn(n, func(t *Thread) {
			for range 20 {
				v := x.Load(t)
				x.Store(t, v+1)
			}
		})
	}
	res := k.Run()
	return x.Peek(), res
}

// Threads run as goroutines of their own (sim's (*Thread).main is at the
// bottom of each stack, not iter.Pull), the Strategy is never asked to
// pick, and the same seed runs different interleavings.
func TestGortThreadsAreGoroutines(t *testing.T) {
	k := New(Options{Seed: 1})
	var stacks []string
	for _, n := range []string{"a", "b"} {
		k.Spawn(n, func(t *Thread) {
			t.Yield()
			stacks = append(stacks, string(debug.Stack()))
		})
	}
	if res := k.Run(); res.Outcome != OutcomePass {
		t.Fatalf("run: %v %v", res.Outcome, res.Failure)
	}
	for _, s := range stacks {
		if !strings.Contains(s, "sim.(*Thread).main") || strings.Contains(s, "iter.Pull") {
			t.Fatalf("thread stack is not a sim goroutine's:\n%s", s)
		}
	}
	finals := map[int]int{}
	for range 500 {
		w := &watch{}
		x, res := lostUpdate(1, w)
		if res.Outcome != OutcomePass {
			t.Fatalf("run: %v %v", res.Outcome, res.Failure)
		}
		if w.picks != 0 {
			t.Fatalf("the strategy was asked to pick %d times", w.picks)
		}
		if int64(w.steps) != res.Steps {
			t.Fatalf("observer saw %d steps of %d", w.steps, res.Steps)
		}
		finals[x]++
	}
	t.Logf("final x over 500 runs of seed 1: %v", finals)
	if len(finals) < 2 {
		t.Errorf("500 runs of one seed all ended with the same x: %v (the Go runtime should interleave differently)", finals)
	}
}

// Without a lock increments get lost in some runs; the interleaving is the
// Go runtime's. Measured with and without runtime.Gosched at each point:
// the mode keeps whichever switches threads more (gortGosched).
func TestGortLostUpdate(t *testing.T) {
	defer func(g bool) { gortGosched = g }(gortGosched)
	const runs = 300
	rate := map[bool]float64{}
	for _, g := range []bool{false, true} {
		gortGosched = g
		lost, switches, steps := 0, 0, 0
		for i := range runs {
			w := &watch{}
			x, res := lostUpdate(uint64(i), w)
			if res.Outcome != OutcomePass {
				t.Fatalf("run: %v %v", res.Outcome, res.Failure)
			}
			if x < 40 {
				lost++
			}
			switches += w.switches
			steps += w.steps
		}
		rate[g] = float64(switches) / float64(steps)
		t.Logf("Gosched=%v: %d of %d runs lost an update; %.1f%% of steps switch threads", g, lost, runs, 100*rate[g])
	}
	gortGosched = true
	lost := 0
	for i := range runs {
		if x, _ := lostUpdate(uint64(i), nil); x < 40 {
			lost++
		}
	}
	if lost == 0 {
		t.Errorf("no run of %d lost an update", runs)
	}
	if rate[true] < rate[false] {
		t.Errorf("with Gosched threads switch less often (%.3f) than without (%.3f): the default is wrong", rate[true], rate[false])
	}
}

// Under sim.Mutex (and with Atomic) no update is lost.
func TestGortMutex(t *testing.T) {
	for i := range 100 {
		k := New(Options{Seed: uint64(i)})
		var m Mutex
		var s SpinLock
		var x, y Var[int]
		var a Atomic
		for _, n := range []string{"a", "b", "c"} {
			k.Spawn(n, func(t *Thread) {
				for range 30 {
					m.Lock(t)
					v := x.Load(t)
					x.Store(t, v+1)
					m.Unlock(t)
					s.Lock(t)
					v = y.Load(t)
					y.Store(t, v+1)
					s.Unlock(t)
					a.Inc(t)
				}
			})
		}
		res := k.Run()
		if res.Outcome != OutcomePass || x.Peek() != 90 || y.Peek() != 90 || a.Peek() != 90 {
			t.Fatalf("run %d: %v %v: x=%d y=%d a=%d, want 90", i, res.Outcome, res.Failure, x.Peek(), y.Peek(), a.Peek())
		}
	}
}

// Waits, completions, timers, sleeps and workqueues work, and the virtual
// clock jumps as in the coroutine build.
func TestGortWaitsTimersWorkqueues(t *testing.T) {
	for i := range 100 {
		k := New(Options{Seed: uint64(i)})
		var flag Var[int]
		var done Completion
		var fired, ran Atomic
		wq := &Workqueue{Name: "wq"}
		w := &Work{Name: "w", Func: func(t *Thread) { ran.Inc(t) }}
		tm := &Timer{Name: "tm", Func: func(t *Thread) { fired.Inc(t) }}
		k.Spawn("sleeper", func(t *Thread) {
			tm.Mod(t, 3*Second)
			t.Sleep(10 * Second)
			flag.Store(t, 1)
			WakeUpVar(t, &flag)
		})
		k.Spawn("waiter", func(t *Thread) {
			WaitVarEvent(t, &flag, "flag", func() bool { return flag.Peek() == 1 })
			done.Complete(t)
		})
		k.Spawn("worker", func(t *Thread) {
			done.Wait(t)
			QueueDelayedWork(t, wq, w, 5*Second)
			FlushWork(t, w)
			QueueWork(t, wq, w)
			FlushWork(t, w)
		})
		res := k.Run()
		if res.Outcome != OutcomePass || k.Now() != 15*Second || fired.Peek() != 1 || ran.Peek() != 2 {
			t.Fatalf("run %d: %v %v: now=%v fired=%d ran=%d, want pass, 15s, 1, 2", i, res.Outcome, res.Failure, k.Now(), fired.Peek(), ran.Peek())
		}
	}
}

// An ABBA deadlock is reported, naming both sleepers.
func TestGortDeadlock(t *testing.T) {
	base := runtime.NumGoroutine()
	for i := range 50 {
		k := New(Options{Seed: uint64(i)})
		m1, m2 := &Mutex{Name: "m1"}, &Mutex{Name: "m2"}
		var aHas, bHas Completion
		k.Spawn("a", func(t *Thread) {
			m1.Lock(t)
			aHas.Complete(t)
			bHas.Wait(t)
			m2.Lock(t)
		})
		k.Spawn("b", func(t *Thread) {
			m2.Lock(t)
			bHas.Complete(t)
			aHas.Wait(t)
			m1.Lock(t)
		})
		res := k.Run()
		if res.Outcome != OutcomeFail || res.Failure.Class != FailDeadlock || len(res.Failure.Waiters) != 2 ||
			!strings.Contains(res.Failure.Msg, "a waits on m2") || !strings.Contains(res.Failure.Msg, "b waits on m1") {
			t.Fatalf("run %d: %v %v", i, res.Outcome, res.Failure)
		}
	}
	if n := settle(base); n > base {
		t.Errorf("%d goroutines after the runs, %d before", n, base)
	}
}

// A failure ends the run: the thread still looping is unwound (its
// deferred functions run), the sleeper too, and no goroutine is left.
func TestGortFailureKillsTheRest(t *testing.T) {
	base := runtime.NumGoroutine()
	for i := range 50 {
		k := New(Options{Seed: uint64(i)})
		var never Completion
		var unwound, steps Atomic
		k.Spawn("spinner", func(t *Thread) {
			defer func() { unwound.Init(unwound.Peek() + 1) }()
			for {
				steps.Inc(t)
			}
		})
		k.Spawn("sleeper", func(t *Thread) {
			defer func() { unwound.Init(unwound.Peek() + 1) }()
			never.Wait(t)
		})
		k.Spawn("buggy", func(t *Thread) {
			for range 10 {
				t.Yield()
			}
			t.Bug("I-99", "planted")
		})
		res := k.Run()
		if res.Outcome != OutcomeFail || res.Failure.Check != "I-99" || res.Failure.ThreadName != "buggy" {
			t.Fatalf("run %d: %v %v", i, res.Outcome, res.Failure)
		}
		if unwound.Peek() != 2 || len(k.Live()) != 0 {
			t.Fatalf("run %d: %d threads unwound, %d live; want 2, 0", i, unwound.Peek(), len(k.Live()))
		}
	}
	if n := settle(base); n > base {
		t.Errorf("%d goroutines after the runs, %d before", n, base)
	}
}

// The step bound, an oops, and a StepHook's Report end the run too, and
// every step runs the hook once; nothing leaks.
func TestGortBoundOopsReport(t *testing.T) {
	base := runtime.NumGoroutine()
	for i := range 30 {
		k := New(Options{Seed: uint64(i), MaxSteps: 500})
		for _, n := range []string{"a", "b"} {
			k.Spawn(n, func(t *Thread) {
				for {
					t.Yield()
				}
			})
		}
		if res := k.Run(); res.Outcome != OutcomeBound || res.Steps != 500 {
			t.Fatalf("bound: %v %v, steps %d", res.Outcome, res.Failure, res.Steps)
		}

		k = New(Options{Seed: uint64(i)})
		k.Spawn("a", func(t *Thread) {
			for {
				t.Yield()
			}
		})
		k.Spawn("oops", func(t *Thread) {
			t.Yield()
			var p *Thread
			_ = p.name
		})
		if res := k.Run(); res.Outcome != OutcomeFail || res.Failure.Class != FailOops || res.Failure.ThreadName != "oops" {
			t.Fatalf("oops: %v %v", res.Outcome, res.Failure)
		}

		var x Atomic
		hooks := int64(0)
		k = New(Options{Seed: uint64(i), StepHook: func(k *Kernel) {
			hooks++
			if x.Peek() == 25 {
				k.Report(&Failure{Class: FailInvariant, Check: "x-25", Msg: "x reached 25"})
			}
		}})
		for _, n := range []string{"a", "b"} {
			k.Spawn(n, func(t *Thread) {
				for {
					x.Inc(t)
				}
			})
		}
		if res := k.Run(); res.Outcome != OutcomeFail || res.Failure.Check != "x-25" || hooks != res.Steps {
			t.Fatalf("report: %v %v, %d hooks for %d steps", res.Outcome, res.Failure, hooks, res.Steps)
		}

		// A Report made while Run fires a timer ends the run before any
		// further step, as in the coroutine build.
		atStep := int64(-1)
		k = New(Options{Seed: uint64(i), OnEvent: func(k *Kernel, e *Event) {
			if e.Type == evTimer {
				atStep = k.Step()
				k.Report(&Failure{Class: FailInvariant, Check: "timer", Msg: "timer fired"})
			}
		}})
		tm := &Timer{Func: func(t *Thread) { t.Yield() }}
		k.Spawn("a", func(t *Thread) {
			tm.Mod(t, Second)
			t.Sleep(2 * Second)
		})
		if res := k.Run(); res.Outcome != OutcomeFail || res.Failure.Check != "timer" || res.Steps != atStep {
			t.Fatalf("report at a timer: %v %v, %d steps, reported at %d", res.Outcome, res.Failure, res.Steps, atStep)
		}
	}
	if n := settle(base); n > base {
		t.Errorf("%d goroutines after the runs, %d before", n, base)
	}
}

// Scripted driving (RunThread, RunUntilIdle, AdvanceClock, Close) still
// runs one thread at a time, as the coroutine build does.
func TestGortScripted(t *testing.T) {
	base := runtime.NumGoroutine()
	k := New(Options{Seed: 1})
	var x Var[int]
	var order []string
	a := k.Spawn("a", func(t *Thread) {
		order = append(order, "a1")
		x.Store(t, 1)
		t.Sleep(Second)
		order = append(order, "a2")
	})
	k.Spawn("b", func(t *Thread) {
		order = append(order, "b1")
		x.Store(t, 2)
		for {
			t.Yield()
		}
	})
	if !k.RunThread(a) || x.Peek() != 1 {
		t.Fatalf("RunThread: x=%d", x.Peek())
	}
	if b, _ := a.Blocked(); !b {
		t.Fatal("a should sleep")
	}
	if !k.AdvanceClock() || !k.RunThread(a) || !a.Done() {
		t.Fatal("a should have finished after the clock moved")
	}
	k.RunThread(k.Threads()[1]) // would spin forever: stops at the step bound
	if got := strings.Join(order, " "); got != "a1 a2 b1" {
		t.Errorf("order %q, want a1 a2 b1", got)
	}
	k.Close()
	if n := settle(base); n > base {
		t.Errorf("%d goroutines after Close, %d before", n, base)
	}
}
