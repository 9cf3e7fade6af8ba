package scenarios

import (
	"strings"

	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/model/netfs"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// More caching-liveness scripts (check "cache-liveness": no needless miss),
// run like Liveness' first two, once each after every mutation probe's
// budget and never in the default mix. Each is a read the kernel serves
// from the cache, and the script fails if it is not:
//
//   - reread: a file opened and read twice; the first read misses and
//     copies to the new object, and once the copy is done (the netfs has
//     noted the page's release, fscache_note_page_release) the second
//     read must be served from the cache. The first read follows the open
//     at once, so it may find the cookie still LOOKING_UP (over
//     cachefiles, the volume still being created): a read that had to
//     wait for the lookup must still get the cache.
//   - remount: a file read, evicted, the filesystem unmounted (the
//     volume relinquished without invalidation) and mounted again: the
//     volume and its object are found again (over cachefiles, the volume
//     directory's xattr is checked, not buried) and the read hits.
//   - stale (cachefiles): the file changes on the server while it is not
//     cached; the next acquire finds the object stale, replaces it by a
//     tmpfile, caches the new contents and commits the tmpfile over the
//     stale file at relinquish: a later acquire finds and serves it.
//   - sync-read (in-memory cache): bare fscache calls; data written to an
//     object is read back synchronously (term nil), whole, including the
//     zero-filled tail the object's size covers.
func livenessMore() []Scenario {
	mem := func(w *World) netfsBackend {
		return netfsBackend{bind: w.bindCache, cache: "mycache", teardown: w.withdrawCache}
	}
	cf := func(w *World) netfsBackend {
		cfWorld(w, vfs.Options{Blocks: 2048, Inodes: 1024})
		return netfsBackend{bind: w.cfBindCache, cache: cfTag, teardown: w.cfUnbind, settle: fscache.LRUCookieTimeout + sim.Second}
	}
	return []Scenario{
		{
			Name:  "liveness-reread-mem",
			Desc:  "a file opened and read twice over the in-memory cache: the second read is served from the cache",
			Setup: func(k *sim.Kernel, w *World) { cacheRereads(k, w, mem(w)) },
		},
		{
			Name:  "liveness-reread-cachefiles",
			Desc:  "a file opened and read twice over cachefiles, at once after the mount: the second read is served from the disk",
			Setup: func(k *sim.Kernel, w *World) { cacheRereads(k, w, cf(w)) },
		},
		{
			Name:  "liveness-remount-mem",
			Desc:  "a read, unmount, mount, read again over the in-memory cache: the second read is served from the cache",
			Setup: func(k *sim.Kernel, w *World) { cacheSurvivesRemount(k, w, mem(w), false) },
		},
		{
			Name:  "liveness-remount-cachefiles",
			Desc:  "a read, unmount, mount, read again over cachefiles: the volume directory is found again and the second read is served from the disk",
			Setup: func(k *sim.Kernel, w *World) { cacheSurvivesRemount(k, w, cf(w), false) },
		},
		{
			Name:  "liveness-stale-cachefiles",
			Desc:  "a file changed on the server while uncached: its stale object is replaced, recached and committed, and a later read is served from the disk",
			Setup: func(k *sim.Kernel, w *World) { cacheSurvivesRemount(k, w, cf(w), true) },
		},
		{
			Name:  "liveness-sync-read-mem",
			Desc:  "data written to an in-memory object, its size extended by zeros, read back synchronously and whole",
			Setup: syncReadServes,
		},
		keyLimitsScenario(),
		volumeCoherencyScenario(),
		bindLateScenario(),
		requestsScenario(),
		retireScenario(),
		lruReopenScenario(),
	}
}

// bindCache binds the in-memory cache only (no volume: the script mounts).
func (w *World) bindCache(t *sim.Thread) {
	b, err := fscache.NewMemBackend(t, w.F, "mycache")
	if err != nil {
		t.Bug("setup", "bind cache: %v", err)
	}
	w.Mem = b
}

func (w *World) withdrawCache(t *sim.Thread) { w.Mem.Withdraw(t) }

func (w *World) cfUnbind(t *sim.Thread) { w.CF.Unbind(t) }

// liveRead opens ip, reads its first 16 bytes n times and closes it; it
// returns whether the last read was served from the cache.
func liveRead(t *sim.Thread, ip *netfs.Inode, n int) bool {
	ip.Open(t, false)
	hit := false
	for i := 0; i < n; i++ {
		hits := ip.M.Hits
		ip.Read(t, 0, 16)
		hit = ip.M.Hits > hits
	}
	ip.Close(t)
	return hit
}

// cacheRereads is the reread script over backend b.
func cacheRereads(k *sim.Kernel, w *World, b netfsBackend) {
	srv := netfs.NewServer()
	srv.Create(1, []byte("file one, version one........."))
	k.Spawn("client", func(t *sim.Thread) {
		b.bind(t)
		m, err := netfs.MountFS(t, w.F, srv, netfs.FlavourAFS, "server,export", b.cache)
		if err != nil {
			t.Bug("setup", "mount: %v", err)
		}
		w.Record(m)
		w.Vol = m.Vol
		w.ready.CompleteAll(t)
		ip := m.Iget(t, 1)
		if !liveRead(t, ip, 2) {
			t.Bug("cache-liveness", "ino 1 was read (a miss, %d in all, copied to the cache, the copy done and the page released) and read again in the same open, and the second read was not served from the cache", m.Misses)
		}
		ip.Evict(t, false)
		m.Unmount(t)
		t.Sleep(fscache.LRUCookieTimeout + sim.Second)
		b.teardown(t)
	})
}

// cacheSurvivesRemount is the remount script over backend b; with stale,
// the file changes on the server between the first read and the remount.
func cacheSurvivesRemount(k *sim.Kernel, w *World, b netfsBackend, stale bool) {
	srv := netfs.NewServer()
	srv.Create(1, []byte("file one, version one........."))
	k.Spawn("client", func(t *sim.Thread) {
		b.bind(t)
		mount := func() *netfs.Mount {
			m, err := netfs.MountFS(t, w.F, srv, netfs.FlavourAFS, "server,export", b.cache)
			if err != nil {
				t.Bug("setup", "mount: %v", err)
			}
			w.Record(m)
			w.Vol = m.Vol
			return m
		}
		// umount lets go of ip and of m's volume, and waits for the
		// cache to be done with them (the LRU commit over cachefiles).
		umount := func(m *netfs.Mount, ip *netfs.Inode) {
			if b.settle > 0 {
				t.Sleep(b.settle)
			}
			ip.Evict(t, false)
			m.Unmount(t)
			t.Sleep(fscache.LRUCookieTimeout + sim.Second)
		}
		m := mount()
		w.ready.CompleteAll(t)
		ip := m.Iget(t, 1)
		liveRead(t, ip, 1)
		umount(m, ip)
		what := "unmounted (the volume relinquished, not invalidated) and mounted again"
		if stale {
			srv.Write(t, 1, 5, []byte("TWO"))
			m = mount()
			ip = m.Iget(t, 1)
			liveRead(t, ip, 1) // stale: replaced by a tmpfile, recached
			umount(m, ip)
			what = "changed on the server (its object found stale, replaced, recached and committed), unmounted and mounted again"
		}
		m = mount()
		ip = m.Iget(t, 1)
		if !liveRead(t, ip, 1) {
			t.Bug("cache-liveness", "ino 1 was read (copied to the cache), %s, and read again: not served from the cache", what)
		}
		umount(m, ip)
		b.teardown(t)
	})
}

// syncReadServes is the sync-read script: bare fscache calls over the
// in-memory cache.
func syncReadServes(k *sim.Kernel, w *World) {
	k.Spawn("netfs", func(t *sim.Thread) {
		c := w.bindAndAcquire(t)
		w.ready.CompleteAll(t)
		fscache.UseCookie(t, c, true)
		fscache.WriteToCache(t, c, 0, fill(4096, 'k'), 8192, true, nil)
		fscache.WriteToCache(t, c, 4096, zeroBlock[:], 8192, true, nil)
		fscache.UnuseCookie(t, c, nil, nil)
		fscache.UseCookie(t, c, false)
		var cres fscache.CacheResources
		if err := fscache.BeginReadOperation(t, &cres, c); err != nil {
			t.Bug("cache-liveness", "c=%08x: data was written to the cache and no read operation begins: %v", c.DebugID, err)
		} else {
			buf := make([]byte, 8192)
			n, err := fscache.Read(t, &cres, 0, buf, fscache.ReadHoleFail, nil)
			if err != nil || n != len(buf) {
				t.Bug("cache-liveness", "c=%08x: a synchronous read of the 8192 bytes the object holds (4096 written, 4096 zeros) got %d bytes, error %v", c.DebugID, n, err)
			}
			for i, x := range buf[:n] {
				if want := byte('k'); i >= 4096 && x != 0 || i < 4096 && x != want {
					t.Bug("cache-liveness", "c=%08x: byte %d read back as %q", c.DebugID, i, x)
					break
				}
			}
			fscache.EndOperation(t, &cres)
		}
		fscache.UnuseCookie(t, c, nil, nil)
		fscache.RelinquishCookie(t, c, false)
		t.Sleep(fscache.LRUCookieTimeout + sim.Second)
		w.teardown(t)
	})
}

// The kernel's key limits, kept apart from the model's constants so that a
// changed constant in the model is seen: NAME_MAX of the backing
// filesystem, fscache's limits on volume keys (fscache_alloc_volume: longer
// than NAME_MAX is refused) and cookie keys (__fscache_acquire_cookie:
// 1..255 bytes), and the longest key cachefiles_cook_key encodes
// (NAME_MAX - 3; beyond it the kernel BUGs, quirk Q-18).
const (
	kernelNameMax      = 255
	kernelVolumeKeyMax = kernelNameMax
	kernelCookieKeyMax = 255
	kernelCookedKeyMax = kernelNameMax - 3
)

// keyLimitsScenario checks the model's key limits against the kernel's
// (check "key-limits"): a script of bare calls, run with the liveness
// scripts.
func keyLimitsScenario() Scenario {
	return Scenario{
		Name: "liveness-key-limits",
		Desc: "volume and cookie keys at and one past the kernel's limits: the legal ones get a volume or cookie, the others do not; cachefiles encodes keys up to NAME_MAX - 3",
		Setup: func(k *sim.Kernel, w *World) {
			k.Spawn("netfs", func(t *sim.Thread) {
				w.bind(t)
				w.ready.CompleteAll(t)
				for _, n := range []int{1, kernelCookedKeyMax, kernelCookedKeyMax + 1} {
					_, err := cachefiles.CookKey(limitKey(n, false, 'D'))
					if ok := n <= kernelCookedKeyMax; ok != (err == nil) {
						t.Bug("key-limits", "cachefiles_cook_key of a %d-byte key: error %v (the kernel encodes up to NAME_MAX - 3 = %d bytes and BUGs beyond)", n, err, kernelCookedKeyMax)
					}
				}
				for _, n := range []int{kernelVolumeKeyMax, kernelVolumeKeyMax + 1} {
					v, err := w.F.AcquireVolume(t, "k,"+strings.Repeat("v", n-2), "mycache", nil)
					if ok := n <= kernelVolumeKeyMax; ok != (err == nil) {
						t.Bug("key-limits", "fscache_acquire_volume with a %d-byte key: error %v (the kernel takes up to NAME_MAX = %d bytes)", n, err, kernelVolumeKeyMax)
					}
					if err == nil {
						fscache.RelinquishVolume(t, v, nil, false)
					}
				}
				for _, n := range []int{0, 1, kernelCookieKeyMax, kernelCookieKeyMax + 1} {
					var key []byte
					if n > 0 {
						key = limitKey(n, n%2 == 0, 'Q')
					}
					c := fscache.AcquireCookie(t, w.Vol, 0, key, []byte("v1"), 4096)
					if ok := n >= 1 && n <= kernelCookieKeyMax; ok != (c != nil) {
						t.Bug("key-limits", "fscache_acquire_cookie with a %d-byte key: cookie %v (the kernel takes 1..%d bytes)", n, c != nil, kernelCookieKeyMax)
					}
					if c != nil {
						fscache.RelinquishCookie(t, c, false)
					}
				}
				t.Sleep(fscache.LRUCookieTimeout + sim.Second)
				w.teardown(t)
			})
		},
	}
}

// volumeCoherencyScenario is the volume-coherency script over cachefiles:
// the volume acquired with coherency data A, a file cached, the volume
// relinquished with B (6.12 writes a volume's coherency xattr when it is
// made and at the cache's withdrawal, cachefiles_withdraw_volume, not when
// the netfs frees it, cachefiles_free_volume: B is not written); acquired
// again with A, the file must be served from the disk (cache-liveness: the
// directory's xattr was checked, found good and kept); relinquished,
// acquired with C, the
// first read must miss (check "volume-coherency": a volume directory whose
// coherency data does not match is buried with everything in it), and
// once that file is cached again it must be served (cache-liveness: the
// stale directory was replaced, not given up on).
func volumeCoherencyScenario() Scenario {
	return Scenario{
		Name: "liveness-volume-coherency-cachefiles",
		Desc: "a volume relinquished with new coherency data and acquired with it keeps its cache; acquired with other data it is buried and cached afresh",
		Setup: func(k *sim.Kernel, w *World) {
			cfWorld(w, vfs.Options{Blocks: 2048, Inodes: 1024})
			srv := netfs.NewServer()
			srv.Create(1, []byte("file one, version one........."))
			k.Spawn("client", func(t *sim.Thread) {
				w.cfBindCache(t)
				w.ready.CompleteAll(t)
				mount := func(coh string) *netfs.Mount {
					v, err := w.F.AcquireVolume(t, "afs,server,export", cfTag, []byte(coh))
					if err != nil {
						t.Bug("setup", "acquire volume: %v", err)
					}
					w.Vol = v
					m := &netfs.Mount{F: w.F, Server: srv, Flavour: netfs.FlavourAFS, Vol: v}
					w.Record(m)
					return m
				}
				// cycle mounts with coherency data coh, reads ino 1 once
				// (or, with again, evicts it and reads it a second time),
				// and unmounts with coherency data out; it returns whether
				// the first and the last read hit.
				cycle := func(coh, out string, again bool) (first, last bool) {
					m := mount(coh)
					ip := m.Iget(t, 1)
					first = liveRead(t, ip, 1)
					last = first
					t.Sleep(fscache.LRUCookieTimeout + sim.Second)
					ip.Evict(t, false)
					if again {
						ip = m.Iget(t, 1)
						last = liveRead(t, ip, 1)
						ip.Evict(t, false)
					}
					fscache.RelinquishVolume(t, m.Vol, []byte(out), false)
					t.Sleep(fscache.LRUCookieTimeout + sim.Second)
					return first, last
				}
				cycle("AAAA", "BBBB", false)
				if hit, _ := cycle("AAAA", "AAAA", false); !hit {
					t.Bug("cache-liveness", "ino 1 was cached, its volume (coherency data AAAA) relinquished and acquired again with AAAA: the read was not served from the cache")
				}
				first, last := cycle("CCCC", "CCCC", true)
				if first {
					t.Bug("volume-coherency", "the volume was acquired with coherency data CCCC over a volume directory stamped BBBB, and a read was served from its old objects (the kernel buries a volume directory whose coherency data does not match)")
				}
				if !last {
					t.Bug("cache-liveness", "the volume's stale directory was replaced, ino 1 read (copied to the cache), evicted and read again: not served from the cache")
				}
				w.CF.Unbind(t)
			})
		},
	}
}

// bindLateScenario: the volume is acquired before its cache is bound (no
// creation then); the first open after the bind must wait for the
// volume's creation that its lookup starts, and get the cache.
func bindLateScenario() Scenario {
	return Scenario{
		Name: "liveness-bind-late-mem",
		Desc: "a volume acquired before its cache is bound; after the bind a file is opened and read twice: the second read is served from the cache",
		Setup: func(k *sim.Kernel, w *World) {
			srv := netfs.NewServer()
			srv.Create(1, []byte("file one, version one........."))
			k.Spawn("client", func(t *sim.Thread) {
				m, err := netfs.MountFS(t, w.F, srv, netfs.FlavourAFS, "server,export", "mycache")
				if err != nil {
					t.Bug("setup", "mount: %v", err)
				}
				w.Record(m)
				w.Vol = m.Vol
				w.bindCache(t)
				w.ready.CompleteAll(t)
				ip := m.Iget(t, 1)
				if !liveRead(t, ip, 2) {
					t.Bug("cache-liveness", "the volume was acquired before the cache was bound; after the bind ino 1 was read twice in one open and the second read was not served from the cache (the lookup gave up on the volume's creation?)")
				}
				ip.Evict(t, false)
				m.Unmount(t)
				t.Sleep(fscache.LRUCookieTimeout + sim.Second)
				w.withdrawCache(t)
			})
		},
	}
}

// requestsScenario: coherency updates, unuses with coherency data (with
// and without a size), a resize and an invalidation, each checked right
// after the call (check "requested-update": what the netfs asked for is
// what the cookie holds).
func requestsScenario() Scenario {
	return Scenario{
		Name: "liveness-requests-mem",
		Desc: "fscache_update_cookie, fscache_unuse_cookie with coherency data, fscache_resize_cookie and fscache_invalidate: the cookie holds what each asked for",
		Setup: func(k *sim.Kernel, w *World) {
			k.Spawn("netfs", func(t *sim.Thread) {
				w.bind(t)
				w.ready.CompleteAll(t)
				c := fscache.AcquireCookie(t, w.Vol, 0, []byte("requests"), []byte("aux1"), 4096)
				if c == nil {
					t.Bug("setup", "acquire cookie")
				}
				expect := func(call, aux string, size int64) {
					if string(c.Aux) != aux || c.ObjectSize != size {
						t.Bug("requested-update", "c=%08x: after %s the cookie holds aux %q size %d, want aux %q size %d", c.DebugID, call, c.Aux, c.ObjectSize, aux, size)
					}
				}
				size := func(n int64) *int64 { return &n }
				fscache.UseCookie(t, c, true)
				for i := 0; i < 100 && c.State() != fscache.CookieActive; i++ {
					t.Sleep(sim.Millisecond)
				}
				fscache.UpdateCookie(t, c, []byte("aux2"), size(8192))
				expect("fscache_update_cookie(aux2, 8192)", "aux2", 8192)
				fscache.ResizeCookie(t, c, 100)
				expect("fscache_resize_cookie(100)", "aux2", 100)
				fscache.Invalidate(t, c, []byte("aux3"), 200, 0)
				expect("fscache_invalidate(aux3, 200)", "aux3", 200)
				fscache.UnuseCookie(t, c, []byte("aux4"), nil)
				expect("fscache_unuse_cookie(aux4, no size)", "aux4", 200)
				fscache.UseCookie(t, c, false)
				fscache.UnuseCookie(t, c, []byte("aux5"), size(300))
				expect("fscache_unuse_cookie(aux5, 300)", "aux5", 300)
				fscache.RelinquishCookie(t, c, false)
				t.Sleep(fscache.LRUCookieTimeout + sim.Second)
				w.teardown(t)
			})
		},
	}
}

// retireScenario: a file cached, committed (the LRU discard links its
// file in), opened again (the lookup finds the file: the object holds a
// linked file), closed and unlinked at once (relinquished with retire,
// before the LRU lets go of the object): its file must be gone from its
// fan-out directory once the relinquish is done (check
// "retired-deleted": cachefiles_withdraw_cookie deletes a retired
// object's file). The object's own name is looked up on the disk, not in
// cachefiles' records.
func retireScenario() Scenario {
	return Scenario{
		Name: "liveness-retire-cachefiles",
		Desc: "a cached, committed file opened again, closed and unlinked at once: its file is deleted from its fan-out directory",
		Setup: func(k *sim.Kernel, w *World) {
			cfWorld(w, vfs.Options{Blocks: 2048, Inodes: 1024})
			srv := netfs.NewServer()
			srv.Create(1, []byte("file one, version one........."))
			k.Spawn("client", func(t *sim.Thread) {
				w.cfBindCache(t)
				m, err := netfs.MountFS(t, w.F, srv, netfs.FlavourAFS, "server,export", cfTag)
				if err != nil {
					t.Bug("setup", "mount: %v", err)
				}
				w.Record(m)
				w.Vol = m.Vol
				w.ready.CompleteAll(t)
				ip := m.Iget(t, 1)
				liveRead(t, ip, 1)
				t.Sleep(fscache.LRUCookieTimeout + sim.Second)
				c := ip.Cookie
				liveRead(t, ip, 1)
				linked := diskEntry(w.FS, fanoutPath(c), objectName(1))
				ip.Evict(t, true)
				t.Sleep(sim.Second)
				if linked && diskEntry(w.FS, fanoutPath(c), objectName(1)) {
					t.Bug("retired-deleted", "c=%08x was relinquished with retire while its object held the linked file %s/%s, and the file is still there", c.DebugID, fanoutPath(c), objectName(1))
				}
				if !linked {
					t.Bug("cache-liveness", "c=%08x: ino 1 was cached and committed, yet no file %s/%s is on the disk", c.DebugID, fanoutPath(c), objectName(1))
				}
				m.Unmount(t)
				t.Sleep(fscache.LRUCookieTimeout + sim.Second)
				w.CF.Unbind(t)
			})
		},
	}
}

// diskEntry reports whether path/name exists on the disk (looked up from
// the disk's root, with no fault injected: the disk's own state).
func diskEntry(fs *vfs.FS, path, name string) bool {
	dir := fs.Root()
	for _, p := range strings.Split(strings.Trim(path, "/"), "/") {
		ino, err := fs.Entry(dir, p)
		if err != nil {
			return false
		}
		dir = ino
	}
	_, err := fs.Entry(dir, name)
	return err == nil
}

// lruReopenScenario: a file cached over cachefiles, closed, and opened
// again just as its LRU entry expires (the open may find the cookie being
// discarded, LRU_DISCARDING, and wait for it): the read after the reopen
// must be served from the disk (the reopen looks the object up again once
// the discard is done).
func lruReopenScenario() Scenario {
	return Scenario{
		Name: "liveness-lru-reopen-cachefiles",
		Desc: "a cached file reopened as its LRU entry expires: the read is served from the disk",
		Setup: func(k *sim.Kernel, w *World) {
			cfWorld(w, vfs.Options{Blocks: 2048, Inodes: 1024})
			srv := netfs.NewServer()
			srv.Create(1, []byte("file one, version one........."))
			k.Spawn("client", func(t *sim.Thread) {
				w.cfBindCache(t)
				m, err := netfs.MountFS(t, w.F, srv, netfs.FlavourAFS, "server,export", cfTag)
				if err != nil {
					t.Bug("setup", "mount: %v", err)
				}
				w.Record(m)
				w.Vol = m.Vol
				w.ready.CompleteAll(t)
				t.Sleep(sim.Millisecond)
				if m.Vol.CachePriv == nil {
					t.Bug("cache-liveness", "V=%08x: the volume was acquired on a live cache with a healthy disk and, its creation done, has no cache volume", m.Vol.DebugID)
				}
				ip := m.Iget(t, 1)
				liveRead(t, ip, 1)
				t.Sleep(fscache.LRUCookieTimeout + sim.Second)
				liveRead(t, ip, 1) // committed now: a hit
				t.Sleep(fscache.LRUCookieTimeout)
				if !liveRead(t, ip, 1) {
					t.Bug("cache-liveness", "c=%08x: ino 1, cached and committed, was reopened as its LRU entry expired and the read was not served from the disk", ip.Cookie.DebugID)
				}
				ip.Evict(t, false)
				m.Unmount(t)
				t.Sleep(fscache.LRUCookieTimeout + sim.Second)
				w.CF.Unbind(t)
			})
		},
	}
}
