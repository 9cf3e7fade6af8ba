package scenarios

import (
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// unload ends a world by unloading the modules, as `rmmod` would once every
// user is gone: it sleeps until no thread can run (user space comes back
// later than any worker), then runs fscache_exit (netfs_exit in 6.12).
// Anything that touches fscache afterwards is a use-after-free.
func (w *World) unload(t *sim.Thread) {
	t.Sleep(sim.Nanosecond)
	w.F.Exit(t)
}

func init() {
	register(Scenario{
		Name: "module-exit",
		Desc: "a cookie is used, closed (LRU timer armed) and evicted, the cache withdrawn, then the module unloaded with the LRU timer still pending (the 2024 exit UAF)",
		Setup: func(k *sim.Kernel, w *World) {
			k.Spawn("netfs", func(t *sim.Thread) {
				c := w.bindAndAcquire(t)
				fscache.UseCookie(t, c, false)
				fscache.WriteToCache(t, c, 0, zeroBlock[:], 4096, true, nil)
				fscache.UnuseCookie(t, c, nil, nil)
				fscache.RelinquishCookie(t, c, false)
				// Let the relinquish finish before the cache goes: the
				// in-memory backend's withdrawal does not serialise with
				// withdraw_cookie (cachefiles does, under its object list
				// lock). The LRU timer stays armed for 10 s.
				t.Sleep(sim.Nanosecond)
				w.teardown(t)
				w.unload(t)
			})
		},
	})
}
