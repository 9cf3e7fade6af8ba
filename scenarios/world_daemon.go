package scenarios

import (
	"bytes"

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
// device open (dev) and none after its release; with dead (deadDaemon),
// the second read's statfs fails with EIO and more commands follow.
func daemonActor(t *sim.Thread, w *World, r func(int) int, ips []*netfs.Inode, dev *sim.Mutex, released *bool, dead bool) {
	daemonStatus(t, w, dev, released)
	cullActor(t, w, r, ips, dev, released)
	if r(2) == 0 {
		jitter(t)
	}
	if dead {
		w.FS.SetFaults(vfs.Faults{Statfs: vfs.Rates{EIO: sim.Ratio{Num: 1, Den: 1}}})
	}
	daemonStatus(t, w, dev, released)
	if dead {
		w.FS.SetFaults(vfs.Faults{})
		w.stats.deadDaemons++
		cullActor(t, w, r, ips, dev, released)
	}
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

// daemonWorld is the daemon and unbind features of a world over
// cachefiles.
type daemonWorld struct {
	// unbindLive: cachefilesd releases the device (the cache withdrawn)
	// once the users are done but before the files are evicted: the
	// cookies are still acquired and their objects live (in the LRU),
	// so cachefiles_withdraw_objects, fscache_wait_for_objects and the
	// volumes' withdrawal have work to do. The evictions, the cookies'
	// relinquishment and the unmount come after it. Not with a crash, a
	// second mount or a remount (the volume looked up again after the
	// cache went away), nor while a lookup may run (quirk Q-24): the
	// users and actors are done.
	unbindLive bool
	// syncFault: the syncfs of the cache's withdrawal fails with EIO
	// (cachefiles_sync_cache kills the cache: cachefiles_io_error).
	syncFault bool
	// sparse: a reader of a two-page file reads the end of its second
	// page first (copied to the cache: the object's data starts at 4096)
	// and then the end of its first page, a range that ends exactly where
	// the cached data starts: a hole the hole policy (READ_HOLE_FAIL)
	// must refuse (ENODATA, a miss), not read as zeros.
	sparse bool
	// deadDaemon: the daemon's status read meets a statfs that fails
	// with EIO (cachefiles_has_space: cachefiles_io_error, the cache
	// DEAD while the users run), then sends one more command, which a
	// dead cache refuses with EIO. Not with disk faults or a crash (those
	// are random-disk's), and, as in random-disk, no invalidations: a
	// lookup failing on the dead cache while an invalidation waits is
	// quirk Q-2.
	deadDaemon bool
}

// drawDaemonWorld draws the daemon features; it runs after drawWorld's own
// draws of the cachefiles features and the second mount.
func drawDaemonWorld(r func(int) int, f *worldFeatures) {
	if !f.cachefiles {
		return
	}
	f.unbindLive = r(3) == 0 && !f.crash
	if f.unbindLive {
		f.secondMount, f.remount = false, false
	}
	f.syncFault = r(4) == 0
	f.sparse = r(3) == 0
	f.deadDaemon = f.cull && r(4) == 0 && !f.crash && !anyFaults(f.diskFaults)
	if f.deadDaemon {
		f.serverChanges, f.nfs, f.directWriteOne, f.truncate = false, false, 0, false
	}
}

// syncFaultOn switches the sync fault on for the withdrawal.
func syncFaultOn(w *World, f worldFeatures) {
	if f.syncFault {
		w.FS.SetFaults(vfs.Faults{Sync: vfs.Rates{EIO: sim.Ratio{Num: 1, Den: 1}}})
		w.stats.syncFaults++
	}
}

// syncFaultOff switches every disk fault off after the withdrawal.
func syncFaultOff(w *World, f worldFeatures) {
	if f.syncFault {
		w.FS.SetFaults(vfs.Faults{})
	}
}

// sparseIno is the sparse reader's own file: two pages of data on the
// server, no other user.
const sparseIno = 100

func sparseData() []byte {
	return append(bytes.Repeat([]byte("p0-sparse-"), 4096/10+1)[:4096], bytes.Repeat([]byte("p1-sparse-"), 4096/10+1)[:4096]...)
}

// sparseReader reads the sparse file's second page (copied to the cache
// after the miss), then the last bytes of its first page, twice, and lets
// the file go.
func sparseReader(t *sim.Thread, w *World, r func(int) int, m *netfs.Mount) {
	ip := m.Iget(t, sparseIno)
	ip.Open(t, false)
	ip.Read(t, 4096, 16)
	if r(2) == 0 {
		jitter(t)
	}
	ip.Read(t, 4096, 16) // from the cache once the copy is done
	ip.Read(t, 4096-16, 16)
	ip.Read(t, 4096-16, 16)
	ip.Close(t)
	ip.Evict(t, false)
	w.stats.sparseReads++
}
