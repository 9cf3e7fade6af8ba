package scenarios

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// TestWorldFeaturesReached: every swarm feature of the random worlds is
// drawn by some seed, and its actor's code runs (the world's own counts of
// what its actors did); "random" passes every one of these seeds.
func TestWorldFeaturesReached(t *testing.T) {
	type feature struct {
		name    string
		enabled func(f worldFeatures) bool
		ran     func(s worldStats) int64
	}
	cases := []struct {
		scenario string
		disk     bool
		seeds    int
		features []feature
	}{
		{"random", false, 400, []feature{
			{"cull and inuse", func(f worldFeatures) bool { return f.cull }, func(s worldStats) int64 { return int64(s.culls + s.inuses) }},
			{"a cull that buried an object", func(f worldFeatures) bool { return f.cull }, func(s worldStats) int64 { return int64(s.culls) }},
			{"second mount refused", func(f worldFeatures) bool { return f.secondMount }, func(s worldStats) int64 { return int64(s.mountBusy) }},
			{"second mount that got the volume", func(f worldFeatures) bool { return f.secondMount }, func(s worldStats) int64 { return int64(s.mountTwice) }},
			{"keys at the limits", func(f worldFeatures) bool { return f.limitKeys }, func(s worldStats) int64 { return int64(s.keyCookies) }},
			{"long volume key", func(f worldFeatures) bool { return f.limitKeys }, func(s worldStats) int64 { return int64(s.longVolumes) }},
			{"module unload", func(f worldFeatures) bool { return f.unload }, func(s worldStats) int64 { return int64(s.unloads) }},
			{"allocation failures injected", func(f worldFeatures) bool { return f.allocFaults }, func(s worldStats) int64 { return s.allocFails }},
		}},
		{"random-slow", false, 100, []feature{
			{"a volume collision wait timed out (slow backend)", func(f worldFeatures) bool { return f.slowWithdraw }, func(s worldStats) int64 { return int64(s.volumeNotices) }},
		}},
		{"random-disk", true, 200, []feature{
			{"disk faults switched", func(f worldFeatures) bool { return anyFaults(f.diskFaults) }, func(s worldStats) int64 { return int64(s.faultFlips) }},
			{"crash", func(f worldFeatures) bool { return f.crash }, func(s worldStats) int64 { return int64(s.crashes) }},
			{"coherent data served after the rebind", func(f worldFeatures) bool { return f.crash }, func(s worldStats) int64 { return int64(s.rebootReads) }},
			{"another user filling the disk", func(f worldFeatures) bool { return f.hog }, func(s worldStats) int64 { return s.hogBlocks }},
			{"tight thresholds", func(f worldFeatures) bool { return f.tight }, func(s worldStats) int64 { return int64(s.tightConfigs) }},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			s, err := Get(tc.scenario)
			if err != nil {
				t.Fatal(err)
			}
			enabled := make([]int, len(tc.features))
			ran := make([]int64, len(tc.features))
			for seed := 0; seed < tc.seeds; seed++ {
				opts := sim.Options{Seed: uint64(seed), Strategy: &sched.RandomWalk{}}
				// The world's first draws are its features: the same seed
				// draws the same ones on a fresh kernel.
				f := drawWorld(sim.New(opts), tc.disk)
				if tc.scenario == "random-slow" {
					drawSlow(&f)
				}
				res, _, w := Execute(s, model.Bugs{}, opts)
				w.stats.volumeNotices = int(w.F.Stats.VolumesCollision)
				if tc.scenario == "random" && res.Outcome != sim.OutcomePass {
					t.Fatalf("seed %d: %v %v", seed, res.Outcome, res.Failure)
				}
				for i, ft := range tc.features {
					if ft.enabled(f) {
						enabled[i]++
						ran[i] += ft.ran(w.stats)
					}
				}
			}
			for i, ft := range tc.features {
				t.Logf("%s: enabled in %d of %d seeds, ran %d times", ft.name, enabled[i], tc.seeds, ran[i])
				if enabled[i] == 0 || ran[i] == 0 {
					t.Errorf("%s: enabled in %d seeds, its code ran %d times", ft.name, enabled[i], ran[i])
				}
			}
		})
	}
}

// TestWorldFindsExitBug: a historical bug the random world of the last
// session did not find within 20,000 executions (exit-keeps-lru-timer:
// module exit leaves the LRU timer armed) is found by "random" now that it
// unloads the modules at the end, with the failure the bug showed.
func TestWorldFindsExitBug(t *testing.T) {
	s, err := Get("random")
	if err != nil {
		t.Fatal(err)
	}
	bugs := model.Bugs{ExitKeepsLRUTimer: true}
	for seed := 0; seed < 300; seed++ {
		res, _, _ := Execute(s, bugs, sim.Options{Seed: uint64(seed), Strategy: &sched.RandomWalk{}})
		if res.Outcome == sim.OutcomeFail {
			if res.Failure.Check != "use-after-free" {
				t.Fatalf("seed %d: found %v, want a use-after-free", seed, res.Failure)
			}
			t.Logf("found at seed %d: %v", seed, res.Failure)
			return
		}
	}
	t.Fatal("exit-keeps-lru-timer not found within 300 seeds")
}

// TestAPIViolatorOptIn: the API violator is in no default exploration, and
// what it breaks is found: most of its worlds fail, each after exactly one
// announced violation.
func TestAPIViolatorOptIn(t *testing.T) {
	for _, s := range Default() {
		if s.Name == "random-api-violations" {
			t.Fatal("random-api-violations is in the default set")
		}
	}
	s, err := Get("random-api-violations")
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for seed := 0; seed < 100; seed++ {
		res, _, w := Execute(s, model.Bugs{}, sim.Options{Seed: uint64(seed), Strategy: &sched.RandomWalk{}})
		if w.stats.violations != 1 {
			t.Fatalf("seed %d: %d violations made, want 1", seed, w.stats.violations)
		}
		if res.Outcome == sim.OutcomeFail {
			failed++
		}
	}
	if failed < 50 {
		t.Errorf("only %d of 100 worlds with an API violation failed", failed)
	}
}
