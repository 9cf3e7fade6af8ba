package checker

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// Trace rules (T-*): what 6.12's tracepoints and log lines mean, checked on
// each event as it is emitted. A tracepoint's fields and a log line's text
// are what a kernel developer reads; a model that computes one wrongly
// (a put labelled with the wrong reason, an error trace of no error, a log
// line in the wrong situation) is wrong even where no other state differs.
// Each rule is stated from include/trace/events/{fscache,cachefiles}.h and
// the call sites in fs/netfs/fscache_*.c and fs/cachefiles/*.c:
//
//   - T-cache-put: fscache_relinquish_cache puts the cache as `PUT pfail`
//     exactly when the cache was still PREPARING, as `PUT relnq` otherwise.
//   - T-unpin: an `UNPIN cache` access trace of a cookie follows a
//     `PIN   cache` of the same cookie that no unpin has answered yet.
//   - T-retire: fscache_relinquish's rt= is 1 when the relinquish retires
//     the cookie, 0 otherwise: it agrees with RETIRED in the same trace's
//     f= (set from the same argument just before the trace reads the
//     flags, by the same thread).
//   - T-lru-discard-clear: `-   lrudc` (a use cancelling an LRU discard)
//     only after a fscache_cookie_lru_do_one of the cookie (the only setter
//     of DO_LRU_DISCARD) and before the request was consumed (an lrudc, or
//     the state machine's move to LRU_DISCARDING).
//   - T-debug-id: cookie debug ids are the kernel's: the counter starts at
//     1 and is incremented before use, so the first cookie is c=00000002
//     and each new one is the next; fscache_access_volume's c= is 0 (a
//     volume-level access) or a cookie of that volume.
//   - T-log: the duplicate-cookie lines (fscache_print_cookie) show the
//     cookie's own state letter, volume and keys; "cookie state change wait
//     timed out" only after the 20 s wait; "Dirty object in cache" exactly
//     before a coherency trace of verdict DIRTY; "Lookup %s failed with
//     error %d" after every directory lookup error but ENOMEM, and not
//     after ENOMEM; "failed to get cres->file" never in a read's
//     fscache_begin_operation (FSCACHE_WANT_PARAMS needs no file).
//   - T-obj-ref: cachefiles_ref shows the count before a get or put (at
//     least 1: refcount_inc on 0 is a use-after-free) and 1 for a new one.
//   - T-vfs-error: cachefiles_vfs_error and cachefiles_io_error carry an
//     error (their call sites trace only on failure).
//   - T-lookup-trace: the lookup trace of cachefiles_get_directory (o=0)
//     carries the lookup's error exactly when a vfs_error of that error
//     follows (a negative dentry is no error).
//   - T-use: fscache_active's USE-m is a use with will_modify: a plain
//     USE of an ACTIVE or INVALIDATING cookie queues no work (only
//     will_modify sets DO_PREP_TO_WRITE there and queues).
//   - T-coherency: cachefiles_coherency's c= is the content byte of the
//     xattr read (the disk's), whenever the xattr was read whole (any
//     verdict but BAD xatt; then 6.12 prints an uninitialised byte).
//   - T-mkdir: cachefiles_mkdir names no object (the tracepoint has none).
//   - T-exptmp: cachefiles_create_tmpfile's EXPTMP truncation grows a new,
//     empty file (from 0) to a positive size rounded to the DIO block.
//
// Cost: a switch on the event type and O(1) state per cookie, cache and
// thread; the duplicate-cookie lines also find the cookie in
// Fscache.Cookies (rare events). The rules read the model's views only for
// what cannot change (a volume's key) or through cachefiles' disk: a
// mirror of the kernel's C (kernelc/csim) copies its views in after each
// step, not at each event, and in weak-memory runs a view shows committed
// memory, not the tracing thread's own buffered stores.

const (
	checkCachePut     = "T-cache-put"
	checkUnpin        = "T-unpin"
	checkRetire       = "T-retire"
	checkLRUClear     = "T-lru-discard-clear"
	checkDebugID      = "T-debug-id"
	checkLog          = "T-log"
	checkObjRef       = "T-obj-ref"
	checkVFSError     = "T-vfs-error"
	checkLookupTrace  = "T-lookup-trace"
	checkMkdir        = "T-mkdir"
	checkExpandTmpfle = "T-exptmp"
	checkTUse         = "T-use"
	checkContent      = "T-coherency"
)

