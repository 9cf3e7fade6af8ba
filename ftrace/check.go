package ftrace

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Rules the checker applies. Each violation names one.
const (
	RuleRef           = "ref"                  // a GET/PUT/NEW/see r= (u=) value does not follow from the ones before
	RuleAccess        = "access"               // an a= (n_accesses) value does not follow
	RuleActive        = "n_active"             // a USE/UNUSE c= (n_active) value does not follow
	RuleRelinqActive  = "relinquish-active"    // relinquished while in use (U= not 0)
	RuleUseRelinq     = "use-after-relinquish" // USE of a relinquished cookie
	RuleWork          = "work"                 // the cookie's work item ran unqueued, twice at once, or state-machine steps ran outside it
	RuleRelinqEnd     = "relinquish-end"       // a relinquished cookie never reached x-rlq or was never freed
	RuleUseAfterFree  = "use-after-free"       // an event on an object after its last ref went
	RuleCollision     = "collision"            // a key collision not handled as the kernel does
	RuleObject        = "object"               // a cachefiles object's life out of order
	RuleInode         = "inode-in-use"         // a backing inode marked in use twice, or released unmarked
	RuleObjectUnknown = "id-reused"            // an object id printed as NEW a second time
	RuleLRUInUse      = "lru-discard-in-use"   // an LRU discard of a cookie put in use before the work item ran
)

// Rules lists every rule name, for documentation and tests.
var Rules = []string{RuleRef, RuleAccess, RuleActive, RuleRelinqActive, RuleUseRelinq, RuleWork, RuleRelinqEnd,
	RuleUseAfterFree, RuleCollision, RuleObject, RuleInode, RuleObjectUnknown, RuleLRUInUse}

// Violation is one broken rule.
type Violation struct {
	Line   int    `json:"line"`
	Object string `json:"object"` // "c=00000002", "V=00000001", "C=00000001", "o=00000003", "B=1f"
	Rule   string `json:"rule"`
	Msg    string `json:"msg"`
	Lines  []int  `json:"lines"` // the lines involved, oldest first
}

func (v Violation) String() string {
	return fmt.Sprintf("line %d: %s: [%s] %s (lines %s)", v.Line, v.Object, v.Rule, v.Msg, joinInts(v.Lines))
}

func joinInts(a []int) string {
	s := make([]string, len(a))
	for i, v := range a {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ",")
}

// MaxViolations bounds the violations a Checker keeps (it counts the rest).
const MaxViolations = 1000

const histLen = 6

// counter follows one printed count (a refcount, n_accesses, n_active)
// through the events that change or show it. A value out of order by one
// event is accepted when swapping it with the next event of the object
// makes both fit: on a real machine two CPUs can trace in the other order
// than they changed the count.
type counter struct {
	known     bool
	v, prev   int64
	pend      *op
	pendLines []int
}

// op is one event's effect on a counter: the count goes up by d, and the
// event prints the count plus off (off = d: printed after the change; 0:
// before, or a "see").
type op struct {
	d, off, printed int64
	see             bool
	line            int
}

func (o op) fits(v, prev int64) bool {
	if o.see {
		return o.printed == v || o.printed == prev
	}
	return o.printed == v+o.off
}

func (o op) set() int64 { return o.printed - o.off + o.d }

// obj is what the checker knows of one object.
type obj struct {
	name  string
	hist  [histLen]int
	nhist int
	ref   counter
	acc   counter
	act   counter
	freed int // line of the last put, 0 while alive

	// cookies
	relinq, needRlq, sawRlq bool
	relinqLine              int
	queued                  int
	running                 bool
	runPID                  int32
	runLine                 int
	activeSince             int // line where n_active went from 0 to 1
	lruDoPID                int32
	lruDoLine               int // an LRU worker's lrudo in progress (0: none)
	discardLine             int // the line that showed the LRU marked it for discard (0: none pending)
	workSinceMark           bool
	wantLrudc               map[int32]int // task -> line of a USE that must clear the pending discard

	// born: its NEW is in the trace, so the rules that need its whole
	// history (queued work, relinquish, withdrawal) apply; an object
	// first seen mid-life (the capture started later) is spared them.
	born bool

	// cachefiles objects
	cookie       uint32
	sawWithdraw  bool
	lastNotified int
}

