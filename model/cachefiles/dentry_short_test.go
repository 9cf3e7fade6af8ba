package cachefiles

import (
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// refWorld runs every path that takes a short-lived dentry reference, one
// phase after the other: bind (the root), a new object committed
// (commit_tmpfile's negative dentry, instantiated by the link), the same
// object looked up again (look_up_object's lookup) and retired
// (delete_object), a second object committed and culled by the daemon
// (the working directory, lookup_for_cull's victim, bury's extra dget on
// a file), an inuse of the name just culled (lookup_for_cull's negative
// dentry), a directory put where the first object's file was and the
// object looked up again (bury of a directory: the grave), then the
// unbind. broken (when not empty) is the site whose dget (get) or dput the
// model skips. It returns the run's failure; the clean run (broken empty)
// also checks that each phase did what it is there for.
func refWorld(t *testing.T, broken string, get bool) *sim.Failure {
	t.Helper()
	k := sim.New(sim.Options{Seed: 1, MaxSteps: 1 << 22})
	defer k.Close()
	f := fscache.New(k, model.Bugs{})
	c := NewCacheFS(f, vfs.Options{Blocks: 4096, Inodes: 4096})
	if broken != "" {
		c.BreakRef(broken, get)
	}
	cfg := DefaultConfig()
	cfg.RootDir = "/"
	run := func(name string, fn func(th *sim.Thread)) bool {
		if k.Failure() != nil {
			return false
		}
		k.RunThread(k.Spawn(name, fn))
		k.RunUntilIdle()
		return k.Failure() == nil
	}
	var vc *fscache.Volume
	cookie := func(th *sim.Thread, key string) *fscache.Cookie {
		ck := fscache.AcquireCookie(th, vc, 0, []byte(key), []byte("v1"), 8192)
		fscache.UseCookie(th, ck, true)
		return ck
	}
	release := func(th *sim.Thread, ck *fscache.Cookie, retire bool) {
		size := ck.ObjectSize
		fscache.UnuseCookie(th, ck, nil, &size)
		fscache.RelinquishCookie(th, ck, retire)
	}
	var a, b *fscache.Cookie
	var fanA, fanB vfs.Ino
	var nameA, nameB string
	var cullErr, inuseErr error
	var graveyard vfs.Ino
	run("cachefilesd", func(th *sim.Thread) {
		if err := c.Bind(th, cfg, nil); err != nil {
			th.Bug("test", "bind: %v", err)
		}
		graveyard = c.graveyard
	})
	run("netfs", func(th *sim.Thread) {
		v, err := f.AcquireVolume(th, "afs,example.com,1000001a", "", nil)
		if err != nil {
			th.Bug("test", "acquire volume: %v", err)
		}
		vc = v
		a = cookie(th, "inode-1")
	})
	run("netfs", func(th *sim.Thread) {
		o := objectOf(a)
		fanA, nameA = o.fanoutDir(th), o.dName
		release(th, a, false) // commit_tmpfile
	})
	run("netfs", func(th *sim.Thread) { a = cookie(th, "inode-1") }) // look_up_object finds it
	run("netfs", func(th *sim.Thread) { release(th, a, true) })      // delete_object
	run("netfs", func(th *sim.Thread) { b = cookie(th, "inode-2") })
	run("netfs", func(th *sim.Thread) {
		o := objectOf(b)
		fanB, nameB = o.fanoutDir(th), o.dName
		release(th, b, false)
	})
	run("cachefilesd", func(th *sim.Thread) {
		cullErr = c.CullAt(th, fanB, nameB)
		inuseErr = c.InuseAt(th, fanB, nameB)
	})
	run("admin", func(th *sim.Thread) {
		if _, err := c.fs.Mkdir(fanA, nameA, 0o700); err != nil {
			th.Bug("test", "mkdir %s: %v", nameA, err)
		}
	})
	run("netfs", func(th *sim.Thread) { a = cookie(th, "inode-1") }) // not a file: buried
	run("netfs", func(th *sim.Thread) {
		release(th, a, true)
		fscache.RelinquishVolume(th, vc, nil, false)
	})
	run("cachefilesd", func(th *sim.Thread) { c.Unbind(th) })
	if fl := k.Failure(); fl != nil || broken != "" {
		return fl
	}
	if cullErr != nil || inuseErr != vfs.ENOENT {
		t.Fatalf("clean run: cull %v, inuse %v; want nil, ENOENT", cullErr, inuseErr)
	}
	if c.F.Stats.Culled != 1 {
		t.Fatalf("clean run: %d culled, want 1", c.F.Stats.Culled)
	}
	if ents, _ := c.fs.Readdir(graveyard); len(ents) != 1 {
		t.Fatalf("clean run: graveyard holds %v, want the buried directory", ents)
	}
	return nil
}

// TestShortLivedDentryRefs: the references cachefiles takes and drops
// within one call are counted, so that a model missing one of their dputs
// is caught by the check at unbind (dentry-leak) and one missing one of
// their dgets by the dput of an unheld dentry. Each mutant skips one
// site's dget or dput in a world that passes every site.
func TestShortLivedDentryRefs(t *testing.T) {
	if fl := refWorld(t, "", false); fl != nil {
		t.Fatalf("clean run: %v", fl)
	}
	for _, site := range RefSites() {
		for _, get := range []bool{true, false} {
			if site == string(refGetDirectory) && !get {
				continue // its dputs are on the failure paths only (mkdir, EBUSY)
			}
			fl := refWorld(t, site, get)
			want, op := "dentry-leak", "dput"
			if get {
				want, op = "dput", "dget"
			}
			if fl == nil || fl.Check != want {
				t.Errorf("%s without its %s: failure %v, want %s", site, op, fl, want)
				continue
			}
			if !get && !strings.Contains(fl.Msg, "dentry reference(s) left") {
				t.Errorf("%s without its dput: %v", site, fl)
			}
		}
	}
}
