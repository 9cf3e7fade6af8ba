package cachefiles

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// The control device /dev/cachefiles (fs/cachefiles/daemon.c, spec §10.1):
// the text command interface cachefilesd drives a cache through. A Device
// is the misc device of one simulated machine; Open gives the one File
// that may exist at a time, which carries the cache's configuration, the
// device's bits of cache->flags, daemon_mutex and the opening process's
// current working directory (the directory cull and inuse act in). The
// cache itself is reached through CacheOps (config.go).
//
// What the kernel does with user memory (copy_from_user, -EFAULT) and the
// CAP_SYS_ADMIN check (-EPERM) are not modelled: the daemon is root and its
// buffers are good. NewDevice is a kernel built without
// CONFIG_CACHEFILES_ONDEMAND: copen and restore are unknown commands
// (-EOPNOTSUPP) and bind takes no argument. NewOndemandDevice has on-demand
// mode ("bind ondemand", copen, restore: ondemand_dev.go).

// CommandMax is the longest command a write may carry: PAGE_SIZE - 1.
const CommandMax = 4096 - 1

// PollMask is what poll reports (__poll_t), with the kernel's bit values.
type PollMask uint32

// The two events the control device reports.
const (
	EPOLLIN  PollMask = 0x001 // the cache's state changed since the last read
	EPOLLOUT PollMask = 0x004 // the cache wants culling
)

