package scenarios

import (
	"github.com/fscachesim/fscachesim/model/netfs"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// The random world's cachefilesd beyond cull and inuse (world.go draws
// it with the cull feature): the daemon reads the cache's state
// (cachefiles_daemon_read: cull=, the limits, the released counts) before
// and after its commands, as cachefilesd does when it wakes, and it may
// send a command before the cache is bound (the device open, "bind" not
// yet written), which the kernel refuses with EIO. The checker judges the
// answers (checker/daemon.go); the world accepts any.

// daemonBeforeBind is a cull or inuse sent before the bind: "applied to
// unready cache", EIO.
func daemonBeforeBind(t *sim.Thread, w *World, r func(int) int) {
	if r(2) == 0 {
		w.CF.Inuse(t, "/", "cache")
	} else {
		w.CF.Cull(t, "/", "cache")
	}
	w.stats.daemonEarly++
}

// daemonActor is cachefilesd in the random world: a status read, the cull
// and inuse commands (cullActor), and a status read again, each with the
// device open (dev) and none after its release.
func daemonActor(t *sim.Thread, w *World, r func(int) int, ips []*netfs.Inode, dev *sim.Mutex, released *bool) {
	daemonStatus(t, w, dev, released)
	cullActor(t, w, r, ips, dev, released)
	if r(2) == 0 {
		jitter(t)
	}
	daemonStatus(t, w, dev, released)
}

// daemonStatus is one read of the device: the cache's state line.
func daemonStatus(t *sim.Thread, w *World, dev *sim.Mutex, released *bool) {
	dev.Lock(t)
	defer dev.Unlock(t)
	if *released {
		return
	}
	if _, err := w.CF.Status(t); err == nil || err == vfs.EIO {
		w.stats.statusReads++
	}
}
