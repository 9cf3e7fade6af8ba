package checker_test

import (
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// TestCookieRulesCaught: each cookie rule of checker/cookierules.go (and
// the R-call rows it adds) catches a model broken that way, at the step the
// rule is broken: each case is a survivor of the first full mutation run
// put back as a test-only mutant.
func TestCookieRulesCaught(t *testing.T) {
	catchMutants(t, []mutantCase{
		{"creating-before-no-data", func(m *fscache.Mutants) { m.CreatingBeforeNoData = true }, "netfs-read-write",
			"C-creating", "enters CREATING without NO_DATA_TO_READ", 200},
		{"prep-to-write-unasked", func(m *fscache.Mutants) { m.PrepToWriteUnasked = true }, "netfs-read-write",
			"C-prep-write", "->prepare_to_write", 200},
		{"access-gate-ignores-cache", func(m *fscache.Mutants) { m.AccessGateIgnoresCache = true }, "withdraw-cache-during-io",
			"C-access-gate", "grants an access while its cache", 400},
		{"lru-never-discards", func(m *fscache.Mutants) { m.LRUNeverDiscards = true }, "lru-vs-use",
			"C-lru", "does not set DO_LRU_DISCARD", 200},
		{"lru-worker-leaves-one", func(m *fscache.Mutants) { m.LRUWorkerLeavesOne = true }, "lru-vs-use",
			"C-lru", "stops with the cookie at the head", 200},
		{"relinquish-volume-keeps-access", func(m *fscache.Mutants) { m.RelinquishVolumeKeepsAccess = true }, "netfs-read-write",
			"C-volume-free", "freed with n_accesses", 200},
		{"mem-withdraw-skips-pin-only", func(m *fscache.Mutants) { m.MemWithdrawSkipsPinOnly = true }, "withdraw-cache-during-io",
			"C-volume-pin", "still holding the backend's pin", 400},
		{"cachefiles-commit-always-rewrites", func(m *fscache.Mutants) { m.CachefilesCommitAlwaysRewrites = true }, "cull-vs-use",
			"C-commit-xattr", "rewrites the object's coherency xattr", 400},
		{"free-volume-no-access", func(m *fscache.Mutants) { m.FreeVolumeNoAccess = true }, "netfs-read-write",
			"R-call", "free_volume: called for V=", 200},
	})
}

// plantedRun runs body in a hand-built world (helpers_test.go) under a
// random walk with seed, the model broken by set when mutate is true.
func plantedRun(seed uint64, mutate bool, set func(m *fscache.Mutants), body func(w *world, t *sim.Thread)) checker.Verdict {
	k := sim.New(sim.Options{Seed: seed, Strategy: &sched.RandomWalk{}})
	k.ExpectAllFreed()
	w := &world{k: k, f: fscache.New(k, model.Bugs{})}
	w.ck = checker.New(w.f, checker.Options{})
	w.ck.Attach(k)
	if mutate {
		set(&w.f.Mutants)
	}
	body(w, nil)
	return w.run()
}

// catchPlanted runs the planted world over seeds: unmutated it must pass at
// every seed; mutated, some seed must fail with check saying says (and no
// seed with another failure before it).
func catchPlanted(t *testing.T, seeds int, set func(m *fscache.Mutants), check, says string, body func(w *world, t *sim.Thread)) {
	t.Helper()
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		if v := plantedRun(seed, false, set, body); !v.Pass {
			t.Fatalf("unmutated, seed %d: %v", seed, v)
		}
		v := plantedRun(seed, true, set, body)
		if v.Pass {
			continue
		}
		if v.Failure == nil || v.Failure.Check != check || !strings.Contains(v.Failure.Msg, says) {
			t.Fatalf("mutated, seed %d: %v, want [%s] saying %q", seed, v, check, says)
		}
		t.Logf("caught at seed %d: %v", seed, v.Failure)
		return
	}
	t.Fatalf("mutant not caught within %d seeds", seeds)
}

