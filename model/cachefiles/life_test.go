package cachefiles

import (
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// lifeWorld binds a cachefiles cache, acquires a volume and a cookie on it
// and lets the cookie's object be looked up; mutant (when not nil) then
// runs on a thread of its own, before the netfs lets go of everything and
// the daemon unbinds. It returns the run's failure (nil if it passed) and
// the objects still alive at the end.
func lifeWorld(t *testing.T, mutant func(th *sim.Thread, c *Cache, vc *fscache.Volume, ck *fscache.Cookie)) (*sim.Failure, []*sim.Life) {
	t.Helper()
	k := sim.New(sim.Options{Seed: 1, MaxSteps: 1 << 20})
	defer k.Close()
	f := fscache.New(k, model.Bugs{})
	c := NewCacheFS(f, vfs.Options{Blocks: 4096, Inodes: 4096})
	cfg := DefaultConfig()
	cfg.RootDir = "/"
	run := func(name string, fn func(th *sim.Thread)) bool {
		k.RunThread(k.Spawn(name, fn))
		k.RunUntilIdle()
		return k.Failure() == nil
	}
	var vc *fscache.Volume
	var ck *fscache.Cookie
	ok := run("cachefilesd", func(th *sim.Thread) {
		if err := c.Bind(th, cfg, nil); err != nil {
			th.Bug("test", "bind: %v", err)
		}
	}) && run("netfs", func(th *sim.Thread) {
		v, err := f.AcquireVolume(th, "afs,example.com,1000001a", "", nil)
		if err != nil {
			th.Bug("test", "acquire volume: %v", err)
		}
		vc = v
		ck = fscache.AcquireCookie(th, vc, 0, []byte("inode-1"), []byte("v1"), 8192)
		fscache.UseCookie(th, ck, true)
	})
	if ok && len(c.ListedObjects()) != 1 {
		t.Fatalf("set-up: %d objects listed, want 1", len(c.ListedObjects()))
	}
	if ok && mutant != nil {
		ok = run("mutant", func(th *sim.Thread) { mutant(th, c, vc, ck) })
	}
	ok = ok && run("netfs", func(th *sim.Thread) {
		size := ck.ObjectSize
		fscache.UnuseCookie(th, ck, nil, &size)
		fscache.RelinquishCookie(th, ck, true)
		fscache.RelinquishVolume(th, vc, nil, false)
	})
	_ = ok && run("cachefilesd", func(th *sim.Thread) { c.Unbind(th) })
	return k.Failure(), k.LiveObjects()
}

// TestCachefilesLifetimes: the cachefiles cache record, volume and object
// each have a sim lifetime, freed where the kernel frees them, so that a
// clean run frees every one of them, and a model that frees one too early
// is reported as a use-after-free at the next dereference, as fscache's
// are. Each mutant is the extra put of one refcounted object.
func TestCachefilesLifetimes(t *testing.T) {
	if fl, live := lifeWorld(t, nil); fl != nil || len(live) != 0 {
		t.Fatalf("clean run: failure %v, alive at the end %v", fl, live)
	}
	mutants := []struct {
		name   string
		object string // the Life that must be named
		thread string // where it must be caught (empty: anywhere)
		mutant func(th *sim.Thread, c *Cache, vc *fscache.Volume, ck *fscache.Cookie)
	}{
		{
			// An extra __cachefiles_free_volume while the volume is listed
			// and its object alive: the object's delete at relinquishment
			// reads object->volume->fanout.
			name: "volume freed early", object: "cachefiles_volume:", thread: "",
			mutant: func(th *sim.Thread, c *Cache, vc *fscache.Volume, ck *fscache.Cookie) {
				c.freeVolume(th, vc.CachePriv.(*Volume))
			},
		},
		{
			// An extra cachefiles_put_unbind_pincount: the record is freed
			// while bound; the next lookup through it is a use after free.
			name: "cache record freed early", object: "cachefiles_cache:", thread: "mutant",
			mutant: func(th *sim.Thread, c *Cache, vc *fscache.Volume, ck *fscache.Cookie) {
				c.Unbind(th)
				c.LookupCookie(th, ck)
			},
		},
		{
			// The cookie freed under its object (the object's cookie ref
			// put once too often): cachefiles' next read of
			// object->cookie (cachefiles_adjust_size's object_size) is
			// reported there, not later in fscache.
			name: "cookie freed under its object", object: "cookie:", thread: "mutant",
			mutant: func(th *sim.Thread, c *Cache, vc *fscache.Volume, ck *fscache.Cookie) {
				o := objectOf(ck)
				th.Free(ck.Life())
				c.adjustSize(th, o)
			},
		},
	}
	for _, m := range mutants {
		fl, _ := lifeWorld(t, m.mutant)
		if fl == nil || fl.Class != sim.FailUseAfterFree || len(fl.Objects) == 0 || !strings.HasPrefix(fl.Objects[0], m.object) || (m.thread != "" && fl.ThreadName != m.thread) {
			t.Errorf("%s: failure %v, want a use-after-free of %s... in thread %s", m.name, fl, m.object, m.thread)
		}
	}
}
