package scenarios

import (
	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/cachefilesd"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// daemonCullConf keeps the cache of daemon-cull-under-use short of files:
// with 320 inodes, the volume's directory and 256 fan-out directories
// leave fewer free than fcull (20%, 64) from the volume's creation on, and
// never as many as frun (30%): the kernel asks for culling all along.
const daemonCullConf = `dir /var/cache/fscache
tag mycache
frun 30%
fcull 20%
fstop 5%
`

// daemonCullUser writes an object for key, lets it go, then comes back to
// it twice: each time the object may have been culled (a miss: written
// again) or still be there (read back).
func daemonCullUser(t *sim.Thread, w *World, v *fscache.Volume, key string) {
	for round := 0; round < 3; round++ {
		c := fscache.AcquireCookie(t, v, 0, []byte(key), []byte("v1"), 4096)
		fscache.UseCookie(t, c, true)
		if !cfRead(t, c, 'a') {
			fscache.WriteToCache(t, c, 0, fill(4096, 'a'), 4096, true, nil)
		}
		fscache.UnuseCookie(t, c, nil, nil)
		fscache.RelinquishCookie(t, c, false)
		jitter(t)
	}
}

func init() {
	register(Scenario{
		Name: "daemon-cull-under-use",
		// ~30,000 steps an execution: TestDaemonCullUnderUse runs it.
		Long: true,
		Desc: "cachefilesd 0.10.10 on a cache short of files: it scans, asks the kernel inuse and culls the oldest objects while two netfs users keep writing, releasing and re-acquiring theirs; then it is stopped and releases the device",
		Setup: func(k *sim.Kernel, w *World) {
			cfWorld(w, vfs.Options{Blocks: 2048, Inodes: 320, Now: k.Now})
			daemonRoot(w.FS)
			w.LivenessBound = daemonLivenessBound
			conf, err := cachefilesd.ParseConf("cachefilesd.conf", []byte(daemonCullConf))
			if err != nil {
				panic(err)
			}
			dev := cachefiles.NewDevice()
			cf := w.CF
			d := cachefilesd.New(conf, w.FS, dev, func() cachefiles.CacheOps { return cf }, cachefilesd.Options{})
			k.Spawn("cachefilesd", d.Run)
			var vol *fscache.Volume
			var done sim.Completion
			done.Name = "users done"
			k.Spawn("netfs-0", func(t *sim.Thread) {
				if err := d.WaitBound(t); err != nil {
					t.Bug("setup", "cachefilesd: %v", err)
				}
				v, err := w.F.AcquireVolume(t, "afs,example.com,1000001a", cfTag, nil)
				if err != nil {
					t.Bug("setup", "acquire volume: %v", err)
				}
				vol = v
				w.ready.CompleteAll(t)
				daemonCullUser(t, w, v, "inode-1")
				daemonCullUser(t, w, v, "inode-3")
				done.Complete(t)
			})
			k.Spawn("netfs-1", func(t *sim.Thread) {
				w.WaitReady(t)
				daemonCullUser(t, w, vol, "inode-2")
				daemonCullUser(t, w, vol, "inode-4")
				done.Complete(t)
			})
			k.Spawn("admin", func(t *sim.Thread) {
				done.Wait(t)
				done.Wait(t)
				fscache.RelinquishVolume(t, vol, nil, false)
				// Let the volume's release finish before the daemon's
				// exit unbinds the cache (otherwise: Q-23).
				t.Sleep(sim.Second)
				d.Stop(t) // SIGTERM: the daemon releases the device
				d.WaitExit(t)
				if err := d.Err(); err != nil {
					t.Bug("cachefilesd", "the daemon died: %v", err)
				}
			})
		},
	})
}
