package checker_test

import (
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// Event-stream cases: a thread emits hand-made tracepoints and the checker
// judges them; each flagged case has a twin that must pass.

const cid = 2 // the cookie id in the hand-made streams

func st(tr string, from int, to fscache.CookieState) sim.Event {
	return sim.Event{Type: fscache.EvCookieState, Obj: cid, Args: [8]int64{int64(from), int64(to)}, Str: [2]string{tr}}
}

func ref(why string) sim.Event {
	return sim.Event{Type: fscache.EvCookie, Obj: cid, Args: [8]int64{2}, Str: [2]string{why}}
}

func cacheSt(from, to fscache.CacheState) sim.Event {
	return sim.Event{Type: fscache.EvCacheState, Obj: 1, Args: [8]int64{int64(from), int64(to)}}
}

const (
	qu = fscache.CookieQuiescent
	lu = fscache.CookieLookingUp
	cr = fscache.CookieCreating
	ac = fscache.CookieActive
	rq = fscache.CookieRelinquishing
	dr = fscache.CookieDropped
)

func TestTransitionEvents(t *testing.T) {
	created := st("T1", -1, qu)
	lookup := st("T2", int(qu), lu)
	cases := []struct {
		name  string
		evs   []sim.Event
		check string // "" passes
		msg   string // a substring of the failure
	}{
		{"create, use, look up in the SM", []sim.Event{created, lookup, ref(fscache.TraceCookieSeeWork), st("T4", int(lu), cr), st("T5", int(cr), ac), ref(fscache.TraceCookiePutWork)}, "", ""},
		{"unknown row", []sim.Event{created, st("T99", int(qu), lu)}, "transition", "not in the transition table"},
		{"row does not allow the change", []sim.Event{created, ref(fscache.TraceCookieSeeWork), st("T15", int(qu), dr)}, "transition", "T15 does not allow QUIESCENT->DROPPED"},
		{"change does not chain on", []sim.Event{created, st("T5", int(lu), ac)}, "transition", "last state change left it QUIESCENT"},
		{"first change is not T1", []sim.Event{lookup}, "transition", "not the creation"},
		{"created twice", []sim.Event{created, created}, "transition", "creates the cookie again"},
		{"DROPPED is terminal", []sim.Event{created, st("T16", int(qu), dr), st("T2", int(dr), lu)}, "transition", "T2 does not allow DROPPED->LOOKING_UP"},
		{"SM row outside the SM", []sim.Event{created, lookup, st("T4", int(lu), cr)}, "sm-context", "outside the cookie's state machine"},
		{"SM row after the SM returned", []sim.Event{created, lookup, ref(fscache.TraceCookieSeeWork), ref(fscache.TraceCookiePutWork), st("T4", int(lu), cr)}, "sm-context", "outside"},
		{"two SM runs at once", []sim.Event{created, ref(fscache.TraceCookieSeeWork), ref(fscache.TraceCookieSeeWork)}, "I-20", "while it runs"},
		{"access gate pinned outside a lookup", []sim.Event{created, {Type: fscache.EvAccess, Obj: cid, Str: [2]string{fscache.TraceAccessCachePin}}}, "I-22", "not by the state machine"},
		{"cache bound and withdrawn", []sim.Event{cacheSt(fscache.CacheNotPresent, fscache.CachePreparing), cacheSt(fscache.CachePreparing, fscache.CacheActive),
			cacheSt(fscache.CacheActive, fscache.CacheWithdrawn), cacheSt(fscache.CacheWithdrawn, fscache.CacheNotPresent)}, "", ""},
		{"cache skips PREPARING", []sim.Event{cacheSt(fscache.CacheNotPresent, fscache.CacheActive)}, "I-25", "not an edge"},
		{"cache state does not chain on", []sim.Event{cacheSt(fscache.CacheNotPresent, fscache.CachePreparing), cacheSt(fscache.CacheActive, fscache.CacheGotIOError)}, "I-25", "last change left it PREPARING"},
		{"new cache not NOT_PRESENT", []sim.Event{cacheSt(fscache.CacheActive, fscache.CacheWithdrawn)}, "I-25", "NOT_PRESENT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := sim.New(sim.Options{Seed: 1})
			ck := checker.New(fscache.New(k, model.Bugs{}), checker.Options{})
			ck.Attach(k)
			k.Spawn("emitter", func(th *sim.Thread) {
				for _, e := range tc.evs {
					th.Emit(e)
					th.Yield()
				}
			})
			res := k.Run()
			switch {
			case tc.check == "" && res.Failure != nil:
				t.Fatalf("false alarm: %v", res.Failure)
			case tc.check == "":
			case res.Failure == nil:
				t.Fatalf("not flagged, want %s", tc.check)
			case res.Failure.Class != sim.FailInvariant || res.Failure.Check != tc.check || !strings.Contains(res.Failure.Msg, tc.msg):
				t.Fatalf("got %v, want invariant %s with %q", res.Failure, tc.check, tc.msg)
			case res.Failure.ThreadName != "emitter" || len(res.Failure.Objects) == 0:
				t.Fatalf("failure does not name the thread and the object: %+v", res.Failure)
			}
		})
	}
}