// trCookie is what the trace rules remember of one cookie.
type trCookie struct {
	known      bool
	state      fscache.CookieState
	volume     uint32 // V= of its fscache_acquire
	pins       int32  // PIN traces not yet answered by an UNPIN
	lruPending bool   // a do_one ran since DO_LRU_DISCARD was last consumed (lrudc or LRU_DISCARDING)
}

type trCache struct {
	relinq     bool // moved to NOT_PRESENT at least once
	relinqFrom fscache.CacheState
}

// Pending expectations on a thread's next cachefiles event.
const (
	pendNone        = iota
	pendLookupError // a directory lookup traced an error: its vfs_error comes next
	pendLookupOK    // a directory lookup traced no error: no lookup vfs_error next
	pendLookupLog   // a directory lookup's vfs_error: the log line (or not, ENOMEM) next
	pendDirty       // "Dirty object in cache": the DIRTY coherency trace next
)

type trThread struct {
	plainUse  uint32 // the cookie of its last use trace if a plain USE of an ACTIVE or INVALIDATING one
	lastBegin string // the reason of its last `BEGIN io_*` access trace
	cresWarn  bool   // "failed to get cres->file" logged; its next access trace not yet seen
	ioWait    bool
	ioWaitT   sim.Time // when its last `WAIT  io` was traced
	pend      uint8
	pendErr   int64
}

type traceRules struct {
	c       *Checker
	cookies []trCookie // by debug id
	caches  []trCache  // by debug id
	threads []trThread // by thread id
	lastNew uint32     // the last new cookie's id (the kernel's counter starts at 1)

	printedO, printedN uint32 // the cookie of the last "O-cookie c=" and "N-cookie c=" lines
}

var (
	cfEventTypes  []bool // indexed by sim.EventType: the cachefiles_* tracepoints
	cfEventsNamed = []sim.EventType{cachefiles.EvRef, cachefiles.EvLookup, cachefiles.EvMkdir, cachefiles.EvTmpfile,
		cachefiles.EvLink, cachefiles.EvUnlink, cachefiles.EvRename, cachefiles.EvCoherency, cachefiles.EvVolCoherency,
		cachefiles.EvPrepRead, cachefiles.EvRead, cachefiles.EvWrite, cachefiles.EvTrunc, cachefiles.EvMarkActive,
		cachefiles.EvMarkFailed, cachefiles.EvMarkInactive, cachefiles.EvVFSError, cachefiles.EvIOError,
		cachefiles.EvState, cachefiles.EvWarn}
)

func init() {
	n := 0
	for _, t := range cfEventsNamed {
		n = max(n, int(t)+1)
	}
	cfEventTypes = make([]bool, n)
	for _, t := range cfEventsNamed {
		cfEventTypes[t] = true
	}
}

func newTraceRules(c *Checker) *traceRules { return &traceRules{c: c, lastNew: 1} }

func (r *traceRules) cookie(id uint32) *trCookie {
	for int(id) >= len(r.cookies) {
		r.cookies = append(r.cookies, trCookie{})
	}
	return &r.cookies[id]
}

func (r *traceRules) cache(id uint32) *trCache {
	for int(id) >= len(r.caches) {
		r.caches = append(r.caches, trCache{})
	}
	return &r.caches[id]
}

func (r *traceRules) thread(id int32) *trThread {
	if id < 0 {
		return nil
	}
	for int(id) >= len(r.threads) {
		r.threads = append(r.threads, trThread{})
	}
	return &r.threads[id]
}

// findCookie is the live cookie of debug id id, or nil (a scan of
// Fscache.Cookies from its tail: used only on rare events).
func (r *traceRules) findCookie(id uint32) *fscache.Cookie {
	list := r.c.f.Cookies()
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].DebugID == id {
			return list[i]
		}
	}
	return nil
}

func (r *traceRules) fail(check string, objs []string, format string, args ...any) {
	r.c.report(sim.FailInvariant, check, objs, format, args...)
}

