package sim_test

import (
	"bufio"
	"bytes"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

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

// fingerprint is everything a run must reproduce, in one line.
func fingerprint(p program, seed uint64, strat sim.Strategy) (string, error) {
	k, res, err := runProgram(p, seed, strat, true)
	if err != nil {
		return "", err
	}
	h := fnv.New64a()
	for _, e := range k.Events() {
		fmt.Fprintf(h, "%d %d %d %s %s\n", e.Step, e.Time, e.Thread, e.Type.Name(), e.Text())
	}
	lh := fnv.New64a()
	fmt.Fprint(lh, k.Log().String())
	return fmt.Sprintf("%s seed=%d outcome=%v steps=%d decisions=%d time=%v hash=%016x log=%016x events=%d/%016x",
		strat.Name(), seed, res.Outcome, res.Steps, res.Decisions, res.Time, res.Hash, lh.Sum64(), len(k.Events()), h.Sum64()), nil
}

// fingerprints runs busy over a few seeds under every strategy.
func fingerprints() ([]string, error) {
	var out []string
	for _, s := range strategies {
		for seed := uint64(0); seed < 10; seed++ {
			fp, err := fingerprint(busy, seed, s.make())
			if err != nil {
				return nil, fmt.Errorf("%s seed %d: %v", s.name, seed, err)
			}
			out = append(out, fp)
		}
	}
	return out, nil
}

// The same seed and options give the same decision log, hash and events:
// twice in one process, and under GOMAXPROCS 1 and 2.
func TestDeterminism(t *testing.T) {
	for _, s := range strategies {
		t.Run(s.name, func(t *testing.T) {
			distinct := map[uint64]bool{}
			for seed := uint64(0); seed < 20; seed++ {
				k1, r1, err := runProgram(busy, seed, s.make(), true)
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				k2, r2, _ := runProgram(busy, seed, s.make(), true)
				if k1.Log().String() != k2.Log().String() || r1.Hash != r2.Hash {
					t.Fatalf("seed %d: two runs differ:\nlog  %s\nlog  %s\nhash %016x %016x", seed, k1.Log(), k2.Log(), r1.Hash, r2.Hash)
				}
				if d := cmp.Diff(k1.Events(), k2.Events()); d != "" {
					t.Fatalf("seed %d: event streams differ (-first +second):\n%s", seed, d)
				}
				// A recording run's last events are the tail of its stream;
				// without recording, the same run keeps no event but the
				// same hash.
				if ev := k1.Events(); !cmp.Equal(k1.LastEvents(10), ev[len(ev)-10:]) {
					t.Fatalf("seed %d: last events %v, want %v", seed, k1.LastEvents(10), ev[len(ev)-10:])
				}
				k3, r3, _ := runProgram(busy, seed, s.make(), false)
				if len(k3.Events()) != 0 || len(k3.LastEvents(10)) != 0 || r3.Hash != r1.Hash || r3.Events != int64(len(k1.Events())) {
					t.Fatalf("seed %d: unrecorded run kept %d events (last %d), hash %016x, counted %d; want none, hash %016x, %d", seed,
						len(k3.Events()), len(k3.LastEvents(10)), r3.Hash, r3.Events, r1.Hash, len(k1.Events()))
				}
				if r1.Decisions == 0 || len(k1.Events()) < 20 {
					t.Fatalf("seed %d: only %d decisions and %d events: the program is too small to test anything", seed, r1.Decisions, len(k1.Events()))
				}
				distinct[r1.Hash] = true
			}
			if len(distinct) < 15 {
				t.Fatalf("20 seeds gave only %d distinct runs: the seed hardly matters", len(distinct))
			}
		})
	}
	t.Run("gomaxprocs", func(t *testing.T) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
		var want []string
		for _, procs := range []int{1, 2, 1} {
			runtime.GOMAXPROCS(procs)
			got, err := fingerprints()
			if err != nil {
				t.Fatal(err)
			}
			if want == nil {
				want = got
			} else if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("GOMAXPROCS=%d changes the runs (-before +after):\n%s", procs, d)
			}
		}
	})
}

const fingerprintEnv = "FSCACHESIM_SIM_FINGERPRINTS"

// The same runs in fresh processes with GOMAXPROCS 1 and 2 give the same
// fingerprints as in this one. The test binary re-runs itself: with
// fingerprintEnv set, this test prints its fingerprints for the parent to
// compare.
func TestDeterminismAcrossProcesses(t *testing.T) {
	fps, err := fingerprints()
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv(fingerprintEnv) != "" {
		for _, fp := range fps {
			fmt.Println("fingerprint", fp)
		}
		return
	}
	for _, procs := range []string{"1", "2"} {
		t.Run("GOMAXPROCS="+procs, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestDeterminismAcrossProcesses$", "-test.count=1")
			cmd.Env = append(os.Environ(), fingerprintEnv+"=1", "GOMAXPROCS="+procs)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			var got []string
			sc := bufio.NewScanner(bytes.NewReader(out))
			for sc.Scan() {
				if fp, ok := strings.CutPrefix(sc.Text(), "fingerprint "); ok {
					got = append(got, fp)
				}
			}
			if d := cmp.Diff(fps, got); d != "" {
				t.Fatalf("the child process's runs differ (-parent +child):\n%s", d)
			}
		})
	}
}

// mixArgs folds the eight arguments as eight k.mix(a, 0) did.
func TestMixArgs(t *testing.T) {
	const p = 1099511628211
	for _, args := range [][8]int64{{}, {1}, {0, 0, 0, 0, 0, 0, 0, 5}, {-1, 2, 0, 3}, {1, 2, 3, 4, 5, 6, 7, 8}} {
		want := uint64(14695981039346656037)
		for _, a := range args {
			want = (want ^ uint64(a)) * p
			want = (want ^ 0) * p
		}
		if got := sim.MixArgsForTest(14695981039346656037, args); got != want {
			t.Errorf("%v: %016x, want %016x", args, got, want)
		}
	}
}