func (o *obj) add(line int) {
	o.hist[o.nhist%histLen] = line
	o.nhist++
}

func (o *obj) lines(extra ...int) []int {
	var out []int
	n := min(o.nhist, histLen)
	for i := o.nhist - n; i < o.nhist; i++ {
		out = append(out, o.hist[i%histLen])
	}
	out = append(out, extra...)
	slices.Sort(out)
	return slices.Compact(out)
}

// Checker checks a stream of events against the rules. Feed it events in
// order with Add, then call Finish.
type Checker struct {
	// Partial: the trace may stop anywhere (a capture cut short), so the
	// rules that need the end of the story (relinquish-end, a counter
	// left mid-swap) are not applied at the end.
	Partial bool

	objs   map[objKey]*obj
	inodes map[string]int // B= -> 1 active, 2 inactive (line of the mark in the high bits is not kept)
	inoLn  map[string]int
	// per task: a freed cachefiles object whose "PUT obj" must come next
	putObj map[int32]putObjWant
	// per task: the cookie a "*COLLIDE*" was just seen on
	collide map[int32]int
	// per task: the last GET attch (cookie id and line)
	attach map[int32]attachSeen

	viol  []Violation
	nViol int
	// Events is the number of events checked; Kinds counts objects by kind.
	Events int
	Kinds  map[string]int
}

type putObjWant struct {
	cookie uint32
	line   int
	obj    string
}

type attachSeen struct {
	cookie uint32
	line   int
}

// NewChecker makes an empty checker.
func NewChecker() *Checker {
	return &Checker{objs: map[objKey]*obj{}, inodes: map[string]int{}, inoLn: map[string]int{},
		putObj: map[int32]putObjWant{}, collide: map[int32]int{}, attach: map[int32]attachSeen{}, Kinds: map[string]int{}}
}

// Violations are the violations found (at most MaxViolations) and Total
// how many there were.
func (c *Checker) Violations() []Violation { return c.viol }
func (c *Checker) Total() int              { return c.nViol }

func (c *Checker) report(line int, object, rule string, lines []int, format string, a ...any) {
	c.nViol++
	if len(c.viol) < MaxViolations {
		if len(lines) == 0 {
			lines = []int{line}
		}
		c.viol = append(c.viol, Violation{Line: line, Object: object, Rule: rule, Msg: fmt.Sprintf(format, a...), Lines: lines})
	}
}

func (c *Checker) get(kind string, id uint32) *obj {
	k := objKey{kind, id}
	o := c.objs[k]
	if o == nil {
		o = &obj{name: fmt.Sprintf("%s=%08x", kind, id)}
		c.objs[k] = o
		c.Kinds[kind]++
	}
	return o
}

// objKey names an object: its kind ("c", "V", "C", "o") and id.
type objKey struct {
	kind string
	id   uint32
}

// apply runs one op on a counter, reporting a value that does not fit.
func (c *Checker) apply(o *obj, ctr *counter, rule, what string, p op) {
	if !ctr.known {
		if p.see {
			ctr.known, ctr.v, ctr.prev = true, p.printed, p.printed
			return
		}
		ctr.known, ctr.prev, ctr.v = true, p.printed-p.off, p.set()
		return
	}
	if q := ctr.pend; q != nil {
		ctr.pend = nil
		// p first, then the held one?
		if p.fits(ctr.v, ctr.prev) {
			v1, pr1 := ctr.v, ctr.prev
			if !p.see {
				v1, pr1 = p.set(), ctr.v
			}
			if q.fits(v1, pr1) {
				ctr.v, ctr.prev = v1, pr1
				if !q.see {
					ctr.v, ctr.prev = q.set(), v1
				}
				return
			}
		}
		c.report(q.line, o.name, rule, append(ctr.pendLines, q.line), "%s %d does not follow from %d", what, q.printed, ctr.v-q.off)
		if !q.see {
			ctr.prev, ctr.v = ctr.v, q.set()
		}
	}
	if p.fits(ctr.v, ctr.prev) {
		if !p.see {
			ctr.prev, ctr.v = ctr.v, p.set()
		}
		return
	}
	ctr.pend = &p
	ctr.pendLines = o.lines()
}

