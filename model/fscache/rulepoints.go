package fscache

import "github.com/fscachesim/fscachesim/sim"

// Rule points: the places where a rule of 6.12's fscache is kept or broken
// and no tracepoint shows it (checker/cookierules.go states the rules, C-*
// in docs/checks.md). Each point is reached in the same step as the read
// that decided it (no scheduling point between them), so what the observer
// sees is what the code saw. A point emits nothing and changes nothing:
// traces and digests are the same with or without an observer.
type Point uint8

const (
	// PtAllocCookie: fscache_alloc_cookie has filled in the new cookie
	// (flags as the kernel initialises them), before it is published.
	PtAllocCookie Point = iota
	// PtInvalidate: __fscache_invalidate was entered (the inline
	// fscache_invalidate found the cookie enabled).
	PtInvalidate
	// PtInvalidateDIO: a DIO-write invalidation went past its
	// test_and_set_bit(DISABLED): the cookie is DISABLED from here on.
	PtInvalidateDIO
	// PtUpdate: fscache_update_cookie calls __fscache_update_cookie (its inline
	// fscache_update_cookie found the cookie enabled).
	PtUpdate
	// PtResize: __fscache_resize_cookie was entered (the inline
	// fscache_resize_cookie found the cookie enabled).
	PtResize
	// PtBeginReadWrite: __fscache_begin_read_operation or
	// __fscache_begin_write_operation was entered (the inline found the
	// cookie enabled).
	PtBeginReadWrite
	// PtAccessGranted: fscache_begin_cookie_access is about to return true
	// (it re-checked IS_CACHING and the cache's liveness after the
	// increment).
	PtAccessGranted
	// PtLRUDoOne: fscache_cookie_lru_do_one decided, under cookie->lock;
	// arg is true when it set DO_LRU_DISCARD.
	PtLRUDoOne
	// PtLRUWorkerDone: fscache_cookie_lru_worker leaves its loop, under
	// the LRU lock.
	PtLRUWorkerDone
	// PtPageReleaseClear: fscache_note_page_release cleared
	// NO_DATA_TO_READ.
	PtPageReleaseClear
	// PtFreeVolume: fscache_free_volume is about to free the volume (its
	// accesses ended, off every list).
	PtFreeVolume
	// PtWaitReady: fscache_wait_for_operation lets the backend go on (its
	// "ready" label); arg is true for FSCACHE_WANT_PARAMS.
	PtWaitReady
	// PtEnabled: fscache_unuse_cookie_locked cleared DISABLED (the last
	// unuse ends a DIO write's caching-off period).
	PtEnabled
	// PtBackendResize: the backend's ->resize_cookie runs (a backend
	// reports it through ResizePoint).
	PtBackendResize
	// PtNeedsUpdate: NEEDS_UPDATE was set (fscache or the backend; a
	// backend reports it through NeedsUpdatePoint).
	PtNeedsUpdate
	// PtCommitXattr: the backend's commit of an object rewrites its
	// coherency xattr (cachefiles_commit_object's "update"; reported
	// through CommitXattrPoint).
	PtCommitXattr
	NumPoints
)

var pointNames = [NumPoints]string{"alloc_cookie", "invalidate", "invalidate_dio", "update_cookie", "resize_cookie",
	"begin_read_write_operation", "begin_cookie_access_granted", "lru_do_one", "lru_worker_done",
	"note_page_release_clear", "free_volume", "wait_for_operation_ready", "unuse_enabled", "backend_resize_cookie", "needs_update", "commit_xattr"}

func (p Point) String() string {
	if p < NumPoints {
		return pointNames[p]
	}
	return "?"
}

// PointObserver sees every rule point: the cookie or volume it is about,
// and a point-specific flag. It must not change the model.
type PointObserver func(t *sim.Thread, p Point, c *Cookie, v *Volume, arg bool)

// ObservePoints installs fn as the rule-point observer (a checker); nil
// removes it.
func (f *Fscache) ObservePoints(fn PointObserver) { f.onPoint = fn }

// ResizePoint is what a backend's ->resize_cookie calls first: it runs
// inside the operation fscache began for it (cres).
func ResizePoint(t *sim.Thread, cres *CacheResources) {
	if c := cres.CachePriv; c != nil {
		c.f.point(t, PtBackendResize, c, nil, cres.Ops != nil)
	}
}

// NeedsUpdatePoint is what a backend calls after it sets NEEDS_UPDATE.
func NeedsUpdatePoint(t *sim.Thread, c *Cookie) { c.f.point(t, PtNeedsUpdate, c, nil, false) }

// CommitXattrPoint is what a backend's commit calls before it rewrites the
// object's coherency xattr because LOCAL_WRITE or NEEDS_UPDATE was set.
func CommitXattrPoint(t *sim.Thread, c *Cookie) { c.f.point(t, PtCommitXattr, c, nil, false) }

// point tells the observer, if any, that p was reached.
func (f *Fscache) point(t *sim.Thread, p Point, c *Cookie, v *Volume, arg bool) {
	if f.onPoint != nil {
		f.onPoint(t, p, c, v, arg)
	}
}

// WaitReadyStates are the cookie states in which fscache_wait_for_operation
// lets the backend go on, by what it waits for: the parameters of an
// operation (FSCACHE_WANT_PARAMS) in ACTIVE, CREATING and INVALIDATING
// (there can be no content to read then), a read or a write of data only in
// ACTIVE. Every other state waits (LOOKING_UP, LRU_DISCARDING, and CREATING
// or INVALIDATING for data) or fails.
var WaitReadyStates = [2][]CookieState{
	{CookieActive}, // read or write
	{CookieActive, CookieCreating, CookieInvalidating}, // parameters
}

// BackendCallVolumeAccess are the volume backend calls that fscache makes
// under a volume access of its own, on top of the backend's pin: the access
// keeps a concurrent withdrawal of the volume out while the backend frees it.
var BackendCallVolumeAccess = []BackendCallAccess{
	{"free_volume", "fscache_free_volume begins a volume access (fscache_access_relinquish_volume) before it calls ->free_volume and ends it after"},
}

// BackendCallAccess is a row of BackendCallVolumeAccess.
type BackendCallAccess struct {
	Op  string
	Why string
}
