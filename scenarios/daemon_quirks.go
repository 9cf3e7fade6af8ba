package scenarios

import (
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// cachefiles_free_volume takes the volume off cache->volumes under
// object_list_lock and only then puts its 257 directories
// (__cachefiles_free_volume); cachefiles_withdraw_volumes, spinning on a
// listed volume whose refcount already reached 0, sees the list empty and
// lets the withdrawal and the unbind finish — store and graveyard put,
// mntput, the cache record freed — while the thread freeing the volume
// still holds the volume directory's and fan-out directories' dentries.
// The unbind's dentry check ("dentry-leak") catches it; on a real machine
// an unmount of the cache filesystem in that window finds the dentries
// still in use. See docs/quirks.md.
func init() {
	register(Scenario{
		Name:  "quirk-volume-dentries-outlive-unbind",
		Quirk: "Q-23",
		Desc:  "Q-23 (new): a netfs relinquishes its volume (the last ref: cachefiles_free_volume unlists it, then puts its 257 directories) while the cache is unbound; the withdrawal finds no volume listed and the unbind completes while the volume's dentries are still held",
		Setup: func(k *sim.Kernel, w *World) {
			cfWorld(w, vfs.Options{Blocks: 2048, Inodes: 1024})
			var relinquishing sim.Completion
			relinquishing.Name = "volume relinquish"
			k.Spawn("netfs", func(t *sim.Thread) {
				w.cfBindCache(t)
				w.ready.CompleteAll(t)
				v, err := w.F.AcquireVolume(t, "afs,example.com,1000001a", cfTag, nil)
				if err != nil {
					t.Bug("setup", "acquire volume: %v", err)
				}
				c := fscache.AcquireCookie(t, v, 0, []byte("inode-1"), []byte("v1"), 4096)
				fscache.UseCookie(t, c, true)
				fscache.WriteToCache(t, c, 0, fill(4096, 'a'), 4096, true, nil)
				fscache.UnuseCookie(t, c, nil, nil)
				fscache.RelinquishCookie(t, c, false)
				// Let the cookie's withdrawal finish and put its
				// volume ref: the relinquish below puts the last one.
				t.Sleep(sim.Second)
				relinquishing.CompleteAll(t)
				fscache.RelinquishVolume(t, v, nil, false)
			})
			k.Spawn("admin", func(t *sim.Thread) {
				relinquishing.Wait(t)
				w.CF.Unbind(t) // cachefilesd's exit: cachefiles_daemon_release
			})
		},
	})
}
