package scenarios

import (
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/model/netfs"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// Scenarios for the open quirks of spec §14. Each is written so that the
// suspected bad outcome is reachable if the model (read from the kernel
// source) allows it; docs/quirks.md records what the explorer finds.

// bindWith binds the in-memory cache with faults set before the volume is
// made, then acquires the volume.
func (w *World) bindWith(t *sim.Thread, faults func(b *fscache.MemBackend)) {
	b, err := fscache.NewMemBackend(t, w.F, "mycache")
	if err != nil {
		t.Bug("setup", "bind cache: %v", err)
	}
	faults(b)
	w.Mem = b
	v, err := w.F.AcquireVolume(t, "afs,example.com,1000001a", "mycache", nil)
	if err != nil {
		t.Bug("setup", "acquire volume: %v", err)
	}
	w.Vol = v
}

func init() {
	register(Scenario{
		Name:  "quirk-q1-stale-withdraw",
		Quirk: "Q-1",
		Desc:  "Q-1: a lookup that fails without caching_failed leaves DO_WITHDRAW set; the next successful lookup is withdrawn at once although the cookie is in use",
		Setup: func(k *sim.Kernel, w *World) {
			k.Spawn("netfs", func(t *sim.Thread) {
				w.bindWith(t, func(b *fscache.MemBackend) { b.FailLookup = 2 })
				c := fscache.AcquireCookie(t, w.Vol, 0, []byte("inode-1"), []byte("v1"), 4096)
				fscache.UseCookie(t, c, false)
				t.Sleep(sim.Millisecond)
				fscache.UnuseCookie(t, c, nil, nil)
				w.Mem.FailLookup = 0 // the backend recovers (e.g. memory pressure passed)
				// open(), then read() a little later.
				fscache.UseCookie(t, c, false)
				t.Sleep(sim.Millisecond)
				if err := netfsReadAndCopy(t, c, 4096); err != nil && w.Mem.Cache.State() == fscache.CacheActive {
					t.Bug("Q-1", "cookie c=%08x is in use and its lookup succeeded, but it was withdrawn at once (state %v): caching is silently off for this open (%v)",
						c.DebugID, c.State(), err)
				}
				fscache.UnuseCookie(t, c, nil, nil)
				fscache.RelinquishCookie(t, c, false)
				t.Sleep(fscache.LRUCookieTimeout)
				w.teardown(t)
			})
		},
	})
	register(Scenario{
		Name:  "quirk-q2-inval-access-held",
		Quirk: "Q-2",
		Desc:  "Q-2: an invalidation during LOOKING_UP whose lookup ends QUIESCENT (no on-disk volume) keeps its access; relinquish then never reaches DROPPED",
		Setup: func(k *sim.Kernel, w *World) {
			var c *fscache.Cookie
			g := &gate{n: 1}
			k.Spawn("open", func(t *sim.Thread) {
				// The backend cannot make the volume directory (mkdir fails:
				// ENOSPC, EIO), so every lookup ends in QUIESCENT (T3).
				w.bindWith(t, func(b *fscache.MemBackend) { b.FailAcquireVolume = true })
				c = fscache.AcquireCookie(t, w.Vol, 0, []byte("inode-1"), []byte("v1"), 4096)
				fscache.UseCookie(t, c, false)
				w.ready.CompleteAll(t)
				t.Sleep(sim.Millisecond)
				fscache.UnuseCookie(t, c, nil, nil)
				g.finish(t)
			})
			k.Spawn("revalidate", func(t *sim.Thread) {
				w.WaitReady(t)
				// The server's change attribute moved: NFS invalidates
				// without a use of its own.
				fscache.Invalidate(t, c, []byte("v2"), 4096, 0)
			})
			w.spawnEvict(k, g, &c)
		},
	})
	register(Scenario{
		Name:  "quirk-q2b-rearmed-gate",
		Quirk: "Q-2b",
		Desc:  "Q-2b: relinquish before the state machine starts the lookup, with an I/O access outstanding past the last unuse: the re-armed NO_ACCESS_WAKE may stall the relinquish",
		Setup: func(k *sim.Kernel, w *World) {
			var c *fscache.Cookie
			g := &gate{n: 1}
			k.Spawn("open", func(t *sim.Thread) {
				c = w.bindAndAcquire(t)
				w.ready.CompleteAll(t)
				fscache.UseCookie(t, c, false)
				// An asynchronous read whose copy to the cache outlives the
				// open file (the API says it must not: netfs waits for
				// PG_fscache before evict).
				t.Kernel().Spawn("async-read", func(t *sim.Thread) {
					netfsReadAndCopy(t, c, 4096)
				})
				fscache.UnuseCookie(t, c, nil, nil)
				g.finish(t)
			})
			w.spawnEvict(k, g, &c)
		},
	})
	register(Scenario{
		Name: "lru-discard-vs-io",
		Desc: "an LRU discard marked while a copy to the cache is still in flight, then an invalidation runs the state machine: since 6.10.7 the discard waits for the copy (quirk Q-5; bug switch lru-discard-ignores-accesses)",
		Setup: func(k *sim.Kernel, w *World) {
			var c *fscache.Cookie
			g := &gate{n: 2}
			k.Spawn("open", func(t *sim.Thread) {
				c = w.bindAndAcquire(t)
				w.ready.CompleteAll(t)
				fscache.UseCookie(t, c, false)
				netfsReadAndCopy(t, c, 4096)
				// The file is read again and closed; the copy of the second
				// read to the cache is asynchronous and is still running
				// when the LRU timeout passes (a slow cache disk). The read
				// begins its operation while the file is open (R-netfs);
				// the copy outlives the close.
				var cres fscache.CacheResources
				begun := fscache.BeginReadOperation(t, &cres, c) == nil
				t.Kernel().Spawn("copy-to-cache", func(t *sim.Thread) {
					if begun {
						t.Sleep(fscache.LRUCookieTimeout + sim.Millisecond)
						start, length := int64(0), int64(4096)
						if cres.Ops.PrepareWrite(t, &cres, &start, &length, 4096, false) == nil {
							cres.Ops.Write(t, &cres, start, zeros(length), nil)
						}
						fscache.EndOperation(t, &cres)
					}
					g.finish(t)
				})
				fscache.UnuseCookie(t, c, nil, nil)
				t.Sleep(fscache.LRUCookieTimeout)
				// The server changed the file: NFS invalidates.
				jitter(t)
				fscache.Invalidate(t, c, []byte("v2"), 4096, 0)
				g.finish(t)
			})
			w.spawnEvict(k, g, &c)
		},
	})
}

func init() {
	register(Scenario{
		Name:  "quirk-stale-after-failed-invalidation",
		Quirk: "Q-20",
		Desc:  "Q-20 (new): an NFS invalidation whose tmpfile cannot be created (ENOSPC) leaves the old contents in the object; the close records the new coherency data, the eviction writes it into the xattr, and the next open serves the old contents from the cache",
		Setup: func(k *sim.Kernel, w *World) {
			cfWorld(w, vfs.Options{Blocks: 2048, Inodes: 1024})
			srv := netfs.NewServer()
			srv.Create(1, []byte("file one, version one........."))
			k.Spawn("nfs", func(t *sim.Thread) {
				w.cfBindCache(t)
				m, err := netfs.MountFS(t, w.F, srv, netfs.FlavourNFS, "server,export", cfTag)
				if err != nil {
					t.Bug("setup", "mount: %v", err)
				}
				w.Record(m)
				w.ready.CompleteAll(t)
				ip := m.Iget(t, 1)
				ip.Open(t, false)
				ip.Read(t, 0, 16) // a miss, copied to the cache
				ip.Close(t)
				// Another client changes the file; the next open
				// invalidates, and the cache's disk refuses the tmpfile.
				srv.Write(t, 1, 0, []byte("FILE ONE"))
				w.FS.SetFaults(vfs.Faults{Create: vfs.Rates{ENOSPC: sim.Ratio{Num: 1, Den: 1}}})
				ip.Open(t, false)
				ip.Read(t, 0, 16)
				ip.Close(t) // NEEDS_UPDATE with the new change attribute
				w.FS.SetFaults(vfs.Faults{})
				ip.Evict(t, false) // the object is committed
				t.Sleep(sim.Second)
				ip = m.Iget(t, 1)
				ip.Open(t, false)
				ip.Read(t, 0, 16)
				ip.Close(t)
				ip.Evict(t, false)
				m.Unmount(t)
				t.Sleep(fscache.LRUCookieTimeout)
				w.CF.Unbind(t)
			})
		},
	})
}
