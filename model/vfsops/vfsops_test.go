package vfsops_test

import (
	"slices"
	"testing"

	"github.com/fscachesim/fscachesim/model/vfsops"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// newFS is a virtual disk whose every operation is a scheduling point of
// the calling thread, as cachefiles.NewFS wires it.
func newFS(k *sim.Kernel) *vfs.FS {
	return vfs.New(vfs.Options{Blocks: 1000, Inodes: 1000, Wait: func(string, sim.Time) {
		if t := k.Current(); t != nil {
			t.Sleep(0)
		}
	}})
}

// TestSyscallsWaitForDirLock: a "kernel" thread runs a two-step sequence
// under a directory's lock (make an entry, then remove it), as cachefiles
// does under inode_lock; a user-space call through the syscall layer must
// never see or disturb the intermediate state. The same call made on the
// disk directly (the daemon before the syscall layer) does, in some seed:
// that proves each case can fail.
func TestSyscallsWaitForDirLock(t *testing.T) {
	type user func(th *sim.Thread, fs *vfs.FS, dir, other vfs.Ino) (sawMiddle bool)
	cases := []struct {
		name           string
		dirEntry       bool // the kernel's entry is a directory
		locked, direct user
	}{
		{"getdents", false,
			func(th *sim.Thread, fs *vfs.FS, dir, _ vfs.Ino) bool {
				ents, _ := vfsops.Getdents(th, fs, dir)
				return slices.ContainsFunc(ents, func(e vfs.Dirent) bool { return e.Name == "x" })
			},
			func(th *sim.Thread, fs *vfs.FS, dir, _ vfs.Ino) bool {
				ents, _ := fs.Readdir(dir)
				return slices.ContainsFunc(ents, func(e vfs.Dirent) bool { return e.Name == "x" })
			}},
		{"unlinkat", false,
			func(th *sim.Thread, fs *vfs.FS, dir, _ vfs.Ino) bool {
				return vfsops.Unlinkat(th, fs, dir, "x") == nil
			},
			func(th *sim.Thread, fs *vfs.FS, dir, _ vfs.Ino) bool { return fs.Unlink(dir, "x") == nil }},
		{"rmdir", true,
			func(th *sim.Thread, fs *vfs.FS, dir, _ vfs.Ino) bool {
				return vfsops.Rmdirat(th, fs, dir, "x") == nil
			},
			func(th *sim.Thread, fs *vfs.FS, dir, _ vfs.Ino) bool { return fs.Rmdir(dir, "x") == nil }},
		{"renameat", false,
			func(th *sim.Thread, fs *vfs.FS, dir, other vfs.Ino) bool {
				return vfsops.Renameat(th, fs, dir, "x", other, "y") == nil
			},
			func(th *sim.Thread, fs *vfs.FS, dir, other vfs.Ino) bool {
				return fs.Rename(dir, "x", other, "y") == nil
			}},
	}
	run := func(seed uint64, dirEntry bool, u user) bool {
		k := sim.New(sim.Options{Seed: seed, MaxSteps: 1 << 16})
		defer k.Close()
		fs := newFS(k)
		dir, _ := fs.Mkdir(fs.Root(), "dir", 0o700)
		other, _ := fs.Mkdir(fs.Root(), "graveyard", 0o700)
		saw := false
		k.Spawn("kernel", func(th *sim.Thread) {
			l := fs.ILock(dir)
			l.Lock(th)
			if dirEntry {
				fs.Mkdir(dir, "x", 0o700)
				if fs.Rmdir(dir, "x") != nil {
					saw = true
				}
			} else {
				f, _ := fs.Create(dir, "x", 0o600)
				fs.Close(f)
				if fs.Unlink(dir, "x") != nil {
					saw = true
				}
			}
			l.Unlock(th)
		})
		k.Spawn("user", func(th *sim.Thread) {
			if u(th, fs, dir, other) {
				saw = true
			}
		})
		k.Run()
		if fl := k.Failure(); fl != nil {
			t.Fatalf("seed %d: %v", seed, fl)
		}
		return saw
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			caught := false
			for seed := uint64(1); seed <= 200; seed++ {
				if run(seed, c.dirEntry, c.locked) {
					t.Fatalf("seed %d: the syscall saw or disturbed the locked sequence", seed)
				}
				caught = caught || run(seed, c.dirEntry, c.direct)
			}
			if !caught {
				t.Fatalf("the direct disk call never landed inside the locked sequence in 200 seeds: the test cannot fail")
			}
		})
	}
}

// TestLockRenameOrder checks lock_rename's order — the ancestor first
// when one directory is an ancestor of the other, else p1 then p2 — by
// deadlock: a thread that takes the two directory locks in the kernel's
// order never deadlocks against LockRename, in any of 100 schedules; one
// that takes them in the other order does, in some schedule (which shows
// the check can fail).
func TestLockRenameOrder(t *testing.T) {
	cases := []struct {
		name          string
		p1, p2        string
		first, second string
	}{
		{"siblings: p1 first", "b", "a", "b", "a"},
		{"siblings swapped", "a", "b", "a", "b"},
		{"p2 ancestor of p1: p2 first", "a/sub", "a", "a", "a/sub"},
		{"p1 ancestor of p2: p1 first", "a", "a/sub", "a", "a/sub"},
	}
	deadlocks := func(c struct{ name, p1, p2, first, second string }, seed uint64, first, second string) bool {
		k := sim.New(sim.Options{Seed: seed, MaxSteps: 1 << 16})
		defer k.Close()
		fs := newFS(k)
		ino := map[string]vfs.Ino{}
		ino["a"], _ = fs.Mkdir(fs.Root(), "a", 0o700)
		ino["b"], _ = fs.Mkdir(fs.Root(), "b", 0o700)
		ino["a/sub"], _ = fs.Mkdir(ino["a"], "sub", 0o700)
		k.Spawn("renamer", func(th *sim.Thread) {
			unlock := vfsops.LockRename(th, fs, ino[c.p1], ino[c.p2])
			unlock()
		})
		k.Spawn("other", func(th *sim.Thread) {
			l1, l2 := fs.ILock(ino[first]), fs.ILock(ino[second])
			l1.Lock(th)
			l2.Lock(th)
			l2.Unlock(th)
			l1.Unlock(th)
		})
		k.Run()
		return k.Failure() != nil
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cc := struct{ name, p1, p2, first, second string }{c.name, c.p1, c.p2, c.first, c.second}
			reversed := false
			for seed := uint64(1); seed <= 100; seed++ {
				if deadlocks(cc, seed, c.first, c.second) {
					t.Fatalf("seed %d: LockRename(%s, %s) deadlocked against %s-then-%s", seed, c.p1, c.p2, c.first, c.second)
				}
				reversed = reversed || deadlocks(cc, seed, c.second, c.first)
			}
			if !reversed {
				t.Fatalf("the reverse order never deadlocked in 100 seeds: the test cannot fail")
			}
		})
	}
}
