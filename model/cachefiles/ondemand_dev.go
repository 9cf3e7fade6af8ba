package cachefiles

import (
	"sort"
	"strconv"
	"strings"

	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// The daemon's side of on-demand mode: the read, poll, copen and restore
// of /dev/cachefiles (daemon.c and ondemand.c) and the anonymous fd an
// OPEN request hands the daemon (cachefiles_ondemand_fd_fops).

// OndemandOps is what the control device asks of a cache in on-demand
// mode. The backend's Cache implements it.
type OndemandOps interface {
	SetOndemand(t *sim.Thread, dev OndemandDevice)
	InOndemandMode() bool
	FlushReqs(t *sim.Thread)
	DaemonRead(t *sim.Thread, buf []byte, fds *FDTable) (int, error)
	Copen(t *sim.Thread, args string) error
	Restore(t *sim.Thread) error
	PollIn(t *sim.Thread) bool
	PollInPeek() bool
}

// FDTable is the daemon process's file descriptor table, as far as the
// anonymous fds go: the read of an OPEN request installs one, the daemon
// closes them, and its exit closes what is left.
type FDTable struct {
	files map[int32]*AnonFile
	// next is where the search for an unused fd starts; fds 0..2 and the
	// device's own are taken (get_unused_fd_flags gives the lowest free).
	base int32
}

// NewFDTable is the table of a process whose lowest free fd is base.
func NewFDTable(base int32) *FDTable { return &FDTable{files: map[int32]*AnonFile{}, base: base} }

// reserve is get_unused_fd_flags: the lowest fd free in the table (a nil
// entry marks it reserved).
func (ft *FDTable) reserve() int32 {
	fd := ft.base
	for {
		if _, ok := ft.files[fd]; !ok {
			ft.files[fd] = nil
			return fd
		}
		fd++
	}
}

// Get is the anonymous file at fd, or nil, without a reference: for a
// look, not for a call (use Fget).
func (ft *FDTable) Get(fd int32) *AnonFile { return ft.files[fd] }

// Fget is fdget: the file at fd with a reference for the duration of a
// call on it (a concurrent close then does not release it under the
// call), or nil. Drop it with Fput.
//
// The look-up and the reference are one step, as under the fd table's
// lock and RCU in the kernel: a close cannot come between them.
func (ft *FDTable) Fget(t *sim.Thread, fd int32) *AnonFile {
	t.Yield()
	f := ft.files[fd]
	if f == nil {
		return nil
	}
	f.ref.Init(f.ref.Peek() + 1)
	return f
}

// Fput drops a reference Fget took (or the table's, at close): the last
// one releases the file (cachefiles_ondemand_fd_release).
func (f *AnonFile) Fput(t *sim.Thread) {
	if f.ref.Dec(t) == 0 {
		f.release(t)
	}
}

// Len is the number of open anonymous fds.
func (ft *FDTable) Len() int { return len(ft.open()) }

// open is the open fds, lowest first.
func (ft *FDTable) open() []int32 {
	fds := make([]int32, 0, len(ft.files))
	for fd, f := range ft.files {
		if f != nil {
			fds = append(fds, fd)
		}
	}
	sort.Slice(fds, func(i, j int) bool { return fds[i] < fds[j] })
	return fds
}

// Close is close(fd): the anonymous file's release. -EBADF for an fd not
// open.
func (ft *FDTable) Close(t *sim.Thread, fd int32) error {
	f := ft.files[fd]
	if f == nil {
		return vfs.EBADF
	}
	delete(ft.files, fd)
	f.Fput(t)
	return nil
}

// CloseAll closes every fd, lowest first: what a process's exit does.
func (ft *FDTable) CloseAll(t *sim.Thread) {
	for _, fd := range ft.open() {
		ft.Close(t, fd)
	}
}

// AnonFile is the "[cachefiles]" anonymous file of an object: its
// private_data is the object (nil when get_fd gave up on it).
type AnonFile struct {
	c      *Cache
	object *Object
	fd     int32
	ref    sim.Atomic // f_count: the fd table's, and one per call in progress
}

// Object is the file's object (private_data).
func (f *AnonFile) Object() *Object { return f.object }

// release is cachefiles_ondemand_fd_release().
func (f *AnonFile) release(t *sim.Thread) {
	o := f.object
	if o == nil {
		return
	}
	t.Use(&o.life)
	info := o.ondemand
	c := o.volume.cache
	t.Use(&c.life)
	c.od.xaLock.Lock(t)
	info.lock.Lock(t)
	t.Use(&info.life)
	id := info.ondemandID
	info.ondemandID = ondemandIDClosed
	info.setState(t, ObjClose, byFdRelease)
	info.lock.Unlock(t)
	// Only NEW CLOSE requests: a read one belongs to the daemon's read.
	for idx := uint64(0); ; {
		e, ok := c.od.reqs.next(idx, 1<<32-1, true)
		if !ok {
			break
		}
		idx = uint64(e.idx) + 1
		t.Use(&e.req.life)
		if int32(e.req.msg.ObjectID) == id && e.req.msg.Opcode == OpClose {
			completeReq(t, e.req)
			c.od.reqs.erase(e.idx)
		}
	}
	c.od.xaLock.Unlock(t)
	c.eraseOndemandID(t, id)
	c.emitOndemand(t, evOndemandFdRelease, o, uint32(id))
	o.put(t, TraceObjPutOndemandFd)
	c.od.dev.PutUnbindPincount(t)
}

// objectFile takes a reference on the object's backing file under
// object->lock, as the anonymous fd's write_iter and llseek do before they
// call into the file: ENOBUFS when the object has no file (closed). The
// caller drops the reference with c.fput.
func (f *AnonFile) objectFile(t *sim.Thread) (*Cache, *cfile, error) {
	o := f.object
	t.Use(&o.life)
	o.lock.Lock(t)
	defer o.lock.Unlock(t)
	if o.file == nil {
		return nil, nil, vfs.ENOBUFS
	}
	return o.volume.cache, getFile(t, o.file), nil
}

// Write is write(2)/pwrite(2) on the anonymous fd at pos:
// cachefiles_ondemand_fd_write_iter, the daemon filling the object's file.
// It returns the bytes written or the error.
func (f *AnonFile) Write(t *sim.Thread, pos int64, data []byte) (int, error) {
	c, file, err := f.objectFile(t)
	if err != nil {
		return 0, err
	}
	defer c.fput(t, file)
	o := f.object
	aligned := int64(len(data))
	if err := c.prepareWrite(t, o, file, &pos, &aligned, int64(len(data)), true); err != nil {
		return 0, err
	}
	c.emitOndemand(t, evOndemandFdWrite, o, uint32(file.ino), pos, int64(len(data)))
	if err := c.write1(t, o, file, pos, data, nil, false); err != nil {
		return 0, err
	}
	return len(data), nil
}

// Seek whence values.
const (
	SeekSet  = 0
	SeekData = 3
	SeekHole = 4
)

// Llseek is lseek(2) on the anonymous fd: cachefiles_ondemand_fd_llseek,
// passed to the object's file (SEEK_SET, SEEK_DATA and SEEK_HOLE).
func (f *AnonFile) Llseek(t *sim.Thread, pos int64, whence int) (int64, error) {
	c, file, err := f.objectFile(t)
	if err != nil {
		return 0, err
	}
	defer c.fput(t, file)
	switch whence {
	case SeekSet:
		if pos < 0 {
			return 0, vfs.EINVAL
		}
		return pos, nil
	case SeekData, SeekHole:
		return c.seek(t, file, pos, whence == SeekData)
	}
	return 0, vfs.EINVAL
}

// Ioctl is ioctl(2) on the anonymous fd: cachefiles_ondemand_fd_ioctl,
// whose one command, CACHEFILES_IOC_READ_COMPLETE, completes the READ
// request id of this object.
func (f *AnonFile) Ioctl(t *sim.Thread, cmd uint32, id uint64) error {
	o := f.object
	t.Use(&o.life)
	c := o.volume.cache
	t.Use(&c.life)
	if cmd != IocReadComplete {
		return vfs.EINVAL
	}
	if !c.inOndemandMode(t) {
		return vfs.EOPNOTSUPP
	}
	c.od.xaLock.Lock(t)
	var r *Req
	if id < 1<<32 {
		r = c.od.reqs.load(uint32(id))
	}
	if r != nil {
		t.Use(&r.life)
	}
	if r == nil || r.msg.Opcode != OpRead || r.object != o {
		c.od.xaLock.Unlock(t)
		return vfs.EINVAL
	}
	c.checkStaleID(t, r, uint32(id), "READ_COMPLETE")
	c.od.reqs.erase(uint32(id))
	c.od.xaLock.Unlock(t)
	c.emitOndemand(t, evOndemandCread, o, uint32(id))
	completeReq(t, r)
	return nil
}

// selectReq is cachefiles_ondemand_select_req(): the first NEW request in
// [from, max] the daemon should see, queueing the reopen of a closed
// object a READ wants on the way (its READs wait until it is open).
func (c *Cache) selectReq(t *sim.Thread, from, max uint64) (reqEntry, bool) {
	for idx := from; ; {
		e, ok := c.od.reqs.next(idx, max, true)
		if !ok {
			return reqEntry{}, false
		}
		idx = uint64(e.idx) + 1
		r := e.req
		t.Use(&r.life)
		if r.msg.Opcode != OpRead {
			return e, true
		}
		t.Use(&r.object.life)
		info := r.object.ondemand
		if info.is(t, ObjClose) {
			info.setState(t, ObjReopening, bySelectReq)
			c.F.QueueWork(t, &info.work)
			continue
		}
		if info.is(t, ObjReopening) {
			continue
		}
		return e, true
	}
}

// DaemonRead is cachefiles_ondemand_daemon_read(): hand the daemon the
// next NEW request, round robin from req_id_next, as a message in buf
// (installing an anonymous fd in fds for an OPEN). 0 if there is none,
// -EMSGSIZE if buf is too short. A CLOSE, or a request whose read failed,
// is completed here: it has no answer.
func (c *Cache) DaemonRead(t *sim.Thread, buf []byte, fds *FDTable) (int, error) {
	t.Use(&c.life)
	c.od.xaLock.Lock(t)
	e, ok := c.selectReq(t, c.od.reqIDNext, 1<<64-1)
	if !ok && c.od.reqIDNext > 0 {
		e, ok = c.selectReq(t, 0, c.od.reqIDNext-1)
	}
	if !ok {
		c.od.xaLock.Unlock(t)
		return 0, nil
	}
	r := e.req
	n := int(r.msg.Len)
	if n > len(buf) {
		c.od.xaLock.Unlock(t)
		return 0, vfs.EMSGSIZE
	}
	c.od.reqs.setNew(e.idx, false)
	c.od.reqIDNext = uint64(e.idx) + 1
	r.handed = true
	c.od.handedIDs[e.idx] = true
	noRef := c.F.Bugs.OndemandReadNoReqRef
	if !noRef {
		r.ref.Inc(t)
	}
	o := r.object
	o.grab(t, TraceObjGetReadReq)
	c.od.xaLock.Unlock(t)

	var err error
	var af *AnonFile
	var fd int32
	t.Use(&r.life)
	if r.msg.Opcode == OpOpen {
		af, fd, err = c.getFD(t, r, fds)
	}
	if err == nil {
		t.Use(&r.life)
		r.msg.MsgID = e.idx
		t.Use(&o.ondemand.life)
		r.msg.ObjectID = uint32(o.ondemand.ondemandID)
		copy(buf, r.msg.Encode())
		if r.msg.Opcode == OpOpen {
			fds.files[fd] = af // fd_install
			af.fd = fd
		}
	}
	o.put(t, TraceObjPutReadReq)
	t.Use(&r.life)
	if err != nil || r.msg.Opcode == OpClose {
		c.finishReq(t, r, e.idx, err)
	}
	if !noRef {
		reqPut(t, r)
	}
	if err != nil {
		return 0, err
	}
	return n, nil
}

// getFD is cachefiles_ondemand_get_fd(): give the object an id and the
// daemon an anonymous fd on it, unless the object has a valid id already
// (-EEXIST: a restored OPEN read twice).
func (c *Cache) getFD(t *sim.Thread, r *Req, fds *FDTable) (*AnonFile, int32, error) {
	o := r.object
	o.grab(t, TraceObjGetOndemandFd)
	info := o.ondemand
	id := c.allocOndemandID(t)
	fd := fds.reserve()
	af := &AnonFile{c: c, object: o}
	af.ref.Init(1)
	info.lock.Lock(t)
	t.Use(&info.life)
	if info.ondemandID > 0 {
		info.lock.Unlock(t)
		af.object = nil
		af.release(t) // fput: private_data is NULL, nothing to do
		delete(fds.files, fd)
		c.eraseOndemandID(t, int32(id))
		info.lock.Lock(t)
		if info.ondemandID <= 0 {
			info.setState(t, ObjClose, byGetFDError)
		}
		info.lock.Unlock(t)
		o.put(t, TraceObjPutOndemandFd)
		return nil, 0, vfs.EEXIST
	}
	r.msg.Open.FD = uint32(fd)
	info.ondemandID = int32(id)
	info.lock.Unlock(t)
	c.od.dev.GetUnbindPincount(t)
	c.emitOndemand(t, evOndemandOpen, o, r.msg.MsgID, int64(r.msg.ObjectID), int64(fd), int64(r.msg.Open.Flags))
	return af, fd, nil
}

// Copen is cachefiles_ondemand_copen(): "copen <id>,<size>" answers the
// OPEN request id: size >= 0 is the object's size, a negative errno fails
// the open.
func (c *Cache) Copen(t *sim.Thread, args string) error {
	t.Use(&c.life)
	if !c.inOndemandMode(t) {
		return vfs.EOPNOTSUPP
	}
	if args == "" {
		return vfs.EINVAL // "Empty id specified"
	}
	comma := strings.IndexByte(args, ',')
	if comma < 0 {
		return vfs.EINVAL // "Cache size is not specified"
	}
	pid, psize := args[:comma], args[comma+1:]
	id, err := Kstrtoul(pid, 0)
	if err != nil {
		return err
	}
	c.od.xaLock.Lock(t)
	var r *Req
	if id < 1<<32 {
		r = c.od.reqs.load(uint32(id))
	}
	if r != nil {
		t.Use(&r.life)
		t.Use(&r.object.life)
		t.Use(&r.object.ondemand.life)
	}
	if r == nil || r.msg.Opcode != OpOpen || r.object.ondemand.ondemandID == 0 {
		c.od.xaLock.Unlock(t)
		return vfs.EINVAL
	}
	c.checkStaleID(t, r, uint32(id), "copen")
	c.od.reqs.erase(uint32(id))
	c.od.xaLock.Unlock(t)

	o := r.object
	info := o.ondemand
	ret := error(nil)
	size, perr := Kstrtol(psize, 0)
	switch {
	case perr != nil:
		r.err = perr
	case size < 0:
		if !isErrValue(size) {
			r.err, ret = vfs.EINVAL, vfs.EINVAL
		} else {
			r.err = vfs.Errno(-size)
		}
	default:
		info.lock.Lock(t)
		if info.ondemandID == ondemandIDClosed {
			info.lock.Unlock(t)
			r.err = EBADFD
			break
		}
		ck := o.cookieOf(t)
		ck.ObjectSize = size
		if size != 0 {
			ck.Flags().Clear(t, fscacheFlagNoDataToRead)
		} else {
			ck.Flags().Set(t, fscacheFlagNoDataToRead)
		}
		c.emitOndemand(t, evOndemandCopen, o, uint32(id), size)
		info.setState(t, ObjOpen, byCopen)
		info.lock.Unlock(t)
		c.od.dev.WakePoll(t)
	}
	info.lock.Lock(t)
	if info.ondemandID == ondemandIDClosed {
		info.setState(t, ObjClose, byCopenFdGone)
	}
	info.lock.Unlock(t)
	completeReq(t, r)
	return ret
}

// Restore is cachefiles_ondemand_restore(): mark every pending request
// NEW again, so that a daemon restarted after a crash reads the ones its
// predecessor had read and not answered.
func (c *Cache) Restore(t *sim.Thread) error {
	t.Use(&c.life)
	if !c.inOndemandMode(t) {
		return vfs.EOPNOTSUPP
	}
	c.od.xaLock.Lock(t)
	for i := range c.od.reqs.ents {
		c.od.reqs.ents[i].new = true
	}
	c.od.xaLock.Unlock(t)
	c.od.dev.WakePoll(t)
	return nil
}

// PollIn is the on-demand half of cachefiles_daemon_poll: is there a NEW
// request the daemon can read (not a READ of an object being reopened)?
func (c *Cache) PollIn(t *sim.Thread) bool {
	t.Use(&c.life)
	if len(c.od.reqs.ents) == 0 {
		return false
	}
	c.od.xaLock.Lock(t)
	in := c.pollInLocked()
	c.od.xaLock.Unlock(t)
	return in
}

func (c *Cache) pollInLocked() bool {
	for _, e := range c.od.reqs.ents {
		if !e.new {
			continue
		}
		if e.req.msg.Opcode == OpRead && e.req.object.ondemand.state == ObjReopening {
			continue
		}
		return true
	}
	return false
}

// NewOndemandDevice makes the device of a kernel built with
// CONFIG_CACHEFILES_ONDEMAND: "bind ondemand", copen and restore.
func NewOndemandDevice() *Device {
	d := NewDevice()
	d.ondemand = true
	return d
}

// ondemandCommands is the command table with CONFIG_CACHEFILES_ONDEMAND.
var ondemandCommands = append(append([]command(nil), commands...),
	command{"copen", (*File).copen},
	command{"restore", (*File).restore},
)

// bindArgs is the argument check of cachefiles_daemon_bind: with
// CONFIG_CACHEFILES_ONDEMAND, "ondemand" sets CACHEFILES_ONDEMAND_MODE
// (before the cache is added: a failed bind leaves it set) and anything
// else is -EINVAL; without it, any argument is -EINVAL.
func (f *File) bindArgs(t *sim.Thread, args string) error {
	if f.dev.ondemand {
		if args == "ondemand" {
			od, ok := f.cache.(OndemandOps)
			if !ok {
				return vfs.EOPNOTSUPP // a backend without on-demand mode
			}
			od.SetOndemand(t, f)
			return nil
		}
		if args != "" {
			return vfs.EINVAL // "Invalid argument to the 'bind' command"
		}
		return nil
	}
	if args != "" {
		return vfs.EINVAL // "'bind' command doesn't take an argument"
	}
	return nil
}

// ondemandOps is the cache's on-demand half when it is in on-demand mode
// (cachefiles_in_ondemand_mode), else nil.
func (f *File) ondemandOps() OndemandOps {
	if !f.dev.ondemand {
		return nil
	}
	if od, ok := f.cache.(OndemandOps); ok && od.InOndemandMode() {
		return od
	}
	return nil
}

// copen is the copen command (cachefiles_ondemand_copen).
func (f *File) copen(t *sim.Thread, args string) error {
	od, ok := f.cache.(OndemandOps)
	if !ok || !od.InOndemandMode() {
		return vfs.EOPNOTSUPP
	}
	return od.Copen(t, args)
}

// restore is the restore command (cachefiles_ondemand_restore).
func (f *File) restore(t *sim.Thread, args string) error {
	od, ok := f.cache.(OndemandOps)
	if !ok || !od.InOndemandMode() {
		return vfs.EOPNOTSUPP
	}
	return od.Restore(t)
}

// FDs is the daemon process's anonymous fds.
func (f *File) FDs() *FDTable {
	if f.fds == nil {
		f.fds = NewFDTable(4)
	}
	return f.fds
}

func (f *File) traceRead(t *sim.Thread, buf []byte, n int, err error) {
	ret := n
	if err != nil {
		ret = vfs.Code(err)
	}
	text := ""
	if err == nil && n >= MsgHeaderSize {
		if m, derr := DecodeMsg(buf[:n]); derr == nil {
			text = m.Opcode.String() + " mid=" + strconv.FormatUint(uint64(m.MsgID), 10)
		}
	}
	emitDaemon(t, f.id, "read", ret, text)
}

// GetUnbindPincount is cachefiles_get_unbind_pincount().
func (f *File) GetUnbindPincount(t *sim.Thread) { f.pincount.Inc(t) }

// WakePoll is wake_up_all(&cache->daemon_pollwq).
func (f *File) WakePoll(t *sim.Thread) { sim.WakeUpVar(t, &f.flags) }

// PollInPeek is PollIn without a scheduling point, for a poll sleeper's
// condition.
func (c *Cache) PollInPeek() bool { return c.pollInLocked() }

// PrepareOndemandRead is cachefiles_prepare_ondemand_read(): PrepareRead
// for a caller that is not a netfs request (erofs), with
// NETFS_SREQ_ONDEMAND in flags.
func (c *Cache) PrepareOndemandRead(t *sim.Thread, cres *fscache.CacheResources, start int64, length *int64, iSize int64, flags *uint32, ino uint64) Source {
	return c.PrepareRead(t, cres, start, length, iSize, flags, ino)
}

// ReadFDs is read(2) of the device by a process with the fd table fds:
// in on-demand mode an OPEN's anonymous fd goes there (a daemon that took
// the device over from a crashed one has a table of its own).
func (f *File) ReadFDs(t *sim.Thread, buf []byte, fds *FDTable) (int, error) {
	return f.read(t, buf, fds)
}

// Key is the object's cookie key, as the daemon knows it from OPEN (no
// scheduling point: the daemon's own bookkeeping).
func (o *Object) Key() []byte { return o.cookie.Key }
