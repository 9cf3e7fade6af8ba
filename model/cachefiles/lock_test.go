package cachefiles

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/model/vfsops"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// TestGetDirectoryHoldsSubdirLock races cachefiles_get_directory on an
// existing directory against a user-space rmdir(2) of it (through the
// syscall layer, which locks the parent and then the victim as do_rmdir
// and vfs_rmdir do). The kernel takes the subdirectory's lock before it
// drops the parent's and marks the directory in use under it, so the rmdir
// comes either before the lookup (the kernel makes a new directory) or
// after the mark (EBUSY): get_directory always succeeds and returns the
// directory the name holds, marked in use. Dropping the parent's lock
// first lets the rmdir remove the directory between the lookup and the
// mark, and the mark then fails (or marks a dead inode).
func TestGetDirectoryHoldsSubdirLock(t *testing.T) {
	outcomes := map[string]int{}
	for seed := uint64(1); seed <= 300; seed++ {
		var strat sim.Strategy = &sched.RandomWalk{}
		if seed%2 == 0 {
			strat = &sched.PCT{Depth: 3}
		}
		k := sim.New(sim.Options{Seed: seed, Strategy: strat, MaxSteps: 1 << 16})
		f := fscache.New(k, model.Bugs{})
		fs := NewFS(k, vfs.Options{Blocks: 1000, Inodes: 1000})
		c := NewCache(fs, f)
		if _, err := fs.Mkdir(fs.Root(), "vol", 0o700); err != nil {
			t.Fatal(err)
		}
		var got vfs.Ino
		var gerr, rerr error
		k.Spawn("kernel", func(th *sim.Thread) { got, _, gerr = c.getDirectory(th, fs.Root(), "vol") })
		k.Spawn("rmdir", func(th *sim.Thread) { rerr = vfsops.Rmdirat(th, fs, fs.Root(), "vol") })
		k.Run()
		if fl := k.Failure(); fl != nil {
			t.Fatalf("seed %d: %v", seed, fl)
		}
		k.Close()
		if gerr != nil {
			t.Fatalf("seed %d: get_directory failed with %v (rmdir: %v): the rmdir came between the lookup and the mark", seed, gerr, rerr)
		}
		cur, err := fs.Lookup(fs.Root(), "vol")
		if err != nil || cur != got || !fs.InUse(got) {
			t.Fatalf("seed %d: get_directory gave B=%x, the name holds %d (%v), in use %v", seed, uint64(got), cur, err, fs.InUse(got))
		}
		outcomes[fmt.Sprint(rerr)]++
	}
	// Both orders must have been explored, or the test proves nothing.
	if outcomes["<nil>"] == 0 || outcomes["EBUSY"] == 0 {
		t.Fatalf("outcomes of the rmdir %v: want both <nil> (before the lookup) and EBUSY (after the mark)", outcomes)
	}
}

// TestSyncCacheTracepoints: cachefiles_sync_cache emits no tracepoint of
// its own; a failed sync (here EIO from a crashed disk at the withdrawal)
// is only logged as an I/O error. The model used to emit a
// "cachefiles_vfs_error ... syncfs" line, which the kernel never does (no
// such member in cachefiles_error_traces).
func TestSyncCacheTracepoints(t *testing.T) {
	var lines []string
	k := sim.New(sim.Options{Seed: 1, MaxSteps: 1 << 20, OnEvent: func(k *sim.Kernel, e *sim.Event) {
		lines = append(lines, e.Text())
	}})
	defer k.Close()
	f := fscache.New(k, model.Bugs{})
	fs := NewFS(k, vfs.Options{Blocks: 1000, Inodes: 1000})
	c := NewCache(fs, f)
	cfg := DefaultConfig()
	cfg.RootDir = "/"
	k.RunThread(k.Spawn("daemon", func(th *sim.Thread) {
		if err := c.Bind(th, cfg, nil); err != nil {
			t.Errorf("bind: %v", err)
			return
		}
		c.Crash(th, 0)
		lines = lines[:0]
		c.Unbind(th)
	}))
	k.RunUntilIdle()
	sawIOError := false
	for _, l := range lines {
		if strings.Contains(l, "syncfs") {
			t.Errorf("sync_cache emitted %q", l)
		}
		sawIOError = sawIOError || strings.Contains(l, "Attempt to sync backing fs superblock returned error -5")
	}
	if !sawIOError {
		t.Errorf("the failed sync was not logged as an I/O error: %q", lines)
	}
}