// event is the trace rules' event hook.
func (r *traceRules) event(k *sim.Kernel, e *sim.Event) {
	if r.c.failed {
		return
	}
	if int(e.Type) < len(cfEventTypes) && cfEventTypes[e.Type] {
		r.cachefilesEvent(e)
		return
	}
	switch e.Type {
	case fscache.EvCookieState:
		ck := r.cookie(e.Obj)
		if e.Args[0] < 0 {
			if e.Obj != r.lastNew+1 {
				r.fail(checkDebugID, []string{cookieObj(e.Obj)}, "new cookie c=%08x after c=%08x: 6.12's fscache_cookie_debug_id starts at 1 and is incremented before use, so cookies are numbered 2, 3, ... in allocation order",
					e.Obj, r.lastNew)
				return
			}
			r.lastNew = e.Obj
			ck.known = true
		}
		ck.state = fscache.CookieState(e.Args[1])
		if ck.state == fscache.CookieLRUDiscarding {
			ck.lruPending = false
		}
	case fscache.EvAcquire:
		r.cookie(e.Obj).volume = uint32(e.Args[0])
	case fscache.EvAccess:
		r.accessEvent(e)
	case fscache.EvAccessVolume:
		id := uint32(e.Args[0])
		if id != 0 && (int(id) >= len(r.cookies) || !r.cookies[id].known || r.cookies[id].volume != e.Obj) {
			r.fail(checkDebugID, []string{volumeObj(e.Obj)}, "fscache_access_volume V=%08x names c=%08x (%s), which is not a cookie of that volume: c= is 0 for a volume-level access or the cookie being looked up",
				e.Obj, id, strings.TrimSpace(e.Str[0]))
		}
	case fscache.EvActive:
		if th := r.thread(e.Thread); th != nil {
			th.plainUse = 0
			if st := r.cookie(e.Obj).state; e.Str[0] == fscache.TraceActiveUse && (st == fscache.CookieActive || st == fscache.CookieInvalidating) {
				th.plainUse = e.Obj
			}
		}
	case fscache.EvCookie:
		r.cookieRefEvent(e)
	case fscache.EvRelinquish:
		r.relinquishEvent(e)
	case fscache.EvCacheState:
		if fscache.CacheState(e.Args[1]) == fscache.CacheNotPresent {
			cs := r.cache(e.Obj)
			cs.relinq, cs.relinqFrom = true, fscache.CacheState(e.Args[0])
		}
	case fscache.EvCache:
		r.cachePutEvent(e)
	case fscache.EvWarn:
		r.fscacheLogEvent(e)
	}
}

func (r *traceRules) accessEvent(e *sim.Event) {
	ck := r.cookie(e.Obj)
	if th := r.thread(e.Thread); th != nil {
		if th.cresWarn {
			// The warning came from fscache_begin_operation's own
			// call (its failure ends the access as io_notl), so the
			// want was the one its BEGIN trace names.
			th.cresWarn = false
			if e.Str[0] == fscache.TraceAccessIONotLive && th.lastBegin == fscache.TraceAccessIORead {
				r.fail(checkLog, []string{cookieObj(e.Obj)}, "c=%08x: %q in a read's fscache_begin_operation (BEGIN io_read, FSCACHE_WANT_PARAMS): cachefiles_begin_operation needs no file for WANT_PARAMS and logs it only for a want beyond",
					e.Obj, cresLine)
				return
			}
		}
		if strings.HasPrefix(e.Str[0], "BEGIN io_") {
			th.lastBegin = e.Str[0]
		}
	}
	switch e.Str[0] {
	case fscache.TraceAccessCachePin:
		ck.pins++
	case fscache.TraceAccessCacheUnpin:
		if ck.pins < 1 {
			r.fail(checkUnpin, []string{cookieObj(e.Obj)}, "c=%08x: access gate unpinned (UNPIN cache) without a pin: __fscache_withdraw_cookie ends the cache's access only when it cleared NO_ACCESS_WAKE, which fscache_init_access_gate's pin set", e.Obj)
			return
		}
		ck.pins--
	case fscache.TraceAccessIOWait:
		if th := r.thread(e.Thread); th != nil {
			th.ioWait, th.ioWaitT = true, e.Time
		}
	}
}

func (r *traceRules) cookieRefEvent(e *sim.Event) {
	switch e.Str[0] {
	case fscache.TraceCookieGetUseWork:
		if th := r.thread(e.Thread); th != nil && th.plainUse == e.Obj {
			r.fail(checkTUse, []string{cookieObj(e.Obj)}, "c=%08x: a use traced as USE (not USE-m) of an %v cookie queued its work: fscache_use_cookie queues an active cookie's state machine only for a use with will_modify (prepare to write)",
				e.Obj, r.cookie(e.Obj).state)
		}
	case fscache.TraceCookieSeeLRUDoOne:
		// A do_one may set DO_LRU_DISCARD (its other branch traces
		// nothing more that would tell them apart): a cancel is
		// possible until the request is consumed.
		r.cookie(e.Obj).lruPending = true
	case fscache.TraceCookieSeeLRUDiscardClear:
		ck := r.cookie(e.Obj)
		if !ck.lruPending {
			r.fail(checkLRUClear, []string{cookieObj(e.Obj)}, "c=%08x: a use traced cancelling an LRU discard (lrudc) that no fscache_cookie_lru_do_one requested: fscache_use_cookie traces it only when its test_and_clear found DO_LRU_DISCARD set", e.Obj)
			return
		}
		ck.lruPending = false
	}
}

