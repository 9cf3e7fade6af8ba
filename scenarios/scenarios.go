package scenarios

import (
	"fmt"
	"sort"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/model/netfs"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// Scenario is a named world and its threads.
type Scenario struct {
	Name string
	Desc string
	// Setup spawns the scenario's threads on k; w.F is fscache, already
	// set up, and the first thread usually binds a cache (newWorld).
	Setup func(k *sim.Kernel, w *World)
	// Quirk names the open question of spec §14 the scenario probes ("Q-2").
	// A quirk scenario may fail with no bug switch on: that is its finding
	// (docs/quirks.md); the no-false-alarm tests leave it out.
	Quirk string
	// Long keeps a scenario out of the default exploration because one
	// execution is tens of thousands of steps (cachefilesd scanning a
	// volume's 256 fan-out directories); run it with --scenario. Its own
	// test covers it.
	Long bool
	// Extra says why a scenario that is not a quirk probe still stays out
	// of the default exploration ("" = it is in): run it by name.
	Extra string
}

// World is what a scenario's threads share and a checker watches.
type World struct {
	F     *fscache.Fscache
	Bugs  model.Bugs
	Mem   *fscache.MemBackend // the bound in-memory cache, once bound
	Vol   *fscache.Volume     // the scenario's volume, once acquired
	CF    *cachefiles.Cache   // the cachefiles cache, for scenarios over the virtual disk
	FS    *vfs.FS             // CF's disk
	ready sim.Completion      // completed when the cache and volume are set up
	// Variant is the scenario a mix entry ("ondemand") picked for this
	// execution, "" for the others.
	Variant string

	// Checks are further checks a scenario's Setup adds for the parts of
	// the world fscache's checker does not know (cachefiles' I-26..I-32).
	Checks []checker.Extension
	// Checker judges the execution when it was prepared with PrepareChecked.
	Checker *checker.Checker
	// LivenessBound, if set by a scenario's Setup, replaces the checker's
	// default (checker.DefaultLivenessBound) for its runs: a scenario with
	// a long legitimate stretch of one thread (cachefilesd scanning a
	// volume's 256 fan-out directories) sets a larger one.
	LivenessBound int64
	// History records the netfs-visible operations for the
	// linearizability check (PrepareChecked sets it); scenarios that mount
	// a netfs hand it to the mount (netfs.Mount.Rec).
	History *checker.Recorder

	// stats counts what the random world's actors did (world_actors.go).
	stats worldStats
}

var registry = map[string]Scenario{}

func register(s Scenario) { registry[s.Name] = s }

// Register adds a scenario of your own to the registry, so that the command
// line, the explorer and trace replay find it by name. It panics on a name
// already taken or a scenario without a Setup: both are programming errors.
func Register(s Scenario) {
	if _, ok := registry[s.Name]; ok || s.Name == "" || s.Setup == nil {
		panic(fmt.Sprintf("scenarios: cannot register %q: empty name, no Setup, or the name is taken", s.Name))
	}
	register(s)
}

// Get finds a scenario by name.
func Get(name string) (Scenario, error) {
	s, ok := registry[name]
	if !ok {
		return Scenario{}, fmt.Errorf("unknown scenario %q (see 'fscachesim list')", name)
	}
	return s, nil
}

// All lists the scenarios sorted by name.
func All() []Scenario {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]Scenario, 0, len(names))
	for _, n := range names {
		out = append(out, registry[n])
	}
	return out
}

// Default lists the scenarios an exploration runs when none is named: every
// race scenario, without the quirk probes (which fail by design where the
// kernel's behaviour is questionable; see docs/quirks.md) and the Long ones.
func Default() []Scenario {
	var out []Scenario
	for _, s := range All() {
		if s.Quirk == "" && !s.Long && s.Extra == "" {
			out = append(out, s)
		}
	}
	return out
}

