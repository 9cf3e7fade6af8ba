package netfs

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// invalidateWorld: an AFS file read into the cache, written locally while
// the cache's writes fail (the flusher's copy of the new data is lost),
// then, once the page cache has let go (the inode evicted and looked up
// again), read: from the server, or from the cache only if the cache holds
// the new version. noInval leaves AFS's ->invalidate_cache out.
func invalidateWorld(seed uint64, noInval bool) sim.Result {
	k := sim.New(sim.Options{Seed: seed, MaxSteps: 1 << 16})
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
		m.NoInvalidateCache = noInval
		ip := m.Iget(t, 7)
		ip.Open(t, false)
		ip.Read(t, 0, 8) // miss: copied to the cache
		ip.Read(t, 0, 8) // served from the cache
		ip.Close(t)
		if m.Hits != 1 {
			t.Bug("setup", "the cache served %d reads, want 1", m.Hits)
		}
		mem.FailWrite = true
		ip.Open(t, true)
		ip.Write(t, 0, []byte("TWO"), false)
		ip.Close(t)
		ip.Evict(t, false) // the flusher's last pass: its copy fails
		mem.FailWrite = false
		ip = m.Iget(t, 7)
		ip.Open(t, false)
		ip.Read(t, 0, 8) // netfs-coherency judges what the cache serves
		ip.Close(t)
		ip.Evict(t, false)
		t.Sleep(fscache.LRUCookieTimeout)
		m.Unmount(t)
		mem.Withdraw(t)
	})
	return k.Run()
}

// TestInvalidateCacheOnFailedWrite: when a write to the cache fails, 6.12's
// netfs calls the filesystem's ->invalidate_cache (AFS:
// afs_netfs_invalidate_cache), so the cache does not keep the old contents
// under the new coherency data. With it every run passes; without it the
// next read is served the old version from the cache (netfs-coherency).
func TestInvalidateCacheOnFailedWrite(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		if res := invalidateWorld(seed, false); res.Outcome != sim.OutcomePass {
			t.Fatalf("seed %d: %v %v", seed, res.Outcome, res.Failure)
		}
	}
	res := invalidateWorld(0, true)
	if res.Failure == nil || res.Failure.Check != "netfs-coherency" {
		t.Fatalf("without ->invalidate_cache: want netfs-coherency, got %v %v", res.Outcome, res.Failure)
	}
}