func (r *traceRules) relinquishEvent(e *sim.Event) {
	rt, flags := e.Args[4], e.Args[3]
	if retired := has(uint64(flags), fscache.FlagRetired); (rt != 0 && rt != 1) || (rt == 1) != retired {
		r.fail(checkRetire, []string{cookieObj(e.Obj)}, "c=%08x: fscache_relinquish traces rt=%d with f=%02x (RETIRED %v): rt= is the bool retire argument, from which FSCACHE_COOKIE_RETIRED was set just before the trace read the flags",
			e.Obj, rt, flags&0xff, retired)
	}
}

func (r *traceRules) cachePutEvent(e *sim.Event) {
	why := e.Str[0]
	if why != fscache.TraceCachePutPrepFail && why != fscache.TraceCachePutRelinq {
		return
	}
	cs := r.cache(e.Obj)
	wantPrep := why == fscache.TraceCachePutPrepFail
	if !cs.relinq || (cs.relinqFrom == fscache.CachePreparing) != wantPrep {
		r.fail(checkCachePut, []string{cacheObj(e.Obj)}, "C=%08x put as %q after leaving state %v: fscache_relinquish_cache says prep_fail exactly when the cache was still PREPARING",
			e.Obj, strings.TrimSpace(why), cs.relinqFrom)
	}
}

const (
	waitTimedOutLine = "netfs: fscache_begin_operation: cookie state change wait timed out"
	cookieLinePrefix = "-cookie c="
	volumeLinePrefix = "-cookie V="
)

// cookieStateLetters is 6.12's fscache_cookie_states[] ("-LCAIFUWRD").
const cookieStateLetters = "-LCAIFUWRD"

func stateLetter(s fscache.CookieState) byte {
	if int(s) < len(cookieStateLetters) {
		return cookieStateLetters[s]
	}
	return '?'
}

// fscacheLogEvent checks fscache's log lines (pr_* with "netfs: ").
func (r *traceRules) fscacheLogEvent(e *sim.Event) {
	text := e.Str[0]
	if strings.HasPrefix(text, waitTimedOutLine) {
		th := r.thread(e.Thread)
		if th == nil || !th.ioWait || e.Time-th.ioWaitT < fscache.CollisionTimeout {
			r.fail(checkLog, nil, "%q logged by a thread that has not waited 20 s since its WAIT io trace: fscache_begin_operation says it only when wait_var_event_timeout ran out", text)
		}
		return
	}
	body, ok := strings.CutPrefix(text, "netfs: ")
	if !ok || len(body) < 2 {
		return
	}
	prefix := body[0]
	switch rest := body[1:]; {
	case strings.HasPrefix(rest, cookieLinePrefix):
		// "%c-cookie c=%08x [fl=%lx na=%u nA=%u s=%c]"
		id, ok := parseHex8(rest[len(cookieLinePrefix):])
		if !ok || len(rest) < 2 {
			return
		}
		if int(id) >= len(r.cookies) || !r.cookies[id].known {
			r.fail(checkLog, []string{cookieObj(id)}, "%q prints a cookie never created", text)
			return
		}
		// The state the trace last showed, or the printing thread's
		// own view of it (in weak-memory runs another thread's state
		// store may be traced before the printer sees it).
		st := r.cookies[id].state
		want, got := stateLetter(st), rest[len(rest)-2]
		if got != want {
			if c := r.findCookie(id); c != nil && stateLetter(c.State()) == got {
				want = got
			}
		}
		if got != want || rest[len(rest)-1] != ']' {
			r.fail(checkLog, []string{cookieObj(id)}, "%q: the cookie is %v, which fscache_print_cookie prints as s=%c", text, st, want)
		}
		r.lastPrinted(prefix, id)
	case strings.HasPrefix(rest, volumeLinePrefix):
		// "%c-cookie V=%08x [%s]", the volume's key buffer (length byte
		// first) as a string, of the cookie printed just before.
		c := r.findCookie(r.printedCookie(prefix))
		if c == nil || c.Volume == nil {
			return
		}
		want := fmt.Sprintf("%c-cookie V=%08x [%s]", prefix, c.Volume.DebugID, dmesgString(c.Volume.Key))
		if body != want {
			r.fail(checkLog, []string{cookieObj(c.DebugID)}, "%q: fscache_print_cookie prints the volume of c=%08x as %q", text, c.DebugID, "netfs: "+want)
		}
	}
}

