package scenarios

import (
	"strconv"

	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/model/netfs"
	"github.com/fscachesim/fscachesim/sim"
)

// Scenarios over fscache and the in-memory backend. Each uses a few
// threads; the last one to finish tears the world down so that a drained
// run leaves nothing alive.

// gate lets a closing thread wait for n workers.
type gate struct {
	done sim.Completion
	n    int
}

func (g *gate) finish(t *sim.Thread) { g.done.Complete(t) }

func (g *gate) wait(t *sim.Thread) {
	for i := 0; i < g.n; i++ {
		g.done.Wait(t)
	}
}

// jitter sleeps 0, 0.5 or 1 ms, a seeded choice. Virtual time moves only
// when nothing can run, so two threads race only when they wake at the same
// instant: a download (netfsReadAndCopy sleeps 1 ms) races with whatever
// wakes at 1 ms too.
func jitter(t *sim.Thread) {
	t.Sleep(sim.Time(t.Kernel().Rand(sim.CompWorkload, 3)) * 500 * sim.Microsecond)
}

func init() {
	register(Scenario{
		Name: "use-unuse-storm",
		Desc: "three openers use and unuse one cookie (some modifying, some reading and copying to the cache) across LRU expiries",
		Setup: func(k *sim.Kernel, w *World) {
			var c *fscache.Cookie
			g := &gate{n: 3}
			for i := 0; i < 3; i++ {
				k.Spawn("netfs-"+strconv.Itoa(i), func(t *sim.Thread) {
					if i == 0 {
						c = w.bindAndAcquire(t)
						w.ready.CompleteAll(t)
					} else {
						w.WaitReady(t)
					}
					for j := 0; j < 2; j++ {
						modify := k.Rand(sim.CompWorkload, 2) == 1
						fscache.UseCookie(t, c, modify)
						if modify {
							fscache.WriteToCache(t, c, 0, zeroBlock[:], 4096, true, nil)
						} else {
							netfsReadAndCopy(t, c, 4096)
						}
						fscache.UnuseCookie(t, c, nil, nil)
						t.Sleep(sim.Time(k.Rand(sim.CompWorkload, 3)) * 5 * sim.Second)
					}
					g.finish(t)
				})
			}
			w.spawnEvict(k, g, &c)
		},
	})
	register(Scenario{
		Name: "invalidate-during-lookup",
		Desc: "an invalidation (server change) arrives while the cookie's first lookup is queued or running",
		Setup: func(k *sim.Kernel, w *World) {
			var c *fscache.Cookie
			g := &gate{n: 2}
			k.Spawn("open", func(t *sim.Thread) {
				c = w.bindAndAcquire(t)
				w.ready.CompleteAll(t)
				fscache.UseCookie(t, c, false)
				netfsReadAndCopy(t, c, 4096)
				fscache.UnuseCookie(t, c, nil, nil)
				g.finish(t)
			})
			k.Spawn("change", func(t *sim.Thread) {
				w.WaitReady(t)
				jitter(t)
				fscache.UseCookie(t, c, false)
				fscache.Invalidate(t, c, []byte("v2"), 4096, 0)
				fscache.UnuseCookie(t, c, nil, nil)
				g.finish(t)
			})
			w.spawnEvict(k, g, &c)
		},
	})
	register(Scenario{
		Name: "invalidate-during-write",
		Desc: "an invalidation (plain or DIO write) races with a local write being copied to the cache",
		Setup: func(k *sim.Kernel, w *World) {
			var c *fscache.Cookie
			g := &gate{n: 2}
			k.Spawn("writer", func(t *sim.Thread) {
				c = w.bindAndAcquire(t)
				w.ready.CompleteAll(t)
				fscache.UseCookie(t, c, true)
				t.Sleep(sim.Millisecond) // the local write into the page cache
				fscache.WriteToCache(t, c, 0, zeroBlock[:], 4096, true, nil)
				fscache.UnuseCookie(t, c, []byte("v1"), nil)
				g.finish(t)
			})
			k.Spawn("invalidator", func(t *sim.Thread) {
				w.WaitReady(t)
				jitter(t)
				fscache.UseCookie(t, c, false)
				flags := uint(0)
				if k.Rand(sim.CompWorkload, 2) == 1 {
					flags = fscache.InvalDIOWrite
				}
				fscache.Invalidate(t, c, []byte("v2"), 4096, flags)
				fscache.UnuseCookie(t, c, nil, nil)
				g.finish(t)
			})
			k.Spawn("evict", func(t *sim.Thread) {
				w.WaitReady(t)
				g.wait(t)
				fscache.RelinquishCookie(t, c, k.Rand(sim.CompWorkload, 2) == 1)
				t.Sleep(fscache.LRUCookieTimeout)
				w.teardown(t)
			})
		},
	})
	register(Scenario{
		Name: "withdraw-cache-during-io",
		Desc: "the cache is withdrawn (cachefilesd goes away) while a cookie is being looked up and read",
		Setup: func(k *sim.Kernel, w *World) {
			var c *fscache.Cookie
			g := &gate{n: 2}
			k.Spawn("reader", func(t *sim.Thread) {
				c = w.bindAndAcquire(t)
				w.ready.CompleteAll(t)
				fscache.UseCookie(t, c, false)
				netfsReadAndCopy(t, c, 4096)
				fscache.UnuseCookie(t, c, nil, nil)
				g.finish(t)
			})
			k.Spawn("cachefilesd-exit", func(t *sim.Thread) {
				w.WaitReady(t)
				jitter(t)
				w.Mem.Withdraw(t)
				g.finish(t)
			})
			k.Spawn("evict", func(t *sim.Thread) {
				w.WaitReady(t)
				g.wait(t)
				fscache.RelinquishCookie(t, c, false)
				t.Sleep(fscache.LRUCookieTimeout)
				fscache.RelinquishVolume(t, w.Vol, nil, false)
			})
		},
	})
	register(Scenario{
		Name: "volume-collision",
		Desc: "a mount re-acquires a volume whose previous instance is relinquished but not yet freed (ACQUIRE_PENDING hand-off)",
		Setup: func(k *sim.Kernel, w *World) {
			g := &gate{n: 1}
			k.Spawn("umount", func(t *sim.Thread) {
				c := w.bindAndAcquire(t)
				w.ready.CompleteAll(t)
				fscache.UseCookie(t, c, false)
				netfsReadAndCopy(t, c, 4096)
				fscache.UnuseCookie(t, c, nil, nil)
				fscache.RelinquishVolume(t, w.Vol, nil, false) // the cookie still pins it
				fscache.RelinquishCookie(t, c, false)
				g.finish(t)
			})
			k.Spawn("mount", func(t *sim.Thread) {
				w.WaitReady(t)
				jitter(t)
				v, err := w.F.AcquireVolume(t, w.Vol.Key, "mycache", nil)
				if err != nil {
					// The old volume was not relinquished yet: -EBUSY.
					g.wait(t)
					t.Sleep(fscache.LRUCookieTimeout)
					w.Mem.Withdraw(t)
					return
				}
				c := fscache.AcquireCookie(t, v, 0, []byte("inode-1"), []byte("v1"), 4096)
				fscache.UseCookie(t, c, false)
				fscache.UnuseCookie(t, c, nil, nil)
				fscache.RelinquishCookie(t, c, false)
				fscache.RelinquishVolume(t, v, nil, false)
				g.wait(t)
				t.Sleep(fscache.LRUCookieTimeout)
				w.Mem.Withdraw(t)
			})
		},
	})
	register(Scenario{
		Name: "cookie-collision",
		Desc: "an inode is re-acquired (same key) while its previous cookie is being relinquished: wait for DROPPED, or duplicate",
		Setup: func(k *sim.Kernel, w *World) {
			g := &gate{n: 2}
			var evicting sim.Completion
			k.Spawn("evict", func(t *sim.Thread) {
				c := w.bindAndAcquire(t)
				w.ready.CompleteAll(t)
				fscache.UseCookie(t, c, false)
				netfsReadAndCopy(t, c, 4096)
				fscache.UnuseCookie(t, c, nil, nil)
				evicting.CompleteAll(t)
				fscache.RelinquishCookie(t, c, false)
				g.finish(t)
			})
			k.Spawn("iget", func(t *sim.Thread) {
				w.WaitReady(t)
				// Either race the whole life of the old cookie, or only its
				// relinquishment.
				if k.Rand(sim.CompWorkload, 2) == 1 {
					evicting.Wait(t)
				} else {
					jitter(t)
				}
				c := fscache.AcquireCookie(t, w.Vol, 0, []byte("inode-1"), []byte("v1"), 4096)
				if c != nil {
					fscache.UseCookie(t, c, false)
					netfsReadAndCopy(t, c, 4096)
					fscache.UnuseCookie(t, c, nil, nil)
					fscache.RelinquishCookie(t, c, false)
				}
				g.finish(t)
			})
			k.Spawn("umount", func(t *sim.Thread) {
				w.WaitReady(t)
				g.wait(t)
				t.Sleep(fscache.LRUCookieTimeout)
				w.teardown(t)
			})
		},
	})
}

