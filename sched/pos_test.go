package sched_test

import (
	"testing"

	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// handoff fails only in one order of conflicting steps: the reader must
// see the first of the writer's two stores, then the writer must see the
// reader's reply before its second store is read back.
func handoff(k *sim.Kernel, seen notes) func(sim.Result) error {
	var x, y sim.Var[int]
	var noise sim.Var[int]
	k.Spawn("writer", func(t *sim.Thread) {
		x.Store(t, 1)
		for i := 0; i < 4; i++ {
			noise.Store(t, i) // independent of the reader: POS keeps its priorities
		}
		if y.Load(t) == 1 {
			x.Store(t, 2)
		}
	})
	k.Spawn("reader", func(t *sim.Thread) {
		for i := 0; i < 4; i++ {
			t.Yield()
		}
		if x.Load(t) == 1 {
			y.Store(t, 1)
			if x.Load(t) == 2 {
				t.Bug("handoff", "reader saw both stores around its reply")
			}
		}
	})
	return nil
}

// POS finds the handoff bug, which needs the reader to run between the
// writer's first store and its load, and again after the writer's second
// store, within a fixed budget of seeds; and the failing run replays
// strictly from its log to the same hash.
func TestPOSFindsOrderBug(t *testing.T) {
	found := 0
	for seed := uint64(0); seed < 400; seed++ {
		k, res, _ := runProgram(handoff, seed, &sched.POS{}, false)
		if res.Outcome == sim.OutcomePass {
			continue
		}
		if err := wantFailure(res.Failure, sim.FailInvariant, "handoff"); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		found++
		_, r2, _ := runProgram(handoff, 0, &sched.Replay{Log: k.Log(), Strict: true}, false)
		if r2.Hash != res.Hash || r2.Outcome != res.Outcome {
			t.Fatalf("seed %d: strict replay gives %v hash %x, want %v hash %x", seed, r2.Outcome, r2.Hash, res.Outcome, res.Hash)
		}
	}
	if found == 0 {
		t.Fatal("POS never found the handoff bug in 400 seeds")
	}
	t.Logf("POS found the handoff bug in %d of 400 seeds", found)
}

// POS is a function of its seed: the same seed gives the same decision log
// and hash, another seed (almost always) another log.
func TestPOSDeterminism(t *testing.T) {
	logs := map[string]bool{}
	for seed := uint64(0); seed < 20; seed++ {
		k1, r1, _ := runProgram(busy, seed, &sched.POS{}, true)
		k2, r2, _ := runProgram(busy, seed, &sched.POS{}, true)
		if k1.Log().String() != k2.Log().String() || r1.Hash != r2.Hash {
			t.Fatalf("seed %d: two runs differ: %v / %v, hash %x / %x", seed, k1.Log(), k2.Log(), r1.Hash, r2.Hash)
		}
		logs[k1.Log().String()] = true
	}
	if len(logs) < 10 {
		t.Fatalf("20 seeds gave only %d distinct schedules", len(logs))
	}
}