// TestGraveyardRetryBoundIsLiveness: cachefiles_bury_object retries a
// taken graveyard name without bound; the model bounds the loop and must
// report hitting the bound as a liveness failure (it used to return EIO
// quietly). Every name the first graveyardBound tries would pick is taken
// beforehand.
func TestGraveyardRetryBoundIsLiveness(t *testing.T) {
	k := sim.New(sim.Options{Seed: 1, MaxSteps: 1 << 20})
	defer k.Close()
	f := fscache.New(k, model.Bugs{})
	fs := NewFS(k, vfs.Options{Blocks: 1000, Inodes: 1000})
	c := NewCache(fs, f)
	cfg := DefaultConfig()
	cfg.RootDir = "/"
	var cullErr error
	k.RunThread(k.Spawn("daemon", func(th *sim.Thread) {
		if err := c.Bind(th, cfg, nil); err != nil {
			t.Errorf("bind: %v", err)
			return
		}
		if _, err := fs.Mkdir(c.store, "Ivictim", 0o700); err != nil {
			t.Errorf("mkdir: %v", err)
			return
		}
		for n := 1; n <= graveyardBound; n++ {
			if _, err := fs.Mkdir(c.graveyard, fmt.Sprintf("%08x%08x", 0, n), 0o700); err != nil {
				t.Errorf("grave %d: %v", n, err)
				return
			}
		}
		cullErr = c.cull(th, c.store, "Ivictim")
	}))
	k.RunUntilIdle()
	fl := k.Failure()
	if fl == nil || fl.Class != sim.FailLiveness || fl.Check != "graveyard-retry-bound" {
		t.Fatalf("failure %v (cull returned %v), want the graveyard-retry-bound liveness failure", fl, cullErr)
	}
}

// TestCwdIsAnInode: the daemon's working directory is the inode it
// changed to (fchdir; the kernel's get_fs_pwd), not a path resolved again
// at each command. After the directory is renamed, "cull" still acts in
// it; resolving the old path (what the device did) gives ENOTDIR.
func TestCwdIsAnInode(t *testing.T) {
	for _, byIno := range []bool{true, false} {
		k := sim.New(sim.Options{Seed: 1, MaxSteps: 1 << 20})
		f := fscache.New(k, model.Bugs{})
		fs := NewFS(k, vfs.Options{Blocks: 1000, Inodes: 1000})
		c := NewCache(fs, f)
		var cullErr error
		k.Spawn("cachefilesd", func(th *sim.Thread) {
			file, err := NewDevice().Open(th, func() CacheOps { return c })
			if err != nil {
				t.Errorf("open: %v", err)
				return
			}
			for _, cmd := range []string{"dir /", "bind"} {
				if _, err := file.Write(th, []byte(cmd)); err != nil {
					t.Errorf("%s: %v", cmd, err)
					return
				}
			}
			dir, _ := fs.Mkdir(c.store, "Ivol", 0o700)
			g, _ := fs.Create(dir, "Dx", 0o600)
			fs.Close(g)
			file.Chdir("/cache/Ivol")
			if byIno {
				file.Fchdir(dir)
			}
			if err := vfsops.Renameat(th, fs, c.store, "Ivol", c.store, "Ivol2"); err != nil {
				t.Errorf("rename: %v", err)
			}
			_, cullErr = file.Write(th, []byte("cull Dx"))
			file.Release(th)
		})
		k.Run()
		if fl := k.Failure(); fl != nil {
			t.Fatalf("failure: %v", fl)
		}
		k.Close()
		if want := map[bool]error{true: nil, false: vfs.ENOTDIR}[byIno]; cullErr != want {
			t.Errorf("cwd by inode %v: cull returned %v, want %v", byIno, cullErr, want)
		}
	}
}
