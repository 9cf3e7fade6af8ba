package cachefilesd

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// diskCache is a fake cache backend on the virtual disk, just enough for
// the daemon: bind makes cache/ and graveyard/, culling is on while more
// than maxInodes inodes are in use, cull unlinks a file (or buries a
// directory) unless it carries the in-use mark.
type diskCache struct {
	fs        *vfs.FS
	maxInodes int64
	bindErr   error

	notify  func(t *sim.Thread)
	root    string
	culling bool
	calls   []string
}

func (c *diskCache) walk(path string) (vfs.Ino, error) {
	ino := c.fs.Root()
	for _, p := range strings.Split(path, "/") {
		if p == "" {
			continue
		}
		next, err := c.fs.Lookup(ino, p)
		if err != nil {
			return 0, err
		}
		ino = next
	}
	return ino, nil
}

func (c *diskCache) used() int64 {
	st, _ := c.fs.Statfs()
	return st.Files - st.Ffree
}

// hasSpace recomputes CULLING and notifies the daemon when it flips.
func (c *diskCache) hasSpace(t *sim.Thread) {
	want := c.used() > c.maxInodes
	if want != c.culling {
		c.culling = want
		c.notify(t)
	}
}

func (c *diskCache) Bind(t *sim.Thread, cfg cachefiles.Config, notify func(t *sim.Thread)) error {
	c.calls = append(c.calls, "Bind "+cfg.RootDir)
	if c.bindErr != nil {
		return c.bindErr
	}
	root, err := c.walk(cfg.RootDir)
	if err != nil {
		return err
	}
	for _, d := range []string{"cache", "graveyard"} {
		if _, err := c.fs.Lookup(root, d); err == vfs.ENOENT {
			c.fs.Mkdir(root, d, 0o700)
		}
	}
	c.notify, c.root = notify, cfg.RootDir
	c.hasSpace(t)
	return nil
}

func (c *diskCache) Unbind(t *sim.Thread) { c.calls = append(c.calls, "Unbind") }

func (c *diskCache) lookup(dir, name string) (vfs.Ino, vfs.Ino, error) {
	d, err := c.walk(dir)
	if err != nil {
		return 0, 0, vfs.EIO
	}
	ino, err := c.fs.Lookup(d, name)
	if err != nil {
		return 0, 0, err
	}
	if c.fs.InUse(ino) {
		return 0, 0, vfs.EBUSY
	}
	return d, ino, nil
}

func (c *diskCache) Cull(t *sim.Thread, dir, name string) error {
	c.calls = append(c.calls, "Cull "+dir+"/"+name)
	d, ino, err := c.lookup(dir, name)
	if err != nil {
		return err
	}
	if st, _ := c.fs.Stat(ino); st.IsDir() {
		g, _ := c.walk(c.root + "/graveyard")
		err = c.fs.Rename(d, name, g, fmt.Sprintf("grave%d", ino))
	} else {
		err = c.fs.Unlink(d, name)
	}
	if err != nil {
		return vfs.EIO
	}
	c.hasSpace(t)
	return nil
}

func (c *diskCache) Inuse(t *sim.Thread, dir, name string) error {
	_, _, err := c.lookup(dir, name)
	return err
}

func (c *diskCache) Status(t *sim.Thread) (cachefiles.Status, error) {
	c.hasSpace(t)
	return cachefiles.Status{Culling: c.culling}, nil
}

func (c *diskCache) Culling() bool { return c.culling }

// machine is a kernel, its control device and a virtual disk whose
// operations are scheduling points once the threads run.
type machine struct {
	k     *sim.Kernel
	fs    *vfs.FS
	dev   *cachefiles.Device
	clock sim.Time // the disk's clock before the run
	live  bool
}

func newMachine(seed uint64) *machine {
	m := &machine{k: sim.New(sim.Options{Seed: seed, MaxSteps: 1 << 18}), dev: cachefiles.NewDevice()}
	m.fs = vfs.New(vfs.Options{
		Now: func() sim.Time {
			if m.live {
				return m.k.Now()
			}
			return m.clock
		},
		Wait: func(class string, delay sim.Time) {
			if th := m.k.Current(); m.live && th != nil {
				th.Sleep(delay)
			}
		},
	})
	return m
}

func (m *machine) mkdirAll(path string) vfs.Ino {
	ino := m.fs.Root()
	for _, p := range strings.Split(strings.Trim(path, "/"), "/") {
		next, err := m.fs.Lookup(ino, p)
		if err == vfs.ENOENT {
			next, err = m.fs.Mkdir(ino, p, 0o755)
		}
		if err != nil {
			panic(err)
		}
		ino = next
	}
	return ino
}

// file creates dir/name at the given time with a little data.
func (m *machine) file(dir vfs.Ino, name string, at sim.Time) vfs.Ino {
	m.clock = at
	f, err := m.fs.Create(dir, name, 0o600)
	if err != nil {
		panic(err)
	}
	m.fs.Write(f, 0, []byte("data"))
	m.fs.Close(f)
	return f.Ino()
}