// settle reports a held op when nothing more will come.
func (c *Checker) settle(o *obj, ctr *counter, rule, what string) {
	if q := ctr.pend; q != nil {
		ctr.pend = nil
		c.report(q.line, o.name, rule, append(ctr.pendLines, q.line), "%s %d does not follow from %d", what, q.printed, ctr.v-q.off)
		if !q.see {
			ctr.prev, ctr.v = ctr.v, q.set()
		}
	}
}

// free marks o freed at line.
func (c *Checker) free(o *obj, line int) {
	c.settle(o, &o.ref, RuleRef, "ref")
	o.freed = line
}

// touch records an event on o and reports it if o is freed.
func (c *Checker) touch(o *obj, r *Record) {
	if o.freed != 0 && o.lastNotified != o.freed {
		o.lastNotified = o.freed
		c.report(r.Line, o.name, RuleUseAfterFree, o.lines(o.freed, r.Line), "%s after its last ref was put at line %d", r.Event, o.freed)
	}
	o.add(r.Line)
}

// refOp builds the op of a reason in a table where GET/GQ add one, PUT/PQ
// take one away, NEW sets, and everything else only shows the count.
func refOp(reason string, printed int64, after bool, line int) (op, bool) {
	p := op{printed: printed, line: line}
	switch {
	case strings.HasPrefix(reason, "NEW"):
		return p, true
	case strings.HasPrefix(reason, "GET") || strings.HasPrefix(reason, "GQ"):
		p.d = 1
	case strings.HasPrefix(reason, "PUT") || strings.HasPrefix(reason, "PQ"):
		p.d = -1
	default:
		p.see = true
	}
	if after {
		p.off = p.d
	}
	return p, false
}

