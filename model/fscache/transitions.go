package fscache

// Transition is one row of the cookie state machine's transition table
// (spec §5.4). The table is data: the model names the row at every state
// change it makes (the fscache_cookie_state event carries it), the checker
// verifies each observed change against the row, and the golden tests prove
// every row is reached.
type Transition struct {
	ID      string
	From    []CookieState // empty: the cookie is new
	To      CookieState
	Trigger string
}

// Transitions is the transition table T1–T16 of spec §5.4, with the primed
// variants as their own rows.
var Transitions = []Transition{
	{"T1", nil, CookieQuiescent, "__fscache_acquire_cookie (netfs): key ok, no live twin"},
	{"T2", []CookieState{CookieQuiescent}, CookieLookingUp, "use_cookie (netfs): fscache_begin_volume_access ok"},
	{"T2'", []CookieState{CookieQuiescent}, CookieQuiescent, "use_cookie (netfs): cache not live"},
	{"T3", []CookieState{CookieLookingUp}, CookieQuiescent, "SM: no on-disk volume after creation attempt"},
	{"T4", []CookieState{CookieLookingUp}, CookieCreating, "backend fscache_cookie_lookup_negative (SM)"},
	{"T5", []CookieState{CookieLookingUp, CookieCreating}, CookieActive, "backend lookup returned true, DO_INVALIDATE clear (SM)"},
	{"T5'", []CookieState{CookieLookingUp, CookieCreating}, CookieInvalidating, "backend lookup returned true, DO_INVALIDATE set (SM)"},
	{"T6", []CookieState{CookieLookingUp, CookieCreating}, CookieFailed, "backend fscache_caching_failed during lookup (SM)"},
	{"T6'", []CookieState{CookieLookingUp, CookieCreating}, CookieQuiescent, "backend lookup false without caching_failed (SM)"},
	{"T7", []CookieState{CookieActive}, CookieInvalidating, "__fscache_invalidate (netfs): fscache_begin_cookie_access ok"},
	{"T8", []CookieState{CookieInvalidating}, CookieActive, "backend fscache_resume_after_invalidation (SM)"},
	{"T8'", []CookieState{CookieInvalidating, CookieActive}, CookieFailed, "backend invalidate_cookie false or fscache_caching_failed (SM)"},
	{"T9", []CookieState{CookieActive}, CookieActive, "SM: DO_PREP_TO_WRITE, backend prepare_to_write"},
	{"T10", []CookieState{CookieActive}, CookieLRUDiscarding, "SM: DO_LRU_DISCARD"},
	{"T11", []CookieState{CookieActive, CookieFailed}, CookieRelinquishing, "SM: n_accesses==0 and DO_RELINQUISH"},
	{"T12", []CookieState{CookieActive, CookieFailed}, CookieWithdrawing, "SM: n_accesses==0, DO_WITHDRAW, not DO_RELINQUISH"},
	{"T13", []CookieState{CookieQuiescent}, CookieRelinquishing, "SM: n_accesses==0 and DO_RELINQUISH"},
	{"T14", []CookieState{CookieLRUDiscarding, CookieWithdrawing}, CookieQuiescent, "SM: backend withdraw_cookie, flags reset"},
	{"T15", []CookieState{CookieRelinquishing}, CookieDropped, "SM: backend withdraw_cookie, unhash"},
	{"T16", []CookieState{CookieQuiescent}, CookieDropped, "__fscache_relinquish_cookie (netfs) of a never-cached cookie"},
}

// TransitionByID finds a row.
func TransitionByID(id string) (Transition, bool) {
	for _, tr := range Transitions {
		if tr.ID == id {
			return tr, true
		}
	}
	return Transition{}, false
}

// Allows reports whether the row permits a change from from to to.
// From is -1 (as a new cookie) only for T1.
func (tr Transition) Allows(from int, to CookieState) bool {
	if to != tr.To {
		return false
	}
	if len(tr.From) == 0 {
		return from < 0
	}
	for _, f := range tr.From {
		if int(f) == from {
			return true
		}
	}
	return false
}
