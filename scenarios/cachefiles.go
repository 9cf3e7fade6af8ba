package scenarios

import (
	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/model/netfs"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// Scenarios over the cachefiles backend on the virtual disk. Each makes
// the disk and the cache in Setup (so the checker's cachefiles extension
// can watch them), binds from its first thread and unbinds at the end.

const cfTag = "mycache"

// cfWorld makes the disk and the unbound cache, and attaches the
// cachefiles checks.
func cfWorld(w *World, opts vfs.Options) {
	w.CF = cachefiles.NewCacheFS(w.F, opts)
	w.FS = w.CF.FS()
	w.Checks = append(w.Checks, checker.NewCachefiles(func() *cachefiles.Cache { return w.CF }))
}

// cfBindCache binds w.CF (as cachefilesd would, with the default
// configuration, tag cfTag).
func (w *World) cfBindCache(t *sim.Thread) {
	cfg := cachefiles.DefaultConfig()
	cfg.RootDir, cfg.Tag = "/", cfTag
	if err := w.CF.Bind(t, cfg, nil); err != nil {
		t.Bug("setup", "bind cachefiles: %v", err)
	}
}

// cfBind binds w.CF and acquires the scenario's volume.
func (w *World) cfBind(t *sim.Thread) {
	w.cfBindCache(t)
	v, err := w.F.AcquireVolume(t, "afs,example.com,1000001a", cfTag, nil)
	if err != nil {
		t.Bug("setup", "acquire volume: %v", err)
	}
	w.Vol = v
}

// cfTeardown relinquishes the volume and unbinds (the daemon goes away).
func (w *World) cfTeardown(t *sim.Thread) {
	fscache.RelinquishVolume(t, w.Vol, nil, false)
	w.CF.Unbind(t)
}

// fanoutPath is the daemon's view of a cookie's fan-out directory.
func fanoutPath(c *fscache.Cookie) string {
	return "/cache/" + cachefiles.VolumeDirName(c.Volume.Key) + "/" + cachefiles.FanoutDirName(fscache.FanoutIndex(c.KeyHash))
}

// cfReadAndCopy is a read that misses and copies to the cache, or is
// served from it; it checks the data it gets from the cache against what
// was written (fill), and returns whether it was served from the cache.
func cfRead(t *sim.Thread, c *fscache.Cookie, fill byte) bool {
	var cres fscache.CacheResources
	if err := fscache.BeginReadOperation(t, &cres, c); err != nil {
		return false
	}
	defer fscache.EndOperation(t, &cres)
	if c.Has(fscache.FlagNoDataToRead) {
		return false
	}
	buf := make([]byte, 4096)
	n, err := cres.Ops.Read(t, &cres, 0, buf, fscache.ReadHoleFail, nil)
	if err != nil || n != len(buf) {
		return false
	}
	for _, b := range buf {
		if b != fill {
			t.Bug("cachefiles-data", "read from the cache (cookie c=%08x) returned %q, want only %q", c.DebugID, b, fill)
		}
	}
	return true
}

// cachefilesScenarios are the scenarios over cachefiles. They are
// registered like the others (list, run, replay and the default
// exploration find them), and listed here too. They run at about
// 1,000..5,000 executions/s on one core (BENCHMARKS.md), a fifth or less
// of the fscache-only scenarios: they take 450..1,400 steps each, and the
// 256 fan-out directories and the disk's bookkeeping cost more than the
// races they explore.
var cachefilesScenarios []Scenario

// Cachefiles lists the scenarios over the cachefiles backend.
func Cachefiles() []Scenario { return cachefilesScenarios }

// CachefilesScenario finds a cachefiles scenario by name.
func CachefilesScenario(name string) (Scenario, bool) {
	for _, s := range cachefilesScenarios {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

func registerCachefiles(s Scenario) {
	register(s)
	cachefilesScenarios = append(cachefilesScenarios, s)
}

func init() {
	registerCachefiles(Scenario{
		Name: "cull-vs-use",
		Desc: "cachefilesd culls and probes an object's file while the netfs commits it, opens it again and reads it (S_KERNEL_FILE, Q-19)",
		Setup: func(k *sim.Kernel, w *World) {
			cfWorld(w, vfs.Options{Blocks: 2048, Inodes: 1024})
			var c *fscache.Cookie
			g := &gate{n: 2}
			k.Spawn("netfs", func(t *sim.Thread) {
				w.cfBind(t)
				c = fscache.AcquireCookie(t, w.Vol, 0, []byte("inode-1"), []byte("v1"), 4096)
				w.ready.CompleteAll(t)
				fscache.UseCookie(t, c, true)
				fscache.WriteToCache(t, c, 0, fill(4096, 'a'), 4096, true, nil)
				fscache.UnuseCookie(t, c, nil, nil)
				fscache.RelinquishCookie(t, c, false)
				// Open the inode again: the file is looked up and marked in
				// use, unless the daemon culled it meanwhile.
				t.Sleep(sim.Millisecond)
				c = fscache.AcquireCookie(t, w.Vol, 0, []byte("inode-1"), []byte("v1"), 4096)
				fscache.UseCookie(t, c, false)
				cfRead(t, c, 'a')
				fscache.UnuseCookie(t, c, nil, nil)
				fscache.RelinquishCookie(t, c, false)
				g.finish(t)
			})
			k.Spawn("cachefilesd", func(t *sim.Thread) {
				w.WaitReady(t)
				dir := fanoutPath(c)
				for i := 0; i < 3; i++ {
					jitter(t)
					var err error
					if k.Rand(sim.CompWorkload, 3) == 0 {
						err = w.CF.Inuse(t, dir, "Dinode-1")
					} else {
						err = w.CF.Cull(t, dir, "Dinode-1")
					}
					switch err {
					case nil, vfs.EBUSY, vfs.ENOENT, vfs.ESTALE, vfs.ENOTDIR:
					case vfs.EIO:
						// marked in use between the lookup and the
						// inode-locked check.
					default:
						t.Bug("cull", "cull/inuse returned %v", err)
					}
				}
				g.finish(t)
			})
			k.Spawn("umount", func(t *sim.Thread) {
				w.WaitReady(t)
				g.wait(t)
				t.Sleep(fscache.LRUCookieTimeout)
				w.cfTeardown(t)
			})
		},
	})
	registerCachefiles(Scenario{
		Name: "enospc-during-write",
		Desc: "another user fills the cache's disk while the netfs writes to the cache: writes are refused below the stop threshold, culling starts, and nothing refused is ever read back",
		Setup: func(k *sim.Kernel, w *World) {
			cfWorld(w, vfs.Options{Blocks: 1024, Inodes: 1024})
			var c *fscache.Cookie
			g := &gate{n: 2}
			written := make([]bool, 4)
			k.Spawn("writer", func(t *sim.Thread) {
				w.cfBind(t)
				c = fscache.AcquireCookie(t, w.Vol, 0, []byte("inode-1"), []byte("v1"), 4*4096)
				w.ready.CompleteAll(t)
				fscache.UseCookie(t, c, true)
				for i := range written {
					written[i] = fscache.WriteToCache(t, c, int64(i)*4096, fill(4096, byte('a'+i)), 4*4096, true, nil) == nil
					jitter(t)
				}
				fscache.UnuseCookie(t, c, nil, nil)
				g.finish(t)
			})
			k.Spawn("other-user", func(t *sim.Thread) {
				w.WaitReady(t)
				jitter(t)
				// Leave 0..20 blocks free: below the stop threshold (10) or
				// between stop and cull (51).
				sf, _ := w.FS.Statfs()
				leave := int64(k.Rand(sim.CompWorkload, 21))
				if n := sf.Bavail - leave; n > 0 {
					if f, err := w.FS.Create(w.FS.Root(), "hog", 0o600); err == nil {
						w.FS.Fallocate(f, 0, 0, n*w.FS.BlockSize())
						w.FS.Close(f)
					}
				}
				t.Sleep(sim.Millisecond)
				if _, err := w.CF.Status(t); err != nil {
					t.Bug("status", "status: %v", err)
				}
				w.FS.Unlink(w.FS.Root(), "hog")
				g.finish(t)
			})
			k.Spawn("reader", func(t *sim.Thread) {
				w.WaitReady(t)
				g.wait(t)
				fscache.UseCookie(t, c, false)
				var cres fscache.CacheResources
				if fscache.BeginReadOperation(t, &cres, c) == nil {
					for i := range written {
						buf := make([]byte, 4096)
						n, err := cres.Ops.Read(t, &cres, int64(i)*4096, buf, fscache.ReadHoleFail, nil)
						if err == nil && n == 4096 && !written[i] && buf[0] != 0 {
							t.Bug("cachefiles-data", "page %d was refused (%q) but reads back %q", i, byte('a'+i), buf[0])
						}
						if err == nil && n == 4096 && written[i] && buf[0] != byte('a'+i) {
							t.Bug("cachefiles-data", "page %d reads back %q, want %q", i, buf[0], byte('a'+i))
						}
					}
					fscache.EndOperation(t, &cres)
				}
				fscache.UnuseCookie(t, c, nil, nil)
				fscache.RelinquishCookie(t, c, k.Rand(sim.CompWorkload, 2) == 1)
				t.Sleep(fscache.LRUCookieTimeout)
				w.cfTeardown(t)
			})
		},
	})
	registerCachefiles(Scenario{
		Name: "crash-and-rebind",
		Desc: "the power fails at a random point while a netfs reads and writes through cachefiles; the next boot binds the same disk and may serve only coherent data",
		Setup: func(k *sim.Kernel, w *World) {
			cfWorld(w, vfs.Options{Blocks: 2048, Inodes: 1024})
			srv := netfs.NewServer()
			srv.Create(1, []byte("file one, version one........."))
			srv.Create(2, []byte("file two, version one........."))
			var m *netfs.Mount
			var ips []*netfs.Inode
			g := &gate{n: 2}
			var boot1Done sim.Completion
			k.Spawn("boot1", func(t *sim.Thread) {
				w.cfBind(t)
				var err error
				if m, err = netfs.MountFS(t, w.F, srv, netfs.FlavourAFS, "server,export", cfTag); err != nil {
					t.Bug("setup", "mount: %v", err)
				}
				ips = []*netfs.Inode{m.Iget(t, 1), m.Iget(t, 2)}
				w.ready.CompleteAll(t)
				for round := 0; round < 2; round++ {
					for i, ip := range ips {
						ip.Open(t, i == 0 && round == 1)
						ip.Read(t, 0, 16)
						if i == 0 && round == 1 {
							ip.Write(t, 0, []byte("FILE ONE"), false)
						}
						ip.Close(t)
					}
					// Let the LRU commit the objects between rounds.
					t.Sleep(fscache.LRUCookieTimeout + sim.Second)
				}
				g.finish(t)
			})
			k.Spawn("power", func(t *sim.Thread) {
				w.WaitReady(t)
				t.Sleep(sim.Time(k.Rand(sim.CompWorkload, 25)) * sim.Second)
				keep := int(k.Rand(sim.CompDisk, uint64(w.FS.Pending()+1)))
				w.CF.Crash(t, keep)
				g.finish(t)
			})
			k.Spawn("boot2", func(t *sim.Thread) {
				w.WaitReady(t)
				g.wait(t)
				// Tear the crashed kernel's state down (its disk calls fail).
				for _, ip := range ips {
					ip.Evict(t, false)
				}
				t.Sleep(fscache.LRUCookieTimeout)
				m.Unmount(t)
				w.cfTeardown(t)
				boot1Done.CompleteAll(t)
				// The next boot: the same disk, a new cache.
				w.CF = w.CF.Reboot(w.F)
				w.cfBind(t)
				m2, err := netfs.MountFS(t, w.F, srv, netfs.FlavourAFS, "server,export", cfTag)
				if err != nil {
					t.Bug("setup", "mount: %v", err)
				}
				for _, ino := range []uint64{1, 2} {
					ip := m2.Iget(t, ino)
					for j := 0; j < 2; j++ {
						ip.Open(t, false)
						ip.Read(t, 0, 16)
						ip.Close(t)
					}
					ip.Evict(t, false)
				}
				t.Sleep(fscache.LRUCookieTimeout)
				m2.Unmount(t)
				w.cfTeardown(t)
			})
		},
	})
	registerCachefiles(Scenario{
		Name: "netfs-over-cachefiles",
		Desc: "a netfs client reads and writes two files through fscache over cachefiles while another client changes one on the server (AFS- or NFS-style)",
		Setup: func(k *sim.Kernel, w *World) {
			cfWorld(w, vfs.Options{Blocks: 2048, Inodes: 1024})
			// Let the LRU commit the objects before the last reads, so
			// they come from the disk.
			netfsReadWrite(k, w, netfsBackend{bind: w.cfBind, cache: cfTag, teardown: w.cfTeardown, settle: fscache.LRUCookieTimeout + sim.Second})
		},
	})
}

func fill(n int, b byte) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}
