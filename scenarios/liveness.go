package scenarios

import (
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/model/netfs"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// Liveness returns the caching-liveness scenarios: a netfs client reads a
// file (a miss, copied to the cache), gives the inode back (relinquish,
// not retire), gets it again and reads it again, and that read must be
// served from the cache — check "cache-liveness". The race scenarios only
// check that what the cache serves is right (a cache that silently serves
// nothing passes every one of them); this checks that it serves at all.
//
// They are not registered (not in All or Default, so explore's default
// mix, its pinned hashes and goldens do not change): 'fscachesim mutate'
// runs them after the default mix in every probe (docs/mutation.md), where
// they kill mutants that turn caching off (a volume access that always
// fails, a relinquish that deletes the object). They are single-threaded:
// one execution each is the whole of their behaviour.
func Liveness() []Scenario {
	return append([]Scenario{
		{
			Name: "liveness-netfs-mem",
			Desc: "a netfs read, relinquish, re-acquire, read again over the in-memory cache: the second read is served from the cache",
			Setup: func(k *sim.Kernel, w *World) {
				cacheServes(k, w, netfsBackend{bind: w.bind, cache: "mycache", teardown: w.teardown})
			},
		},
		{
			Name: "liveness-netfs-cachefiles",
			Desc: "a netfs read, relinquish, re-acquire, read again over cachefiles: the second read is served from the disk",
			Setup: func(k *sim.Kernel, w *World) {
				cfWorld(w, vfs.Options{Blocks: 2048, Inodes: 1024})
				cacheServes(k, w, netfsBackend{bind: w.cfBind, cache: cfTag, teardown: w.cfTeardown, settle: fscache.LRUCookieTimeout + sim.Second})
			},
		},
	}, livenessMore()...)
}

// cacheServes is the liveness script over backend b.
func cacheServes(k *sim.Kernel, w *World, b netfsBackend) {
	srv := netfs.NewServer()
	srv.Create(1, []byte("file one, version one........."))
	k.Spawn("client", func(t *sim.Thread) {
		b.bind(t)
		m, err := netfs.MountFS(t, w.F, srv, netfs.FlavourAFS, "server,export", b.cache)
		if err != nil {
			t.Bug("setup", "mount: %v", err)
		}
		w.Record(m)
		w.ready.CompleteAll(t)
		read := func() {
			ip := m.Iget(t, 1)
			ip.Open(t, false)
			ip.Read(t, 0, 16)
			ip.Close(t)
			if b.settle > 0 {
				t.Sleep(b.settle)
			}
			ip.Evict(t, false)
			t.Sleep(fscache.LRUCookieTimeout + sim.Second)
		}
		read()
		read()
		if m.Hits == 0 {
			t.Bug("cache-liveness", "ino 1 was read, copied to the cache (%d miss(es)), relinquished without retiring and read again, and no read was served from the cache", m.Misses)
		}
		m.Unmount(t)
		b.teardown(t)
	})
}
