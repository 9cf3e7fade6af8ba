package scenarios

import (
	"bytes"
	"strings"

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

// odImage is the erofs image the daemons serve: two blobs. It is made
// once and only read (by the daemons and the readers of every execution).
func odImage() map[string][]byte { return odImageData }

var odImageData = func() map[string][]byte {
	b1 := make([]byte, 8192)
	for i := range b1 {
		b1[i] = byte('a' + i/4096)
	}
	return map[string][]byte{"blob1": b1, "blob2": bytes.Repeat([]byte("z"), 4096)}
}()

var odBlobs = []string{"blob1", "blob2"}

// odWorld makes the disk, the cache and an on-demand control device.
func odWorld(w *World) *cachefiles.Device {
	cfWorld(w, vfs.Options{Blocks: 2048, Inodes: 1024})
	return cachefiles.NewOndemandDevice()
}

// odDaemon makes a daemon serving odImage with the faults given; with a
// gate, its death waits for the gate's unmount to finish.
func odDaemon(dev *cachefiles.Device, faults ondemandd.Fault, rate sim.Ratio, g *odGate) *ondemandd.Daemon {
	return odDaemonOpts(dev, ondemandd.Options{Faults: faults, Rate: rate}, g)
}

func odDaemonOpts(dev *cachefiles.Device, opts ondemandd.Options, g *odGate) *ondemandd.Daemon {
	opts.Dir, opts.Tag, opts.Blobs = "/", cfTag, odImage()
	if g != nil {
		opts.Hold = func() bool { return g.busy }
	}
	d := ondemandd.New(dev, opts)
	if g != nil {
		g.daemons = append(g.daemons, d)
	}
	return d
}

// odGate keeps a daemon's death (the cache's withdrawal, when its release
// of /dev/cachefiles unbinds) away from erofs's mount and unmount, so that
// the default scenarios do not meet the open findings the quirk probes
// explore: Q-26 (cachefiles_withdraw_objects racing the unmount's
// relinquish of a cookie; ondemand-unbind-vs-requests, daemon-bind-unbind),
// Q-23 (a volume's dentries put after the unbind) and Q-24 (the mount's
// fscache_begin_volume_access against the withdrawal's rescan). Either the
// mount (or the unmount, until the volume is gone) runs with every daemon
// alive (a daemon stopped or crashed meanwhile serves on until it is over:
// ondemandd.Options.Hold), or it runs after the dying daemon's release.
// Everything else (a daemon's death racing the reads, the lookups' OPENs,
// the READs, the anonymous fds, the CLOSEs) stays free. Both tests are
// plain reads with no scheduling point, so "no daemon dying, so busy" and
// "not busy, so dying" are each one step.
type odGate struct {
	busy    bool
	daemons []*ondemandd.Daemon
}

// enter waits for a dying daemon's exit, if one is dying, or else holds
// every daemon's death off; it reports whether it holds.
func (g *odGate) enter(t *sim.Thread) bool {
	for _, d := range g.daemons {
		if d.Exiting() {
			d.WaitExit(t)
			return false
		}
	}
	g.busy = true
	return true
}

// leave lets the daemons die again (if enter held them).
func (g *odGate) leave(t *sim.Thread, held bool) {
	if !held {
		return
	}
	g.busy = false
	for _, d := range g.daemons {
		d.Kick(t)
	}
}

// mount is erofs.Mount through the gate.
func (g *odGate) mount(t *sim.Thread, w *World, blobs []string) (*erofs.FS, error) {
	if g == nil {
		return erofs.Mount(t, w.F, "fsid1", blobs)
	}
	held := g.enter(t)
	defer g.leave(t, held)
	return erofs.Mount(t, w.F, "fsid1", blobs)
}

// unmount is erofs's unmount through the gate, then the wait for the
// volume to go (bounded: a request a faulty daemon never answers can keep
// it; then the gate opens anyway).
func (g *odGate) unmount(t *sim.Thread, w *World, m *erofs.FS) {
	if g == nil {
		m.Unmount(t)
		odWaitVolumes(t, w)
		return
	}
	held := g.enter(t)
	m.Unmount(t)
	odWaitVolumes(t, w)
	g.leave(t, held)
}

// odWaitVolumes waits (boundedly) for the volumes to go.
func odWaitVolumes(t *sim.Thread, w *World) {
	for i := 0; i < 100 && len(w.F.Volumes()) > 0; i++ {
		t.Sleep(sim.Millisecond)
	}
}

// odReader mounts the image, reads every blob rounds times (checking
// what a successful read returns), unmounts (through g, if not nil), and
// waits (boundedly) for the volume to go.
func odReader(t *sim.Thread, w *World, rounds int, g *odGate) {
	m, err := g.mount(t, w, odBlobs)
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
	g.unmount(t, w, m)
}

// odScenarioList is the on-demand scenarios; init registers them.
var odScenarioList = []Scenario{
	{
		Name: "ondemand-daemon-close-vs-read",
		Desc: "an erofs mount reads two blobs while its on-demand daemon closes /dev/cachefiles at any point (killed): pending and future requests fail with EIO, no reader hangs, the last anonymous fd's close unbinds",
		Setup: func(k *sim.Kernel, w *World) {
			dev := odWorld(w)
			g := &odGate{}
			d := odDaemon(dev, 0, sim.Ratio{}, g)
			k.Spawn("ondemandd", func(t *sim.Thread) { d.Serve(t, func() cachefiles.CacheOps { return w.CF }) })
			k.Spawn("erofs", func(t *sim.Thread) {
				if d.WaitBound(t) {
					odReader(t, w, 2, g)
				}
			})
			odAdminStop(k, d, 1)
		},
	},
	{
		Name: "ondemand-restore-vs-read",
		Desc: "the on-demand daemon crashes while an erofs read waits on it; its supervisor keeps /dev/cachefiles open and a new daemon takes over with restore: the requests read and not answered are handed out again, the closed objects reopened, and the reads complete",
		Setup: func(k *sim.Kernel, w *World) {
			dev := odWorld(w)
			g := &odGate{}
			d1 := odDaemon(dev, 0, sim.Ratio{}, nil) // its crash keeps the device: no unbind
			k.Spawn("ondemandd", func(t *sim.Thread) {
				if !d1.Start(t, func() cachefiles.CacheOps { return w.CF }) {
					t.Bug("setup", "the daemon did not bind")
				}
				w.ready.CompleteAll(t)
				d1.Run(t, true) // a crash: the anonymous fds close, the device stays open
			})
			k.Spawn("erofs", func(t *sim.Thread) {
				w.WaitReady(t)
				odReader(t, w, 1, g)
			})
			k.Spawn("supervisor", func(t *sim.Thread) {
				w.WaitReady(t)
				jitter(t)
				d1.Stop(t) // the crash
				d1.WaitExit(t)
				d2 := odDaemon(dev, 0, sim.Ratio{}, g)
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
			g := &odGate{}
			d := odDaemon(dev, ondemandd.FaultCloseBefore|ondemandd.FaultCloseDuring, sim.Ratio{Num: 1, Den: 2}, g)
			k.Spawn("ondemandd", func(t *sim.Thread) { d.Serve(t, func() cachefiles.CacheOps { return w.CF }) })
			k.Spawn("erofs", func(t *sim.Thread) {
				if d.WaitBound(t) {
					odReader(t, w, 2, g)
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
		// The quirk probe of Q-26 (with daemon-bind-unbind): the
		// cache's withdrawal at the unbind racing the unmount's
		// relinquish of the volume and cookies, with no gate between
		// them (TestOndemandScenarios counts its findings apart); it
		// meets too.
		Quirk: "Q-26",
		Desc:  "an erofs mount unmounts (its cookies withdrawn: CLOSE requests, clean_object cancelling the object's requests and the reopen worker) while its daemon, which sometimes restores, answers late or closes fds early, is stopped: every request completes once and the cache unbinds with nothing left",
		Setup: func(k *sim.Kernel, w *World) {
			dev := odWorld(w)
			d := odDaemon(dev, ondemandd.FaultLate|ondemandd.FaultRestore|ondemandd.FaultCloseBefore|ondemandd.FaultStaleID, sim.Ratio{Num: 1, Den: 3}, nil)
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
			odAdminStop(k, d, 2)
		},
	},
	{
		Name: "ondemand-reopen-vs-drop",
		Desc: "the on-demand daemon closes each object's anonymous fd right after its copen, so the next READ finds the object closed and its read queues the reopen worker; the daemon is then killed and the mount unmounted, dropping the object while the worker may still be pending (clean_object must cancel it)",
		Setup: func(k *sim.Kernel, w *World) {
			dev := odWorld(w)
			g := &odGate{}
			d := odDaemon(dev, ondemandd.FaultCloseAfter, sim.Ratio{Num: 1, Den: 2}, g)
			k.Spawn("ondemandd", func(t *sim.Thread) { d.Serve(t, func() cachefiles.CacheOps { return w.CF }) })
			k.Spawn("erofs", func(t *sim.Thread) {
				if !d.WaitBound(t) {
					return
				}
				m, err := g.mount(t, w, odBlobs[:1])
				if err != nil {
					return
				}
				buf := make([]byte, 4096)
				m.Read(t, 0, 0, buf)
				g.unmount(t, w, m)
			})
			odAdminStop(k, d, 1)
		},
	},
	{
		Name: "ondemand-restore-vs-cread",
		Desc: "a multi-threaded on-demand daemon answers requests on worker threads while it writes restore: its reader hands out again a request a worker is completing (copen or READ_COMPLETE), and the request must outlive the read that hands it out",
		Setup: func(k *sim.Kernel, w *World) {
			dev := odWorld(w)
			g := &odGate{}
			d := odDaemonOpts(dev, ondemandd.Options{Faults: ondemandd.FaultRestore, Rate: sim.Ratio{Num: 1, Den: 2}, Async: true}, g)
			k.Spawn("ondemandd", func(t *sim.Thread) { d.Serve(t, func() cachefiles.CacheOps { return w.CF }) })
			k.Spawn("erofs", func(t *sim.Thread) {
				if d.WaitBound(t) {
					odReader(t, w, 1, g)
					d.Stop(t)
				}
			})
		},
	},
	{
		Name: "ondemand-kill-vs-read",
		Desc: "two erofs readers wait on READ requests their daemon answers (sometimes late) and one is sent SIGKILL at any point: its killable wait ends with -EINTR and takes its request back out of the xarray (the daemon's cread then finds none), or, if the daemon has taken it already, waits for its completion; the other reader gets its data, nothing leaks",
		Setup: func(k *sim.Kernel, w *World) {
			dev := odWorld(w)
			g := &odGate{}
			d := odDaemon(dev, ondemandd.FaultLate, sim.Ratio{Num: 1, Den: 2}, g)
			var m *erofs.FS
			mounted := &sim.Completion{Name: "erofs mounted"}
			done := &sim.Completion{Name: "erofs readers"}
			k.Spawn("ondemandd", func(t *sim.Thread) { d.Serve(t, func() cachefiles.CacheOps { return w.CF }) })
			k.Spawn("erofs", func(t *sim.Thread) {
				defer mounted.CompleteAll(t)
				if !d.WaitBound(t) {
					return
				}
				var err error
				if m, err = g.mount(t, w, odBlobs); err != nil {
					m = nil
					return
				}
				mounted.CompleteAll(t)
				done.Wait(t)
				done.Wait(t)
				g.unmount(t, w, m)
				d.Stop(t)
			})
			read := func(t *sim.Thread) {
				mounted.Wait(t)
				defer done.Complete(t)
				if m == nil {
					return
				}
				img := odImage()
				for i, name := range odBlobs {
					buf := make([]byte, len(img[name]))
					err := m.Read(t, i, 0, buf)
					if err == nil && !bytes.Equal(buf, img[name]) {
						t.Bug("erofs-data", "erofs read of %s returned data other than the image's", name)
					}
					if err != nil && !t.FatalSignalPending() {
						t.Bug("ondemand-read", "erofs read of %s failed (%v) with its daemon alive and correct and no fatal signal", name, err)
					}
				}
			}
			victim := k.Spawn("reader", read)
			k.Spawn("reader2", read)
			k.Spawn("killer", func(t *sim.Thread) {
				mounted.Wait(t)
				jitter(t)
				for n := k.Rand(sim.CompWorkload, 32); n > 0; n-- {
					t.Yield() // the kill lands at any step of the daemon's answer
				}
				sim.SendSigkill(t, victim)
			})
		},
	},
	{
		Name: "ondemand-chaos",
		Desc: "an erofs mount read twice, served by an on-demand daemon that may commit every misbehaviour (late, never, copen error or wrong size, stale and unknown ids, fds closed before or during copen, restore, crash, no data) and is killed after a while: the kernel stays consistent",
		Setup: func(k *sim.Kernel, w *World) {
			dev := odWorld(w)
			g := &odGate{}
			d := odDaemon(dev, ondemandd.AllFaults, sim.Ratio{Num: 1, Den: 3}, g)
			k.Spawn("ondemandd", func(t *sim.Thread) { d.Serve(t, func() cachefiles.CacheOps { return w.CF }) })
			k.Spawn("erofs", func(t *sim.Thread) {
				if d.WaitBound(t) {
					odReader(t, w, 2, g)
					d.Stop(t)
				}
			})
			k.Spawn("admin", func(t *sim.Thread) {
				t.Sleep(20 * sim.Millisecond)
				d.Stop(t)
			})
		},
	},
}

// odAdminStop spawns the administrator who stops the daemon (SIGTERM) at
// a random point once it has bound the cache: after jitters random delays.
func odAdminStop(k *sim.Kernel, d *ondemandd.Daemon, jitters int) {
	k.Spawn("admin", func(t *sim.Thread) {
		if !d.WaitBound(t) {
			return
		}
		for range jitters {
			jitter(t)
		}
		d.Stop(t)
	})
}

// odMix is the on-demand scenarios of the default exploration: every one
// but the quirk probe, one of them per execution (a workload decision at
// setup). They are in it through this one entry, not each on its own,
// because the default exploration gives every entry the same number of
// executions and must stay within its time budget (BENCHMARKS.md).
func odMix() []Scenario {
	var out []Scenario
	for _, s := range odScenarioList {
		if s.Quirk == "" {
			out = append(out, s)
		}
	}
	return out
}

func init() {
	mix := odMix()
	for _, s := range odScenarioList {
		if s.Quirk == "" {
			s.Extra = "on-demand mode (issue 19): in the default exploration through 'ondemand', one of the on-demand scenarios per execution; run by name to explore this one alone"
		}
		register(s)
	}
	names := make([]string, len(mix))
	for i, s := range mix {
		names[i] = s.Name
	}
	register(Scenario{
		Name: "ondemand",
		Desc: "cachefiles' on-demand mode (an erofs mount served by a user-space daemon over /dev/cachefiles), one of the on-demand race scenarios per execution, picked at setup: " + strings.Join(names, ", "),
		Setup: func(k *sim.Kernel, w *World) {
			v := mix[k.Rand(sim.CompWorkload, uint64(len(mix)))]
			w.Variant = v.Name
			v.Setup(k, w)
		},
	})
}
