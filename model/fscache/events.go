package fscache

import (
	"strconv"

	"github.com/fscachesim/fscachesim/sim"
)

// Tracepoints of include/trace/events/fscache.h. Every ref, access and
// active count change, every state change and every queueing of a cookie's
// work item is emitted with the fields and the padded reason strings the
// kernel prints, so a simulated trace can be rendered line for line like a
// real one. fscache_cookie_state is the simulator's own (the kernel has no
// state-change tracepoint): it names the transition of the spec's table.

// Cookie trace reasons (fscache_cookie_traces), padding included.
const (
	TraceCookieCollision          = "*COLLIDE*"
	TraceCookieDiscard            = "DISCARD  "
	TraceCookieFailed             = "FAILED   "
	TraceCookieGetAttachObject    = "GET attch"
	TraceCookieGetHashCollision   = "GET hcoll"
	TraceCookieGetEndAccess       = "GQ  endac"
	TraceCookieGetInvalWork       = "GQ  inval"
	TraceCookieGetLRU             = "GET lru  "
	TraceCookieGetUseWork         = "GQ  use  "
	TraceCookieNewAcquire         = "NEW acq  "
	TraceCookiePutHashCollision   = "PUT hcoll"
	TraceCookiePutLRU             = "PUT lru  "
	TraceCookiePutObject          = "PUT obj  "
	TraceCookiePutOverQueued      = "PQ  overq"
	TraceCookiePutRelinquish      = "PUT relnq"
	TraceCookiePutWithdrawn       = "PUT wthdn"
	TraceCookiePutWork            = "PQ  work "
	TraceCookieSeeActive          = "-   activ"
	TraceCookieSeeLRUDiscard      = "-   x-lru"
	TraceCookieSeeLRUDiscardClear = "-   lrudc"
	TraceCookieSeeLRUDoOne        = "-   lrudo"
	TraceCookieSeeRelinquish      = "-   x-rlq"
	TraceCookieSeeWithdraw        = "-   x-wth"
	TraceCookieSeeWork            = "-   work "
)

// Volume trace reasons (fscache_volume_traces).
const (
	TraceVolumeCollision      = "*COLLIDE*"
	TraceVolumeGetCookie      = "GET cook "
	TraceVolumeGetCreateWork  = "GET creat"
	TraceVolumeGetHashCollide = "GET hcoll"
	TraceVolumeGetWithdraw    = "GET withd"
	TraceVolumeFree           = "FREE     "
	TraceVolumeNewAcquire     = "NEW acq  "
	TraceVolumePutCookie      = "PUT cook "
	TraceVolumePutCreateWork  = "PUT creat"
	TraceVolumePutHashCollide = "PUT hcoll"
	TraceVolumePutRelinquish  = "PUT relnq"
	TraceVolumePutWithdraw    = "PUT withd"
	TraceVolumeSeeCreateWork  = "SEE creat"
	TraceVolumeSeeHashWake    = "SEE hwake"
	TraceVolumeWaitCreateWork = "WAIT crea"
)

// Cache trace reasons (fscache_cache_traces).
const (
	TraceCacheCollision   = "*COLLIDE*"
	TraceCacheGetAcquire  = "GET acq  "
	TraceCacheNewAcquire  = "NEW acq  "
	TraceCachePutAllocVol = "PUT alvol"
	TraceCachePutCache    = "PUT cache"
	TraceCachePutPrepFail = "PUT pfail"
	TraceCachePutRelinq   = "PUT relnq"
	TraceCachePutVolume   = "PUT vol  "
)

// Active trace reasons (fscache_active_traces).
const (
	TraceActiveUse       = "USE          "
	TraceActiveUseModify = "USE-m        "
	TraceActiveUnuse     = "UNUSE        "
)

