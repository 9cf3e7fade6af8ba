package checker_test

import (
	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// world is a small hand-built execution for planting violations: fscache,
// an in-memory cache bound by the first thread, one volume, and a checker.
type world struct {
	k   *sim.Kernel
	f   *fscache.Fscache
	mem *fscache.MemBackend
	vol *fscache.Volume
	ck  *checker.Checker

	ready sim.Completion
}

// newWorld makes a world; expectFreed turns on the simulator's leak check
// as scenarios.Prepare does.
func newWorld(opts checker.Options, expectFreed bool) *world {
	k := sim.New(sim.Options{Seed: 1})
	if expectFreed {
		k.ExpectAllFreed()
	}
	w := &world{k: k, f: fscache.New(k, model.Bugs{})}
	w.ck = checker.New(w.f, opts)
	w.ck.Attach(k)
	return w
}

// bind binds the cache and acquires the volume, then lets waiters go.
func (w *world) bind(t *sim.Thread) {
	b, err := fscache.NewMemBackend(t, w.f, "mycache")
	if err != nil {
		t.Bug("setup", "bind: %v", err)
	}
	w.mem = b
	v, err := w.f.AcquireVolume(t, "afs,example.com,1000001a", "mycache", nil)
	if err != nil {
		t.Bug("setup", "acquire volume: %v", err)
	}
	w.vol = v
	w.ready.CompleteAll(t)
}

// teardown relinquishes the volume and withdraws the cache.
func (w *world) teardown(t *sim.Thread) {
	t.Sleep(fscache.LRUCookieTimeout)
	fscache.RelinquishVolume(t, w.vol, nil, false)
	w.mem.Withdraw(t)
}

func (w *world) acquire(t *sim.Thread, key string) *fscache.Cookie {
	return fscache.AcquireCookie(t, w.vol, 0, []byte(key), []byte("v1"), 4096)
}

func (w *world) run() checker.Verdict {
	res := w.k.Run()
	return w.ck.Verdict(w.k, res)
}

// check names a verdict's failure: "class/check", or "pass".
func check(v checker.Verdict) string {
	if v.Pass {
		return "pass"
	}
	if v.Failure == nil {
		return v.Outcome.String()
	}
	return v.Failure.Class.String() + "/" + v.Failure.Check
}
