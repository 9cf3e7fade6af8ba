package checker_test

import (
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// TestLifetimesCaught: the lifetimes added beyond cookies, volumes, caches
// and objects (cachefiles' kiocb and struct file, fscache's write request,
// the netfs inode and read request), and the fscache cache record's checked at every
// function that reads it (object counts, accesses, withdrawal), catch a model that touches one after its last put, at
// that touch (use-after-free naming the object), not where a count goes
// negative or a leak shows at the end.
func TestLifetimesCaught(t *testing.T) {
	catchMutants(t, []mutantCase{
		{"kiocb-extra-put", func(m *fscache.Mutants) { m.CachefilesKiocbExtraPut = true }, "netfs-over-cachefiles",
			"use-after-free|double-free", "cachefiles_kiocb", 200},
		{"relinquish-before-objects", func(m *fscache.Mutants) { m.CachefilesRelinquishBeforeObjects = true }, "daemon-bind-unbind",
			"use-after-free", "use of cache", 200},
	})
	// A copy's completion comes after the evict, or after the read
	// returned, only when the scheduler holds it back: random walk runs it
	// at once, PCT finds it.
	for _, c := range []struct {
		name, scenario, kind string
		set                  func(m *fscache.Mutants)
	}{
		{"evict-no-wait", "netfs-over-cachefiles", "netfs_inode", func(m *fscache.Mutants) { m.NetfsEvictNoWait = true }},
		{"copy-no-request-ref", "netfs-over-cachefiles", "netfs_io_request", func(m *fscache.Mutants) { m.NetfsCopyNoRequestRef = true }},
	} {
		t.Run(c.name+"/pct", func(t *testing.T) {
			for seed := 0; seed < 200; seed++ {
				res := runMutant(t, c.scenario, c.set, sim.Options{Seed: uint64(seed), Strategy: &sched.PCT{Depth: 1 + seed%3, Steps: 400}})
				if res.Outcome != sim.OutcomeFail {
					continue
				}
				if res.Failure.Check != "use-after-free" || !strings.Contains(res.Failure.Msg, c.kind) {
					t.Fatalf("seed %d: %v, want [use-after-free] of a %s", seed, res.Failure, c.kind)
				}
				t.Logf("caught at seed %d: %v", seed, res.Failure)
				return
			}
			t.Fatal("mutant not caught within 200 seeds")
		})
	}
}