// read reads a file at the given time (the atime moves under relatime).
func (m *machine) read(ino vfs.Ino, at sim.Time) {
	m.clock = at
	f, _ := m.fs.Open(ino)
	m.fs.Read(f, 0, 4)
	m.fs.Close(f)
}

func mustConf(t *testing.T, s string) *Conf {
	t.Helper()
	c, err := ParseConf("cachefilesd.conf", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDaemonCulls runs the daemon against a cache over its culling
// threshold, under many schedules: it must cull the least recently used
// objects that are not in use, and nothing else, then sleep until it is
// stopped and release the device.
func TestDaemonCulls(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		m := newMachine(seed)
		fan := m.mkdirAll("/var/cache/fscache/cache/Ivol/@00")
		m.mkdirAll("/var/cache/fscache/cache/Iempty/@01")
		m.mkdirAll("/var/cache/fscache/graveyard/old/sub")
		cacheDir, _ := m.fs.Lookup(m.mkdirAll("/var/cache/fscache"), "cache")
		m.file(cacheDir, "junk", 0) // not a cachefiles name: destroyed
		graveDir := m.mkdirAll("/var/cache/fscache/graveyard")
		m.file(graveDir, "Dburied", 0)
		var inos []vfs.Ino
		for i := 1; i <= 6; i++ {
			inos = append(inos, m.file(fan, fmt.Sprintf("D%d", i), sim.Time(i)*sim.Second))
		}
		m.read(inos[0], 10*sim.Second) // D1 is now the most recently used
		m.fs.SetInUse(inos[1])         // D2 is open in the cache
		// 20 inodes: root, var, cache, fscache, cache, graveyard, old,
		// sub, Ivol, @00, Iempty, @01, junk, Dburied, D1..D6. The reap
		// takes 3, the scan 2 (junk, the empty @01); three culls reach 12.
		cache := &diskCache{fs: m.fs, maxInodes: 12}
		d := New(mustConf(t, "dir /var/cache/fscache\n"), m.fs, m.dev,
			func() cachefiles.CacheOps { return cache }, Options{})
		m.live = true
		m.k.Spawn("cachefilesd", d.Run)
		m.k.Spawn("admin", func(t *sim.Thread) {
			if err := d.WaitBound(t); err != nil {
				return
			}
			t.Sleep(10 * sim.Second)
			d.Stop(t)
		})
		res := m.k.Run()
		if res.Failure != nil || res.Outcome != sim.OutcomePass {
			t.Fatalf("seed %d: %v %v", seed, res.Outcome, res.Failure)
		}
		if d.Err() != nil {
			t.Fatalf("seed %d: daemon error %v", seed, d.Err())
		}
		fanPath := "/var/cache/fscache/cache/Ivol/@00/"
		want := []string{fanPath + "D3", fanPath + "D4", fanPath + "D5"}
		if !slices.Equal(d.Culled, want) {
			t.Fatalf("seed %d: culled %q, want %q (busy %q)", seed, d.Culled, want, d.Busy)
		}
		left, _ := m.fs.Readdir(fan)
		var names []string
		for _, e := range left {
			names = append(names, e.Name)
		}
		if !slices.Equal(names, []string{"D1", "D2", "D6"}) {
			t.Fatalf("seed %d: left %q", seed, names)
		}
		if _, err := m.fs.Lookup(cacheDir, "junk"); err != vfs.ENOENT {
			t.Fatalf("seed %d: junk not destroyed: %v", seed, err)
		}
		if g, _ := m.fs.Readdir(graveDir); len(g) != 0 {
			t.Fatalf("seed %d: graveyard not reaped: %v", seed, g)
		}
		if last := cache.calls[len(cache.calls)-1]; last != "Unbind" || !d.File().Released() || m.dev.IsOpen() {
			t.Fatalf("seed %d: not released: last call %q", seed, last)
		}
		if d.Scans != 1 {
			t.Fatalf("seed %d: %d scans, want 1", seed, d.Scans)
		}
	}
}

// TestDaemonRescans: a scan that does not fill the table suspends
// scanning until the kernel has released enough files; then it scans
// again and culls what is no longer in use.
func TestDaemonRescans(t *testing.T) {
	m := newMachine(7)
	fan := m.mkdirAll("/c/cache/Ivol/@00")
	m.mkdirAll("/c/graveyard")
	a := m.file(fan, "Da", sim.Second)
	b := m.file(fan, "Db", 2*sim.Second)
	m.fs.SetInUse(a)
	m.fs.SetInUse(b)
	// root, c, cache, graveyard, Ivol, @00, Da, Db: 8; culling above 6.
	cache := &releasingCache{diskCache: diskCache{fs: m.fs, maxInodes: 6}}
	d := New(mustConf(t, "dir /c\n"), m.fs, m.dev, func() cachefiles.CacheOps { return cache }, Options{ResumeFiles: 2})
	m.live = true
	m.k.Spawn("cachefilesd", d.Run)
	m.k.Spawn("cache", func(t *sim.Thread) {
		if err := d.WaitBound(t); err != nil {
			return
		}
		t.Sleep(sim.Second)
		// The cache lets go of both files: two releases, then the
		// daemon may scan again.
		for _, ino := range []vfs.Ino{a, b} {
			m.fs.ClearInUse(ino)
			cache.released++
			cache.notify(t)
			t.Sleep(sim.Second)
		}
		t.Sleep(10 * sim.Second)
		d.Stop(t)
	})
	res := m.k.Run()
	if res.Failure != nil {
		t.Fatal(res.Failure)
	}
	if d.Err() != nil {
		t.Fatal(d.Err())
	}
	want := []string{"/c/cache/Ivol/@00/Da", "/c/cache/Ivol/@00/Db"}
	if d.Scans != 2 || !slices.Equal(d.Culled, want) {
		t.Fatalf("%d scans, culled %q; want 2 scans, %q", d.Scans, d.Culled, want)
	}
}

// releasingCache reports released files in the state line.
type releasingCache struct {
	diskCache
	released uint64
}

func (c *releasingCache) Status(t *sim.Thread) (cachefiles.Status, error) {
	st, err := c.diskCache.Status(t)
	st.FReleased, c.released = c.released, 0
	return st, err
}

// TestDaemonNoCull: with -N the daemon binds and waits, scans and culls
// nothing. (A conf's nocull line cannot get that far: TestConfFiles.)
func TestDaemonNoCull(t *testing.T) {
	m := newMachine(1)
	fan := m.mkdirAll("/c/cache/Ivol/@00")
	m.mkdirAll("/c/graveyard")
	m.file(fan, "Da", sim.Second)
	cache := &diskCache{fs: m.fs, maxInodes: 1}
	d := New(mustConf(t, "dir /c\n"), m.fs, m.dev, func() cachefiles.CacheOps { return cache }, Options{NoCull: true})
	m.live = true
	m.k.Spawn("cachefilesd", d.Run)
	m.k.Spawn("admin", func(t *sim.Thread) {
		d.WaitBound(t)
		t.Sleep(sim.Second)
		d.Stop(t)
	})
	if res := m.k.Run(); res.Failure != nil {
		t.Fatal(res.Failure)
	}
	if d.Err() != nil || len(d.Culled) != 0 || d.Scans != 0 {
		t.Fatalf("err %v culled %q scans %d", d.Err(), d.Culled, d.Scans)
	}
	if got := strings.Join(cache.calls, "; "); got != "Bind /c; Unbind" {
		t.Fatalf("calls %q", got)
	}
}

// TestDaemonStartFails: every way the start can fail ends the daemon with
// a one-line error, the device released and WaitBound reporting it.
func TestDaemonStartFails(t *testing.T) {
	cases := []struct {
		name    string
		conf    string
		bindErr error
		busy    bool
		want    string
	}{
		{"kernel refuses a limit", "dir /c\nfrun 3%\n", nil, false, "cachefilesd.conf:2:CacheFiles gave config error: Invalid argument"},
		{"second dir", "dir /c\ntag t\ndir /c\n", nil, false, "cachefilesd.conf:3:CacheFiles gave config error: File exists"},
		{"missing dir", "dir /nowhere\n", nil, false, "Can't confirm cache location: errno 2 (No such file or directory)"},
		{"bind fails", "dir /c\n", vfs.ENOSPC, false, "CacheFiles bind failed: errno 28 (No space left on device)"},
		{"device busy", "dir /c\n", nil, true, "Unable to open /dev/cachefiles: errno 16 (Device or resource busy)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newMachine(1)
			m.mkdirAll("/c/cache")
			m.mkdirAll("/c/graveyard")
			cache := &diskCache{fs: m.fs, maxInodes: 100, bindErr: tc.bindErr}
			d := New(mustConf(t, tc.conf), m.fs, m.dev, func() cachefiles.CacheOps { return cache }, Options{})
			m.live = true
			if tc.busy {
				m.k.Spawn("other", func(t *sim.Thread) {
					m.dev.Open(t, func() cachefiles.CacheOps { return &diskCache{} })
				})
			}
			m.k.Spawn("cachefilesd", d.Run)
			var waited error
			m.k.Spawn("admin", func(t *sim.Thread) { waited = d.WaitBound(t) })
			m.k.Run()
			if d.Err() == nil || d.Err().Error() != tc.want || waited != d.Err() {
				t.Fatalf("error %v (WaitBound %v), want %s", d.Err(), waited, tc.want)
			}
			var ce *ConfError
			if strings.Contains(tc.want, ".conf:") != errors.As(d.Err(), &ce) {
				t.Fatalf("ConfError %v for %v", ce, d.Err())
			}
			if !tc.busy && m.dev.IsOpen() {
				t.Fatal("device left open")
			}
			if slices.Contains(cache.calls, "Unbind") {
				t.Fatal("unbound a cache that was never bound")
			}
		})
	}
}
