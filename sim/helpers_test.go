package sim_test

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
	// Every step, the kernel's count of threads able to run (which lets a
	// thread alone go on without a switch) agrees with a recount.
	k.AddStepHook(func(k *sim.Kernel) {
		if msg := sim.AwakeMismatch(k); msg != "" {
			k.Report(&sim.Failure{Class: sim.FailInvariant, Check: "awake-count", Msg: msg})
		}
	})
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

// replay runs p again under a replay of log.
func replay(p program, log sim.Log, strict bool) (*sim.Kernel, sim.Result) {
	k, res, _ := runProgram(p, 0, &sched.Replay{Log: log, Strict: strict}, true)
	return k, res
}
