package netfs

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// writeback runs one AFS inode written three times by one thread (open,
// write, write, write, close, evict) with the flusher on its own kworker;
// broken, if set, replaces the flusher's write-back of the inode.
func writebackWorld(seed uint64, broken func(ip *Inode) func(t *sim.Thread)) sim.Result {
	var st sim.Strategy
	if seed%2 == 1 {
		st = &sched.PCT{Depth: 2, Steps: 600}
	}
	k := sim.New(sim.Options{Seed: seed, Strategy: st, MaxSteps: 1 << 16})
	k.Spawn("netfs", func(t *sim.Thread) {
		f := fscache.New(k, model.Bugs{})
		mem, err := fscache.NewMemBackend(t, f, "mycache")
		if err != nil {
			t.Bug("setup", "%v", err)
		}
		srv := NewServer()
		srv.Create(7, []byte("version one of the file........"))
		m, err := MountFS(t, f, srv, FlavourAFS, "server,export", "mycache")
		if err != nil {
			t.Bug("setup", "%v", err)
		}
		ip := m.Iget(t, 7)
		if broken != nil {
			ip.wb.Func = broken(ip)
		}
		ip.Open(t, true)
		for _, s := range []string{"ONE", "TWO", "THREE"} {
			ip.Write(t, 0, []byte(s), false)
			ip.Read(t, 0, 8)
		}
		ip.Close(t)
		ip.Evict(t, false)
		t.Sleep(fscache.LRUCookieTimeout)
		m.Unmount(t)
		mem.Withdraw(t)
	})
	return k.Run()
}

// TestWritebackPin: the flusher runs on its own kworker and drops the
// write-back pin only when no dirty page remains; every run passes. A
// flusher that drops the pin while dirty pages remain (its unpin before
// do_writepages instead of after) is caught by the check
// netfs-writeback-unpinned when it writes those pages back.
func TestWritebackPin(t *testing.T) {
	for seed := uint64(0); seed < 300; seed++ {
		if res := writebackWorld(seed, nil); res.Outcome != sim.OutcomePass {
			t.Fatalf("seed %d: %v %v", seed, res.Outcome, res.Failure)
		}
	}
	unpinsWhileDirty := func(ip *Inode) func(t *sim.Thread) {
		return func(t *sim.Thread) {
			// The mutation: the pin is dropped with the pages still dirty.
			ip.WB.Lock.Lock(t)
			unpinned := ip.WB.ClearPinning()
			ip.WB.Lock.Unlock(t)
			fscache.UnpinWriteback(t, ip.Cookie, unpinned)
			ip.writeback(t)
		}
	}
	for seed := uint64(0); seed < 300; seed++ {
		res := writebackWorld(seed, unpinsWhileDirty)
		if res.Failure == nil {
			continue
		}
		if res.Failure.Check != "netfs-writeback-unpinned" {
			t.Fatalf("seed %d: caught as %q (%v), want netfs-writeback-unpinned", seed, res.Failure.Check, res.Failure)
		}
		t.Logf("caught at seed %d: %v", seed, res.Failure)
		return
	}
	t.Fatal("a flusher unpinning with dirty pages left was not caught in 300 seeds")
}
