package checker_test

import (
	"testing"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// TestFaultsNoFalseAlarms runs the failure paths of the state machine
// (lookup failing with and without fscache_caching_failed, invalidation
// failing, no on-disk volume, a cache I/O error) under racing users, an
// invalidator and eviction, for many seeds: the paths the default
// scenarios do not take (T3, T6, T6', T8', GOT_IOERROR) must not raise
// false alarms either, in particular the deferred I-18 check around
// fscache_caching_failed.
func TestFaultsNoFalseAlarms(t *testing.T) {
	faults := []struct {
		name string
		set  func(b *fscache.MemBackend)
		// inval: an invalidator races. Not where a lookup ends in
		// QUIESCENT (no on-disk volume, or a plain lookup failure): an
		// invalidation during LOOKING_UP then keeps its access and the
		// relinquish never completes, quirk Q-2, a finding (I-2).
		inval bool
		rows  []string
	}{
		{"lookup fails, caching_failed", func(b *fscache.MemBackend) { b.FailLookup = 1 }, true, []string{"T6"}},
		{"lookup fails plainly", func(b *fscache.MemBackend) { b.FailLookup = 2 }, false, []string{"T6'"}},
		{"invalidation fails", func(b *fscache.MemBackend) { b.FailInvalidate = true }, true, []string{"T8'"}},
		{"no on-disk volume", func(b *fscache.MemBackend) { b.FailAcquireVolume = true }, false, []string{"T3"}},
		{"cache I/O error", func(b *fscache.MemBackend) {}, true, nil},
	}
	for _, fc := range faults {
		for _, st := range strategies {
			t.Run(fc.name+"/"+st.name, func(t *testing.T) {
				t.Parallel()
				cov := checker.NewCoverage()
				for seed := 0; seed < 500; seed++ {
					v, ck := runFaultWorld(seed, st.strat(seed), fc.set, fc.inval, fc.name == "cache I/O error")
					if !v.Pass {
						t.Fatalf("seed %d: %v", seed, v)
					}
					cov.Merge(ck.Coverage())
				}
				for _, row := range fc.rows {
					if cov.Rows[row] == 0 {
						t.Errorf("row %s never taken: the fault path was not exercised", row)
					}
				}
			})
		}
	}
}

func runFaultWorld(seed int, strat sim.Strategy, faults func(*fscache.MemBackend), inval, ioErr bool) (checker.Verdict, *checker.Checker) {
	k := sim.New(sim.Options{Seed: uint64(seed), Strategy: strat})
	k.ExpectAllFreed()
	w := &world{k: k, f: fscache.New(k, model.Bugs{})}
	w.ck = checker.New(w.f, checker.Options{})
	w.ck.Attach(k)
	var c *fscache.Cookie
	var done sim.Completion
	users := 2
	k.Spawn("netfs-0", func(t *sim.Thread) {
		b, err := fscache.NewMemBackend(t, w.f, "mycache")
		if err != nil {
			t.Bug("setup", "bind: %v", err)
		}
		faults(b)
		w.mem = b
		if w.vol, err = w.f.AcquireVolume(t, "afs,example.com,1000001a", "mycache", nil); err != nil {
			t.Bug("setup", "acquire volume: %v", err)
		}
		c = w.acquire(t, "inode-1")
		w.ready.CompleteAll(t)
		user(t, c)
		done.Complete(t)
	})
	k.Spawn("netfs-1", func(t *sim.Thread) {
		w.ready.Wait(t)
		user(t, c)
		done.Complete(t)
	})
	if inval {
		users++
		k.Spawn("invalidator", func(t *sim.Thread) {
			w.ready.Wait(t)
			t.Sleep(sim.Time(k.Rand(sim.CompWorkload, 3)) * 500 * sim.Microsecond)
			fscache.UseCookie(t, c, false)
			fscache.Invalidate(t, c, []byte("v2"), 4096, 0)
			fscache.UnuseCookie(t, c, nil, nil)
			done.Complete(t)
		})
	}
	if ioErr {
		users++
		k.Spawn("disk", func(t *sim.Thread) {
			w.ready.Wait(t)
			t.Sleep(sim.Time(k.Rand(sim.CompWorkload, 3)) * 500 * sim.Microsecond)
			fscache.IOError(t, w.mem.Cache)
			done.Complete(t)
		})
	}
	k.Spawn("evict", func(t *sim.Thread) {
		w.ready.Wait(t)
		for i := 0; i < users; i++ {
			done.Wait(t)
		}
		fscache.RelinquishCookie(t, c, k.Rand(sim.CompWorkload, 2) == 1)
		w.teardown(t)
	})
	return w.run(), w.ck
}

// user opens the file, reads it (copying to the cache on a miss), writes
// it, and closes it, twice, with time for the lookup to run in between.
func user(t *sim.Thread, c *fscache.Cookie) {
	for i := 0; i < 2; i++ {
		fscache.UseCookie(t, c, i == 1)
		t.Sleep(sim.Time(t.Kernel().Rand(sim.CompWorkload, 3)) * 500 * sim.Microsecond)
		var cres fscache.CacheResources
		if fscache.BeginReadOperation(t, &cres, c) == nil {
			if _, err := cres.Ops.Read(t, &cres, 0, make([]byte, 4096), fscache.ReadHoleFail, nil); err != nil {
				start, length := int64(0), int64(4096)
				if cres.Ops.PrepareWrite(t, &cres, &start, &length, 4096, false) == nil {
					cres.Ops.Write(t, &cres, start, make([]byte, length), nil)
				}
			}
			fscache.EndOperation(t, &cres)
		}
		fscache.UnuseCookie(t, c, nil, nil)
	}
}