// String prints the mask as "IN|OUT", "IN", "OUT" or "0".
func (m PollMask) String() string {
	var parts []string
	if m&EPOLLIN != 0 {
		parts = append(parts, "IN")
	}
	if m&EPOLLOUT != 0 {
		parts = append(parts, "OUT")
	}
	if rest := m &^ (EPOLLIN | EPOLLOUT); rest != 0 {
		parts = append(parts, "0x"+strconv.FormatUint(uint64(rest), 16))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}

// The bits of cache->flags (CACHEFILES_*), with the kernel's numbers. The
// device owns READY, DEAD and STATE_CHANGED; CULLING belongs to the
// backend's space accounting (cachefiles_has_space), and the backend may
// also set DEAD on an I/O error (cachefiles_io_error): the device learns
// those through CullingFlag and DeadFlag.
const (
	flagReady        = 0 // CACHEFILES_READY: bound
	flagDead         = 1 // CACHEFILES_DEAD: released, or an I/O error
	flagCulling      = 2 // CACHEFILES_CULLING (the backend's; listed for the numbering)
	flagStateChanged = 3 // CACHEFILES_STATE_CHANGED: poll reports EPOLLIN
)

// CullingFlag is implemented by a backend that keeps CACHEFILES_CULLING:
// poll's EPOLLOUT reads it. Without it the device reports the culling
// state of the last read.
type CullingFlag interface {
	Culling() bool
}

// DeadFlag is implemented by a backend whose I/O errors set
// CACHEFILES_DEAD (cachefiles_io_error): once it reports true, commands
// fail with -EIO as they do after release.
type DeadFlag interface {
	Dead() bool
}

// Device is the cachefiles misc device of one machine: the module-wide
// state of daemon.c (cachefiles_open) and the debug module parameter.
type Device struct {
	module sim.Life   // the module's static data (exit.go): freed by Exit
	open   sim.Atomic // cachefiles_open: 1 while a File is open
	debug  uint32     // cachefiles_debug (module parameter; survives a close)
	opens  uint32     // Files opened so far, for the files' debug ids
	// ondemand is CONFIG_CACHEFILES_ONDEMAND: bind takes "ondemand" and
	// copen and restore are commands (NewOndemandDevice, ondemand_dev.go).
	ondemand bool
}

// NewDevice makes the device of one machine, not open.
func NewDevice() *Device { return &Device{module: sim.Life{Kind: "cachefiles-module", ID: 0}} }

// Debug is the cachefiles_debug mask the last debug command set.
func (d *Device) Debug() uint32 { return d.debug }

// IsOpen reports (without a scheduling point) whether a File is open.
func (d *Device) IsOpen() bool { return d.open.Peek() != 0 }

// File is one open of the device: the struct file and the struct
// cachefiles_cache cachefiles_daemon_open allocates for it.
type File struct {
	dev   *Device
	id    uint32
	cache CacheOps
	cfg   Config
	flags sim.Flags // READY, DEAD, STATE_CHANGED
	mutex sim.Mutex // daemon_mutex
	cwd   string    // the opening process's working directory (a path: Chdir)
	// cwdIno is the working directory as an inode, once the process
	// changed directory with Fchdir (0 before): what get_fs_pwd gives.
	cwdIno vfs.Ino
	// lastCulling is the CULLING bit as the last read reported it, for
	// poll when the backend does not implement CullingFlag.
	lastCulling bool
	// pincount is unbind_pincount: the File's own pin, and one per
	// anonymous fd of on-demand mode; the last put unbinds.
	pincount sim.Atomic
	fds      *FDTable // the daemon's anonymous fds (on-demand mode)
	closed   bool     // released: the descriptor is gone
	released bool     // the release has finished: the cache record is freed
}

// Open is cachefiles_daemon_open: only one File may be open at a time on
// the machine (-EBUSY otherwise). The File starts with DefaultConfig, the
// working directory "/" and the cache record newCache makes (kzalloc of
// struct cachefiles_cache: the backend's half of it).
func (d *Device) Open(t *sim.Thread, newCache func() CacheOps) (*File, error) {
	t.Use(&d.module)
	if d.open.CmpXchg(t, 0, 1) == 1 {
		emitDaemon(t, 0, "open", vfs.EBUSY.Neg(), "")
		return nil, vfs.EBUSY
	}
	if t.AllocFails(AllocSiteDaemonOpen) {
		d.open.Store(t, 0)
		emitDaemon(t, 0, "open", vfs.ENOMEM.Neg(), "")
		return nil, vfs.ENOMEM
	}
	d.opens++
	f := &File{dev: d, id: d.opens, cfg: DefaultConfig(), cwd: "/"}
	f.cfg.Debug = d.debug
	f.mutex.Name = "daemon_mutex"
	f.pincount.Init(1)
	f.cache = newCache()
	emitDaemon(t, f.id, "open", 0, "")
	return f, nil
}

// Config is the configuration the commands have set so far.
func (f *File) Config() Config { return f.cfg }

// Ready reports (without a scheduling point) whether the cache is bound.
func (f *File) Ready() bool { return f.flags.Has(flagReady) }

// Dead reports (without a scheduling point) whether the cache is dead:
// released, or failed by an I/O error.
func (f *File) Dead() bool { return f.flags.Has(flagDead) || f.backendDead() }

// Released reports whether Release has finished.
func (f *File) Released() bool { return f.released }

// Cwd is the working directory cull and inuse act in.
func (f *File) Cwd() string { return f.cwd }

// Chdir sets the working directory of the process that holds the File
// (chdir(2) or fchdir(2) by cachefilesd): an absolute path on the cache
// filesystem. The daemon changes directory only into directories it has
// just opened, so the kernel's "cwd is not a directory" case (-ENOTDIR)
// is not modelled. Process-local: not a scheduling point.
func (f *File) Chdir(dir string) { f.cwd, f.cwdIno = dir, 0 }

// Fchdir is fchdir(2) to the directory inode dir of the cache filesystem:
// cull and inuse then act in that inode, wherever it has moved (a backend
// implementing CwdCacheOps), as the kernel's get_fs_pwd gives the
// process's current directory, not a path.
func (f *File) Fchdir(dir vfs.Ino) { f.cwdIno = dir }

func (f *File) backendDead() bool {
	d, ok := f.cache.(DeadFlag)
	return ok && d.Dead()
}

// dead is test_bit(CACHEFILES_DEAD).
func (f *File) dead(t *sim.Thread) bool {
	return f.flags.Test(t, flagDead) || f.backendDead()
}

// culling is test_bit(CACHEFILES_CULLING), without a scheduling point.
func (f *File) culling() bool {
	if c, ok := f.cache.(CullingFlag); ok {
		return c.Culling()
	}
	return f.lastCulling
}

// notify is cachefiles_state_changed, handed to the backend at bind: set
// STATE_CHANGED and wake the poll queue.
func (f *File) notify(t *sim.Thread) {
	if f.released {
		t.Bug("cachefiles-state-changed", "cachefiles_state_changed on cache %d after its release freed it", f.id)
	}
	f.flags.Set(t, flagStateChanged)
	sim.WakeUpVar(t, &f.flags)
}

// Write is cachefiles_daemon_write: one command per write, parsed in the
// kernel's order (spec §10.1), run under daemon_mutex. It returns the
// whole length written on success, as the syscall does, or the error.
// After Release the descriptor is gone: -EBADF.
func (f *File) Write(t *sim.Thread, data []byte) (int, error) {
	if f.closed {
		return 0, vfs.EBADF
	}
	n, err := f.write(t, data)
	ret := n
	if err != nil {
		ret = vfs.Code(err)
	}
	emitDaemon(t, f.id, "write", ret, string(data))
	return n, err
}

func (f *File) write(t *sim.Thread, data []byte) (int, error) {
	if f.dead(t) {
		return 0, vfs.EIO
	}
	if len(data) > CommandMax {
		return 0, vfs.EOPNOTSUPP
	}
	// memdup_user_nul: the copy from user memory and the GFP_KERNEL
	// allocation may sleep.
	t.Yield()
	if t.AllocFails(AllocSiteDaemonWrite) {
		return 0, vfs.ENOMEM
	}
	table := commands
	if f.dev.ondemand {
		table = ondemandCommands
	}
	cmd, args, err := parseCommandIn(data, table)
	if err != nil {
		return 0, err
	}
	f.mutex.Lock(t)
	err = vfs.EIO
	if !f.dead(t) {
		err = table[cmd].handler(f, t, args)
	}
	f.mutex.Unlock(t)
	if err != nil {
		return 0, err
	}
	return len(data), nil
}

// command is one entry of cachefiles_daemon_cmds.
type command struct {
	name    string
	handler func(f *File, t *sim.Thread, args string) error
}

// commands is the command table, in the kernel's order, of a kernel built
// without CONFIG_CACHEFILES_ONDEMAND.
var commands = []command{
	{"bind", (*File).bind},
	{"brun", (*File).brun},
	{"bcull", (*File).bcull},
	{"bstop", (*File).bstop},
	{"cull", (*File).cull},
	{"debug", (*File).debugCmd},
	{"dir", (*File).dir},
	{"frun", (*File).frun},
	{"fcull", (*File).fcull},
	{"fstop", (*File).fstop},
	{"inuse", (*File).inuse},
	{"secctx", (*File).secctx},
	{"tag", (*File).tag},
}

// Commands lists the command names the device knows, in table order.
func Commands() []string {
	out := make([]string, len(commands))
	for i, c := range commands {
		out[i] = c.name
	}
	return out
}

// IsSpace is the kernel's isspace(): tab, newline, vertical tab, form feed,
// carriage return, space, and 0xA0 (Latin-1 no-break space, which the
// kernel's ctype table also marks as space).
func IsSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0
}

