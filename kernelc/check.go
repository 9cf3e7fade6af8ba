package kernelc

import (
	"fmt"

	"github.com/fscachesim/fscachesim/model/fscache"
)

// CookieView is what the shared checks read of one fscache_cookie: the same
// fields whether the cookie is the Go model's (*fscache.Cookie) or a struct
// fscache_cookie of the C build (read by csrc's kc_go_cookie_view against
// the tree's own fscache.h). State and flag bits use the kernel's numbering,
// which the Go model mirrors.
type CookieView struct {
	DebugID   uint32
	State     fscache.CookieState
	Flags     uint64 // FSCACHE_COOKIE_* bits
	Ref       int64  // ref
	NActive   int64  // n_active
	NAccesses int64  // n_accesses
	LockHeld  bool   // cookie->lock is held
	OnLRU     bool   // on fscache_cookie_lru (commit_link)
	Hashed    bool   // FSCACHE_COOKIE_IS_HASHED
}

// Objects is the one interface through which the shared checks see the
// kernel objects of a run: the Go model implements it (GoObjects) and so
// does a run of the C build (package kernelc/csim).
type Objects interface {
	// Cookies appends a view of every cookie not yet freed to buf, in
	// allocation order, and returns it.
	Cookies(buf []CookieView) []CookieView
}

// GoObjects is Objects over the Go model's fscache.
type GoObjects struct{ F *fscache.Fscache }

// Cookies implements Objects: the model's cookies that are not dropped.
func (g GoObjects) Cookies(buf []CookieView) []CookieView {
	for _, c := range g.F.Cookies() {
		st := c.State()
		if st == fscache.CookieDropped && c.Ref() == 0 {
			continue // freed
		}
		buf = append(buf, CookieView{
			DebugID: c.DebugID, State: st, Flags: c.FlagBits(), Ref: c.Ref(),
			NActive: c.NActive(), NAccesses: c.NAccesses(), LockHeld: c.LockHeld(),
			OnLRU: c.OnLRU(), Hashed: c.Has(fscache.FlagIsHashed),
		})
	}
	return buf
}

// Checker judges a run through Objects after every step. It holds, per
// cookie, what it saw at the last step end.
type Checker struct {
	seen map[uint32]*cookieTrack
	buf  []CookieView
	step int64
}

type cookieTrack struct {
	state     fscache.CookieState
	lockSince int64 // the step end at which cookie->lock was first seen held, -1 if not held
	zeroSeen  int64 // the last step end at which n_accesses was 0
}

// NewChecker returns a checker with nothing seen yet.
func NewChecker() *Checker { return &Checker{seen: map[uint32]*cookieTrack{}} }

// Finding is a check that failed: Check names it ("transition", "refs",
// "n_accesses"), Msg says what was seen.
type Finding struct {
	Check, Msg string
}

func (f *Finding) Error() string { return f.Check + ": " + f.Msg }

// Step checks the objects as they are at the end of a step. The checks:
//
//   - transition: every change of a cookie's state is a row of the
//     transition table (fscache.Transitions, spec §5.4), and a cookie is
//     first seen QUIESCENT (T1);
//   - refs: ref, n_active and n_accesses are never negative;
//   - n_accesses (I-16, the 2024 "add missing n_accesses check"): the state
//     machine enters LRU_DISCARDING, RELINQUISHING or WITHDRAWING only having
//     seen n_accesses == 0 under cookie->lock, so the count was 0 at some
//     step end since the lock was taken (a gated begin may bump it after
//     the state machine's read and back out).
func (c *Checker) Step(o Objects) *Finding {
	c.step++
	c.buf = o.Cookies(c.buf[:0])
	for i := range c.buf {
		v := &c.buf[i]
		tr := c.seen[v.DebugID]
		if tr == nil {
			if v.State != fscache.CookieQuiescent {
				return &Finding{"transition", fmt.Sprintf("c=%08x first seen in %v, want QUIESCENT (T1)", v.DebugID, v.State)}
			}
			tr = &cookieTrack{state: v.State, lockSince: -1, zeroSeen: -1}
			c.seen[v.DebugID] = tr
		}
		if v.Ref < 0 || v.NActive < 0 || v.NAccesses < 0 {
			return &Finding{"refs", fmt.Sprintf("c=%08x ref %d n_active %d n_accesses %d: a count went negative", v.DebugID, v.Ref, v.NActive, v.NAccesses)}
		}
		if v.LockHeld && tr.lockSince < 0 {
			tr.lockSince = c.step
		} else if !v.LockHeld {
			tr.lockSince = -1
		}
		if v.State != tr.state {
			if !allowed(tr.state, v.State) {
				return &Finding{"transition", fmt.Sprintf("c=%08x %v -> %v: no row of the transition table allows it", v.DebugID, tr.state, v.State)}
			}
			switch v.State {
			case fscache.CookieLRUDiscarding, fscache.CookieRelinquishing, fscache.CookieWithdrawing:
				since := tr.lockSince
				if since < 0 {
					since = c.step // the whole locked section was this step
				}
				if v.NAccesses != 0 && tr.zeroSeen < since {
					return &Finding{"n_accesses", fmt.Sprintf("c=%08x %v -> %v with n_accesses %d, and n_accesses was not 0 at any step since the state machine took cookie->lock", v.DebugID, tr.state, v.State, v.NAccesses)}
				}
			}
			tr.state = v.State
		}
		if v.NAccesses == 0 {
			tr.zeroSeen = c.step
		}
	}
	return nil
}

// allowed reports whether some row of the transition table permits from -> to.
func allowed(from, to fscache.CookieState) bool {
	for _, tr := range fscache.Transitions {
		if tr.Allows(int(from), to) {
			return true
		}
	}
	return false
}
