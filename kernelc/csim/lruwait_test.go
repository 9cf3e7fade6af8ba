//go:build fscachesim_kernelc

package csim

import (
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// TestLRUWait explores lru-wait and lru-io-wait (kc_driver.c): a cookie
// waits (on the LRU; with an LRU discard pending on a read in flight)
// through a long stretch of work on a second cookie. On a correct tree every
// execution passes every check of package checker at the default liveness
// bound, and in every execution the second cookie lives for more steps than
// that bound (and in lru-wait the first stays on the LRU that long), so a
// tree that leaves the wait with nobody due to end it holds a monitor hot
// past the bound: kernelc's TestBrokenTreeCaughtByL1 (the LRU timer not
// armed) and TestBrokenTreeCaughtByL5 (the end of an access not waking the
// state machine). With FSCACHESIM_KERNELC_WANT set, the test wants that
// check to fail instead (in some execution of each strategy's first runs)
// and the failure's trace to replay and shrink;
// FSCACHESIM_KERNELC_SCENARIO picks one of the two.
func TestLRUWait(t *testing.T) {
	for _, sc := range []string{"lru-wait", "lru-io-wait"} {
		if w := os.Getenv("FSCACHESIM_KERNELC_SCENARIO"); w == "" || w == sc {
			lruWait(t, sc)
		}
	}
}

func lruWait(t *testing.T, sc string) {
	want := os.Getenv("FSCACHESIM_KERNELC_WANT")
	runs := 5 // per strategy in make test: each execution is ~7,000 steps
	if n, err := strconv.Atoi(os.Getenv("FSCACHESIM_KERNELC_LRUWAIT_RUNS")); err == nil && n > 0 {
		runs = n // the soak: 10^4 in all
	}
	var total, steps int64
	minOnLRU, maxHot, minLife := int64(-1), int64(0), int64(math.MaxInt64)
	for i, mk := range strategies() {
		found := false
		for seed := uint64(0); seed < uint64(runs) && !found; seed++ {
			var f *fscache.Fscache
			var ck *checker.Checker
			var first, last, born, died int64 = -1, -1, -1, -1
			hook := func(k *sim.Kernel) {
				for _, c := range f.LRU() {
					if c.DebugID == 2 {
						if first < 0 {
							first = k.Step()
						}
						last = k.Step()
					}
				}
				for _, c := range f.Cookies() {
					if c.DebugID == 3 {
						if born < 0 {
							born = k.Step()
						}
						died = k.Step()
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
				if born < 0 || died-born <= checker.DefaultLivenessBound {
					t.Fatalf("%s strategy %d seed %d: c=00000003 lived %d steps (from step %d), want more than the liveness bound %d",
						sc, i, seed, died-born, born, checker.DefaultLivenessBound)
				}
				minLife = min(minLife, died-born)
				on := last - first
				if sc != "lru-wait" {
					on = math.MaxInt64
				}
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
	if want == "" && sc != "lru-wait" {
		t.Logf("%s: %d executions clean, %d steps each on average; c=00000003 alive for at least %d steps; longest hot stretch %d (bound %d)",
			sc, total, steps/total, minLife, maxHot, checker.DefaultLivenessBound)
	} else if want == "" {
		t.Logf("%s: %d executions clean, %d steps each on average; c=00000003 alive for at least %d steps; c=00000002 on the LRU for at least %d steps; longest hot stretch %d (bound %d)",
			sc, total, steps/total, minLife, minOnLRU, maxHot, checker.DefaultLivenessBound)
	}
}
