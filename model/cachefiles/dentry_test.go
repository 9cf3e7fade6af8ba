package cachefiles

import (
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/model/vfsops"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// TestDentryRefsReleasedAtUnbind: a run that binds, caches one object and
// lets everything go ends with no dentry reference left (the check at
// unbind passes); a model that takes a directory reference it never drops
// (an extra cachefiles_get_directory) is caught by that check, and one
// that drops a reference twice (an extra cachefiles_put_directory) by
// dput.
func TestDentryRefsReleasedAtUnbind(t *testing.T) {
	if fl, _ := lifeWorld(t, nil); fl != nil {
		t.Fatalf("clean run: %v", fl)
	}
	var held []DentryRef
	fl, _ := lifeWorld(t, func(th *sim.Thread, c *Cache, vc *fscache.Volume, ck *fscache.Cookie) {
		held = c.Dentries()
		c.getDirectory(th, c.store, "extra")
	})
	// cache/, graveyard/, the volume, its 256 fan-out directories and the
	// object's file.
	if len(held) != 260 {
		t.Errorf("while cached: %d dentries referenced, want 260: %v", len(held), held)
	}
	if fl == nil || fl.Check != "dentry-leak" || !strings.Contains(fl.Msg, "1 dentry reference(s) left") {
		t.Errorf("extra get_directory: failure %v, want the unbind check's dentry-leak", fl)
	}
	fl, _ = lifeWorld(t, func(th *sim.Thread, c *Cache, vc *fscache.Volume, ck *fscache.Cookie) {
		c.putDirectory(th, c.graveyard)
	})
	if fl == nil || fl.Check != "dput" {
		t.Errorf("extra put_directory: failure %v, want dput of an unheld dentry", fl)
	}
}

// TestDentryDeadButParented: between cachefiles_put_directory's unmark and
// its dput, user space may rmdir the directory (it is no longer in use);
// the dentry is then dead but still referenced, with its parent, until
// the dput, which must not fail.
func TestDentryDeadButParented(t *testing.T) {
	k := sim.New(sim.Options{Seed: 1, MaxSteps: 1 << 16})
	defer k.Close()
	f := fscache.New(k, model.Bugs{})
	fs := NewFS(k, vfs.Options{Blocks: 1000, Inodes: 1000})
	c := NewCache(fs, f)
	var during []DentryRef
	k.RunThread(k.Spawn("test", func(th *sim.Thread) {
		dir, _, err := c.getDirectory(th, fs.Root(), "vol")
		if err != nil {
			th.Bug("test", "get_directory: %v", err)
		}
		if err := vfsops.Rmdirat(th, fs, fs.Root(), "vol"); err != vfs.EBUSY {
			th.Bug("test", "rmdir of a directory in use: %v, want EBUSY", err)
		}
		c.doUnmarkInodeInUse(th, nil, dir) // put_directory's first half
		if err := vfsops.Rmdirat(th, fs, fs.Root(), "vol"); err != nil {
			th.Bug("test", "rmdir once unmarked: %v", err)
		}
		during = c.Dentries()
		c.dput(th, dir) // and its second
	}))
	k.RunUntilIdle()
	if fl := k.Failure(); fl != nil {
		t.Fatal(fl)
	}
	if len(during) != 1 || !during[0].Dead || during[0].Parent != fs.Root() || during[0].Count != 1 {
		t.Errorf("after rmdir: %v, want one dead dentry parented in the root with one reference", during)
	}
	if d := c.Dentries(); len(d) != 0 {
		t.Errorf("after dput: %v left", d)
	}
}
