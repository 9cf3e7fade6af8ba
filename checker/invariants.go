package checker

import (
	"slices"

	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// Per-step and per-event invariants: spec §12, I-1..I-25, and the
// transition table of §5.4. Each check is stated where it holds in the
// kernel too: where the kernel itself opens a window between two steps of
// one thread (a counter bumped before a flag is set, both under a lock),
// the check is made only while that lock is free, or deferred to the event
// that closes the window. Each such place says so.
//
// The cachefiles invariants I-26..I-32 are not here: they will come as an
// Extension (Options.Extensions) written against model/cachefiles.

var (
	evSpawn, _ = sim.EventTypeByName("sim_spawn")
	evExit, _  = sim.EventTypeByName("sim_exit")
)

// lruTimerName is the LRU timer's callback thread (its Timer.Name).
const lruTimerName = "fscache_cookie_lru_timed_out"

// smRows are the rows of the transition table made only from the cookie's
// state machine (its worker, or a backend callback the worker made), per
// "Entry contexts" of spec §5.4: check "sm-context". Together with I-20
// (one state machine run per cookie at a time, from the worker's own
// trace points) this says every such change is serialised by the work
// item.
var smRows = map[string]bool{
	"T3": true, "T4": true, "T5": true, "T5'": true, "T6": true, "T6'": true, "T8": true, "T8'": true,
	"T9": true, "T10": true, "T11": true, "T12": true, "T13": true, "T14": true, "T15": true,
}

func isCachingState(s fscache.CookieState) bool {
	return s == fscache.CookieLookingUp || s == fscache.CookieCreating || s == fscache.CookieActive || s == fscache.CookieInvalidating
}

// stateName names a state as the fscache_cookie_state event prints it
// (NEW for -1, a cookie being created).
func stateName(s int) string {
	if s < 0 {
		return "NEW"
	}
	return fscache.CookieState(s).String()
}

func has(fl uint64, bit int) bool { return fl&(1<<bit) != 0 }

// ---------------------------------------------------------------------------
// Events.

func (c *Checker) onEvent(k *sim.Kernel, e *sim.Event) {
	if c.failed {
		return
	}
	c.evThread = e.Thread
	switch e.Type {
	case fscache.EvCookie, fscache.EvActive, fscache.EvAccess, fscache.EvAcquire, fscache.EvRelinquish,
		fscache.EvInvalidate, fscache.EvResize, fscache.EvCookieState, fscache.EvMark:
		// Counted in the state the cookie was in before the event.
		tr := c.track(e.Obj)
		c.cov.notePair(tr, e)
		tr.gen++ // the handlers below may change what checkCookieRules reads
	}
	switch e.Type {
	case fscache.EvCookieState:
		c.cookieStateEvent(e)
	case fscache.EvCookie:
		c.cookieRefEvent(e)
	case fscache.EvAccess:
		c.cookieAccessEvent(e)
	case fscache.EvRelinquish:
		tr := c.track(e.Obj)
		tr.relinquished = true
		c.live.heat(monL2, uint64(e.Obj), objRef{'c', e.Obj}, "relinquished cookie not yet DROPPED", k.Step())
	case fscache.EvCacheState:
		c.cacheStateEvent(e)
	case fscache.EvMark:
		c.cov.Marks[e.Str[0]]++
	case fscache.EvWarn:
		c.noticeEvent(e)
	case evSpawn:
		if e.Str[0] == lruTimerName {
			c.lruTimerCB++
		}
	case evExit:
		if e.Str[0] == lruTimerName {
			c.lruTimerCB--
		}
	}
	c.cookieRulesEvent(e)
	for _, x := range c.opts.Extensions {
		if c.failed {
			return
		}
		c.reportFailure(x.Event(k, e))
	}
}

// cookieStateEvent checks one fscache_cookie_state event against the
// transition table: the row exists and allows from -> to, the change chains
// on from the last one seen for this cookie, state-machine-only rows come
// from the cookie's running state machine, and the row's observable guards
// and side effects hold.
func (c *Checker) cookieStateEvent(e *sim.Event) {
	id := e.Str[0]
	tr := c.track(e.Obj)
	from, to := int(e.Args[0]), fscache.CookieState(e.Args[1])
	if from < -1 || from >= int(fscache.NumCookieStates) || to >= fscache.NumCookieStates {
		c.reportCookie("transition", e.Obj, "c=%08x: state change %d->%d (%s) from or to a state that does not exist", e.Obj, from, to, id)
		return
	}
	row, ok := fscache.TransitionByID(id)
	if !ok {
		c.reportCookie("transition", e.Obj, "c=%08x: state change %s->%v names row %q, which is not in the transition table", e.Obj, stateName(from), to, id)
		return
	}
	// The first change of a cookie is its creation (T1, from "new", -1);
	// every later one starts where the previous one left it.
	switch {
	case !tr.seen && from != -1:
		c.reportCookie("transition", e.Obj, "c=%08x: first state change is %s (%s->%v), not the creation of the cookie (T1 from NEW)", e.Obj, id, stateName(from), to)
		return
	case tr.seen && from == -1:
		c.reportCookie("transition", e.Obj, "c=%08x: %s creates the cookie again (NEW->%v); it was created before and is %v", e.Obj, id, to, tr.state)
		return
	case tr.seen && from != int(tr.state):
		c.reportCookie("transition", e.Obj, "c=%08x: state change %s->%v (%s) but the last state change left it %v", e.Obj, stateName(from), to, id, tr.state)
		return
	}
	if !row.Allows(from, to) {
		c.reportCookie("transition", e.Obj, "c=%08x: %s does not allow %s->%v (row: %v -> %v, %s)", e.Obj, id, stateName(from), to, row.From, row.To, row.Trigger)
		return
	}
	if smRows[id] && (tr.smDepth == 0 || tr.smThread != e.Thread) {
		c.reportCookie("sm-context", e.Obj, "c=%08x: %s (%s->%v) made outside the cookie's state machine (%s)", e.Obj, id, stateName(from), to, c.k.ThreadName(e.Thread))
		return
	}
	if ck := tr.c; ck != nil {
		c.transitionGuards(tr, ck, id, to)
	}
	if tr.i18Suspect {
		if to != fscache.CookieFailed {
			c.reportCookie("I-18", e.Obj, "c=%08x: IS_CACHING was cleared at step %d while %v, and the next change is %s to %v, not to FAILED", e.Obj, tr.i18Step, tr.state, id, to)
			return
		}
		tr.i18Suspect = false
	}
	tr.pinPending = 0
	tr.seen = true
	tr.state = to
	if to == fscache.CookieDropped {
		tr.dropped, tr.droppedVia = true, id
		c.live.cool(monL2, uint64(e.Obj), c.k.Step())
	}
	c.cov.Rows[id]++
}

// transitionGuards checks, at a state change, what the row's guard and side
// effects make observable at that moment.
func (c *Checker) transitionGuards(tr *cookieTrack, ck *fscache.Cookie, id string, to fscache.CookieState) {
	fl := ck.FlagBits()
	need := func(bit int, what string) bool {
		if !has(fl, bit) {
			c.reportCookie("transition", ck.DebugID, "c=%08x: %s (to %v) without %s: %s", ck.DebugID, id, to, fscache.CookieFlagName(bit), what)
			return false
		}
		return true
	}
	switch id {
	case "T10":
		if !need(fscache.FlagDoLRUDiscard, "the SM discards only on request") {
			return
		}
	case "T11", "T13":
		if !need(fscache.FlagDoRelinquish, "only a relinquish request leads to RELINQUISHING") {
			return
		}
	case "T12":
		if !need(fscache.FlagDoWithdraw, "only a withdraw request leads to WITHDRAWING") {
			return
		}
	case "T16":
		if has(fl, fscache.FlagHasBeenCached) {
			c.reportCookie("transition", ck.DebugID, "c=%08x: T16 (never-cached relinquish) on a cookie with HAS_BEEN_CACHED", ck.DebugID)
			return
		}
	}
	// I-16: the SM enters RELINQUISHING/WITHDRAWING, and since Linux
	// 6.10.7 ("add missing "n_accesses" check") LRU_DISCARDING, only having
	// seen n_accesses == 0 under cookie->lock. A gated begin may bump the
	// count after the SM's read (it then backs out on the cache or the
	// state), so the check is that the count was 0 at some step end since
	// the SM took the lock it still holds.
	if to == fscache.CookieRelinquishing || to == fscache.CookieWithdrawing || to == fscache.CookieLRUDiscarding {
		if ck.NAccesses() != 0 && (tr.lockSince < 0 || tr.zeroSeen < tr.lockSince) {
			c.reportCookie("I-16", ck.DebugID, "c=%08x: %s to %v with n_accesses %d, and n_accesses was not 0 at any step since the state machine took cookie->lock (step %d)",
				ck.DebugID, id, to, ck.NAccesses(), tr.lockSince)
			return
		}
	}
	switch to {
	case fscache.CookieDropped:
		if !has(fl, fscache.FlagRelinquished) {
			c.reportCookie("I-15", ck.DebugID, "c=%08x: DROPPED (%s) without RELINQUISHED", ck.DebugID, id)
			return
		}
		// I-17: on the SM path the unhash precedes the state store.
		if id == "T15" && (has(fl, fscache.FlagIsHashed) || ck.OnHashChain()) {
			c.reportCookie("I-17", ck.DebugID, "c=%08x: DROPPED by the state machine while still hashed", ck.DebugID)
			return
		}
	}
	// I-19: after T14/T15 the backend object is gone.
	if (id == "T14" || id == "T15") && ck.CachePriv != nil {
		c.reportCookie("I-19", ck.DebugID, "c=%08x: %s to %v with the backend object still attached (cache_priv set)", ck.DebugID, id, to)
	}
}

// cookieRefEvent follows the fscache_cookie tracepoint: state machine runs
// (I-20), the end of relinquish (I-17 for the never-cached path), and
// collision waiters (L-3).
func (c *Checker) cookieRefEvent(e *sim.Event) {
	tr := c.track(e.Obj)
	switch e.Str[0] {
	case fscache.TraceCookieSeeWork:
		if tr.smDepth > 0 {
			c.reportCookie("I-20", e.Obj, "c=%08x: state machine started in %s while it runs in %s",
				e.Obj, c.k.ThreadName(e.Thread), c.k.ThreadName(tr.smThread))
			return
		}
		tr.smDepth++
		tr.smThread = e.Thread
	case fscache.TraceCookiePutWork:
		if tr.smDepth > 0 {
			tr.smDepth--
		}
		tr.smThread = -1
	case fscache.TraceCookiePutRelinquish:
		tr.relinqDone = true
		if ck := tr.c; ck != nil && tr.droppedVia == "T16" && (ck.Has(fscache.FlagIsHashed) || ck.OnHashChain()) {
			c.reportCookie("I-17", e.Obj, "c=%08x: relinquish of a never-cached cookie finished with the cookie DROPPED but still hashed", e.Obj)
		}
	case fscache.TraceCookieGetHashCollision:
		c.live.heat(monL3, uint64(e.Obj)<<32|uint64(uint32(e.Thread)), objRef{'c', e.Obj}, "acquire waiting for its relinquished twin to be DROPPED ("+c.k.ThreadName(e.Thread)+")", c.k.Step())
	case fscache.TraceCookiePutHashCollision:
		c.live.cool(monL3, uint64(e.Obj)<<32|uint64(uint32(e.Thread)), c.k.Step())
	}
}

// cookieAccessEvent follows the access-gate pin and unpin (I-22).
func (c *Checker) cookieAccessEvent(e *sim.Event) {
	tr := c.track(e.Obj)
	switch e.Str[0] {
	case fscache.TraceAccessCachePin:
		if tr.smDepth == 0 || tr.smThread != e.Thread || tr.state != fscache.CookieLookingUp {
			c.reportCookie("I-22", e.Obj, "c=%08x: access gate pinned (NO_ACCESS_WAKE) by %s in state %v, not by the state machine starting a lookup",
				e.Obj, c.k.ThreadName(e.Thread), tr.state)
			return
		}
		tr.pinPending++
	case fscache.TraceAccessCacheUnpin:
		if tr.unpinOwed > 0 {
			tr.unpinOwed--
		}
	}
}

// validCacheEdge is spec §8.1's cache state edges (I-25).
func validCacheEdge(from, to fscache.CacheState) bool {
	switch {
	case to == fscache.CacheWithdrawn:
		return true
	case from == fscache.CacheNotPresent && to == fscache.CachePreparing,
		from == fscache.CachePreparing && to == fscache.CacheActive,
		from == fscache.CachePreparing && to == fscache.CacheNotPresent,
		from == fscache.CacheActive && to == fscache.CacheGotIOError,
		from == fscache.CacheWithdrawn && to == fscache.CacheNotPresent:
		return true
	}
	return false
}

func (c *Checker) cacheStateEvent(e *sim.Event) {
	tr := c.cacheTrack(e.Obj)
	from, to := fscache.CacheState(e.Args[0]), fscache.CacheState(e.Args[1])
	if !tr.seen && from != fscache.CacheNotPresent {
		c.reportCache("I-25", e.Obj, "C=%08x: first state change %v->%v: a new cache record is NOT_PRESENT", e.Obj, from, to)
		return
	}
	if tr.seen && from != tr.state {
		c.reportCache("I-25", e.Obj, "C=%08x: state change %v->%v but the last change left it %v", e.Obj, from, to, tr.state)
		return
	}
	if !validCacheEdge(from, to) {
		c.reportCache("I-25", e.Obj, "C=%08x: cache state %v->%v is not an edge of spec §8.1", e.Obj, from, to)
		return
	}
	tr.seen, tr.state = true, to
	switch to {
	case fscache.CacheWithdrawn:
		c.live.heat(monL4, uint64(e.Obj), objRef{'C', e.Obj}, "cache withdrawal not yet drained", c.k.Step())
	case fscache.CacheNotPresent:
		c.live.cool(monL4, uint64(e.Obj), c.k.Step())
	}
}

// ---------------------------------------------------------------------------
// Steps.

func (c *Checker) onStep(k *sim.Kernel) {
	if c.failed {
		return
	}
	c.step = k.Step()
	c.pass++
	c.moved = false
	c.discoverCookies()
	c.checkCookies()
	// The LRU, volume and cache checks read the cookies' inputs (and their
	// counts), the LRU list, and the volumes', caches' and volume hash
	// chains' views, which Fscache.Gen covers: when none moved, they would
	// reach the verdicts of the step before.
	fgen := c.f.Gen()
	quiet := c.fseen && !c.moved && fgen == c.fgen
	if c.opts.Full && !c.failed {
		c.verifyQuiet(quiet)
		quiet = false
	}
	if !quiet {
		if !c.failed {
			c.checkLRU()
		}
		if !c.failed {
			c.checkVolumes()
		}
		if !c.failed {
			c.checkCaches()
		}
		c.fgen, c.fseen, c.volPass = fgen, true, c.pass
	}
	if !c.failed {
		c.checkLiveness()
	}
	for _, x := range c.opts.Extensions {
		if c.failed {
			break
		}
		c.reportFailure(x.Step(k))
	}
	c.logLen = len(k.Log())
	c.evThread = -1
}

// discoverCookies attaches the cookies that appeared in Fscache.Cookies
// since the last step. The list only grows at its tail, so scanning back
// from the tail to the first known cookie finds them all.
func (c *Checker) discoverCookies() {
	list := c.f.Cookies()
	// Most steps make no cookie: the tail is the one seen last time.
	if n := len(list); n == 0 || list[n-1] == c.lastCookie {
		return
	}
	c.lastCookie = list[len(list)-1]
	i := len(list)
	for i > 0 {
		tr := c.track(list[i-1].DebugID)
		if tr.c != nil {
			break
		}
		i--
	}
	for _, ck := range list[i:] {
		c.moved = true
		tr := c.track(ck.DebugID)
		tr.c = ck
		tr.lastInval = ck.InvalCounter
		c.alive = append(c.alive, tr)
	}
}

// checkCookies runs the per-cookie invariants over every known cookie not
// yet freed, and the free-time checks on those freed since the last step.
func (c *Checker) checkCookies() {
	n := 0
	for i, tr := range c.alive {
		if c.failed {
			return
		}
		if tr.c.Life().Freed() {
			c.moved = true
			tr.freed = true
			c.checkFreed(tr)
			continue
		}
		if n != i {
			c.alive[n] = tr
		}
		n++
		// checkCookie's clean case, inline: the cookie's generation and
		// track stand still, so its inputs do (only I-16's record of
		// n_accesses at 0 moves with the step).
		if tr.inValid && tr.c.Gen() == tr.ckGen && tr.gen == tr.in.gen && !c.opts.Full {
			if tr.in.nAcc == 0 {
				tr.zeroSeen = c.step
			}
			continue
		}
		c.checkCookie(tr)
	}
	if n < len(c.alive) {
		clear(c.alive[n:])
		c.alive = c.alive[:n]
	}
	if c.failed {
		return
	}
	// The counts and I-3's candidates are functions of the cookies'
	// inputs: rebuilt when one moved.
	if c.moved || c.opts.Full {
		c.countCookies()
	}
	if c.liveHashed > 1 && (c.moved || !c.i3NoPair || c.opts.Full) {
		c.checkOneLivePerKey()
	}
}

// countCookies rebuilds, from the cookies' inputs, the per-volume counts
// (checkVolumes, checkCaches) and I-3's candidates (checkOneLivePerKey).
func (c *Checker) countCookies() {
	// The entries stay (a run has few volumes), so no pointer is written.
	for i := range c.volCounts {
		vc := &c.volCounts[i]
		vc.acquired, vc.inflight, vc.holders, vc.cachePriv, vc.lookups = 0, 0, 0, 0, 0
	}
	c.liveHashed = 0
	c.hashedLive = c.hashedLive[:0]
	for _, tr := range c.alive {
		in := &tr.in
		fl := in.fl
		if has(fl, fscache.FlagIsHashed) && !has(fl, fscache.FlagRelinquished) {
			c.liveHashed++ // a candidate for I-3 (checkOneLivePerKey)
			c.hashedLive = append(c.hashedLive, tr)
		}
		v := in.vol
		if v == nil {
			continue
		}
		vc := c.volCount(v)
		if resStateVol[in.st] {
			vc.lookups++ // R-volume
		}
		if tr.everHashed {
			vc.holders++
			if !has(fl, fscache.FlagRelinquished) {
				vc.acquired++
			} else if !tr.relinqDone {
				vc.inflight++
			}
		}
		if in.has(inPriv) {
			vc.cachePriv++
		}
	}
}

// checkOneLivePerKey is I-3: for a given volume and key, at most one hashed
// cookie lacks RELINQUISHED. Hashing scans and inserts under the bucket
// lock, so the check holds while that lock is free. (checkCookies calls it
// only when checkCookie counted two such cookies or more, and over the
// ones it counted, c.hashedLive: the cookies of c.alive that are hashed and
// not relinquished, in the same order, so the pairs and the first one
// reported are those of a scan of c.alive.)
//
// A key's pairs depend only on the candidates (a cookie's key is fixed at
// its allocation; its volume is compared too): when the candidates are
// those of the last call, in the same order, with the same volumes, and
// that call found no two with one key, none are found now and the scan is
// skipped (not with Options.Full).
func (c *Checker) checkOneLivePerKey() {
	if c.i3NoPair && !c.opts.Full && c.sameI3() {
		return
	}
	pair := false
	for i, a := range c.hashedLive {
		for _, b := range c.hashedLive[i+1:] {
			if a.c.Volume == b.c.Volume && fscache.CookieKeySame(a.c.Key, a.c.KeyHash, b.c.Key, b.c.KeyHash) {
				pair = true
				if c.f.CookieBucketLocked(a.c.KeyHash) {
					break // a hash in progress: the pair is checked once the bucket is free
				}
				c.report(sim.FailInvariant, "I-3", []string{cookieObj(a.id), cookieObj(b.id)},
					"c=%08x and c=%08x: two live hashed cookies for one key %q in one volume: %s; %s", a.id, b.id, a.c.Key, describeCookie(a.c), describeCookie(b.c))
				return
			}
		}
	}
	c.i3Last = c.i3Last[:0]
	for _, tr := range c.hashedLive {
		c.i3Last = append(c.i3Last, i3Cand{tr, tr.c.Volume})
	}
	c.i3NoPair = !pair
}

// i3Cand is a candidate of the last checkOneLivePerKey.
type i3Cand struct {
	tr  *cookieTrack
	vol *fscache.Volume
}

func (c *Checker) sameI3() bool {
	if len(c.i3Last) != len(c.hashedLive) {
		return false
	}
	for i, tr := range c.hashedLive {
		if c.i3Last[i].tr != tr || c.i3Last[i].vol != tr.c.Volume {
			return false
		}
	}
	return true
}

func (c *Checker) chainContains(ck *fscache.Cookie) bool {
	return slices.Contains(c.f.CookieHashChain(ck.KeyHash), ck)
}

// cookieIn is every input of a cookie's per-step rules (checkCookieRules):
// the cookie's own fields as the views show them, its hash-chain
// membership, and the checker's own record of it (gen counts the events
// that changed that record). Two steps with equal inputs get the same
// verdict from the rules, so checkCookie runs them only when the inputs
// changed (see "Incremental checks" in doc.go).
type cookieIn struct {
	fl              uint64
	ref, nAct, nAcc int64
	vol             *fscache.Volume
	inval           uint32
	gen             uint32 // cookieTrack.gen: events that changed the track
	st              fscache.CookieState
	bits            uint8 // the in* bits below
}

// cookieIn.bits.
const (
	inHeld       = 1 << iota // cookie->lock held
	inOnChain                // on its hash chain (the chain scanned, not the flag)
	inOnLRU                  // commit_link non-empty
	inPriv                   // cache_priv set
	inWorkPend               // the state machine's work item pending
	inWorkRun                // ... or running
	inEverHashed             // cookieTrack.everHashed
)

func (in *cookieIn) has(b uint8) bool { return in.bits&b != 0 }

// same compares field by field (Go's == on the struct is a call).
func (in *cookieIn) same(o *cookieIn) bool {
	return in.fl == o.fl && in.ref == o.ref && in.nAct == o.nAct && in.nAcc == o.nAcc &&
		in.vol == o.vol && in.inval == o.inval && in.gen == o.gen && in.st == o.st && in.bits == o.bits
}

func bit(b bool, v uint8) uint8 {
	if b {
		return v
	}
	return 0
}

func (c *Checker) checkCookie(tr *cookieTrack) {
	ck := tr.c
	// A cookie whose generation and track are as the last step left them
	// shows the inputs it showed then: they are not read again, and
	// nothing below changes but I-16's record of n_accesses at 0.
	clean := tr.inValid && ck.Gen() == tr.ckGen && tr.gen == tr.in.gen
	if clean && !c.opts.Full {
		if tr.in.nAcc == 0 {
			tr.zeroSeen = c.step
		}
		return
	}
	in := c.readCookie(tr, ck)
	if clean && !in.same(&tr.in) {
		// Options.Full: the generation missed a change.
		c.reportCookie("incremental", ck.DebugID, "c=%08x: its inputs changed but its generation did not (a store the model does not count in Cookie.Gen)", ck.DebugID)
		return
	}
	tr.ckGen = ck.Gen()
	held := in.has(inHeld)
	hashed := has(in.fl, fscache.FlagIsHashed)

	// I-16 bookkeeping: when cookie->lock was taken, when n_accesses was 0.
	if held && !tr.lockPrev {
		tr.lockSince = c.step
	}
	tr.lockPrev = held
	if in.nAcc == 0 {
		tr.zeroSeen = c.step
	}

	same := tr.inValid && in.same(&tr.in)
	if !same {
		c.moved = true
	}
	if same && !c.opts.Full {
		return
	}
	tr.inValid = false
	tr.in = in // countCookies reads it
	if c.checkCookieRules(tr, ck, in) {
		return
	}
	// I-4 alone reads a lock of another object (the bucket's), and only
	// while the flag and the chain disagree: such a step is not
	// remembered.
	tr.inValid = hashed == in.has(inOnChain)
}

// readCookie reads a cookie's inputs from the model's views.
func (c *Checker) readCookie(tr *cookieTrack, ck *fscache.Cookie) cookieIn {
	in := cookieIn{
		st: ck.State(), fl: ck.FlagBits(),
		ref: ck.Ref(), nAct: ck.NActive(), nAcc: ck.NAccesses(),
		inval: ck.InvalCounter, gen: tr.gen, vol: ck.Volume,
	}
	onChain := c.chainContains(ck)
	if onChain {
		tr.everHashed = true
	}
	in.bits = bit(ck.LockHeld(), inHeld) | bit(onChain, inOnChain) | bit(ck.OnLRU(), inOnLRU) |
		bit(ck.CachePriv != nil, inPriv) | bit(ck.WorkPending(), inWorkPend) | bit(ck.WorkRunning(), inWorkRun) |
		bit(tr.everHashed, inEverHashed)
	return in
}

// checkCookieRules is a cookie's per-step rules over its inputs in; it
// reports whether one failed. With the same in (and cookieTrack fields
// that only events change, counted in in.gen) it reaches the same verdict
// and leaves the track as it found it: the track fields it moves
// (i18Suspect, lastInval, pinPending, unpinOwed, nawPrev) settle at the
// first call with these inputs.
func (c *Checker) checkCookieRules(tr *cookieTrack, ck *fscache.Cookie, in cookieIn) bool {
	id := ck.DebugID
	st, fl := in.st, in.fl
	ref, nAct, nAcc := in.ref, in.nAct, in.nAcc
	held, onChain := in.has(inHeld), in.has(inOnChain)
	hashed := has(fl, fscache.FlagIsHashed)

	if st >= fscache.NumCookieStates {
		c.reportCookie("transition", id, "c=%08x: state %d does not exist", id, st)
		return true
	}
	// I-4: both sides change under the bucket lock.
	if hashed != onChain && !c.f.CookieBucketLocked(ck.KeyHash) {
		c.reportCookie("I-4", id, "c=%08x: IS_HASHED %v but on its hash chain %v (bucket unlocked): %s", id, hashed, onChain, describeCookie(ck))
		return true
	}
	// I-5, I-7.
	if nAct < 0 {
		c.reportCookie("I-5", id, "c=%08x: n_active %d < 0 (unbalanced unuse)", id, nAct)
		return true
	}
	if nAcc < 0 {
		c.reportCookie("I-7", id, "c=%08x: n_accesses %d < 0", id, nAcc)
		return true
	}
	// I-1: the refs the visible holders own. The netfs holds one until
	// relinquish (RELINQUISHED is set before its put), the LRU list one,
	// a pending work item one, the backend object one (cache_priv is set
	// after the object's get and cleared before its put). Collision waiters
	// and running state machines hold refs the views do not show, so this
	// is a lower bound.
	holders := int64(0)
	if !has(fl, fscache.FlagRelinquished) {
		holders++
	}
	if in.has(inOnLRU) {
		holders++
	}
	if in.has(inWorkPend) {
		holders++
	}
	if in.has(inPriv) {
		holders++
	}
	if ref < holders {
		c.reportCookie("I-1", id, "c=%08x: ref %d but %d holders can be seen: %s", id, ref, holders, describeCookie(ck))
		return true
	}
	// I-2: the hash table holds no ref, so a hashed cookie reaching 0 is
	// about to be freed while hashed (the v3-of-the-rewrite race).
	if ref <= 0 && (hashed || onChain) {
		c.reportCookie("I-2", id, "c=%08x: refcount reached 0 while the cookie is still hashed (it will be freed hashed; relinquished %v, dropped %v): %s",
			id, tr.relinquished, tr.dropped, describeCookie(ck))
		return true
	}
	// I-6.
	if has(fl, fscache.FlagRelinquished) && nAct != 0 {
		c.reportCookie("I-6", id, "c=%08x: relinquished with n_active %d", id, nAct)
		return true
	}
	// I-8: only a cookie that has been caching goes on the LRU. (The
	// statement "IS_CACHING was set when it was added" is not checkable
	// from a view: fscache_caching_failed clears IS_CACHING without the
	// cookie lock, so it may be clear again by the time it is listed.
	// HAS_BEEN_CACHED is set together with IS_CACHING and never cleared.)
	if in.has(inOnLRU) && !has(fl, fscache.FlagHasBeenCached) {
		c.reportCookie("I-8", id, "c=%08x: on the LRU but never cached: %s", id, describeCookie(ck))
		return true
	}
	// I-9: use_cookie raises n_active before it clears DO_LRU_DISCARD,
	// both under cookie->lock, so it holds whenever the lock is free.
	if !held && has(fl, fscache.FlagDoLRUDiscard) && (st == fscache.CookieActive || st == fscache.CookieInvalidating) && nAct != 0 {
		c.reportCookie("I-9", id, "c=%08x: DO_LRU_DISCARD pending in %v while in use (n_active %d): the state machine will discard an object in use", id, st, nAct)
		return true
	}
	// I-15.
	if st == fscache.CookieDropped && !has(fl, fscache.FlagRelinquished) {
		c.reportCookie("I-15", id, "c=%08x: DROPPED without RELINQUISHED", id)
		return true
	}
	// I-17 (eventual): DROPPED and hashed only inside a never-cached
	// relinquish, which stores DROPPED before it unhashes.
	if st == fscache.CookieDropped && (hashed || onChain) && !(tr.droppedVia == "T16" && !tr.relinqDone) {
		c.reportCookie("I-17", id, "c=%08x: DROPPED (%s) and still hashed after the path that dropped it finished", id, tr.droppedVia)
		return true
	}
	// I-18.
	if isCachingState(st) {
		// fscache_begin_lookup stores LOOKING_UP before it sets the flags,
		// under cookie->lock.
		if !held && !has(fl, fscache.FlagHasBeenCached) {
			c.reportCookie("I-18", id, "c=%08x: %v without HAS_BEEN_CACHED", id, st)
			return true
		}
		// fscache_caching_failed clears IS_CACHING without the lock and
		// then stores FAILED: the next change must be to FAILED.
		if !has(fl, fscache.FlagIsCaching) && !held && !tr.i18Suspect {
			tr.i18Suspect, tr.i18Step = true, c.step
		}
	}
	if st == fscache.CookieFailed && has(fl, fscache.FlagIsCaching) {
		c.reportCookie("I-18", id, "c=%08x: FAILED with IS_CACHING set", id)
		return true
	}
	// I-19: the backend attaches its object before the negative-lookup
	// transition and detaches it only in the state machine's closing
	// states.
	if (st == fscache.CookieCreating || st == fscache.CookieActive || st == fscache.CookieInvalidating) && !in.has(inPriv) {
		c.reportCookie("I-19", id, "c=%08x: %v without a backend object (cache_priv NULL)", id, st)
		return true
	}
	// I-21.
	if in.inval < tr.lastInval {
		c.reportCookie("I-21", id, "c=%08x: inval_counter went back from %d to %d", id, tr.lastInval, in.inval)
		return true
	}
	tr.lastInval = in.inval
	// I-22: NO_ACCESS_WAKE is set only by fscache_init_access_gate (traced
	// just before) and cleared only by __fscache_withdraw_cookie (traced
	// just after, if it cleared it).
	naw := has(fl, fscache.FlagNoAccessWake)
	if naw && !tr.nawPrev {
		if tr.pinPending == 0 {
			c.reportCookie("I-22", id, "c=%08x: NO_ACCESS_WAKE set outside fscache_init_access_gate (state %v)", id, st)
			return true
		}
		tr.pinPending--
	}
	if !naw && tr.nawPrev {
		tr.unpinOwed++
	}
	tr.nawPrev = naw
	// I-23: unuse clears DISABLED after n_active reaches 0, under the lock.
	if !held && has(fl, fscache.FlagDisabled) && nAct < 1 {
		c.reportCookie("I-23", id, "c=%08x: DISABLED while not in use (n_active %d)", id, nAct)
		return true
	}
	// R-state, R-access (resources.go).
	if c.checkCookieResources(ck, st, fl, nAcc, held) {
		return true
	}
	// L-5 (requests.go).
	c.checkCookieRequests(ck, in)
	return c.failed
}

// checkFreed runs once, at the first step end at which the cookie is freed
// (I-1, I-2, and relinquished ⇒ DROPPED before the free).
func (c *Checker) checkFreed(tr *cookieTrack) {
	ck := tr.c
	if c.live.hotL5 > 0 {
		c.coolL5(uint64(ck.DebugID)) // L-5: a freed cookie owes nothing
	}
	if ck.Has(fscache.FlagIsHashed) || ck.OnHashChain() || c.chainContains(ck) {
		c.reportCookie("I-2", ck.DebugID, "c=%08x: freed while hashed: %s", ck.DebugID, describeCookie(ck))
		return
	}
	if ck.OnLRU() || slices.Contains(c.f.LRU(), ck) {
		c.reportCookie("I-2", ck.DebugID, "c=%08x: freed while on the LRU", ck.DebugID)
		return
	}
	if tr.everHashed && ck.Ref() != 0 {
		c.reportCookie("I-1", ck.DebugID, "c=%08x: freed with ref %d", ck.DebugID, ck.Ref())
		return
	}
	if tr.relinquished && !tr.dropped {
		c.reportCookie("relinquish-dropped", ck.DebugID, "c=%08x: relinquished and freed without reaching DROPPED (left %v)", ck.DebugID, ck.State())
	}
}

// checkLRU checks the list against the cookies' view of it: each member
// is a live cookie, listed once, and knows it is listed (I-8: the list
// holds one ref per member, counted by I-1).
func (c *Checker) checkLRU() {
	for _, ck := range c.f.LRU() {
		tr := c.track(ck.DebugID)
		switch {
		case ck.Life().Freed():
			c.reportCookie("I-2", ck.DebugID, "c=%08x: freed cookie on the LRU", ck.DebugID)
			return
		case tr.lruStamp == c.step:
			c.reportCookie("I-8", ck.DebugID, "c=%08x: on the LRU twice", ck.DebugID)
			return
		case !ck.OnLRU():
			c.reportCookie("I-8", ck.DebugID, "c=%08x: on the LRU list but its commit_link says not", ck.DebugID)
			return
		}
		tr.lruStamp = c.step
	}
	for _, tr := range c.alive {
		if tr.c.OnLRU() && tr.lruStamp != c.step {
			c.reportCookie("I-8", tr.id, "c=%08x: commit_link says listed but it is not on the LRU list", tr.id)
			return
		}
	}
}

func (c *Checker) checkVolumes() {
	for _, v := range c.f.Volumes() {
		vc := c.volCount(v)
		// The counts I-12 and I-13 compare a cache against (checkCaches).
		if v.Cache != nil {
			ct := c.cacheTrack(v.Cache.DebugID)
			if ct.counted != c.pass {
				ct.counted, ct.attached, ct.objects = c.pass, 0, 0
			}
			ct.attached++
			ct.objects += vc.cachePriv
		}
		// I-10: n_cookies counts the acquired, unrelinquished cookies;
		// a relinquish in progress may not have dropped it yet.
		if n := v.NCookies(); n < vc.acquired || n > vc.acquired+vc.inflight {
			c.reportVolume("I-10", v.DebugID, "V=%08x: n_cookies %d, but %d cookies are acquired and not relinquished (%d relinquishes in progress)", v.DebugID, n, vc.acquired, vc.inflight)
			return
		}
		// I-11.
		if v.Ref() < vc.holders {
			c.reportVolume("I-11", v.DebugID, "V=%08x: ref %d but %d unfreed cookies hold a ref on it", v.DebugID, v.Ref(), vc.holders)
			return
		}
		// I-14 (volume): the backend sets cache_priv just before it takes
		// the pin, inside the creation work (CREATING set); withdrawal
		// drops the pin once the cache is WITHDRAWN.
		if v.CachePriv != nil && v.Flags()&(1<<fscache.VolCreating) == 0 && cacheLive(v.Cache) && v.NAccesses() < 1 {
			c.reportVolume("I-14", v.DebugID, "V=%08x: on-disk volume ready and cache %v, but n_accesses %d (the backend's pin is gone)", v.DebugID, v.Cache.State(), v.NAccesses())
			return
		}
		// R-volume (resources.go).
		if c.checkVolumeResources(v, vc) {
			return
		}
		// L-5 (requests.go).
		c.checkVolumeRequests(v)
		// L-3 for volumes: a pending acquirer waits for the relinquished
		// twin to be freed.
		if v.Flags()&(1<<fscache.VolAcquirePending) != 0 {
			c.live.heat(monL3, 1<<63|uint64(v.DebugID), objRef{'V', v.DebugID}, "volume acquire waiting for its relinquished twin to be freed", c.step)
		} else {
			c.live.cool(monL3, 1<<63|uint64(v.DebugID), c.step)
		}
		if c.checkVolumeChain(v) {
			return
		}
	}
}

func cacheLive(ca *fscache.Cache) bool {
	s := ca.State()
	return s == fscache.CacheActive || s == fscache.CacheGotIOError
}

func volRelinquished(v *fscache.Volume) bool { return v.Flags()&(1<<fscache.VolRelinquished) != 0 }

func volSame(a, b *fscache.Volume) bool {
	return a.KeyHash == b.KeyHash && a.Cache == b.Cache && a.Key == b.Key
}

// checkVolumeChain is I-24 for v's bucket; it reports whether it failed.
func (c *Checker) checkVolumeChain(v *fscache.Volume) bool {
	chain := c.f.VolumeHashChain(v.KeyHash)
	if !slices.Contains(chain, v) {
		return false
	}
	var relinquishedTwin bool
	for _, w := range chain {
		if w == v || !volSame(v, w) {
			continue
		}
		if !volRelinquished(v) && !volRelinquished(w) {
			c.report(sim.FailInvariant, "I-24", []string{volumeObj(v.DebugID), volumeObj(w.DebugID)}, "V=%08x and V=%08x: two live volumes with key %q on cache C=%08x", v.DebugID, w.DebugID, v.Key, v.Cache.DebugID)
			return true
		}
		if volRelinquished(w) && w.Flags()&(1<<fscache.VolCollidedWith) != 0 {
			relinquishedTwin = true
		}
	}
	if v.Flags()&(1<<fscache.VolAcquirePending) != 0 && !relinquishedTwin && !c.f.VolumeBucketLocked(v.KeyHash) {
		c.reportVolume("I-24", v.DebugID, "V=%08x: ACQUIRE_PENDING with no relinquished, collided-with twin in its bucket: nobody will wake it", v.DebugID)
		return true
	}
	return false
}

func (c *Checker) checkCaches() {
	for _, ca := range c.f.Caches() {
		ct := c.cacheTrack(ca.DebugID)
		if !ct.listed {
			ct.listed = true
			c.seenCaches = append(c.seenCaches, ca)
		}
		// The volumes on ca and their cookies with a backend object, as
		// checkVolumes counted them this step.
		attached, objects := int64(0), int64(0)
		if ct.counted == c.pass {
			attached, objects = ct.attached, ct.objects
		}
		// I-12.
		if ca.Ref() < attached {
			c.reportCache("I-12", ca.DebugID, "C=%08x: ref %d but %d volumes are attached", ca.DebugID, ca.Ref(), attached)
			return
		}
		if ca.NVolumes() < attached {
			c.reportCache("I-12", ca.DebugID, "C=%08x: n_volumes %d but %d volumes are listed on it", ca.DebugID, ca.NVolumes(), attached)
			return
		}
		// I-13: every cookie with a backend object counts one object.
		if ca.ObjectCount() < objects {
			c.reportCache("I-13", ca.DebugID, "C=%08x: object_count %d but %d cookies have a backend object", ca.DebugID, ca.ObjectCount(), objects)
			return
		}
		// I-14 (cache).
		if cacheLive(ca) && ca.NAccesses() < 1 {
			c.reportCache("I-14", ca.DebugID, "C=%08x: %v but n_accesses %d (the backend's pin is gone)", ca.DebugID, ca.State(), ca.NAccesses())
			return
		}
	}
}
