package scenarios_test

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

var cfScenarios = []string{"cull-vs-use", "enospc-during-write", "crash-and-rebind", "netfs-over-cachefiles"}

// TestCachefilesListed: the cachefiles scenarios are registered (so the
// command line finds them by name) and explored by default.
func TestCachefilesListed(t *testing.T) {
	if len(scenarios.Cachefiles()) != len(cfScenarios) {
		t.Fatalf("%d cachefiles scenarios, want %d", len(scenarios.Cachefiles()), len(cfScenarios))
	}
	for _, name := range cfScenarios {
		if _, err := scenarios.Get(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		found := false
		for _, s := range scenarios.Default() {
			found = found || s.Name == name
		}
		if !found {
			t.Errorf("%s is not in Default()", name)
		}
	}
}

// TestCachefilesScenarios runs each cachefiles scenario over many seeds
// under random walk and PCT with every check on (fscache's and the
// cachefiles extension's): none may fail, and each must exercise what it
// is named for at least once.
func TestCachefilesScenarios(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 50
	}
	for _, name := range cfScenarios {
		for _, st := range []struct {
			name  string
			strat func(seed int) sim.Strategy
		}{
			{"random", func(int) sim.Strategy { return &sched.RandomWalk{} }},
			{"pct", func(seed int) sim.Strategy { return &sched.PCT{Depth: 1 + seed%3, Steps: 2000} }},
		} {
			t.Run(name+"/"+st.name, func(t *testing.T) {
				t.Parallel()
				s, ok := scenarios.CachefilesScenario(name)
				if !ok {
					t.Fatalf("no scenario %q", name)
				}
				marks := map[string]int{}
				for seed := 0; seed < seeds; seed++ {
					res, k, _ := scenarios.Execute(s, model.Bugs{}, sim.Options{Seed: uint64(seed), Strategy: st.strat(seed), Record: true})
					if res.Outcome != sim.OutcomePass || res.Failure != nil {
						t.Fatalf("seed %d: %v %v", seed, res.Outcome, res.Failure)
					}
					for _, e := range k.Events() {
						switch {
						case e.Type.Name() == "cachefiles_unlink" && e.Args[1] == 5:
							marks["culled"]++
						case e.Type.Name() == "cachefiles_state" && e.Str[0] == "begin culling":
							marks["culling"]++
						case e.Type.Name() == "cachefiles_coherency" && e.Str[0] == "OK      ":
							marks["coherent-open"]++
						case e.Type.Name() == "cachefiles_state" && len(e.Str[0]) > 12 && e.Str[0][:12] == "disk crashed":
							marks["crashed"]++
						case e.Type.Name() == "fscache_mark" && e.Str[0] == "netfs read served from the cache":
							marks["hit"]++
						}
					}
				}
				want := map[string][]string{
					"cull-vs-use":           {"culled", "coherent-open"},
					"enospc-during-write":   {"culling"},
					"crash-and-rebind":      {"crashed", "coherent-open", "hit"},
					"netfs-over-cachefiles": {"coherent-open", "hit"},
				}[name]
				for _, m := range want {
					if marks[m] == 0 {
						t.Errorf("%s never happened in %d seeds (%v)", m, seeds, marks)
					}
				}
			})
		}
	}
}
