package sim_test

import (
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/sim"
)

// TestLocksetAssert: an access asserted under a lock passes when the thread
// holds it (for reading where that suffices) and fails with check "lockset"
// naming the lock and the access when it does not: not held, held by
// another thread, read-held where writing is needed, or dropped at every
// site by ElideLocks.
func TestLocksetAssert(t *testing.T) {
	type tcase struct {
		name string
		body func(k *sim.Kernel) // spawns the threads
		want string              // "" passes; else the failure's message contains it
	}
	spin := func(held bool) func(k *sim.Kernel) {
		return func(k *sim.Kernel) {
			l := &sim.SpinLock{Name: "L"}
			k.Spawn("a", func(t *sim.Thread) {
				if held {
					l.Lock(t)
				}
				l.AssertHeld(t, "x store")
				if held {
					l.Unlock(t)
				}
			})
		}
	}
	cases := []tcase{
		{"spinlock/held", spin(true), ""},
		{"spinlock/not-held", spin(false), "a: x store without L held"},
		{"spinlock/other-thread", func(k *sim.Kernel) {
			l := &sim.SpinLock{Name: "L"}
			var c sim.Completion
			k.Spawn("owner", func(t *sim.Thread) { l.Lock(t); c.Complete(t); t.Yield(); l.Unlock(t) })
			k.Spawn("b", func(t *sim.Thread) {
				c.Wait(t)
				if l.Held() {
					l.AssertHeld(t, "x store")
				}
			})
		}, "b: x store without L held"},
		{"mutex/held", func(k *sim.Kernel) {
			m := &sim.Mutex{Name: "M"}
			k.Spawn("a", func(t *sim.Thread) { m.Lock(t); m.AssertHeld(t, "y"); m.Unlock(t) })
		}, ""},
		{"rwsem/read-held", func(k *sim.Kernel) {
			s := &sim.RWSem{Name: "S"}
			k.Spawn("a", func(t *sim.Thread) { s.DownRead(t); s.AssertHeld(t, "walk"); s.UpRead(t) })
		}, ""},
		{"rwsem/read-held-by-other", func(k *sim.Kernel) {
			s := &sim.RWSem{Name: "S"}
			var c sim.Completion
			k.Spawn("reader", func(t *sim.Thread) { s.DownRead(t); c.Complete(t); t.Yield(); s.UpRead(t) })
			k.Spawn("b", func(t *sim.Thread) {
				c.Wait(t)
				s.DownRead(t)
				s.UpRead(t)
				s.AssertHeld(t, "walk")
			})
		}, "b: walk without S held"},
		{"rwsem/read-held-write-needed", func(k *sim.Kernel) {
			s := &sim.RWSem{Name: "S"}
			k.Spawn("a", func(t *sim.Thread) { s.DownRead(t); s.AssertWriteHeld(t, "list_add"); s.UpRead(t) })
		}, "a: list_add without S (for writing) held"},
		{"rwsem/write-held", func(k *sim.Kernel) {
			s := &sim.RWSem{Name: "S"}
			k.Spawn("a", func(t *sim.Thread) {
				s.DownWrite(t)
				s.AssertWriteHeld(t, "list_add")
				s.AssertHeld(t, "walk")
				s.UpWrite(t)
			})
		}, ""},
		{"bit/held", func(k *sim.Kernel) {
			var f sim.Flags
			k.Spawn("a", func(t *sim.Thread) {
				sim.BitSpinLock(t, &f, 0, "bucket")
				sim.AssertBitHeld(t, &f, 0, "bucket", "chain")
				sim.BitSpinUnlock(t, &f, 0, "bucket")
			})
		}, ""},
		{"bit/not-held", func(k *sim.Kernel) {
			var f sim.Flags
			k.Spawn("a", func(t *sim.Thread) { sim.AssertBitHeld(t, &f, 0, "bucket", "chain") })
		}, "a: chain without bucket held"},
		{"elided", func(k *sim.Kernel) {
			k.ElideLocks("E")
			l := &sim.SpinLock{Name: "E"}
			k.Spawn("a", func(t *sim.Thread) { l.Lock(t); l.AssertHeld(t, "z"); l.Unlock(t) })
		}, "a: z without E held"},
		{"elided-prefix", func(k *sim.Kernel) {
			k.ElideLocks("i_rwsem *")
			s := &sim.RWSem{Name: "i_rwsem B=2"}
			k.Spawn("a", func(t *sim.Thread) { s.DownWrite(t); s.AssertWriteHeld(t, "vfs_unlink"); s.UpWrite(t) })
		}, "a: vfs_unlink without i_rwsem B=2 (for writing) held"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for seed := uint64(0); seed < 20; seed++ {
				k := sim.New(sim.Options{Seed: seed})
				c.body(k)
				res := k.Run()
				if c.want == "" {
					if res.Outcome != sim.OutcomePass {
						t.Fatalf("seed %d: %v, want pass", seed, res.Failure)
					}
					continue
				}
				if res.Outcome != sim.OutcomeFail {
					continue // the interleaving did not reach the access with the lock missing
				}
				if res.Failure.Check != sim.CheckLockset || res.Failure.Class != sim.FailLockMisuse || !strings.Contains(res.Failure.Msg, c.want) {
					t.Fatalf("seed %d: %v, want [%s] saying %q", seed, res.Failure, sim.CheckLockset, c.want)
				}
				return
			}
			if c.want != "" {
				t.Fatalf("never failed in 20 seeds, want %q", c.want)
			}
		})
	}
}
