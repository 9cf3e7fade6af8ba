package checker

import (
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// R-netfs: every call the netfs makes through fscache (the rows of
// fscache.NetfsCalls: begin_read_operation, begin_write_operation,
// write_to_cache, resize_cookie, a DIO write's invalidation, and read, prepare_write and write through
// an operation) is made with the cookie in use (n_active >= 1) and, for
// the calls through an operation, through one begun and not yet ended:
// cres names the cookie and has the backend's ops, the cookie's
// n_accesses covers the operation's own access on top of what its state
// and flags hold (the tables of resources.go), and the backend object is
// attached. Checked at the call, from the model's netfs-call observer
// (Fscache.ObserveNetfs: no event, so no trace changes). The access count
// is not judged while another thread holds cookie->lock (its state and
// access may change together there, as for R-access).
//
// Cost: a table lookup and three loads per netfs call; nothing per step.

const checkNetfsCall = "R-netfs"

// onNetfsCall is the netfs-call observer.
func (c *Checker) onNetfsCall(t *sim.Thread, op string, ck *fscache.Cookie, cres *fscache.CacheResources) {
	if c.failed || ck == nil {
		return
	}
	row, ok := fscache.NetfsCallByOp(op)
	if !ok {
		c.report(sim.FailInvariant, checkNetfsCall, nil, "netfs call %s has no row in fscache.NetfsCalls", op)
		return
	}
	fail := func(format string, args ...any) {
		c.report(sim.FailInvariant, checkNetfsCall, []string{cookieObj(ck.DebugID)},
			"netfs %s on c=%08x: "+format+" (6.12: %s)", append(append([]any{op, ck.DebugID}, args...), row.Why)...)
	}
	if row.InUse && ck.NActive() < 1 {
		fail("the cookie is not in use (n_active %d): no fscache_use_cookie is held", ck.NActive())
		return
	}
	if !row.Begun {
		return
	}
	if cres == nil || cres.Ops == nil || cres.CachePriv != ck {
		fail("not through a begun operation (cres has no ops or names another cookie)")
		return
	}
	if ck.CachePriv == nil {
		fail("through an operation whose cookie has no backend object")
		return
	}
	if ck.LockHeld() {
		return
	}
	st, fl, nAcc := ck.State(), ck.FlagBits(), ck.NAccesses()
	if need := accessesHeld(st, fl) + 1; nAcc < need {
		fail("through an operation that holds no cookie access: n_accesses %d, the state and flags (%v, %s) hold %d (ended already?)",
			nAcc, st, fscache.CookieFlagString(fl), need-1)
	}
}
