package erofs_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/erofs"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/model/ondemandd"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

var image = map[string][]byte{
	"blob1": append(bytes.Repeat([]byte("a"), 4096), bytes.Repeat([]byte("b"), 4096)...),
	"blob2": bytes.Repeat([]byte("z"), 4096),
}

// env is one execution's world: fscache, a cachefiles cache over a
// virtual disk and an on-demand daemon serving image (not started).
type env struct {
	k *sim.Kernel
	f *fscache.Fscache
	c *cachefiles.Cache
	d *ondemandd.Daemon
}

func newEnv(seed uint64, faults ondemandd.Fault, cachefilesToo bool) *env {
	k := sim.New(sim.Options{Seed: seed, Strategy: &sched.RandomWalk{}, MaxSteps: 1 << 20})
	k.ExpectAllFreed()
	f := fscache.New(k, model.Bugs{})
	if !cachefilesToo {
		return &env{k: k, f: f}
	}
	c := cachefiles.NewCacheFS(f, vfs.Options{Blocks: 2048, Inodes: 1024, Now: k.Now})
	rate := sim.Ratio{}
	if faults != 0 {
		rate = sim.Ratio{Num: 1, Den: 1}
	}
	d := ondemandd.New(cachefiles.NewOndemandDevice(), ondemandd.Options{Dir: "/", Tag: "erofs", Blobs: image, Faults: faults, Rate: rate})
	return &env{k: k, f: f, c: c, d: d}
}

// serve starts the daemon on its own thread.
func (e *env) serve() {
	e.k.Spawn("ondemandd", func(t *sim.Thread) { e.d.Serve(t, func() cachefiles.CacheOps { return e.c }) })
}

// drain waits for the mount's volume to go, then stops the daemon and
// waits for its exit (the unbind).
func (e *env) drain(t *sim.Thread) {
	for i := 0; i < 1000 && len(e.f.Volumes()) > 0; i++ {
		t.Sleep(sim.Millisecond)
	}
	e.d.Stop(t)
	e.d.WaitExit(t)
}

