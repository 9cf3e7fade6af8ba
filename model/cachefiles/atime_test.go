package cachefiles_test

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// TestOpenFileTouchesAtime: cachefiles_open_file updates the atime of a
// data file it has just looked up (touch_atime), since open and lookup do
// not and the daemon culls by atime. The file is written, released, and
// looked up again a second later with no read: its atime must be the time
// of the second lookup (relatime updates an atime not after the mtime).
func TestOpenFileTouchesAtime(t *testing.T) {
	k := sim.New(sim.Options{Seed: 1, MaxSteps: 1 << 22})
	defer k.Close()
	f := fscache.New(k, model.Bugs{})
	cf := cachefiles.NewCacheFS(f, vfs.Options{Blocks: 4096, Inodes: 4096, Now: k.Now})
	fs := cf.FS()
	const vkey = "afs,example.com,1000001a"
	key := []byte("inode-1")
	var v *fscache.Volume
	var c *fscache.Cookie
	run := func(fn func(th *sim.Thread)) {
		k.RunThread(k.Spawn("test", fn))
		for k.RunUntilIdle() && k.AdvanceClock() {
		}
		if fl := k.Failure(); fl != nil {
			t.Fatalf("failure: %v", fl)
		}
	}
	run(func(th *sim.Thread) {
		cfg := cachefiles.DefaultConfig()
		cfg.RootDir, cfg.Tag = "/", "mycache"
		if err := cf.Bind(th, cfg, nil); err != nil {
			t.Fatalf("bind: %v", err)
		}
		var err error
		if v, err = f.AcquireVolume(th, vkey, "mycache", nil); err != nil {
			t.Fatalf("acquire volume: %v", err)
		}
		c = fscache.AcquireCookie(th, v, 0, key, []byte("v1"), 4096)
		fscache.UseCookie(th, c, true)
		fscache.WriteToCache(th, c, 0, make([]byte, 4096), 4096, true, nil)
		fscache.UnuseCookie(th, c, nil, nil)
		fscache.RelinquishCookie(th, c, false)
	})
	name, _ := cachefiles.CookKey(key)
	stat := func() vfs.Stat {
		ino := fs.Root()
		for _, n := range []string{"cache", cachefiles.VolumeDirName(vkey), cachefiles.FanoutDirName(fscache.FanoutIndex(c.KeyHash)), name} {
			var err error
			if ino, err = fs.Lookup(ino, n); err != nil {
				t.Fatalf("lookup %s: %v", n, err)
			}
		}
		st, _ := fs.Stat(ino)
		return st
	}
	before := stat()
	var opened sim.Time
	run(func(th *sim.Thread) {
		th.Sleep(sim.Second)
		opened = k.Now()
		c = fscache.AcquireCookie(th, v, 0, key, []byte("v1"), 4096)
		fscache.UseCookie(th, c, false)
	})
	after := stat()
	if after.Atime != opened || opened <= before.Atime {
		t.Fatalf("atime %v before, %v after the lookup at %v: want the lookup's time", before.Atime, after.Atime, opened)
	}
}

// TestCookKeyTooLongBugs: a key of 253 to 255 bytes passes fscache's check
// (at most 255) and hits cachefiles_cook_key's BUG_ON(keylen > NAME_MAX -
// 3). The model reports the kernel BUG; it used to fail the lookup
// quietly, as if the allocation had failed.
func TestCookKeyTooLongBugs(t *testing.T) {
	for _, n := range []int{cachefiles.MaxCookedKeyLen, cachefiles.MaxCookedKeyLen + 1, 255} {
		k := sim.New(sim.Options{Seed: 1, MaxSteps: 1 << 22})
		f := fscache.New(k, model.Bugs{})
		cf := cachefiles.NewCacheFS(f, vfs.Options{Blocks: 4096, Inodes: 4096})
		k.Spawn("test", func(th *sim.Thread) {
			cfg := cachefiles.DefaultConfig()
			cfg.RootDir, cfg.Tag = "/", "mycache"
			if err := cf.Bind(th, cfg, nil); err != nil {
				t.Errorf("bind: %v", err)
				return
			}
			v, err := f.AcquireVolume(th, "afs,example.com,1000001a", "mycache", nil)
			if err != nil {
				t.Errorf("acquire volume: %v", err)
				return
			}
			key := make([]byte, n)
			for i := range key {
				key[i] = 'k'
			}
			c := fscache.AcquireCookie(th, v, 0, key, nil, 4096)
			fscache.UseCookie(th, c, true)
		})
		k.Run()
		fl := k.Failure()
		k.Close()
		bug := fl != nil && fl.Check == "BUG_ON"
		if bug != (n > cachefiles.MaxCookedKeyLen) {
			t.Errorf("key of %d bytes: failure %v, want a BUG_ON only over %d bytes", n, fl, cachefiles.MaxCookedKeyLen)
		}
	}
}
