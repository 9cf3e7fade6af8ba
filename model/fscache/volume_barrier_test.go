package fscache

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// createVolumeRace runs two lookups that need the volume made on disk
// (fscache_create_volume(volume, true), as fscache_perform_lookup calls
// it) against fscache_create_volume_work. With raced set they start once
// the work is done: the first to set CREATING finds cache_priv there and
// takes the no-wait path (clear and wake, CVE-2024-56755's code), the
// other, finding CREATING set, waits for it; otherwise they start at once
// and wait for the work to clear CREATING.
func createVolumeRace(seed uint64, mem sim.MemoryModel, bugs model.Bugs, raced bool) sim.Result {
	var st sim.Strategy = &sched.RandomWalk{}
	if seed%2 == 1 {
		st = &sched.POS{}
	}
	k := sim.New(sim.Options{Seed: seed, Strategy: st, Memory: mem, MaxSteps: 1 << 16})
	f := New(k, bugs)
	var v *Volume
	lookup := func(t *sim.Thread) {
		// Spin (a few yields) while the volume is being acquired, so the
		// lookup can overlap the create work; then poll on the clock.
		for i := 0; v == nil || raced && (v.CachePriv == nil || v.flags.Has(VolCreating)); i++ {
			if v == nil && i < 64 {
				t.Yield()
			} else {
				t.Sleep(1)
			}
		}
		createVolume(t, v, true)
	}
	k.Spawn("netfs", func(t *sim.Thread) {
		if _, err := NewMemBackend(t, f, "mycache"); err != nil {
			t.Bug("test", "bind: %v", err)
		}
		v, _ = f.AcquireVolume(t, "afs,example.com", "mycache", nil)
	})
	k.Spawn("lookup1", lookup)
	k.Spawn("lookup2", lookup)
	return k.Run()
}

// The two missing barriers before wake_up_bit(FSCACHE_VOLUME_CREATING)
// (bug switches create-volume-work-no-mb, fixed in 2023, and
// create-volume-raced-no-mb, CVE-2024-56755) lose a lookup's wake-up
// under the weak-memory mode: the lost-wakeup check fires, naming a lookup
// asleep in wait_on_bit(volume CREATING), within 2,000 executions. With
// the switches off (6.12) 20,000 weak-memory executions of each pass, and
// with them on, sequentially consistent runs pass (the bug needs a store
// buffer).
func TestVolumeCreatingBarrier(t *testing.T) {
	cases := []struct {
		bug   string
		bugs  model.Bugs
		raced bool
	}{
		{"create-volume-work-no-mb", model.Bugs{VolumeCreateWorkNoBarrier: true}, false},
		{"create-volume-raced-no-mb", model.Bugs{VolumeCreateRacedNoBarrier: true}, true},
	}
	for _, tc := range cases {
		t.Run(tc.bug, func(t *testing.T) {
			found := -1
			for seed := uint64(0); seed < 2000 && found < 0; seed++ {
				res := createVolumeRace(seed, sim.MemWeak, tc.bugs, tc.raced)
				if res.Outcome == sim.OutcomePass {
					continue
				}
				f := res.Failure
				if f == nil || f.Check != sim.CheckLostWakeup || len(f.Waiters) != 1 || f.Waiters[0].What != "volume CREATING" {
					t.Fatalf("seed %d: %v %v, want a lost wake-up in wait_on_bit(volume CREATING)", seed, res.Outcome, f)
				}
				found = int(seed)
				t.Logf("found at execution %d: %v", seed, f)
			}
			if found < 0 {
				t.Fatal("not found within 2,000 weak-memory executions")
			}
			for seed := uint64(0); seed < 2000; seed++ {
				if res := createVolumeRace(seed, sim.MemSC, tc.bugs, tc.raced); res.Outcome != sim.OutcomePass {
					t.Fatalf("sc seed %d: %v %v", seed, res.Outcome, res.Failure)
				}
			}
			for seed := uint64(0); seed < 20000; seed++ {
				if res := createVolumeRace(seed, sim.MemWeak, model.Bugs{}, tc.raced); res.Outcome != sim.OutcomePass {
					t.Fatalf("fixed, weak seed %d: %v %v", seed, res.Outcome, res.Failure)
				}
			}
		})
	}
}
