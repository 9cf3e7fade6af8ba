package cachefiles

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// TestQuietFanoutIsPerThread: a volume's fan-out directories are made as
// one quiet, event-elided section, but a slow disk (a fault plan's extra
// latency) puts the thread making them to sleep in the middle of it. The
// threads that run meanwhile keep their own scheduling points, directory
// locks and events: before the section belonged to its thread, another
// object's cachefiles_mark_inactive or cachefiles_link emitted then was
// elided, and the checker, which opens its windows on those events,
// reported I-27 and I-28 mid-way through a tmpfile's commit (random-disk).
func TestQuietFanoutIsPerThread(t *testing.T) {
	k := sim.New(sim.Options{Seed: 1, MaxSteps: 1 << 22, Record: true})
	defer k.Close()
	f := fscache.New(k, model.Bugs{})
	c := NewCacheFS(f, vfs.Options{Blocks: 4096, Inodes: 4096})
	cfg := DefaultConfig()
	cfg.RootDir = "/"
	k.RunThread(k.Spawn("cachefilesd", func(th *sim.Thread) {
		if err := c.Bind(th, cfg, nil); err != nil {
			th.Bug("test", "bind: %v", err)
		}
	}))
	k.RunUntilIdle()
	if k.Failure() != nil {
		t.Fatalf("bind: %v", k.Failure())
	}
	// Every lookup takes a second: the fan-out takes 256 s.
	c.FS().SetFaults(vfs.Faults{Lookup: vfs.Rates{Slow: sim.Ratio{Num: 1, Den: 1}}, SlowDelay: sim.Second})
	var otherQuiet, sawFanoutSleeping bool
	k.Spawn("netfs", func(th *sim.Thread) {
		v, err := f.AcquireVolume(th, "afs,example.com,1000001a", "", nil)
		if err != nil {
			th.Bug("test", "acquire volume: %v", err)
			return
		}
		fscache.RelinquishVolume(th, v, nil, false)
	})
	k.Spawn("other", func(th *sim.Thread) {
		th.Sleep(5*sim.Second + sim.Millisecond)
		sawFanoutSleeping = len(c.suppress) > 0 && c.wiring != nil && len(c.wiring.quiet) > 0
		otherQuiet = c.quiet(th)
		c.traceLookup(th, nil, 7, 8, nil) // an event of this thread's own
	})
	if res := k.Run(); res.Failure != nil {
		t.Fatalf("run: %v", res.Failure)
	}
	if !sawFanoutSleeping {
		t.Fatalf("the other thread did not run while the fan-out slept in its quiet section")
	}
	if otherQuiet {
		t.Errorf("another thread is quiet while the fan-out's thread sleeps in its section")
	}
	found := false
	for _, e := range k.Events() {
		if e.Type == EvLookup && e.Args[0] == 7 && e.Args[1] == 8 {
			found = true
		}
	}
	if !found {
		t.Errorf("another thread's event was elided while the fan-out's thread slept in its quiet section")
	}
}
