package scenarios

import (
	"strconv"
	"strings"

	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/model/netfs"
	"github.com/fscachesim/fscachesim/model/vfsops"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// The random world's actors beyond the netfs users (world.go draws which
// a seed has): the virtual disk's faults, cachefilesd's cull and inuse
// commands, another user filling the disk, a power failure and the next
// boot's rebind, a second mount of the volume, cookies and a volume with
// keys at the kernel's limits, and the module unloaded at the end.

// worldStats counts what one execution's world actors did, so a test can
// show that each swarm feature reaches its code (TestWorldFeaturesReached).
type worldStats struct {
	faultFlips    int // disk fault plan switched on or off
	culls         int // cull commands that buried an object
	cullErrs      []error
	inuses        int // inuse commands answered
	hogBlocks     int64
	crashes       int
	rebootReads   int // reads served from the cache after the rebind
	mountBusy     int // a second mount of the volume refused (-EBUSY)
	mountTwice    int // a second mount of the volume that got it
	keyCookies    int // cookies acquired with keys at the limits
	longVolumes   int // volumes acquired with a long key
	unloads       int
	allocFlips    int   // allocation-failure plan switched on or off
	allocFails    int64 // allocations failed (read when the plan goes off)
	tightConfigs  int
	violations    int // API violations made (random-api-violations)
	slowWithdraws int // worlds with the slow backend (world_slow.go)
	volumeNotices int // "Potential volume collision" notices (set by the test)
	statusReads   int // the daemon's status reads (world_daemon.go)
	daemonEarly   int // daemon commands before the bind
	liveUnbinds   int // unbinds with the cookies still acquired
	syncFaults    int // withdrawals whose syncfs fails
	sparseReads   int // the sparse reader's runs
	deadDaemons   int // the daemon's status reads that killed the cache
}

// diskFaultClasses are the operation classes of the virtual disk a world
// may fault. Not write and create: a failed write to the cache makes AFS
// invalidate the cookie (->invalidate_cache, model/netfs), and an
// invalidation whose tmpfile creation or extending truncation fails (the
// create and write classes) leaves the old contents under the new
// coherency data (quirk Q-20), served as stale data, which would hide
// every other finding of these worlds. ENOSPC still reaches writes and
// creations through the space checks (the other user filling the disk,
// tight thresholds).
var diskFaultClasses = []string{"lookup", "read", "remove", "rename", "getxattr", "setxattr", "statfs", "sync"}

// drawDiskFaults draws a fault plan for the virtual disk: each class in
// one world in three, failing one operation in eight with EIO (or, for
// the classes that allocate, ENOSPC half the time), and some classes slow.
// The zero plan means the world has no disk faults.
func drawDiskFaults(r func(int) int) vfs.Faults {
	var f vfs.Faults
	for _, name := range diskFaultClasses {
		if r(3) != 0 {
			continue
		}
		var rt vfs.Rates
		switch {
		case name == "setxattr" && r(2) == 0:
			rt.ENOSPC = sim.Ratio{Num: 1, Den: 8}
		default:
			rt.EIO = sim.Ratio{Num: 1, Den: 8}
		}
		if r(4) == 0 {
			rt.Slow = sim.Ratio{Num: 1, Den: 4}
		}
		switch name {
		case "lookup":
			f.Lookup = rt
		case "read":
			f.Read = rt
		case "remove":
			f.Remove = rt
		case "rename":
			f.Rename = rt
		case "getxattr":
			f.Getxattr = rt
		case "setxattr":
			f.Setxattr = rt
		case "statfs":
			f.Statfs = rt
		case "sync":
			f.Sync = rt
		}
	}
	if r(2) == 0 {
		f.SlowDelay = sim.Time(1+r(25)) * sim.Second // past the kernel's timeouts
	}
	return f
}

// anyFaults reports whether plan f can fire.
func anyFaults(f vfs.Faults) bool { return f != (vfs.Faults{SlowDelay: f.SlowDelay}) }

// drawConfig draws cachefilesd's space thresholds: the defaults, or tight
// ones (stop, cull and run close together and high, so that the small
// world's disk crosses them).
func drawConfig(r func(int) int) (cachefiles.Config, bool) {
	cfg := cachefiles.DefaultConfig()
	cfg.RootDir, cfg.Tag = "/", cfTag
	if r(3) != 0 {
		return cfg, false
	}
	stop := uint(1 + r(85))
	cull := stop + 1 + uint(r(4))
	run := cull + 1 + uint(r(4))
	if r(2) == 0 {
		cfg.Bstop, cfg.Bcull, cfg.Brun = stop, cull, run
	} else {
		cfg.Fstop, cfg.Fcull, cfg.Frun = stop, cull, run
	}
	return cfg, true
}

// switchDiskFaults switches the world's disk fault plan on or off.
func (w *World) switchDiskFaults(plan vfs.Faults, on bool) {
	if !on {
		plan = vfs.Faults{}
	}
	w.FS.SetFaults(plan)
	w.stats.faultFlips++
}

// objectName is cachefiles' name for the object of netfs file ino.
func objectName(ino uint64) string {
	name, err := cachefiles.CookKey([]byte("ino-" + strconv.FormatUint(ino, 10)))
	if err != nil {
		panic(err)
	}
	return name
}

// cullActor is cachefilesd's cull and inuse commands aimed at the objects
// of the world's files while the users run (cachefiles_daemon_cull and
// _inuse from the daemon's working directory, the fan-out directory).
// Whatever they answer is fine here: the checker judges what they did.
//
// dev is the daemon's open control device: each command holds it, and
// once the device is released (released) the daemon sends no more.
func cullActor(t *sim.Thread, w *World, r func(int) int, ips []*netfs.Inode, dev *sim.Mutex, released *bool) {
	if r(2) == 0 {
		// A new object's file is linked into its fan-out directory only
		// when the object is committed (by the LRU discard, or at
		// relinquish): until then there is nothing to cull.
		t.Sleep(fscache.LRUCookieTimeout + sim.Millisecond)
	}
	for n := 1 + r(3); n > 0; n-- {
		jitter(t)
		ip := ips[r(len(ips))]
		c := ip.Cookie
		if c == nil {
			continue
		}
		dir, name := fanoutPath(c), objectName(ip.Ino)
		dev.Lock(t)
		if *released {
			dev.Unlock(t)
			return
		}
		if r(3) == 0 {
			w.CF.Inuse(t, dir, name)
			w.stats.inuses++
		} else if err := w.CF.Cull(t, dir, name); err == nil {
			w.stats.culls++
		} else {
			w.stats.cullErrs = append(w.stats.cullErrs, err)
		}
		dev.Unlock(t)
	}
}

// hog is another user of the cache's disk: it fills it, leaving a few
// blocks free (below the stop threshold or between stop and cull), and
// removes its file later, through the syscall layer (model/vfsops).
func hog(t *sim.Thread, w *World, r func(int) int) {
	jitter(t)
	sf, err := w.FS.Statfs()
	if err != nil {
		return
	}
	leave := int64(r(4)) * int64(r(30))
	n := sf.Bavail - leave
	if n <= 0 {
		return
	}
	f, err := w.FS.Create(w.FS.Root(), "hog", 0o600)
	if err != nil {
		return
	}
	if w.FS.Fallocate(f, 0, 0, n*w.FS.BlockSize()) == nil {
		w.stats.hogBlocks += n
	}
	w.FS.Close(f)
	switch r(3) {
	case 0:
		jitter(t)
	case 1:
		t.Sleep(fscache.LRUCookieTimeout + sim.Millisecond)
	}
	vfsops.Unlinkat(t, w.FS, w.FS.Root(), "hog")
}

// power cuts the power at a random point: at once, within the users' first
// milliseconds, or seconds later (past the LRU expiry); the disk keeps a
// random prefix of its unsynced operations.
func power(t *sim.Thread, w *World, r func(int) int) {
	switch r(3) {
	case 0:
		jitter(t)
	case 1:
		t.Sleep(sim.Time(r(20)) * sim.Millisecond)
	default:
		t.Sleep(sim.Time(1+r(25)) * sim.Second)
	}
	keep := int(t.Kernel().Rand(sim.CompDisk, uint64(w.FS.Pending()+1)))
	w.CF.Crash(t, keep)
	w.stats.crashes++
}

// reboot is the next boot after a crash: the same disk, faults off, a new
// cache bound with the same configuration, the same volume mounted, and
// each file read twice (the second read may be served from the cache: the
// netfs's coherency check and the linearizability check judge whether
// what the old boot left is served only when it is coherent), then all
// let go.
func reboot(t *sim.Thread, w *World, srv *netfs.Server, fl netfs.Flavour, cfg cachefiles.Config, files int) {
	w.FS.SetFaults(vfs.Faults{})
	// A cache stopped by an I/O error still committed each cookie's
	// coherency data as it let go of it, over contents whose write-back
	// it refused (not live): the next bind serves them as current
	// (quirk Q-28, quirk-ioerror-commits-skipped-write, 6.12). After
	// such a boot the files are looked up again but not read back.
	readBack := !w.CF.IOErrored()
	w.CF = w.CF.Reboot(w.F)
	if err := w.CF.Bind(t, cfg, nil); err != nil {
		if err == vfs.ENOBUFS {
			// The disk is short of space past the stop thresholds
			// (another user's file whose unlink the crash lost, or
			// tight thresholds): cachefiles_daemon_bind refuses, and
			// the netfs runs uncached. Nothing to read back; the
			// daemon closes the device (its release frees the cache).
			w.CF.Unbind(t)
			return
		}
		t.Bug("setup", "rebind cachefiles: %v", err)
	}
	m, err := netfs.MountFS(t, w.F, srv, fl, worldVolume, cfTag)
	if err != nil {
		t.Bug("setup", "mount after the rebind: %v", err)
	}
	w.Record(m)
	for i := 1; i <= files; i++ {
		ip := m.Iget(t, uint64(i))
		for j := 0; j < 2 && readBack; j++ {
			ip.Open(t, false)
			hits := m.Hits
			ip.Read(t, 0, 16)
			if m.Hits > hits {
				w.stats.rebootReads++
			}
			ip.Close(t)
		}
		ip.Evict(t, false)
	}
	m.Unmount(t)
	t.Sleep(fscache.LRUCookieTimeout)
	w.CF.Unbind(t)
}

// secondMount mounts the world's volume again while the first mount may
// still have it: fscache refuses a live twin (-EBUSY; the netfs would go
// on uncached), waits for one being relinquished, or hands it over once it
// is gone; then it reads file 1 and unmounts.
func secondMount(t *sim.Thread, w *World, r func(int) int, srv *netfs.Server, fl netfs.Flavour, cacheName string) {
	switch r(3) {
	case 0:
		jitter(t)
	case 1:
		t.Sleep(sim.Time(r(20)) * sim.Millisecond)
	default:
		// After the users (the longest holds a file 25 s), about when
		// the first mount goes.
		t.Sleep(sim.Time(25+r(20)) * sim.Second)
	}
	m, err := netfs.MountFS(t, w.F, srv, fl, worldVolume, cacheName)
	if err != nil {
		if err != fscache.ErrBusy && err != fscache.ErrNoMem {
			t.Bug("setup", "second mount: %v", err)
		}
		w.stats.mountBusy++
		return
	}
	w.stats.mountTwice++
	w.Record(m)
	ip := m.Iget(t, 1)
	ip.Open(t, false)
	ip.Read(t, 0, 16)
	ip.Close(t)
	ip.Evict(t, false)
	m.Unmount(t)
}

// limitKey is a cookie key of n bytes: printable (cachefiles' D form) or
// binary (its E form, base64, longer than NAME_MAX from 190 bytes on).
func limitKey(n int, binary bool, tag byte) []byte {
	key := make([]byte, n)
	for i := range key {
		key[i] = 'k'
		if binary {
			key[i] = byte(0x80 + i%64)
		}
	}
	key[0] = tag
	return key
}

// keyUser acquires cookies with keys at the kernel's limits in the
// world's volume, bare fscache calls as a netfs would make them: 1 byte,
// a few, up to 252 (the longest cachefiles encodes; in-memory worlds up to
// fscache's 255), printable or binary; uses each, writes and reads a page,
// relinquishes (retiring some). Then, one world in two, a second volume
// with a long key (up to the 255 bytes fscache takes; cachefiles cannot
// make its directory beyond NAME_MAX and goes on uncached).
//
// Keys of 253-255 bytes are left out over cachefiles: the kernel BUGs in
// cachefiles_cook_key (quirk Q-18), the model refuses them.
func keyUser(t *sim.Thread, w *World, r func(int) int, v *fscache.Volume, cachefilesWorld bool) {
	// The kernel's limits (liveness_more.go), not the model's constants.
	max := kernelCookieKeyMax
	if cachefilesWorld {
		max = kernelCookedKeyMax
	}
	for n := 1 + r(2); n > 0; n-- {
		var size int
		switch r(3) {
		case 0:
			size = 1 + r(8)
		case 1:
			size = max - r(8)
		default:
			size = 180 + r(20) // around the E form's NAME_MAX edge
		}
		key := limitKey(size, r(2) == 0, byte('K'+n))
		fails := t.Kernel().AllocFailures()
		c := fscache.AcquireCookie(t, v, 0, key, []byte("v1"), 4096)
		if c == nil {
			// A key of 1..255 bytes gets a cookie unless an allocation
			// failed (check "legal-key-cookie"; no twin: the key is this
			// actor's own).
			if v != nil && t.Kernel().AllocFailures() == fails {
				t.Bug("legal-key-cookie", "fscache_acquire_cookie with a %d-byte key (the kernel takes 1..%d) returned no cookie, no allocation having failed", size, kernelCookieKeyMax)
			}
			continue
		}
		w.stats.keyCookies++
		fscache.UseCookie(t, c, true)
		fscache.WriteToCache(t, c, 0, fill(4096, 'k'), 4096, true, nil)
		fscache.UnuseCookie(t, c, nil, nil)
		jitter(t)
		fscache.UseCookie(t, c, false)
		cfRead(t, c, 'k')
		fscache.UnuseCookie(t, c, nil, nil)
		fscache.RelinquishCookie(t, c, r(2) == 1)
	}
	if r(2) == 0 {
		key := "long," + strings.Repeat("v", kernelVolumeKeyMax-5-r(60))
		cacheName := cfTag
		v2, err := w.F.AcquireVolume(t, key, cacheName, nil)
		if err != nil {
			return
		}
		w.stats.longVolumes++
		c := fscache.AcquireCookie(t, v2, 0, limitKey(1+r(max), false, 'L'), nil, 4096)
		if c != nil {
			fscache.UseCookie(t, c, true)
			fscache.WriteToCache(t, c, 0, fill(4096, 'l'), 4096, true, nil)
			fscache.UnuseCookie(t, c, nil, nil)
			fscache.RelinquishCookie(t, c, false)
		}
		fscache.RelinquishVolume(t, v2, nil, false)
	}
}

// worldAllocRate is the allocation-failure rate of a world that has them.
var worldAllocRate = sim.Ratio{Num: 1, Den: 8}

// switchAllocFaults switches the allocation-failure plan on or off.
func (w *World) switchAllocFaults(t *sim.Thread, on bool) {
	var plan sim.AllocFaults
	if on {
		plan = AllocFaultsPlan(worldAllocRate)
	}
	if err := t.Kernel().SetAllocFaults(plan); err != nil {
		t.Bug("setup", "allocation faults: %v", err)
	}
	w.stats.allocFlips++
	w.stats.allocFails = t.Kernel().AllocFailures()
}
