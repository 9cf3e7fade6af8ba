package scenarios

import (
	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/cachefilesd"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// daemonConf is the cachefilesd.conf of the daemon scenarios.
const daemonConf = `# the daemon scenarios' cache
dir /var/cache/fscache
tag mycache
brun 10%
bcull 7%
bstop 3%
`

// daemonLivenessBound is the liveness bound of the daemon scenarios: two
// full scans of a volume (cachefilesd 0.10.10 reads the cache state twice
// per fan-out directory, opens, lists and tries to remove it).
const daemonLivenessBound = 40000

// daemonRoot makes the cache root of daemonConf on the disk (at setup,
// outside any thread: no scheduling points).
func daemonRoot(fs *vfs.FS) {
	ino := fs.Root()
	for _, name := range []string{"var", "cache", "fscache"} {
		next, err := fs.Mkdir(ino, name, 0o755)
		if err != nil {
			panic("daemon scenario setup: mkdir " + name + ": " + err.Error())
		}
		ino = next
	}
}

// daemonUser is a netfs user of the cache: acquire the volume and a
// cookie, write an object to the cache, read it back, relinquish. Every
// step may find the cache gone (withdrawn by the daemon's release) and go
// on uncached; a volume twin still live from an earlier user is -EBUSY.
func daemonUser(t *sim.Thread, w *World, key string) {
	v, err := w.F.AcquireVolume(t, "afs,example.com,1000001a", cfTag, nil)
	if err != nil {
		return
	}
	c := fscache.AcquireCookie(t, v, 0, []byte(key), []byte("v1"), 4096)
	fscache.UseCookie(t, c, true)
	cfRead(t, c, 'a')
	fscache.WriteToCache(t, c, 0, fill(4096, 'a'), 4096, true, nil)
	fscache.UnuseCookie(t, c, nil, nil)
	jitter(t)
	fscache.UseCookie(t, c, false)
	cfRead(t, c, 'a')
	fscache.UnuseCookie(t, c, nil, nil)
	fscache.RelinquishCookie(t, c, false)
	fscache.RelinquishVolume(t, v, nil, false)
}

func init() {
	register(Scenario{
		Name: "daemon-bind-unbind",
		Desc: "cachefilesd binds a cachefiles cache from its conf; a netfs writes and reads an object while the daemon is stopped and releases the device (unbind: cache withdrawal under the I/O); a new daemon binds the same disk again and a second netfs user reads the object back",
		// Not a default scenario: a few seeds in a thousand find a
		// use-after-free of a cookie in cachefiles_withdraw_objects, which
		// unlists an object and then calls fscache_withdraw_cookie on its
		// cookie, while the cookie's own withdrawal (relinquish), seeing
		// the object already unlisted, skips object_list_lock, frees the
		// object and lets the netfs free the cookie. TestDaemonScenario
		// pins it until it is judged (a kernel race or a model artefact).
		// A few more reach Q-23: a volume freed by the last relinquish
		// keeps its directories past the daemon's unbind (see
		// quirk-volume-dentries-outlive-unbind).
		Quirk: "Q-26",
		Setup: func(k *sim.Kernel, w *World) {
			cfWorld(w, vfs.Options{Blocks: 2048, Inodes: 1024, Now: k.Now})
			daemonRoot(w.FS)
			// A scan of the volume's 256 fan-out directories is ~11,000
			// steps of the daemon alone, which PCT may run in one
			// stretch while a relinquished cookie waits for a kworker.
			w.LivenessBound = daemonLivenessBound
			conf, err := cachefilesd.ParseConf("cachefilesd.conf", []byte(daemonConf))
			if err != nil {
				panic(err)
			}
			dev := cachefiles.NewDevice()
			first := w.CF
			d1 := cachefilesd.New(conf, w.FS, dev, func() cachefiles.CacheOps { return first }, cachefilesd.Options{})
			k.Spawn("cachefilesd", d1.Run)
			k.Spawn("netfs", func(t *sim.Thread) {
				if err := d1.WaitBound(t); err != nil {
					t.Bug("setup", "cachefilesd: %v", err)
				}
				daemonUser(t, w, "inode-1")
			})
			k.Spawn("admin", func(t *sim.Thread) {
				if err := d1.WaitBound(t); err != nil {
					return
				}
				jitter(t)
				d1.Stop(t) // SIGTERM: the daemon releases the device
				d1.WaitExit(t)
				// Rebind the same disk: a new daemon, a new cache record.
				second := first.Reboot(w.F)
				w.CF = second
				d2 := cachefilesd.New(conf, w.FS, dev, func() cachefiles.CacheOps { return second }, cachefilesd.Options{})
				k.Spawn("cachefilesd2", d2.Run)
				if err := d2.WaitBound(t); err != nil {
					t.Bug("rebind", "cachefilesd: %v", err)
				}
				daemonUser(t, w, "inode-1")
				d2.Stop(t)
				d2.WaitExit(t)
			})
		},
	})
}
