package scenarios

import (
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// Quirks the random world found (docs/quirks.md), each written as a
// scenario of its own and left out of the world with the reason.

func init() {
	register(Scenario{
		Name:  "quirk-withdraw-volume-twice",
		Quirk: "Q-24",
		Desc:  "Q-24 (new): cachefiles' withdrawal of the fscache volumes takes a transient volume access (a lookup backing out of a dying cache) for a pin still held and withdraws the volume again: n_accesses underflows",
		Setup: func(k *sim.Kernel, w *World) {
			cfWorld(w, vfs.Options{Blocks: 2048, Inodes: 1024})
			var cs []*fscache.Cookie
			g := &gate{n: 2}
			k.Spawn("netfs", func(t *sim.Thread) {
				w.cfBind(t)
				for _, key := range []string{"inode-1", "inode-2", "inode-3"} {
					cs = append(cs, fscache.AcquireCookie(t, w.Vol, 0, []byte(key), []byte("v1"), 4096))
				}
				w.ready.CompleteAll(t)
				// Each first use of a cookie begins a lookup, which
				// begins a volume access (fscache_begin_volume_access:
				// increment, then check that the cache is live).
				for _, c := range cs {
					fscache.UseCookie(t, c, false)
				}
				g.finish(t)
			})
			k.Spawn("cachefilesd", func(t *sim.Thread) {
				w.WaitReady(t)
				// The daemon releases the device while the lookups start.
				w.CF.Unbind(t)
				g.finish(t)
			})
			k.Spawn("evict", func(t *sim.Thread) {
				w.WaitReady(t)
				g.wait(t)
				for _, c := range cs {
					fscache.UnuseCookie(t, c, nil, nil)
					fscache.RelinquishCookie(t, c, false)
				}
				t.Sleep(fscache.LRUCookieTimeout)
				fscache.RelinquishVolume(t, w.Vol, nil, false)
			})
		},
	})
}
