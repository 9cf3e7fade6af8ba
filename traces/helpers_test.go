package traces

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// The synthetic program of these tests is built on sim directly, so they do
// not depend on the model: three threads each do some noise (stores to a
// private variable), then increment a shared counter with a scheduling
// point between the load and the store. An interleaving that loses an
// update fails the "lost-update" check.

var evInc = sim.RegisterEventType("test_inc", func(b []byte, e *sim.Event) []byte {
	return fmt.Appendf(b, "x=%08x %d->%d", e.Obj, e.Args[0], e.Args[1])
})

var evNoise = sim.RegisterEventType("test_noise", func(b []byte, e *sim.Event) []byte {
	return fmt.Appendf(b, "p=%08x i=%d", e.Obj, e.Args[0])
})

const lostUpdateScenario = "lost-update"

// lostUpdate is a Runner for the synthetic program; the header's
// "noise" option is the number of noise steps per thread.
func lostUpdate(h Header, strat sim.Strategy) (sim.Result, *sim.Kernel, error) {
	if h.Scenario != lostUpdateScenario {
		return sim.Result{}, nil, fmt.Errorf("unknown scenario %q", h.Scenario)
	}
	noise := 0
	if n, ok := h.Options["noise"]; ok {
		if _, err := fmt.Sscanf(n, "%d", &noise); err != nil {
			return sim.Result{}, nil, fmt.Errorf("bad noise %q", n)
		}
	}
	k := sim.New(sim.Options{Seed: h.Seed, Strategy: strat, MaxSteps: h.MaxSteps, Record: true})
	var x sim.Var[int64]
	done := 0
	for i := 0; i < 3; i++ {
		k.Spawn(fmt.Sprintf("inc-%d", i), func(t *sim.Thread) {
			var priv sim.Var[int64]
			for j := 0; j < noise; j++ {
				priv.Store(t, int64(j))
				t.Emit(sim.Event{Type: evNoise, Obj: priv.ID(t.Kernel()), Args: [8]int64{int64(j)}})
			}
			v := x.Load(t)
			x.Store(t, v+1)
			t.Emit(sim.Event{Type: evInc, Obj: x.ID(t.Kernel()), Args: [8]int64{v, v + 1}})
			done++
		})
	}
	k.AddStepHook(func(k *sim.Kernel) {
		if done == 3 && x.Peek() != 3 {
			k.Report(&sim.Failure{Class: sim.FailInvariant, Check: "lost-update", Objects: []string{"x"},
				Msg: fmt.Sprintf("x is %d after 3 increments", x.Peek())})
		}
	})
	return k.Run(), k, nil
}

func lostUpdateHeader(seed uint64, noise int) Header {
	h := NewHeader("test", lostUpdateScenario, seed, "random", "", 10000)
	h.Options["noise"] = fmt.Sprint(noise)
	return h
}