// Access trace reasons (fscache_access_traces).
const (
	TraceAccessAcquireVolume       = "BEGIN acq_vol"
	TraceAccessAcquireVolumeEnd    = "END   acq_vol"
	TraceAccessCachePin            = "PIN   cache  "
	TraceAccessCacheUnpin          = "UNPIN cache  "
	TraceAccessInvalidateCookie    = "BEGIN inval  "
	TraceAccessInvalidateCookieEnd = "END   inval  "
	TraceAccessIOEnd               = "END   io     "
	TraceAccessIONotLive           = "END   io_notl"
	TraceAccessIORead              = "BEGIN io_read"
	TraceAccessIOResize            = "BEGIN io_resz"
	TraceAccessIOWait              = "WAIT  io     "
	TraceAccessIOWrite             = "BEGIN io_writ"
	TraceAccessLookupCookie        = "BEGIN lookup "
	TraceAccessLookupCookieEnd     = "END   lookup "
	TraceAccessLookupCookieEndFail = "END   lookupf"
	TraceAccessRelinquishVolume    = "BEGIN rlq_vol"
	TraceAccessRelinquishVolumeEnd = "END   rlq_vol"
	TraceAccessUnlive              = "END   unlive "
)

func hex8(b []byte, v uint32) []byte {
	const digits = "0123456789abcdef"
	for i := 7; i >= 0; i-- {
		b = append(b, digits[(v>>(uint(i)*4))&0xf])
	}
	return b
}

func dec(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }

