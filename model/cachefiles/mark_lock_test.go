package cachefiles

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// TestMarkUnderInodeLock: 6.12 sets and clears S_KERNEL_FILE on a backing
// file under the file's inode lock (cachefiles_mark_inode_in_use,
// cachefiles_do_unmark_inode_in_use, and cachefiles_cull's test-and-set on
// its victim), the lock a user unlink, rename or truncate of the file
// holds. A user process holds the file's lock (as vfs_unlink would, for a
// long time) while cachefiles marks or unmarks it: the mark or unmark
// must wait until the lock is let go. The model used to make the mark as
// one disk call without the lock, landing inside the user's critical
// section.
func TestMarkUnderInodeLock(t *testing.T) {
	cases := []struct {
		name string
		// inUse is the file's mark expected while the user holds the lock.
		inUse bool
		// act runs concurrently with the lock holder; ck is the object's
		// cookie, committed and released (open false) or in use (open true).
		open bool
		act  func(th *sim.Thread, c *Cache, vc *fscache.Volume, ck *fscache.Cookie, fan vfs.Ino, name string)
	}{
		{
			// cachefiles_open_file's mark of the file looked up.
			name: "open_file mark", inUse: false,
			act: func(th *sim.Thread, c *Cache, vc *fscache.Volume, ck *fscache.Cookie, fan vfs.Ino, name string) {
				ck2 := fscache.AcquireCookie(th, vc, 0, []byte("inode-1"), []byte("v1"), 8192)
				fscache.UseCookie(th, ck2, false)
			},
		},
		{
			// cachefiles_unmark_inode_in_use at the object's clean-up.
			name: "clean_up_object unmark", inUse: true, open: true,
			act: func(th *sim.Thread, c *Cache, vc *fscache.Volume, ck *fscache.Cookie, fan vfs.Ino, name string) {
				size := ck.ObjectSize
				fscache.UnuseCookie(th, ck, nil, &size)
				fscache.RelinquishCookie(th, ck, false)
			},
		},
		{
			// cachefiles_cull's test-and-set on its victim.
			name: "cull mark", inUse: false,
			act: func(th *sim.Thread, c *Cache, vc *fscache.Volume, ck *fscache.Cookie, fan vfs.Ino, name string) {
				if err := c.CullAt(th, fan, name); err != nil {
					th.Bug("test", "cull: %v", err)
				}
			},
		},
	}
	for _, tc := range cases {
		k := sim.New(sim.Options{Seed: 1, MaxSteps: 1 << 22})
		f := fscache.New(k, model.Bugs{})
		c := NewCacheFS(f, vfs.Options{Blocks: 4096, Inodes: 4096})
		cfg := DefaultConfig()
		cfg.RootDir = "/"
		phase := func(name string, fn func(th *sim.Thread)) {
			k.RunThread(k.Spawn(name, fn))
			k.RunUntilIdle()
			if fl := k.Failure(); fl != nil {
				t.Fatalf("%s: %s: %v", tc.name, name, fl)
			}
		}
		var vc *fscache.Volume
		var ck *fscache.Cookie
		var fan, ino vfs.Ino
		var name string
		phase("cachefilesd", func(th *sim.Thread) {
			if err := c.Bind(th, cfg, nil); err != nil {
				th.Bug("test", "bind: %v", err)
			}
		})
		phase("netfs", func(th *sim.Thread) {
			vc, _ = f.AcquireVolume(th, "afs,example.com,1000001a", "", nil)
			ck = fscache.AcquireCookie(th, vc, 0, []byte("inode-1"), []byte("v1"), 8192)
			fscache.UseCookie(th, ck, true)
		})
		phase("netfs", func(th *sim.Thread) {
			o := objectOf(ck)
			fan, name, ino = o.fanoutDir(th), o.dName, o.file.ino
			if !tc.open {
				size := ck.ObjectSize
				fscache.UnuseCookie(th, ck, nil, &size)
				fscache.RelinquishCookie(th, ck, false)
			}
		})
		if got := c.fs.InUse(ino); got != tc.open {
			t.Fatalf("%s: set-up: file in use %v", tc.name, got)
		}
		// The user takes the file's lock and keeps it for ten seconds;
		// cachefiles acts meanwhile.
		k.RunThread(k.Spawn("user", func(th *sim.Thread) {
			l := c.fs.ILock(ino)
			l.Lock(th)
			th.Sleep(10 * sim.Second)
			l.Unlock(th)
		}))
		k.RunThread(k.Spawn("kernel", func(th *sim.Thread) { tc.act(th, c, vc, ck, fan, name) }))
		k.RunUntilIdle()
		if fl := k.Failure(); fl != nil {
			t.Fatalf("%s: %v", tc.name, fl)
		}
		if got := c.fs.InUse(ino); got != tc.inUse {
			t.Errorf("%s: while the user holds the inode lock the file's in-use mark is %v, want %v (the mark was made without the lock)", tc.name, got, tc.inUse)
		}
		k.Close()
	}
}

