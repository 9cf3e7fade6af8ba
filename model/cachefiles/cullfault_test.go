package cachefiles

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// TestCullDentryCheckNotFaulted: cachefiles_bury_object's check that the
// victim is still dir's child is a dentry check in the kernel, with no disk
// I/O. In the model it was a disk lookup, so a disk fault there made a cull
// return ESTALE ("Internal error") and leave its victim marked in use in a
// cache still live (random-disk, TestNoFalseAlarms seed 8017). With every
// disk lookup failing after the cull's own lookup of its victim, the cull
// now buries it.
func TestCullDentryCheckNotFaulted(t *testing.T) {
	k := sim.New(sim.Options{Seed: 1, MaxSteps: 1 << 20})
	defer k.Close()
	f := fscache.New(k, model.Bugs{})
	failFrom := -1 // the lookup decision from which every disk lookup fails
	lookups := 0
	opts := vfs.Options{Blocks: 4096, Inodes: 4096}
	opts.Decide = func(class string, p sim.Ratio) bool {
		if class != "lookup:EIO" {
			return false
		}
		lookups++
		return failFrom >= 0 && lookups >= failFrom
	}
	c := NewCache(vfs.New(opts), f)
	cfg := DefaultConfig()
	cfg.RootDir = "/"
	run := func(fn func(th *sim.Thread)) {
		k.RunThread(k.Spawn("test", fn))
		k.RunUntilIdle()
		if fl := k.Failure(); fl != nil {
			t.Fatalf("model failure: %v", fl)
		}
	}
	var vc *fscache.Volume
	var ck *fscache.Cookie
	run(func(th *sim.Thread) {
		if err := c.Bind(th, cfg, nil); err != nil {
			t.Fatalf("bind: %v", err)
		}
		vc, _ = f.AcquireVolume(th, "vol", "", nil)
	})
	run(func(th *sim.Thread) {
		ck = fscache.AcquireCookie(th, vc, 0, []byte("k"), []byte("a"), 4096)
		fscache.UseCookie(th, ck, true)
	})
	run(func(th *sim.Thread) {
		fscache.WriteToCache(th, ck, 0, make([]byte, 4096), 4096, true, nil)
		fscache.UnuseCookie(th, ck, nil, nil)
		fscache.RelinquishCookie(th, ck, false) // committed: linked in its fan-out dir
	})
	name, _ := CookKey([]byte("k"))
	dir := "/cache/" + VolumeDirName("vol") + "/" + FanoutDirName(fscache.FanoutIndex(ck.KeyHash))
	var cullErr error
	var victim vfs.Ino
	run(func(th *sim.Thread) {
		d, err := c.cwd(th, dir)
		if err != nil {
			t.Fatalf("cwd %s: %v", dir, err)
		}
		if victim, err = c.fs.Lookup(d, name); err != nil {
			t.Fatalf("the committed file: %v", err)
		}
		c.fs.SetFaults(vfs.Faults{Lookup: vfs.Rates{EIO: sim.Ratio{Num: 1, Den: 2}}})
		failFrom = lookups + 2 // the cull's own lookup passes, every later one fails
		cullErr = c.cull(th, d, name)
		c.fs.SetFaults(vfs.Faults{})
	})
	if cullErr != nil {
		t.Errorf("cull with the disk's lookups failing after its own: %v", cullErr)
	}
	if c.fs.InUse(victim) {
		t.Errorf("the cull's victim B=%x is left marked in use in a live cache (dead: %v)", uint64(victim), c.Dead())
	}
}
