package checker

import (
	"strings"

	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// State implies resources, and backend calls made only where the kernel
// makes them. The rules are the tables of model/fscache/resources.go, kept
// as data; this file states them as checks:
//
//	R-state  a cookie in a state has the flags its row says while
//	         cookie->lock is free;
//	R-access a cookie's n_accesses covers what its state's row and its
//	         request flags' rows hold (DO_INVALIDATE: one access) while
//	         cookie->lock is free (one check for both: when the count is
//	         short, which holder lost its access cannot be told);
//	R-volume a volume's n_accesses covers the lookups of its cookies in
//	         LOOKING_UP or CREATING, and the backend's pin where I-14 says
//	         it is held, at every step;
//	R-call   every backend call is made in a state of its row, with the
//	         access of its own the row asks for on top of what the cookie's
//	         state and flags hold, and with the cookie's and volume's
//	         backend objects (and the volume's CREATING) as the row says:
//	         checked at the call, from the model's backend-call observer.
//
// Cost: a few array lookups per cookie per step; the tables are compiled
// into per-state arrays once.

// compiled tables, indexed by state.
var (
	resStateAcc   [fscache.NumCookieStates]int64
	resStateVol   [fscache.NumCookieStates]bool
	resStateFlags [fscache.NumCookieStates]uint64
	resFlagMask   uint64 // every flag with a row
)

func init() {
	for _, r := range fscache.CookieStateResources {
		resStateAcc[r.State] += r.Accesses
		resStateVol[r.State] = resStateVol[r.State] || r.VolumeAccess
		for _, f := range r.Flags {
			resStateFlags[r.State] |= 1 << f
		}
	}
	for _, r := range fscache.CookieFlagResources {
		resFlagMask |= 1 << r.Flag
	}
}

// accessesHeld is how many of the cookie's n_accesses its state and flags
// hold by the tables.
func accessesHeld(st fscache.CookieState, fl uint64) int64 {
	n := resStateAcc[st]
	if fl&resFlagMask != 0 {
		for _, r := range fscache.CookieFlagResources {
			if fl&(1<<r.Flag) != 0 {
				n += r.Accesses
			}
		}
	}
	return n
}

// checkCookieResources is R-state and R-access for one cookie (from
// checkCookieRules, with its state, flags and n_accesses of this step);
// checkCookie counts the cookie's volume access for R-volume. It reports
// whether it failed.
func (c *Checker) checkCookieResources(ck *fscache.Cookie, st fscache.CookieState, fl uint64, nAcc int64, held bool) bool {
	if held {
		return false
	}
	if want := resStateFlags[st]; fl&want != want {
		for _, r := range fscache.CookieStateResources {
			if r.State == st {
				c.reportCookie("R-state", ck.DebugID, "c=%08x: %v without %s (flags %s): %s", ck.DebugID, st,
					fscache.CookieFlagString(want&^fl), fscache.CookieFlagString(fl), r.Why)
				return true
			}
		}
	}
	if need := accessesHeld(st, fl); nAcc < need {
		var why []string
		for _, r := range fscache.CookieStateResources {
			if r.State == st && r.Accesses > 0 {
				why = append(why, r.Why)
			}
		}
		for _, r := range fscache.CookieFlagResources {
			if fl&(1<<r.Flag) != 0 {
				why = append(why, fscache.CookieFlagName(r.Flag)+": "+r.Why)
			}
		}
		c.reportCookie("R-access", ck.DebugID, "c=%08x: %v with flags %s holds %d cookie access(es) by the tables, but n_accesses is %d: %s",
			ck.DebugID, st, fscache.CookieFlagString(fl), need, nAcc, strings.Join(why, "; "))
		return true
	}
	return false
}

// checkVolumeResources is R-volume for v (from checkVolumes).
func (c *Checker) checkVolumeResources(v *fscache.Volume, vc *volCount) bool {
	n := v.NAccesses()
	if n > vc.lookups {
		return false // enough even with the pin counted
	}
	need := vc.lookups
	pin := v.CachePriv != nil && v.Flags()&(1<<fscache.VolCreating) == 0 && cacheLive(v.Cache)
	if pin {
		need++
	}
	if n < need {
		c.reportVolume("R-volume", v.DebugID, "V=%08x: n_accesses %d, but %d of its cookies are looking up (each under a volume access, fscache_begin_lookup to the end of fscache_perform_lookup)%s",
			v.DebugID, n, vc.lookups, map[bool]string{true: " and the backend holds its pin", false: ""}[pin])
		return true
	}
	return false
}

// onBackendCall is the backend-call observer: R-call, at the call.
func (c *Checker) onBackendCall(t *sim.Thread, op string, ck *fscache.Cookie, v *fscache.Volume) {
	if c.failed {
		return
	}
	row, ok := fscache.BackendCallByOp(op)
	if !ok {
		c.report(sim.FailInvariant, "R-call", nil, "backend call %s has no row in fscache.BackendCalls", op)
		return
	}
	fail := func(format string, args ...any) {
		var objs []string // named only on a failure: this runs at every backend call
		if ck != nil {
			objs = append(objs, cookieObj(ck.DebugID))
		} else if v != nil {
			objs = append(objs, volumeObj(v.DebugID))
		}
		c.report(sim.FailInvariant, "R-call", objs, "%s: "+format+" (fscache calls it from %s)", append(append([]any{op}, args...), row.Why)...)
	}
	if ck != nil {
		st, fl, nAcc := ck.State(), ck.FlagBits(), ck.NAccesses()
		if row.States != nil && !stateIn(st, row.States) {
			fail("called for c=%08x in %v, not in %v", ck.DebugID, st, row.States)
			return
		}
		if row.OwnAccess {
			if need := accessesHeld(st, fl) + 1; nAcc < need {
				fail("called for c=%08x without an access of its own: n_accesses %d, the state and flags (%v, %s) hold %d", ck.DebugID, nAcc, st, fscache.CookieFlagString(fl), need-1)
				return
			}
		}
		if !needMet(row.Object, ck.CachePriv != nil) {
			fail("called for c=%08x with cache_priv %s", ck.DebugID, presence(ck.CachePriv != nil))
			return
		}
	}
	if v != nil {
		if !needMet(row.VolumeObject, v.CachePriv != nil) {
			fail("called for V=%08x with volume->cache_priv %s", v.DebugID, presence(v.CachePriv != nil))
			return
		}
		if !needMet(row.VolumeCreating, v.Flags()&(1<<fscache.VolCreating) != 0) {
			fail("called for V=%08x with CREATING %s", v.DebugID, presence(v.Flags()&(1<<fscache.VolCreating) != 0))
			return
		}
	}
	c.cookieRulesBackend(op, ck, v)
}

func stateIn(s fscache.CookieState, list []fscache.CookieState) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func needMet(n fscache.Need, there bool) bool {
	switch n {
	case fscache.Present:
		return there
	case fscache.Absent:
		return !there
	}
	return true
}

func presence(there bool) string {
	if there {
		return "set"
	}
	return "clear"
}