// runTrace runs the synthetic program with a random walk and makes its
// trace.
func runTrace(t testing.TB, seed uint64, noise int) *Trace {
	t.Helper()
	h := lostUpdateHeader(seed, noise)
	res, k, err := lostUpdate(h, &sched.RandomWalk{})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := FromRun(h, res, k)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// failingTrace is the trace of the first seed from 1 on whose run fails.
func failingTrace(t testing.TB, noise int) *Trace {
	t.Helper()
	for seed := uint64(1); seed < 200; seed++ {
		if tr := runTrace(t, seed, noise); tr.Failed() {
			return tr
		}
	}
	t.Fatal("no seed in 1..199 loses an update")
	return nil
}

func encode(t testing.TB, tr *Trace) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Encode(&b, tr); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// handTrace is a small trace written by hand for the renderers' golden
// files: two threads, cookie events, a timer, a failure. It does not
// depend on sim or the model, so the golden files change only when a
// renderer does (or the cookie transition table, which the HTML draws).
func handTrace() *Trace {
	h := NewHeader("0.1.0-test", "lru-vs-relinquish", 2, "pct:2", "lru-discard-no-redispatch", 100000)
	log, err := sim.ParseLog("0*3 1 0 1*2 =1/3 . 2*2 0")
	if err != nil {
		panic(err)
	}
	ev := func(step int64, tm sim.Time, thread int32, comm, name string, obj uint32, text string) Event {
		return Event{Step: step, TimeNS: int64(tm), Thread: thread, Comm: comm, Event: name, Obj: obj, Text: text}
	}
	s := sim.Second
	evs := []Event{
		ev(0, 0, -1, "-", "sim_spawn", 0, "pid=0 comm=netfs"),
		ev(34, 0, 0, "netfs", "fscache_cookie_state", 2, "c=00000002 NEW->QUIESCENT T1"),
		ev(36, 0, 0, "netfs", "fscache_cookie", 2, "c=00000002 NEW acq   r=1"),
		ev(48, 0, 0, "netfs", "fscache_cookie_state", 2, "c=00000002 QUIESCENT->LOOKING_UP T2"),
		ev(52, 0, 0, "netfs", "fscache_cookie", 2, "c=00000002 GQ  use   r=2"),
		ev(53, 0, 0, "netfs", "sim_spawn", 0, "pid=1 comm=kworker/u4:1"),
		ev(62, 0, 1, "kworker/u4:1", "fscache_cookie", 2, "c=00000002 -   work  r=2"),
		ev(75, 0, 1, "kworker/u4:1", "fscache_cookie_state", 2, "c=00000002 LOOKING_UP->ACTIVE T5"),
		ev(86, 0, 1, "kworker/u4:1", "fscache_cookie", 2, "c=00000002 PQ  work  r=2"),
		ev(87, 0, -1, "-", "sim_exit", 0, "pid=1 comm=kworker/u4:1"),
		ev(108, 10*s, -1, "-", "sim_spawn", 0, "pid=2 comm=fscache_cookie_lru_timed_out"),
		ev(108, 10*s, -1, "-", "sim_timer_expire", 0, "callback=fscache_cookie_lru_timed_out pid=2"),
		ev(114, 10*s, 2, "fscache_cookie_lru_timed_out", "fscache_cookie", 2, "c=00000002 -   lrudo r=3"),
		ev(128, 10*s, 0, "netfs", "fscache_relinquish", 2, "c=00000002 V=00000001 r=3 U=0 f=3d rt=0"),
		ev(145, 10*s, 1, "kworker/u4:1", "fscache_cookie_state", 2, "c=00000002 ACTIVE->LRU_DISCARDING T10"),
		ev(160, 10*s+1500*sim.Microsecond, 1, "kworker/u4:1", "fscache_cookie_state", 2, "c=00000002 LRU_DISCARDING->QUIESCENT T14"),
		ev(164, 10*s+1500*sim.Microsecond, 1, "kworker/u4:1", "fscache_cookie", 2, "c=00000002 PQ  work  r=0"),
		ev(170, 10*s+1500*sim.Microsecond, 0, "netfs", "fscache_cookie", 2, "c=00000002 <PUT> & \"q\""),
	}
	v := Verdict{Verdict: VerdictFail, Class: "invariant", Check: "I-2", Step: 164, Thread: 1, ThreadName: "kworker/u4:1",
		Msg: "WARN: cookie c=00000002 freed while still hashed <state QUIESCENT>", Objects: []string{"c=00000002"},
		Steps: 170, Events: len(evs), TimeNS: int64(10*s + 1500*sim.Microsecond), Hash: "0123456789abcdef",
		Threads:       []Thread{{0, "netfs"}, {1, "kworker/u4:1"}, {2, "fscache_cookie_lru_timed_out"}},
		Visualization: "lru-vs-relinquish-seed2.porcupine.html"}
	return &Trace{Header: h, Log: log, Events: evs, Verdict: v}
}

func firstLine(s string) string { return strings.SplitN(s, "\n", 2)[0] }
