package sched_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// replay runs p following log.
func replay(p program, log sim.Log, strict bool) (*sim.Kernel, sim.Result) {
	k, res, _ := runProgram(p, 0, &sched.Replay{Log: log, Strict: strict}, true)
	return k, res
}

// abba is the AB/BA deadlock: it fails in some schedules.
func abba(k *sim.Kernel, seen notes) func(sim.Result) error {
	a, b := &sim.Mutex{Name: "A"}, &sim.Mutex{Name: "B"}
	k.Spawn("t1", func(t *sim.Thread) { a.Lock(t); b.Lock(t); b.Unlock(t); a.Unlock(t) })
	k.Spawn("t2", func(t *sim.Thread) { b.Lock(t); a.Lock(t); a.Unlock(t); b.Unlock(t) })
	return nil
}

// A recorded run, replayed strictly from its log (or from the log's
// printed form), gives the same events, hash, log and verdict.
func TestReplayRoundTrip(t *testing.T) {
	for _, s := range strategies {
		for _, p := range []struct {
			name string
			prog program
		}{{"busy", busy}, {"abba", abba}} {
			t.Run(s.name+"/"+p.name, func(t *testing.T) {
				failed := 0
				for seed := uint64(0); seed < 30; seed++ {
					k1, r1, _ := runProgram(p.prog, seed, s.make(), true)
					if r1.Failure != nil {
						failed++
					}
					parsed, err := sim.ParseLog(k1.Log().String())
					if err != nil {
						t.Fatalf("seed %d: ParseLog(%q): %v", seed, k1.Log(), err)
					}
					for _, log := range []sim.Log{k1.Log(), parsed} {
						k2, r2 := replay(p.prog, log, true)
						if d := cmp.Diff(r1, r2); d != "" {
							t.Fatalf("seed %d: replay result differs (-recorded +replayed):\n%s", seed, d)
						}
						if d := cmp.Diff(k1.Events(), k2.Events()); d != "" {
							t.Fatalf("seed %d: replay events differ (-recorded +replayed):\n%s", seed, d)
						}
						if d := cmp.Diff(k1.Log(), k2.Log()); d != "" {
							t.Fatalf("seed %d: replay log differs (-recorded +replayed):\n%s", seed, d)
						}
					}
				}
				if p.name == "abba" && s.name == "random" && failed == 0 {
					t.Fatalf("no run of %s failed: the failing replay is untested", p.name)
				}
			})
		}
	}
}

// A strict replay of a log that does not fit the run stops as diverged
// with a message naming the decision; a lenient one runs to the end.
func TestReplayTampered(t *testing.T) {
	k, _, err := runProgram(busy, 7, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	log := k.Log()
	nthreads := len(k.Threads())
	firstThread := slices.IndexFunc(log, func(d sim.Decision) bool { return d.Kind == sim.DecThread })
	firstValue := slices.IndexFunc(log, func(d sim.Decision) bool { return d.Kind == sim.DecValue })
	// The last thread is spawned while the run goes on (a kworker or a
	// timer callback), so at the first choice it is not enabled.
	if nthreads <= 5 || firstThread < 0 || firstValue < 0 {
		t.Fatalf("seed 7 spawned %d threads and logged %s: pick a seed that exercises more", nthreads, log)
	}
	late := uint32(nthreads - 1)
	edit := func(f func(l sim.Log) sim.Log) sim.Log { return f(slices.Clone(log)) }
	tests := []struct {
		name   string
		log    sim.Log
		strict bool
		want   string // the divergence message contains it; "" for a run that completes
	}{
		{"thread-not-enabled", edit(func(l sim.Log) sim.Log { l[firstThread].V = late; return l }), true,
			fmt.Sprintf("decision %d at step ", firstThread)},
		{"thread-never-spawned", edit(func(l sim.Log) sim.Log { l[firstThread].V = 1000; return l }), true,
			fmt.Sprintf("decision %d at step %%d: thread 1000 is not enabled", firstThread)},
		{"truncated", log[:len(log)/2], true,
			fmt.Sprintf("decision %d: missing, the log is too short", len(log)/2)},
		{"empty", nil, true, "decision 0: missing"},
		{"extra-decisions", append(slices.Clone(log), sim.Decision{Kind: sim.DecThread}, sim.Decision{Kind: sim.DecFault}), true,
			fmt.Sprintf("decision %d: not used, the log is too long", len(log))},
		{"value-range", edit(func(l sim.Log) sim.Log { l[firstValue].N++; return l }), true,
			fmt.Sprintf("decision %d: the log draws from [0,%d) where the run asks for [0,%d)", firstValue, log[firstValue].N+1, log[firstValue].N)},
		{"kind", edit(func(l sim.Log) sim.Log { l[firstValue] = sim.Decision{Kind: sim.DecFault}; return l }), true,
			fmt.Sprintf("decision %d: the log has a fault choice where the run asks for a value choice", firstValue)},
		{"lenient-truncated", log[:len(log)/2], false, ""},
		{"lenient-empty", nil, false, ""},
		{"lenient-garbage", edit(func(l sim.Log) sim.Log {
			for i := range l {
				l[i].V = 1000
			}
			return l
		}), false, ""},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			_, res := replay(busy, c.log, c.strict)
			if c.want == "" {
				if res.Outcome != sim.OutcomePass {
					t.Fatalf("outcome %v (%v %s), want a lenient replay to complete", res.Outcome, res.Failure, res.Diverged)
				}
				return
			}
			if res.Outcome != sim.OutcomeDiverged {
				t.Fatalf("outcome %v, want diverged", res.Outcome)
			}
			want := c.want
			if strings.Contains(want, "%d") {
				want = fmt.Sprintf(want, res.Steps)
			}
			if !strings.Contains(res.Diverged, want) {
				t.Fatalf("divergence %q does not say %q", res.Diverged, want)
			}
		})
	}
}

