package ondemandd

import (
	"strconv"

	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// Fault is one way to misbehave; Faults is a set of them.
type Fault uint32

// The misbehaviours. Each applies to a request with the daemon's fault
// rate (Options.Rate), a decision of component faults.
const (
	FaultLate        Fault = 1 << iota // answer after a sleep
	FaultNever                         // never answer this request
	FaultCopenError                    // copen with a negative errno
	FaultCopenSize                     // copen with a size other than the blob's
	FaultStaleID                       // after answering, answer the same id again (copen or cread)
	FaultUnknownID                     // answer an id never read
	FaultCloseBefore                   // close the anonymous fd before copen
	FaultCloseDuring                   // close the anonymous fd from another thread, racing the copen
	FaultRestore                       // write "restore" with requests in flight
	FaultCrash                         // crash: close every fd, the device's too
	FaultSkipWrite                     // cread without writing the data
	FaultCloseAfter                    // close the anonymous fd right after a successful copen
)

// AllFaults is every misbehaviour.
const AllFaults = FaultLate | FaultNever | FaultCopenError | FaultCopenSize | FaultStaleID |
	FaultUnknownID | FaultCloseBefore | FaultCloseDuring | FaultRestore | FaultCrash | FaultSkipWrite | FaultCloseAfter

var faultNames = []string{"late", "never", "copen-error", "copen-size", "stale-id", "unknown-id",
	"close-before", "close-during", "restore", "crash", "skip-write", "close-after"}

// String lists the faults by name, "+"-separated.
func (f Fault) String() string {
	s := ""
	for i, n := range faultNames {
		if f&(1<<i) != 0 {
			if s != "" {
				s += "+"
			}
			s += n
		}
	}
	if s == "" {
		return "none"
	}
	return s
}

// Options configure a daemon.
type Options struct {
	Dir    string            // the cache root ("dir")
	Tag    string            // the cache tag ("tag")
	Blobs  map[string][]byte // the image: blob name (cookie key) -> contents
	Faults Fault             // the misbehaviours it may pick
	Rate   sim.Ratio         // how often it misbehaves, per request
	// MaxRequests bounds the requests one daemon serves (0: no bound).
	MaxRequests int
	// Async answers each request on a thread of its own (a daemon with
	// a pool of workers), while the main thread reads on.
	Async bool
	// Hold, if set, is asked (with no scheduling point) when the daemon
	// is about to exit in a way that releases the device (stopped,
	// crashed, at its request bound): while it returns true the exit is
	// deferred and the daemon serves on, until Kick wakes it to ask
	// again. A scenario uses it to keep the daemon's death (the cache's
	// withdrawal) out of a window of its own; see Exiting. A daemon
	// whose exit keeps the device open (Run's keepDevice) never asks.
	Hold func() bool
}

// Daemon is one run of the daemon process.
type Daemon struct {
	opts Options
	dev  *cachefiles.Device
	// File is the open device: the process's own, or inherited from a
	// crashed predecessor (failover: a supervisor kept it open).
	File *cachefiles.File
	fds  *cachefiles.FDTable
	objs map[uint32]int32 // object id -> anonymous fd
	stop bool
	// Misbehaved counts the faults it committed, by name.
	Misbehaved map[string]int
	// Served counts the requests it read.
	Served int
	wake   sim.Completion
	exited sim.Completion
	bound  sim.Completion
	bindOK bool
	k      *sim.Kernel
	// exiting is set when the daemon has committed to an exit that
	// releases the device (Hold said no).
	exiting bool
	crashed bool
	// helpers counts the process's other threads (workers, fd closers)
	// still running: its exit waits for them, as a process's fds are
	// closed only when its last thread has left its system calls.
	helpers int
}

// New makes a daemon for the device dev whose cache newCache makes.
func New(dev *cachefiles.Device, opts Options) *Daemon {
	d := &Daemon{opts: opts, dev: dev, objs: map[uint32]int32{}, Misbehaved: map[string]int{}}
	d.exited.Name = "ondemandd exit"
	d.bound.Name = "ondemandd bound"
	return d
}

// Start opens the device and binds the cache in on-demand mode; it
// reports whether the bind succeeded.
func (d *Daemon) Start(t *sim.Thread, newCache func() cachefiles.CacheOps) bool {
	d.k = t.Kernel()
	f, err := d.dev.Open(t, newCache)
	if err != nil {
		return false
	}
	d.File = f
	d.fds = cachefiles.NewFDTable(4)
	for _, cmd := range []string{"dir " + d.opts.Dir, "tag " + d.opts.Tag, "bind ondemand"} {
		if _, err := f.Write(t, []byte(cmd)); err != nil {
			f.Release(t)
			d.File = nil
			return false
		}
	}
	d.bindOK = true
	return true
}

// Adopt is the failover start: take over the device a crashed daemon's
// supervisor kept open, and restore its requests.
func (d *Daemon) Adopt(t *sim.Thread, f *cachefiles.File) {
	d.k = t.Kernel()
	d.File = f
	d.fds = cachefiles.NewFDTable(4)
	d.bindOK = true
	f.Write(t, []byte("restore"))
}

// Stop asks the daemon to exit (SIGTERM): it wakes from poll and
// closes its fds.
func (d *Daemon) Stop(t *sim.Thread) {
	d.stop = true
	if d.File != nil {
		d.File.Interrupt(t)
	}
}

// WaitExit waits until Run has returned.
func (d *Daemon) WaitExit(t *sim.Thread) { d.exited.Wait(t) }

// Exiting reports (with no scheduling point) whether the daemon has
// committed to an exit that releases the device: once it has, Hold is no
// longer asked, and WaitExit returns after the release (the unbind, if
// the daemon held the last pin).
func (d *Daemon) Exiting() bool { return d.exiting }

// Kick wakes the daemon from poll so that it asks Hold again.
func (d *Daemon) Kick(t *sim.Thread) {
	if d.File != nil {
		d.File.Interrupt(t)
	}
}

// wantsExit reports whether the daemon should leave its loop now: it has
// been stopped, has crashed or has served its bound, and (for an exit
// that releases the device) Hold does not defer it. It is a plain test
// with no scheduling point, so the commit to exit (exiting) and Hold's
// answer are one step.
func (d *Daemon) wantsExit(keepDevice bool) bool {
	if !d.stop && !d.crashed && !(d.opts.MaxRequests > 0 && d.Served >= d.opts.MaxRequests) {
		return false
	}
	if keepDevice {
		return true
	}
	if d.opts.Hold != nil && d.opts.Hold() {
		return false
	}
	d.exiting = true
	return true
}

// spawnHelper runs fn on another thread of the daemon process.
func (d *Daemon) spawnHelper(t *sim.Thread, name string, fn func(t *sim.Thread)) {
	d.helpers++
	t.Kernel().Spawn(name, func(t *sim.Thread) {
		fn(t)
		d.helpers--
		sim.WakeUpVar(t, &d.helpers)
	})
}

func (d *Daemon) fault(t *sim.Thread, f Fault) bool {
	if d.opts.Faults&f == 0 || d.opts.Rate.Den == 0 {
		return false
	}
	if !t.Kernel().Chance(sim.CompFaults, d.opts.Rate) {
		return false
	}
	d.Misbehaved[f.String()]++
	return true
}

// Run serves requests until stopped or crashed. keepDevice says whether
// the device stays open at exit (held by a supervisor for a successor):
// then only the anonymous fds are closed, as a crash closes them.
func (d *Daemon) Run(t *sim.Thread, keepDevice bool) {
	defer d.exited.CompleteAll(t)
	f := d.File
	if f == nil {
		return
	}
	buf := make([]byte, cachefiles.MsgMaxSize)
	for !d.wantsExit(keepDevice) {
		_, err := f.PollWait(t, cachefiles.EPOLLIN, func() bool {
			return (d.stop || d.crashed) && (keepDevice || d.opts.Hold == nil || !d.opts.Hold())
		})
		if err == vfs.EBADF {
			d.exiting = !keepDevice
			break
		}
		if err != nil {
			continue // interrupted: ask again
		}
		n, err := f.ReadFDs(t, buf, d.fds)
		if err != nil || n == 0 {
			continue
		}
		m, err := cachefiles.DecodeMsg(buf[:n])
		if err != nil {
			t.Bug("ondemandd", "undecodable message from the kernel: %v (%x)", err, buf[:n])
			d.exiting = !keepDevice
			break
		}
		d.Served++
		if !d.crashed && d.fault(t, FaultCrash) {
			d.crashed = true
			continue
		}
		if d.opts.Async {
			d.spawnHelper(t, "ondemandd-worker", func(t *sim.Thread) { d.handle(t, m) })
			continue
		}
		d.handle(t, m)
	}
	// The process's exit: its other threads leave their calls first,
	// then its fds close.
	sim.WaitVarEvent(t, &d.helpers, "ondemandd threads", func() bool { return d.helpers == 0 })
	d.fds.CloseAll(t)
	if !keepDevice {
		f.Release(t)
	}
}

func (d *Daemon) cmd(t *sim.Thread, s string) error {
	_, err := d.File.Write(t, []byte(s))
	return err
}

func (d *Daemon) handle(t *sim.Thread, m cachefiles.Msg) {
	if d.fault(t, FaultLate) {
		t.Sleep(sim.Millisecond)
	}
	if d.fault(t, FaultRestore) {
		d.cmd(t, "restore")
	}
	if d.fault(t, FaultUnknownID) {
		bogus := strconv.FormatUint(uint64(m.MsgID)+1000, 10)
		d.cmd(t, "copen "+bogus+",4096")
	}
	if d.fault(t, FaultNever) {
		return
	}
	mid := strconv.FormatUint(uint64(m.MsgID), 10)
	switch m.Opcode {
	case cachefiles.OpOpen:
		fd := int32(m.Open.FD)
		d.objs[m.ObjectID] = fd
		blob, ok := d.opts.Blobs[string(m.Open.CookieKey())]
		size := int64(len(blob))
		switch {
		case !ok:
			d.cmd(t, "copen "+mid+",-2") // -ENOENT: no such blob
		case d.fault(t, FaultCopenError):
			d.cmd(t, "copen "+mid+",-5")
		case d.fault(t, FaultCloseBefore):
			d.fds.Close(t, fd)
			delete(d.objs, m.ObjectID)
			d.cmd(t, "copen "+mid+","+strconv.FormatInt(size, 10))
		case d.fault(t, FaultCloseDuring):
			fds := d.fds
			d.spawnHelper(t, "ondemandd-closer", func(t *sim.Thread) { fds.Close(t, fd) })
			delete(d.objs, m.ObjectID)
			d.cmd(t, "copen "+mid+","+strconv.FormatInt(size, 10))
		default:
			if d.fault(t, FaultCopenSize) {
				size += 4096
			}
			d.cmd(t, "copen "+mid+","+strconv.FormatInt(size, 10))
			if d.fault(t, FaultCloseAfter) {
				d.fds.Close(t, fd)
				delete(d.objs, m.ObjectID)
			}
		}
		if d.fault(t, FaultStaleID) {
			d.cmd(t, "copen "+mid+",0")
		}
	case cachefiles.OpRead:
		fd, ok := d.objs[m.ObjectID]
		if !ok {
			return // an object it does not know: the request waits for the next daemon
		}
		af := d.fds.Fget(t, fd)
		if af == nil {
			return // closed meanwhile
		}
		defer af.Fput(t)
		if !d.fault(t, FaultSkipWrite) {
			d.fill(t, af, m.Read.Off, m.Read.Len)
		}
		af.Ioctl(t, cachefiles.IocReadComplete, uint64(m.MsgID))
		if d.fault(t, FaultStaleID) {
			af.Ioctl(t, cachefiles.IocReadComplete, uint64(m.MsgID))
		}
	case cachefiles.OpClose:
		if fd, ok := d.objs[m.ObjectID]; ok {
			d.fds.Close(t, fd)
			delete(d.objs, m.ObjectID)
		}
	}
}

// fill writes [off, off+length) of the object's blob through its
// anonymous fd, in page-aligned pieces (the write must start on a page).
func (d *Daemon) fill(t *sim.Thread, af *cachefiles.AnonFile, off, length uint64) {
	o := af.Object()
	if o == nil {
		return
	}
	blob := d.opts.Blobs[string(o.Key())]
	end := off + length
	if end > uint64(len(blob)) {
		end = uint64(len(blob))
	}
	if off >= end {
		return
	}
	af.Write(t, int64(off), blob[off:end])
}

// Serve is the daemon's main: Start, then Run until stopped (releasing
// the device at the end).
func (d *Daemon) Serve(t *sim.Thread, newCache func() cachefiles.CacheOps) {
	ok := d.Start(t, newCache)
	d.bound.CompleteAll(t)
	if !ok {
		d.exited.CompleteAll(t)
		return
	}
	d.Run(t, false)
}

// WaitBound waits until Serve has bound the cache (or failed to) and
// reports whether it did.
func (d *Daemon) WaitBound(t *sim.Thread) bool {
	d.bound.Wait(t)
	return d.bindOK
}
