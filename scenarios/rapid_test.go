package scenarios

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

func strategyGen() *rapid.Generator[sim.Strategy] {
	return rapid.Custom(func(t *rapid.T) sim.Strategy {
		switch rapid.IntRange(0, 3).Draw(t, "strategy") {
		case 0:
			return &sched.RandomWalk{}
		default:
			return &sched.PCT{Depth: rapid.IntRange(1, 4).Draw(t, "depth"), Steps: 400}
		}
	})
}

// TestRandomWorldsProperty: random worlds (any size within the limits, any
// strategy, any seed) pass every check (Execute: the checker's too) with no
// bug switch on, and a strict
// replay of a run's decision log reproduces it exactly.
func TestRandomWorldsProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		lim := RandomLimits{
			MaxThreads: rapid.IntRange(2, 4).Draw(rt, "threads"),
			MaxCookies: rapid.IntRange(1, 3).Draw(rt, "cookies"),
			MaxOps:     rapid.IntRange(1, 6).Draw(rt, "ops"),
		}
		s := Scenario{Name: "random", Setup: func(k *sim.Kernel, w *World) { RandomSetup(k, w, lim) }}
		seed := rapid.Uint64().Draw(rt, "seed")
		res, k, _ := Execute(s, model.Bugs{}, sim.Options{Seed: seed, Strategy: strategyGen().Draw(rt, "strategy")})
		if res.Outcome != sim.OutcomePass {
			rt.Fatalf("%v: %v", res.Outcome, res.Failure)
		}
		rep, _, _ := Execute(s, model.Bugs{}, sim.Options{Seed: seed, Strategy: &sched.Replay{Log: k.Log(), Strict: true}})
		if rep.Outcome != sim.OutcomePass || rep.Hash != res.Hash {
			rt.Fatalf("replay: %v %s hash %x, want pass with hash %x", rep.Outcome, rep.Diverged, rep.Hash, res.Hash)
		}
	})
}

// TestDeterminism runs every scenario twice per seed and compares the
// decision log and the event hash (gosim's determinism check).
func TestDeterminism(t *testing.T) {
	for _, s := range All() {
		t.Run(s.Name, func(t *testing.T) {
			for seed := uint64(0); seed < 50; seed++ {
				a, ka := Run(s, model.Bugs{}, sim.Options{Seed: seed, Strategy: &sched.PCT{Depth: 3, Steps: 300}})
				b, kb := Run(s, model.Bugs{}, sim.Options{Seed: seed, Strategy: &sched.PCT{Depth: 3, Steps: 300}})
				if a.Hash != b.Hash || ka.Log().String() != kb.Log().String() || a.Outcome != b.Outcome {
					t.Fatalf("seed %d: two runs differ: hash %x vs %x, outcome %v vs %v", seed, a.Hash, b.Hash, a.Outcome, b.Outcome)
				}
			}
		})
	}
}

// TestRandomFaultsReachFailureRows: the random worlds' fault classes drive
// the cookie state machine down its failure rows: a failed lookup (T6) and
// a failed invalidation (T8').
func TestRandomFaultsReachFailureRows(t *testing.T) {
	s, err := Get("random-fscache")
	if err != nil {
		t.Fatal(err)
	}
	cov := checker.NewCoverage()
	for seed := uint64(0); seed < 3000; seed++ {
		res, _, w := Execute(s, model.Bugs{}, sim.Options{Seed: seed})
		if res.Outcome != sim.OutcomePass {
			t.Fatalf("seed %d: %v", seed, res.Failure)
		}
		cov.Merge(w.Checker.Coverage())
	}
	for _, row := range []string{"T6", "T8'"} {
		if cov.Rows[row] == 0 {
			t.Errorf("row %s never taken in 3000 random worlds", row)
		}
	}
}