// ParseCommand is the parsing half of cachefiles_daemon_write, after the
// DEAD and length checks: it returns the index of the command in the table
// (see Commands) and its arguments, or the error the write fails with.
//
//   - a NUL byte anywhere → -EINVAL;
//   - a newline as the first byte → -EINVAL; otherwise the command ends at
//     the first newline and the rest is ignored;
//   - the command word ends at the first space character; a command that
//     starts with one → -EOPNOTSUPP; the arguments are the rest with
//     leading spaces skipped (trailing ones are kept);
//   - the word must equal a command name exactly, else -EOPNOTSUPP.
func ParseCommand(data []byte) (int, string, error) { return parseCommandIn(data, commands) }

func parseCommandIn(data []byte, commands []command) (int, string, error) {
	if bytes.IndexByte(data, 0) >= 0 {
		return -1, "", vfs.EINVAL
	}
	s := string(data)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		if i == 0 {
			return -1, "", vfs.EINVAL
		}
		s = s[:i]
	}
	i := 0
	for i < len(s) && !IsSpace(s[i]) {
		i++
	}
	name, args := s[:i], ""
	if i < len(s) {
		if i == 0 {
			return -1, "", vfs.EOPNOTSUPP
		}
		args = skipSpaces(s[i+1:])
	}
	for j, c := range commands {
		if c.name == name {
			return j, args, nil
		}
	}
	return -1, "", vfs.EOPNOTSUPP
}

