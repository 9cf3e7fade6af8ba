package scenarios

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/model/netfs"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// TestNetfsConcurrentOpeners: two openers of one file after another client
// changed it, and a writer using O_DIRECT beside a reader. Neither may be
// served the old contents from the cache: the netfs serialises
// revalidation per inode and a direct write invalidates before it goes to
// the server (model/netfs). Without either, this fails (the random world
// found both as false alarms).
func TestNetfsConcurrentOpeners(t *testing.T) {
	s := Scenario{Name: "netfs-concurrent-openers", Setup: func(k *sim.Kernel, w *World) {
		srv := netfs.NewServer()
		srv.Create(1, []byte("file one, version one........."))
		var ip *netfs.Inode
		g := &gate{n: 3}
		k.Spawn("mount", func(t *sim.Thread) {
			b, berr := fscache.NewMemBackend(t, w.F, "mycache")
			if berr != nil {
				t.Bug("setup", "bind: %v", berr)
			}
			w.Mem = b
			m, err := netfs.MountFS(t, w.F, srv, netfs.FlavourNFS, "server,export", "mycache")
			if err != nil {
				t.Bug("setup", "mount: %v", err)
			}
			w.Record(m)
			ip = m.Iget(t, 1)
			ip.Open(t, false)
			ip.Read(t, 0, 16) // cached
			ip.Close(t)
			srv.Write(t, 1, 0, []byte("FILE ONE"))
			w.ready.CompleteAll(t)
			g.wait(t)
			ip.Evict(t, false)
			m.Unmount(t)
			t.Sleep(sim.Second)
			w.Mem.Withdraw(t)
		})
		for _, name := range []string{"opener-1", "opener-2"} {
			k.Spawn(name, func(t *sim.Thread) {
				w.WaitReady(t)
				ip.Open(t, false)
				ip.Read(t, 0, 16)
				ip.Close(t)
				g.finish(t)
			})
		}
		k.Spawn("direct-writer", func(t *sim.Thread) {
			w.WaitReady(t)
			ip.Open(t, true)
			ip.Write(t, 0, []byte("DIRECT"), true)
			ip.Close(t)
			g.finish(t)
		})
	}}
	for seed := uint64(0); seed < 3000; seed++ {
		var st sim.Strategy = &sched.POS{}
		if seed%2 == 1 {
			st = &sched.PCT{Depth: 1 + int(seed%3), Steps: 400}
		}
		res, _, _ := Execute(s, model.Bugs{}, sim.Options{Seed: seed, Strategy: st})
		if res.Outcome != sim.OutcomePass {
			t.Fatalf("seed %d %s: %v %v", seed, st.Name(), res.Outcome, res.Failure)
		}
	}
}
