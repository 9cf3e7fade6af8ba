package checker_test

import (
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// The trace rules (checker/tracerules.go) on doctored traces: a thread
// emits a hand-made stream, or a real scenario runs with one of its events
// rewritten the way a mutant of the model rewrites it; the rule must catch
// it by name, and each flagged stream has a twin that passes.

func access(why string) sim.Event {
	return sim.Event{Type: fscache.EvAccess, Obj: cid, Args: [8]int64{2, 1}, Str: [2]string{why}}
}

func warnLine(text string) sim.Event {
	return sim.Event{Type: fscache.EvWarn, Obj: cid, Str: [2]string{text}}
}

func cfEv(ty sim.EventType, obj uint32, str string, args ...int64) sim.Event {
	e := sim.Event{Type: ty, Obj: obj, Str: [2]string{str}}
	copy(e.Args[:], args)
	return e
}

func cfWarn(text string) sim.Event { return sim.Event{Type: cachefiles.EvWarn, Str: [2]string{text}} }

func TestTraceRulesOnStreams(t *testing.T) {
	created := st("T1", -1, qu)
	const (
		enoent = -2
		eio    = -5
		enomem = -12
	)
	lookupOK := cfEv(cachefiles.EvLookup, 0, "", 1, 7, 0)
	lookupNeg := cfEv(cachefiles.EvLookup, 0, "", 1, 0, 0)
	lookupErr := func(e int64) sim.Event { return cfEv(cachefiles.EvLookup, 0, "", 1, 0, e) }
	lookupVFSErr := func(e int64) sim.Event { return cfEv(cachefiles.EvVFSError, 0, cachefiles.ErrLookup, 1, e) }
	mkdir := cfEv(cachefiles.EvMkdir, 0, "", 1, 8)
	coherency := func(why string) sim.Event { return cfEv(cachefiles.EvCoherency, 3, why, 9, 1) }
	cases := []struct {
		name  string
		evs   []sim.Event
		check string // "" passes
		msg   string
	}{
		// T-debug-id.
		{"first cookie is c=2", []sim.Event{created}, "", ""},
		{"first cookie is c=3", []sim.Event{{Type: fscache.EvCookieState, Obj: 3, Args: [8]int64{-1, int64(qu)}, Str: [2]string{"T1"}}}, "T-debug-id", "numbered 2, 3"},
		{"volume access of no cookie", []sim.Event{{Type: fscache.EvAccessVolume, Obj: 1, Args: [8]int64{0, 1, 1}, Str: [2]string{fscache.TraceAccessCachePin}}}, "", ""},
		{"volume access names cookie 1", []sim.Event{{Type: fscache.EvAccessVolume, Obj: 1, Args: [8]int64{1, 1, 1}, Str: [2]string{fscache.TraceAccessCachePin}}}, "T-debug-id", "not a cookie of that volume"},
		// T-unpin.
		{"unpin without a pin", []sim.Event{created, access(fscache.TraceAccessCacheUnpin)}, "T-unpin", "without a pin"},
		// T-lru-discard-clear.
		{"lrudc during a do_one", []sim.Event{created, ref(fscache.TraceCookieSeeLRUDoOne), ref(fscache.TraceCookieSeeLRUDiscardClear)}, "", ""},
		{"lrudc with no discard requested", []sim.Event{created, ref(fscache.TraceCookieSeeLRUDiscardClear)}, "T-lru-discard-clear", "no fscache_cookie_lru_do_one requested"},
		// T-log: fscache's lines.
		{"duplicate cookie line with its state", []sim.Event{created, warnLine("netfs: O-cookie c=00000002 [fl=0 na=0 nA=0 s=-]")}, "", ""},
		{"duplicate cookie line with another state", []sim.Event{created, warnLine("netfs: O-cookie c=00000002 [fl=0 na=0 nA=0 s=?]")}, "T-log", "prints as s=-"},
		{"wait timed out at once", []sim.Event{created, access(fscache.TraceAccessIOWait),
			warnLine("netfs: fscache_begin_operation: cookie state change wait timed out: cookie->state=1 state=1")}, "T-log", "has not waited 20 s"},
		// T-cache-put.
		{"relinquish of a bound cache", []sim.Event{cacheSt(fscache.CacheNotPresent, fscache.CachePreparing), cacheSt(fscache.CachePreparing, fscache.CacheActive),
			cacheSt(fscache.CacheActive, fscache.CacheWithdrawn), cacheSt(fscache.CacheWithdrawn, fscache.CacheNotPresent),
			{Type: fscache.EvCache, Obj: 1, Args: [8]int64{1}, Str: [2]string{fscache.TraceCachePutRelinq}}}, "", ""},
		{"bound cache put as prep_fail", []sim.Event{cacheSt(fscache.CacheNotPresent, fscache.CachePreparing), cacheSt(fscache.CachePreparing, fscache.CacheActive),
			cacheSt(fscache.CacheActive, fscache.CacheWithdrawn), cacheSt(fscache.CacheWithdrawn, fscache.CacheNotPresent),
			{Type: fscache.EvCache, Obj: 1, Args: [8]int64{1}, Str: [2]string{fscache.TraceCachePutPrepFail}}}, "T-cache-put", "PREPARING"},
		{"failed bind put as relinquish", []sim.Event{cacheSt(fscache.CacheNotPresent, fscache.CachePreparing), cacheSt(fscache.CachePreparing, fscache.CacheNotPresent),
			{Type: fscache.EvCache, Obj: 1, Args: [8]int64{1}, Str: [2]string{fscache.TraceCachePutRelinq}}}, "T-cache-put", "PREPARING"},
		// T-vfs-error.
		{"vfs_error of an error", []sim.Event{cfEv(cachefiles.EvVFSError, 3, cachefiles.ErrUnlink, 9, eio)}, "", ""},
		{"vfs_error of no error", []sim.Event{cfEv(cachefiles.EvVFSError, 3, cachefiles.ErrUnlink, 9, 0)}, "T-vfs-error", "only on a failure"},
		{"io_error of no error", []sim.Event{cfEv(cachefiles.EvIOError, 3, cachefiles.ErrWrite, 9, 0)}, "T-vfs-error", "only on a failure"},
		// T-obj-ref.
		{"get of a held object", []sim.Event{cfEv(cachefiles.EvRef, 3, cachefiles.TraceObjNew, 2, 1), cfEv(cachefiles.EvRef, 3, cachefiles.TraceObjGetIOReq, 2, 1)}, "", ""},
		{"get traced at count 0", []sim.Event{cfEv(cachefiles.EvRef, 3, cachefiles.TraceObjNew, 2, 1), cfEv(cachefiles.EvRef, 3, cachefiles.TraceObjGetIOReq, 2, 0)}, "T-obj-ref", "at least 1"},
		// T-lookup-trace and the lookup log line.
		{"directory found", []sim.Event{lookupOK}, "", ""},
		{"directory made after a negative lookup", []sim.Event{lookupNeg, mkdir}, "", ""},
		{"negative lookup traced as ENOENT", []sim.Event{lookupErr(enoent), mkdir}, "T-lookup-trace", "then its vfs_error"},
		{"failed lookup traced as none", []sim.Event{lookupNeg, lookupVFSErr(eio)}, "T-lookup-trace", "traced no error"},
		{"failed lookup logged", []sim.Event{lookupErr(eio), lookupVFSErr(eio), cfWarn("CacheFiles: Lookup cache failed with error -5")}, "", ""},
		{"failed lookup not logged", []sim.Event{lookupErr(eio), lookupVFSErr(eio), mkdir}, "T-log", "every error but ENOMEM"},
		{"ENOMEM lookup not logged", []sim.Event{lookupErr(enomem), lookupVFSErr(enomem), mkdir}, "", ""},
		{"ENOMEM lookup logged", []sim.Event{lookupErr(enomem), lookupVFSErr(enomem), cfWarn("CacheFiles: Lookup cache failed with error -12")}, "T-log", "every error but ENOMEM"},
		{"no file for a write's operation", []sim.Event{created, access(fscache.TraceAccessIOWrite), cfWarn("CacheFiles: failed to get cres->file"), access(fscache.TraceAccessIONotLive)}, "", ""},
		{"no file for a read's operation", []sim.Event{created, access(fscache.TraceAccessIORead), cfWarn("CacheFiles: failed to get cres->file"), access(fscache.TraceAccessIONotLive)}, "T-log", "WANT_PARAMS"},
		{"no file for a read after its operation began", []sim.Event{created, access(fscache.TraceAccessIORead), cfWarn("CacheFiles: failed to get cres->file"), access(fscache.TraceAccessIOEnd)}, "", ""},
		// T-mkdir.
		{"mkdir naming an object", []sim.Event{lookupNeg, cfEv(cachefiles.EvMkdir, 1, "", 1, 8)}, "T-mkdir", "has no object"},
		// T-exptmp.
		{"tmpfile expanded", []sim.Event{cfEv(cachefiles.EvTrunc, 3, cachefiles.TruncExpandTmpfile, 9, 0, 4096)}, "", ""},
		{"tmpfile expanded to 0", []sim.Event{cfEv(cachefiles.EvTrunc, 3, cachefiles.TruncExpandTmpfile, 9, 0, 0)}, "T-exptmp", "only when that is positive"},
		{"tmpfile expanded from 1", []sim.Event{cfEv(cachefiles.EvTrunc, 3, cachefiles.TruncExpandTmpfile, 9, 1, 4096)}, "T-exptmp", "new (empty) file"},
		// T-log: the dirty object.
		{"dirty object logged", []sim.Event{cfWarn("CacheFiles: Dirty object in cache"), coherency(cachefiles.ReasonBadDirty)}, "", ""},
		{"dirty line for another verdict", []sim.Event{cfWarn("CacheFiles: Dirty object in cache"), coherency(cachefiles.ReasonOK)}, "T-log", "only for the verdict DIRTY"},
		{"dirty verdict without the line", []sim.Event{coherency(cachefiles.ReasonBadDirty)}, "T-log", "without"},
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
			}
		})
	}
}

