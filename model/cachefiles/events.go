package cachefiles

import (
	"strconv"

	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// Tracepoints of include/trace/events/cachefiles.h, with the kernel's
// print formats and reason strings. cachefiles_coherency uses the 5.17
// format (no aux=/dsk=), cachefiles_prep_read the 6.2+ one (o= rather
// than R=). cachefiles_state and cachefiles_warn are the simulator's own.

// Object ref trace reasons (cachefiles_obj_ref_traces).
const (
	TraceObjGetIOReq          = "GET ioreq"
	TraceObjNew               = "NEW obj"
	TraceObjPutAllocFail      = "PUT alloc_fail"
	TraceObjPutDetach         = "PUT detach"
	TraceObjPutIOReq          = "PUT ioreq"
	TraceObjSeeCleanCommit    = "SEE clean_commit"
	TraceObjSeeCleanDelete    = "SEE clean_delete"
	TraceObjSeeCleanDropTmp   = "SEE clean_drop_tmp"
	TraceObjSeeLookupCookie   = "SEE lookup_cookie"
	TraceObjSeeLookupFailed   = "SEE lookup_failed"
	TraceObjSeeWithdrawCookie = "SEE withdraw_cookie"
	TraceObjSeeWithdrawal     = "SEE withdrawal"
)

// Why an object was killed (fscache_why_object_killed, the kill table).
type Why uint8

const (
	WhyIsStale       Why = iota // FSCACHE_OBJECT_IS_STALE
	WhyIsWeird                  // FSCACHE_OBJECT_IS_WEIRD
	WhyInvalidated              // FSCACHE_OBJECT_INVALIDATED
	WhyNoSpace                  // FSCACHE_OBJECT_NO_SPACE
	WhyWasRetired               // FSCACHE_OBJECT_WAS_RETIRED
	WhyWasCulled                // FSCACHE_OBJECT_WAS_CULLED
	WhyVolumeIsWeird            // FSCACHE_VOLUME_IS_WEIRD
)

var whyNames = [...]string{"stale", "weird", "inval", "no_space", "was_retired", "was_culled", "volume_weird"}

func (w Why) String() string {
	if int(w) < len(whyNames) {
		return whyNames[w]
	}
	return "0x" + strconv.FormatUint(uint64(w), 16)
}

// Truncation trace reasons (cachefiles_trunc_traces).
const (
	TruncDIOAdjust     = "DIOADJ"
	TruncExpandTmpfile = "EXPTMP"
	TruncShrink        = "SHRINK"
)

// Error trace "where" strings (cachefiles_error_traces).
const (
	ErrFallocate    = "fallocate"
	ErrGetxattr     = "getxattr"
	ErrLink         = "link"
	ErrLookup       = "lookup"
	ErrMkdir        = "mkdir"
	ErrNotifyChange = "notify_change"
	ErrOpen         = "open"
	ErrRead         = "read"
	ErrRemxattr     = "remxattr"
	ErrRename       = "rename"
	ErrSeek         = "seek"
	ErrSetxattr     = "setxattr"
	ErrStatfs       = "statfs"
	ErrTmpfile      = "tmpfile"
	ErrTrunc        = "trunc"
	ErrUnlink       = "unlink"
	ErrWrite        = "write"
)

// Prepare-read trace reasons (cachefiles_prepare_read_traces), padded.
const (
	PrepReadAfterEOF  = "after-eof "
	PrepReadFoundHole = "found-hole"
	PrepReadFoundPart = "found-part"
	PrepReadHaveData  = "have-data "
	PrepReadNoData    = "no-data   "
	PrepReadNoFile    = "no-file   "
	PrepReadSeekError = "seek-error"
	PrepReadSeekNXIO  = "seek-enxio"
)

func hex8(b []byte, v uint32) []byte {
	const digits = "0123456789abcdef"
	for i := 7; i >= 0; i-- {
		b = append(b, digits[(v>>(uint(i)*4))&0xf])
	}
	return b
}

func hexu(b []byte, v int64) []byte { return strconv.AppendUint(b, uint64(v), 16) }

func obj(b []byte, e *sim.Event) []byte { return hex8(append(b, "o="...), e.Obj) }

// Event types. Obj is the object's debug id (0 for none, except unlink and
// rename which print ffffffff for none, as the kernel does).
var (
	// cachefiles_ref: c=%08x o=%08x u=%d %s — Args: cookie id, usage; Str[0]: why.
	EvRef = sim.RegisterEventType("cachefiles_ref", func(b []byte, e *sim.Event) []byte {
		b = hex8(append(b, "c="...), uint32(e.Args[0]))
		b = hex8(append(b, " o="...), e.Obj)
		b = strconv.AppendInt(append(b, " u="...), e.Args[1], 10)
		return append(append(b, ' '), e.Str[0]...)
	})
	// cachefiles_lookup: o=%08x dB=%lx B=%lx e=%d — Args: dir ino, found ino, error.
	EvLookup = sim.RegisterEventType("cachefiles_lookup", func(b []byte, e *sim.Event) []byte {
		b = hexu(append(obj(b, e), " dB="...), e.Args[0])
		b = hexu(append(b, " B="...), e.Args[1])
		return strconv.AppendInt(append(b, " e="...), e.Args[2], 10)
	})
	// cachefiles_mkdir: dB=%x sB=%x — Args: parent ino, new dir ino.
	EvMkdir = sim.RegisterEventType("cachefiles_mkdir", func(b []byte, e *sim.Event) []byte {
		b = hexu(append(b, "dB="...), e.Args[0])
		return hexu(append(b, " sB="...), e.Args[1])
	})
	// cachefiles_tmpfile: o=%08x B=%x — Args: ino.
	EvTmpfile = sim.RegisterEventType("cachefiles_tmpfile", func(b []byte, e *sim.Event) []byte {
		return hexu(append(obj(b, e), " B="...), e.Args[0])
	})
	// cachefiles_link: o=%08x B=%x — Args: ino.
	EvLink = sim.RegisterEventType("cachefiles_link", func(b []byte, e *sim.Event) []byte {
		return hexu(append(obj(b, e), " B="...), e.Args[0])
	})
	// cachefiles_unlink: o=%08x B=%x w=%s — Args: ino, why.
	EvUnlink = sim.RegisterEventType("cachefiles_unlink", func(b []byte, e *sim.Event) []byte {
		b = hexu(append(obj(b, e), " B="...), e.Args[0])
		return append(append(b, " w="...), Why(e.Args[1]).String()...)
	})
	// cachefiles_rename: o=%08x B=%x w=%s — Args: ino, why.
	EvRename = sim.RegisterEventType("cachefiles_rename", func(b []byte, e *sim.Event) []byte {
		b = hexu(append(obj(b, e), " B="...), e.Args[0])
		return append(append(b, " w="...), Why(e.Args[1]).String()...)
	})
	// cachefiles_coherency: o=%08x %s B=%llx c=%u — Args: ino, content; Str[0]: why.
	EvCoherency = sim.RegisterEventType("cachefiles_coherency", func(b []byte, e *sim.Event) []byte {
		b = append(append(obj(b, e), ' '), e.Str[0]...)
		b = hexu(append(b, " B="...), e.Args[0])
		return strconv.AppendInt(append(b, " c="...), e.Args[1], 10)
	})
	// cachefiles_vol_coherency: V=%08x %s B=%llx — Obj: volume cookie id; Args: ino; Str[0]: why.
	EvVolCoherency = sim.RegisterEventType("cachefiles_vol_coherency", func(b []byte, e *sim.Event) []byte {
		b = hex8(append(b, "V="...), e.Obj)
		b = append(append(b, ' '), e.Str[0]...)
		return hexu(append(b, " B="...), e.Args[0])
	})
	// cachefiles_prep_read: o=%08x %s %s f=%02x s=%llx %zx ni=%x B=%x —
	// Args: source, flags, start, len, netfs ino, cache ino; Str[0]: why.
	EvPrepRead = sim.RegisterEventType("cachefiles_prep_read", func(b []byte, e *sim.Event) []byte {
		b = append(append(obj(b, e), ' '), Source(e.Args[0]).String()...)
		b = append(append(b, ' '), e.Str[0]...)
		b = append(b, " f="...)
		if e.Args[1] < 16 {
			b = append(b, '0')
		}
		b = hexu(b, e.Args[1])
		b = hexu(append(b, " s="...), e.Args[2])
		b = hexu(append(b, ' '), e.Args[3])
		b = hexu(append(b, " ni="...), e.Args[4])
		return hexu(append(b, " B="...), e.Args[5])
	})
	// cachefiles_read: o=%08x B=%x s=%llx l=%zx — Args: ino, start, len.
	EvRead = sim.RegisterEventType("cachefiles_read", func(b []byte, e *sim.Event) []byte { return rw(b, e) })
	// cachefiles_write: o=%08x B=%x s=%llx l=%zx — Args: ino, start, len.
	EvWrite = sim.RegisterEventType("cachefiles_write", func(b []byte, e *sim.Event) []byte { return rw(b, e) })
	// cachefiles_trunc: o=%08x B=%x %s l=%llx->%llx — Args: ino, from, to; Str[0]: why.
	EvTrunc = sim.RegisterEventType("cachefiles_trunc", func(b []byte, e *sim.Event) []byte {
		b = hexu(append(obj(b, e), " B="...), e.Args[0])
		b = append(append(b, ' '), e.Str[0]...)
		b = hexu(append(b, " l="...), e.Args[1])
		return hexu(append(b, "->"...), e.Args[2])
	})
	// cachefiles_mark_active / _failed / _inactive: o=%08x B=%lx — Args: ino.
	EvMarkActive   = sim.RegisterEventType("cachefiles_mark_active", markFmt)
	EvMarkFailed   = sim.RegisterEventType("cachefiles_mark_failed", markFmt)
	EvMarkInactive = sim.RegisterEventType("cachefiles_mark_inactive", markFmt)
	// cachefiles_vfs_error: o=%08x B=%x %s e=%d — Args: ino, error; Str[0]: where.
	EvVFSError = sim.RegisterEventType("cachefiles_vfs_error", errFmt)
	// cachefiles_io_error: o=%08x B=%x %s e=%d — Args: ino, error; Str[0]: where.
	EvIOError = sim.RegisterEventType("cachefiles_io_error", errFmt)
	// cachefiles_state (simulator only): the cache's state changes
	// (culling on and off, the disk crashing). Str[0]: text.
	EvState = sim.RegisterEventType("cachefiles_state", func(b []byte, e *sim.Event) []byte {
		return append(b, e.Str[0]...)
	})
	// cachefiles_warn (simulator only): a pr_notice/pr_err/pr_info line.
	EvWarn = sim.RegisterEventType("cachefiles_warn", func(b []byte, e *sim.Event) []byte {
		return append(b, e.Str[0]...)
	})
)

func rw(b []byte, e *sim.Event) []byte {
	b = hexu(append(obj(b, e), " B="...), e.Args[0])
	b = hexu(append(b, " s="...), e.Args[1])
	return hexu(append(b, " l="...), e.Args[2])
}

func markFmt(b []byte, e *sim.Event) []byte { return hexu(append(obj(b, e), " B="...), e.Args[0]) }

func errFmt(b []byte, e *sim.Event) []byte {
	b = hexu(append(obj(b, e), " B="...), e.Args[0])
	b = append(append(b, ' '), e.Str[0]...)
	return strconv.AppendInt(append(b, " e="...), e.Args[1], 10)
}

// oid is the object's debug id for a trace (0 for none).
func oid(o *Object) uint32 {
	if o == nil {
		return 0
	}
	return o.DebugID
}

// killID is the object id unlink and rename print: UINT_MAX for none.
func killID(o *Object) uint32 {
	if o == nil {
		return ^uint32(0)
	}
	return o.DebugID
}

func (c *Cache) emit(t *sim.Thread, ty sim.EventType, o uint32, args ...int64) {
	if c.suppressed(t) {
		return
	}
	e := sim.Event{Type: ty, Obj: o}
	copy(e.Args[:], args)
	t.Emit(e)
}

func (c *Cache) emitWarn(t *sim.Thread, text string) {
	t.Emit(sim.Event{Type: EvWarn, Str: [2]string{text}})
}

func (c *Cache) emitState(t *sim.Thread, text string) {
	t.Emit(sim.Event{Type: EvState, Str: [2]string{text}})
}

func (c *Cache) traceVFSError(t *sim.Thread, o *Object, ino vfs.Ino, err error, where string) {
	t.Emit(sim.Event{Type: EvVFSError, Obj: oid(o), Args: [8]int64{int64(ino), int64(vfs.Code(err))}, Str: [2]string{where}})
}

func (c *Cache) traceIOError(t *sim.Thread, o *Object, ino vfs.Ino, err error, where string) {
	t.Emit(sim.Event{Type: EvIOError, Obj: oid(o), Args: [8]int64{int64(ino), int64(vfs.Code(err))}, Str: [2]string{where}})
}

func (c *Cache) traceLookup(t *sim.Thread, o *Object, dir, ino vfs.Ino, err error) {
	if err != nil {
		ino = 0
	}
	c.emit(t, EvLookup, oid(o), int64(dir), int64(ino), int64(vfs.Code(err)))
}

func (c *Cache) traceCoherency(t *sim.Thread, o *Object, ino vfs.Ino, content Content, why string) {
	if c.suppressed(t) {
		return
	}
	t.Emit(sim.Event{Type: EvCoherency, Obj: oid(o), Args: [8]int64{int64(ino), int64(content)}, Str: [2]string{why}})
}

func (c *Cache) traceTrunc(t *sim.Thread, o *Object, ino vfs.Ino, from, to int64, why string) {
	if c.suppressed(t) {
		return
	}
	t.Emit(sim.Event{Type: EvTrunc, Obj: oid(o), Args: [8]int64{int64(ino), from, to}, Str: [2]string{why}})
}

// suppressed reports whether t's routine events are elided (a batched
// fan-out section of its own).
func (c *Cache) suppressed(t *sim.Thread) bool {
	for _, id := range c.suppress {
		if id == t.ID() {
			return true
		}
	}
	return false
}

// suppressBegin and suppressEnd bracket t's elided events.
func (c *Cache) suppressBegin(t *sim.Thread) { c.suppress = append(c.suppress, t.ID()) }

func (c *Cache) suppressEnd(t *sim.Thread) {
	for i := len(c.suppress) - 1; i >= 0; i-- {
		if c.suppress[i] == t.ID() {
			c.suppress = append(c.suppress[:i], c.suppress[i+1:]...)
			return
		}
	}
}
