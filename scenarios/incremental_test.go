package scenarios

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// executeFull is Execute with the checker's Options.Full set as asked (and
// the test-only mutant set on): PrepareChecked's checker otherwise.
func executeFull(s Scenario, bugs model.Bugs, mut fscache.Mutants, opts sim.Options, full bool) sim.Result {
	k, w := Prepare(s, bugs, opts)
	w.F.Mutants = mut
	w.History = checker.NewRecorder(k)
	w.Checker = checker.New(w.F, checker.Options{Extensions: w.Checks, History: w.History, LivenessBound: w.LivenessBound, Full: full})
	w.Checker.Attach(k)
	return w.Finish(k, k.Run())
}

// verdictLine is everything of a judged run the two checkers must agree
// on: outcome, steps, and the failure (check, step, thread, objects,
// message).
func verdictLine(r sim.Result) string {
	s := fmt.Sprintf("%v steps=%d", r.Outcome, r.Steps)
	if f := r.Failure; f != nil {
		s += fmt.Sprintf(" [%v %s] step=%d thread=%d %v: %s", f.Class, f.Check, f.Step, f.Thread, f.Objects, f.Msg)
	}
	return s
}

// TestIncrementalChecksAgree runs random-world executions twice, once with
// the checker's incremental per-step checks (what every run uses) and once
// with Options.Full (every rule on every object at every step), and
// requires the same verdict at the same step with the same message: over
// the unmutated model, each bug switch, and each of the model's test
// mutants, so that failing runs (caught by a per-step invariant among
// others) are compared too, not only passing ones.
func TestIncrementalChecksAgree(t *testing.T) {
	var muts []fscache.Mutants
	mt := reflect.TypeOf(fscache.Mutants{})
	for i := 0; i < mt.NumField(); i++ {
		if mt.Field(i).Type.Kind() != reflect.Bool {
			continue
		}
		var m fscache.Mutants
		reflect.ValueOf(&m).Elem().Field(i).SetBool(true)
		muts = append(muts, m)
	}
	type variant struct {
		name string
		bugs model.Bugs
		mut  fscache.Mutants
	}
	variants := []variant{{name: "none"}}
	for _, b := range model.AllBugs {
		bugs, err := model.ParseBugs(b.Name)
		if err != nil {
			t.Fatal(err)
		}
		variants = append(variants, variant{name: b.Name, bugs: bugs})
	}
	for i, m := range muts {
		variants = append(variants, variant{name: "mutant " + mt.Field(i).Name, mut: m})
	}
	runs := map[string]int{"random": 1200, "random-disk": 400}
	if testing.Short() {
		runs = map[string]int{"random": 300, "random-disk": 100}
	}
	failed, invariant := 0, 0
	for _, name := range []string{"random", "random-disk"} {
		s, err := Get(name)
		if err != nil {
			t.Fatal(err)
		}
		for seed := 0; seed < runs[name]; seed++ {
			v := variants[seed%len(variants)]
			opts := func() sim.Options {
				if seed%3 == 2 {
					return sim.Options{Seed: uint64(seed), Strategy: &sched.PCT{Depth: 3}}
				}
				return sim.Options{Seed: uint64(seed), Strategy: &sched.RandomWalk{}}
			}
			inc := executeFull(s, v.bugs, v.mut, opts(), false)
			full := executeFull(s, v.bugs, v.mut, opts(), true)
			a, b := verdictLine(inc), verdictLine(full)
			if a != b {
				t.Fatalf("%s seed %d (%s): incremental and full checkers disagree:\n incremental: %s\n full:        %s", name, seed, v.name, a, b)
			}
			if full.Outcome != sim.OutcomePass {
				failed++
				if full.Failure != nil && full.Failure.Class == sim.FailInvariant {
					invariant++
				}
			}
		}
	}
	// The comparison must have seen failing runs, per-step invariants
	// among them, or it proves nothing about the skipped checks.
	if failed == 0 || invariant == 0 {
		t.Fatalf("no failing run (%d) or no invariant failure (%d) among the compared executions", failed, invariant)
	}
	t.Logf("%d failing executions compared, %d of them invariant failures", failed, invariant)
}