// TestTraceRulesOnDoctoredScenarios runs real scenarios with one event
// rewritten as a trace-only mutant of the model rewrites it (the fields
// only a trace shows), before the checker sees it: the rule must catch it,
// and the same seeds undoctored pass.
func TestTraceRulesOnDoctoredScenarios(t *testing.T) {
	cases := []struct {
		name     string
		scenario string
		doctor   func(e *sim.Event) bool // rewrites e; true if it did
		check    string
		every    bool // doctor every matching event (not only the first); a seed may pass
	}{
		{"relinquish traced with the other retire", "lru-vs-relinquish", func(e *sim.Event) bool {
			if e.Type != fscache.EvRelinquish {
				return false
			}
			e.Args[4] ^= 1
			return true
		}, "T-retire", false},
		{"relinquish traced with rt=2", "lru-vs-relinquish", func(e *sim.Event) bool {
			if e.Type != fscache.EvRelinquish {
				return false
			}
			e.Args[4] = 2
			return true
		}, "T-retire", false},
		{"bound cache put as prep_fail", "withdraw-cache-during-io", func(e *sim.Event) bool {
			if e.Type != fscache.EvCache || e.Str[0] != fscache.TraceCachePutRelinq {
				return false
			}
			e.Str[0] = fscache.TraceCachePutPrepFail
			return true
		}, "T-cache-put", false},
		{"volume access names cookie 1", "lru-vs-use", func(e *sim.Event) bool {
			if e.Type != fscache.EvAccessVolume || e.Args[0] != 0 {
				return false
			}
			e.Args[0] = 1
			return true
		}, "T-debug-id", false},
		{"object get traced as the count after it minus 2", "netfs-over-cachefiles", func(e *sim.Event) bool {
			if e.Type != cachefiles.EvRef || e.Str[0] != cachefiles.TraceObjGetIOReq || e.Args[1] != 1 {
				return false
			}
			e.Args[1]-- // the mutant prints the count after the get, minus 2
			return true
		}, "T-obj-ref", false},
		{"use with will_modify traced as USE", "random-fscache", func(e *sim.Event) bool {
			if e.Type != fscache.EvActive || e.Str[0] != fscache.TraceActiveUseModify {
				return false
			}
			e.Str[0] = fscache.TraceActiveUse
			return true
		}, "T-use", true},
		{"coherency traced with another content", "crash-and-rebind", func(e *sim.Event) bool {
			if e.Type != cachefiles.EvCoherency || e.Str[0] != cachefiles.ReasonOK {
				return false
			}
			e.Args[1] ^= 1
			return true
		}, "T-coherency", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := scenarios.Get(tc.scenario)
			if err != nil {
				t.Fatal(err)
			}
			for seed := 1; seed <= 20; seed++ {
				opts := sim.Options{Seed: uint64(seed), Strategy: &sched.RandomWalk{}}
				k, w := scenarios.PrepareChecked(s, model.Bugs{}, opts)
				if res := w.Finish(k, k.Run()); res.Failure != nil {
					t.Fatalf("seed %d undoctored: %v", seed, res.Failure)
				}
				k, w = scenarios.Prepare(s, model.Bugs{}, opts)
				doctored := false
				k.AddEventHook(func(_ *sim.Kernel, e *sim.Event) {
					if (!doctored || tc.every) && tc.doctor(e) {
						doctored = true
					}
				})
				w.History = checker.NewRecorder(k)
				w.Checker = checker.New(w.F, checker.Options{Extensions: w.Checks, History: w.History, LivenessBound: w.LivenessBound})
				w.Checker.Attach(k)
				res := w.Finish(k, k.Run())
				if !doctored || (tc.every && res.Failure == nil) {
					continue
				}
				if res.Failure == nil || res.Failure.Check != tc.check {
					t.Fatalf("seed %d doctored: got %v, want [%s]", seed, res.Failure, tc.check)
				}
				t.Logf("seed %d: %v", seed, res.Failure)
				return
			}
			t.Fatalf("no seed made the event to doctor")
		})
	}
}