// Prepare makes the kernel and the world of one execution of s without
// running it, so that checkers can attach to both first.
func Prepare(s Scenario, bugs model.Bugs, opts sim.Options) (*sim.Kernel, *World) {
	k := sim.New(opts)
	k.ExpectAllFreed()
	w := &World{F: fscache.New(k, bugs), Bugs: bugs}
	w.ready.Name = "scenario setup"
	k.Private = w
	s.Setup(k, w)
	return k, w
}

// Run executes one execution of s with the given options, bare: no checker
// is attached, so only what the simulated kernel itself catches (oopses,
// WARNs, use-after-free, deadlocks, leaks of tracked objects) fails it.
func Run(s Scenario, bugs model.Bugs, opts sim.Options) (sim.Result, *sim.Kernel) {
	k, _ := Prepare(s, bugs, opts)
	return k.Run(), k
}

// PrepareChecked is Prepare with a checker attached (w.Checker), with every
// check on: the per-step invariants, the liveness monitors and the
// scenario's own Checks. Finish judges the run.
func PrepareChecked(s Scenario, bugs model.Bugs, opts sim.Options) (*sim.Kernel, *World) {
	k, w := Prepare(s, bugs, opts)
	w.History = checker.NewRecorder(k)
	w.Checker = checker.New(w.F, checker.Options{Extensions: w.Checks, History: w.History, LivenessBound: w.LivenessBound})
	w.Checker.Attach(k)
	return k, w
}

// Finish folds the checker's end-of-run verdict into res: a run that passed
// the simulated kernel's own checks may still leak, leave an object hot, or
// break an end-of-run invariant. Without a checker it returns res.
func (w *World) Finish(k *sim.Kernel, res sim.Result) sim.Result {
	if w.Checker == nil {
		return res
	}
	v := w.Checker.Verdict(k, res)
	res.Outcome, res.Failure = v.Outcome, v.Failure
	return res
}

// Record hands the world's history recorder, if any, to a netfs mount, so
// the linearizability check sees its operations.
func (w *World) Record(m *netfs.Mount) {
	if w.History != nil {
		m.Rec = w.History
	}
}

// Execute runs one execution of s with every check on and returns its
// judged result: what the command line, the explorer, replay and shrink
// run.
func Execute(s Scenario, bugs model.Bugs, opts sim.Options) (sim.Result, *sim.Kernel, *World) {
	k, w := PrepareChecked(s, bugs, opts)
	return w.Finish(k, k.Run()), k, w
}

// bind is what every scenario starts from: one bound in-memory cache and
// one volume, set up by the first thread. Other threads WaitReady; the
// first thread signals ready (w.ready.CompleteAll) once everything they
// share (cookies, inodes) is set up too.
func (w *World) bind(t *sim.Thread) {
	b, err := fscache.NewMemBackend(t, w.F, "mycache")
	if err != nil {
		t.Bug("setup", "bind cache: %v", err)
	}
	w.Mem = b
	v, err := w.F.AcquireVolume(t, "afs,example.com,1000001a", "mycache", nil)
	if err != nil {
		t.Bug("setup", "acquire volume: %v", err)
	}
	w.Vol = v
}

// zeroBlock is the 4 KiB of zeros the scenarios write to the cache. It is
// shared by every run and never written: the backend copies what it is
// given (a fresh block per write was 8 KiB of garbage per execution).
var zeroBlock [4096]byte

// zeros is n zero bytes to write: zeroBlock when it is long enough.
func zeros(n int64) []byte {
	if n <= int64(len(zeroBlock)) {
		return zeroBlock[:n]
	}
	return make([]byte, n)
}

// bindAndAcquire is how most scenarios' first thread begins: bind (the
// cache and the volume), then acquire the cookie of the one file they
// share, inode-1 (coherency data "v1", 4 KiB).
func (w *World) bindAndAcquire(t *sim.Thread) *fscache.Cookie {
	w.bind(t)
	return fscache.AcquireCookie(t, w.Vol, 0, []byte("inode-1"), []byte("v1"), 4096)
}

