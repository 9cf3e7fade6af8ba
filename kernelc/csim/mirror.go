//go:build fscachesim_kernelc

package csim

/*
#include <stddef.h>
int kc_go_views_ok(void);
long kc_go_views(long *v, long max, int *n);
int kc_go_cookie_key(long c, unsigned char *buf, int max);
int kc_go_volume_key(long v, unsigned char *buf, int max);
int kc_go_cache_name(long c, char *buf, int max);
const void *kc_go_lru_timer(void);
int kc_go_calls(long *out);
void kc_go_run_views(int slot, unsigned long jiffies, long *v, long *views, long max, int *n);
*/
import "C"

import (
	"strconv"
	"strings"
	"unsafe"

	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// The mirror: after every step of a C thread, the C structs' fields are
// copied into Go model objects (fscache.NewMirror), whose read-only views
// are what package checker reads; the kernel's tracepoints become the Go
// model's event types, and each change of a cookie's or cache's state an
// fscache_cookie_state or fscache_cache_state event, so the whole checker —
// every per-step invariant, the event checks, the liveness monitors and the
// end-of-run drain — runs unchanged on the C build.

// Longs per object in kc_go_views (KC_CW, KC_VW, KC_AW in kc_sched.c).
const (
	cookieWords = 20
	volumeWords = 14
	cacheWords  = 8
	viewWords   = 4096
	callWords   = 3 + cookieWords + volumeWords // KC_CALLW
	maxCalls    = 8                             // KC_MAX_CALLS
)

// backendOps are the ops of enum kc_backend_op (kc_sched.h), named as the
// rows of fscache.BackendCalls.
var backendOps = [...]string{"acquire_volume", "free_volume", "lookup_cookie", "withdraw_cookie",
	"invalidate_cookie", "prepare_to_write", "begin_operation", "resize_cookie"}

type cookieEntry struct {
	c     *fscache.Cookie
	ptr   uintptr
	stamp int64 // the refresh that last saw it
	state fscache.CookieState
	sm    int32                // the thread running its state machine, -1 for none
	cm    fscache.CookieMirror // what the last refresh set
}

type volumeEntry struct {
	v     *fscache.Volume
	stamp int64
	vm    fscache.VolumeMirror // what the last refresh set
}

type cacheEntry struct {
	c     *fscache.Cache
	stamp int64
	state fscache.CacheState
}

// world is one run's mirror of the C world.
type world struct {
	f      *fscache.Fscache
	stamp  int64
	buf    [viewWords]C.long
	n      [6]C.int // cookies, volumes, caches, LRU entries; longs used; backend calls
	key    [256]C.uchar
	cks    map[uintptr]*cookieEntry
	vols   map[uintptr]*volumeEntry
	caches map[uintptr]*cacheEntry
	order  []*cookieEntry // live cookies, in the order they were first seen

	cookies []*fscache.Cookie
	volumes []*fscache.Volume
	cacheL  []*fscache.Cache
	lru     []*fscache.Cookie
	pending []sim.Event // the state events of this refresh
	calls   [maxCalls * callWords]C.long
}

func newWorld(k *sim.Kernel) *world {
	return &world{f: fscache.NewMirror(k), cks: map[uintptr]*cookieEntry{},
		vols: map[uintptr]*volumeEntry{}, caches: map[uintptr]*cacheEntry{}}
}

// viewsOK reports whether the build exposes what the mirror reads.
func viewsOK() bool { return C.kc_go_views_ok() != 0 }

// lruTimer is the C's fscache_cookie_lru_timer.
func lruTimer() uintptr { return uintptr(C.kc_go_lru_timer()) }

func (m *world) volume(p uintptr) *fscache.Volume {
	if p == 0 {
		return nil
	}
	if e := m.vols[p]; e != nil {
		return e.v
	}
	return nil
}

func (m *world) cache(p uintptr) *fscache.Cache {
	if p == 0 {
		return nil
	}
	if e := m.caches[p]; e != nil {
		return e.c
	}
	return nil
}

// refresh copies the C world's objects into the mirror and appends to
// m.pending the state-change events they show; it reports false if the
// view buffer was too small.
func (m *world) refresh() bool {
	m.n[4] = C.int(C.kc_go_views(&m.buf[0], viewWords, &m.n[0]))
	return m.apply()
}

// runStep is kc_go_run for slot followed by the refresh, in one call into C.
func (m *world) runStep(slot C.int, jiffies C.ulong, res *C.long) bool {
	C.kc_go_run_views(slot, jiffies, res, &m.buf[0], viewWords, &m.n[0])
	return m.apply()
}

// apply copies the views kc_go_views left in m.buf into the mirror.
func (m *world) apply() bool {
	m.stamp++
	m.pending = m.pending[:0]
	if used := int(m.n[4]); used < 0 {
		return false
	}
	nc, nv, na, nl := int(m.n[0]), int(m.n[1]), int(m.n[2]), int(m.n[3])
	cw := m.buf[:nc*cookieWords]
	vw := m.buf[nc*cookieWords : nc*cookieWords+nv*volumeWords]
	aw := m.buf[nc*cookieWords+nv*volumeWords : nc*cookieWords+nv*volumeWords+na*cacheWords]
	lw := m.buf[nc*cookieWords+nv*volumeWords+na*cacheWords:]

	// Caches first (volumes point at them), then volumes, then cookies.
	m.cacheL = m.cacheL[:0]
	for i := 0; i < na; i++ {
		w := aw[i*cacheWords : (i+1)*cacheWords]
		p := uintptr(w[0])
		e := m.caches[p]
		if e == nil {
			n := int(C.kc_go_cache_name(w[0], (*C.char)(unsafe.Pointer(&m.key[0])), C.int(len(m.key))))
			e = &cacheEntry{c: m.f.MirrorCache(uint32(w[1]), C.GoStringN((*C.char)(unsafe.Pointer(&m.key[0])), C.int(n)))}
			m.caches[p] = e
		}
		e.stamp = m.stamp
		st := fscache.CacheState(w[6])
		e.c.MirrorSet(&fscache.CacheMirror{Ref: int64(w[2]), NVolumes: int64(w[3]), NAccesses: int64(w[4]),
			ObjectCount: int64(w[5]), State: st, CachePriv: w[7] != 0})
		if st != e.state {
			m.pending = append(m.pending, sim.Event{Type: fscache.EvCacheState, Obj: e.c.DebugID, Args: [8]int64{int64(e.state), int64(st)}})
			e.state = st
		}
		m.cacheL = append(m.cacheL, e.c)
	}
	m.f.MirrorHashes()
	m.volumes = m.volumes[:0]
	for i := 0; i < nv; i++ {
		w := vw[i*volumeWords : (i+1)*volumeWords]
		p := uintptr(w[0])
		e := m.vols[p]
		if e == nil {
			n := int(C.kc_go_volume_key(w[0], &m.key[0], C.int(len(m.key))))
			e = &volumeEntry{v: m.f.MirrorVolume(uint32(w[1]), C.GoStringN((*C.char)(unsafe.Pointer(&m.key[0])), C.int(n)), uint32(w[8]))}
			m.vols[p] = e
		}
		e.stamp = m.stamp
		e.vm = m.volumeMirror(w)
		e.v.MirrorSet(&e.vm)
		m.f.MirrorHashVolume(e.v, w[9] != 0, w[10] != 0)
		m.volumes = append(m.volumes, e.v)
	}
	for i := 0; i < nc; i++ {
		w := cw[i*cookieWords : (i+1)*cookieWords]
		if w[1] == 0 {
			continue // allocated, debug id not yet assigned: not yet a cookie
		}
		p := uintptr(w[0])
		e := m.cks[p]
		st := fscache.CookieState(w[2])
		if e == nil {
			n := int(C.kc_go_cookie_key(w[0], &m.key[0], C.int(len(m.key))))
			e = &cookieEntry{c: m.f.MirrorCookie(uint32(w[1]), C.GoBytes(unsafe.Pointer(&m.key[0]), C.int(n)), uint32(w[18])), ptr: p, sm: -1}
			m.cks[p] = e
			m.order = append(m.order, e)
			e.state = st
			m.pending = append(m.pending, sim.Event{Type: fscache.EvCookieState, Obj: e.c.DebugID, Args: [8]int64{-1, int64(st)}, Str: [2]string{"T1"}})
		}
		e.stamp = m.stamp
		e.cm = m.cookieMirror(w)
		e.c.MirrorSet(&e.cm)
		m.f.MirrorHashCookie(e.c, w[10] != 0, w[11] != 0)
		if st != e.state {
			m.pending = append(m.pending, sim.Event{Type: fscache.EvCookieState, Obj: e.c.DebugID,
				Args: [8]int64{int64(e.state), int64(st)}, Str: [2]string{rowFor(e.state, st, e.sm)}})
			e.state = st
		}
	}
	// Freed cookies leave the list (their views keep the last values).
	m.cookies = m.cookies[:0]
	n := 0
	for _, e := range m.order {
		if e.stamp != m.stamp {
			e.c.MirrorFree()
			delete(m.cks, e.ptr)
			continue
		}
		m.order[n] = e
		n++
		m.cookies = append(m.cookies, e.c)
	}
	clear(m.order[n:])
	m.order = m.order[:n]
	m.lru = m.lru[:0]
	for i := 0; i < nl; i++ {
		if e := m.cks[uintptr(lw[i])]; e != nil {
			m.lru = append(m.lru, e.c)
		}
	}
	g := lw[nl:]
	m.f.MirrorLists(m.cookies, m.volumes, m.cacheL, m.lru, g[0] != 0, g[1] != 0, g[2] != 0)
	return true
}

func (m *world) cookieMirror(w []C.long) fscache.CookieMirror {
	return fscache.CookieMirror{State: fscache.CookieState(w[2]), Flags: uint64(w[3]), Ref: int64(w[4]), NActive: int64(w[5]), NAccesses: int64(w[6]),
		LockHeld: w[7] != 0, OnLRU: w[8] != 0, HashLinked: w[10] != 0, WorkPending: w[12] != 0, WorkRunning: w[13] != 0,
		CachePriv: w[14] != 0, InvalCounter: uint32(w[15]), UnusedAt: sim.Time(int64(w[16])-firstJiffies) * Jiffy,
		Volume: m.volume(uintptr(w[17]))}
}

func (m *world) volumeMirror(w []C.long) fscache.VolumeMirror {
	return fscache.VolumeMirror{Ref: int64(w[2]), NCookies: int64(w[3]), NAccesses: int64(w[4]),
		Flags: uint64(w[5]), Cache: m.cache(uintptr(w[6])), CachePriv: w[7] != 0, HashLinked: w[9] != 0, WorkBusy: w[11] != 0}
}

// backendCalls shows the checker's backend-call observer (R-call) each
// backend op the C called in this step, with the cookie's and volume's
// views set to what they were at the call, then back to the step's end.
func (m *world) backendCalls(t *sim.Thread) {
	if m.n[5] == 0 && t != nil {
		return // none recorded in this step (runStep counted them)
	}
	n := int(C.kc_go_calls(&m.calls[0]))
	for i := 0; i < n; i++ {
		w := m.calls[i*callWords : (i+1)*callWords]
		if int(w[0]) >= len(backendOps) {
			continue
		}
		var ce *cookieEntry
		var ve *volumeEntry
		if w[1] != 0 {
			if ce = m.cks[uintptr(w[3])]; ce != nil {
				at := m.cookieMirror(w[3 : 3+cookieWords])
				ce.c.MirrorSet(&at)
			}
		}
		if w[2] != 0 {
			if ve = m.vols[uintptr(w[3+cookieWords])]; ve != nil {
				at := m.volumeMirror(w[3+cookieWords:])
				ve.v.MirrorSet(&at)
			}
		}
		var ck *fscache.Cookie
		var v *fscache.Volume
		if ce != nil {
			ck = ce.c
		}
		if ve != nil {
			v = ve.v
		}
		m.f.MirrorBackendCall(t, backendOps[w[0]], ck, v)
		if ce != nil {
			ce.c.MirrorSet(&ce.cm)
		}
		if ve != nil {
			ve.v.MirrorSet(&ve.vm)
		}
	}
}

// rowFor names the row of the transition table a state change of the C is:
// the row that allows from -> to and is made from the cookie's state
// machine exactly when sm (the thread running it, from the fscache_cookie
// "-   work " trace) is set; failing that any row that allows it (then the
// checker's sm-context check judges it); "T?" if none does (the checker
// reports that no row of the table allows it).
func rowFor(from, to fscache.CookieState, sm int32) string {
	first := ""
	for _, tr := range fscache.Transitions {
		if !tr.Allows(int(from), to) {
			continue
		}
		if strings.Contains(tr.Trigger, "SM") == (sm >= 0) {
			return tr.ID
		}
		if first == "" {
			first = tr.ID
		}
	}
	if first == "" {
		return "T?"
	}
	return first
}

// noteSM follows the cookie's state machine runs from its traces.
func (m *world) noteSM(e *sim.Event) {
	if e.Type != fscache.EvCookie {
		return
	}
	var ce *cookieEntry
	for _, x := range m.order {
		if x.c.DebugID == e.Obj {
			ce = x
			break
		}
	}
	if ce == nil {
		return
	}
	switch e.Str[0] {
	case fscache.TraceCookieSeeWork:
		ce.sm = e.Thread
	case fscache.TraceCookiePutWork:
		ce.sm = -1
	}
}

// modelEvent turns one tracepoint of the kernel's code (its name and its
// TP_printk text) into the Go model's event of that tracepoint, with the
// fields the model fills; ok is false if the text does not read back to
// the same line (then the caller keeps it as a kc_trace event).
func modelEvent(name, text string) (sim.Event, bool) {
	var e sim.Event
	var why string // the reason's position: the text before the first of these fields
	switch name {
	case "fscache_cookie":
		e.Type, why = fscache.EvCookie, " r="
	case "fscache_active":
		e.Type, why = fscache.EvActive, " r="
	case "fscache_access":
		e.Type, why = fscache.EvAccess, " r="
	case "fscache_access_volume":
		e.Type, why = fscache.EvAccessVolume, " r="
	case "fscache_access_cache":
		e.Type, why = fscache.EvAccessCache, " r="
	case "fscache_acquire":
		e.Type = fscache.EvAcquire
	case "fscache_relinquish":
		e.Type = fscache.EvRelinquish
	case "fscache_invalidate":
		e.Type = fscache.EvInvalidate
	case "fscache_resize":
		e.Type = fscache.EvResize
	case "fscache_volume":
		e.Type, why = fscache.EvVolume, " u="
	case "fscache_cache":
		e.Type, why = fscache.EvCache, " r="
	default:
		return e, false
	}
	rest := text
	// The object id: "c=%08x ", "V=%08x " or "C=%08x ".
	if len(rest) < 11 || rest[1] != '=' || rest[10] != ' ' {
		return e, false
	}
	id, err := strconv.ParseUint(rest[2:10], 16, 32)
	if err != nil {
		return e, false
	}
	e.Obj = uint32(id)
	rest = rest[11:]
	nargs := 0
	if name == "fscache_access_volume" { // "c=%08x " after the volume
		if len(rest) < 11 || rest[:2] != "c=" {
			return e, false
		}
		c, err := strconv.ParseUint(rest[2:10], 16, 32)
		if err != nil {
			return e, false
		}
		e.Args[0] = int64(c)
		nargs = 1
		rest = rest[11:]
	}
	if why != "" {
		i := strings.LastIndex(rest, why)
		if i < 0 {
			return e, false
		}
		e.Str[0] = rest[:i]
		rest = rest[i+1:]
	}
	for _, f := range strings.Fields(rest) {
		k, v, ok := strings.Cut(f, "=")
		if !ok || nargs == len(e.Args) {
			return e, false
		}
		base := 10
		switch k {
		case "V", "f", "sz", "os":
			base = 16
		}
		n, err := strconv.ParseInt(v, base, 64)
		if err != nil {
			return e, false
		}
		e.Args[nargs] = n
		nargs++
	}
	if string(e.AppendText(nil)) != text {
		return e, false
	}
	return e, true
}