// Event types. Fields: Obj is the main id; Args and Str as commented.
var (
	// fscache_cookie: c=%08x %s r=%d — Args[0]=ref, Str[0]=reason.
	EvCookie = sim.RegisterEventType("fscache_cookie", func(b []byte, e *sim.Event) []byte {
		b = hex8(append(b, "c="...), e.Obj)
		b = append(append(b, ' '), e.Str[0]...)
		return dec(append(b, " r="...), e.Args[0])
	})
	// fscache_active: c=%08x %s r=%d a=%d c=%d — Args: ref, n_accesses, n_active.
	EvActive = sim.RegisterEventType("fscache_active", func(b []byte, e *sim.Event) []byte {
		b = hex8(append(b, "c="...), e.Obj)
		b = append(append(b, ' '), e.Str[0]...)
		b = dec(append(b, " r="...), e.Args[0])
		b = dec(append(b, " a="...), e.Args[1])
		return dec(append(b, " c="...), e.Args[2])
	})
	// fscache_access: c=%08x %s r=%d a=%d — Args: ref, n_accesses.
	EvAccess = sim.RegisterEventType("fscache_access", func(b []byte, e *sim.Event) []byte {
		b = hex8(append(b, "c="...), e.Obj)
		b = append(append(b, ' '), e.Str[0]...)
		b = dec(append(b, " r="...), e.Args[0])
		return dec(append(b, " a="...), e.Args[1])
	})
	// fscache_access_volume: V=%08x c=%08x %s r=%d a=%d — Args: cookie id, ref, n_accesses.
	EvAccessVolume = sim.RegisterEventType("fscache_access_volume", func(b []byte, e *sim.Event) []byte {
		b = hex8(append(b, "V="...), e.Obj)
		b = hex8(append(b, " c="...), uint32(e.Args[0]))
		b = append(append(b, ' '), e.Str[0]...)
		b = dec(append(b, " r="...), e.Args[1])
		return dec(append(b, " a="...), e.Args[2])
	})
	// fscache_access_cache: C=%08x %s r=%d a=%d — Args: ref, n_accesses.
	EvAccessCache = sim.RegisterEventType("fscache_access_cache", func(b []byte, e *sim.Event) []byte {
		b = hex8(append(b, "C="...), e.Obj)
		b = append(append(b, ' '), e.Str[0]...)
		b = dec(append(b, " r="...), e.Args[0])
		return dec(append(b, " a="...), e.Args[1])
	})
	// fscache_acquire: c=%08x V=%08x vr=%d vc=%d — Args: volume id, volume ref, n_cookies.
	EvAcquire = sim.RegisterEventType("fscache_acquire", func(b []byte, e *sim.Event) []byte {
		b = hex8(append(b, "c="...), e.Obj)
		b = hex8(append(b, " V="...), uint32(e.Args[0]))
		b = dec(append(b, " vr="...), e.Args[1])
		return dec(append(b, " vc="...), e.Args[2])
	})
	// fscache_relinquish: c=%08x V=%08x r=%d U=%d f=%02x rt=%u — Args: V, ref, n_active, flags, retire.
	EvRelinquish = sim.RegisterEventType("fscache_relinquish", func(b []byte, e *sim.Event) []byte {
		b = hex8(append(b, "c="...), e.Obj)
		b = hex8(append(b, " V="...), uint32(e.Args[0]))
		b = dec(append(b, " r="...), e.Args[1])
		b = dec(append(b, " U="...), e.Args[2])
		b = append(b, " f="...)
		b = append(b, hex8(nil, uint32(e.Args[3])&0xff)[6:]...)
		return dec(append(b, " rt="...), e.Args[4])
	})
	// fscache_invalidate: c=%08x sz=%llx — Args: new size.
	EvInvalidate = sim.RegisterEventType("fscache_invalidate", func(b []byte, e *sim.Event) []byte {
		b = hex8(append(b, "c="...), e.Obj)
		return strconv.AppendUint(append(b, " sz="...), uint64(e.Args[0]), 16)
	})
	// fscache_resize: c=%08x os=%08llx sz=%08llx — Args: old size, new size.
	EvResize = sim.RegisterEventType("fscache_resize", func(b []byte, e *sim.Event) []byte {
		b = hex8(append(b, "c="...), e.Obj)
		b = append(b, " os="...)
		b = padHex(b, uint64(e.Args[0]), 8)
		b = append(b, " sz="...)
		return padHex(b, uint64(e.Args[1]), 8)
	})
	// fscache_volume: V=%08x %s u=%d — Args: ref.
	EvVolume = sim.RegisterEventType("fscache_volume", func(b []byte, e *sim.Event) []byte {
		b = hex8(append(b, "V="...), e.Obj)
		b = append(append(b, ' '), e.Str[0]...)
		return dec(append(b, " u="...), e.Args[0])
	})
	// fscache_cache: C=%08x %s r=%d — Args: ref.
	EvCache = sim.RegisterEventType("fscache_cache", func(b []byte, e *sim.Event) []byte {
		b = hex8(append(b, "C="...), e.Obj)
		b = append(append(b, ' '), e.Str[0]...)
		return dec(append(b, " r="...), e.Args[0])
	})
	// fscache_cookie_state (simulator only): c=%08x FROM->TO Tn — Args: from (-1 for a new cookie), to; Str[0]: transition.
	EvCookieState = sim.RegisterEventType("fscache_cookie_state", func(b []byte, e *sim.Event) []byte {
		b = hex8(append(b, "c="...), e.Obj)
		b = append(b, ' ')
		if e.Args[0] < 0 {
			b = append(b, "NEW"...)
		} else {
			b = append(b, CookieState(e.Args[0]).String()...)
		}
		b = append(b, "->"...)
		b = append(b, CookieState(e.Args[1]).String()...)
		return append(append(b, ' '), e.Str[0]...)
	})
	// fscache_cache_state (simulator only): C=%08x from->to.
	EvCacheState = sim.RegisterEventType("fscache_cache_state", func(b []byte, e *sim.Event) []byte {
		b = hex8(append(b, "C="...), e.Obj)
		b = append(b, ' ')
		b = append(b, CacheState(e.Args[0]).String()...)
		b = append(b, "->"...)
		return append(b, CacheState(e.Args[1]).String()...)
	})
	// fscache_mark (simulator only): a named point a coverage report counts
	// ("relinquish arrived during LRU_DISCARDING"). Str[0]: mark.
	EvMark = sim.RegisterEventType("fscache_mark", func(b []byte, e *sim.Event) []byte {
		b = hex8(append(b, "c="...), e.Obj)
		return append(append(b, ' '), e.Str[0]...)
	})
	// fscache_warn (simulator only): a kernel pr_notice/pr_warn line. Str[0]: text.
	EvWarn = sim.RegisterEventType("fscache_warn", func(b []byte, e *sim.Event) []byte {
		return append(b, e.Str[0]...)
	})
)

func padHex(b []byte, v uint64, w int) []byte {
	s := strconv.FormatUint(v, 16)
	for i := len(s); i < w; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
