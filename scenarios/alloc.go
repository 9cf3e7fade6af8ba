package scenarios

import (
	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// Allocation failure (sim/alloc.go) in the scenarios: AllocFaultsWorld
// reaches every allocation site of fscache and cachefiles once or more and
// tolerates each failure as a kernel user would (a command retried, a
// volume or cookie left uncached), so that with a plan on, a failed run is
// a finding about the kernel's unwind paths, not about the script.

// allocVolumeKey is the volume of the allocation-fault world.
const allocVolumeKey = "afs,example.com,1000001a"

// allocRetries bounds the retries of a command that failed with ENOMEM.
const allocRetries = 4

// AllocFaultsWorld is a world over cachefiles, bound through the control
// device, with the allocation-failure plan p switched on from the start:
// a daemon opens the device and binds, naming the cache or not (retrying
// a command that fails with ENOMEM); two netfs users each acquire the volume and a cookie, write to
// the cache and read back, relinquish, then open the file again (its
// coherency data is checked) and read; the volume is acquired a second
// time (its directory's xattr is checked); the daemon culls the volume's
// directory once it is released (burial in the graveyard) and asks about
// a file in use; the release of the device withdraws the cache. Its
// cookie keys (20 bytes) and auxiliary data (12 bytes) are longer than the
// cookie's inline buffers, so fscache_set_key and fscache_alloc_cookie.aux
// are reached too.
func AllocFaultsWorld(p sim.AllocFaults) Scenario {
	return Scenario{
		Name: "alloc-faults",
		Desc: "allocation failures (plan " + p.String() + ") at every site of fscache and cachefiles, over a daemon's bind, two netfs users' I/O, a cull and the unbind",
		Setup: func(k *sim.Kernel, w *World) {
			if err := k.SetAllocFaults(p); err != nil {
				panic(err)
			}
			cfWorld(w, vfs.Options{Blocks: 2048, Inodes: 1024, Now: k.Now})
			allocWorldSetup(k, w)
		},
	}
}

func allocWorldSetup(k *sim.Kernel, w *World) {
	dev := cachefiles.NewDevice()
	// Half the worlds name the cache, half bind with the default tag.
	tag := cachefiles.DefaultTag
	if k.Rand(sim.CompWorkload, 2) == 1 {
		tag = cfTag
	}
	users := &gate{n: 2}
	k.Spawn("cachefilesd", func(t *sim.Thread) {
		f := allocDaemonBind(t, w, dev, tag)
		w.ready.CompleteAll(t)
		users.wait(t)
		if f == nil {
			// Never opened: the record NewCacheFS made stands for the
			// kzalloc that failed; let it go.
			w.CF.ReleaseUnbound(t)
			return
		}
		if f.Ready() {
			// The volume is gone: cull its directory (a burial in the
			// graveyard), then ask about the graveyard itself.
			f.Chdir("/cache")
			allocCommand(t, f, "cull "+cachefiles.VolumeDirName(allocVolumeKey))
			f.Chdir("/")
			allocCommand(t, f, "inuse graveyard")
		}
		f.Release(t)
	})
	for i, key := range []string{"alloc-world-inode-01", "alloc-world-inode-02"} {
		k.Spawn("netfs", func(t *sim.Thread) {
			w.WaitReady(t)
			if i == 1 {
				jitter(t)
			}
			allocUser(t, w, tag, key)
			users.finish(t)
		})
	}
}

// allocDaemonBind opens the device and binds the cache as cachefilesd
// does, retrying what fails with ENOMEM; nil if the device never opened.
func allocDaemonBind(t *sim.Thread, w *World, dev *cachefiles.Device, tag string) *cachefiles.File {
	var f *cachefiles.File
	for try := 0; try < allocRetries && f == nil; try++ {
		f, _ = dev.Open(t, func() cachefiles.CacheOps { return w.CF })
	}
	if f == nil {
		return nil
	}
	cmds := []string{"dir /", "tag " + tag, "bind"}
	if tag == cachefiles.DefaultTag {
		cmds = []string{"dir /", "bind"}
	}
	for _, cmd := range cmds {
		if allocCommand(t, f, cmd) != nil {
			break
		}
	}
	return f
}

// allocCommand writes a command, again while it fails with ENOMEM.
func allocCommand(t *sim.Thread, f *cachefiles.File, cmd string) error {
	var err error
	for try := 0; try < allocRetries; try++ {
		if _, err = f.Write(t, []byte(cmd)); err != vfs.ENOMEM {
			return err
		}
	}
	return err
}

// allocUser is one netfs user of the allocation-fault world; every step
// may find the cache, the volume or the cookie missing and go on uncached.
func allocUser(t *sim.Thread, w *World, tag, key string) {
	aux := []byte("v1-coherency") // 12 bytes: kmemdup'd
	for round := 0; round < 2; round++ {
		v, err := w.F.AcquireVolume(t, allocVolumeKey, tag, nil)
		if err != nil {
			// ENOMEM, or EBUSY: the other user's volume is live.
			jitter(t)
			continue
		}
		c := fscache.AcquireCookie(t, v, 0, []byte(key), aux, 4096)
		fscache.UseCookie(t, c, true)
		cfRead(t, c, 'a')
		fscache.WriteToCache(t, c, 0, fill(4096, 'a'), 4096, true, nil)
		fscache.UnuseCookie(t, c, nil, nil)
		fscache.RelinquishCookie(t, c, false)
		// Open the file again: its xattr is checked against the cookie.
		c = fscache.AcquireCookie(t, v, 0, []byte(key), aux, 4096)
		fscache.UseCookie(t, c, false)
		cfRead(t, c, 'a')
		fscache.UnuseCookie(t, c, nil, nil)
		fscache.RelinquishCookie(t, c, false)
		fscache.RelinquishVolume(t, v, nil, false)
		// Let the state machines and the volume's release finish.
		t.Sleep(fscache.LRUCookieTimeout)
	}
}

// allocFindings are the sites whose failure 6.12 does not unwind cleanly
// (docs/quirks.md): a world that fails them fails by design.
var allocFindings = []string{
	"fscache_set_key",          // fscache_free_cookie of an uninitialised cookie
	"fscache_alloc_cookie.aux",
	"cachefiles_bury_object",   // a cull's victim stays marked in use
}

// allocNetfsGaps are the sites whose failure model/netfs does not yet
// handle as 6.12's netfs does: when the copy of an AFS write to the cache
// fails, netfs calls the filesystem's ->invalidate_cache
// (fs/netfs/write_collect.c, afs_netfs_invalidate_cache in fs/afs/file.c);
// model/netfs ignores the error, and the cache keeps the old data under
// the new coherency data (stale reads, netfs-coherency).
var allocNetfsGaps = []string{
	"fscache_write_to_cache",
	"__cachefiles_write",
}

// AllocFaultsPlan is the allocation-failure plan for a random world: rate r
// at every site but those whose failure is a known finding (Q-21, Q-22 in
// docs/quirks.md) or a known gap of model/netfs (allocNetfsGaps), so that
// a failing run is news. Switch it on with k.SetAllocFaults in the world's
// Setup (or from a thread, for a phase: the world's own set-up, mount and
// bind, fails with ENOMEM too); the failures are recorded decisions, so
// replay and shrink reproduce them.
func AllocFaultsPlan(r sim.Ratio) sim.AllocFaults {
	p := sim.AllocFaults{All: r, Sites: map[string]sim.Ratio{}}
	for _, s := range append(append([]string(nil), allocFindings...), allocNetfsGaps...) {
		p.Sites[s] = sim.Ratio{}
	}
	return p
}

func init() {
	register(Scenario{
		Name:  "quirk-q21-cookie-nomem-unwind",
		Quirk: "Q-21",
		Desc:  "Q-21: the allocation of a long cookie key (over 16 bytes) fails; fscache_alloc_cookie's failure path frees the cookie before its list heads are initialised (WARN, then list_del through NULL)",
		Setup: func(k *sim.Kernel, w *World) {
			k.Spawn("netfs", func(t *sim.Thread) {
				w.bind(t)
				if err := k.SetAllocFaults(sim.AllocFaults{Sites: map[string]sim.Ratio{"fscache_set_key": {Num: 1, Den: 1}}}); err != nil {
					t.Bug("setup", "%v", err)
				}
				c := fscache.AcquireCookie(t, w.Vol, 0, []byte("nfs-file-handle-0001"), []byte("v1"), 4096)
				k.SetAllocFaults(sim.AllocFaults{})
				fscache.RelinquishCookie(t, c, false)
				w.teardown(t)
			})
		},
	})
	register(Scenario{
		Name:  "quirk-q22-cull-nomem-keeps-mark",
		Quirk: "Q-22",
		Desc:  "Q-22: the daemon culls a released volume's directory and the grave's dentry cannot be allocated; cachefiles_bury_object returns ENOMEM without clearing the in-use mark cachefiles_cull set, so the directory can never be culled (EBUSY) nor used again",
		Setup: func(k *sim.Kernel, w *World) {
			cfWorld(w, vfs.Options{Blocks: 2048, Inodes: 1024, Now: k.Now})
			k.Spawn("cachefilesd", func(t *sim.Thread) {
				w.cfBind(t)
				name := cachefiles.VolumeDirName(w.Vol.Key)
				fscache.RelinquishVolume(t, w.Vol, nil, false)
				// Let the volume's creation work finish and free it.
				t.Sleep(sim.Millisecond)
				if err := k.SetAllocFaults(sim.AllocFaults{Sites: map[string]sim.Ratio{"cachefiles_bury_object": {Num: 1, Den: 1}}}); err != nil {
					t.Bug("setup", "%v", err)
				}
				err := w.CF.Cull(t, "/cache", name)
				k.SetAllocFaults(sim.AllocFaults{})
				if err != vfs.ENOMEM {
					t.Bug("setup", "cull with the grave's allocation failing: %v, want ENOMEM", err)
				}
				// Memory is back: the daemon tries again.
				if err := w.CF.Cull(t, "/cache", name); err == vfs.EBUSY {
					t.Bug("Q-22", "cull of %s after an ENOMEM: EBUSY, the directory is still marked in use (S_KERNEL_FILE) though nothing uses it", name)
				}
				w.CF.Unbind(t)
			})
		},
	})
}
