package checker

import (
	"fmt"

	"github.com/fscachesim/fscachesim/model/fscache"
)

// L-5: a request is acted on. The kernel records work it owes as request
// flags (the DO_* cookie flags) and a volume's CREATING; each is acted on by
// a work item that must be queued or running, or, for a cookie, by the end
// of an access in flight, whose last fscache_end_cookie_access queues the
// state machine unless NO_ACCESS_WAKE is set. A request pending in a state
// where the state machine acts on it, with nothing due to act on it, is hot;
// hot for more than Options.LivenessBound steps, or still hot when the run
// ends, is a liveness failure [L-5]. A cookie freed with a request pending
// cools it (the state machine clears every request as it leaves a closing
// state; what is left on a cookie that was never caching is not owed).
//
// Which requests, in which states (6.12's fscache_cookie_state_machine):
//
//	ACTIVE  DO_PREP_TO_WRITE, DO_LRU_DISCARD, DO_WITHDRAW, DO_INVALIDATE
//	FAILED  DO_WITHDRAW, DO_INVALIDATE
//
// The transient states are requests too (stateReq): LOOKING_UP,
// INVALIDATING, LRU_DISCARDING and WITHDRAWING with the state machine
// neither queued nor running and no access whose end queues it.
//
// DO_RELINQUISH is L-2's (a relinquished cookie reaches DROPPED). In
// QUIESCENT the state machine acts on DO_RELINQUISH only: the DO_WITHDRAW
// and DO_PREP_TO_WRITE a failed lookup leaves behind wait for the next use,
// as in the kernel. Volumes: CREATING set while the creation work is
// neither queued nor running.
//
// Not here: queued work (the simulated workqueues give every queued item a
// worker at once, so an item not run is a thread that never ends, "stuck",
// or a lost wake-up), timers (L-1 for the LRU timer, the only one, and
// lru-timing in requested.go for its deadline; virtual time fires every
// armed timer before a run counts as drained), collision waits (L-3, and
// collision-notice for the 20 s notice), and culling (cachefiles' CULLING
// flag is a request to cachefilesd, which the kernel does not owe and the
// scripted worlds do not always run). What a request point shows was
// acted on at once (a use's lookup begun) is requested.go's.

const monL5 = "L-5"

// stateReq are the states that are themselves requests to the state
// machine: LOOKING_UP (fscache_begin_lookup queues the lookup),
// INVALIDATING (__fscache_invalidate queues the invalidation), and the
// closing states LRU_DISCARDING and WITHDRAWING (the state machine left
// them waiting for the last access to end, which queues it again).
// RELINQUISHING is L-2's.
var stateReq = [fscache.NumCookieStates]bool{
	fscache.CookieLookingUp:     true,
	fscache.CookieInvalidating:  true,
	fscache.CookieLRUDiscarding: true,
	fscache.CookieWithdrawing:   true,
}

var reqMask = [fscache.NumCookieStates]uint64{
	fscache.CookieActive: 1<<fscache.FlagDoPrepToWrite | 1<<fscache.FlagDoLRUDiscard | 1<<fscache.FlagDoWithdraw | 1<<fscache.FlagDoInvalidate,
	fscache.CookieFailed: 1<<fscache.FlagDoWithdraw | 1<<fscache.FlagDoInvalidate,
}

// checkCookieRequests is L-5 for one cookie (from checkCookieRules).
//
// Its verdict is a function of in: with the same inputs, a cookie found
// cold stays cold and one found hot stays hot with the step it became hot
// (nothing else heats an L-5 cookie key; checkFreed cools a freed one), so
// checkCookie may skip it when in is unchanged.
func (c *Checker) checkCookieRequests(ck *fscache.Cookie, in cookieIn) {
	st, fl := in.st, in.fl
	req := fl & reqMask[st]
	key := uint64(ck.DebugID)
	if (req == 0 && !stateReq[st]) || in.bits&(inHeld|inWorkPend|inWorkRun) != 0 || (in.nAcc > 0 && fl&(1<<fscache.FlagNoAccessWake) == 0) {
		if c.live.hotL5 > 0 {
			c.coolL5(key)
		}
		return
	}
	if c.live.find(monL5, key) >= 0 {
		return
	}
	c.live.hotL5++
	what := fscache.CookieFlagString(req) + " pending in " + st.String()
	if req == 0 {
		what = st.String() + " (a state the state machine must act on)"
	}
	c.live.heat(monL5, key, objRef{'c', ck.DebugID},
		fmt.Sprintf("%s and nothing due to act on it (state machine idle, no access whose end queues it)", what), c.step)
}

// checkVolumeRequests is L-5 for one volume (from checkVolumes).
func (c *Checker) checkVolumeRequests(v *fscache.Volume) {
	key := 1<<62 | uint64(v.DebugID)
	if v.Flags()&(1<<fscache.VolCreating) == 0 || v.WorkBusy() {
		if c.live.hotL5 > 0 {
			c.coolL5(key)
		}
		return
	}
	if c.live.find(monL5, key) >= 0 {
		return
	}
	c.live.hotL5++
	c.live.heat(monL5, key, objRef{'V', v.DebugID}, "CREATING set and the creation work neither queued nor running", c.step)
}

func (c *Checker) coolL5(key uint64) {
	if c.live.find(monL5, key) >= 0 {
		c.live.hotL5--
		c.live.cool(monL5, key, c.step)
	}
}