// TestPlantedInvariants drives real fscache code into states the spec's
// invariants forbid, through misuse of the netfs API the model does not
// check itself, next to the correct use.
func TestPlantedInvariants(t *testing.T) {
	cases := []struct {
		name  string
		netfs func(t *sim.Thread, w *world, c *fscache.Cookie)
		check string // "pass" for the twin that must not be flagged
		msg   string
	}{
		{"balanced use", func(t *sim.Thread, w *world, c *fscache.Cookie) {
			fscache.UseCookie(t, c, false)
			fscache.UnuseCookie(t, c, nil, nil)
		}, "pass", ""},
		{"unuse without use (I-5, quirk Q-12)", func(t *sim.Thread, w *world, c *fscache.Cookie) {
			fscache.UnuseCookie(t, c, nil, nil)
		}, "invariant/I-5", "n_active -1 < 0"},
		{"relinquish while in use (I-6)", func(t *sim.Thread, w *world, c *fscache.Cookie) {
			fscache.UseCookie(t, c, false)
		}, "invariant/I-6", "relinquished with n_active 1"},
		{"DIO invalidation while in use", func(t *sim.Thread, w *world, c *fscache.Cookie) {
			fscache.UseCookie(t, c, true)
			fscache.Invalidate(t, c, []byte("v2"), 4096, fscache.InvalDIOWrite)
			fscache.UnuseCookie(t, c, nil, nil)
		}, "pass", ""},
		{"DIO invalidation without a use (I-23)", func(t *sim.Thread, w *world, c *fscache.Cookie) {
			// R-netfs catches the call itself (TestNetfsCallRulesCaught);
			// without it, I-23 catches the flag it leaves.
			w.f.ObserveNetfs(nil)
			fscache.Invalidate(t, c, []byte("v2"), 4096, fscache.InvalDIOWrite)
		}, "invariant/I-23", "DISABLED while not in use"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(checker.Options{}, true)
			w.k.Spawn("netfs", func(th *sim.Thread) {
				w.bind(th)
				c := w.acquire(th, "inode-1")
				tc.netfs(th, w, c)
				fscache.RelinquishCookie(th, c, false)
				w.teardown(th)
			})
			v := w.run()
			if got := check(v); got != tc.check || (v.Failure != nil && !strings.Contains(v.Failure.Msg, tc.msg)) {
				t.Fatalf("got %s (%v), want %s with %q", got, v, tc.check, tc.msg)
			}
		})
	}
}

// TestOneLiveCookiePerKey plants I-3: a second cookie for one key is
// hashed behind a relinquished twin (as fscache_hash_cookie does, to wait
// for it), then the twin's RELINQUISHED flag is cleared behind fscache's
// back: two live hashed cookies for one key. The same run without the
// tampering passes the moment both are hashed.
func TestOneLiveCookiePerKey(t *testing.T) {
	for _, tamper := range []bool{false, true} {
		w := newWorld(checker.Options{}, false)
		w.k.Spawn("netfs", func(th *sim.Thread) {
			w.bind(th)
			a := w.acquire(th, "inode-1")
			a.Flags().Set(th, fscache.FlagRelinquished) // as if relinquish had begun
			th.Kernel().Spawn("netfs2", func(th2 *sim.Thread) { w.acquire(th2, "inode-1") })
			for len(w.f.CookieHashChain(a.KeyHash)) < 2 {
				th.Yield()
			}
			if tamper {
				a.Flags().Clear(th, fscache.FlagRelinquished)
			}
			th.Yield()
			th.Yield()
			th.Kernel().Report(&sim.Failure{Class: sim.FailInvariant, Check: "done", Msg: "stop here"})
		})
		v := w.run()
		want := "invariant/done"
		if tamper {
			want = "invariant/I-3"
		}
		if got := check(v); got != want || tamper && !strings.Contains(v.Failure.Msg, "two live hashed cookies") {
			t.Fatalf("tamper %v: got %s (%v), want %s", tamper, got, v, want)
		}
	}
}