// TestErofs: mount, reads through cachefiles_prepare_ondemand_read (the
// daemon fills the holes), unmount, and the error paths: a blob the
// daemon does not have, a daemon gone, a second mount of the same image,
// no cache at all, a cache that has no on-demand read. Each case runs
// over seeds under random walk; the run must also be clean (nothing
// leaked at the end, no reader hung, no request completed twice).
func TestErofs(t *testing.T) {
	cases := []struct {
		name   string
		faults ondemandd.Fault
		run    func(t *testing.T, e *env, th *sim.Thread)
	}{
		{"mount read unmount", 0, func(t *testing.T, e *env, th *sim.Thread) {
			if !e.d.WaitBound(th) {
				t.Fatal("no bind")
			}
			m, err := erofs.Mount(th, e.f, "img", []string{"blob1", "blob2"})
			if err != nil {
				t.Fatalf("mount: %v", err)
			}
			if len(m.Blobs) != 2 || m.Blobs[1].Name != "blob2" || m.Blobs[0].Cookie == nil {
				t.Fatalf("blobs %+v", m.Blobs)
			}
			for _, r := range []struct {
				blob     int
				pos, len int64
			}{{0, 4096, 4096}, {0, 0, 8192}, {1, 0, 4096}, {0, 0, 4096}} {
				buf := make([]byte, r.len)
				if err := m.Read(th, r.blob, r.pos, buf); err != nil {
					t.Fatalf("read blob %d [%d,+%d): %v", r.blob, r.pos, r.len, err)
				}
				want := image[m.Blobs[r.blob].Name][r.pos : r.pos+r.len]
				if !bytes.Equal(buf, want) {
					t.Fatalf("read blob %d [%d,+%d): %q..., want %q...", r.blob, r.pos, r.len, buf[:8], want[:8])
				}
			}
			m.Unmount(th)
			e.drain(th)
			if e.d.Served < 4 { // two OPENs, at least two READs
				t.Fatalf("the daemon served %d requests", e.d.Served)
			}
		}},
		{"daemon refuses the open", ondemandd.FaultCopenError, func(t *testing.T, e *env, th *sim.Thread) {
			e.d.WaitBound(th)
			m, err := erofs.Mount(th, e.f, "img", []string{"blob1"})
			if err != nil {
				t.Fatalf("mount: %v", err)
			}
			// copen <id>,-5: the lookup fails, the read fails.
			if err := m.Read(th, 0, 0, make([]byte, 4096)); !erofs.IsIO(err) {
				t.Fatalf("read after copen -EIO: %v, want EIO or ENOBUFS", err)
			}
			m.Unmount(th)
			e.drain(th)
		}},
		{"blob not in the image", 0, func(t *testing.T, e *env, th *sim.Thread) {
			e.d.WaitBound(th)
			m, err := erofs.Mount(th, e.f, "img", []string{"nosuch"})
			if err != nil {
				t.Fatalf("mount: %v", err)
			}
			// The daemon answers the OPEN with copen -ENOENT: the
			// cookie has no object, the read fails.
			if err := m.Read(th, 0, 0, make([]byte, 4096)); !erofs.IsIO(err) {
				t.Fatalf("read of a blob the daemon lacks: %v, want EIO or ENOBUFS", err)
			}
			m.Unmount(th)
			e.drain(th)
		}},
		{"daemon gone", 0, func(t *testing.T, e *env, th *sim.Thread) {
			e.d.WaitBound(th)
			m, err := erofs.Mount(th, e.f, "img", []string{"blob1"})
			if err != nil {
				t.Fatalf("mount: %v", err)
			}
			e.d.Stop(th)
			e.d.WaitExit(th)
			// Every request fails once the daemon has released the
			// device (the cache is dead, then withdrawn): EIO or
			// ENOBUFS, never a hang.
			if err := m.Read(th, 0, 0, make([]byte, 8192)); !erofs.IsIO(err) {
				t.Fatalf("read with the daemon gone: %v, want EIO or ENOBUFS", err)
			}
			m.Unmount(th)
		}},
		{"second mount of a live image", 0, func(t *testing.T, e *env, th *sim.Thread) {
			e.d.WaitBound(th)
			m, err := erofs.Mount(th, e.f, "img", []string{"blob2"})
			if err != nil {
				t.Fatalf("mount: %v", err)
			}
			if m2, err := erofs.Mount(th, e.f, "img", []string{"blob2"}); err == nil {
				m2.Unmount(th)
				t.Fatal("a second mount of the same fsid while the first is live succeeded")
			}
			m.Unmount(th)
			e.drain(th)
		}},
		{"no cache", 0, func(t *testing.T, e *env, th *sim.Thread) {
			m, err := erofs.Mount(th, e.f, "img", []string{"blob1"})
			if err != nil {
				t.Fatalf("mount with no cache: %v", err)
			}
			if err := m.Read(th, 0, 0, make([]byte, 4096)); !erofs.IsIO(err) {
				t.Fatalf("read with no cache: %v, want EIO or ENOBUFS", err)
			}
			m.Unmount(th)
			for i := 0; i < 1000 && len(e.f.Volumes()) > 0; i++ {
				th.Sleep(sim.Millisecond)
			}
		}},
		{"cache without on-demand read", 0, func(t *testing.T, e *env, th *sim.Thread) {
			mem, err := fscache.NewMemBackend(th, e.f, "mem")
			if err != nil {
				t.Fatalf("in-memory cache: %v", err)
			}
			m, err := erofs.Mount(th, e.f, "img", []string{"blob1"})
			if err != nil {
				t.Fatalf("mount: %v", err)
			}
			for i := 0; i < 100 && m.Blobs[0].Cookie.State() != fscache.CookieActive; i++ {
				th.Sleep(sim.Millisecond)
			}
			// The in-memory backend has no prepare_ondemand_read.
			if err := m.Read(th, 0, 0, make([]byte, 4096)); !errors.Is(err, erofs.ErrIO) {
				t.Fatalf("read through a cache without on-demand read: %v, want EIO", err)
			}
			m.Unmount(th)
			for i := 0; i < 1000 && len(e.f.Volumes()) > 0; i++ {
				th.Sleep(sim.Millisecond)
			}
			mem.Withdraw(th)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for seed := uint64(0); seed < 20; seed++ {
				daemon := tc.name != "no cache" && tc.name != "cache without on-demand read"
				e := newEnv(seed, tc.faults, daemon)
				if daemon {
					e.serve()
				}
				e.k.Spawn("erofs", func(th *sim.Thread) { tc.run(t, e, th) })
				res := e.k.Run()
				e.k.Close()
				if res.Outcome != sim.OutcomePass {
					t.Fatalf("seed %d: %v %v", seed, res.Outcome, res.Failure)
				}
			}
		})
	}
}
