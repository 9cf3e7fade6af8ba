package checker_test

import (
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// TestEndOfRun: a drained run passes; a planted leak is reported with the
// cookie's state, flags and counts, whether or not the simulator's own
// leak check is on; a planted stuck waiter is the simulator's deadlock,
// and the verdict carries it with the waiter.
func TestEndOfRun(t *testing.T) {
	cases := []struct {
		name        string
		expectFreed bool
		threads     func(w *world)
		check       string
		msg         []string
	}{
		{"drained", true, func(w *world) {
			w.k.Spawn("netfs", func(t *sim.Thread) {
				w.bind(t)
				c := w.acquire(t, "inode-1")
				fscache.UseCookie(t, c, false)
				fscache.WriteToCache(t, c, 0, make([]byte, 4096), 4096, true, nil)
				fscache.UnuseCookie(t, c, nil, nil)
				fscache.RelinquishCookie(t, c, false)
				w.teardown(t)
			})
		}, "pass", nil},
		{"leaked cookie (simulator's leak check)", true, func(w *world) {
			w.k.Spawn("netfs", func(t *sim.Thread) {
				w.bind(t)
				w.acquire(t, "inode-1") // never relinquished
				w.teardown(t)
			})
		}, "leak/leak", []string{"cookie c=00000002 state QUIESCENT flags IS_HASHED ref 1 n_active 0 n_accesses 0 on-hash-chain", "volume V=00000001"}},
		{"leaked cookie (no simulator leak check)", false, func(w *world) {
			w.k.Spawn("netfs", func(t *sim.Thread) {
				w.bind(t)
				c := w.acquire(t, "inode-1")
				fscache.UseCookie(t, c, false)
				fscache.UnuseCookie(t, c, nil, nil) // on the LRU, then discarded
				w.teardown(t)
			})
		}, "leak/leak", []string{"cookie c=00000002 state QUIESCENT", "HAS_BEEN_CACHED"}},
		{"stuck collision waiter", true, func(w *world) {
			var relinquished sim.Completion
			w.k.Spawn("evict", func(t *sim.Thread) {
				w.bind(t)
				c := w.acquire(t, "inode-1")
				fscache.UseCookie(t, c, false)
				var cres fscache.CacheResources
				fscache.BeginReadOperation(t, &cres, c) // never ended: the cookie cannot be DROPPED
				fscache.UnuseCookie(t, c, nil, nil)
				fscache.RelinquishCookie(t, c, false)
				relinquished.CompleteAll(t)
			})
			w.k.Spawn("iget", func(t *sim.Thread) {
				relinquished.Wait(t)
				w.acquire(t, "inode-1")
			})
		}, "deadlock/deadlock", []string{"iget waits on cookie collision: old cookie DROPPED"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(checker.Options{}, tc.expectFreed)
			tc.threads(w)
			v := w.run()
			if got := check(v); got != tc.check {
				t.Fatalf("got %s (%v), want %s", got, v, tc.check)
			}
			for _, m := range tc.msg {
				if !strings.Contains(v.Failure.Msg, m) {
					t.Errorf("failure %q does not say %q", v.Failure.Msg, m)
				}
			}
			if v.Failure != nil && len(v.Failure.Objects) == 0 && v.Failure.Class != 0 && tc.check != "deadlock/deadlock" {
				t.Errorf("failure names no object: %+v", v.Failure)
			}
			if tc.check == "deadlock/deadlock" && (len(v.Failure.Waiters) == 0 || v.Failure.Step == 0) {
				t.Errorf("deadlock verdict lost its waiters or step: %+v", v.Failure)
			}
		})
	}
}