// Add checks one event.
func (c *Checker) Add(r *Record) {
	if !strings.HasPrefix(r.Event, "fscache_") && !strings.HasPrefix(r.Event, "cachefiles_") {
		return
	}
	if _, ok := required[r.Event]; !ok {
		return
	}
	c.Events++
	f := ParseFields(r.Text)
	// The free path of a cachefiles object must put the cookie next.
	if w, ok := c.putObj[r.PID]; ok {
		delete(c.putObj, r.PID)
		id, _ := f.Hex("c", 0)
		if r.Event != "fscache_cookie" || f.Reason != "PUT obj" || id != w.cookie {
			c.report(r.Line, w.obj, RuleObject, []int{w.line, r.Line}, "the object's last ref went but the next event of its task is not fscache_cookie c=%08x PUT obj", w.cookie)
		}
	}
	if cid, ok := c.collide[r.PID]; ok && r.Event == "fscache_cookie" {
		delete(c.collide, r.PID)
		if f.Reason != "DISCARD" {
			c.report(r.Line, fmt.Sprintf("c=%08x", mustHex(&f, "c")), RuleCollision, []int{cid, r.Line}, "a *COLLIDE* is not followed by the DISCARD of the candidate cookie")
		}
	}
	switch r.Event {
	case "fscache_cookie":
		c.cookie(r, &f)
	case "fscache_active":
		id, _ := f.Hex("c", 0)
		o := c.get("c", id)
		c.touch(o, r)
		rv, _ := f.Int("r", 0)
		a, _ := f.Int("a", 0)
		n, _ := f.Int("c", 1)
		d := int64(1)
		if strings.HasPrefix(f.Reason, "UNUSE") {
			// __fscache_unuse_cookie samples r and a on entry, maybe
			// long before it traces: only n_active is checked.
			d = -1
		} else {
			c.apply(o, &o.ref, RuleRef, "r=", op{printed: rv, see: true, line: r.Line})
			c.apply(o, &o.acc, RuleAccess, "a=", op{printed: a, see: true, line: r.Line})
		}
		if d > 0 && o.relinq {
			c.report(r.Line, o.name, RuleUseRelinq, o.lines(o.relinqLine), "%s of a cookie relinquished at line %d", f.Reason, o.relinqLine)
		}
		c.lruCheck(o, r, f.Reason)
		c.apply(o, &o.act, RuleActive, "n_active", op{d: d, off: d, printed: n, line: r.Line})
		if d > 0 && n == 1 {
			o.activeSince = r.Line
		}
		if d > 0 && o.discardLine != 0 && !o.workSinceMark {
			// The state is still ACTIVE (no work has run since the LRU
			// marked the cookie): __fscache_use_cookie must clear the
			// mark, tracing "-   lrudc" next.
			if o.wantLrudc == nil {
				o.wantLrudc = map[int32]int{}
			}
			o.wantLrudc[r.PID] = r.Line
		}
		if o.act.known && o.act.v < 0 {
			c.report(r.Line, o.name, RuleActive, o.lines(), "n_active went below zero")
		}
	case "fscache_access", "fscache_access_volume", "fscache_access_cache":
		kind := map[string]string{"fscache_access": "c", "fscache_access_volume": "V", "fscache_access_cache": "C"}[r.Event]
		id, _ := f.Hex(kind, 0)
		o := c.get(kind, id)
		c.touch(o, r)
		if kind == "c" {
			c.lruCheck(o, r, f.Reason)
		}
		rv, _ := f.Int("r", 0)
		a, _ := f.Int("a", 0)
		c.apply(o, &o.ref, RuleRef, "r=", op{printed: rv, see: true, line: r.Line})
		p := op{printed: a, line: r.Line}
		switch {
		case strings.HasPrefix(f.Reason, "BEGIN"):
			p.d = 1
		case strings.HasPrefix(f.Reason, "END"):
			p.d = -1
		case kind != "c" && strings.HasPrefix(f.Reason, "PIN"):
			p.d = 1
		case kind != "c" && strings.HasPrefix(f.Reason, "UNPIN"):
			p.d = -1
		default:
			p.see = true
		}
		p.off = p.d
		c.apply(o, &o.acc, RuleAccess, "a=", p)
		if o.acc.known && o.acc.v < 0 {
			c.report(r.Line, o.name, RuleAccess, o.lines(), "n_accesses went below zero")
		}
	case "fscache_volume", "fscache_cache":
		kind, key := "V", "u"
		if r.Event == "fscache_cache" {
			kind, key = "C", "r"
		}
		id, _ := f.Hex(kind, 0)
		o := c.get(kind, id)
		v, _ := f.Int(key, 0)
		p, isNew := refOp(f.Reason, v, true, r.Line)
		if f.Reason == "FREE" {
			p = op{printed: v, see: true, line: r.Line}
		}
		if isNew {
			if o.nhist > 0 && o.freed != 0 {
				o = c.reincarnate(o)
			}
			if o.nhist > 0 {
				c.report(r.Line, o.name, RuleObjectUnknown, o.lines(r.Line), "NEW for an id already in the trace")
			}
			o.add(r.Line)
			o.born = true
			o.ref = counter{known: true, v: v, prev: v}
			o.acc = counter{}
			if kind == "C" {
				// A cache bound anew may sit on another filesystem:
				// backing inode numbers start a new story.
				clear(c.inodes)
				clear(c.inoLn)
			}
			return
		}
		c.touch(o, r)
		c.apply(o, &o.ref, RuleRef, key+"=", p)
		// A cache is freed by its last put; a volume's free path
		// (fscache_free_volume) still traces, and ends with FREE.
		if (kind == "C" && !p.see && o.ref.known && o.ref.v == 0 && o.ref.pend == nil) || f.Reason == "FREE" {
			c.free(o, r.Line)
		}
	case "fscache_acquire":
		id, _ := f.Hex("c", 0)
		o := c.get("c", id)
		c.touch(o, r)
		vid, _ := f.Hex("V", 0)
		vo := c.get("V", vid)
		vr, _ := f.Int("vr", 0)
		c.touch(vo, r)
		c.apply(vo, &vo.ref, RuleRef, "u=", op{printed: vr, see: true, line: r.Line})
	case "fscache_relinquish":
		id, _ := f.Hex("c", 0)
		o := c.get("c", id)
		c.touch(o, r)
		rv, _ := f.Int("r", 0)
		u, _ := f.Int("U", 0)
		fl, _ := f.Hex("f", 0)
		c.apply(o, &o.ref, RuleRef, "r=", op{printed: rv, see: true, line: r.Line})
		c.apply(o, &o.act, RuleActive, "n_active", op{printed: u, see: true, line: r.Line})
		if u != 0 {
			c.report(r.Line, o.name, RuleRelinqActive, o.lines(), "relinquished with n_active %d (the kernel asserts 0)", u)
		}
		o.relinq, o.relinqLine = true, r.Line
		o.needRlq = fl&(1<<5) != 0 // HAS_BEEN_CACHED: the state machine must relinquish it
	case "fscache_invalidate", "fscache_resize":
		id, _ := f.Hex("c", 0)
		c.touch(c.get("c", id), r)
	case "cachefiles_ref":
		c.objRef(r, &f)
	case "cachefiles_mark_active", "cachefiles_mark_inactive", "cachefiles_mark_failed":
		c.objTouch(r, &f)
		b, _ := f.Get("B", 0)
		st := c.inodes[b]
		switch r.Event {
		case "cachefiles_mark_active":
			if st == 1 {
				c.report(r.Line, "B="+b, RuleInode, []int{c.inoLn[b], r.Line}, "backing inode marked in use while already in use (line %d)", c.inoLn[b])
			}
			c.inodes[b], c.inoLn[b] = 1, r.Line
		case "cachefiles_mark_inactive":
			if st == 2 {
				c.report(r.Line, "B="+b, RuleInode, []int{c.inoLn[b], r.Line}, "backing inode released while not in use (released at line %d)", c.inoLn[b])
			}
			c.inodes[b], c.inoLn[b] = 2, r.Line
		}
	default:
		c.objTouch(r, &f)
	}
}

