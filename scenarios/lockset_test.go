package scenarios

import (
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// locksetCase is a model broken one way — a lock dropped at every site
// (sim.Kernel.ElideLocks) or a test-only mutant of fscache.LocksetMutants —
// the scenario that runs the broken code, and the check that must catch it
// with a message naming what was broken.
type locksetCase struct {
	name     string
	scenario string
	elide    []string                        // locks whose lock and unlock do nothing
	set      func(m *fscache.LocksetMutants) // or nil
	check    string                          // Failure.Check
	says     string                          // the failure's message contains this
	within   int                             // seeds per strategy
	// skip: checks that would report the broken model first (it breaks
	// their rule too); off, to prove check.
	skip []string
}

func runLocksetCases(t *testing.T, cases []locksetCase) {
	strats := []struct {
		name  string
		strat func(seed int) sim.Strategy
	}{
		{"random", func(int) sim.Strategy { return &sched.RandomWalk{} }},
		{"pct", func(seed int) sim.Strategy { return &sched.PCT{Depth: 1 + seed%3, Steps: 400} }},
	}
	for _, c := range cases {
		for _, st := range strats {
			t.Run(c.name+"/"+st.name, func(t *testing.T) {
				s, err := Get(c.scenario)
				if err != nil {
					t.Fatal(err)
				}
				for seed := 0; seed < c.within; seed++ {
					k, w := PrepareChecked(s, model.Bugs{}, sim.Options{Seed: uint64(seed), Strategy: st.strat(seed)})
					k.ElideLocks(c.elide...)
					if c.set != nil {
						c.set(&w.F.Mutants.Lockset)
					}
					w.Checker.SkipChecks(c.skip...)
					res := w.Finish(k, k.Run())
					if res.Outcome != sim.OutcomeFail {
						continue
					}
					if res.Failure.Check != c.check || !strings.Contains(res.Failure.Msg, c.says) {
						t.Fatalf("seed %d: %v, want [%s] saying %q", seed, res.Failure, c.check, c.says)
					}
					t.Logf("caught at seed %d: %v", seed, res.Failure)
					return
				}
				t.Fatalf("not caught within %d seeds", c.within)
			})
		}
	}
}

// TestLocksetCaught: a model that forgets one of the kernel's locks around
// plain list and field operations — no scheduling point falls inside those
// critical sections, so no interleaving sees them half done — is caught by
// the lockset check (sim/lockset.go) at the access, naming the lock.
func TestLocksetCaught(t *testing.T) {
	runLocksetCases(t, []locksetCase{
		{name: "cookie-lock", scenario: "cookie-collision", elide: []string{"cookie->lock"},
			check: sim.CheckLockset, says: "cookie->state store without cookie->lock held", within: 5},
		{name: "addremove", scenario: "volume-collision", elide: []string{"fscache_addremove_sem"},
			check: sim.CheckLockset, says: "without fscache_addremove_sem", within: 5},
		{name: "cookies-lock", scenario: "cookie-collision", elide: []string{"fscache_cookies_lock"},
			check: sim.CheckLockset, says: "fscache_cookies list_add without fscache_cookies_lock (for writing)", within: 5},
		{name: "object-list-lock", scenario: "netfs-over-cachefiles", elide: []string{"cachefiles object_list_lock"},
			check: sim.CheckLockset, says: "without cachefiles object_list_lock held", within: 5},
		{name: "object-lock", scenario: "netfs-over-cachefiles", elide: []string{"cachefiles object->lock"},
			check: sim.CheckLockset, says: "object->file capture without cachefiles object->lock held", within: 5},
		{name: "i-rwsem", scenario: "netfs-over-cachefiles", elide: []string{"i_rwsem *"},
			check: sim.CheckLockset, says: "lookup_one_len without i_rwsem", within: 5},
	})
}

// TestPlainAccessLifetimesCaught: a model that touches a record after the
// put that may free it — a plain store, a wait condition, a read of the
// file's inode — is caught by the lifetime check at that access, as KASAN
// would catch it, not by a later symptom.
func TestPlainAccessLifetimesCaught(t *testing.T) {
	runLocksetCases(t, []locksetCase{
		{name: "cache-state-after-put", scenario: "module-exit",
			set:   func(m *fscache.LocksetMutants) { m.RelinquishCacheStateAfterPut = true },
			check: "use-after-free", says: "use of cache", within: 50, skip: []string{"T-cache-put"}},
		{name: "collision-wait-after-put", scenario: "cookie-collision",
			set:   func(m *fscache.LocksetMutants) { m.CollisionPutBeforeWait = true },
			check: "use-after-free", says: "use of cookie", within: 400},
		{name: "quiet-never-ends", scenario: "netfs-over-cachefiles",
			set:   func(m *fscache.LocksetMutants) { m.CachefilesQuietNeverEnds = true },
			check: cachefiles.CheckQuietSection, says: "batched section", within: 5},
		{name: "unmark-after-fput", scenario: "crash-and-rebind",
			set:   func(m *fscache.LocksetMutants) { m.CachefilesUnmarkAfterFput = true },
			check: "use-after-free", says: "use of file", within: 400},
	})
}