// skipSpaces is skip_spaces().
func skipSpaces(s string) string {
	for len(s) > 0 && IsSpace(s[0]) {
		s = s[1:]
	}
	return s
}

// SimpleStrtoul is the kernel's simple_strtoul on a 64-bit machine: base 0
// detects the base C-style ("0x" followed by a hex digit is 16, a leading
// "0" is 8, else 10); base 16 skips a "0x"; digits are taken while they
// are valid in the base, and an overflow wraps silently (the kernel
// ignores KSTRTOX_OVERFLOW here). No sign, no leading space. It returns
// the value and the unparsed rest.
func SimpleStrtoul(s string, base uint64) (uint64, string) {
	lower := func(c byte) byte { return c | 0x20 } // _tolower()
	if base == 0 {
		switch {
		case len(s) > 0 && s[0] == '0' && len(s) > 2 && lower(s[1]) == 'x' && isXdigit(s[2]):
			base = 16
		case len(s) > 0 && s[0] == '0':
			base = 8
		default:
			base = 10
		}
	}
	if base == 16 && len(s) >= 2 && s[0] == '0' && lower(s[1]) == 'x' {
		s = s[2:]
	}
	var v uint64
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		var d uint64
		switch {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case lower(c) >= 'a' && lower(c) <= 'f':
			d = uint64(lower(c)-'a') + 10
		default:
			return v, s[i:]
		}
		if d >= base {
			return v, s[i:]
		}
		v = v*base + d
	}
	return v, s[i:]
}

func isXdigit(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f'
}

// percent parses "<N>%" as the limit handlers do: not empty, a decimal
// number (simple_strtoul base 10), then exactly "%".
func percent(args string) (uint64, error) {
	if args == "" {
		return 0, vfs.EINVAL
	}
	v, rest := SimpleStrtoul(args, 10)
	if rest != "%" {
		return 0, vfs.EINVAL
	}
	return v, nil
}

// rangeError is cachefiles_daemon_range_error: "Free space limits must be
// in range 0%<=stop<cull<run<100%".
var rangeError = vfs.EINVAL

// frun is cachefiles_daemon_frun: fcull < N < 100.
func (f *File) frun(t *sim.Thread, args string) error {
	v, err := percent(args)
	if err != nil {
		return err
	}
	if v <= uint64(f.cfg.Fcull) || v >= 100 {
		return rangeError
	}
	f.cfg.Frun = uint(v)
	return nil
}

// fcull is cachefiles_daemon_fcull: fstop < N < frun.
func (f *File) fcull(t *sim.Thread, args string) error {
	v, err := percent(args)
	if err != nil {
		return err
	}
	if v <= uint64(f.cfg.Fstop) || v >= uint64(f.cfg.Frun) {
		return rangeError
	}
	f.cfg.Fcull = uint(v)
	return nil
}

// fstop is cachefiles_daemon_fstop: N < fcull.
func (f *File) fstop(t *sim.Thread, args string) error {
	v, err := percent(args)
	if err != nil {
		return err
	}
	if v >= uint64(f.cfg.Fcull) {
		return rangeError
	}
	f.cfg.Fstop = uint(v)
	return nil
}

// brun is cachefiles_daemon_brun: bcull < N < 100.
func (f *File) brun(t *sim.Thread, args string) error {
	v, err := percent(args)
	if err != nil {
		return err
	}
	if v <= uint64(f.cfg.Bcull) || v >= 100 {
		return rangeError
	}
	f.cfg.Brun = uint(v)
	return nil
}

// bcull is cachefiles_daemon_bcull: bstop < N < brun.
func (f *File) bcull(t *sim.Thread, args string) error {
	v, err := percent(args)
	if err != nil {
		return err
	}
	if v <= uint64(f.cfg.Bstop) || v >= uint64(f.cfg.Brun) {
		return rangeError
	}
	f.cfg.Bcull = uint(v)
	return nil
}