func mustHex(f *Fields, k string) uint32 {
	v, _ := f.Hex(k, 0)
	return v
}

// lruCheck follows a pending LRU discard of cookie o through an event of
// it: the LRU worker's lrudo, then its UNPIN or GQ endac (the withdrawal
// of fscache_cookie_lru_do_one, after it set DO_LRU_DISCARD), marks the
// discard pending until "-   lrudc" or "-   x-lru". A USE while it is
// pending and no work has run must be followed, in its task, by lrudc.
func (c *Checker) lruCheck(o *obj, r *Record, reason string) {
	if l, ok := o.wantLrudc[r.PID]; ok {
		delete(o.wantLrudc, r.PID)
		if reason != "- lrudc" && r.Event != "fscache_active" {
			c.report(r.Line, o.name, RuleLRUInUse, o.lines(o.discardLine, l), "used (line %d) while an LRU discard was pending (line %d), but the use did not clear it (no -   lrudc)", l, o.discardLine)
		} else if r.Event == "fscache_active" {
			o.wantLrudc[r.PID] = l
		}
	}
	switch {
	case reason == "- lrudo":
		o.lruDoPID, o.lruDoLine = r.PID, r.Line
	case o.lruDoLine != 0 && r.PID == o.lruDoPID && (reason == "UNPIN cache" || reason == "GQ endac"):
		if o.discardLine == 0 {
			o.discardLine, o.workSinceMark = r.Line, false
		}
	case o.lruDoLine != 0 && r.PID == o.lruDoPID && reason == "PUT lru":
		o.lruDoLine = 0
	case reason == "- work":
		o.workSinceMark = true
	case reason == "- lrudc" || reason == "- x-lru":
		o.discardLine = 0
	}
}

// reincarnate starts a new history for the id of a freed object: the
// debug-id counters start again after a reboot (a capture that spans a
// crash and the next boot's bind).
func (c *Checker) reincarnate(o *obj) *obj {
	n := &obj{name: o.name}
	c.objs[objKey{o.name[:1], parseID(o.name)}] = n
	return n
}

func parseID(name string) uint32 {
	v, _ := strconv.ParseUint(name[2:], 16, 32)
	return uint32(v)
}