// WaitReady waits until the first thread has bound the cache.
func (w *World) WaitReady(t *sim.Thread) { w.ready.Wait(t) }

// spawnEvict spawns the thread most scenarios end with: once the world is
// ready and every thread of the gate has finished, it relinquishes *c (the
// cookie a scenario thread acquired), sleeps out the LRU timeout so the
// state machine finishes, and tears the world down.
func (w *World) spawnEvict(k *sim.Kernel, g *gate, c **fscache.Cookie) {
	k.Spawn("evict", func(t *sim.Thread) {
		w.WaitReady(t)
		g.wait(t)
		fscache.RelinquishCookie(t, *c, false)
		t.Sleep(fscache.LRUCookieTimeout)
		w.teardown(t)
	})
}

// teardown relinquishes the volume and withdraws the cache, so that a
// drained world has nothing left alive.
func (w *World) teardown(t *sim.Thread) {
	fscache.RelinquishVolume(t, w.Vol, nil, false)
	w.Mem.Withdraw(t)
}

func init() {
	register(Scenario{
		Name: "lru-vs-relinquish",
		Desc: "an unused cookie's LRU discard races with its relinquishment (the v3-of-the-rewrite race)",
		Setup: func(k *sim.Kernel, w *World) {
			k.Spawn("netfs", func(t *sim.Thread) {
				c := w.bindAndAcquire(t)
				fscache.UseCookie(t, c, false)
				fscache.WriteToCache(t, c, 0, zeroBlock[:], 4096, true, nil)
				fscache.UnuseCookie(t, c, nil, nil)
				// Sleep until the LRU timeout, so the discard and the
				// relinquish (evict) race.
				t.Sleep(fscache.LRUCookieTimeout)
				fscache.RelinquishCookie(t, c, false)
				// Let the state machine finish before tearing down.
				t.Sleep(fscache.LRUCookieTimeout)
				w.teardown(t)
			})
		},
	})
	register(Scenario{
		Name: "lru-vs-use",
		Desc: "a cookie's pending LRU discard races with a new use and its write to the cache (CVE-2022-48989)",
		Setup: func(k *sim.Kernel, w *World) {
			k.Spawn("netfs", func(t *sim.Thread) {
				c := w.bindAndAcquire(t)
				fscache.UseCookie(t, c, false)
				fscache.WriteToCache(t, c, 0, zeroBlock[:], 4096, true, nil)
				fscache.UnuseCookie(t, c, nil, nil)
				t.Sleep(fscache.LRUCookieTimeout)
				// Reopen the file and read it while the LRU worker may have
				// marked the cookie for discard: the read request holds its
				// cache resources while it downloads from the server, then
				// copies the data to the cache (netfs_rreq_write_to_cache).
				fscache.UseCookie(t, c, false)
				netfsReadAndCopy(t, c, 4096)
				fscache.UnuseCookie(t, c, nil, nil)
				fscache.RelinquishCookie(t, c, false)
				t.Sleep(fscache.LRUCookieTimeout)
				w.teardown(t)
			})
		},
	})
}

// netfsReadAndCopy is a netfs read request that misses the cache: begin a
// read operation, download from the server (virtual time passes), then copy
// what was downloaded into the cache through the same operation.
func netfsReadAndCopy(t *sim.Thread, c *fscache.Cookie, size int64) error {
	var cres fscache.CacheResources
	if err := fscache.BeginReadOperation(t, &cres, c); err != nil {
		return err
	}
	t.Sleep(sim.Millisecond) // the download from the server
	start, length := int64(0), size
	if err := cres.Ops.PrepareWrite(t, &cres, &start, &length, size, false); err == nil {
		cres.Ops.Write(t, &cres, start, zeros(length), nil)
	}
	fscache.EndOperation(t, &cres)
	return nil
}
