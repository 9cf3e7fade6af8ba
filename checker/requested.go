package checker

import (
	"fmt"

	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// Requested work happens, at the request point (fscache.RequestObserver:
// no event, so no trace changes), and the kernel's timeouts are kept:
//
//	R-use    at the end of fscache_use_cookie's state switch (cookie->lock
//	         held), a cookie of a live cache is not QUIESCENT: a use of a
//	         quiescent cookie begins its lookup (LOOKING_UP), and a use
//	         that waited out LRU_DISCARDING looks at the new state again.
//	         Only a cache that is not live refuses the lookup's volume
//	         access (T2') and leaves the cookie QUIESCENT; a cache does not
//	         become live again once it has stopped, so a refusal seen
//	         earlier in the call still holds at the point.
//	lru-timing  the LRU discards a cookie (fscache_cookie_lru_do_one sets
//	         DO_LRU_DISCARD) no sooner than 10 s after the unuse that last
//	         left it unused (fscache_lru_cookie_timeout, 10 * HZ: not the
//	         model's constant), and no later than 10.5 s after it: the LRU
//	         timer is armed at or before the earliest deadline and its
//	         worker neither sleeps nor waits for a sleeper, and virtual time
//	         does not pass while a thread can run.
//	collision-notice  "Potential collision" (fscache_wait_on_collision)
//	         and "Potential volume collision"
//	         (fscache_wait_on_volume_collision) are printed only when the
//	         20 s wait ended with the twin still there: the old cookie not
//	         DROPPED, the new volume still ACQUIRE_PENDING (the wait
//	         re-tests its condition after the timeout, and the notice
//	         follows with no scheduling point between). At the warning's
//	         event.
//
// Cost: a comparison per fscache_use_cookie, a store per unuse to zero
// users, a comparison per LRU discard and per notice; nothing per step.

const (
	checkUse             = "R-use"
	checkLRUTiming       = "lru-timing"
	checkCollisionNotice = "collision-notice"
)

// kernelLRUTimeout is fscache_lru_cookie_timeout, kept apart from the
// model's constant; lruLatest is how late a discard may come after it.
const (
	kernelLRUTimeout = 10 * sim.Second
	lruLatest        = kernelLRUTimeout + 500*sim.Millisecond
)

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
	case fscache.RequestUnused:
		c.req.setUnused(ck.DebugID, t.Kernel().Now())
	case fscache.RequestLRUDiscard:
		at, ok := c.req.unusedAt(ck.DebugID)
		if !ok {
			c.report(sim.FailInvariant, checkLRUTiming, []string{cookieObj(ck.DebugID)},
				"c=%08x: the LRU discards a cookie that was never unused", ck.DebugID)
			return
		}
		now := t.Kernel().Now()
		if d := now - at; d < kernelLRUTimeout || d > lruLatest {
			c.report(sim.FailInvariant, checkLRUTiming, []string{cookieObj(ck.DebugID)},
				"c=%08x: the LRU discards the cookie %v after its last unuse (the kernel: from %v, the timer's expiry, on; at most %v here)",
				ck.DebugID, d, kernelLRUTimeout, lruLatest)
		}
	}
}

// reqTrack is what the request checks remember: per cookie, when it was
// last left unused.
type reqTrack struct {
	unused []unusedStamp
}

type unusedStamp struct {
	id uint32
	at sim.Time
}

func (r *reqTrack) setUnused(id uint32, at sim.Time) {
	for i := range r.unused {
		if r.unused[i].id == id {
			r.unused[i].at = at
			return
		}
	}
	r.unused = append(r.unused, unusedStamp{id, at})
}

func (r *reqTrack) unusedAt(id uint32) (sim.Time, bool) {
	for _, s := range r.unused {
		if s.id == id {
			return s.at, true
		}
	}
	return 0, false
}

// noticeEvent is collision-notice, at a warning's event.
func (c *Checker) noticeEvent(e *sim.Event) {
	var newID, oldID uint32
	if n, _ := fmt.Sscanf(e.Str[0], "netfs: Potential collision c=%x old: c=%x", &newID, &oldID); n == 2 {
		if int(oldID) < len(c.cookies) && c.cookies[oldID] != nil && c.cookies[oldID].c != nil {
			if st := c.cookies[oldID].c.State(); st == fscache.CookieDropped {
				c.report(sim.FailInvariant, checkCollisionNotice, []string{cookieObj(newID), cookieObj(oldID)},
					"c=%08x: %q printed while the old cookie is DROPPED already (the notice is for a wait that timed out with the twin still there)", newID, e.Str[0])
			}
		}
		return
	}
	if n, _ := fmt.Sscanf(e.Str[0], "netfs: Potential volume collision new=%x old=%x", &newID, &oldID); n == 2 {
		for _, v := range c.f.Volumes() {
			if v.DebugID == newID && v.Flags()&(1<<fscache.VolAcquirePending) == 0 {
				c.report(sim.FailInvariant, checkCollisionNotice, []string{volumeObj(newID), volumeObj(oldID)},
					"V=%08x: %q printed while the new volume is no longer ACQUIRE_PENDING (the notice is for a wait that timed out with the twin still there)", newID, e.Str[0])
			}
		}
	}
}
