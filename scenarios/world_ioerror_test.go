package scenarios

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// TestRandomDiskRebootAfterIOError: the two random-disk executions that
// reached quirk Q-28 (a cache stopped by an I/O error commits the
// coherency data of an AFS write-back it refused; the next boot's read
// served the old contents: netfs-coherency) pass now that the world's
// reboot does not read back the files of a disk whose cache died of an
// I/O error. Before that change both failed with netfs-coherency.
func TestRandomDiskRebootAfterIOError(t *testing.T) {
	s, err := Get("random-disk")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		seed  uint64
		strat sim.Strategy
		mem   sim.MemoryModel
	}{
		{10276, &sched.PCT{Depth: 3, Steps: 400}, sim.MemSC}, // pct:3 (explorer.PCTSteps)
		{67680, &sched.RandomWalk{}, sim.MemWeak},            // random+weak
	}
	for _, tc := range cases {
		res, _, _ := Execute(s, model.Bugs{}, sim.Options{Seed: tc.seed, Strategy: tc.strat, Memory: tc.mem})
		if res.Outcome != sim.OutcomePass {
			t.Errorf("seed %d: %v %v, want a pass", tc.seed, res.Outcome, res.Failure)
		}
	}
}

// TestRandomDiskInvalidationBuryFailed: random-disk seed 32363 under
// pct:2 invalidates an object whose old file's unlink then fails with EIO
// (the cache dies of it); the old inode keeps the S_KERNEL_FILE its lookup
// set, as 6.12's cachefiles_invalidate_cookie leaves it, and the
// end-of-run checks (disk-unbind, cachefiles-inuse) excuse it as they
// excuse a cull's victim in a dead cache. Before, disk-unbind failed here.
func TestRandomDiskInvalidationBuryFailed(t *testing.T) {
	s, err := Get("random-disk")
	if err != nil {
		t.Fatal(err)
	}
	res, _, _ := Execute(s, model.Bugs{}, sim.Options{Seed: 32363, Strategy: &sched.PCT{Depth: 2, Steps: 400}})
	if res.Outcome != sim.OutcomePass {
		t.Errorf("%v %v, want a pass", res.Outcome, res.Failure)
	}
}