// The printed form of the decision log reads back to the same log.
func TestDecisionLog(t *testing.T) {
	t.Run("round-trip", func(t *testing.T) {
		tests := []struct{ in, want string }{
			{"", ""},
			{"0", "0"},
			{"3*5", "3*5"},
			{"0 1 0", "0 1 0"},
			{"2*3 =1/4 ! . 0*2 =0/2 1", "2*3 =1/4 ! . 0*2 =0/2 1"},
			{"=4294967294/4294967295 4294967295", "=4294967294/4294967295 4294967295"},
			{"0 0 0", "0*3"},
			{"  1   2\t3\n", "1 2 3"},
			{"1*1", "1"},
			{"2*2 2 2*1", "2*4"},
			{"7 =0/2 7", "7 =0/2 7"},
		}
		for _, c := range tests {
			l, err := sim.ParseLog(c.in)
			if err != nil {
				t.Fatalf("ParseLog(%q): %v", c.in, err)
			}
			if got := l.String(); got != c.want {
				t.Fatalf("ParseLog(%q).String() = %q, want %q", c.in, got, c.want)
			}
		}
	})
	t.Run("decisions", func(t *testing.T) {
		l, err := sim.ParseLog("0*3 1 =2/6 0 ! . 1")
		if err != nil {
			t.Fatal(err)
		}
		want := sim.Log{
			{Kind: sim.DecThread}, {Kind: sim.DecThread}, {Kind: sim.DecThread},
			{Kind: sim.DecThread, V: 1},
			{Kind: sim.DecValue, V: 2, N: 6},
			{Kind: sim.DecThread},
			{Kind: sim.DecFault, V: 1}, {Kind: sim.DecFault},
			{Kind: sim.DecThread, V: 1},
		}
		if d := cmp.Diff(want, l); d != "" {
			t.Fatalf("parsed log (-want +got):\n%s", d)
		}
		if l.Threads() != 6 || l.Preemptions() != 3 {
			t.Fatalf("Threads() = %d, Preemptions() = %d; want 6, 3", l.Threads(), l.Preemptions())
		}
	})
	t.Run("recorded", func(t *testing.T) {
		// A recorded log prints and parses back to itself, except that
		// the printed form does not keep how many threads were enabled.
		for seed := uint64(0); seed < 20; seed++ {
			k, _, _ := runProgram(busy, seed, nil, false)
			l, err := sim.ParseLog(k.Log().String())
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(k.Log())
			for i := range want {
				if want[i].Kind == sim.DecThread {
					want[i].N = 0
				}
			}
			if d := cmp.Diff(want, l); d != "" {
				t.Fatalf("seed %d (-recorded +parsed):\n%s", seed, d)
			}
		}
	})
	t.Run("garbage", func(t *testing.T) {
		for _, c := range []struct{ in, bad string }{
			{"x", "x"},
			{"1 2 zz 3", "zz"},
			{"=3", "=3"},
			{"=6/2", "=6/2"},
			{"=2/2", "=2/2"},
			{"=a/2", "=a/2"},
			{"=1/2/3", "=1/2/3"},
			{"3*", "3*"},
			{"3*0", "3*0"},
			{"3*x", "3*x"},
			{"1*99999999", "1*99999999"},
			{"-1", "-1"},
			{"4294967296", "4294967296"},
			{"!!", "!!"},
			{"0 .. 1", ".."},
		} {
			_, err := sim.ParseLog(c.in)
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", c.bad)) {
				t.Errorf("ParseLog(%q) = %v, want an error naming %q", c.in, err, c.bad)
			}
		}
	})
}

