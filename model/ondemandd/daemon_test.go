package ondemandd_test

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/erofs"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/model/ondemandd"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

func image() map[string][]byte {
	b1 := make([]byte, 8192)
	for i := range b1 {
		b1[i] = byte('a' + i/4096)
	}
	return map[string][]byte{"blob1": b1, "blob2": bytes.Repeat([]byte("z"), 4096)}
}

// run is one execution: a correct (or faulty) daemon serves an erofs
// mount that reads both blobs twice and unmounts; the daemon then stops.
// It returns the failure, if any, and the reads' results.
func run(seed uint64, strat sim.Strategy, faults ondemandd.Fault, bugs model.Bugs) (*sim.Failure, []error, *ondemandd.Daemon) {
	opts := sim.Options{Seed: seed, Strategy: strat, MaxSteps: 1 << 18}
	if os.Getenv("ONDEMANDD_TRACE") != "" {
		opts.OnEvent = func(k *sim.Kernel, e *sim.Event) { fmt.Println(k.Step(), e.Text()) }
	}
	k := sim.New(opts)
	defer k.Close()
	k.ExpectAllFreed()
	f := fscache.New(k, bugs)
	cache := cachefiles.NewCacheFS(f, vfs.Options{Blocks: 2048, Inodes: 1024, Now: k.Now})
	dev := cachefiles.NewOndemandDevice()
	img := image()
	d := ondemandd.New(dev, ondemandd.Options{Dir: "/", Tag: "mycache", Blobs: img, Faults: faults, Rate: sim.Ratio{Num: 1, Den: 3}})
	k.Spawn("ondemandd", func(t *sim.Thread) { d.Serve(t, func() cachefiles.CacheOps { return cache }) })
	var errs []error
	k.Spawn("erofs", func(t *sim.Thread) {
		if !d.WaitBound(t) {
			t.Bug("setup", "the daemon did not bind")
			return
		}
		m, err := erofs.Mount(t, f, "fsid1", []string{"blob1", "blob2"})
		if err != nil {
			t.Bug("setup", "mount: %v", err)
			return
		}
		for round := 0; round < 2; round++ {
			for i, name := range []string{"blob1", "blob2"} {
				buf := make([]byte, len(img[name]))
				err := m.Read(t, i, 0, buf)
				if err == nil && !bytes.Equal(buf, img[name]) {
					t.Bug("erofs-data", "read of %s returned other data than the image's", name)
				}
				errs = append(errs, err)
			}
		}
		m.Unmount(t)
		// Let the relinquished cookies and volume go before the daemon
		// exits: a cache withdrawal racing a volume's relinquish is the
		// open finding of daemon-bind-unbind (a volume dentry left at
		// the unbind), not an on-demand matter.
		for i := 0; i < 1000 && len(f.Volumes()) > 0; i++ {
			t.Sleep(sim.Millisecond)
		}
		d.Stop(t)
		d.WaitExit(t)
	})
	if faults != 0 {
		// The daemon may never answer: an administrator kills it after a
		// while, and then no reader may stay blocked.
		k.Spawn("admin", func(t *sim.Thread) {
			t.Sleep(20 * sim.Millisecond)
			d.Stop(t)
		})
	}
	k.Run()
	return k.Failure(), errs, d
}

// TestCorrectDaemonServesErofs: with a correct daemon every read returns
// the image's data, and the run is clean (no leak at the unbind, no hung
// reader, no request completed twice), under random and PCT schedules.
func TestCorrectDaemonServesErofs(t *testing.T) {
	for seed := uint64(0); seed < 300; seed++ {
		var strat sim.Strategy = &sched.RandomWalk{}
		if seed%2 == 1 {
			strat = &sched.PCT{Depth: 3}
		}
		fl, errs, _ := run(seed, strat, 0, model.Bugs{})
		if fl != nil {
			t.Fatalf("seed %d: %v", seed, fl)
		}
		for i, err := range errs {
			if err != nil {
				t.Fatalf("seed %d: read %d failed: %v", seed, i, err)
			}
		}
		if len(errs) != 4 {
			t.Fatalf("seed %d: %d reads, want 4", seed, len(errs))
		}
	}
}

// TestMisbehavingDaemon: whatever the daemon does, the kernel stays
// consistent (reads may fail with EIO, never hang, leak, or complete a
// request twice). Every fault is exercised.
func TestMisbehavingDaemon(t *testing.T) {
	counts := map[string]int{}
	for seed := uint64(0); seed < 400; seed++ {
		var strat sim.Strategy = &sched.RandomWalk{}
		if seed%2 == 1 {
			strat = &sched.PCT{Depth: 3}
		}
		fl, _, d := run(seed, strat, ondemandd.AllFaults, model.Bugs{})
		if fl != nil {
			t.Fatalf("seed %d (%v): %v", seed, d.Misbehaved, fl)
		}
		for k, v := range d.Misbehaved {
			counts[k] += v
		}
	}
	for f := ondemandd.Fault(1); f <= ondemandd.AllFaults; f <<= 1 {
		if counts[f.String()] == 0 {
			t.Errorf("fault %v never exercised (%v)", f, counts)
		}
	}
	t.Logf("faults committed over the seeds: %v", counts)
}
