package sim_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// A generated program: a few threads, each a random sequence of operations
// over the simulated kernel's primitives. Locks are always taken in one
// global order (the mutex, then spinlocks by index) and nothing sleeps under
// a spinlock, so no generated program may ever fail.
type genProgram struct {
	Ordered bool // the workqueue is ordered
	Threads [][]genOp
}

type genOpKind int

const (
	genAtomic genOpKind = iota
	genVarLoad
	genVarStore
	genLocks
	genYield
	genSleep
	genQueue
	genFlush
	genTimer
	genRand
	genChance
	numGenOps
)

type genOp struct {
	Kind  genOpKind
	Arg   int    // which object, sub-operation, duration or range
	Mutex bool   // genLocks: take the mutex first
	Locks []bool // genLocks: which spinlocks, taken by index
}

const (
	genAtomics   = 2
	genVars      = 2
	genSpinlocks = 3
	genWorks     = 2
)

func genOpGen() *rapid.Generator[genOp] {
	return rapid.Custom(func(t *rapid.T) genOp {
		o := genOp{Kind: genOpKind(rapid.IntRange(0, int(numGenOps)-1).Draw(t, "kind"))}
		switch o.Kind {
		case genLocks:
			o.Mutex = rapid.Bool().Draw(t, "mutex")
			o.Locks = rapid.SliceOfN(rapid.Bool(), genSpinlocks, genSpinlocks).Draw(t, "locks")
			o.Arg = rapid.IntRange(0, genAtomics-1).Draw(t, "inner")
		case genAtomic:
			o.Arg = rapid.IntRange(0, 5*genAtomics-1).Draw(t, "atomic")
		case genSleep:
			o.Arg = rapid.IntRange(0, 3).Draw(t, "ms")
		case genRand:
			o.Arg = rapid.IntRange(1, 6).Draw(t, "n")
		case genTimer:
			o.Arg = rapid.IntRange(0, 5).Draw(t, "ms")
		default:
			o.Arg = rapid.IntRange(0, 7).Draw(t, "arg")
		}
		return o
	})
}

var genProgramGen = rapid.Custom(func(t *rapid.T) genProgram {
	return genProgram{
		Ordered: rapid.Bool().Draw(t, "ordered"),
		Threads: rapid.SliceOfN(rapid.SliceOfN(genOpGen(), 0, 12), 1, 4).Draw(t, "threads"),
	}
})

// build turns a generated program into a program for the kernel.
func (g genProgram) build() program {
	return func(k *sim.Kernel, seen notes) func(sim.Result) error {
		var atomics [genAtomics]sim.Atomic
		var vars [genVars]sim.Var[int]
		var spin [genSpinlocks]sim.SpinLock
		m := &sim.Mutex{Name: "m"}
		for i := range spin {
			spin[i].Name = fmt.Sprintf("spin%d", i)
		}
		wq := &sim.Workqueue{Name: "wq", Ordered: g.Ordered}
		var works [genWorks]*sim.Work
		for i := range works {
			works[i] = &sim.Work{Name: fmt.Sprintf("work%d", i), Func: func(t *sim.Thread) {
				emit(t, "work", atomics[i%genAtomics].Inc(t))
				t.Yield()
				spin[i%genSpinlocks].Lock(t)
				vars[i%genVars].Store(t, vars[i%genVars].Load(t)+1)
				spin[i%genSpinlocks].Unlock(t)
			}}
		}
		tm := &sim.Timer{Name: "tick", Func: func(t *sim.Thread) {
			emit(t, "tick", atomics[0].Add(t, 100))
			sim.QueueWork(t, wq, works[0])
		}}
		for ti, ops := range g.Threads {
			k.Spawn(fmt.Sprintf("gen-%d", ti), func(t *sim.Thread) {
				for _, o := range ops {
					runGenOp(t, o, &atomics, &vars, &spin, m, wq, &works, tm)
				}
			})
		}
		return mustPass
	}
}

