package cachefiles

import (
	"strconv"

	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

const fscacheFlagNoDataToRead = fscache.FlagNoDataToRead

// The object ref reasons of on-demand mode (cachefiles_obj_ref_traces).
const (
	TraceObjGetOndemandFd = "GET ondemand_fd"
	TraceObjPutOndemandFd = "PUT ondemand_fd"
	TraceObjGetReadReq    = "GET read_req"
	TraceObjPutReadReq    = "PUT read_req"
)

// The on-demand tracepoints, with the kernel's print formats. Obj is the
// object's debug id; Args as each says.
var (
	// cachefiles_ondemand_open: o=%08x mid=%x oid=%x fd=%d f=%x — Args: msg id, object id, fd, flags.
	evOndemandOpen = sim.RegisterEventType("cachefiles_ondemand_open", func(b []byte, e *sim.Event) []byte {
		b = hexu(append(obj(b, e), " mid="...), e.Args[0])
		b = hexu(append(b, " oid="...), e.Args[1])
		b = strconv.AppendInt(append(b, " fd="...), int64(int32(e.Args[2])), 10)
		return hexu(append(b, " f="...), e.Args[3])
	})
	// cachefiles_ondemand_copen: o=%08x mid=%x l=%lx — Args: msg id, size.
	evOndemandCopen = sim.RegisterEventType("cachefiles_ondemand_copen", func(b []byte, e *sim.Event) []byte {
		b = hexu(append(obj(b, e), " mid="...), e.Args[0])
		return hexu(append(b, " l="...), e.Args[1])
	})
	// cachefiles_ondemand_close: o=%08x mid=%x oid=%x — Args: msg id, object id.
	evOndemandClose = sim.RegisterEventType("cachefiles_ondemand_close", func(b []byte, e *sim.Event) []byte {
		b = hexu(append(obj(b, e), " mid="...), e.Args[0])
		return hexu(append(b, " oid="...), e.Args[1])
	})
	// cachefiles_ondemand_read: o=%08x mid=%x oid=%x s=%llx l=%zx — Args: msg id, object id, start, length.
	evOndemandRead = sim.RegisterEventType("cachefiles_ondemand_read", func(b []byte, e *sim.Event) []byte {
		b = hexu(append(obj(b, e), " mid="...), e.Args[0])
		b = hexu(append(b, " oid="...), e.Args[1])
		b = hexu(append(b, " s="...), e.Args[2])
		return hexu(append(b, " l="...), e.Args[3])
	})
	// cachefiles_ondemand_cread: o=%08x mid=%x — Args: msg id.
	evOndemandCread = sim.RegisterEventType("cachefiles_ondemand_cread", func(b []byte, e *sim.Event) []byte {
		return hexu(append(obj(b, e), " mid="...), e.Args[0])
	})
	// cachefiles_ondemand_fd_write: o=%08x iB=%x s=%llx l=%zx — Args: inode, start, length.
	evOndemandFdWrite = sim.RegisterEventType("cachefiles_ondemand_fd_write", func(b []byte, e *sim.Event) []byte {
		b = hexu(append(obj(b, e), " iB="...), e.Args[0])
		b = hexu(append(b, " s="...), e.Args[1])
		return hexu(append(b, " l="...), e.Args[2])
	})
	// cachefiles_ondemand_fd_release: o=%08x oid=%x — Args: object id.
	evOndemandFdRelease = sim.RegisterEventType("cachefiles_ondemand_fd_release", func(b []byte, e *sim.Event) []byte {
		return hexu(append(obj(b, e), " oid="...), e.Args[0])
	})
	// The simulator's own: an object's on-demand state change (the kernel
	// has no tracepoint). Str: "from->to", the function.
	evOndemandState = sim.RegisterEventType("cachefiles_ondemand_state", func(b []byte, e *sim.Event) []byte {
		b = append(obj(b, e), ' ')
		b = append(b, e.Str[0]...)
		return append(append(b, " by "...), e.Str[1]...)
	})
)

// emitOndemand emits an on-demand tracepoint of object o; the first
// argument is a u32 (msg id, object id or inode), the rest as the event
// says.
func (c *Cache) emitOndemand(t *sim.Thread, ty sim.EventType, o *Object, first uint32, rest ...int64) {
	e := sim.Event{Type: ty, Obj: o.DebugID}
	e.Args[0] = int64(first)
	copy(e.Args[1:], rest)
	t.Emit(e)
}