// TestCookieRulesPlanted: the cookie rules whose breakage the scenarios
// reach rarely, each caught in a small planted world (and the same world
// unmutated passes).
func TestCookieRulesPlanted(t *testing.T) {
	spawn := func(body func(w *world, t *sim.Thread)) func(w *world, _ *sim.Thread) {
		return func(w *world, _ *sim.Thread) { w.k.Spawn("netfs", func(t *sim.Thread) { body(w, t) }) }
	}
	t.Run("new-cookie-flags", func(t *testing.T) {
		catchPlanted(t, 1, func(m *fscache.Mutants) { m.NewCookieNeedsUpdate = true }, "C-new-flags", "not NO_DATA_TO_READ",
			spawn(func(w *world, t *sim.Thread) {
				w.bind(t)
				c := fscache.AcquireCookie(t, w.vol, 0, []byte("inode-0"), []byte("v1"), 0)
				fscache.RelinquishCookie(t, c, false)
				w.teardown(t)
			}))
	})
	// A DIO write turns caching off until the last unuse: an update and a
	// resize made meanwhile are no-ops.
	t.Run("update-while-disabled", func(t *testing.T) {
		catchPlanted(t, 1, func(m *fscache.Mutants) { m.UpdateWhileDisabled = true }, "C-disabled", "update_cookie went past",
			spawn(func(w *world, t *sim.Thread) {
				w.bind(t)
				c := w.acquire(t, "inode-1")
				fscache.UseCookie(t, c, true)
				fscache.Invalidate(t, c, []byte("v2"), 4096, fscache.InvalDIOWrite)
				fscache.UpdateCookie(t, c, []byte("v3"), nil)
				fscache.ResizeCookie(t, c, 8192)
				fscache.UnuseCookie(t, c, nil, nil)
				fscache.RelinquishCookie(t, c, false)
				w.teardown(t)
			}))
	})
	t.Run("dio-invalidate-no-disable", func(t *testing.T) {
		catchPlanted(t, 1, func(m *fscache.Mutants) { m.DIOInvalidateNoDisable = true }, "C-disabled", "without DISABLED set",
			spawn(func(w *world, t *sim.Thread) {
				w.bind(t)
				c := w.acquire(t, "inode-1")
				fscache.UseCookie(t, c, true)
				fscache.Invalidate(t, c, []byte("v2"), 4096, fscache.InvalDIOWrite)
				fscache.UnuseCookie(t, c, nil, nil)
				fscache.RelinquishCookie(t, c, false)
				w.teardown(t)
			}))
	})
	// A read waits in fscache_wait_for_operation while the cookie is
	// INVALIDATING; the invalidation fails, so the cookie goes FAILED and
	// the read must give up rather than go on.
	t.Run("wait-for-operation-no-recheck", func(t *testing.T) {
		catchPlanted(t, 200, func(m *fscache.Mutants) { m.WaitForOperationNoRecheck = true }, "R-call", "wait_for_operation: lets the backend go on",
			func(w *world, _ *sim.Thread) {
				var begun, invalidating sim.Completion
				var c *fscache.Cookie
				w.k.Spawn("reader", func(t *sim.Thread) {
					w.bind(t)
					c = w.acquire(t, "inode-1")
					fscache.UseCookie(t, c, false)
					var cres fscache.CacheResources
					err := fscache.BeginReadOperation(t, &cres, c)
					begun.Complete(t)
					if err == nil {
						invalidating.Wait(t)
						buf := make([]byte, 4096)
						fscache.Read(t, &cres, 0, buf, 0, nil)
						fscache.EndOperation(t, &cres)
					}
					fscache.UnuseCookie(t, c, nil, nil)
					t.Sleep(sim.Second)
					fscache.RelinquishCookie(t, c, false)
					w.teardown(t)
				})
				w.k.Spawn("invalidator", func(t *sim.Thread) {
					begun.Wait(t)
					w.mem.FailInvalidate = true
					fscache.Invalidate(t, c, []byte("v2"), 4096, 0)
					invalidating.Complete(t)
				})
			})
	})
	t.Run("second-dio-invalidate", func(t *testing.T) {
		catchPlanted(t, 300, func(m *fscache.Mutants) { m.DIOInvalidateAlways = true }, "C-disabled", "a second DIO-write invalidation",
			func(w *world, _ *sim.Thread) {
				var ready sim.Completion
				var c *fscache.Cookie
				var done sim.Completion
				w.k.Spawn("writer-1", func(t *sim.Thread) {
					w.bind(t)
					c = w.acquire(t, "inode-1")
					fscache.UseCookie(t, c, true)
					ready.CompleteAll(t)
					fscache.Invalidate(t, c, []byte("v2"), 4096, fscache.InvalDIOWrite)
					done.Wait(t)
					fscache.UnuseCookie(t, c, nil, nil)
					fscache.RelinquishCookie(t, c, false)
					w.teardown(t)
				})
				w.k.Spawn("writer-2", func(t *sim.Thread) {
					ready.Wait(t)
					fscache.UseCookie(t, c, true)
					fscache.Invalidate(t, c, []byte("v3"), 4096, fscache.InvalDIOWrite)
					fscache.UnuseCookie(t, c, nil, nil)
					done.Complete(t)
				})
			})
	})
	t.Run("resize-after-end-operation", func(t *testing.T) {
		catchPlanted(t, 1, func(m *fscache.Mutants) { m.ResizeAfterEndOperation = true }, "R-call", "resize_cookie: the backend's resize",
			spawn(func(w *world, t *sim.Thread) {
				w.bind(t)
				c := w.acquire(t, "inode-1")
				fscache.UseCookie(t, c, true)
				t.Sleep(sim.Second) // the lookup's access has ended
				fscache.ResizeCookie(t, c, 2048)
				fscache.UnuseCookie(t, c, nil, nil)
				fscache.RelinquishCookie(t, c, false)
				w.teardown(t)
			}))
	})
}
