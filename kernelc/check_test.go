package kernelc

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// goRun runs a Go model scenario with the shared checker reading the
// model's cookies through GoObjects after every step.
func goRun(t *testing.T, name string, bugs model.Bugs, seed uint64, strat sim.Strategy) sim.Result {
	t.Helper()
	s, err := scenarios.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	chk := NewChecker()
	hook := func(k *sim.Kernel) {
		if f := chk.Step(GoObjects{F: k.Private.(*scenarios.World).F}); f != nil {
			k.Report(&sim.Failure{Class: sim.FailInvariant, Check: f.Check, Msg: f.Msg})
		}
	}
	k, _ := scenarios.Prepare(s, bugs, sim.Options{Seed: seed, Strategy: strat, StepHook: hook})
	return k.Run()
}

// TestCheckerOnGoModel: the shared checker judges the Go model through the
// same interface as the C build: the fscache scenarios run clean under it,
// and with the Go model's switch for the bug the 2024 n_accesses fix
// fixed, its n_accesses check is what fails (before the oops the bug leads
// to).
func TestCheckerOnGoModel(t *testing.T) {
	for _, name := range []string{"lru-vs-use", "lru-vs-relinquish", "lru-discard-vs-io"} {
		for seed := uint64(0); seed < 200; seed++ {
			if res := goRun(t, name, model.Bugs{}, seed, &sched.POS{}); res.Outcome == sim.OutcomeFail && res.Failure.Class == sim.FailInvariant {
				if _, ours := map[string]bool{"transition": true, "refs": true, "n_accesses": true}[res.Failure.Check]; ours {
					t.Fatalf("%s seed %d: false alarm: %v", name, seed, res.Failure)
				}
			}
		}
	}
	found := false
	for seed := uint64(0); seed < 400 && !found; seed++ {
		res := goRun(t, "lru-discard-vs-io", model.Bugs{LRUDiscardIgnoresAccesses: true}, seed, &sched.POS{})
		found = res.Outcome == sim.OutcomeFail && res.Failure.Check == "n_accesses"
	}
	if !found {
		t.Error("lru-discard-ignores-accesses: the n_accesses check never failed in 400 POS executions of lru-discard-vs-io")
	}
}
