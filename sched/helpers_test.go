// The helpers sim's tests use (sim/helpers_test.go, and the busy program of
// sim/determinism_test.go), less the kernel's own awake-count self-check,
// which sim's tests keep.
package sched_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// A program spawns its threads on k and returns a check to run after the
// run (nil for none). The check reports what it finds wrong as an error, so
// one program can be judged over many seeds; what a run observed that only
// matters across seeds (an interleaving seen at least once) goes into seen.
type program func(k *sim.Kernel, seen notes) func(res sim.Result) error

// notes counts observations across the runs of a sweep.
type notes map[string]int

func (n notes) see(what string) { n[what]++ }

// runProgram runs p once with the given seed and strategy (nil: random).
func runProgram(p program, seed uint64, strat sim.Strategy, record bool) (*sim.Kernel, sim.Result, error) {
	return runProgramNotes(p, seed, strat, record, notes{})
}

func runProgramNotes(p program, seed uint64, strat sim.Strategy, record bool, seen notes) (*sim.Kernel, sim.Result, error) {
	k := sim.New(sim.Options{Seed: seed, Strategy: strat, Record: record, MaxSteps: 20000})
	check := p(k, seen)
	res := k.Run()
	var err error
	if check != nil {
		err = check(res)
	}
	return k, res, err
}

// sweep is what a program did over many seeds.
type sweep struct {
	runs     int
	outcomes map[string]int // "pass", "fail/deadlock", ...
	failures []*sim.Failure // every failure seen, in seed order
	failSeed []uint64
	seen     notes
}

func (s sweep) count(key string) int { return s.outcomes[key] }

func outcomeKey(res sim.Result) string {
	if res.Failure != nil {
		return "fail/" + res.Failure.Class.String()
	}
	return res.Outcome.String()
}

// sweepSeeds runs p with seeds 0..n-1 under the random strategy (or strat,
// if not nil) and stops the test at the first check error.
func sweepSeeds(t *testing.T, p program, n int, strat func() sim.Strategy) sweep {
	t.Helper()
	s := sweep{runs: n, outcomes: map[string]int{}, seen: notes{}}
	for seed := uint64(0); seed < uint64(n); seed++ {
		var st sim.Strategy
		if strat != nil {
			st = strat()
		}
		_, res, err := runProgramNotes(p, seed, st, false, s.seen)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		s.outcomes[outcomeKey(res)]++
		if res.Failure != nil {
			s.failures = append(s.failures, res.Failure)
			s.failSeed = append(s.failSeed, seed)
		}
	}
	return s
}

// mustPass is a check that the run passed.
func mustPass(res sim.Result) error {
	if res.Outcome != sim.OutcomePass {
		return fmt.Errorf("outcome %v (%v), want pass", res.Outcome, res.Failure)
	}
	return nil
}

// wantFailure checks a failure's class and check name, and that its message
// contains every one of msg.
func wantFailure(f *sim.Failure, class sim.FailClass, check string, msg ...string) error {
	if f == nil {
		return fmt.Errorf("no failure, want %v [%s]", class, check)
	}
	if f.Class != class || f.Check != check {
		return fmt.Errorf("failure %v, want %v [%s]", f, class, check)
	}
	for _, m := range msg {
		if !strings.Contains(f.Msg, m) {
			return fmt.Errorf("failure message %q does not mention %q", f.Msg, m)
		}
	}
	return nil
}

// trace is a shared append-only record the threads of a program write into.
// Appending is not a scheduling point, so an append right after an
// operation happens in the same step as the operation.
type trace []string

func (tr *trace) add(format string, args ...any) { *tr = append(*tr, fmt.Sprintf(format, args...)) }

func (tr trace) String() string { return strings.Join(tr, " ") }

// yielders spawns n threads that do nothing but Yield, each at most per
// times (per < 0: forever).
func yielders(k *sim.Kernel, n, per int) {
	for i := 0; i < n; i++ {
		k.Spawn("yield", func(t *sim.Thread) {
			for j := 0; j != per; j++ {
				t.Yield()
			}
		})
	}
}