// TestLookUpObjectMissTakesDirLock: cachefiles_look_up_object's
// lookup_positive_unlocked finds a name without the directory's lock (a
// dcache hit) but looks a miss up again under the directory's shared lock
// (lookup_slow), so a miss is never taken from inside a sequence a user
// (or cachefiles itself) runs with the fan-out directory locked. The
// object's file is gone and a user holds the fan-out directory's lock
// while the object is looked up: the lookup must wait, and make its
// tmpfile only after the lock is let go. The model used to look the name
// up without the lock and go on at once.
func TestLookUpObjectMissTakesDirLock(t *testing.T) {
	k := sim.New(sim.Options{Seed: 1, MaxSteps: 1 << 22})
	defer k.Close()
	f := fscache.New(k, model.Bugs{})
	c := NewCacheFS(f, vfs.Options{Blocks: 4096, Inodes: 4096})
	cfg := DefaultConfig()
	cfg.RootDir = "/"
	phase := func(name string, fn func(th *sim.Thread)) {
		k.RunThread(k.Spawn(name, fn))
		k.RunUntilIdle()
		if fl := k.Failure(); fl != nil {
			t.Fatalf("%s: %v", name, fl)
		}
	}
	var vc *fscache.Volume
	var ck *fscache.Cookie
	var fan vfs.Ino
	var name string
	phase("cachefilesd", func(th *sim.Thread) {
		if err := c.Bind(th, cfg, nil); err != nil {
			th.Bug("test", "bind: %v", err)
		}
	})
	phase("netfs", func(th *sim.Thread) {
		vc, _ = f.AcquireVolume(th, "afs,example.com,1000001a", "", nil)
		ck = fscache.AcquireCookie(th, vc, 0, []byte("inode-1"), []byte("v1"), 8192)
		fscache.UseCookie(th, ck, true)
	})
	phase("netfs", func(th *sim.Thread) {
		o := objectOf(ck)
		fan, name = o.fanoutDir(th), o.dName
		size := ck.ObjectSize
		fscache.UnuseCookie(th, ck, nil, &size)
		fscache.RelinquishCookie(th, ck, false)
	})
	if err := c.fs.Unlink(fan, name); err != nil {
		t.Fatalf("unlink the object's file: %v", err)
	}
	k.RunThread(k.Spawn("user", func(th *sim.Thread) {
		l := c.fs.ILock(fan)
		l.Lock(th)
		th.Sleep(10 * sim.Second)
		l.Unlock(th)
	}))
	k.RunThread(k.Spawn("netfs", func(th *sim.Thread) {
		ck = fscache.AcquireCookie(th, vc, 0, []byte("inode-1"), []byte("v1"), 8192)
		fscache.UseCookie(th, ck, true)
	}))
	k.RunUntilIdle()
	if fl := k.Failure(); fl != nil {
		t.Fatal(fl)
	}
	if o := objectOf(ck); o == nil || o.file != nil {
		t.Fatalf("while the user holds the fan-out directory's lock the object (%v) has its file: the lookup's miss did not wait for the lock", o != nil)
	}
	k.Run()
	if fl := k.Failure(); fl != nil {
		t.Fatal(fl)
	}
	if o := objectOf(ck); o == nil || o.file == nil {
		t.Fatal("after the lock was let go the object has no file")
	}
}