// printedCookie and lastPrinted remember the cookie of the last "%c-cookie
// c=" line per prefix letter (the volume line follows it).
func (r *traceRules) lastPrinted(prefix byte, id uint32) {
	switch prefix {
	case 'O':
		r.printedO = id
	case 'N':
		r.printedN = id
	}
}

func (r *traceRules) printedCookie(prefix byte) uint32 {
	switch prefix {
	case 'O':
		return r.printedO
	case 'N':
		return r.printedN
	}
	return 0
}

// dmesgString is a volume's key buffer (its length, then the key) printed
// with %s and shown as dmesg shows it: up to the first NUL, each byte
// outside printable ASCII as \xNN.
func dmesgString(key string) string {
	var b strings.Builder
	raw := append([]byte{byte(len(key))}, key...)
	for _, c := range raw {
		if c == 0 {
			break
		}
		if c < 0x20 || c >= 0x7f {
			fmt.Fprintf(&b, "\\x%02x", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func parseHex8(s string) (uint32, bool) {
	if len(s) < 8 {
		return 0, false
	}
	v, err := strconv.ParseUint(s[:8], 16, 32)
	return uint32(v), err == nil
}

// cachefilesEvent checks one cachefiles_* event.
func (r *traceRules) cachefilesEvent(e *sim.Event) {
	th := r.thread(e.Thread)
	if th != nil && th.pend != pendNone {
		pend, perr := th.pend, th.pendErr
		th.pend = pendNone
		if !r.pending(e, pend, perr) {
			return
		}
	}
	switch e.Type {
	case cachefiles.EvVFSError, cachefiles.EvIOError:
		if e.Args[1] >= 0 {
			r.fail(checkVFSError, []string{objObj(e.Obj)}, "%s o=%08x %s e=%d: the tracepoint is made only on a failure, with its negative error",
				e.Type.Name(), e.Obj, e.Str[0], e.Args[1])
			return
		}
	case cachefiles.EvRef:
		u, why := e.Args[1], e.Str[0]
		switch {
		case why == cachefiles.TraceObjNew && u != 1:
			r.fail(checkObjRef, []string{objObj(e.Obj)}, "o=%08x: a new object traced with u=%d: cachefiles_alloc_object sets the count to 1", e.Obj, u)
		case (strings.HasPrefix(why, "GET") || strings.HasPrefix(why, "PUT")) && u < 1:
			r.fail(checkObjRef, []string{objObj(e.Obj)}, "o=%08x: %s traced with u=%d: the trace shows the count before the get or put, at least 1 (refcount_inc on 0 is a use-after-free)", e.Obj, why, u)
		}
	case cachefiles.EvLookup:
		if e.Obj == 0 && th != nil {
			// cachefiles_get_directory: a vfs_error of the same
			// error follows exactly when the trace carries one.
			if e.Args[2] != 0 {
				th.pend, th.pendErr = pendLookupError, e.Args[2]
			} else {
				th.pend = pendLookupOK
			}
		}
	case cachefiles.EvMkdir:
		if e.Obj != 0 {
			r.fail(checkMkdir, []string{objObj(e.Obj)}, "cachefiles_mkdir dB=%x sB=%x names object o=%08x: the tracepoint has no object (cachefiles_get_directory makes directories for none)", e.Args[0], e.Args[1], e.Obj)
		}
	case cachefiles.EvTrunc:
		if e.Str[0] == cachefiles.TruncExpandTmpfile && (e.Args[1] != 0 || e.Args[2] <= 0 || e.Args[2]%cachefiles.DIOBlockSize != 0) {
			r.fail(checkExpandTmpfle, []string{objObj(e.Obj)}, "o=%08x B=%x EXPTMP l=%x->%x: cachefiles_create_tmpfile expands a new (empty) file only to the object size rounded up to %d, and only when that is positive",
				e.Obj, e.Args[0], e.Args[1], e.Args[2], cachefiles.DIOBlockSize)
		}
	case cachefiles.EvWarn:
		if e.Str[0] == dirtyLine && th != nil {
			th.pend = pendDirty
			return
		}
		if e.Str[0] == cresLine && th != nil {
			th.cresWarn = true
		}
	case cachefiles.EvCoherency:
		if e.Str[0] == cachefiles.ReasonBadDirty {
			r.fail(checkLog, []string{objObj(e.Obj)}, "o=%08x: coherency verdict DIRTY without %q just before: cachefiles_check_auxdata logs it for that verdict", e.Obj, dirtyLine)
			return
		}
		r.coherencyContent(e)
	}
}

const (
	dirtyLine          = "CacheFiles: Dirty object in cache"
	cresLine           = "CacheFiles: failed to get cres->file"
	lookupFailedPrefix = "CacheFiles: Lookup "
)

// pending checks e, a thread's next cachefiles event, against what the
// thread's previous one announced; it reports whether the event's own
// checks should still run.
func (r *traceRules) pending(e *sim.Event, pend uint8, perr int64) bool {
	th := r.thread(e.Thread)
	isLookupErr := e.Type == cachefiles.EvVFSError && e.Str[0] == cachefiles.ErrLookup
	switch pend {
	case pendLookupError:
		if !isLookupErr || e.Args[1] != perr {
			r.fail(checkLookupTrace, nil, "a directory lookup traced e=%d, then %s %s e=%d: cachefiles_get_directory traces the lookup's error and then its vfs_error", perr, e.Type.Name(), e.Str[0], e.Args[1])
			return false
		}
		th.pend, th.pendErr = pendLookupLog, perr
		return false
	case pendLookupOK:
		if isLookupErr {
			r.fail(checkLookupTrace, nil, "a directory lookup traced no error, then a lookup vfs_error e=%d: cachefiles_get_directory's lookup trace carries the error it then reports", e.Args[1])
			return false
		}
	case pendLookupLog:
		line := e.Type == cachefiles.EvWarn && strings.HasPrefix(e.Str[0], lookupFailedPrefix)
		if wantLine := perr != int64(vfs.Code(vfs.ENOMEM)); line != wantLine {
			r.fail(checkLog, nil, "a directory lookup failed with %d, then %s %q: cachefiles_get_directory logs \"Lookup %%s failed with error %%d\" for every error but ENOMEM (nomem_d_alloc says nothing)", perr, e.Type.Name(), e.Str[0])
			return false
		}
		if line {
			if want := fmt.Sprintf(" failed with error %d", perr); !strings.HasSuffix(e.Str[0], want) {
				r.fail(checkLog, nil, "%q after a directory lookup failed with %d", e.Str[0], perr)
			}
			return false
		}
	case pendDirty:
		if e.Type != cachefiles.EvCoherency || e.Str[0] != cachefiles.ReasonBadDirty {
			r.fail(checkLog, []string{objObj(e.Obj)}, "%q, then %s %s: cachefiles_check_auxdata logs it only for the verdict DIRTY, which it traces next", dirtyLine, e.Type.Name(), e.Str[0])
			return false
		}
		r.coherencyContent(e)
		return false
	}
	return true
}

func objObj(id uint32) string { return fmt.Sprintf("o=%08x", id) }

// coherencyContent is T-coherency at a cachefiles_coherency event of a
// check whose xattr was read whole (every verdict of
// cachefiles_check_auxdata but BAD xatt): the c= field is the content
// byte of the object's xattr as the disk holds it.
func (r *traceRules) coherencyContent(e *sim.Event) {
	switch e.Str[0] {
	case cachefiles.ReasonOK, cachefiles.ReasonBadType, cachefiles.ReasonBadAux, cachefiles.ReasonBadObjSize, cachefiles.ReasonBadDirty:
	default:
		return // BAD xatt (nothing read whole), or a set: not a check of what was read
	}
	for _, x := range r.c.opts.Extensions {
		cf, ok := x.(*Cachefiles)
		if !ok {
			continue
		}
		for _, c := range cf.caches {
			if c.Severed() || !slices.ContainsFunc(c.Objects(), func(o *cachefiles.Object) bool { return o.DebugID == e.Obj }) {
				continue
			}
			buf, ok := c.FS().XattrView(vfs.Ino(e.Args[0]), cachefiles.XattrName)
			if !ok || len(buf) < 18 {
				return
			}
			if e.Args[1] != int64(buf[17]) {
				r.fail(checkContent, []string{objObj(e.Obj)}, "o=%08x B=%x: coherency %s traced with content c=%d, but the xattr read holds content %d: the tracepoint prints the content byte of the xattr cachefiles_check_auxdata read",
					e.Obj, e.Args[0], e.Str[0], e.Args[1], buf[17])
			}
			return
		}
	}
}
