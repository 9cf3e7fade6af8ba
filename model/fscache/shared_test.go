package fscache

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// accessRecorder is random walk that calls after with the access of
// every step that ran.
type accessRecorder struct {
	sched.RandomWalk
	after func(a sim.Access)
}

func (r *accessRecorder) Executed(t *sim.Thread, a sim.Access, step int64) bool {
	r.after(a)
	return true
}

func (r *accessRecorder) Advanced(k *sim.Kernel) {}

// TestCachePrivWritesDeclared: every step that changes the cache's, a
// volume's or a cookie's cache_priv (read without a lock elsewhere) is a
// declared write of that field's object id, so partial-order reduction
// orders it against the lockless readers (shared.go). A world binds the
// in-memory backend, makes a volume and a cookie, uses it, lets go and
// withdraws the cache, so each field is set and cleared.
func TestCachePrivWritesDeclared(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		rec := &accessRecorder{}
		k := sim.New(sim.Options{Seed: seed, Strategy: rec, MaxSteps: 1 << 16})
		f := New(k, model.Bugs{})
		var (
			cache   *Cache
			vol     *Volume
			ck      *Cookie
			prev    [3]any
			known   [3]bool // the field has been seen (its object exists)
			changes [3]int
		)
		rec.after = func(a sim.Access) {
			fields := [3]struct {
				priv any
				id   func() uint32
				name string
			}{}
			if cache != nil {
				fields[0].priv, fields[0].id, fields[0].name = cache.CachePriv, func() uint32 { return cache.PrivID(k) }, "cache"
			}
			if vol != nil {
				fields[1].priv, fields[1].id, fields[1].name = vol.CachePriv, func() uint32 { return vol.PrivID(k) }, "volume"
			}
			if ck != nil {
				fields[2].priv, fields[2].id, fields[2].name = ck.CachePriv, func() uint32 { return ck.PrivID(k) }, "cookie"
			}
			for i, fl := range fields {
				if fl.id == nil {
					continue
				}
				if !known[i] {
					known[i], prev[i] = true, fl.priv
					continue
				}
				if fl.priv == prev[i] {
					continue
				}
				prev[i] = fl.priv
				changes[i]++
				if a.Kind != sim.AccWrite || a.Obj != fl.id() {
					t.Errorf("seed %d step %d: %s cache_priv changed in a step whose access is %v, not a write of its id %d", seed, k.Step(), fl.name, a, fl.id())
				}
			}
		}
		k.Spawn("netfs", func(t *sim.Thread) {
			mem, err := NewMemBackend(t, f, "mycache")
			if err != nil {
				t.Bug("test", "bind: %v", err)
			}
			cache = mem.Cache
			vol, _ = f.AcquireVolume(t, "afs,example.com", "mycache", nil)
			ck = AcquireCookie(t, vol, 0, []byte("inode-1"), []byte("v1"), 4096)
			UseCookie(t, ck, true)
			t.Sleep(sim.Second)
			UnuseCookie(t, ck, nil, nil)
			RelinquishCookie(t, ck, false)
			t.Sleep(sim.Second)
			RelinquishVolume(t, vol, nil, false)
			t.Sleep(sim.Second)
			mem.Withdraw(t)
		})
		if res := k.Run(); res.Outcome != sim.OutcomePass {
			t.Fatalf("seed %d: %v %v", seed, res.Outcome, res.Failure)
		}
		for i, name := range []string{"cache", "volume", "cookie"} {
			if changes[i] < 1 {
				t.Fatalf("seed %d: %s cache_priv never changed", seed, name)
			}
		}
	}
}
