package cachefilesd

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/vfsops"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// tableNames lists a cull table's object names, newest first.
func tableNames(tab []*object) []string {
	var out []string
	for _, o := range tab {
		out = append(out, o.name)
	}
	return out
}

// TestDaemonScansFromStart: cachefilesd 0.10.10 scans the cache from its
// start, whether or not the kernel wants culling: the objects not in use
// end in the ready table, oldest last, and nothing is culled while the
// state line says cull=0. The scan does not fill the table, so it is
// suspended: no second scan without released files.
func TestDaemonScansFromStart(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		m := newMachine(seed)
		fan := m.mkdirAll("/c/cache/Ivol/@00")
		m.mkdirAll("/c/graveyard")
		var inos []vfs.Ino
		for i, at := range []int{5, 2, 9, 1} {
			inos = append(inos, m.file(fan, fmt.Sprintf("D%d", i), sim.Time(at)*sim.Second))
		}
		m.fs.SetInUse(inos[2]) // D2 is open in the cache
		cache := &diskCache{fs: m.fs, maxInodes: 100}
		d := New(mustConf(t, "dir /c\n"), m.fs, m.dev, func() cachefiles.CacheOps { return cache }, Options{})
		m.live = true
		m.k.Spawn("cachefilesd", d.Run)
		var ready []string
		m.k.Spawn("admin", func(t *sim.Thread) {
			if d.WaitBound(t) != nil {
				return
			}
			t.Sleep(10 * sim.Second)
			ready = tableNames(d.ready)
			d.Stop(t)
		})
		if res := m.k.Run(); res.Failure != nil {
			t.Fatalf("seed %d: %v", seed, res.Failure)
		}
		if d.Err() != nil {
			t.Fatalf("seed %d: %v", seed, d.Err())
		}
		if want := []string{"D0", "D1", "D3"}; !slices.Equal(ready, want) {
			t.Fatalf("seed %d: ready table %q, want %q (newest first)", seed, ready, want)
		}
		if d.Scans != 1 || len(d.Culled) != 0 || len(d.Busy) != 0 {
			t.Fatalf("seed %d: %d scans, culled %q busy %q", seed, d.Scans, d.Culled, d.Busy)
		}
		for _, c := range cache.calls {
			if strings.HasPrefix(c, "Cull") {
				t.Fatalf("seed %d: a cull with cull=0: %q", seed, cache.calls)
			}
		}
	}
}

