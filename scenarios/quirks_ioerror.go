package scenarios

import (
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/model/netfs"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

func init() {
	register(Scenario{
		Name:  "quirk-ioerror-commits-skipped-write",
		Quirk: "Q-28",
		Desc:  "Q-28 (new): a cache stopped by an I/O error still commits each cookie's coherency data when it lets go of it; an AFS write whose write-back the dead cache refused (not live) leaves the old contents under the new data version, and the next bind of the disk serves them",
		Setup: func(k *sim.Kernel, w *World) {
			cfWorld(w, vfs.Options{Blocks: 2048, Inodes: 1024})
			srv := netfs.NewServer()
			srv.Create(1, []byte("file one, version one........."))
			srv.Create(2, []byte("file two, version one........."))
			k.Spawn("afs", func(t *sim.Thread) {
				w.cfBindCache(t)
				m, err := netfs.MountFS(t, w.F, srv, netfs.FlavourAFS, worldVolume, cfTag)
				if err != nil {
					t.Bug("setup", "mount: %v", err)
				}
				w.Record(m)
				w.ready.CompleteAll(t)
				ip := m.Iget(t, 1)
				ip.Open(t, false)
				ip.Read(t, 0, 16) // a miss, copied to the cache
				ip.Close(t)
				// The copy of another file meets a statfs EIO in its
				// space check (cachefiles_has_space): cachefiles_io_error,
				// the cache is GOT_IOERROR and DEAD, still bound.
				w.FS.SetFaults(vfs.Faults{Statfs: vfs.Rates{EIO: sim.Ratio{Num: 1, Den: 1}}})
				ip2 := m.Iget(t, 2)
				ip2.Open(t, false)
				ip2.Read(t, 0, 16)
				ip2.Close(t)
				ip2.Evict(t, false)
				w.FS.SetFaults(vfs.Faults{})
				// A local write: the coherency data moves on, the
				// write-back's fscache_begin_write_operation finds the
				// cache not live and skips the cache stream (no failure,
				// so no ->invalidate_cache).
				ip.Open(t, true)
				ip.Write(t, 0, []byte("FILE ONE"), false)
				ip.Close(t)
				ip.Evict(t, false) // cachefiles_commit_object: the new data version
				m.Unmount(t)
				t.Sleep(fscache.LRUCookieTimeout)
				w.CF.Unbind(t)
				// The next bind of the same disk (cachefilesd restarted).
				w.CF = w.CF.Reboot(w.F)
				w.cfBindCache(t)
				m, err = netfs.MountFS(t, w.F, srv, netfs.FlavourAFS, worldVolume, cfTag)
				if err != nil {
					t.Bug("setup", "mount again: %v", err)
				}
				w.Record(m)
				ip = m.Iget(t, 1)
				for j := 0; j < 2; j++ {
					ip.Open(t, false)
					ip.Read(t, 0, 16)
					ip.Close(t)
				}
				ip.Evict(t, false)
				m.Unmount(t)
				t.Sleep(fscache.LRUCookieTimeout)
				w.CF.Unbind(t)
			})
		},
	})
}
