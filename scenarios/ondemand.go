package scenarios

import (
	"bytes"

	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/erofs"
	"github.com/fscachesim/fscachesim/model/ondemandd"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// The on-demand scenarios (cachefiles' on-demand mode, issue 19): an
// erofs mount served by a user-space daemon over /dev/cachefiles, with
// the daemon doing the racy thing each names. Every run must end with
// the readers woken (a read may fail with EIO once the daemon is gone,
// never hang), every request completed exactly once, nothing leaked at
// the unbind and the objects' states on the 6.12 table.

// odImage is the erofs image the daemons serve: two blobs.
func odImage() map[string][]byte {
	b1 := make([]byte, 8192)
	for i := range b1 {
		b1[i] = byte('a' + i/4096)
	}
	return map[string][]byte{"blob1": b1, "blob2": bytes.Repeat([]byte("z"), 4096)}
}

var odBlobs = []string{"blob1", "blob2"}

// odWorld makes the disk, the cache and an on-demand control device.
func odWorld(w *World) *cachefiles.Device {
	cfWorld(w, vfs.Options{Blocks: 2048, Inodes: 1024})
	return cachefiles.NewOndemandDevice()
}

// odDaemon makes a daemon serving odImage with the faults given.
func odDaemon(dev *cachefiles.Device, faults ondemandd.Fault, rate sim.Ratio) *ondemandd.Daemon {
	return ondemandd.New(dev, ondemandd.Options{Dir: "/", Tag: cfTag, Blobs: odImage(), Faults: faults, Rate: rate})
}

// odReader mounts the image, reads every blob rounds times (checking
// what a successful read returns), unmounts, and waits (boundedly) for
// the volume to go.
func odReader(t *sim.Thread, w *World, rounds int) {
	m, err := erofs.Mount(t, w.F, "fsid1", odBlobs)
	if err != nil {
		return // a twin of an earlier mount still live, or no cache
	}
	img := odImage()
	for r := 0; r < rounds; r++ {
		for i, name := range odBlobs {
			buf := make([]byte, len(img[name]))
			if err := m.Read(t, i, 0, buf); err == nil && !bytes.Equal(buf, img[name]) {
				t.Bug("erofs-data", "erofs read of %s returned data other than the image's", name)
			}
		}
	}
	m.Unmount(t)
	for i := 0; i < 100 && len(w.F.Volumes()) > 0; i++ {
		t.Sleep(sim.Millisecond)
	}
}

func init() {
	for _, s := range []Scenario{
		{
			Name: "ondemand-daemon-close-vs-read",
			Desc: "an erofs mount reads two blobs while its on-demand daemon closes /dev/cachefiles at any point (killed): pending and future requests fail with EIO, no reader hangs, the last anonymous fd's close unbinds",
			Setup: func(k *sim.Kernel, w *World) {
				dev := odWorld(w)
				d := odDaemon(dev, 0, sim.Ratio{})
				k.Spawn("ondemandd", func(t *sim.Thread) { d.Serve(t, func() cachefiles.CacheOps { return w.CF }) })
				k.Spawn("erofs", func(t *sim.Thread) {
					if d.WaitBound(t) {
						odReader(t, w, 2)
					}
				})
				k.Spawn("admin", func(t *sim.Thread) {
					if !d.WaitBound(t) {
						return
					}
					jitter(t)
					d.Stop(t)
				})
			},
		},
		{
			Name: "ondemand-restore-vs-read",
			Desc: "the on-demand daemon crashes while an erofs read waits on it; its supervisor keeps /dev/cachefiles open and a new daemon takes over with restore: the requests read and not answered are handed out again, the closed objects reopened, and the reads complete",
			Setup: func(k *sim.Kernel, w *World) {
				dev := odWorld(w)
				d1 := odDaemon(dev, 0, sim.Ratio{})
				k.Spawn("ondemandd", func(t *sim.Thread) {
					if !d1.Start(t, func() cachefiles.CacheOps { return w.CF }) {
						t.Bug("setup", "the daemon did not bind")
					}
					w.ready.CompleteAll(t)
					d1.Run(t, true) // a crash: the anonymous fds close, the device stays open
				})
				k.Spawn("erofs", func(t *sim.Thread) {
					w.WaitReady(t)
					odReader(t, w, 1)
				})
				k.Spawn("supervisor", func(t *sim.Thread) {
					w.WaitReady(t)
					jitter(t)
					d1.Stop(t) // the crash
					d1.WaitExit(t)
					d2 := odDaemon(dev, 0, sim.Ratio{})
					k.Spawn("ondemandd2", func(t *sim.Thread) {
						d2.Adopt(t, d1.File)
						d2.Run(t, false)
					})
					t.Sleep(20 * sim.Millisecond)
					d2.Stop(t)
					d2.WaitExit(t)
				})
			},
		},
		{
			Name: "ondemand-anon-close-vs-copen",
			Desc: "the on-demand daemon closes an object's anonymous fd before or while it answers the object's OPEN with copen (fd_release against copen under ondemand->lock): the open fails with EBADFD or the object is closed and reopened by the next READ; nothing hangs",
			Setup: func(k *sim.Kernel, w *World) {
				dev := odWorld(w)
				d := odDaemon(dev, ondemandd.FaultCloseBefore|ondemandd.FaultCloseDuring, sim.Ratio{Num: 1, Den: 2})
				k.Spawn("ondemandd", func(t *sim.Thread) { d.Serve(t, func() cachefiles.CacheOps { return w.CF }) })
				k.Spawn("erofs", func(t *sim.Thread) {
					if d.WaitBound(t) {
						odReader(t, w, 2)
						d.Stop(t)
					}
				})
				// A READ the daemon read just before its own close of the
				// object's fd took effect can never be completed (no fd
				// to cread it with): that reader waits until the daemon
				// goes, which an administrator sees to.
				k.Spawn("admin", func(t *sim.Thread) {
					t.Sleep(20 * sim.Millisecond)
					d.Stop(t)
				})
			},
		},
		{
			Name: "ondemand-unbind-vs-requests",
			// It shares daemon-bind-unbind's open finding: the cache's
			// withdrawal at the unbind racing the unmount's relinquish
			// of the volume and cookies (TestOndemandScenarios counts it
			// apart).
			Quirk: "withdraw_objects-vs-relinquish",
			Desc:  "an erofs mount unmounts (its cookies withdrawn: CLOSE requests, clean_object cancelling the object's requests and the reopen worker) while its daemon, which sometimes restores, answers late or closes fds early, is stopped: every request completes once and the cache unbinds with nothing left",
			Setup: func(k *sim.Kernel, w *World) {
				dev := odWorld(w)
				d := odDaemon(dev, ondemandd.FaultLate|ondemandd.FaultRestore|ondemandd.FaultCloseBefore|ondemandd.FaultStaleID, sim.Ratio{Num: 1, Den: 3})
				k.Spawn("ondemandd", func(t *sim.Thread) { d.Serve(t, func() cachefiles.CacheOps { return w.CF }) })
				k.Spawn("erofs", func(t *sim.Thread) {
					if !d.WaitBound(t) {
						return
					}
					m, err := erofs.Mount(t, w.F, "fsid1", odBlobs)
					if err != nil {
						return
					}
					buf := make([]byte, 4096)
					m.Read(t, 0, 4096, buf)
					m.Unmount(t)
				})
				k.Spawn("admin", func(t *sim.Thread) {
					if !d.WaitBound(t) {
						return
					}
					jitter(t)
					jitter(t)
					d.Stop(t)
				})
			},
		},
		{
			Name: "ondemand-reopen-vs-drop",
			Desc: "the on-demand daemon closes each object's anonymous fd right after its copen, so the next READ finds the object closed and its read queues the reopen worker; the daemon is then killed and the mount unmounted, dropping the object while the worker may still be pending (clean_object must cancel it)",
			Setup: func(k *sim.Kernel, w *World) {
				dev := odWorld(w)
				d := odDaemon(dev, ondemandd.FaultCloseAfter, sim.Ratio{Num: 1, Den: 2})
				k.Spawn("ondemandd", func(t *sim.Thread) { d.Serve(t, func() cachefiles.CacheOps { return w.CF }) })
				k.Spawn("erofs", func(t *sim.Thread) {
					if !d.WaitBound(t) {
						return
					}
					m, err := erofs.Mount(t, w.F, "fsid1", odBlobs[:1])
					if err != nil {
						return
					}
					buf := make([]byte, 4096)
					m.Read(t, 0, 0, buf)
					m.Unmount(t)
				})
				k.Spawn("admin", func(t *sim.Thread) {
					if !d.WaitBound(t) {
						return
					}
					jitter(t)
					d.Stop(t)
				})
			},
		},
		{
			Name: "ondemand-restore-vs-cread",
			Desc: "a multi-threaded on-demand daemon answers requests on worker threads while it writes restore: its reader hands out again a request a worker is completing (copen or READ_COMPLETE), and the request must outlive the read that hands it out",
			Setup: func(k *sim.Kernel, w *World) {
				dev := odWorld(w)
				d := ondemandd.New(dev, ondemandd.Options{Dir: "/", Tag: cfTag, Blobs: odImage(),
					Faults: ondemandd.FaultRestore, Rate: sim.Ratio{Num: 1, Den: 2}, Async: true})
				k.Spawn("ondemandd", func(t *sim.Thread) { d.Serve(t, func() cachefiles.CacheOps { return w.CF }) })
				k.Spawn("erofs", func(t *sim.Thread) {
					if d.WaitBound(t) {
						odReader(t, w, 1)
						d.Stop(t)
					}
				})
			},
		},
		{
			Name: "ondemand-chaos",
			Desc: "an erofs mount read twice, served by an on-demand daemon that may commit every misbehaviour (late, never, copen error or wrong size, stale and unknown ids, fds closed before or during copen, restore, crash, no data) and is killed after a while: the kernel stays consistent",
			Setup: func(k *sim.Kernel, w *World) {
				dev := odWorld(w)
				d := odDaemon(dev, ondemandd.AllFaults, sim.Ratio{Num: 1, Den: 3})
				k.Spawn("ondemandd", func(t *sim.Thread) { d.Serve(t, func() cachefiles.CacheOps { return w.CF }) })
				k.Spawn("erofs", func(t *sim.Thread) {
					if d.WaitBound(t) {
						odReader(t, w, 2)
						d.Stop(t)
					}
				})
				k.Spawn("admin", func(t *sim.Thread) {
					t.Sleep(20 * sim.Millisecond)
					d.Stop(t)
				})
			},
		},
	} {
		// Not in the default exploration: a daemon that dies while the
		// mount is torn down meets daemon-bind-unbind's open finding
		// (the cache's withdrawal racing a relinquish: a cookie used
		// after its free, or a volume dentry left at the unbind). An
		// explore of 30,000 executions of daemon-close-vs-read,
		// restore-vs-read and restore-vs-cread (correct daemons) found
		// it 12 times, all in daemon-close-vs-read, and nothing else.
		if s.Quirk == "" {
			s.Extra = "on-demand mode (issue 19): run by name; meets daemon-bind-unbind's open finding in ~0.1% of runs"
		}
		register(s)
	}
}
