//go:build fscachesim_kernelc

package csim

import (
	"os"
	"strconv"
	"testing"

	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// TestExhaustiveSmallBound: sched.Exhaustive (DPOR, partial-order
// reduction) over the C build at preemption bound 0 and 1 (two-users: 0
// only, bound 1 is past 20,000 executions), every check of package checker
// on: the search completes on each scenario and no execution fails. With FSCACHESIM_KERNELC_WANT set (a
// broken tree), it instead expects that check to fail in
// FSCACHESIM_KERNELC_SCENARIO at bound FSCACHESIM_KERNELC_BOUND.
func TestExhaustiveSmallBound(t *testing.T) {
	want, wantSc := os.Getenv("FSCACHESIM_KERNELC_WANT"), os.Getenv("FSCACHESIM_KERNELC_SCENARIO")
	bounds := []int{0, 1}
	if b, err := strconv.Atoi(os.Getenv("FSCACHESIM_KERNELC_BOUND")); err == nil {
		bounds = []int{b}
	}
	for _, sc := range scenarioNames {
		if wantSc != "" && sc != wantSc {
			continue
		}
		for _, bound := range bounds {
			if sc == "two-users" && bound > 0 && want == "" {
				continue // more than 20,000 executions at bound 1
			}
			x := &sched.Exhaustive{Bound: bound, POR: true, MaxExecutions: 20000}
			var failed *sim.Failure
			st := x.Run(func(r *sched.ExhaustiveRun) (sim.Result, bool) {
				res, _, err := Execute(Options{Scenario: sc, Sim: sim.Options{Strategy: r}})
				if err != nil {
					t.Fatal(err)
				}
				if res.Outcome != sim.OutcomePass {
					failed = res.Failure
					return res, true
				}
				return res, false
			})
			switch {
			case want != "" && failed != nil && failed.Check == want:
				t.Logf("%s bound %d: %s found after %d executions: %v", sc, bound, want, st.Executions, failed)
				return
			case failed != nil:
				t.Fatalf("%s bound %d: %v (after %d executions)", sc, bound, failed, st.Executions)
			case want == "" && !st.Complete:
				t.Errorf("%s bound %d: search not complete after %d executions: %+v", sc, bound, st.Executions, st)
			}
			t.Logf("%s bound %d: %d executions, %d explored, complete %v", sc, bound, st.Executions, st.Explored, st.Complete)
		}
	}
	if want != "" {
		t.Errorf("%s: the %s check never failed in the exhaustive search", wantSc, want)
	}
}
