package fscache

import "github.com/fscachesim/fscachesim/sim"

// What a cookie state or a request flag holds, and what each backend call
// needs, as data (like the transition table): the checker states each row
// as a rule (checker/resources.go, rules R-state, R-access, R-volume
// and R-call in docs/checks.md). Read from 6.12's fs/netfs/fscache_cookie.c,
// fscache_io.c and fscache_volume.c. Rules the invariants already state are
// not repeated: I-14 (a live cache and a ready volume keep their pin), I-18
// (IS_CACHING and HAS_BEEN_CACHED against the state), I-19 (the backend
// object against the state).

// StateResources is what a cookie in State holds while cookie->lock is
// free (the state and what it holds change together under the lock).
type StateResources struct {
	State CookieState
	// Accesses is how many of the cookie's n_accesses the state holds.
	Accesses int64
	// VolumeAccess: the state holds one of its volume's n_accesses (counted
	// over the volume's cookies at every step: the volume access is taken
	// before the state is entered and ended after it is left).
	VolumeAccess bool
	// Flags are the cookie flags set in this state.
	Flags []int
	Why   string
}

// CookieStateResources is the state table.
var CookieStateResources = []StateResources{
	{CookieLookingUp, 1, true, nil,
		"fscache_begin_lookup takes a volume access and a cookie access before it stores LOOKING_UP; fscache_perform_lookup ends both after the state has moved on"},
	{CookieCreating, 1, true, nil,
		"CREATING is entered from LOOKING_UP by the backend's fscache_cookie_lookup_negative, during the lookup and its accesses"},
	{CookieInvalidating, 1, false, nil,
		"__fscache_invalidate begins a cookie access before it stores INVALIDATING (or DO_INVALIDATE carries it into the state); fscache_perform_invalidation ends it after the backend resumed or failed"},
	{CookieLRUDiscarding, 0, false, []int{FlagDoLRUDiscard},
		"the state machine enters LRU_DISCARDING on DO_LRU_DISCARD and clears the flag under the lock as it leaves for QUIESCENT"},
	{CookieWithdrawing, 0, false, []int{FlagDoWithdraw},
		"the state machine enters WITHDRAWING on DO_WITHDRAW and clears the flag under the lock as it leaves for QUIESCENT"},
	{CookieRelinquishing, 0, false, []int{FlagRelinquished, FlagDoRelinquish},
		"the state machine enters RELINQUISHING only on DO_RELINQUISH, which __fscache_relinquish_cookie sets after RELINQUISHED; neither is cleared"},
}

// FlagResources is what a request flag holds while cookie->lock is free.
type FlagResources struct {
	Flag     int
	Accesses int64
	Why      string
}

// CookieFlagResources is the flag table.
var CookieFlagResources = []FlagResources{
	{FlagDoInvalidate, 1,
		"__fscache_invalidate in LOOKING_UP sets DO_INVALIDATE and begins a cookie access under the lock; whoever clears the flag (fscache_perform_lookup into INVALIDATING, or the state machine) takes the access over or ends it"},
}

// Need is what a backend call requires of an object.
type Need uint8

const (
	Any     Need = iota // no requirement
	Present             // must be there (cache_priv set, flag set)
	Absent              // must not be
)

// BackendCall is what fscache guarantees when it calls the backend op.
type BackendCall struct {
	Op string
	// States are the cookie states the call is made in (nil: a volume op).
	States []CookieState
	// OwnAccess: the call is made under an access of its own, on top of
	// what the cookie's state and flags hold (StateResources).
	OwnAccess bool
	// Object is the cookie's backend object (cache_priv).
	Object Need
	// VolumeObject is the volume's backend volume (volume->cache_priv).
	VolumeObject Need
	// VolumeCreating is the volume's CREATING flag.
	VolumeCreating Need
	Why            string
}

// BackendCalls is the call table, one row per op of struct
// fscache_cache_ops that fscache calls.
var BackendCalls = []BackendCall{
	{"acquire_volume", nil, false, Any, Absent, Present,
		"fscache_create_volume_work, queued by fscache_create_volume after it set CREATING and found no cache_priv; CREATING is cleared only after the call"},
	{"free_volume", nil, false, Any, Present, Any,
		"fscache_free_volume calls it only if volume->cache_priv is set"},
	{"lookup_cookie", []CookieState{CookieLookingUp}, false, Any, Present, Any,
		"fscache_perform_lookup, from the state machine in LOOKING_UP, after it made sure the volume exists on disk"},
	{"withdraw_cookie", []CookieState{CookieLRUDiscarding, CookieWithdrawing, CookieRelinquishing}, false, Present, Any, Any,
		"the state machine, in the three closing states, only if cookie->cache_priv is set"},
	{"invalidate_cookie", []CookieState{CookieInvalidating}, false, Present, Any, Any,
		"fscache_perform_invalidation, from the state machine in INVALIDATING, under the access the invalidation took"},
	{"prepare_to_write", []CookieState{CookieActive}, false, Present, Any, Any,
		"the state machine in ACTIVE, on DO_PREP_TO_WRITE"},
	{"begin_operation", []CookieState{CookieActive, CookieCreating, CookieInvalidating}, true, Present, Any, Any,
		"fscache_begin_operation after fscache_begin_cookie_access, in ACTIVE (or CREATING for parameters); fscache_wait_for_operation also in INVALIDATING for parameters"},
	{"resize_cookie", []CookieState{CookieActive, CookieCreating, CookieInvalidating, CookieFailed}, true, Present, Any, Any,
		"__fscache_resize_cookie inside a begun operation (the state may have moved on to INVALIDATING or FAILED since, not to a closing state: the access holds it off)"},
}

// BackendCallByOp finds a row of the call table.
func BackendCallByOp(op string) (BackendCall, bool) {
	for _, r := range BackendCalls {
		if r.Op == op {
			return r, true
		}
	}
	return BackendCall{}, false
}

// BackendObserver sees every backend call fscache makes, just before it is
// made: the op (a row of BackendCalls), and the cookie or volume it is for.
// It must not change the model.
type BackendObserver func(t *sim.Thread, op string, c *Cookie, v *Volume)

// ObserveBackend installs fn as the backend-call observer (a checker);
// nil removes it.
func (f *Fscache) ObserveBackend(fn BackendObserver) { f.onBackend = fn }

// backendCall tells the observer, if any, that op is about to be called.
func (f *Fscache) backendCall(t *sim.Thread, op string, c *Cookie, v *Volume) {
	if f.onBackend != nil {
		f.onBackend(t, op, c, v)
	}
}