// drawThen is one thread that draws a value in [0, 2) and, if it is 1,
// does then.
func drawThen(then func(t *sim.Thread)) program {
	return func(k *sim.Kernel, seen notes) func(sim.Result) error {
		k.Spawn("drawer", func(t *sim.Thread) {
			if t.Kernel().Rand(sim.CompWorkload, 2) == 1 {
				then(t)
			}
		})
		return nil
	}
}

// A strict replay that diverges is reported as diverged even when the run
// then fails or hits the step bound: what follows a divergence is not the
// recorded run.
func TestReplayDivergedThenFailed(t *testing.T) {
	hang := drawThen(func(t *sim.Thread) { (&sim.Completion{}).Wait(t) })
	spin := drawThen(func(t *sim.Thread) {
		for {
			t.Yield()
		}
	})
	tests := []struct {
		name string
		prog program
		log  sim.Log
		want string
	}{
		{"range-then-deadlock", hang, sim.Log{{Kind: sim.DecValue, V: 1, N: 3}}, "decision 0: the log draws from [0,3) where the run asks for [0,2)"},
		{"range-then-bound", spin, sim.Log{{Kind: sim.DecValue, V: 1, N: 3}}, "decision 0: the log draws from [0,3) where the run asks for [0,2)"},
		{"kind-then-pass", hang, sim.Log{{Kind: sim.DecFault, V: 1}}, "decision 0: the log has a fault choice where the run asks for a value choice"},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			_, res := replay(c.prog, c.log, true)
			if res.Outcome != sim.OutcomeDiverged || !strings.Contains(res.Diverged, c.want) {
				t.Fatalf("outcome %v, divergence %q (failure %v); want diverged saying %q", res.Outcome, res.Diverged, res.Failure, c.want)
			}
		})
	}
}

// Kernel.Rand draws from any range up to MaxRand, and the draw prints,
// parses and replays; a larger range cannot be logged and is an oops.
func TestRandRange(t *testing.T) {
	for _, n := range []uint64{2, 3, 1000, sim.MaxRand} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var got []uint64
			p := func(k *sim.Kernel, seen notes) func(sim.Result) error {
				got = got[:0]
				k.Spawn("drawer", func(t *sim.Thread) {
					for i := 0; i < 20; i++ {
						v := t.Kernel().Rand(sim.CompWorkload, n)
						if v >= n {
							t.Bug("test", "Rand(%d) = %d", n, v)
						}
						got = append(got, v)
					}
				})
				return mustPass
			}
			k, _, err := runProgram(p, 5, nil, false)
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(got)
			log, err := sim.ParseLog(k.Log().String())
			if err != nil {
				t.Fatal(err)
			}
			if _, res := replay(p, log, true); res.Outcome != sim.OutcomePass || !slices.Equal(got, want) {
				t.Fatalf("replay: %v %s, values %v, want %v", res.Outcome, res.Diverged, got, want)
			}
		})
	}
	t.Run("above-max", func(t *testing.T) {
		p := func(k *sim.Kernel, seen notes) func(sim.Result) error {
			k.Spawn("drawer", func(t *sim.Thread) { t.Kernel().Rand(sim.CompWorkload, sim.MaxRand+1) })
			return func(res sim.Result) error {
				return wantFailure(res.Failure, sim.FailOops, "oops", "above MaxRand")
			}
		}
		if _, _, err := runProgram(p, 1, nil, false); err != nil {
			t.Fatal(err)
		}
	})
}