// TestCullTableOrder checks insert_into_cull_table and decant_cull_table
// on a small table (the conf's minimum is 4096 entries): newest first,
// ties after the entries already there, a full table displacing its
// newest for an older object, and a decant moving the build table's
// oldest into the front of the ready table as far as there is room.
func TestCullTableOrder(t *testing.T) {
	d := &Daemon{size: 4}
	d.root.usage = 2
	mk := func(name string, atime int64) *object {
		o := &object{parent: &d.root, name: name, atime: atime, usage: 1}
		d.root.usage++
		return o
	}
	for _, o := range []*object{mk("a", 5), mk("b", 3), mk("c", 8), mk("d", 5)} {
		if err := d.insertIntoCullTable(o); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := tableNames(d.build), []string{"c", "a", "d", "b"}; !slices.Equal(got, want) {
		t.Fatalf("build %q, want %q", got, want)
	}
	// Full: a newer object than the newest is refused; an older one
	// displaces the newest (c, put back to one user).
	c := d.build[0]
	d.insertIntoCullTable(mk("e", 9))
	d.insertIntoCullTable(mk("f", 4))
	if got, want := tableNames(d.build), []string{"a", "d", "f", "b"}; !slices.Equal(got, want) {
		t.Fatalf("build %q, want %q", got, want)
	}
	if c.usage != 1 {
		t.Fatalf("displaced object has %d users, want 1", c.usage)
	}
	// An object as old as the oldest goes last (after it).
	d.insertIntoCullTable(mk("g", 3))
	if got, want := tableNames(d.build), []string{"d", "f", "b", "g"}; !slices.Equal(got, want) {
		t.Fatalf("build %q, want %q", got, want)
	}
	// Decant into an empty ready table: everything moves.
	if err := d.decantCullTable(); err != nil {
		t.Fatal(err)
	}
	if len(d.build) != 0 || !slices.Equal(tableNames(d.ready), []string{"d", "f", "b", "g"}) || d.ncullable != 4 {
		t.Fatalf("after decant: build %q ready %q cullable %d", tableNames(d.build), tableNames(d.ready), d.ncullable)
	}
	// Cull two (the oldest), then decant three with room for two: the
	// two oldest of the build table go in front of the ready table.
	d.ready = d.ready[:2]
	for _, o := range []*object{mk("h", 7), mk("i", 6), mk("j", 2)} {
		d.insertIntoCullTable(o)
	}
	d.decantCullTable()
	if got, want := tableNames(d.ready), []string{"i", "j", "d", "f"}; !slices.Equal(got, want) {
		t.Fatalf("ready %q, want %q", got, want)
	}
	if got := tableNames(d.build); !slices.Equal(got, []string{"h"}) {
		t.Fatalf("build %q, want [h]", got)
	}
}

// TestDaemonReapsOnDnotify: the daemon sleeping in ppoll is woken by the
// SIGIO of its one-shot F_NOTIFY on the graveyard when the kernel moves a
// directory in, reaps it and arms the notification again; at its exit the
// watch is gone. (Before 0.10.10's dnotify was modelled, the daemon reaped
// only before each sleep: a grave arriving during the sleep stayed.)
func TestDaemonReapsOnDnotify(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		m := newMachine(seed)
		vol := m.mkdirAll("/c/cache/Ivol")
		grave := m.mkdirAll("/c/graveyard")
		m.mkdirAll("/c/cache/Ivol/@00/sub")
		m.mkdirAll("/c/cache/Ivol/@01")
		cache := &diskCache{fs: m.fs, maxInodes: 100}
		d := New(mustConf(t, "dir /c\n"), m.fs, m.dev, func() cachefiles.CacheOps { return cache }, Options{NoCull: true})
		m.live = true
		m.k.Spawn("cachefilesd", d.Run)
		var left [2]int
		m.k.Spawn("kernel", func(t *sim.Thread) {
			if d.WaitBound(t) != nil {
				return
			}
			for i, name := range []string{"@00", "@01"} {
				t.Sleep(5 * sim.Second) // the daemon sleeps in ppoll
				// cachefiles_bury_object: lock_rename, vfs_rename.
				if err := vfsops.Renameat(t, m.fs, vol, name, grave, fmt.Sprintf("grave%d", i)); err != nil {
					t.Bug("test", "rename: %v", err)
				}
				t.Sleep(5 * sim.Second)
				g, _ := m.fs.Readdir(grave)
				left[i] = len(g)
			}
			d.Stop(t)
		})
		if res := m.k.Run(); res.Failure != nil {
			t.Fatalf("seed %d: %v", seed, res.Failure)
		}
		if d.Err() != nil {
			t.Fatalf("seed %d: %v", seed, d.Err())
		}
		if left != [2]int{0, 0} {
			t.Fatalf("seed %d: graves left after each burial: %v", seed, left)
		}
		if d.watch.Armed() {
			t.Fatalf("seed %d: the graveyard watch outlived the daemon", seed)
		}
	}
}

