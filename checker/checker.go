package checker

import (
	"fmt"
	"strings"

	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// DefaultLivenessBound is Options.LivenessBound when it is zero: how many
// steps an object may stay hot before its monitor reports it.
const DefaultLivenessBound = 5000

// Options configure a Checker.
type Options struct {
	// LivenessBound is how many steps a liveness monitor lets an object stay
	// hot (a relinquished cookie not yet DROPPED, a withdrawal not drained,
	// a collision waiter not returned, an LRU entry nobody will look at)
	// before it reports a liveness failure (default DefaultLivenessBound).
	// See liveness.go for what a step is and why counting steps is fair.
	LivenessBound int64
	// Extensions are further per-step, per-event and end-of-run checks over
	// parts of the model this package does not know (cachefiles'
	// invariants I-26..I-32 will be one). They run after fscache's own.
	Extensions []Extension
	// History, if set, is the netfs's recorded history: at the end of a
	// run that passed every other check, Verdict checks it for
	// linearizability against the per-cookie register (see linear.go).
	History *Recorder
	// Linear configures that check.
	Linear LinearOptions
	// Full runs every per-step rule on every object at every step, as if
	// nothing were remembered between steps: a debug mode for tests that
	// compare it with the incremental checks ("Incremental checks" in
	// doc.go). Verdicts are the same either way.
	Full bool
}

// Extension is a set of checks over another part of the model. Every
// method returns nil when all is well; a non-nil failure ends the run (from
// Step and Event) or is the end-of-run verdict (from EndOfRun). An extension
// must not change the model and must be deterministic.
type Extension interface {
	// Name names the extension in reports ("cachefiles").
	Name() string
	// Step runs after every step, after fscache's per-step invariants.
	Step(k *sim.Kernel) *sim.Failure
	// Event sees every event as it is emitted.
	Event(k *sim.Kernel, e *sim.Event) *sim.Failure
	// EndOfRun runs once on a drained world, after a run that passed.
	EndOfRun(k *sim.Kernel) *sim.Failure
}

// Checker watches one execution of the fscache model: it checks the
// invariants of spec §12 after every step and on every event, runs the
// liveness monitors, counts coverage, and judges the end of the run. It
// sees the model only through events and the read-only views of
// model/fscache; it never changes it.
type Checker struct {
	f    *fscache.Fscache
	opts Options
	k    *sim.Kernel

	cov   *Coverage
	live  liveness
	rules *traceRules     // the trace rules T-* (tracerules.go)
	req   reqTrack        // the request checks (requested.go)
	cr    cookieRules     // the cookie-protocol rules (cookierules.go)
	skip  map[string]bool // SkipChecks

	cookies []*cookieTrack // by debug id (ids are dense, from 2)
	alive   []*cookieTrack // tracks whose cookie is known and not yet freed, allocation order
	caches  []*cacheTrack  // by debug id

	seenCaches []*fscache.Cache // every cache record seen, in order

	volCounts  []volCount      // per volume seen, counts rebuilt every step
	lastVC     int             // index in volCounts of the last volCount found
	lastCookie *fscache.Cookie // the tail of Fscache.Cookies at the last discovery
	liveHashed int             // cookies checkCookie saw hashed and not relinquished this step
	hashedLive []*cookieTrack  // those cookies, in c.alive's order (checkOneLivePerKey)
	i3Last     []i3Cand        // the candidates of the last checkOneLivePerKey
	i3NoPair   bool            // and it found no two with one key
	moved      bool            // this step: a cookie's inputs changed, or one was found or freed
	fgen       uint32          // Fscache.Gen when the LRU, volume and cache checks last ran
	fseen      bool            // they have run
	volPass    int64           // the step hook's call (pass) in which they last ran
	digest     uint64          // Options.Full: worldDigest at the step before

	logLen     int   // decision log length after the previous step
	evThread   int32 // thread of the last event of the current step, -1 for none
	lruTimerCB int   // LRU timer callbacks spawned and not yet exited
	failed     bool
	step       int64 // the step the step hook is judging
	pass       int64 // the step hook's calls so far (stamps what it counted)
}

// cookieTrack is what the checker remembers about one cookie.
type cookieTrack struct {
	id uint32
	c  *fscache.Cookie // nil until the cookie shows up in Fscache.Cookies

	// From events.
	seen         bool                // a state event has been seen
	state        fscache.CookieState // the last state an event moved it to
	dropped      bool
	droppedVia   string // T15 or T16
	relinquished bool   // fscache_relinquish seen
	relinqDone   bool   // the netfs's ref was put at the end of relinquish
	smThread     int32  // thread running the cookie's state machine
	smDepth      int    // state machine runs in progress (I-20: at most 1)
	pinPending   int    // fscache_init_access_gate traced, flag not yet seen set
	unpinOwed    int    // NO_ACCESS_WAKE cleared, withdraw's trace not yet seen

	// From the per-step views.
	freed      bool
	everHashed bool
	lastInval  uint32
	lockPrev   bool
	lockSince  int64 // step in which cookie->lock was last taken
	zeroSeen   int64 // last step at whose end n_accesses was 0
	nawPrev    bool  // NO_ACCESS_WAKE at the end of the previous step
	lruStamp   int64 // step in which the LRU list scan last saw it
	i18Suspect bool  // IS_CACHING cleared in a caching state; next must be FAILED
	i18Step    int64

	// The incremental checks (doc.go): the inputs checkCookieRules last
	// passed, and whether they may be reused.
	gen     uint32 // bumped at every cookie event (the handlers change the fields above)
	in      cookieIn
	inValid bool
	ckGen   uint32 // the cookie's Gen when in was read
}

type cacheTrack struct {
	id     uint32
	seen   bool
	state  fscache.CacheState
	listed bool // in seenCaches

	// Counted by checkVolumes for checkCaches; valid in the step hook's
	// call numbered counted (Checker.pass).
	counted  int64
	attached int64 // volumes on the cache
	objects  int64 // their cookies with a backend object
}

type volCount struct {
	v         *fscache.Volume
	acquired  int64 // hashed, not relinquished
	inflight  int64 // relinquish in progress (may or may not have dropped n_cookies yet)
	holders   int64 // hashed at some point and not yet freed: each holds a volume ref
	cachePriv int64 // cookies with a backend object (for the cache's object_count)
	lookups   int64 // cookies in a state that holds a volume access (R-volume)
}

// New makes a checker for the fscache instance f. Attach it to the
// kernel before the run.
func New(f *fscache.Fscache, opts Options) *Checker {
	if opts.LivenessBound <= 0 {
		opts.LivenessBound = DefaultLivenessBound
	}
	if opts.Full {
		for _, x := range opts.Extensions {
			if s, ok := x.(interface{ setFull() }); ok {
				s.setFull() // the extension's own self-check (cfincremental.go)
			}
		}
	}
	return &Checker{f: f, opts: opts, cov: NewCoverage(), evThread: -1}
}

// Attach hooks the checker into k: its per-step checks run after every
// step and its event checks on every event. Attach once, before k.Run.
func (c *Checker) Attach(k *sim.Kernel) {
	c.k = k
	c.cov.Runs++
	k.AddEventHook(c.onEvent)
	c.rules = newTraceRules(c)
	k.AddEventHook(c.rules.event)
	k.AddStepHook(c.onStep)
	c.f.ObserveBackend(c.onBackendCall)
	c.f.ObserveNetfs(c.onNetfsCall)
	c.f.ObserveRequests(c.onRequest)
	c.f.ObservePoints(c.onPoint)
}

// Coverage is what this run has covered so far.
func (c *Checker) Coverage() *Coverage { return c.cov }

// volCount finds (or adds) v's counts for this step.
func (c *Checker) volCount(v *fscache.Volume) *volCount {
	if c.lastVC < len(c.volCounts) && c.volCounts[c.lastVC].v == v {
		return &c.volCounts[c.lastVC]
	}
	for i := range c.volCounts {
		if c.volCounts[i].v == v {
			c.lastVC = i
			return &c.volCounts[i]
		}
	}
	c.lastVC = len(c.volCounts)
	c.volCounts = append(c.volCounts, volCount{v: v})
	return &c.volCounts[c.lastVC]
}

// Fscache is the instance the checker watches.
func (c *Checker) Fscache() *fscache.Fscache { return c.f }

func (c *Checker) track(id uint32) *cookieTrack {
	for int(id) >= len(c.cookies) {
		c.cookies = append(c.cookies, nil)
	}
	tr := c.cookies[id]
	if tr == nil {
		tr = &cookieTrack{id: id, smThread: -1, lockSince: -1, zeroSeen: -1}
		c.cookies[id] = tr
	}
	return tr
}

func (c *Checker) cacheTrack(id uint32) *cacheTrack {
	for int(id) >= len(c.caches) {
		c.caches = append(c.caches, nil)
	}
	tr := c.caches[id]
	if tr == nil {
		tr = &cacheTrack{id: id}
		c.caches[id] = tr
	}
	return tr
}

// report ends the run with a failure of class. From the event hook the
// kernel names the running thread; from the step hook the checker names the
// thread that took the step when it can tell.
func (c *Checker) report(class sim.FailClass, check string, objs []string, format string, args ...any) {
	if c.failed || c.skip[check] {
		return
	}
	c.failed = true
	f := &sim.Failure{Class: class, Check: check, Msg: fmt.Sprintf(format, args...), Objects: objs}
	if c.k.Current() == nil {
		f.Thread = -1
		if th := c.stepThread(); th >= 0 {
			f.Thread, f.ThreadName = th, c.k.ThreadName(th)
		}
	}
	c.k.Report(f)
}

// SkipChecks makes the named checks report nothing in this run: for a test
// that proves one check on a model broken in a way another check would
// report first (a broken model often breaks several rules at once).
func (c *Checker) SkipChecks(checks ...string) {
	if c.skip == nil {
		c.skip = map[string]bool{}
	}
	for _, n := range checks {
		c.skip[n] = true
	}
}

// reportCookie, reportVolume and reportCache report an invariant failure
// naming one object (the name is built only then: the checks run at every
// step).
func (c *Checker) reportCookie(check string, id uint32, format string, args ...any) {
	c.report(sim.FailInvariant, check, []string{cookieObj(id)}, format, args...)
}

func (c *Checker) reportVolume(check string, id uint32, format string, args ...any) {
	c.report(sim.FailInvariant, check, []string{volumeObj(id)}, format, args...)
}

func (c *Checker) reportCache(check string, id uint32, format string, args ...any) {
	c.report(sim.FailInvariant, check, []string{cacheObj(id)}, format, args...)
}

// reportFailure passes an extension's failure on.
func (c *Checker) reportFailure(f *sim.Failure) {
	if c.failed || f == nil {
		return
	}
	c.failed = true
	c.k.Report(f)
}

// stepThread is the thread that took the step being judged: the thread
// decision recorded for it, or the thread of its events; -1 if neither
// tells (a step of the only enabled thread that emitted nothing).
func (c *Checker) stepThread() int32 {
	log := c.k.Log()
	if c.logLen < len(log) && log[c.logLen].Kind == sim.DecThread {
		return int32(log[c.logLen].V)
	}
	return c.evThread
}

// objRef names an object as a failure does ("c=000000a1"), formatted only
// when a failure needs it: the liveness monitors heat objects every step.
type objRef struct {
	kind byte // 'c' cookie, 'V' volume, 'C' cache
	id   uint32
}

func (o objRef) String() string { return fmt.Sprintf("%c=%08x", o.kind, o.id) }

func cookieObj(id uint32) string { return objRef{'c', id}.String() }
func volumeObj(id uint32) string { return objRef{'V', id}.String() }
func cacheObj(id uint32) string  { return objRef{'C', id}.String() }

// describeCookie is one line of a cookie's state for failure messages.
func describeCookie(ck *fscache.Cookie) string {
	var b strings.Builder
	fmt.Fprintf(&b, "c=%08x state %v flags %s ref %d n_active %d n_accesses %d",
		ck.DebugID, ck.State(), fscache.CookieFlagString(ck.FlagBits()), ck.Ref(), ck.NActive(), ck.NAccesses())
	if ck.OnLRU() {
		b.WriteString(" on-LRU")
	}
	if ck.OnHashChain() {
		b.WriteString(" on-hash-chain")
	}
	if ck.CachePriv != nil {
		b.WriteString(" has-backend-object")
	}
	if ck.WorkPending() {
		b.WriteString(" work-pending")
	}
	if ck.WorkRunning() {
		b.WriteString(" work-running")
	}
	return b.String()
}

// Verdict is the judgement of one execution: the run's own result combined
// with the end-of-run and liveness checks. The first failure wins: a check
// that failed during the run (an invariant, a use-after-free, a deadlock,
// an oops, a liveness bound) is the verdict; otherwise the end-of-run
// checks judge the drained world.
type Verdict struct {
	Pass    bool
	Outcome sim.Outcome  // the run's outcome (OutcomeFail if the end-of-run checks failed)
	Failure *sim.Failure // nil when Pass, and for a step-bound or diverged run with nothing hot
	Result  sim.Result
	// Linear is the linearizability check's verdict, when a history was
	// recorded and every other check passed. Its Result is Ok, Illegal
	// (then Failure is its failure) or Unknown: the search ran out of its
	// budget, which is neither a pass nor a failure; the run still passes
	// and Linear says so.
	Linear *LinearVerdict
}

func (v Verdict) String() string {
	switch {
	case v.Pass:
		return fmt.Sprintf("pass (%d steps, %s)", v.Result.Steps, v.Result.Time)
	case v.Failure != nil:
		return v.Failure.String()
	case v.Result.Diverged != "":
		return fmt.Sprintf("%v: %s", v.Outcome, v.Result.Diverged)
	}
	return fmt.Sprintf("%v after %d steps", v.Outcome, v.Result.Steps)
}

// Verdict judges the run k ended with res.
func (c *Checker) Verdict(k *sim.Kernel, res sim.Result) Verdict {
	v := Verdict{Outcome: res.Outcome, Failure: res.Failure, Result: res}
	if end := c.EndOfRun(k, res); end != nil {
		v.Failure = end
		v.Outcome = sim.OutcomeFail
	}
	if h := c.opts.History; h != nil && v.Outcome == sim.OutcomePass && v.Failure == nil {
		lv, err := h.Check(c.opts.Linear)
		if err != nil && lv.Failure != nil {
			lv.Failure.Msg += " (" + err.Error() + ")"
		}
		v.Linear = &lv
		if lv.Failure != nil {
			v.Failure = lv.Failure
			v.Outcome = sim.OutcomeFail
		}
	}
	v.Pass = v.Outcome == sim.OutcomePass && v.Failure == nil
	return v
}