// objTouch records a cachefiles event on its object (o=), if it names one.
func (c *Checker) objTouch(r *Record, f *Fields) {
	id, ok := f.Hex("o", 0)
	if !ok || id == 0 || id == ^uint32(0) {
		return
	}
	c.touch(c.get("o", id), r)
}

func (c *Checker) cookie(r *Record, f *Fields) {
	id, _ := f.Hex("c", 0)
	o := c.get("c", id)
	v, _ := f.Int("r", 0)
	reason := f.Reason
	p, isNew := refOp(reason, v, true, r.Line)
	if isNew {
		if o.nhist > 0 && o.freed != 0 {
			o = c.reincarnate(o)
		}
		if o.nhist > 0 {
			c.report(r.Line, o.name, RuleObjectUnknown, o.lines(r.Line), "NEW for a cookie id already in the trace")
		}
		o.add(r.Line)
		o.born = true
		o.ref = counter{known: true, v: v, prev: v}
		o.acc = counter{known: true}
		o.act = counter{known: true}
		return
	}
	c.touch(o, r)
	c.apply(o, &o.ref, RuleRef, "r=", p)
	c.lruCheck(o, r, reason)
	switch reason {
	case "GET attch":
		c.attach[r.PID] = attachSeen{id, r.Line}
	case "*COLLIDE*":
		if o.relinq {
			c.report(r.Line, o.name, RuleCollision, o.lines(o.relinqLine), "collision with a cookie relinquished at line %d: the acquirer should have waited for it", o.relinqLine)
		}
		c.collide[r.PID] = r.Line
	case "GET hcoll":
		if o.born && !o.relinq {
			c.report(r.Line, o.name, RuleCollision, o.lines(), "waiting on a collision with a cookie that is not relinquished")
		}
	case "PUT hcoll":
		if o.born && !o.sawRlq && !(o.relinq && !o.needRlq) {
			c.report(r.Line, o.name, RuleCollision, o.lines(), "the acquirer stopped waiting before the old cookie was dropped (no x-rlq)")
		}
	case "- work":
		if o.queued < 1 {
			if o.born {
				c.report(r.Line, o.name, RuleWork, o.lines(), "the work item runs but was not queued (no GQ)")
			}
		} else {
			o.queued--
		}
		if o.running {
			c.report(r.Line, o.name, RuleWork, o.lines(o.runLine), "the work item runs twice at once (running since line %d)", o.runLine)
		}
		o.running, o.runPID, o.runLine = true, r.PID, r.Line
	case "PQ work":
		if o.born && (!o.running || o.runPID != r.PID) {
			c.report(r.Line, o.name, RuleWork, o.lines(), "the work item ends but is not running in this task")
		}
		o.running = false
	case "PQ overq":
		o.queued--
		if o.queued < 0 {
			if o.born {
				c.report(r.Line, o.name, RuleWork, o.lines(), "over-queued put without a queueing get")
			}
			o.queued = 0
		}
	case "- x-rlq", "- x-lru", "- x-wth", "- activ":
		if o.born && (!o.running || o.runPID != r.PID) {
			c.report(r.Line, o.name, RuleWork, o.lines(), "state-machine step %q outside the cookie's work item", reason)
		}
		// __fscache_use_cookie clears a pending LRU discard under the
		// cookie's lock, and the LRU worker only marks a cookie not in
		// use: a discard by a work run that started after the cookie
		// was put in use is the use-no-clear-lru-discard bug
		// (CVE-2022-48989).
		if reason == "- x-lru" && o.act.known && o.act.v > 0 && o.activeSince != 0 && o.activeSince < o.runLine {
			c.report(r.Line, o.name, RuleLRUInUse, o.lines(o.activeSince, o.runLine), "discarded by the LRU while in use (n_active %d since line %d, before the work item started at line %d)", o.act.v, o.activeSince, o.runLine)
		}
		if reason == "- x-rlq" {
			o.sawRlq = true
			if o.born && !o.relinq {
				c.report(r.Line, o.name, RuleWork, o.lines(), "relinquishing a cookie that was never relinquished by its netfs")
			}
		}
	}
	if strings.HasPrefix(reason, "GQ") {
		o.queued++
	}
	if !p.see && o.ref.known && o.ref.v == 0 && o.ref.pend == nil {
		c.free(o, r.Line)
	}
}

