package scenarios

import (
	"strconv"

	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/model/netfs"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// The random world over the whole model ("random"): swarm testing (Groce
// et al., ISSTA 2012) as in random.go, but over a netfs mount instead of
// bare cookie calls, on either backend, with the actors the fixed scripts
// only have one at a time. Each seed first draws which features its world
// has (a swarm), then draws a small world from them; every draw goes
// through Kernel.Rand from the workload component, so a world replays and
// shrinks from its decision log.
//
// Features a world may have:
//   - the backend: the in-memory cache, or cachefiles on the virtual disk;
//   - the netfs flavour: AFS (writes copied to the cache) or NFS
//     (writes invalidate);
//   - 1-3 files and 1-3 users; each file has one writer (the others read),
//     the writer sometimes writing O_DIRECT;
//   - another client changing files on the server;
//   - a user holding a file open across the kernel's timeouts (25 s: past
//     the 10 s LRU expiry and the 20 s collision and operation waits);
//   - users sleeping out the LRU timeout between opens;
//   - the cache withdrawn while the users run (fscache_withdraw_cache for
//     the in-memory cache, the daemon's release of /dev/cachefiles for
//     cachefiles);
//   - at the end, a file evicted and looked up again at once (its cookie
//     re-acquired while the previous one is still being relinquished), and
//     the filesystem unmounted and mounted again at once (the volume
//     re-acquired while the previous one is still being relinquished);
//   - truncation, by the last user alone;
//   - the in-memory cache's lookup fault, switched on and off as the
//     scripts go (not its invalidation fault: see drawWorld).
//
// The API contract the scripts keep (scenarios/doc.go): a file is evicted
// only when nobody has it open; I/O only between open and close; each
// cookie relinquished once; the volume relinquished after its cookies; the
// cache withdrawn once.

// worldFeatures is what one seed's world has.
type worldFeatures struct {
	cachefiles     bool
	nfs            bool
	files, users   int
	serverChanges  bool
	longHolder     bool
	sleepLRU       bool
	withdrawEarly  bool
	reacquire      bool
	remount        bool
	truncate       bool
	faults         []FaultClass // in-memory cache only
	maxOpsPerUser  int
	directWriteOne int // 1 in directWriteOne writes is O_DIRECT (0: never)
}

// drawWorld draws a swarm of features.
func drawWorld(k *sim.Kernel) worldFeatures {
	r := func(n int) int { return int(k.Rand(sim.CompWorkload, uint64(n))) }
	var f worldFeatures
	f.cachefiles = r(3) == 0 // cachefiles worlds cost 3-5x more steps
	f.nfs = r(2) == 1
	f.files = 1 + r(3)
	f.users = 1 + r(3)
	f.serverChanges = r(2) == 1
	f.longHolder = r(4) == 0
	f.sleepLRU = r(3) == 0
	f.withdrawEarly = r(4) == 0
	f.reacquire = r(2) == 1
	f.remount = r(3) == 0
	f.truncate = r(3) == 0
	// The in-memory cache's lookup fault only: a failed invalidation
	// reaches quirk Q-20 (stale data after a failed invalidation) in most
	// worlds that have it, which would hide every other finding; its own
	// scenario probes it.
	if !f.cachefiles && r(3) == 0 {
		f.faults = append(f.faults, FaultLookup)
	}
	f.maxOpsPerUser = 1 + r(4)
	if r(2) == 1 {
		f.directWriteOne = 4
	}
	return f
}

const worldVolume = "server,export"

func init() {
	register(Scenario{
		Name: "random",
		Desc: "a random world over the whole model: a netfs over the in-memory cache or cachefiles, 1-3 files and users, server changes, long holders, LRU expiry, cache withdrawal, cookie and volume re-acquisition, faults (swarm testing)",
		Setup: func(k *sim.Kernel, w *World) {
			WorldSetup(k, w, drawWorld(k))
		},
	})
}

// WorldSetup builds the random world with features f on k.
func WorldSetup(k *sim.Kernel, w *World, f worldFeatures) {
	r := func(n int) int { return int(k.Rand(sim.CompWorkload, uint64(n))) }
	cacheName := "mycache"
	if f.cachefiles {
		cfWorld(w, vfs.Options{Blocks: 2048, Inodes: 1024})
		cacheName = cfTag
	}
	srv := netfs.NewServer()
	for i := 1; i <= f.files; i++ {
		srv.Create(uint64(i), []byte("file "+strconv.Itoa(i)+", version one......"))
	}
	var m *netfs.Mount
	ips := make([]*netfs.Inode, f.files)
	withdrawn := false
	withdraw := func(t *sim.Thread) {
		if withdrawn {
			return
		}
		withdrawn = true
		if f.cachefiles {
			w.CF.Unbind(t)
		} else {
			w.Mem.Withdraw(t)
		}
	}
	nGate := f.users
	if f.serverChanges {
		nGate++
	}
	if f.withdrawEarly {
		nGate++
	}
	g := &gate{n: nGate}

	user := func(t *sim.Thread, u int) {
		nOps := 1 + r(f.maxOpsPerUser)
		for n := 0; n < nOps; n++ {
			for _, fc := range f.faults {
				if r(4) == 0 {
					w.setFault(fc, r(2) == 1)
				}
			}
			i := r(f.files)
			ip := ips[i]
			writer := i%f.users == u
			switch op := r(4); {
			case op == 0 && writer:
				ip.Open(t, true)
				direct := f.directWriteOne > 0 && r(f.directWriteOne) == 0
				ip.Write(t, 0, []byte("U"+strconv.Itoa(u)+"W"+strconv.Itoa(n)), direct)
				ip.Close(t)
			case op == 1 && f.longHolder:
				ip.Open(t, false)
				ip.Read(t, 0, 16)
				t.Sleep(25 * sim.Second)
				ip.Read(t, 0, 16)
				ip.Close(t)
			case op == 2 && f.sleepLRU:
				t.Sleep(fscache.LRUCookieTimeout + sim.Millisecond)
			default:
				ip.Open(t, false)
				ip.Read(t, 0, 16)
				ip.Close(t)
			}
			jitter(t)
		}
		g.finish(t)
	}

	k.Spawn("mount", func(t *sim.Thread) {
		if f.cachefiles {
			w.cfBindCache(t)
		} else {
			b, err := fscache.NewMemBackend(t, w.F, cacheName)
			if err != nil {
				t.Bug("setup", "bind cache: %v", err)
			}
			w.Mem = b
		}
		fl := netfs.FlavourAFS
		if f.nfs {
			fl = netfs.FlavourNFS
		}
		var err error
		if m, err = netfs.MountFS(t, w.F, srv, fl, worldVolume, cacheName); err != nil {
			t.Bug("setup", "mount: %v", err)
		}
		w.Record(m)
		w.Vol = m.Vol
		for i := range ips {
			ips[i] = m.Iget(t, uint64(i+1))
		}
		w.ready.CompleteAll(t)
		user(t, 0)
	})
	for u := 1; u < f.users; u++ {
		k.Spawn("user-"+strconv.Itoa(u), func(t *sim.Thread) {
			w.WaitReady(t)
			user(t, u)
		})
	}
	if f.serverChanges {
		k.Spawn("other-client", func(t *sim.Thread) {
			w.WaitReady(t)
			for n := 1 + r(2); n > 0; n-- {
				jitter(t)
				srv.Write(t, uint64(1+r(f.files)), 5, []byte("XYZ"))
			}
			g.finish(t)
		})
	}
	if f.withdrawEarly {
		k.Spawn("withdraw", func(t *sim.Thread) {
			w.WaitReady(t)
			switch r(3) {
			case 0:
				jitter(t)
			case 1:
				t.Sleep(fscache.LRUCookieTimeout + sim.Millisecond)
			}
			withdraw(t)
			g.finish(t)
		})
	}
	k.Spawn("umount", func(t *sim.Thread) {
		w.WaitReady(t)
		g.wait(t)
		// Alone now: read every file once more, maybe truncate one.
		for _, ip := range ips {
			ip.Open(t, false)
			ip.Read(t, 0, 16)
			ip.Close(t)
		}
		if f.truncate {
			ip := ips[r(f.files)]
			ip.Open(t, true)
			ip.Truncate(t, int64(r(2)*8))
			ip.Close(t)
		}
		for i, ip := range ips {
			ip.Evict(t, r(3) == 0)
			if f.reacquire && i == 0 {
				// Looked up again at once: the new cookie may have to
				// wait for the old one to be dropped.
				again := m.Iget(t, ip.Ino)
				again.Open(t, false)
				again.Read(t, 0, 16)
				again.Close(t)
				again.Evict(t, false)
			}
		}
		m.Unmount(t)
		if f.remount {
			m2, err := netfs.MountFS(t, w.F, srv, m.Flavour, worldVolume, cacheName)
			if err != nil {
				t.Bug("setup", "mount again: %v", err)
			}
			w.Record(m2)
			ip := m2.Iget(t, 1)
			ip.Open(t, false)
			ip.Read(t, 0, 16)
			ip.Close(t)
			ip.Evict(t, false)
			m2.Unmount(t)
		}
		t.Sleep(fscache.LRUCookieTimeout)
		withdraw(t)
	})
}