// bstop is cachefiles_daemon_bstop: N < bcull.
func (f *File) bstop(t *sim.Thread, args string) error {
	v, err := percent(args)
	if err != nil {
		return err
	}
	if v >= uint64(f.cfg.Bcull) {
		return rangeError
	}
	f.cfg.Bstop = uint(v)
	return nil
}

// dir is cachefiles_daemon_dir: the cache root, once.
func (f *File) dir(t *sim.Thread, args string) error {
	if args == "" {
		return vfs.EINVAL // "Empty directory specified"
	}
	if f.cfg.RootDir != "" {
		return vfs.EEXIST // "Second cache directory specified"
	}
	if t.AllocFails(AllocSiteDaemonDir) {
		return vfs.ENOMEM
	}
	f.cfg.RootDir = args
	return nil
}

// secctx is cachefiles_daemon_secctx: the security context, once (a second
// one is -EINVAL, not -EEXIST). Simulated: stored, never interpreted.
func (f *File) secctx(t *sim.Thread, args string) error {
	if args == "" {
		return vfs.EINVAL // "Empty security context specified"
	}
	if f.cfg.Secctx != "" {
		return vfs.EINVAL // "Second security context specified"
	}
	f.cfg.Secctx = args
	return nil
}

// tag is cachefiles_daemon_tag: the cache's name for fscache, once.
func (f *File) tag(t *sim.Thread, args string) error {
	if args == "" {
		return vfs.EINVAL // "Empty tag specified"
	}
	if f.cfg.Tag != "" {
		return vfs.EEXIST
	}
	if t.AllocFails(AllocSiteDaemonTag) {
		return vfs.ENOMEM
	}
	f.cfg.Tag = args
	return nil
}

// debugCmd is cachefiles_daemon_debug: a number in C notation (base
// detected as simple_strtoul base 0 does) with nothing after it; an empty
// argument is 0. It sets the module-wide cachefiles_debug, an unsigned int.
func (f *File) debugCmd(t *sim.Thread, args string) error {
	mask, rest := SimpleStrtoul(args, 0)
	if rest != "" {
		return vfs.EINVAL // "debug command requires mask"
	}
	f.dev.debug = uint32(mask)
	f.cfg.Debug = uint32(mask)
	return nil
}

// bind is cachefiles_daemon_bind: check the limits (-ERANGE), the root
// (-EINVAL), that the cache is not bound already (-EBUSY) and that there
// is no argument (-EINVAL), default the tag, then cachefiles_add_cache.
// The percentages keep stop < cull < run < 100 through every command, so
// the -ERANGE check cannot fail from the command interface.
func (f *File) bind(t *sim.Thread, args string) error {
	c := &f.cfg
	if c.Fstop >= c.Fcull || c.Fcull >= c.Frun || c.Frun >= 100 {
		return vfs.ERANGE
	}
	if c.Bstop >= c.Bcull || c.Bcull >= c.Brun || c.Brun >= 100 {
		return vfs.ERANGE
	}
	if c.RootDir == "" {
		return vfs.EINVAL // "No cache directory specified"
	}
	if f.flags.Test(t, flagReady) {
		return vfs.EBUSY // "Cache already bound"
	}
	if err := f.bindArgs(t, args); err != nil {
		return err
	}
	if c.Tag == "" {
		if t.AllocFails(AllocSiteDaemonBindTag) {
			return vfs.ENOMEM
		}
		c.Tag = DefaultTag
	}
	if err := f.cache.Bind(t, *c, f.notify); err != nil {
		return err
	}
	f.flags.Set(t, flagReady)
	return nil
}

// cull is cachefiles_daemon_cull: cull the entry args of the working
// directory.
func (f *File) cull(t *sim.Thread, args string) error {
	if err := f.cullCheck(t, args); err != nil {
		return err
	}
	if c, ok := f.cache.(CwdCacheOps); ok && f.cwdIno != 0 {
		return c.CullAt(t, f.cwdIno, args)
	}
	return f.cache.Cull(t, f.cwd, args)
}

