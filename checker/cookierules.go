package checker

import (
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// The cookie rules of 6.12's fscache that no tracepoint shows, checked at
// the step they are kept or broken: at the model's rule points
// (model/fscache/rulepoints.go, each reached in the step of the read that
// decided it), at backend calls, and at state changes. One line each in
// docs/checks.md:
//
//	C-new-flags   a cookie leaves fscache_alloc_cookie with no flag but
//	              NO_DATA_TO_READ, and with it exactly when its object size
//	              is 0;
//	C-creating    CREATING is entered with NO_DATA_TO_READ set
//	              (fscache_cookie_lookup_negative sets it first), unless
//	              HAVE_DATA let a page release clear it since;
//	C-disabled    while DISABLED, fscache_invalidate, fscache_update_cookie,
//	              fscache_resize_cookie and fscache_begin_read/write_operation
//	              go no further than their inline test; a DIO-write
//	              invalidation that goes on has set DISABLED, and only one
//	              goes on until the last unuse clears it;
//	C-prep-write  ->prepare_to_write is called only after a modifying use
//	              of the cookie since its previous call (DO_PREP_TO_WRITE is
//	              set only by one), and at most once per lookup of its
//	              object (LOCAL_WRITE stays set until the object is
//	              committed);
//	C-access-gate fscache_begin_cookie_access grants an access only while
//	              the cookie's cache is ACTIVE;
//	C-lru         fscache_cookie_lru_do_one sets DO_LRU_DISCARD exactly on
//	              an ACTIVE, unused cookie whose timeout has passed, and the
//	              LRU worker leaves no expired cookie at the head of the
//	              list;
//	C-volume-free a volume is freed with no access but the backend's pin
//	              (traced PIN/UNPIN cache; the pin may outlive it);
//	C-commit-xattr the backend's commit rewrites an object's xattr only
//	              after a modifying use (LOCAL_WRITE) or a NEEDS_UPDATE set
//	              since its previous rewrite;
//	C-volume-pin  when a cache is relinquished (its withdrawal over), no
//	              volume of it that is not being freed holds its pin;
//	R-call        (rows beyond resources.go's BackendCalls)
//	              fscache_wait_for_operation lets the backend's read or
//	              write go on only in ACTIVE, an operation's parameters in
//	              ACTIVE, CREATING or INVALIDATING, under the operation's
//	              access; ->free_volume is called under a volume access of
//	              its own on top of the backend's pin; the backend's
//	              ->resize_cookie runs under the access of the operation
//	              fscache_resize_cookie began for it (observed in the
//	              backend, so a resize moved after the operation's end is
//	              seen).
//
// Cost: nothing per step; a few loads at each point, backend call and
// modifying use.

type cookieRules struct {
	ck   []crCookie // by cookie debug id
	pins []int8     // by volume debug id: the backend's pins held (PIN/UNPIN cache traces)
}

func (r *cookieRules) pin(id uint32) *int8 {
	for int(id) >= len(r.pins) {
		r.pins = append(r.pins, 0)
	}
	return &r.pins[id]
}

type crCookie struct {
	modUses  int32 // modifying uses since the last ->prepare_to_write
	preps    int32 // ->prepare_to_write calls since the last ->lookup_cookie
	dioInval int32 // DIO-write invalidations gone on since DISABLED was last cleared
	// Since the last xattr rewrite at a commit: a modifying use (which
	// sets LOCAL_WRITE), and a NEEDS_UPDATE set. Never cleared otherwise:
	// the flags may outlive a withdrawal that did not commit.
	dirty, needsUpdate bool
}

func (r *cookieRules) cookie(id uint32) *crCookie {
	for int(id) >= len(r.ck) {
		r.ck = append(r.ck, crCookie{})
	}
	return &r.ck[id]
}

// cookieRulesEvent sees every fscache event (from onEvent).
func (c *Checker) cookieRulesEvent(e *sim.Event) {
	switch e.Type {
	case fscache.EvAccessVolume:
		switch e.Str[0] {
		case fscache.TraceAccessCachePin:
			*c.cr.pin(e.Obj)++
		case fscache.TraceAccessCacheUnpin:
			*c.cr.pin(e.Obj)--
		}
	case fscache.EvCacheState:
		if fscache.CacheState(e.Args[1]) != fscache.CacheNotPresent {
			return
		}
		// fscache_relinquish_cache: the backend's withdrawal is over.
		for _, v := range c.f.Volumes() {
			if v.Cache == nil || v.Cache.DebugID != e.Obj || v.Ref() <= 0 {
				continue // another cache's, or being freed (it leaves the cache's list itself)
			}
			if pins := *c.cr.pin(v.DebugID); pins > 0 {
				c.reportVolume("C-volume-pin", v.DebugID, "V=%08x: its cache C=%08x is relinquished with the volume still holding the backend's pin (%d): the withdrawal ends every volume's pin (fscache_withdraw_volume) before fscache_relinquish_cache",
					v.DebugID, e.Obj, pins)
				return
			}
		}
	case fscache.EvActive:
		if e.Str[0] == fscache.TraceActiveUseModify {
			r := c.cr.cookie(e.Obj)
			r.modUses++
			r.dirty = true
		}
	case fscache.EvCookieState:
		if e.Str[0] != "T4" {
			return
		}
		ck := c.track(e.Obj).c
		if ck == nil {
			return
		}
		if fl := ck.FlagBits(); !has(fl, fscache.FlagNoDataToRead) && !has(fl, fscache.FlagHaveData) {
			c.reportCookie("C-creating", e.Obj, "c=%08x: T4 enters CREATING without NO_DATA_TO_READ (flags %s): fscache_cookie_lookup_negative sets it before it publishes CREATING, so that a reader woken by the state does not try an object that has no data",
				e.Obj, fscache.CookieFlagString(fl))
		}
	}
}

// cookieRulesBackend sees every backend call (from onBackendCall, after
// R-call's table rows passed).
func (c *Checker) cookieRulesBackend(op string, ck *fscache.Cookie, v *fscache.Volume) {
	switch op {
	case "lookup_cookie":
		c.cr.cookie(ck.DebugID).preps = 0
	case "prepare_to_write":
		r := c.cr.cookie(ck.DebugID)
		if r.modUses == 0 {
			c.reportCookie("C-prep-write", ck.DebugID, "c=%08x: ->prepare_to_write without a modifying use since the previous one (flags %s): only fscache_use_cookie(will_modify) sets DO_PREP_TO_WRITE",
				ck.DebugID, fscache.CookieFlagString(ck.FlagBits()))
			return
		}
		if r.preps > 0 {
			c.reportCookie("C-prep-write", ck.DebugID, "c=%08x: ->prepare_to_write a second time for one lookup of its object (flags %s): DO_PREP_TO_WRITE is set only when LOCAL_WRITE goes from clear to set, and only the commit clears LOCAL_WRITE",
				ck.DebugID, fscache.CookieFlagString(ck.FlagBits()))
			return
		}
		r.modUses = 0
		r.preps++
	default:
		if v == nil || ck != nil {
			return
		}
		for _, row := range fscache.BackendCallVolumeAccess {
			if row.Op != op {
				continue
			}
			need := int64(1)
			if v.Flags()&(1<<fscache.VolCreating) == 0 && cacheLive(v.Cache) {
				need++ // the backend's pin (I-14; volume->cache_priv is set: the row asks it)
			}
			if n := v.NAccesses(); n < need {
				c.report(sim.FailInvariant, "R-call", []string{volumeObj(v.DebugID)}, "%s: called for V=%08x with n_accesses %d, not %d (an access of its own%s): %s",
					op, v.DebugID, n, need, map[bool]string{true: " and the backend's pin", false: ""}[need == 2], row.Why)
			}
		}
	}
}

// onPoint is the rule-point observer.
func (c *Checker) onPoint(t *sim.Thread, p fscache.Point, ck *fscache.Cookie, v *fscache.Volume, arg bool) {
	if c.failed {
		return
	}
	switch p {
	case fscache.PtAllocCookie:
		want := uint64(0)
		if ck.ObjectSize == 0 {
			want = 1 << fscache.FlagNoDataToRead
		}
		if fl := ck.FlagBits(); fl != want {
			c.reportCookie("C-new-flags", ck.DebugID, "c=%08x: fscache_alloc_cookie leaves flags %s for object size %d, not %s: a new cookie has only NO_DATA_TO_READ, and that only when it has no data",
				ck.DebugID, fscache.CookieFlagString(fl), ck.ObjectSize, fscache.CookieFlagString(want))
		}
	case fscache.PtInvalidate, fscache.PtUpdate, fscache.PtResize, fscache.PtBeginReadWrite:
		if has(ck.FlagBits(), fscache.FlagDisabled) {
			c.reportCookie("C-disabled", ck.DebugID, "c=%08x: %s went past its inline fscache_cookie_enabled() test while DISABLED: a DIO write turned caching off until the last unuse",
				ck.DebugID, p)
		}
	case fscache.PtInvalidateDIO:
		if !arg {
			return
		}
		if !has(ck.FlagBits(), fscache.FlagDisabled) {
			c.reportCookie("C-disabled", ck.DebugID, "c=%08x: a DIO-write invalidation goes on without DISABLED set (flags %s): __fscache_invalidate test_and_set_bit()s it first, and only the first such invalidation of a use goes on",
				ck.DebugID, fscache.CookieFlagString(ck.FlagBits()))
			return
		}
		if r := c.cr.cookie(ck.DebugID); r.dioInval > 0 {
			c.reportCookie("C-disabled", ck.DebugID, "c=%08x: a second DIO-write invalidation goes on while DISABLED is still set from the first: only the one whose test_and_set_bit found it clear goes on, until the last unuse clears it",
				ck.DebugID)
		} else {
			r.dioInval++
		}
	case fscache.PtNeedsUpdate:
		c.cr.cookie(ck.DebugID).needsUpdate = true
	case fscache.PtCommitXattr:
		r := c.cr.cookie(ck.DebugID)
		if !r.dirty && !r.needsUpdate {
			c.reportCookie("C-commit-xattr", ck.DebugID, "c=%08x: the commit rewrites the object's coherency xattr, but since the last rewrite no modifying use set LOCAL_WRITE and nothing set NEEDS_UPDATE: cachefiles_commit_object rewrites it only when one of them was set",
				ck.DebugID)
			return
		}
		r.dirty, r.needsUpdate = false, false
	case fscache.PtEnabled:
		c.cr.cookie(ck.DebugID).dioInval = 0
	case fscache.PtBackendResize:
		if !arg || ck.LockHeld() {
			if !arg {
				c.report(sim.FailInvariant, "R-call", []string{cookieObj(ck.DebugID)}, "resize_cookie: the backend's resize of c=%08x runs through an operation with no ops (not begun, or ended)", ck.DebugID)
			}
			return
		}
		st, fl := ck.State(), ck.FlagBits()
		if need := accessesHeld(st, fl) + 1; ck.NAccesses() < need {
			c.report(sim.FailInvariant, "R-call", []string{cookieObj(ck.DebugID)}, "resize_cookie: the backend's resize of c=%08x runs without the operation's access: n_accesses %d, the state and flags (%v, %s) hold %d (the operation ended before it?)",
				ck.DebugID, ck.NAccesses(), st, fscache.CookieFlagString(fl), need-1)
		}
	case fscache.PtAccessGranted:
		if s := ck.Volume.Cache.State(); s != fscache.CacheActive {
			c.reportCookie("C-access-gate", ck.DebugID, "c=%08x: fscache_begin_cookie_access grants an access while its cache C=%08x is %v: it re-checks fscache_cache_is_live after the increment",
				ck.DebugID, ck.Volume.Cache.DebugID, s)
		}
	case fscache.PtLRUDoOne:
		expired := !sim.Before(c.f.K.Now(), ck.UnusedAt()+fscache.LRUCookieTimeout)
		want := ck.State() == fscache.CookieActive && expired && ck.NActive() == 0
		if arg != want {
			c.reportCookie("C-lru", ck.DebugID, "c=%08x: fscache_cookie_lru_do_one %s DO_LRU_DISCARD on a cookie %v, n_active %d, timeout passed %v: only an ACTIVE, unused cookie whose timeout passed is discarded, any other is just taken off the list",
				ck.DebugID, map[bool]string{true: "sets", false: "does not set"}[arg], ck.State(), ck.NActive(), expired)
		}
	case fscache.PtLRUWorkerDone:
		if lru := c.f.LRU(); len(lru) > 0 {
			if h := lru[0]; !sim.Before(c.f.K.Now(), h.UnusedAt()+fscache.LRUCookieTimeout) {
				c.reportCookie("C-lru", h.DebugID, "c=%08x: fscache_cookie_lru_worker stops with the cookie at the head of the LRU list expired (unused at %v, now %v): it discards every expired cookie and re-arms the timer for the first that is not",
					h.DebugID, h.UnusedAt(), c.f.K.Now())
			}
		}
	case fscache.PtFreeVolume:
		// The backend's pin may outlive the volume: 6.12's
		// cachefiles_free_volume does not end it (only the cache's
		// withdrawal of the volume does).
		if n, pins := v.NAccesses(), int64(*c.cr.pin(v.DebugID)); n != pins {
			c.reportVolume("C-volume-free", v.DebugID, "V=%08x: freed with n_accesses %d, but the backend holds %d pin(s) of it: every other volume access (a lookup's, the relinquish's) is ended before fscache_free_volume frees it",
				v.DebugID, n, pins)
		}
	case fscache.PtWaitReady:
		states := fscache.WaitReadyStates[0]
		what := "a read or write"
		if arg {
			states, what = fscache.WaitReadyStates[1], "the parameters of an operation"
		}
		st := ck.State()
		if !stateIn(st, states) {
			c.report(sim.FailInvariant, "R-call", []string{cookieObj(ck.DebugID)}, "wait_for_operation: lets the backend go on with %s for c=%08x in %v, not in %v (fscache_wait_for_operation waits or fails in any other state)",
				what, ck.DebugID, st, states)
			return
		}
		if ck.LockHeld() {
			return
		}
		if need := accessesHeld(st, ck.FlagBits()) + 1; ck.NAccesses() < need {
			c.report(sim.FailInvariant, "R-call", []string{cookieObj(ck.DebugID)}, "wait_for_operation: lets the backend go on with %s for c=%08x without the operation's access: n_accesses %d, the state and flags hold %d",
				what, ck.DebugID, ck.NAccesses(), need-1)
		}
	}
}
