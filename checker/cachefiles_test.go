package checker_test

import (
	"testing"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// TestCachefilesExtensionFlags plants, behind the model's back, each kind
// of disk state the cachefiles invariants forbid, and checks that the
// extension names the right invariant; a clean world passes.
func TestCachefilesExtensionFlags(t *testing.T) {
	k := sim.New(sim.Options{MaxSteps: 1 << 20})
	defer k.Close()
	f := fscache.New(k, model.Bugs{})
	cf := cachefiles.NewCacheFS(f, vfs.Options{Blocks: 2048, Inodes: 1024})
	fs := cf.FS()
	x := checker.NewCachefiles(func() *cachefiles.Cache { return cf })
	x.Fsck = true
	run := func(fn func(t *sim.Thread)) {
		k.RunThread(k.Spawn("test", fn))
		k.RunUntilIdle()
		if fl := k.Failure(); fl != nil {
			t.Fatalf("model failure: %v", fl)
		}
	}
	var vol *fscache.Volume
	var c *fscache.Cookie
	run(func(th *sim.Thread) {
		cfg := cachefiles.DefaultConfig()
		cfg.RootDir = "/"
		if err := cf.Bind(th, cfg, nil); err != nil {
			t.Fatalf("bind: %v", err)
		}
		vol, _ = f.AcquireVolume(th, "vol", "", nil)
	})
	run(func(th *sim.Thread) {
		c = fscache.AcquireCookie(th, vol, 0, []byte("k"), []byte("a"), 4096)
		fscache.UseCookie(th, c, false)
	})
	run(func(th *sim.Thread) { fscache.WriteToCache(th, c, 0, make([]byte, 4096), 4096, true, nil) })
	if fl := x.Step(k); fl != nil {
		t.Fatalf("clean world: %v", fl)
	}
	objs := cf.Objects()
	if len(objs) != 1 || objs[0].File() == 0 {
		t.Fatalf("objects %v", objs)
	}
	ino := objs[0].File()
	expect := func(check string) {
		t.Helper()
		fl := x.Step(k)
		if fl == nil || fl.Check != check {
			t.Fatalf("want %s, got %v", check, fl)
		}
	}
	fs.ClearInUse(ino)
	expect("I-27")
	fs.SetInUse(ino)
	// A second object's tmpfile given a name: I-28. (It is retired at
	// the end: the link spoiled it for commit.)
	var c2 *fscache.Cookie
	run(func(th *sim.Thread) {
		c2 = fscache.AcquireCookie(th, vol, 0, []byte("k2"), []byte("a"), 4096)
		fscache.UseCookie(th, c2, false)
	})
	ino2 := cf.Objects()[1].File()
	fs.Link(ino2, fs.Root(), "stray")
	expect("I-28")
	fs.Unlink(fs.Root(), "stray")
	fs.Truncate(ino, 100)
	expect("I-30")
	fs.Truncate(ino, 4096)
	fs.ClearInUse(cf.Store())
	expect("I-27")
	fs.SetInUse(cf.Store())
	v := cf.Volumes()[0]
	fs.ClearInUse(v.Fanout(7))
	// The fan-out dirs were verified when the volume was first seen.
	if fl := x.Step(k); fl != nil {
		t.Fatalf("re-verified a volume: %v", fl)
	}
	fs.SetInUse(v.Fanout(7))

	// Commit, withdraw, then plant a DIRTY xattr: I-29 at the end.
	run(func(th *sim.Thread) {
		fscache.UnuseCookie(th, c, nil, nil)
		fscache.RelinquishCookie(th, c, false)
		fscache.UnuseCookie(th, c2, nil, nil)
		fscache.RelinquishCookie(th, c2, true)
	})
	run(func(th *sim.Thread) {
		fscache.RelinquishVolume(th, vol, nil, false)
		cf.Unbind(th)
	})
	if fl := x.EndOfRun(k); fl != nil {
		t.Fatalf("clean end: %v", fl)
	}
	if err := fs.Setxattr(ino, cachefiles.XattrName, cachefiles.EncodeObjectXattr(4096, cachefiles.ContentDirty, []byte("a")), 0); err != nil || cf.Dead() {
		t.Fatalf("setxattr: %v, dead %v", err, cf.Dead())
	}
	if fl := x.EndOfRun(k); fl == nil || fl.Check != "I-29" {
		t.Fatalf("want I-29, got %v", fl)
	}
	fs.SetInUse(ino)
	if fl := x.EndOfRun(k); fl == nil || fl.Check != "cachefiles-inuse" {
		t.Fatalf("want an in-use leak, got %v", fl)
	}
}

// TestCachefilesCullVictimMarkLeftByDeadCache: the daemon's cull marks its
// victim in use before burying it; an I/O error in the bury kills the cache
// and leaves the mark (6.12, docs/quirks.md Q-22). The end-of-run leak
// check takes that mark for what the kernel does, and still reports any
// other inode left marked, dead cache or not.
func TestCachefilesCullVictimMarkLeftByDeadCache(t *testing.T) {
	k := sim.New(sim.Options{MaxSteps: 1 << 20})
	defer k.Close()
	f := fscache.New(k, model.Bugs{})
	cf := cachefiles.NewCacheFS(f, vfs.Options{Blocks: 2048, Inodes: 1024})
	fs := cf.FS()
	x := checker.NewCachefiles(func() *cachefiles.Cache { return cf })
	k.AddEventHook(func(k *sim.Kernel, e *sim.Event) { x.Event(k, e) })
	run := func(fn func(t *sim.Thread)) {
		k.RunThread(k.Spawn("test", fn))
		k.RunUntilIdle()
		if fl := k.Failure(); fl != nil {
			t.Fatalf("model failure: %v", fl)
		}
	}
	var vol *fscache.Volume
	run(func(th *sim.Thread) {
		cfg := cachefiles.DefaultConfig()
		cfg.RootDir = "/"
		if err := cf.Bind(th, cfg, nil); err != nil {
			t.Fatalf("bind: %v", err)
		}
		vol, _ = f.AcquireVolume(th, "vol", "", nil)
	})
	var c *fscache.Cookie
	run(func(th *sim.Thread) {
		c = fscache.AcquireCookie(th, vol, 0, []byte("k"), []byte("a"), 4096)
		fscache.UseCookie(th, c, true)
	})
	run(func(th *sim.Thread) {
		fscache.WriteToCache(th, c, 0, make([]byte, 4096), 4096, true, nil)
		fscache.UnuseCookie(th, c, nil, nil)
		fscache.RelinquishCookie(th, c, false) // committed: linked in its fan-out dir
	})
	name, _ := cachefiles.CookKey([]byte("k"))
	dir := "/cache/" + cachefiles.VolumeDirName("vol") + "/" + cachefiles.FanoutDirName(fscache.FanoutIndex(c.KeyHash))
	run(func(th *sim.Thread) {
		cf.ErrorInjection = cachefiles.InjectEIO
		if err := cf.Cull(th, dir, name); err == nil {
			t.Errorf("cull with every disk call failing: no error")
		}
		cf.ErrorInjection = 0
	})
	if !cf.Dead() {
		t.Fatalf("the cull's I/O error did not kill the cache")
	}
	run(func(th *sim.Thread) {
		fscache.RelinquishVolume(th, vol, nil, false)
		cf.Unbind(th)
	})
	marked := fs.InUseInodes()
	if len(marked) != 1 {
		t.Fatalf("after the failed cull: %d inodes marked in use, want its victim alone", len(marked))
	}
	if fl := x.Step(k); fl != nil {
		t.Fatalf("disk-unbind on the failed cull's victim, marked by 6.12 too: %v", fl)
	}
	if fl := x.EndOfRun(k); fl != nil {
		t.Fatalf("the failed cull's victim, marked by 6.12 too: %v", fl)
	}
	fs.SetInUse(fs.Root())
	if fl := x.EndOfRun(k); fl == nil || fl.Check != "cachefiles-inuse" {
		t.Fatalf("another inode left marked in a dead cache: want an in-use leak, got %v", fl)
	}
}