func init() {
	register(Scenario{
		Name: "netfs-read-write",
		Desc: "a netfs client reads and writes two files through the cache while another client changes one on the server (AFS- or NFS-style, a seeded choice)",
		Setup: func(k *sim.Kernel, w *World) {
			netfsReadWrite(k, w, netfsBackend{bind: w.bind, cache: "mycache", teardown: w.teardown})
		},
	})
}

// netfsBackend is the cache a netfs scenario mounts over: how to bind it,
// its tag, how to tear it down, and how long to let the LRU settle before
// the last reads (a cachefiles object is committed to disk by then).
type netfsBackend struct {
	bind, teardown func(t *sim.Thread)
	cache          string
	settle         sim.Time
}

// netfsReadWrite is the netfs-read-write script over backend b: a reader
// of both files, a writer of file 1 (sometimes O_DIRECT), another client
// changing file 2 on the server, and an unmount that reads both again and
// evicts them (file 2 sometimes unlinked). The mount records its
// cache-visible operations for the linearizability check.
func netfsReadWrite(k *sim.Kernel, w *World, b netfsBackend) {
	srv := netfs.NewServer()
	srv.Create(1, []byte("file one, version one........."))
	srv.Create(2, []byte("file two, version one........."))
	var m *netfs.Mount
	var ip1, ip2 *netfs.Inode
	g := &gate{n: 3}
	k.Spawn("mount", func(t *sim.Thread) {
		b.bind(t)
		fl := netfs.FlavourAFS
		if k.Rand(sim.CompWorkload, 2) == 1 {
			fl = netfs.FlavourNFS
		}
		var err error
		if m, err = netfs.MountFS(t, w.F, srv, fl, "server,export", b.cache); err != nil {
			t.Bug("setup", "mount: %v", err)
		}
		w.Record(m)
		ip1, ip2 = m.Iget(t, 1), m.Iget(t, 2)
		w.ready.CompleteAll(t)
		// reader of file 1 then file 2
		for _, ip := range []*netfs.Inode{ip1, ip2, ip1} {
			ip.Open(t, false)
			ip.Read(t, 0, 16)
			ip.Close(t)
		}
		g.finish(t)
	})
	k.Spawn("writer", func(t *sim.Thread) {
		w.WaitReady(t)
		ip1.Open(t, true)
		ip1.Write(t, 0, []byte("FILE ONE"), k.Rand(sim.CompWorkload, 4) == 0)
		ip1.Read(t, 0, 16)
		ip1.Close(t)
		g.finish(t)
	})
	k.Spawn("other-client", func(t *sim.Thread) {
		w.WaitReady(t)
		jitter(t)
		srv.Write(t, 2, 5, []byte("TWO"))
		g.finish(t)
	})
	k.Spawn("umount", func(t *sim.Thread) {
		w.WaitReady(t)
		g.wait(t)
		if b.settle > 0 {
			t.Sleep(b.settle)
		}
		// Read both again after everything settled, then evict.
		for _, ip := range []*netfs.Inode{ip1, ip2} {
			ip.Open(t, false)
			ip.Read(t, 0, 16)
			ip.Close(t)
		}
		ip1.Evict(t, false)
		ip2.Evict(t, k.Rand(sim.CompWorkload, 2) == 1)
		t.Sleep(fscache.LRUCookieTimeout)
		m.Unmount(t)
		b.teardown(t)
	})
}