func runGenOp(t *sim.Thread, o genOp, atomics *[genAtomics]sim.Atomic, vars *[genVars]sim.Var[int],
	spin *[genSpinlocks]sim.SpinLock, m *sim.Mutex, wq *sim.Workqueue, works *[genWorks]*sim.Work, tm *sim.Timer) {
	k := t.Kernel()
	switch o.Kind {
	case genAtomic:
		a := &atomics[o.Arg%genAtomics]
		var v int64
		switch o.Arg / genAtomics {
		case 0:
			v = a.Inc(t)
		case 1:
			v = a.Dec(t)
		case 2:
			v = a.Load(t)
		case 3:
			v = a.CmpXchg(t, 0, int64(t.ID())+1)
		default:
			v = a.FetchAdd(t, 2)
		}
		emit(t, "atomic", v)
	case genVarLoad:
		emit(t, "load", int64(vars[o.Arg%genVars].Load(t)))
	case genVarStore:
		vars[o.Arg%genVars].Store(t, int(t.ID())*10+o.Arg)
	case genLocks:
		if o.Mutex {
			m.Lock(t)
		}
		for i, take := range o.Locks {
			if take {
				spin[i].Lock(t)
			}
		}
		emit(t, "locked", atomics[o.Arg].Inc(t))
		for i := len(o.Locks) - 1; i >= 0; i-- {
			if o.Locks[i] {
				spin[i].Unlock(t)
			}
		}
		if o.Mutex {
			m.Unlock(t)
		}
	case genYield:
		t.Yield()
	case genSleep:
		t.Sleep(sim.Time(o.Arg) * sim.Millisecond)
	case genQueue:
		w := works[o.Arg%genWorks]
		if o.Arg/genWorks%2 == 0 {
			emit(t, "queue", boolInt(sim.QueueWork(t, wq, w)))
		} else {
			emit(t, "queue-delayed", boolInt(sim.QueueDelayedWork(t, wq, w, sim.Time(o.Arg)*sim.Millisecond)))
		}
	case genFlush:
		emit(t, "flush", boolInt(sim.FlushWork(t, works[o.Arg%genWorks])))
	case genTimer:
		emit(t, "timer", boolInt(tm.Reduce(t, k.Now()+sim.Time(o.Arg)*sim.Millisecond)))
	case genRand:
		emit(t, "rand", int64(k.Rand(sim.CompWorkload, uint64(o.Arg))))
	case genChance:
		emit(t, "chance", boolInt(k.Chance(sim.CompFaults, sim.Ratio{Num: 1, Den: 2})))
	}
}

// Every generated program passes (its lock order is consistent), replays
// bit for bit from its decision log, and runs the same twice with one seed.
func TestRapidPrograms(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		g := genProgramGen.Draw(rt, "program")
		seed := rapid.Uint64().Draw(rt, "seed")
		depth := rapid.IntRange(0, 3).Draw(rt, "pct-depth") // 0: random walk
		strat := func() sim.Strategy {
			if depth == 0 {
				return &sched.RandomWalk{}
			}
			return &sched.PCT{Depth: depth, Steps: 100}
		}
		p := g.build()
		// Each drawn program runs under several seeds: schedules are cheap
		// and bugs in them are rare, programs are dear to draw and shrink.
		for s := seed; s != seed+8; s++ {
			k1, r1, err := runProgram(p, s, strat(), true)
			if err != nil {
				rt.Fatalf("seed %d %s: %v", s, strat().Name(), err)
			}
			k2, r2 := replay(p, k1.Log(), true)
			if d := cmp.Diff(r1, r2); d != "" {
				rt.Fatalf("seed %d: strict replay: result differs (-recorded +replayed):\n%s", s, d)
			}
			if d := cmp.Diff(k1.Events(), k2.Events()); d != "" {
				rt.Fatalf("seed %d: strict replay: events differ (-recorded +replayed):\n%s", s, d)
			}
			k3, r3, _ := runProgram(p, s, strat(), false)
			if k1.Log().String() != k3.Log().String() || r1.Hash != r3.Hash {
				rt.Fatalf("seed %d: same seed, different runs:\n%s\n%s", s, k1.Log(), k3.Log())
			}
		}
	})
}