// inuse is cachefiles_daemon_inuse: is the entry args of the working
// directory in use (-EBUSY) or not (0)?
func (f *File) inuse(t *sim.Thread, args string) error {
	if err := f.cullCheck(t, args); err != nil {
		return err
	}
	if c, ok := f.cache.(CwdCacheOps); ok && f.cwdIno != 0 {
		return c.InuseAt(t, f.cwdIno, args)
	}
	return f.cache.Inuse(t, f.cwd, args)
}

// cullCheck is the common start of cull and inuse: a name without '/'
// (-EINVAL), a bound (-EIO "applied to unready cache") and live (-EIO
// "applied to dead cache") cache. An empty name passes: the lookup
// refuses it.
func (f *File) cullCheck(t *sim.Thread, args string) error {
	if strings.IndexByte(args, '/') >= 0 {
		return vfs.EINVAL // "... command requires dirfd and filename"
	}
	if !f.flags.Test(t, flagReady) {
		return vfs.EIO
	}
	if f.dead(t) {
		return vfs.EIO
	}
	return nil
}

// Read is cachefiles_daemon_read: 0 if the cache is not bound; otherwise
// refresh the space state, fetch and zero the released counters, clear
// STATE_CHANGED and return the state line (FormatState) — or -EMSGSIZE if
// buf is too short for it, after the counters were zeroed and the flag
// cleared, as the kernel does. Not under daemon_mutex. After Release:
// -EBADF.
func (f *File) Read(t *sim.Thread, buf []byte) (int, error) { return f.read(t, buf, nil) }

// read is Read, and ReadFDs with fds: in on-demand mode an OPEN's
// anonymous fd goes into fds (nil: the File's own table).
func (f *File) read(t *sim.Thread, buf []byte, fds *FDTable) (int, error) {
	if f.closed {
		return 0, vfs.EBADF
	}
	if !f.flags.Test(t, flagReady) {
		emitDaemon(t, f.id, "read", 0, "")
		return 0, nil
	}
	if od := f.ondemandOps(); od != nil {
		if fds == nil {
			fds = f.FDs()
		}
		n, err := od.DaemonRead(t, buf, fds)
		f.traceRead(t, buf, n, err)
		return n, err
	}
	// The kernel ignores has_space's result here; the backend fills in
	// the status even when its statfs failed.
	st, _ := f.cache.Status(t)
	f.lastCulling = st.Culling
	f.flags.Clear(t, flagStateChanged)
	line := FormatState(st)
	if len(line) > len(buf) {
		emitDaemon(t, f.id, "read", vfs.EMSGSIZE.Neg(), line)
		return 0, vfs.EMSGSIZE
	}
	emitDaemon(t, f.id, "read", len(line), line)
	return copy(buf, line), nil
}

// FormatState is the line cachefiles_do_daemon_read prints: the culling
// flag, the six limits, and the released files (an unsigned int, %x) and
// blocks (%llx), all in lowercase hex without 0x, no newline.
func FormatState(st Status) string {
	b := make([]byte, 0, 160)
	b = append(b, "cull="...)
	if st.Culling {
		b = append(b, '1')
	} else {
		b = append(b, '0')
	}
	l := st.Limits
	for _, kv := range []struct {
		k string
		v uint64
	}{
		{" frun=", l.Frun}, {" fcull=", l.Fcull}, {" fstop=", l.Fstop},
		{" brun=", l.Brun}, {" bcull=", l.Bcull}, {" bstop=", l.Bstop},
		{" freleased=", uint64(uint32(st.FReleased))}, {" breleased=", st.BReleased},
	} {
		b = append(b, kv.k...)
		b = strconv.AppendUint(b, kv.v, 16)
	}
	return string(b)
}

// Poll is cachefiles_daemon_poll without the wait: EPOLLIN if the state
// changed since the last read, EPOLLOUT if the cache is culling. After
// Release: -EBADF.
func (f *File) Poll(t *sim.Thread) (PollMask, error) {
	if f.closed {
		return 0, vfs.EBADF
	}
	if od := f.ondemandOps(); od != nil {
		od.PollIn(t)
	} else {
		f.flags.Test(t, flagStateChanged)
	}
	return f.pollMask(), nil
}

