package fscache

import (
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sim"
)

// TestModuleExit: fscache_exit as 6.12 has it. A world that used a cookie
// (so the LRU timer is still armed for it) and then let everything go
// unloads cleanly: the timer is shut down, the workqueue drained, nothing
// touches the module afterwards. With the 2024 bug switched back on
// (exit-keeps-lru-timer) the pending timer fires after the unload and
// touches the freed module: a use-after-free. Any use of fscache after
// exit is one too; a cookie still allocated at exit is kmem_cache_destroy's
// WARN.
func TestModuleExit(t *testing.T) {
	// world uses a cookie, unuses it (LRU, timer armed at +10 s),
	// relinquishes it and withdraws the cache; the timer stays armed.
	world := func(th *sim.Thread, f *Fscache) (*Volume, *Cookie) {
		mem, err := NewMemBackend(th, f, "mycache")
		if err != nil {
			th.Bug("test", "bind: %v", err)
		}
		v, _ := f.AcquireVolume(th, "afs,example.com", "mycache", nil)
		c := AcquireCookie(th, v, 0, []byte("inode-1"), []byte("v1"), 4096)
		UseCookie(th, c, false)
		for c.State() != CookieActive {
			th.Sleep(1)
		}
		UnuseCookie(th, c, nil, nil)
		RelinquishCookie(th, c, false)
		for c.State() != CookieDropped {
			th.Sleep(1)
		}
		RelinquishVolume(th, v, nil, false)
		mem.Withdraw(th)
		th.Sleep(1) // rmmod comes later: let the workers finish
		return v, c
	}
	cases := []struct {
		name      string
		bugs      model.Bugs
		run       func(th *sim.Thread, f *Fscache)
		wantClass sim.FailClass // 0: the run passes
		wantMsg   string
	}{
		{"clean-unload", model.Bugs{}, func(th *sim.Thread, f *Fscache) {
			world(th, f)
			if !f.LRUTimer().Pending() {
				th.Bug("test", "the LRU timer should still be armed before exit")
			}
			f.Exit(th)
			if f.LRUTimer().Pending() || !f.Unloaded() {
				th.Bug("test", "after exit: timer pending %v, unloaded %v", f.LRUTimer().Pending(), f.Unloaded())
			}
		}, 0, ""},
		{"exit-keeps-lru-timer", model.Bugs{ExitKeepsLRUTimer: true}, func(th *sim.Thread, f *Fscache) {
			world(th, f)
			f.Exit(th)
		}, sim.FailUseAfterFree, "netfs-module(fscache)"},
		{"acquire-after-exit", model.Bugs{}, func(th *sim.Thread, f *Fscache) {
			v, _ := world(th, f)
			_ = v
			f.Exit(th)
			_, _ = f.AcquireVolume(th, "afs,example.com", "mycache", nil)
		}, sim.FailUseAfterFree, "netfs-module(fscache)"},
		{"cookie-left-at-exit", model.Bugs{}, func(th *sim.Thread, f *Fscache) {
			_, _ = NewMemBackend(th, f, "mycache")
			v, _ := f.AcquireVolume(th, "afs,example.com", "mycache", nil)
			AcquireCookie(th, v, 0, []byte("inode-1"), nil, 4096)
			f.Exit(th)
		}, sim.FailInvariant, "kmem_cache_destroy fscache_cookie_jar"},
		{"exit-twice", model.Bugs{}, func(th *sim.Thread, f *Fscache) {
			f.Exit(th)
			f.Exit(th)
		}, sim.FailUseAfterFree, "netfs-module(fscache)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for seed := uint64(0); seed < 20; seed++ {
				k := sim.New(sim.Options{Seed: seed, MaxSteps: 1 << 16})
				f := New(k, tc.bugs)
				k.Spawn("rmmod", func(th *sim.Thread) { tc.run(th, f) })
				k.Run()
				fail := k.Failure()
				if tc.wantClass == 0 {
					if fail != nil {
						t.Fatalf("seed %d: %v", seed, fail)
					}
					continue
				}
				if fail == nil || fail.Class != tc.wantClass || !strings.Contains(fail.Msg+strings.Join(fail.Objects, " "), tc.wantMsg) {
					t.Fatalf("seed %d: got %v, want a %v naming %q", seed, fail, tc.wantClass, tc.wantMsg)
				}
			}
		})
	}
}
