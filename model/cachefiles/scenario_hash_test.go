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
		"cull-vs-use/random":           "a4b91e5ae20f03f9",
		"cull-vs-use/pct":              "87926e5537f433b2",
		"enospc-during-write/random":   "916120d022e5a207",
		"enospc-during-write/pct":      "4cca85bb76318eeb",
		"crash-and-rebind/random":      "ab6ac235d7d0758b",
		"crash-and-rebind/pct":         "79ca4b50b238240c",
		"netfs-over-cachefiles/random": "2aade7e8690da694",
		"netfs-over-cachefiles/pct":    "a2ace5478e0b9b66",
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
