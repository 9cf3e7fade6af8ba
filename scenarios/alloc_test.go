package scenarios

import (
	"os"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sim"
)

// allocSiteFinding is what a run of AllocFaultsWorld that fails site must
// end with: "" (it passes: the kernel's unwind is clean) or the check of
// the known finding (docs/quirks.md).
func allocSiteFinding(site string) string {
	switch site {
	case "fscache_set_key", "fscache_alloc_cookie.aux":
		return "alloc-unwind"
	case "cachefiles_bury_object":
		return "disk-unbind" // the mark left is seen at the unbind (checker/disk.go)
	}
	return ""
}

// allocFailures counts the sim_alloc_fail events of a recorded run by site.
func allocFailures(k *sim.Kernel) map[string]int {
	n := map[string]int{}
	for _, e := range k.Events() {
		if e.Type.Name() == "sim_alloc_fail" {
			n[e.Str[0]]++
		}
	}
	return n
}

// TestAllocSitesUnwind fails each allocation site of fscache and
// cachefiles alone, half the time, in the allocation-fault world, with
// every check on (the lifetimes and refcounts, the leak checks at the end,
// cachefiles' I-26..I-32, linearizability): each site must fail in some
// seed, and every run must pass, but for the known findings, which must be
// reached, by their own check.
func TestAllocSitesUnwind(t *testing.T) {
	const seeds = 24
	sites := sim.AllocSites()
	if len(sites) < 30 {
		t.Fatalf("%d allocation sites registered, want the 30-odd of fscache and cachefiles", len(sites))
	}
	for _, site := range sites {
		name := site.String()
		t.Run(name, func(t *testing.T) {
			s := AllocFaultsWorld(sim.AllocFaults{Sites: map[string]sim.Ratio{name: {Num: 1, Den: 2}}})
			want := allocSiteFinding(name)
			failed, found := 0, 0
			for seed := uint64(0); seed < seeds; seed++ {
				res, k, _ := Execute(s, model.Bugs{}, sim.Options{Seed: seed, Record: true})
				n := allocFailures(k)
				for other := range n {
					if other != name {
						t.Fatalf("seed %d: site %s failed, but the plan names only %s", seed, other, name)
					}
				}
				if n[name] > 0 {
					failed++
				}
				if res.Outcome == sim.OutcomePass {
					continue
				}
				if want == "" || res.Failure == nil || res.Failure.Check != want || n[name] == 0 {
					t.Fatalf("seed %d: %v %v (site failed %d times), want a pass or %q", seed, res.Outcome, res.Failure, n[name], want)
				}
				found++
			}
			if failed == 0 {
				t.Fatalf("the site never failed in %d seeds: the world does not reach it", seeds)
			}
			if want != "" && found == 0 {
				t.Fatalf("the site failed in %d seeds, the known finding %q never showed", failed, want)
			}
			t.Logf("failed in %d of %d seeds; %d ended with %q", failed, seeds, found, want)
		})
	}
}

// TestAllocFaultsPlan: the plan offered to the random world fails every
// site but the known findings and model/netfs's gaps, and the
// allocation-fault world passes under it (many sites failing in one run,
// their unwinds interleaved).
func TestAllocFaultsPlan(t *testing.T) {
	p := AllocFaultsPlan(sim.Ratio{Num: 1, Den: 6})
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, site := range sim.AllocSites() {
		r := p.Rate(site)
		gap := site.String() == "fscache_write_to_cache" || site.String() == "__cachefiles_write"
		if left := allocSiteFinding(site.String()) != "" || gap; left != (r.Num == 0) {
			t.Errorf("site %s: rate %v, left out %v", site, r, left)
		}
	}
	s := AllocFaultsWorld(p)
	total := 0
	for seed := uint64(0); seed < 150; seed++ {
		res, k, _ := Execute(s, model.Bugs{}, sim.Options{Seed: seed, Record: true})
		if res.Outcome != sim.OutcomePass {
			t.Fatalf("seed %d: %v %v", seed, res.Outcome, res.Failure)
		}
		for _, n := range allocFailures(k) {
			total += n
		}
	}
	if total < 150 {
		t.Fatalf("%d allocation failures in 150 runs at 1/6: the plan is not on", total)
	}
}