func (c *Checker) objRef(r *Record, f *Fields) {
	cid, _ := f.Hex("c", 0)
	id, _ := f.Hex("o", 0)
	u, _ := f.Int("u", 0)
	o := c.get("o", id)
	reason := f.Reason
	if reason == "NEW obj" {
		if o.nhist > 0 && o.freed != 0 {
			o = c.reincarnate(o)
		}
		if o.nhist > 0 {
			c.report(r.Line, o.name, RuleObjectUnknown, o.lines(r.Line), "NEW obj for an object id already in the trace")
		}
		o.add(r.Line)
		o.born = true
		o.cookie = cid
		o.ref = counter{known: true, v: 1, prev: 1}
		if u != 1 {
			c.report(r.Line, o.name, RuleRef, []int{r.Line}, "NEW obj prints u=%d, not 1", u)
		}
		if a, ok := c.attach[r.PID]; !ok || a.cookie != cid {
			c.report(r.Line, o.name, RuleObject, []int{r.Line}, "a new object without a GET attch on cookie c=%08x before it in its task", cid)
		}
		delete(c.attach, r.PID)
		return
	}
	c.touch(o, r)
	if o.cookie == 0 {
		o.cookie = cid
	}
	p := op{printed: u, line: r.Line}
	switch {
	case strings.HasPrefix(reason, "GET") || reason == "0xc":
		p.d = 1
	case strings.HasPrefix(reason, "PUT") || reason == "0xd":
		p.d = -1
	default:
		p.see = true
	}
	c.apply(o, &o.ref, RuleRef, "u=", p)
	switch reason {
	case "SEE withdraw_cookie":
		o.sawWithdraw = true
	case "PUT detach":
		if o.born && !o.sawWithdraw {
			c.report(r.Line, o.name, RuleObject, o.lines(), "PUT detach without SEE withdraw_cookie before it")
		}
	}
	if !p.see && p.d < 0 && u == 1 {
		c.free(o, r.Line)
		c.putObj[r.PID] = putObjWant{cookie: o.cookie, line: r.Line, obj: o.name}
	}
}

// Finish applies the end-of-trace rules and sorts the violations by line.
func (c *Checker) Finish() {
	keys := make([]objKey, 0, len(c.objs))
	for k := range c.objs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b objKey) int {
		if a.kind != b.kind {
			return strings.Compare(a.kind, b.kind)
		}
		return int(int64(a.id) - int64(b.id))
	})
	for _, k := range keys {
		o := c.objs[k]
		n := o.name
		if !c.Partial {
			c.settle(o, &o.ref, RuleRef, "ref")
			c.settle(o, &o.acc, RuleAccess, "a=")
			c.settle(o, &o.act, RuleActive, "n_active")
		}
		if !c.Partial {
			var uses []int
			for _, l := range o.wantLrudc {
				uses = append(uses, l)
			}
			slices.Sort(uses)
			for _, l := range uses {
				c.report(l, o.name, RuleLRUInUse, o.lines(o.discardLine, l), "used (line %d) while an LRU discard was pending (line %d), and the trace ends without the use clearing it (no -   lrudc)", l, o.discardLine)
			}
		}
		if c.Partial || !strings.HasPrefix(n, "c=") || !o.relinq {
			continue
		}
		if o.needRlq && !o.sawRlq {
			c.report(o.relinqLine, o.name, RuleRelinqEnd, o.lines(o.relinqLine), "relinquished (line %d) but the state machine never relinquished it (no -   x-rlq)", o.relinqLine)
		} else if o.freed == 0 && o.ref.known {
			c.report(o.relinqLine, o.name, RuleRelinqEnd, o.lines(o.relinqLine), "relinquished (line %d) but never freed: r=%d at the end", o.relinqLine, o.ref.v)
		}
	}
	slices.SortStableFunc(c.viol, func(a, b Violation) int { return a.Line - b.Line })
}