// evOp is the tracepoint the test programs emit.
var evOp = sim.RegisterEventType("test_op", func(b []byte, e *sim.Event) []byte {
	b = append(b, "op="...)
	b = append(b, e.Str[0]...)
	b = append(b, " v="...)
	return fmt.Appendf(b, "%d", e.Args[0])
})

func emit(t *sim.Thread, op string, v int64) {
	t.Emit(sim.Event{Type: evOp, Obj: uint32(t.ID()), Args: [8]int64{v}, Str: [2]string{op}})
}

// busy is a program that uses most of the simulated kernel: four threads
// drawing random operations (spinlocks in a fixed order, a mutex, atomics,
// a shared variable, flags, unbound and ordered workqueues, delayed work,
// a timer re-armed with timer_reduce, msleep, fault draws), a completion
// that the last of them completes and a waiter for it. It always passes.
func busy(k *sim.Kernel, seen notes) func(sim.Result) error {
	var a, b sim.SpinLock
	a.Name, b.Name = "a", "b"
	m := &sim.Mutex{Name: "m"}
	var cnt, left sim.Atomic
	var v sim.Var[int]
	var f sim.Flags
	all := &sim.Completion{Name: "all"}
	wq := &sim.Workqueue{Name: "wq"}
	owq := &sim.Workqueue{Name: "owq", Ordered: true}
	w1 := &sim.Work{Name: "w1", Func: func(t *sim.Thread) { emit(t, "w1", cnt.Inc(t)) }}
	w2 := &sim.Work{Name: "w2", Func: func(t *sim.Thread) {
		m.Lock(t)
		v.Store(t, v.Load(t)+1)
		m.Unlock(t)
		emit(t, "w2", int64(v.Peek()))
	}}
	tm := &sim.Timer{Name: "tick", Func: func(t *sim.Thread) {
		emit(t, "tick", cnt.Add(t, 10))
		sim.QueueWork(t, owq, w2)
	}}
	const workers = 4
	left.Init(workers)
	for i := 0; i < workers; i++ {
		k.Spawn(fmt.Sprintf("worker-%d", i), func(t *sim.Thread) {
			for j := 0; j < 6; j++ {
				op := t.Kernel().Rand(sim.CompWorkload, 7)
				switch op {
				case 0:
					a.Lock(t)
					b.Lock(t)
					emit(t, "ab", cnt.Inc(t))
					b.Unlock(t)
					a.Unlock(t)
				case 1:
					m.Lock(t)
					x := v.Load(t)
					v.Store(t, x+int(t.ID()))
					m.Unlock(t)
					emit(t, "v", int64(x))
				case 2:
					emit(t, "queue", boolInt(sim.QueueWork(t, wq, w1)))
				case 3:
					emit(t, "delayed", boolInt(sim.QueueDelayedWork(t, owq, w2, sim.Time(1+t.Kernel().Rand(sim.CompWorkload, 3))*sim.Millisecond)))
				case 4:
					emit(t, "timer", boolInt(tm.Reduce(t, t.Kernel().Now()+5*sim.Millisecond)))
				case 5:
					if t.Kernel().Chance(sim.CompFaults, sim.Ratio{Num: 1, Den: 3}) {
						t.Sleep(sim.Time(1+t.Kernel().Rand(sim.CompWorkload, 4)) * sim.Millisecond)
					}
					emit(t, "slept", int64(t.Kernel().Now()))
				default:
					emit(t, "bit", boolInt(f.TestAndSet(t, int(t.ID()))))
					f.Clear(t, int(t.ID()))
				}
			}
			if left.DecAndTest(t) {
				all.CompleteAll(t)
			}
		})
	}
	k.Spawn("waiter", func(t *sim.Thread) {
		all.Wait(t)
		sim.FlushWork(t, w1)
		emit(t, "all", cnt.Load(t))
	})
	return mustPass
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// strategies are the seeded strategies every determinism check runs under.
var strategies = []struct {
	name string
	make func() sim.Strategy
}{
	{"random", func() sim.Strategy { return &sched.RandomWalk{} }},
	{"pct3", func() sim.Strategy { return &sched.PCT{Depth: 3, Steps: 100} }},
	{"pos", func() sim.Strategy { return &sched.POS{} }},
}
