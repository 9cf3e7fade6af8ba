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
		"cull-vs-use/random":           "a05a38595c60d15b",
		"cull-vs-use/pct":              "19b99548aa00c4de",
		"enospc-during-write/random":   "ce4a677b4bba0c45",
		"enospc-during-write/pct":      "576f26aeaea2077a",
		"crash-and-rebind/random":      "397a73f6b60d0211",
		"crash-and-rebind/pct":         "a5cde0c115ae1c43",
		"netfs-over-cachefiles/random": "905b253160e298b7",
		"netfs-over-cachefiles/pct":    "c1813452fdcec43e",
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
