package fscache

import (
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sim"
)

// TestOpsDereferenceIsAnOops: where 6.12 calls through cache->ops with no
// check, reaching the call after the backend let go of the cache
// (fscache_relinquish_cache cleared ops) is an oops, reported as one, not a
// quiet failure branch (the model took one until the kernel was read line
// by line). Each case brings a cookie or volume to the call, clears ops the
// way a backend that relinquished its cache too early would, and makes the
// call happen.
func TestOpsDereferenceIsAnOops(t *testing.T) {
	// waitState lets the workers run until c reaches s.
	waitState := func(th *sim.Thread, c *Cookie, s CookieState) {
		for i := 0; c.State() != s; i++ {
			if i > 1000 {
				th.Bug("test", "cookie never reached %v (in %v)", s, c.State())
			}
			th.Sleep(1)
		}
	}
	active := func(th *sim.Thread, f *Fscache) (*MemBackend, *Volume, *Cookie) {
		mem, err := NewMemBackend(th, f, "mycache")
		if err != nil {
			th.Bug("test", "bind: %v", err)
		}
		v, _ := f.AcquireVolume(th, "afs,example.com", "mycache", nil)
		c := AcquireCookie(th, v, 0, []byte("inode-1"), []byte("v1"), 4096)
		UseCookie(th, c, false)
		waitState(th, c, CookieActive)
		return mem, v, c
	}
	cases := []struct {
		op  string
		run func(th *sim.Thread, f *Fscache)
	}{
		{"withdraw_cookie", func(th *sim.Thread, f *Fscache) {
			mem, _, c := active(th, f)
			UnuseCookie(th, c, nil, nil)
			mem.Cache.Ops = nil
			RelinquishCookie(th, c, false)
			th.Sleep(1)
		}},
		{"prepare_to_write", func(th *sim.Thread, f *Fscache) {
			mem, _, c := active(th, f)
			mem.Cache.Ops = nil
			UseCookie(th, c, true)
			th.Sleep(1)
		}},
		{"invalidate_cookie", func(th *sim.Thread, f *Fscache) {
			mem, _, c := active(th, f)
			mem.Cache.Ops = nil
			Invalidate(th, c, nil, 4096, 0)
			th.Sleep(1)
		}},
		{"lookup_cookie", func(th *sim.Thread, f *Fscache) {
			mem, v, _ := active(th, f)
			c2 := AcquireCookie(th, v, 0, []byte("inode-2"), nil, 4096)
			mem.Cache.Ops = nil
			UseCookie(th, c2, false)
			th.Sleep(1)
		}},
		{"begin_operation", func(th *sim.Thread, f *Fscache) {
			mem, _, c := active(th, f)
			mem.Cache.Ops = nil
			var cres CacheResources
			_ = BeginReadOperation(th, &cres, c)
		}},
		{"acquire_volume", func(th *sim.Thread, f *Fscache) {
			mem, _, _ := active(th, f)
			mem.Cache.Ops = nil
			_, _ = f.AcquireVolume(th, "afs,other.com", "mycache", nil)
			th.Sleep(1)
		}},
		{"free_volume", func(th *sim.Thread, f *Fscache) {
			mem, v, c := active(th, f)
			UnuseCookie(th, c, nil, nil)
			RelinquishCookie(th, c, false)
			waitState(th, c, CookieDropped)
			th.Sleep(1)
			mem.Cache.Ops = nil
			RelinquishVolume(th, v, nil, false)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.op, func(t *testing.T) {
			k := sim.New(sim.Options{MaxSteps: 1 << 16})
			f := New(k, model.Bugs{})
			k.Spawn("netfs", func(th *sim.Thread) { tc.run(th, f) })
			k.Run()
			fail := k.Failure()
			if fail == nil || fail.Class != sim.FailOops {
				t.Fatalf("got %v, want an oops", fail)
			}
			if want := "cache->ops->" + tc.op + " "; !strings.Contains(fail.Msg, want) {
				t.Fatalf("oops %q does not name %q", fail.Msg, want)
			}
		})
	}
}
