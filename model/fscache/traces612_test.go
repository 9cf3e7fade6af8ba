package fscache

import (
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sim"
)

// TestTracesAs612: the trace lines that 6.12 emits where the model used to
// differ (docs/kernel-baseline.md, "open differences"): a live volume twin
// gives a COLLIDE trace and no notice, and the refused candidate is freed
// without touching the hash bucket it never joined; a relinquished twin is
// seen under the "GET hcoll" label and a wait past 20 s names both volumes;
// a resize is traced before fscache_begin_operation, whether or not it
// begins; a cache relinquished while still PREPARING is put as "PUT
// pfail"; every message carries 6.12's "netfs: " prefix.
func TestTracesAs612(t *testing.T) {
	run := func(t *testing.T, body func(th *sim.Thread, f *Fscache)) []string {
		t.Helper()
		k := sim.New(sim.Options{MaxSteps: 1 << 20, Record: true})
		f := New(k, model.Bugs{})
		k.Spawn("netfs", func(th *sim.Thread) { body(th, f) })
		if r := k.Run(); r.Failure != nil {
			t.Fatalf("run failed: %v", r.Failure)
		}
		var lines []string
		for _, e := range k.Events() {
			lines = append(lines, e.Text())
		}
		return lines
	}
	has := func(t *testing.T, lines []string, want string) int {
		t.Helper()
		for i, l := range lines {
			if strings.Contains(l, want) {
				return i
			}
		}
		t.Fatalf("no line contains %q in:\n%s", want, strings.Join(lines, "\n"))
		return -1
	}
	none := func(t *testing.T, lines []string, bad string) {
		t.Helper()
		for _, l := range lines {
			if strings.Contains(l, bad) {
				t.Fatalf("unexpected line %q", l)
			}
		}
	}

	t.Run("live-volume-twin", func(t *testing.T) {
		var twin *Volume
		lines := run(t, func(th *sim.Thread, f *Fscache) {
			if _, err := NewMemBackend(th, f, "mycache"); err != nil {
				th.Bug("test", "bind: %v", err)
			}
			if _, err := f.AcquireVolume(th, "afs,example.com", "mycache", nil); err != nil {
				th.Bug("test", "first acquire: %v", err)
			}
			if _, err := f.AcquireVolume(th, "afs,example.com", "mycache", nil); err != ErrBusy {
				th.Bug("test", "second acquire: %v, want ErrBusy", err)
			}
			twin = f.volumes[len(f.volumes)-1]
		})
		has(t, lines, "V=00000001 *COLLIDE*")
		has(t, lines, "V=00000002 FREE")
		none(t, lines, "Duplicate volume")
		if twin.DebugID != 1 {
			t.Fatalf("volume list holds V=%08x, want only V=00000001", twin.DebugID)
		}
	})

	t.Run("relinquished-volume-twin", func(t *testing.T) {
		lines := run(t, func(th *sim.Thread, f *Fscache) {
			if _, err := NewMemBackend(th, f, "mycache"); err != nil {
				th.Bug("test", "bind: %v", err)
			}
			v, _ := f.AcquireVolume(th, "afs,example.com", "mycache", nil)
			c := AcquireCookie(th, v, 0, []byte("k"), nil, 4096)
			RelinquishVolume(th, v, nil, false) // the cookie still holds it
			th.Kernel().Spawn("mount2", func(t2 *sim.Thread) {
				if _, err := f.AcquireVolume(t2, "afs,example.com", "mycache", nil); err != nil {
					t2.Bug("test", "re-acquire: %v", err)
				}
			})
			th.Sleep(25 * sim.Second) // past the 20 s collision wait
			RelinquishCookie(th, c, false)
		})
		see := has(t, lines, "V=00000001 GET hcoll")
		note := has(t, lines, "netfs: Potential volume collision new=00000002 old=00000001")
		wake := has(t, lines, "V=00000002 SEE hwake")
		if !(see < note && note < wake) {
			t.Fatalf("order: see %d, notice %d, wake %d", see, note, wake)
		}
	})

	t.Run("resize-traced-first", func(t *testing.T) {
		lines := run(t, func(th *sim.Thread, f *Fscache) {
			if _, err := NewMemBackend(th, f, "mycache"); err != nil {
				th.Bug("test", "bind: %v", err)
			}
			v, _ := f.AcquireVolume(th, "afs,example.com", "mycache", nil)
			c := AcquireCookie(th, v, 0, []byte("k"), nil, 4096)
			// Not in use: fscache_begin_operation refuses, the trace stays.
			ResizeCookie(th, c, 100)
			RelinquishCookie(th, c, false)
		})
		has(t, lines, "c=00000002 os=00001000 sz=00000064")
		none(t, lines, "BEGIN resiz")
	})

	t.Run("relinquish-preparing-cache", func(t *testing.T) {
		lines := run(t, func(th *sim.Thread, f *Fscache) {
			c, err := f.AcquireCache(th, "mycache")
			if err != nil {
				th.Bug("test", "acquire cache: %v", err)
			}
			RelinquishCache(th, c)
		})
		has(t, lines, "C=00000001 PUT pfail")
		none(t, lines, "PUT relnq")
	})

	t.Run("netfs-prefix", func(t *testing.T) {
		lines := run(t, func(th *sim.Thread, f *Fscache) {
			mem, err := NewMemBackend(th, f, "mycache")
			if err != nil {
				th.Bug("test", "bind: %v", err)
			}
			mem.Withdraw(th)
		})
		has(t, lines, `netfs: Cache "mycache" added (type memcache)`)
		has(t, lines, `netfs: Withdrawing cache "mycache" (0 objs)`)
		none(t, lines, "FS-Cache: ")
	})
}

// TestNewAcquireTracedOnce: fscache_lookup_cache traces new_acquire only
// for the record it adds to the list, under fscache_addremove_sem, so two
// lookups of one missing tag racing each other give one NEW line although
// both made a candidate (the loser's is freed untraced).
func TestNewAcquireTracedOnce(t *testing.T) {
	raced := 0
	for seed := uint64(0); seed < 200; seed++ {
		k := sim.New(sim.Options{Seed: seed, MaxSteps: 1 << 16, Record: true})
		f := New(k, model.Bugs{})
		for _, n := range []string{"a", "b"} {
			k.Spawn(n, func(th *sim.Thread) { f.lookupCache(th, "tag", false) }) // the refs are kept: no record freed and looked up anew
		}
		if r := k.Run(); r.Failure != nil {
			t.Fatalf("seed %d: %v", seed, r.Failure)
		}
		news := 0
		for _, e := range k.Events() {
			if strings.Contains(e.Text(), "NEW acq") {
				news++
			}
		}
		if news != 1 {
			t.Fatalf("seed %d: %d new_acquire traces, want 1", seed, news)
		}
		if f.cacheDebugID == 2 {
			raced++
		}
	}
	if raced == 0 {
		t.Fatal("no seed made two candidates: the race was not reached")
	}
}
