package checker

import (
	"fmt"
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// TestCacheCountsMatchARecount: checkVolumes counts, per cache, the volumes
// on it and their cookies with a backend object, for checkCaches (I-12,
// I-13) to compare. After every step of runs with two volumes on one cache,
// cookies looked up, used and relinquished, and the cache withdrawn, those
// counts must equal a recount over Fscache.Volumes made the plain way
// (on a step the incremental checks find quiet, the counts of the last
// step they ran: nothing they count moved since).
func TestCacheCountsMatchARecount(t *testing.T) {
	var sawObjects, sawTwoVolumes bool
	for seed := uint64(0); seed < 200; seed++ {
		k := sim.New(sim.Options{Seed: seed})
		f := fscache.New(k, model.Bugs{})
		c := New(f, Options{})
		c.Attach(k)
		k.AddStepHook(func(k *sim.Kernel) {
			if c.failed {
				return
			}
			for _, ca := range f.Caches() {
				var attached, objects int64
				for _, v := range f.Volumes() {
					if v.Cache == ca {
						attached++
						objects += c.volCount(v).cachePriv
					}
				}
				ct := c.cacheTrack(ca.DebugID)
				gotA, gotO := int64(0), int64(0)
				if ct.counted == c.volPass {
					gotA, gotO = ct.attached, ct.objects
				}
				if gotA != attached || gotO != objects {
					t.Fatalf("seed %d step %d: C=%08x counted %d volumes and %d objects, a recount finds %d and %d",
						seed, k.Step(), ca.DebugID, gotA, gotO, attached, objects)
				}
				sawObjects = sawObjects || objects > 0
				sawTwoVolumes = sawTwoVolumes || attached > 1
			}
		})
		var mem *fscache.MemBackend
		var vols [2]*fscache.Volume
		var ready sim.Completion
		var done sim.Completion
		k.Spawn("mount", func(th *sim.Thread) {
			b, err := fscache.NewMemBackend(th, f, "mycache")
			if err != nil {
				th.Bug("setup", "bind: %v", err)
			}
			mem = b
			for i := range vols {
				v, err := f.AcquireVolume(th, fmt.Sprintf("afs,example.com,%d", i), "mycache", nil)
				if err != nil {
					th.Bug("setup", "acquire volume: %v", err)
				}
				vols[i] = v
			}
			ready.CompleteAll(th)
			for i := 0; i < 2; i++ {
				done.Wait(th)
			}
			th.Sleep(fscache.LRUCookieTimeout)
			for _, v := range vols {
				fscache.RelinquishVolume(th, v, nil, false)
			}
			mem.Withdraw(th)
		})
		for i := range vols {
			k.Spawn(fmt.Sprintf("netfs-%d", i), func(th *sim.Thread) {
				ready.Wait(th)
				ck := fscache.AcquireCookie(th, vols[i], 0, []byte("inode-1"), []byte("v1"), 4096)
				fscache.UseCookie(th, ck, true)
				th.Sleep(sim.Time(k.Rand(sim.CompWorkload, 3)) * 500 * sim.Microsecond)
				fscache.UnuseCookie(th, ck, nil, nil)
				fscache.RelinquishCookie(th, ck, k.Rand(sim.CompWorkload, 2) == 1)
				done.Complete(th)
			})
		}
		res := k.Run()
		if v := c.Verdict(k, res); !v.Pass {
			t.Fatalf("seed %d: %v", seed, v)
		}
	}
	if !sawObjects || !sawTwoVolumes {
		t.Fatalf("the runs never had a backend object (%v) or two volumes on the cache (%v): the counts were not exercised", sawObjects, sawTwoVolumes)
	}
}
