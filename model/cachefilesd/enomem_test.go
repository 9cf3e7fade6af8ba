package cachefilesd

import (
	"errors"
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// TestDaemonKernelENOMEM: the kernel's allocation failures reach the
// daemon as ENOMEM from its open, its conf lines, its bind, its inuse and
// its cull, and it reacts as cachefilesd 0.10.10 does:
//
//   - open(2) of the device: oserror "Unable to open /dev/cachefiles" (exit 1);
//   - a conf line: cfgerror "CacheFiles gave config error: %m" (exit 2).
//     The source tests errno against -ENOMEM and -EIO to make those an
//     oserror instead, but errno is positive, so the test never holds
//     (the 0.10.10 binary compares with 0xfffffff4 and 0xfffffffb);
//   - bind: oserror "CacheFiles bind failed";
//   - inuse (is_object_in_use) and cull (cull_file): anything but ESTALE,
//     ENOENT and EBUSY is an oserror, so ENOMEM ends the daemon.
//
// In every case the daemon stops on its own with exactly that line and
// its exit releases the device. The kernel is the real cachefiles model
// with one allocation site failing every time.
func TestDaemonKernelENOMEM(t *testing.T) {
	cases := []struct {
		site, conf, want string
		cfgErr           bool
	}{
		{"cachefiles_daemon_open", "dir /c\ntag mycache\n", "Unable to open /dev/cachefiles: errno 12 (Cannot allocate memory)", false},
		{"cachefiles_daemon_write", "dir /c\ntag mycache\n", "cachefilesd.conf:1:CacheFiles gave config error: Cannot allocate memory", true},
		{"cachefiles_daemon_dir", "dir /c\ntag mycache\n", "cachefilesd.conf:1:CacheFiles gave config error: Cannot allocate memory", true},
		{"cachefiles_daemon_tag", "dir /c\ntag mycache\n", "cachefilesd.conf:2:CacheFiles gave config error: Cannot allocate memory", true},
		{"cachefiles_daemon_bind", "dir /c\n", "CacheFiles bind failed: errno 12 (Cannot allocate memory)", false},
		{"cachefiles_get_security_ID", "dir /c\ntag mycache\n", "CacheFiles bind failed: errno 12 (Cannot allocate memory)", false},
		{"cachefiles_determine_cache_security", "dir /c\ntag mycache\n", "CacheFiles bind failed: errno 12 (Cannot allocate memory)", false},
		// The scan's inuse of the object file: cachefiles_lookup_for_cull.
		{"cachefiles_lookup_for_cull", "dir /c\ntag mycache\n", "Failed to check object's in-use state: errno 12 (Cannot allocate memory)", false},
	}
	for _, tc := range cases {
		t.Run(tc.site, func(t *testing.T) {
			m := newMachine(1)
			fan := m.mkdirAll("/c/cache/Iafs,example.com,1000001a/@4a")
			m.mkdirAll("/c/graveyard")
			m.file(fan, "Dinode-1", sim.Second)
			f := fscache.New(m.k, model.Bugs{})
			cache := cachefiles.NewCache(m.fs, f)
			if err := m.k.SetAllocFaults(sim.AllocFaults{Sites: map[string]sim.Ratio{tc.site: {Num: 1, Den: 1}}}); err != nil {
				t.Fatal(err)
			}
			d := New(mustConf(t, tc.conf), m.fs, m.dev, func() cachefiles.CacheOps { return cache }, Options{})
			m.live = true
			m.k.Spawn("cachefilesd", d.Run)
			m.k.Spawn("admin", func(t *sim.Thread) {
				if d.WaitBound(t) == nil {
					d.WaitExit(t) // the daemon must stop by itself
				}
			})
			res := m.k.Run()
			if res.Failure != nil || res.Outcome != sim.OutcomePass {
				t.Fatalf("%v %v", res.Outcome, res.Failure)
			}
			if m.k.AllocFailures() == 0 {
				t.Fatalf("site %s never failed", tc.site)
			}
			if d.Err() == nil || d.Err().Error() != tc.want {
				t.Fatalf("daemon error %v, want %s", d.Err(), tc.want)
			}
			var ce *ConfError
			var se *sysError
			if errors.As(d.Err(), &ce) != tc.cfgErr || errors.As(d.Err(), &se) == tc.cfgErr {
				t.Fatalf("%v: a configuration error (exit 2) %v, want %v", d.Err(), !tc.cfgErr, tc.cfgErr)
			}
			if m.dev.IsOpen() {
				t.Fatal("the daemon's exit left the device open")
			}
		})
	}
}

// TestDaemonCullENOMEM: a cull answered with ENOMEM (the grave's or the
// victim's lookup failing in cachefiles_cull) ends the daemon as
// cull_file's oserror; ESTALE, ENOENT and EBUSY do not.
func TestDaemonCullENOMEM(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{vfs.ENOMEM, "Failed to cull object: errno 12 (Cannot allocate memory)"},
		{vfs.EIO, "Failed to cull object: errno 5 (Input/output error)"},
		{vfs.EBUSY, ""},
		{vfs.ESTALE, ""},
		{vfs.ENOENT, ""},
	} {
		m := newMachine(1)
		fan := m.mkdirAll("/c/cache/Ivol/@00")
		m.mkdirAll("/c/graveyard")
		for i, n := range []string{"D1", "D2", "D3"} {
			m.file(fan, n, sim.Time(i+1)*sim.Second)
		}
		cache := &errCullCache{diskCache: diskCache{fs: m.fs, maxInodes: 4}, err: tc.err}
		d := New(mustConf(t, "dir /c\n"), m.fs, m.dev, func() cachefiles.CacheOps { return cache }, Options{})
		m.live = true
		m.k.Spawn("cachefilesd", d.Run)
		m.k.Spawn("admin", func(t *sim.Thread) {
			if d.WaitBound(t) != nil {
				return
			}
			t.Sleep(10 * sim.Second)
			d.Stop(t)
		})
		res := m.k.Run()
		if res.Failure != nil || res.Outcome != sim.OutcomePass {
			t.Fatalf("%v: %v %v", tc.err, res.Outcome, res.Failure)
		}
		if cache.culls == 0 {
			t.Fatalf("%v: the daemon never culled", tc.err)
		}
		got := ""
		if d.Err() != nil {
			got = d.Err().Error()
		}
		if got != tc.want {
			t.Errorf("cull answered %v: daemon error %q, want %q", tc.err, got, tc.want)
		}
		if tc.want != "" && cache.culls != 1 {
			t.Errorf("cull answered %v: %d culls, want the first to end the daemon", tc.err, cache.culls)
		}
		if m.dev.IsOpen() {
			t.Errorf("cull answered %v: device left open", tc.err)
		}
	}
}

// errCullCache answers every cull with err.
type errCullCache struct {
	diskCache
	err   error
	culls int
}

func (c *errCullCache) Cull(t *sim.Thread, dir, name string) error {
	c.culls++
	return c.err
}
