package checker_test

import (
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sim"
)

// runCov runs one execution of a scenario with a checker and returns its
// coverage.
func runCov(t *testing.T, name string, seed uint64) *checker.Coverage {
	t.Helper()
	s, err := scenarios.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	k, w := scenarios.Prepare(s, model.Bugs{}, sim.Options{Seed: seed})
	ck := checker.New(w.F, checker.Options{})
	ck.Attach(k)
	if v := ck.Verdict(k, k.Run()); !v.Pass {
		t.Fatalf("%s seed %d: %v", name, seed, v)
	}
	return ck.Coverage()
}

func TestCoverage(t *testing.T) {
	one := runCov(t, "lru-vs-relinquish", 2)
	for _, row := range []string{"T1", "T2", "T4", "T5", "T10", "T14", "T13", "T15"} {
		if one.Rows[row] == 0 {
			t.Errorf("row %s not counted:\n%s", row, one)
		}
	}
	if one.Rows["T16"] != 0 {
		t.Errorf("T16 counted in a run that never takes it")
	}
	if one.Pairs()[checker.StateEvent{State: "ACTIVE", Event: "fscache_cookie_state T10"}] == 0 {
		t.Errorf("(ACTIVE, T10) pair not counted:\n%s", one)
	}
	if one.Pairs()[checker.StateEvent{State: "new", Event: "fscache_cookie_state T1"}] != 1 {
		t.Errorf("(new, T1) pair not counted once:\n%s", one)
	}

	// Merging is a sum, and its printed form does not depend on the order
	// of the merges.
	runs := []*checker.Coverage{one, runCov(t, "cookie-collision", 1), runCov(t, "invalidate-during-lookup", 3)}
	ab, ba := checker.NewCoverage(), checker.NewCoverage()
	for i := range runs {
		ab.Merge(runs[i])
		ba.Merge(runs[len(runs)-1-i])
	}
	if ab.String() != ba.String() {
		t.Fatalf("merge order changes the text:\n%s\n----\n%s", ab, ba)
	}
	if ab.Runs != 3 || ab.Rows["T1"] != one.Rows["T1"]+runs[1].Rows["T1"]+runs[2].Rows["T1"] {
		t.Fatalf("merge is not a sum: runs %d, T1 %d", ab.Runs, ab.Rows["T1"])
	}
	text := ab.String()
	for _, want := range []string{"coverage over 3 run(s)", "transition rows taken", "rows: T1=", "state x event pairs", "marks:"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	if len(ab.Missing()) == 0 || len(ab.Missing()) >= len(ab.RowsTaken()) {
		t.Errorf("missing rows %v out of %d", ab.Missing(), len(ab.RowsTaken()))
	}

	// Marks: the relinquish arriving with an LRU discard pending.
	cov := checker.NewCoverage()
	for seed := uint64(0); seed < 2000; seed++ {
		cov.Merge(runCov(t, "lru-vs-relinquish", seed))
	}
	if cov.Marks["relinquish arrived with an LRU discard pending"] == 0 {
		t.Errorf("mark never counted in 2000 seeds:\n%s", cov)
	}
}
