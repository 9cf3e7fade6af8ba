package scenarios

import (
	"bytes"
	"strconv"

	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/erofs"
	"github.com/fscachesim/fscachesim/model/ondemandd"
	"github.com/fscachesim/fscachesim/sim"
)

// The random on-demand world ("random-ondemand"): swarm testing over
// cachefiles' on-demand mode, as "random" is over the rest of the model.
// Each seed draws which on-demand actors its world has, every draw a
// workload decision (so a world replays and shrinks from its log):
//   - 1-2 blobs mounted, 1-3 erofs readers reading ranges of them;
//   - the daemon's misbehaviours: none, or a random subset of
//     ondemandd's twelve, at a rate of 1/3 or 1/2;
//   - a daemon answering on worker threads (Async);
//   - a failover: the daemon crashes with its device kept by a
//     supervisor, and a second daemon takes over with restore;
//   - a killer sending SIGKILL to a reader at any step;
//   - an administrator stopping the daemon at a random time;
//   - a second mount of the image after the first is gone.
//
// The daemon's death is kept away from erofs's mount and unmount (odGate):
// are the quirk probes' business. It finds Q-27 (a
// lost wake-up of the daemon's poll) in about 2 executions in 1,000, so it
// is a quirk probe itself, not in the default exploration. Checks: a read that
// succeeds returns the image's data; every check of the model (requests
// completed once, no use after free, no stale id, states on the table, no
// reader hung, nothing leaked).

type odWorldFeatures struct {
	blobs, readers int
	faults         ondemandd.Fault
	rate           sim.Ratio
	async          bool
	failover       bool
	killer         bool
	adminStop      bool
	remount        bool
}

func drawOndemandWorld(k *sim.Kernel) odWorldFeatures {
	r := func(n int) int { return int(k.Rand(sim.CompWorkload, uint64(n))) }
	var f odWorldFeatures
	f.blobs = 1 + r(2)
	f.readers = 1 + r(3)
	if r(2) == 1 {
		for b := ondemandd.Fault(1); b <= ondemandd.AllFaults; b <<= 1 {
			if r(3) == 0 {
				f.faults |= b
			}
		}
		f.rate = sim.Ratio{Num: 1, Den: uint64(2 + r(2))}
	}
	f.async = r(3) == 0
	f.failover = r(3) == 0
	f.killer = r(3) == 0
	// A daemon that misbehaves may leave a request unanswered for good:
	// an administrator then stops it, and no mount waits on it again.
	f.adminStop = r(2) == 0 || f.faults != 0
	f.remount = r(4) == 0 && f.faults == 0
	return f
}

func init() {
	register(Scenario{
		Name: "random-ondemand",
		Desc: "a random on-demand world: 1-2 erofs blobs, 1-3 readers, a daemon with a random set of misbehaviours, worker threads, a failover to a second daemon with restore, a reader killed, the daemon stopped at a random time, a second mount (swarm testing); a quirk probe: it finds Q-27",
		// Its one finding: a daemon thread's close of an anonymous fd
		// during a reopen makes a READ selectable without waking the
		// daemon's poll (Q-27, docs/quirks.md). Not in the default
		// exploration until that is judged.
		Quirk: "Q-27",
		Setup: func(k *sim.Kernel, w *World) { ondemandWorldSetup(k, w, drawOndemandWorld(k)) },
	})
}

func ondemandWorldSetup(k *sim.Kernel, w *World, f odWorldFeatures) {
	r := func(n int) int { return int(k.Rand(sim.CompWorkload, uint64(n))) }
	dev := odWorld(w)
	g := &odGate{}
	opts := ondemandd.Options{Faults: f.faults, Rate: f.rate, Async: f.async}
	var d *ondemandd.Daemon
	if f.failover {
		d = odDaemonOpts(dev, opts, nil) // its crash keeps the device
	} else {
		d = odDaemonOpts(dev, opts, g)
	}
	blobs := odBlobs[:f.blobs]
	img := odImage()
	var m *erofs.FS
	mounted := &sim.Completion{Name: "erofs mounted"}
	done := &sim.Completion{Name: "erofs readers"}
	newCache := func() cachefiles.CacheOps { return w.CF }
	k.Spawn("ondemandd", func(t *sim.Thread) {
		if !f.failover {
			d.Serve(t, newCache)
			return
		}
		ok := d.Start(t, newCache)
		w.ready.CompleteAll(t)
		if ok {
			d.Run(t, true)
		}
	})
	if f.failover {
		k.Spawn("supervisor", func(t *sim.Thread) {
			w.WaitReady(t)
			if d.File == nil {
				return
			}
			jitter(t)
			d.Stop(t) // the crash: the anonymous fds close, the device stays open
			d.WaitExit(t)
			d2 := odDaemonOpts(dev, opts, g)
			k.Spawn("ondemandd2", func(t *sim.Thread) {
				d2.Adopt(t, d.File)
				d2.Run(t, false)
			})
			t.Sleep(sim.Time(10+r(20)) * sim.Millisecond)
			d2.Stop(t)
		})
	}
	mountOnce := func(t *sim.Thread) *erofs.FS {
		if f.failover {
			w.WaitReady(t)
			if d.File == nil {
				return nil
			}
		} else if !d.WaitBound(t) {
			return nil
		}
		m, err := g.mount(t, w, blobs)
		if err != nil {
			return nil
		}
		return m
	}
	k.Spawn("erofs", func(t *sim.Thread) {
		defer mounted.CompleteAll(t)
		m = mountOnce(t)
		mounted.CompleteAll(t)
		if m == nil {
			return
		}
		for i := 0; i < f.readers; i++ {
			done.Wait(t)
		}
		g.unmount(t, w, m)
		if f.remount {
			if m2 := mountOnce(t); m2 != nil {
				buf := make([]byte, 4096)
				if err := m2.Read(t, 0, 0, buf); err == nil && !bytes.Equal(buf, img[blobs[0]][:4096]) {
					t.Bug("erofs-data", "erofs read after a remount returned data other than the image's")
				}
				g.unmount(t, w, m2)
			}
		}
		if !f.failover {
			d.Stop(t)
		}
	})
	var victims []*sim.Thread
	for u := 0; u < f.readers; u++ {
		victims = append(victims, k.Spawn("reader-"+strconv.Itoa(u), func(t *sim.Thread) {
			mounted.Wait(t)
			defer done.Complete(t)
			if m == nil {
				return
			}
			for n := 1 + r(3); n > 0; n-- {
				i := r(len(blobs))
				data := img[blobs[i]]
				pos := int64(r(len(data)/4096)) * 4096
				buf := make([]byte, 4096)
				if err := m.Read(t, i, pos, buf); err == nil && !bytes.Equal(buf, data[pos:pos+4096]) {
					t.Bug("erofs-data", "erofs read of %s at %d returned data other than the image's", blobs[i], pos)
				}
				if t.FatalSignalPending() {
					return // the process dies on its way out of the kernel
				}
				jitter(t)
			}
		}))
	}
	if f.killer {
		k.Spawn("killer", func(t *sim.Thread) {
			mounted.Wait(t)
			jitter(t)
			for n := r(32); n > 0; n-- {
				t.Yield()
			}
			sim.SendSigkill(t, victims[r(len(victims))])
		})
	}
	if f.adminStop && !f.failover {
		k.Spawn("admin", func(t *sim.Thread) {
			if !d.WaitBound(t) {
				return
			}
			t.Sleep(sim.Time(r(30)) * sim.Millisecond)
			d.Stop(t)
		})
	}
}
