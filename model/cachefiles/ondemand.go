package cachefiles

import (
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// On-demand mode (fs/cachefiles/ondemand.c, spec §10.9): after "bind
// ondemand" the cache does not wait for a netfs to fill it; a user-space
// daemon does, on request. Opening an object sends OPEN (the daemon gets
// an anonymous fd on the object and answers "copen <id>,<size>"), a read
// of a hole sends READ (the daemon writes the data through the anonymous
// fd and answers with the READ_COMPLETE ioctl), withdrawing an object
// sends CLOSE (no answer). Requests wait in the cache's xarray, marked NEW
// until the daemon has read them.
//
// The kernel side lives here; the daemon's side of /dev/cachefiles and of
// the anonymous fd in ondemand_dev.go; the message layouts in
// ondemand_msg.go; the object states in ondemand_state.go.
//
// A request's sender waits killably (wait_for_completion_killable): a
// fatal signal (sim.SendSigkill) ends the wait with -EINTR and takes the
// request back out of the xarray, unless someone already has it.
//
// Deliberate differences: after a fatal signal, when the request is
// already taken out, the kernel spins on the killable wait until the
// taker completes it; the model sleeps until then instead. Allocations
// do not fail; the daemon's buffers never fault (no -EFAULT path); the
// xarray never fills (no -EBUSY).

// CacheOndemandMode is CACHEFILES_ONDEMAND_MODE in cache->flags.
const CacheOndemandMode = 4

// EBADFD is the errno copen gives an OPEN whose anonymous fd was closed.
const EBADFD = vfs.Errno(77)

// ondemandIDClosed is CACHEFILES_ONDEMAND_ID_CLOSED.
const ondemandIDClosed = -1

// OndemandDevice is what the cache's on-demand half asks of the control
// device that bound it: the unbind pin count the anonymous fds hold
// (cachefiles_get/put_unbind_pincount) and daemon_pollwq.
type OndemandDevice interface {
	GetUnbindPincount(t *sim.Thread)
	PutUnbindPincount(t *sim.Thread)
	WakePoll(t *sim.Thread)
}

// Req is struct cachefiles_req: one request to the daemon. Its lifetime
// is tracked: the sender's ref and the daemon read's ref.
type Req struct {
	life      sim.Life
	object    *Object
	done      sim.Completion
	ref       sim.Atomic
	err       error
	msg       Msg
	completed int // complete() calls on done: the exactly-once check
	// handed says a daemon's read handed the request out (the daemon
	// knows its id): the stale-id check.
	handed bool
}

// reqEntry is one slot of the reqs xarray with its NEW mark.
type reqEntry struct {
	idx uint32
	req *Req
	new bool // CACHEFILES_REQ_NEW (XA_MARK_1)
}

// reqXarray is cache->reqs: the pending requests by msg_id, in index
// order. A sorted slice: there are few requests at a time.
type reqXarray struct {
	ents []reqEntry
}

func (x *reqXarray) find(idx uint32) int {
	lo, hi := 0, len(x.ents)
	for lo < hi {
		m := (lo + hi) / 2
		if x.ents[m].idx < idx {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// load is xas_load.
func (x *reqXarray) load(idx uint32) *Req {
	i := x.find(idx)
	if i < len(x.ents) && x.ents[i].idx == idx {
		return x.ents[i].req
	}
	return nil
}

// store puts req at idx (a free slot), marked NEW.
func (x *reqXarray) store(idx uint32, req *Req) {
	i := x.find(idx)
	x.ents = append(x.ents, reqEntry{})
	copy(x.ents[i+1:], x.ents[i:])
	x.ents[i] = reqEntry{idx: idx, req: req, new: true}
}

// erase is __xa_erase.
func (x *reqXarray) erase(idx uint32) {
	i := x.find(idx)
	if i < len(x.ents) && x.ents[i].idx == idx {
		x.ents = append(x.ents[:i], x.ents[i+1:]...)
	}
}

// next is the first entry at or after idx up to max, marked NEW if
// marked: xas_find / xas_find_marked. ok is false past the end.
func (x *reqXarray) next(idx, max uint64, marked bool) (reqEntry, bool) {
	if idx > 1<<32-1 {
		return reqEntry{}, false
	}
	for i := x.find(uint32(idx)); i < len(x.ents); i++ {
		e := x.ents[i]
		if uint64(e.idx) > max {
			break
		}
		if !marked || e.new {
			return e, true
		}
	}
	return reqEntry{}, false
}

func (x *reqXarray) setNew(idx uint32, on bool) {
	i := x.find(idx)
	if i < len(x.ents) && x.ents[i].idx == idx {
		x.ents[i].new = on
	}
}

// freeFrom is the first free index in [from, max]: xas_find_marked(
// XA_FREE_MARK).
func (x *reqXarray) freeFrom(from, max uint64) (uint32, bool) {
	i := x.find(uint32(from))
	for idx := from; idx <= max; idx++ {
		if i < len(x.ents) && uint64(x.ents[i].idx) == idx {
			i++
			continue
		}
		return uint32(idx), true
	}
	return 0, false
}

// ondemandCache is the on-demand half of struct cachefiles_cache.
type ondemandCache struct {
	xaLock    sim.SpinLock // xa_lock(&cache->reqs)
	reqs      reqXarray
	reqIDNext uint64 // req_id_next: where the daemon's next read starts
	msgIDNext uint32 // msg_id_next: where the next request's id search starts
	// ids is cache->ondemand_ids (XA_FLAGS_ALLOC1): the object ids given
	// to anonymous fds; idNext is ondemand_id_next.
	ids    map[uint32]bool
	idNext uint32
	// handedIDs are the msg_ids a daemon's read has handed out, ever:
	// the daemon may still hold any of them (the stale-id check).
	handedIDs map[uint32]bool
	dev       OndemandDevice
	reqSeq    uint32 // debug ids of the requests' lifetimes
	// interrupted counts the requests a fatal signal took back (the
	// -EINTR path), interruptedTaken those it found already taken by
	// their completer: for tests.
	interrupted, interruptedTaken int
}

// ondemandInfo is struct cachefiles_ondemand_info, the per-object part,
// allocated with the object (init_obj_info) and freed with it.
type ondemandInfo struct {
	life       sim.Life
	work       sim.Work // ondemand_work: the reopen worker
	ondemandID int32    // ondemand_id: 0 never opened, >0 open, -1 closed
	state      ObjState
	object     *Object
	lock       sim.SpinLock // ondemand->lock
}

// ObjState is the object's on-demand state (no scheduling point), and
// false if the object has no on-demand info.
func (o *Object) OndemandState() (ObjState, bool) {
	if o.ondemand == nil {
		return 0, false
	}
	return o.ondemand.state, true
}

// InOndemandMode is cachefiles_in_ondemand_mode(), without a scheduling
// point.
func (c *Cache) InOndemandMode() bool { return c.flags.Has(CacheOndemandMode) }

// inOndemandMode is cachefiles_in_ondemand_mode() where the kernel tests
// the bit. The bit is set once, by the bind command before the cache is
// added, and never cleared: no object, request or fd exists before it is
// set, so the test is a plain read, not a scheduling point (and the runs
// of caches not in on-demand mode are unchanged by the hooks).
func (c *Cache) inOndemandMode(t *sim.Thread) bool { return c.flags.Has(CacheOndemandMode) }

// SetOndemand is the bind command's set_bit(CACHEFILES_ONDEMAND_MODE),
// with the device the requests wake and pin.
func (c *Cache) SetOndemand(t *sim.Thread, dev OndemandDevice) {
	t.Use(&c.life)
	c.od.dev = dev
	c.od.ids = map[uint32]bool{}
	c.od.handedIDs = map[uint32]bool{}
	c.od.xaLock.Name = "xa_lock(&cache->reqs)"
	c.flags.Set(t, CacheOndemandMode)
}

// OndemandInterrupted is the number of requests whose sender's fatal
// signal took them back out of the xarray (-EINTR), and of those it found
// already taken out by their completer (the sender then waits for it),
// with no scheduling point: for tests.
func (c *Cache) OndemandInterrupted() (taken, late int) {
	return c.od.interrupted, c.od.interruptedTaken
}

// PendingReqs is the number of requests in the xarray (no scheduling
// point), for checks and tests.
func (c *Cache) PendingReqs() int { return len(c.od.reqs.ents) }

// initObjInfo is cachefiles_ondemand_init_obj_info().
func (c *Cache) initObjInfo(t *sim.Thread, o *Object) {
	if !c.inOndemandMode(t) {
		return
	}
	info := &ondemandInfo{object: o}
	info.life = sim.Life{Kind: "ondemand_info", ID: o.DebugID}
	c.k.Track(&info.life)
	info.lock.Name = "ondemand->lock"
	info.work = sim.Work{Name: "ondemand_object_worker", Func: func(t *sim.Thread) { c.ondemandObjectWorker(t, info) }}
	o.ondemand = info
}

// deinitObjInfo is cachefiles_ondemand_deinit_obj_info().
func (c *Cache) deinitObjInfo(t *sim.Thread, o *Object) {
	if o.ondemand != nil {
		t.Free(&o.ondemand.life)
	}
	o.ondemand = nil
}

// ondemandObjectWorker is ondemand_object_worker(): reopen a closed object
// a READ wants.
func (c *Cache) ondemandObjectWorker(t *sim.Thread, info *ondemandInfo) {
	t.Use(&info.life)
	c.ondemandInitObject(t, info.object)
}

// newReq is the kzalloc of a request: ref 1, tracked.
func (c *Cache) newReq(t *sim.Thread, o *Object, op Opcode, dataLen uint32) *Req {
	c.od.reqSeq++
	r := &Req{object: o}
	r.life = sim.Life{Kind: "cachefiles_req", ID: c.od.reqSeq}
	c.k.Track(&r.life)
	r.ref.Init(1)
	r.done.Name = "cachefiles_req.done"
	r.msg.Opcode = op
	r.msg.Len = MsgHeaderSize + dataLen
	return r
}

// reqPut is cachefiles_req_put().
func reqPut(t *sim.Thread, r *Req) {
	t.Use(&r.life)
	if r.ref.Dec(t) == 0 {
		t.Free(&r.life)
	}
}

// completeReq is complete(&req->done), with the exactly-once check: a
// request is completed only by whoever took it out of the xarray.
func completeReq(t *sim.Thread, r *Req) {
	t.Use(&r.life)
	r.completed++
	if r.completed > 1 {
		t.Bug("ondemand-req-completed-twice", "cachefiles request %s (%s) completed %d times", r.life.String(), r.msg.Opcode, r.completed)
	}
	r.done.Complete(t)
}

// checkStaleID is the stale-id check, where a daemon's answer (copen, the
// READ_COMPLETE ioctl) completes the request r it found at msg_id id: a
// request no read handed out, at an id a read handed out before, is
// reached through a stale id (the daemon's answer was meant for the
// earlier request): ids must not be reused while the daemon may still
// hold them. (A daemon that answers an id it never read, guessing, can
// only hit a request no read handed out at an id never handed out.) Object
// ids complete nothing by themselves: the anonymous fd holds its object,
// and fd_release's flush of NEW CLOSE requests by object id never matches
// in 6.12 (an unread request's object_id is 0); xa_alloc_cyclic keeps
// them from reuse as well.
func (c *Cache) checkStaleID(t *sim.Thread, r *Req, id uint32, how string) {
	if !r.handed && c.od.handedIDs[id] {
		t.Bug("ondemand-stale-id", "%s of msg_id %d completes %s (%s), which no read handed out: the id was handed out for an earlier request and reused", how, id, r.life.String(), r.msg.Opcode)
	}
}

// finishReq is cachefiles_ondemand_finish_req(): complete req with err if
// it is still at idx (xa_cmpxchg to NULL).
func (c *Cache) finishReq(t *sim.Thread, r *Req, idx uint32, err error) bool {
	c.od.xaLock.Lock(t)
	if c.od.reqs.load(idx) != r {
		c.od.xaLock.Unlock(t)
		return false
	}
	c.od.reqs.erase(idx)
	c.od.xaLock.Unlock(t)
	t.Use(&r.life)
	r.err = err
	completeReq(t, r)
	return true
}

// ondemandSendReq is cachefiles_ondemand_send_req(): queue a request for
// the daemon and wait for its answer.
func (c *Cache) ondemandSendReq(t *sim.Thread, o *Object, op Opcode, dataLen uint32, init func(r *Req) error) error {
	if !c.inOndemandMode(t) {
		return nil
	}
	info := o.ondemand
	var r *Req
	var err error
	var idx uint32
	var ok bool
	if c.flags.Test(t, CacheDead) {
		err = vfs.EIO
		goto out
	}
	r = c.newReq(t, o, op, dataLen)
	if err = init(r); err != nil {
		goto out
	}
	c.od.xaLock.Lock(t)
	if c.flags.Test(t, CacheDead) || info.is(t, ObjDropping) {
		c.od.xaLock.Unlock(t)
		err = vfs.EIO
		goto out
	}
	if op == OpClose && !info.is(t, ObjOpen) {
		if info.ondemandID == 0 {
			t.Bug("WARN", "WARN_ON_ONCE: cachefiles_ondemand_send_req: CLOSE for object o=%08x never opened", o.DebugID)
		}
		c.od.xaLock.Unlock(t)
		err = vfs.EIO
		goto out
	}
	// A free msg_id from msg_id_next on, then from 0: never reuse the id
	// of a request just completed, which a stale copen could hit.
	if c.F.Bugs.OndemandMsgIDReuse {
		// Before the fix: the lowest free index (xa_alloc).
		idx, ok = c.od.reqs.freeFrom(0, 1<<32-1)
	} else {
		idx, ok = c.od.reqs.freeFrom(uint64(c.od.msgIDNext), 1<<32-1)
	}
	if !ok && c.od.msgIDNext > 0 {
		idx, ok = c.od.reqs.freeFrom(0, uint64(c.od.msgIDNext)-1)
	}
	if !ok {
		c.od.xaLock.Unlock(t)
		err = vfs.EBUSY
		goto out
	}
	c.od.reqs.store(idx, r)
	c.od.msgIDNext = idx + 1
	c.od.xaLock.Unlock(t)
	c.od.dev.WakePoll(t)
	if r.done.WaitKillable(t) {
		t.Use(&r.life)
		err = r.err
	} else if c.finishReq(t, r, idx, vfs.EINTR) {
		// A fatal signal, and the request still in the xarray: taken
		// out and failed here; the daemon's answer, if it comes, finds
		// no request (-EINVAL).
		c.od.interrupted++
		err = vfs.EINTR
	} else {
		// Someone took it out and will complete it: the kernel goes
		// back to the killable wait, which returns at once while the
		// signal is pending, until the completion is there; modelled
		// as a plain wait for it. The answer is the completer's.
		c.od.interruptedTaken++
		r.done.Wait(t)
		t.Use(&r.life)
		err = r.err
	}
	reqPut(t, r)
	return err
out:
	if op == OpOpen && !info.is(t, ObjDropping) {
		info.setState(t, ObjClose, bySendReqFail)
	}
	if r != nil {
		t.Free(&r.life)
	}
	return err
}

// ondemandInitObject is cachefiles_ondemand_init_object(): ask the daemon
// to open the object (OPEN), unless it is open already.
func (c *Cache) ondemandInitObject(t *sim.Thread, o *Object) error {
	info := o.ondemand
	if info == nil {
		return nil
	}
	if info.is(t, ObjOpen) {
		return nil
	}
	ck := o.cookieOf(t)
	t.Use(&o.volume.life)
	vkey := o.volume.vcookie.Key
	dataLen := uint32(OpenLoadSize + len(vkey) + 1 + len(ck.Key))
	return c.ondemandSendReq(t, o, OpOpen, dataLen, func(r *Req) error {
		// cachefiles_ondemand_init_open_req.
		if ck.Advice&fscache.AdvWantCacheSize == 0 {
			c.emitWarn(t, "CacheFiles: WANT_CACHE_SIZE is needed for on-demand mode")
			return vfs.EINVAL
		}
		l := &r.msg.Open
		l.VolumeKeySize = uint32(len(vkey) + 1)
		l.CookieKeySize = uint32(len(ck.Key))
		l.Data = append(append(append(make([]byte, 0, len(vkey)+1+len(ck.Key)), vkey...), 0), ck.Key...)
		return nil
	})
}

// ondemandCleanObject is cachefiles_ondemand_clean_object(): tell the
// daemon (CLOSE), then fail every request of the object still pending and
// wait for the reopen worker.
func (c *Cache) ondemandCleanObject(t *sim.Thread, o *Object) {
	info := o.ondemand
	if info == nil {
		return
	}
	c.ondemandSendReq(t, o, OpClose, 0, func(r *Req) error {
		// cachefiles_ondemand_init_close_req.
		if !info.is(t, ObjOpen) {
			return vfs.ENOENT
		}
		c.emitOndemand(t, evOndemandClose, o, r.msg.MsgID, int64(r.msg.ObjectID))
		return nil
	})
	t.Use(&info.life)
	if info.ondemandID == 0 {
		return
	}
	c.od.xaLock.Lock(t)
	info.setState(t, ObjDropping, byCleanObject)
	for _, e := range append([]reqEntry(nil), c.od.reqs.ents...) {
		t.Use(&e.req.life)
		if e.req.object == o {
			e.req.err = vfs.EIO
			completeReq(t, e.req)
			c.od.reqs.erase(e.idx)
		}
	}
	c.od.xaLock.Unlock(t)
	if !c.F.Bugs.OndemandNoCancelWorker {
		// cancel_work_sync(&info->ondemand_work).
		sim.CancelDelayedWork(t, &info.work)
		sim.FlushWork(t, &info.work)
	}
}

// OndemandRead is cachefiles_ondemand_read(): ask the daemon for
// [pos, pos+length) of the object (READ) and wait until it says the data
// is in the file.
func (c *Cache) OndemandRead(t *sim.Thread, o *Object, pos, length int64) error {
	return c.ondemandSendReq(t, o, OpRead, ReadLoadSize, func(r *Req) error {
		r.msg.Read = ReadLoad{Off: uint64(pos), Len: uint64(length)}
		c.emitOndemand(t, evOndemandRead, o, r.msg.MsgID, int64(r.msg.ObjectID), pos, length)
		return nil
	})
}

// FlushReqs is cachefiles_flush_reqs(), at the daemon's release and on an
// I/O error: the cache is DEAD (set before, by the caller); fail every
// pending request with EIO and forget the object ids.
func (c *Cache) FlushReqs(t *sim.Thread) {
	t.Use(&c.life)
	c.flags.Set(t, CacheDead)
	c.od.xaLock.Lock(t)
	for len(c.od.reqs.ents) > 0 {
		e := c.od.reqs.ents[0]
		t.Use(&e.req.life)
		e.req.err = vfs.EIO
		completeReq(t, e.req)
		c.od.reqs.erase(e.idx)
	}
	c.od.xaLock.Unlock(t)
	// xa_destroy of both xarrays.
	clear(c.od.ids)
}

// allocOndemandID is xa_alloc_cyclic(&cache->ondemand_ids, XA_LIMIT(1,
// INT_MAX), &ondemand_id_next): the xarray's own lock makes it one step.
func (c *Cache) allocOndemandID(t *sim.Thread) uint32 {
	t.Yield()
	id := c.od.idNext
	if id < 1 {
		id = 1
	}
	for c.od.ids[id] {
		id++
		if id > 1<<31-1 {
			id = 1
		}
	}
	c.od.ids[id] = true
	c.od.idNext = id + 1
	return id
}

func (c *Cache) eraseOndemandID(t *sim.Thread, id int32) {
	t.Yield()
	if id > 0 {
		delete(c.od.ids, uint32(id))
	}
}
