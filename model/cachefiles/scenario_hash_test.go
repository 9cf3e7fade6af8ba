package cachefiles_test

import (
	"fmt"
	"hash/fnv"
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// TestScenarioHashes pins what the cachefiles scenarios do, seed by seed:
// the outcome, steps, decisions, virtual time, event count and running
// hash (every step and every event with all its fields) of seeds 1..40 of
// each, under random walk and PCT, folded into one digest per scenario
// and strategy. An optimisation of the virtual disk or of the model must
// leave every digest as it is; a change of behaviour (a new scheduling
// point, a new decision, an event field) changes one, and is then to be
// made on purpose, with the digests updated in the same commit.
func TestScenarioHashes(t *testing.T) {
	want := map[string]string{
		"cull-vs-use/random":           "2e828c4edab58ca8",
		"cull-vs-use/pct":              "05f76b50ad1fa136",
		"enospc-during-write/random":   "a641d1e8efdad24c",
		"enospc-during-write/pct":      "b87b5a6cb860410a",
		"crash-and-rebind/random":      "68c1548a0b3a717d",
		"crash-and-rebind/pct":         "58a86f975d8a843f",
		"netfs-over-cachefiles/random": "73812ac0c566f9ff",
		"netfs-over-cachefiles/pct":    "895418e68b1f8394",
	}
	for _, name := range []string{"cull-vs-use", "enospc-during-write", "crash-and-rebind", "netfs-over-cachefiles"} {
		s, err := scenarios.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range []string{"random", "pct"} {
			h := fnv.New64a()
			for seed := 1; seed <= 40; seed++ {
				var strat sim.Strategy = &sched.RandomWalk{}
				if st == "pct" {
					strat = &sched.PCT{Depth: 1 + seed%3, Steps: 2000}
				}
				res, _, _ := scenarios.Execute(s, model.Bugs{}, sim.Options{Seed: uint64(seed), Strategy: strat})
				fmt.Fprintf(h, "%d %v %x %d %d %d %d %v\n", seed, res.Outcome, res.Hash, res.Steps, res.Decisions, res.Time, res.Events, res.Failure)
			}
			key := name + "/" + st
			if got := fmt.Sprintf("%016x", h.Sum64()); got != want[key] {
				t.Errorf("%s: digest %s, want %s", key, got, want[key])
			}
		}
	}
}