// TestAllocFaultsDeterministic: a run with allocation faults is a function
// of its seed (the same failures, the same hash), a replay of its decision
// log is the same run, and the zero plan draws nothing.
func TestAllocFaultsDeterministic(t *testing.T) {
	s := AllocFaultsWorld(AllocFaultsPlan(sim.Ratio{Num: 1, Den: 4}))
	for seed := uint64(0); seed < 10; seed++ {
		res1, k1, _ := Execute(s, model.Bugs{}, sim.Options{Seed: seed})
		res2, k2, _ := Execute(s, model.Bugs{}, sim.Options{Seed: seed})
		if k1.Hash() != k2.Hash() || res1.Outcome != res2.Outcome {
			t.Fatalf("seed %d: hashes %x, %x", seed, k1.Hash(), k2.Hash())
		}
	}
	_, k0, _ := Execute(AllocFaultsWorld(sim.AllocFaults{}), model.Bugs{}, sim.Options{Seed: 3, Record: true})
	if n := allocFailures(k0); len(n) != 0 {
		t.Fatalf("the zero plan failed allocations: %v", n)
	}
}

// TestAllocSitesDocumented: every site has its row in the kernel baseline's table of allocation sites.
func TestAllocSitesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/kernel-baseline.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, site := range sim.AllocSites() {
		if !strings.Contains(string(doc), "| `"+site.String()+"` |") {
			t.Errorf("site %s is not in docs/kernel-baseline.md", site)
		}
	}
}

// TestAllocBrokenUnwindCaught: a model whose failure path forgets its undo
// step (a reference kept, a lifetime not ended, an in-use mark left) is
// caught by the checks TestAllocSitesUnwind runs, at the seeds where the
// site fails; the same seeds pass with the kernel's unwind.
func TestAllocBrokenUnwindCaught(t *testing.T) {
	mutants := []struct {
		site  string
		check string // the check that must catch it
		what  string // a word of its message
	}{
		{"fscache_alloc_volume", "leak", "fscache still holds 1 object(s) after the run drained: cache C="}, // the cache ref kept
		{"cachefiles_acquire_volume.name", "leak", "cachefiles_volume"},                                     // the volume never freed
		{"cachefiles_cook_key", "deadlock", "volume ACQUIRE_PENDING"},                                       // the object and its cookie ref kept: the volume is never freed, its next acquirer waits
		{"cachefiles_open_file", "disk-unbind", "still marked in use"},                                      // the inode left marked, seen at the unbind
	}
	for _, m := range mutants {
		t.Run(m.site, func(t *testing.T) {
			site, ok := sim.AllocSiteByName(m.site)
			if !ok {
				t.Fatalf("no site %s", m.site)
			}
			world := AllocFaultsWorld(sim.AllocFaults{Sites: map[string]sim.Ratio{m.site: {Num: 1, Den: 2}}})
			broken := world
			broken.Setup = func(k *sim.Kernel, w *World) {
				world.Setup(k, w)
				w.F.BreakUnwind(site)
				w.CF.BreakUnwind(site)
			}
			caught := 0
			for seed := uint64(0); seed < 24 && caught < 6; seed++ {
				res, k, _ := Execute(broken, model.Bugs{}, sim.Options{Seed: seed, Record: true})
				if allocFailures(k)[m.site] == 0 {
					if res.Outcome != sim.OutcomePass {
						t.Fatalf("seed %d: the site did not fail, yet %v %v", seed, res.Outcome, res.Failure)
					}
					continue
				}
				if res.Outcome == sim.OutcomePass {
					continue // a failure whose undo was not needed (nothing to undo yet)
				}
				if res.Failure.Check != m.check || !strings.Contains(res.Failure.Msg, m.what) {
					t.Fatalf("seed %d: caught as %v, want check %q naming %q", seed, res.Failure, m.check, m.what)
				}
				if clean, _, _ := Execute(world, model.Bugs{}, sim.Options{Seed: seed}); clean.Outcome != sim.OutcomePass {
					t.Fatalf("seed %d: the kernel's unwind fails too: %v", seed, clean.Failure)
				}
				caught++
			}
			if caught == 0 {
				t.Fatal("the broken unwind was never caught")
			}
		})
	}
}
