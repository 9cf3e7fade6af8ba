//go:build fscachesim_kernelc

package csim

import (
	"os"
	"strconv"
	"testing"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// TestLRUWait explores lru-wait (kc_driver.c): the first cookie waits on the
// LRU through a long stretch of work on a second cookie. On a correct tree
// every execution passes every check of package checker at the default
// liveness bound, and in every execution the cookie stays on the LRU for more
// steps than that bound, so a tree that leaves it there with nobody due to
// look at it (the timer not armed) holds L-1 hot past the bound: that is
// what kernelc's TestBrokenTreeCaughtByL1 shows. With
// FSCACHESIM_KERNELC_WANT set, the test wants that check to fail instead (in
// some execution of each strategy's first runs) and the failure's trace to
// replay and shrink.
func TestLRUWait(t *testing.T) {
	const sc = "lru-wait"
	want := os.Getenv("FSCACHESIM_KERNELC_WANT")
	runs := 5 // per strategy in make test: each execution is ~7,000 steps
	if n, err := strconv.Atoi(os.Getenv("FSCACHESIM_KERNELC_LRUWAIT_RUNS")); err == nil && n > 0 {
		runs = n // the soak: 10^4 in all
	}
	var total, steps int64
	minOnLRU, maxHot := int64(-1), int64(0)
	for i, mk := range strategies() {
		found := false
		for seed := uint64(0); seed < uint64(runs) && !found; seed++ {
			var f *fscache.Fscache
			var ck *checker.Checker
			var first, last int64 = -1, -1
			hook := func(k *sim.Kernel) {
				for _, c := range f.LRU() {
					if c.DebugID == 2 {
						if first < 0 {
							first = k.Step()
						}
						last = k.Step()
					}
				}
			}
			res, k := execute(t, Options{Scenario: sc, Sim: sim.Options{Seed: seed, Strategy: mk(), StepHook: hook},
				Checked: func(c *checker.Checker) { ck, f = c, c.Fscache() }})
			total++
			steps += k.Step()
			switch {
			case want != "" && res.Outcome == sim.OutcomeFail && res.Failure.Check == want:
				t.Logf("%s: %s found at seed %d (%s): %v", sc, want, seed, k.Strategy().Name(), res.Failure)
				found = true
				traceRoundTrip(t, sc, seed, k)
			case res.Outcome != sim.OutcomePass:
				t.Fatalf("%s strategy %d seed %d: %v %v", sc, i, seed, res.Outcome, res.Failure)
			default:
				on := last - first
				if first < 0 || on <= checker.DefaultLivenessBound {
					t.Fatalf("%s strategy %d seed %d: c=00000002 on the LRU for %d steps (first seen at %d), want more than the liveness bound %d",
						sc, i, seed, on, first, checker.DefaultLivenessBound)
				}
				if minOnLRU < 0 || on < minOnLRU {
					minOnLRU = on
				}
				maxHot = max(maxHot, ck.MaxHot())
			}
		}
		if want != "" && !found {
			t.Errorf("%s: the %s check never failed in %d executions of strategy %d", sc, want, runs, i)
		}
	}
	if want == "" {
		t.Logf("%d executions clean, %d steps each on average; c=00000002 on the LRU for at least %d steps; longest hot stretch %d (bound %d)",
			total, steps/total, minOnLRU, maxHot, checker.DefaultLivenessBound)
	}
}
