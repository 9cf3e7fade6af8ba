package checker

import (
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// Requested work happens, at the request point (fscache.RequestObserver:
// no event, so no trace changes):
//
//	R-use  at the end of fscache_use_cookie's state switch (cookie->lock
//	       held), a cookie of a live cache is not QUIESCENT: a use of a
//	       quiescent cookie begins its lookup (LOOKING_UP), and a use that
//	       waited out LRU_DISCARDING looks at the new state again. Only a
//	       cache that is not live refuses the lookup's volume access (T2')
//	       and leaves the cookie QUIESCENT; a cache does not become live
//	       again once it has stopped, so a refusal seen earlier in the
//	       call still holds at the point.
//
// Cost: one comparison per fscache_use_cookie; nothing per step.

const checkUse = "R-use"

// onRequest is the request observer.
func (c *Checker) onRequest(t *sim.Thread, p fscache.RequestPoint, ck *fscache.Cookie) {
	if c.failed {
		return
	}
	switch p {
	case fscache.RequestUse:
		if ck.State() != fscache.CookieQuiescent || ck.Volume == nil || ck.Volume.Cache == nil {
			return
		}
		if ca := ck.Volume.Cache; ca.State() == fscache.CacheActive {
			c.report(sim.FailInvariant, checkUse, []string{cookieObj(ck.DebugID), cacheObj(ca.DebugID)},
				"c=%08x: fscache_use_cookie leaves the cookie QUIESCENT (no lookup begun) while its cache C=%08x is live", ck.DebugID, ca.DebugID)
		}
	}
}