func (f *File) pollMask() PollMask {
	var m PollMask
	if od := f.ondemandOps(); od != nil {
		if od.PollInPeek() {
			m |= EPOLLIN
		}
	} else if f.flags.Has(flagStateChanged) {
		m |= EPOLLIN
	}
	if f.culling() {
		m |= EPOLLOUT
	}
	return m
}

// PollWait is poll(2) (or ppoll) on the File with no timeout: it sleeps on
// the device's poll queue until Poll would report one of events, and
// returns the mask. intr, if not nil, is the process's pending-signal
// check: when it reports true the wait ends with -EINTR, as a signal
// ends ppoll; whoever makes it true wakes the sleeper with Interrupt.
func (f *File) PollWait(t *sim.Thread, events PollMask, intr func() bool) (PollMask, error) {
	if f.closed {
		return 0, vfs.EBADF
	}
	var m PollMask
	sim.WaitVarEvent(t, &f.flags, "cachefiles_daemon_poll", func() bool {
		m = f.pollMask()
		return m&events != 0 || (intr != nil && intr())
	})
	if m&events == 0 {
		return 0, vfs.EINTR
	}
	return m, nil
}

// Interrupt delivers a signal to a process sleeping in PollWait on f: it
// wakes the poll queue so the sleeper re-checks its intr function.
func (f *File) Interrupt(t *sim.Thread) { sim.WakeUpVar(t, &f.flags) }

// Release is cachefiles_daemon_release, at the last close of the File: set
// DEAD, unbind (if bound, the full cache withdrawal of spec §8.4), free the
// cache record and let the device be opened again. Writes in flight on
// another thread are not possible in the kernel (the descriptor holds the
// file), so Release must come from the thread that owns the File.
func (f *File) Release(t *sim.Thread) error {
	if f.closed {
		return vfs.EBADF
	}
	f.closed = true
	f.flags.Set(t, flagDead)
	emitDaemon(t, f.id, "release", 0, "")
	if od := f.ondemandOps(); od != nil {
		od.FlushReqs(t)
	}
	f.PutUnbindPincount(t)
	return nil
}

// PutUnbindPincount is cachefiles_put_unbind_pincount(): the last put
// (the File's release, or the last anonymous fd's after it) unbinds,
// frees the cache record and lets the device be opened again.
//
// Without CONFIG_CACHEFILES_ONDEMAND the File's is the only pin and its
// release the only put: no scheduling point there.
func (f *File) PutUnbindPincount(t *sim.Thread) {
	if !f.dev.ondemand {
		f.pincount.Init(f.pincount.Peek() - 1)
	} else if f.pincount.Dec(t) != 0 {
		return
	}
	// cachefiles_daemon_unbind.
	if f.flags.Test(t, flagReady) {
		f.cache.Unbind(t)
	} else if r, ok := f.cache.(UnboundReleaser); ok {
		r.ReleaseUnbound(t)
	}
	f.released = true
	f.dev.open.Store(t, 0)
}

// evDaemon is the simulator's own trace of the control device (the kernel
// has no tracepoint here): each open, write, read and release with its
// result and, for a write, the command; for a read, the state line.
var evDaemon = sim.RegisterEventType("cachefiles_daemon", func(b []byte, e *sim.Event) []byte {
	b = append(b, "f="...)
	b = strconv.AppendUint(b, uint64(e.Obj), 10)
	b = append(b, ' ')
	b = append(b, e.Str[0]...)
	b = append(b, " r="...)
	b = strconv.AppendInt(b, e.Args[0], 10)
	if e.Str[1] != "" {
		b = append(b, ' ')
		b = strconv.AppendQuote(b, e.Str[1])
	}
	return b
})

// maxTraced bounds the command text an event keeps.
const maxTraced = 96

func emitDaemon(t *sim.Thread, id uint32, op string, ret int, text string) {
	if len(text) > maxTraced {
		text = text[:maxTraced] + "..."
	}
	e := sim.Event{Type: evDaemon, Obj: id}
	e.Args[0] = int64(ret)
	e.Str[0], e.Str[1] = op, text
	t.Emit(e)
}
