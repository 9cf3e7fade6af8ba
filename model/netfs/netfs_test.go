package netfs_test

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/model/netfs"
	"github.com/fscachesim/fscachesim/sim"
)

// staleAfterReacquire reads a file through the cache, evicts the inode,
// lets another client change the file, then looks the inode up again and
// reads it. A backend that checks coherency data serves the new data; one
// that ignores it serves the old data from the cache, which the netfs's
// read check must catch.
func staleAfterReacquire(ignoreCoherency bool, seed uint64) sim.Result {
	k := sim.New(sim.Options{Seed: seed})
	k.Spawn("netfs", func(t *sim.Thread) {
		f := fscache.New(k, model.Bugs{})
		mem, err := fscache.NewMemBackend(t, f, "mycache")
		if err != nil {
			t.Bug("setup", "%v", err)
		}
		mem.IgnoreCoherency = ignoreCoherency
		srv := netfs.NewServer()
		srv.Create(7, []byte("version one of the file........"))
		m, err := netfs.MountFS(t, f, srv, netfs.FlavourAFS, "server,export", "mycache")
		if err != nil {
			t.Bug("setup", "%v", err)
		}
		ip := m.Iget(t, 7)
		for i := 0; i < 2; i++ { // the first read copies to the cache, the second hits
			ip.Open(t, false)
			ip.Read(t, 0, 16)
			ip.Close(t)
		}
		ip.Evict(t, false)
		t.Sleep(fscache.LRUCookieTimeout) // the object is committed with its coherency data
		srv.Write(t, 7, 0, []byte("VERSION TWO"))
		ip = m.Iget(t, 7)
		ip.Open(t, false)
		ip.Read(t, 0, 16)
		ip.Close(t)
		ip.Evict(t, false)
		t.Sleep(fscache.LRUCookieTimeout)
		m.Unmount(t)
		mem.Withdraw(t)
	})
	return k.Run()
}

func TestReadCoherencyCheck(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ignore bool
		want   string // failure check, "" for pass
	}{
		{"coherent-backend", false, ""},
		{"backend-ignores-coherency", true, "netfs-coherency"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for seed := uint64(0); seed < 50; seed++ {
				res := staleAfterReacquire(tc.ignore, seed)
				got := ""
				if res.Failure != nil {
					got = res.Failure.Check
				} else if res.Outcome != sim.OutcomePass {
					got = res.Outcome.String()
				}
				if got != tc.want {
					t.Fatalf("seed %d: got %q (%v), want %q", seed, got, res.Failure, tc.want)
				}
			}
		})
	}
}