// TestDaemonGoneGrandparent: cachefilesd 0.10.10's get_dir_fd gives -1
// for a directory that is gone and passes it, unchecked, to the openat of
// the next directory down, which fails with EBADF: the daemon exits (and
// its exit withdraws the cache). Reached when the kernel buries a volume
// directory (a stale volume) while objects under it sit in the ready
// table and the kernel then asks for culling.
func TestDaemonGoneGrandparent(t *testing.T) {
	m := newMachine(3)
	cacheDir := m.mkdirAll("/c/cache")
	grave := m.mkdirAll("/c/graveyard")
	fan := m.mkdirAll("/c/cache/Ivol/@00")
	m.file(fan, "Dold", sim.Second)
	cache := &diskCache{fs: m.fs, maxInodes: 100}
	d := New(mustConf(t, "dir /c\n"), m.fs, m.dev, func() cachefiles.CacheOps { return cache }, Options{})
	m.live = true
	m.k.Spawn("cachefilesd", d.Run)
	m.k.Spawn("kernel", func(t *sim.Thread) {
		if d.WaitBound(t) != nil {
			return
		}
		t.Sleep(5 * sim.Second) // scanned: Dold is in the ready table
		if err := vfsops.Renameat(t, m.fs, cacheDir, "Ivol", grave, "stale"); err != nil {
			t.Bug("test", "rename: %v", err)
		}
		t.Sleep(5 * sim.Second)
		cache.maxInodes = 1 // the cache runs short of files
		cache.hasSpace(t)
		d.WaitExit(t)
	})
	if res := m.k.Run(); res.Failure != nil {
		t.Fatal(res.Failure)
	}
	want := "Failed to open directory: errno 9 (Bad file descriptor)"
	if d.Err() == nil || d.Err().Error() != want {
		t.Fatalf("daemon error %v, want %s", d.Err(), want)
	}
	if m.dev.IsOpen() || !slices.Contains(cache.calls, "Unbind") {
		t.Fatalf("the daemon's exit did not release the cache: %q", cache.calls)
	}
}

// TestDaemonSkipsUsedObjects: an object used after the scan tabled it is
// not culled: cull_object stats it again and compares the atime (whole
// seconds, as time_t), drops it from the table and the next cull takes
// the next oldest.
func TestDaemonSkipsUsedObjects(t *testing.T) {
	m := newMachine(5)
	fan := m.mkdirAll("/c/cache/Ivol/@00")
	m.mkdirAll("/c/graveyard")
	a := m.file(fan, "Da", sim.Second)
	m.file(fan, "Db", 2*sim.Second)
	cache := &releasingCache{diskCache: diskCache{fs: m.fs, maxInodes: 100}}
	d := New(mustConf(t, "dir /c\n"), m.fs, m.dev, func() cachefiles.CacheOps { return cache }, Options{})
	m.live = true
	m.k.Spawn("cachefilesd", d.Run)
	var before []string
	m.k.Spawn("kernel", func(t *sim.Thread) {
		if d.WaitBound(t) != nil {
			return
		}
		t.Sleep(5 * sim.Second)
		before = tableNames(d.ready)
		// Da, the oldest, is read now (relatime: its atime was not
		// after its mtime, so it moves).
		f, _ := m.fs.Open(a)
		m.fs.Read(f, 0, 1)
		m.fs.Close(f)
		cache.maxInodes = 1
		cache.hasSpace(t)
		t.Sleep(5 * sim.Second)
		d.Stop(t)
	})
	if res := m.k.Run(); res.Failure != nil {
		t.Fatal(res.Failure)
	}
	if d.Err() != nil {
		t.Fatal(d.Err())
	}
	if !slices.Equal(before, []string{"Db", "Da"}) {
		t.Fatalf("ready table before the cull %q", before)
	}
	if !slices.Equal(d.Culled, []string{"/c/cache/Ivol/@00/Db"}) {
		t.Fatalf("culled %q, want only Db: Da was used after the scan", d.Culled)
	}
	if _, err := m.fs.Lookup(fan, "Da"); err != nil {
		t.Fatalf("Da: %v", err)
	}
}

// TestDaemonReapErrorIsFatal: reap_graveyard_aux exits on any rmdir
// error, as 0.10.10 does (the model used to leave the directory for the
// next reap): a graveyard directory still marked in use ends the daemon.
func TestDaemonReapErrorIsFatal(t *testing.T) {
	m := newMachine(1)
	m.mkdirAll("/c/cache")
	g := m.mkdirAll("/c/graveyard/busy")
	m.fs.SetInUse(g)
	cache := &diskCache{fs: m.fs, maxInodes: 100}
	d := New(mustConf(t, "dir /c\n"), m.fs, m.dev, func() cachefiles.CacheOps { return cache }, Options{})
	m.live = true
	m.k.Spawn("cachefilesd", d.Run)
	if res := m.k.Run(); res.Failure != nil {
		t.Fatal(res.Failure)
	}
	want := "Unable to remove dir busy: errno 16 (Device or resource busy)"
	if d.Err() == nil || d.Err().Error() != want {
		t.Fatalf("daemon error %v, want %s", d.Err(), want)
	}
}
