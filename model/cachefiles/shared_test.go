package cachefiles

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// privRecorder is random walk that calls after with the access of every
// step that ran.
type privRecorder struct {
	sched.RandomWalk
	after func(a sim.Access)
}

func (r *privRecorder) Executed(t *sim.Thread, a sim.Access, step int64) bool {
	r.after(a)
	return true
}

func (r *privRecorder) Advanced(k *sim.Kernel) {}

// TestVolumeCachePrivWritesDeclared: cachefiles' own writes of
// volume->cache_priv (cachefiles_acquire_volume publishing its volume,
// __cachefiles_free_volume clearing it) are declared writes of the field's
// object id, as the in-memory backend's are (fscache's
// TestCachePrivWritesDeclared), so partial-order reduction orders them
// against fscache_create_volume's and fscache_perform_lookup's lockless
// reads. A world binds cachefiles, acquires a volume and a cookie, uses
// it, relinquishes both and unbinds, so the field is set and cleared.
func TestVolumeCachePrivWritesDeclared(t *testing.T) {
	for seed := uint64(0); seed < 10; seed++ {
		rec := &privRecorder{}
		k := sim.New(sim.Options{Seed: seed, Strategy: rec, MaxSteps: 1 << 20})
		f := fscache.New(k, model.Bugs{})
		fs := NewFS(k, vfs.Options{Blocks: 1000, Inodes: 1000})
		c := NewCache(fs, f)
		cfg := DefaultConfig()
		cfg.RootDir, cfg.Tag = "/", "mycache"
		var (
			vol     *fscache.Volume
			prev    any
			changes int
		)
		rec.after = func(a sim.Access) {
			if vol == nil || vol.CachePriv == prev {
				return
			}
			prev = vol.CachePriv
			changes++
			if a.Kind != sim.AccWrite || a.Obj != vol.PrivID(k) {
				t.Errorf("seed %d step %d: volume cache_priv changed in a step whose access is %v, not a write of its id %d", seed, k.Step(), a, vol.PrivID(k))
			}
		}
		k.Spawn("netfs", func(th *sim.Thread) {
			if err := c.Bind(th, cfg, nil); err != nil {
				t.Errorf("bind: %v", err)
				return
			}
			v, err := f.AcquireVolume(th, "afs,example.com", "mycache", nil)
			if err != nil || v == nil {
				t.Errorf("acquire volume: %v", err)
				return
			}
			vol = v
			ck := fscache.AcquireCookie(th, v, 0, []byte("inode-1"), []byte("v1"), 4096)
			fscache.UseCookie(th, ck, true)
			th.Sleep(sim.Second)
			fscache.UnuseCookie(th, ck, nil, nil)
			fscache.RelinquishCookie(th, ck, false)
			th.Sleep(sim.Second)
			fscache.RelinquishVolume(th, v, nil, false)
			th.Sleep(sim.Second)
			c.Unbind(th)
		})
		k.Run()
		if fl := k.Failure(); fl != nil {
			t.Fatalf("seed %d: %v", seed, fl)
		}
		k.Close()
		if changes != 2 {
			t.Fatalf("seed %d: volume cache_priv changed %d times, want 2 (set by acquire_volume, cleared by free_volume)", seed, changes)
		}
	}
}
