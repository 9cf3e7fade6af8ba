package kernelc

import (
	"fmt"
	"github.com/fscachesim/fscachesim/checker"
	"sort"
	"strings"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// The differential check (docs/kernel-c.md §9b): the same operation script
// runs on the Go model (a twin below, written with the model's API) and on
// the C build (the scenario of csrc/kc_driver.c of the same name), under
// the same schedule, and their fscache tracepoint streams are compared line
// by line.
//
// The schedule both sides share is the sequential one: at every choice the
// lowest-numbered enabled thread runs (sched.Replay, lenient, with an empty
// log), so each thread runs until it blocks or ends. The two sides' steps
// differ in size (every atomic of the C is a step), so a random schedule
// would not correspond; the sequential one does, as long as the thread
// numbering does.

// Jiffy is one tick of the C build's clock (HZ = 100).
const Jiffy = 10 * sim.Millisecond

// Twins are the Go model twins of the C driver's scenarios, by name.
var Twins = map[string]func(k *sim.Kernel, f *fscache.Fscache){
	"life":       twinLife,
	"lru-vs-use": twinLRUVsUse,
	"two-users":  twinTwoUsers,
}

// TwinNames lists Twins' names, sorted.
func TwinNames() []string {
	var n []string
	for k := range Twins {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// twinWorld is the C driver's world: one in-memory cache "kc", volume
// "kc-volume", and the cookie of key "file-01" (8 bytes with its NUL),
// object size 4096.
type twinWorld struct {
	f      *fscache.Fscache
	mem    *fscache.MemBackend
	vol    *fscache.Volume
	cookie *fscache.Cookie
	done   int
}

func (w *twinWorld) setup(t *sim.Thread) {
	mem, err := fscache.NewMemBackend(t, w.f, "kc")
	if err != nil {
		t.Bug("setup", "add cache: %v", err)
	}
	w.mem = mem
	if w.vol, err = w.f.AcquireVolume(t, "kc-volume", "", nil); err != nil {
		t.Bug("setup", "acquire volume: %v", err)
	}
	w.cookie = fscache.AcquireCookie(t, w.vol, 0, []byte("file-01\x00"), nil, 4096)
}

// user is kc_user: use, a read through the cache, a write if modifying,
// unuse.
func (w *twinWorld) user(t *sim.Thread, modify bool) {
	c := w.cookie
	fscache.UseCookie(t, c, modify)
	var cres fscache.CacheResources
	if fscache.BeginReadOperation(t, &cres, c) == nil {
		buf := make([]byte, 4096)
		cres.Ops.Read(t, &cres, 0, buf, fscache.ReadHoleIgnore, nil)
		fscache.EndOperation(t, &cres)
	}
	if modify {
		fscache.WriteToCache(t, c, 0, make([]byte, 4096), 4096, true, nil)
	}
	fscache.UnuseCookie(t, c, nil, nil)
}

func (w *twinWorld) teardown(t *sim.Thread) {
	fscache.RelinquishCookie(t, w.cookie, false)
	fscache.RelinquishVolume(t, w.vol, nil, false)
	// As the Go scenarios do: the Go MemBackend's Withdraw does not
	// serialise with a withdraw_cookie still running (a known race of the
	// test double), so the state machine is given the LRU timeout first.
	t.Sleep(10 * 100 * Jiffy)
	w.mem.Withdraw(t)
}

func twinLife(k *sim.Kernel, f *fscache.Fscache) {
	w := &twinWorld{f: f}
	k.Spawn("netfs", func(t *sim.Thread) {
		w.setup(t)
		w.user(t, true)
		t.Sleep(12 * 100 * Jiffy)
		w.user(t, false)
		w.teardown(t)
	})
}

func twinLRUVsUse(k *sim.Kernel, f *fscache.Fscache) {
	w := &twinWorld{f: f}
	k.Spawn("netfs", func(t *sim.Thread) {
		w.setup(t)
		w.user(t, false)
		t.Sleep(10 * 100 * Jiffy)
		w.user(t, false)
		w.teardown(t)
	})
}

func twinTwoUsers(k *sim.Kernel, f *fscache.Fscache) {
	w := &twinWorld{f: f}
	k.Spawn("netfs", func(t *sim.Thread) {
		w.setup(t)
		for _, modify := range []bool{true, false} {
			k.Spawn(map[bool]string{true: "netfs-a", false: "netfs-b"}[modify], func(t *sim.Thread) {
				w.user(t, modify)
				if w.done++; w.done == 2 {
					w.teardown(t)
				}
			})
		}
	})
}

// KernelTracepoint reports whether name is one of the tracepoints of 6.12's
// include/trace/events/fscache.h (the Go model emits a few more of its own,
// such as fscache_cookie_state, which the diff leaves out).
func KernelTracepoint(name string) bool {
	switch name {
	case "fscache_cache", "fscache_volume", "fscache_cookie", "fscache_active",
		"fscache_access_cache", "fscache_access_volume", "fscache_access",
		"fscache_acquire", "fscache_relinquish", "fscache_invalidate", "fscache_resize":
		return true
	}
	return false
}

// Sequential is the schedule the diff runs both sides under: the lowest
// enabled thread at every choice.
func Sequential() sim.Strategy { return &sched.Replay{} }

// RunTwin runs the Go twin of scenario under strat and returns the fscache
// tracepoint lines it emitted ("fscache_cookie: c=00000002 ...") and the
// result.
func RunTwin(scenario string, strat sim.Strategy) ([]string, sim.Result, error) {
	twin, ok := Twins[scenario]
	if !ok {
		return nil, sim.Result{}, fmt.Errorf("no Go twin of scenario %q (have %s)", scenario, strings.Join(TwinNames(), ", "))
	}
	k := sim.New(sim.Options{Strategy: strat, Record: true})
	twin(k, fscache.New(k, model.Bugs{}))
	res := k.Run()
	var lines []string
	for i := range k.Events() {
		e := &k.Events()[i]
		if name := e.Type.Name(); KernelTracepoint(name) {
			lines = append(lines, name+": "+e.Text())
		}
	}
	return lines, res, nil
}

// RunTwinChecked runs the Go twin of scenario under strat from seed, without
// recording, with package checker attached (every per-step invariant, event
// check, liveness monitor and the end-of-run drain): the Go side of the
// C-vs-Go benchmark, judged as the C build is.
func RunTwinChecked(scenario string, seed uint64, strat sim.Strategy) (sim.Result, error) {
	twin, ok := Twins[scenario]
	if !ok {
		return sim.Result{}, fmt.Errorf("no Go twin of scenario %q (have %s)", scenario, strings.Join(TwinNames(), ", "))
	}
	k := sim.New(sim.Options{Seed: seed, Strategy: strat})
	f := fscache.New(k, model.Bugs{})
	ck := checker.New(f, checker.Options{})
	ck.Attach(k)
	twin(k, f)
	res := k.Run()
	if v := ck.Verdict(k, res); !v.Pass && v.Failure != nil {
		res.Outcome, res.Failure = v.Outcome, v.Failure
	}
	return res, nil
}

// StreamDiff is the first place two tracepoint streams differ.
type StreamDiff struct {
	Index  int    // the index of the first differing line (both streams' first Index lines are equal)
	Go, C  string // the two lines there; "" past the end of a stream
	Equal  int    // lines equal before it
	NGo, N int    // the streams' lengths (Go, C)
}

// DiffStreams compares the Go model's and the C build's tracepoint lines;
// nil means they are the same.
func DiffStreams(goLines, cLines []string) *StreamDiff {
	n := len(goLines)
	if len(cLines) > n {
		n = len(cLines)
	}
	for i := 0; i < n; i++ {
		var g, c string
		if i < len(goLines) {
			g = goLines[i]
		}
		if i < len(cLines) {
			c = cLines[i]
		}
		if g != c {
			return &StreamDiff{Index: i, Go: g, C: c, Equal: i, NGo: len(goLines), N: len(cLines)}
		}
	}
	return nil
}
