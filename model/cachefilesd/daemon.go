package cachefilesd

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/vfsops"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// Options tune the simulated daemon.
type Options struct {
	// NoCull is the -N flag (culling_disabled): no scan, no cull table,
	// no cull; the daemon only reaps the graveyard. (The conf's nocull
	// also sets it, but 0.10.10 sends that line to the kernel, which
	// refuses it: see conf.go.)
	NoCull bool
	// ResumeFiles is how many files the kernel must report released
	// before a suspended scan starts again (f_resume_threshold, default
	// 5). 0.10.10 never parses the conf's resume_thresholds (see
	// conf.go), so on a real machine it is always 5; scenarios may change
	// it. The block threshold stays ULLONG_MAX (never reached).
	ResumeFiles uint64
	// MaxCulls bounds the cull commands of one run (0: no bound), so a
	// scenario can keep the daemon's share of the steps small: once spent,
	// the daemon goes on scanning and reaping but no longer culls.
	MaxCulls int
}

// Daemon is one run of cachefilesd 0.10.10 on a machine: Run is its
// thread (main() from the conf on, then cachefilesd()).
//
// Stable API (other packages, the random world among them, rely on it):
// New, Run, Stop, WaitBound, WaitExit, Err, File, and the fields Culled,
// Busy and Scans. Everything else is the daemon's own state.
type Daemon struct {
	conf     *Conf
	fs       *vfs.FS
	dev      *cachefiles.Device
	newCache func() cachefiles.CacheOps
	opts     Options

	file   *cachefiles.File
	stop   sim.Var[bool] // stop_signalled: SIGTERM or SIGINT
	reap   sim.Var[bool] // reap_signalled: SIGIO from the graveyard's dnotify
	bound  sim.Completion
	exited sim.Completion
	err    error // why the daemon stopped early; nil for a clean stop

	graveDir string       // graveyardpath
	graveIno vfs.Ino      // graveyardfd
	watch    *vfs.Dnotify // the F_NOTIFY on graveyardfd
	cwd      vfs.Ino      // the working directory while reaping (chdir)

	root      object    // the cache/ directory (root, usage 2)
	cursor    *object   // scan_cursor
	build     []*object // cullbuild: newest first, oldest last
	ready     []*object // cullready: newest first, oldest last
	size      int       // culltable_size
	ncullable int       // objects marked cullable (decanted)
	wantsCull bool      // kernel_wants_cull: the state line's cull=
	releases  bool      // have_nr_releases: the kernel reports releases
	fRel      uint64    // f_released_since_last_scan
	bRel      uint64    // b_released_since_last_scan
	scanning  bool      // scan_in_progress
	suspended bool      // scanning_suspended
	uniq      uint32    // destroy_unexpected_object's uniquifier

	// Culled lists the objects the kernel culled at the daemon's request
	// (path names), Busy those it refused as in use (-EBUSY).
	Culled, Busy []string
	// Scans counts the scans begun (begin_building_cull_table).
	Scans int
}

// New prepares a daemon for conf on the cache filesystem fs, with the
// machine's control device dev; newCache makes the cache record the
// device binds (cachefiles.NewCache for the real backend).
func New(conf *Conf, fs *vfs.FS, dev *cachefiles.Device, newCache func() cachefiles.CacheOps, opts Options) *Daemon {
	if opts.ResumeFiles == 0 {
		opts.ResumeFiles = 5
	}
	if conf.NoCull {
		opts.NoCull = true
	}
	d := &Daemon{conf: conf, fs: fs, dev: dev, newCache: newCache, opts: opts, size: conf.CullTable}
	d.bound.Name = "cachefilesd bind"
	d.exited.Name = "cachefilesd exit"
	d.root = object{usage: 2, typ: objIndex}
	return d
}

// Err is why the daemon stopped on its own (a configuration error, a
// failed bind, an unexpected error from the kernel); nil while it runs and
// after a clean Stop.
func (d *Daemon) Err() error { return d.err }

// File is the daemon's open control device (nil before it opened it).
func (d *Daemon) File() *cachefiles.File { return d.file }

// WaitBound sleeps until the daemon has bound the cache or failed to, and
// returns the failure.
func (d *Daemon) WaitBound(t *sim.Thread) error {
	d.bound.Wait(t)
	return d.err
}

// WaitExit sleeps until the daemon has released the device and ended.
func (d *Daemon) WaitExit(t *sim.Thread) { d.exited.Wait(t) }

// Stop is SIGTERM (sigterm(): stop_signalled). The daemon tests the flag
// at the top of its loop, and the signal ends its ppoll; whatever step it
// is in finishes first. It then exits, and the exit closes the device,
// which withdraws the cache.
func (d *Daemon) Stop(t *sim.Thread) {
	d.stop.Store(t, true)
	if d.file != nil {
		d.file.Interrupt(t)
	}
}

// sigio is SIGIO, sent by the graveyard's dnotify from the thread that
// moved an entry into it (sigio(): reap_signalled).
func (d *Daemon) sigio(t *sim.Thread) {
	d.reap.Store(t, true)
	if d.file != nil {
		d.file.Interrupt(t)
	}
}

// Run is the daemon's thread: main() and cachefilesd() of cachefilesd.c.
// At the exit the descriptors close: the graveyard's (its dnotify watch
// goes) and the device's (cachefiles_daemon_release: the cache is
// withdrawn).
func (d *Daemon) Run(t *sim.Thread) {
	d.err = d.run(t)
	if d.watch != nil {
		d.watch.Remove()
	}
	if d.file != nil && !d.file.Released() {
		d.file.Release(t)
	}
	d.bound.CompleteAll(t)
	d.exited.CompleteAll(t)
}

// sysError is oserror(): "what: errno N (message)", the daemon exits 1.
type sysError struct {
	what string
	err  error
}

func (e *sysError) Error() string {
	var n vfs.Errno
	if errors.As(e.err, &n) {
		return fmt.Sprintf("%s: errno %d (%s)", e.what, int(n), strerror(n))
	}
	return fmt.Sprintf("%s: %v", e.what, e.err)
}

func (e *sysError) Unwrap() error { return e.err }

func oserror(err error, format string, args ...any) error {
	return &sysError{what: fmt.Sprintf(format, args...), err: err}
}

// internalError is error(): "Internal error: ...", the daemon exits 3.
func internalError(format string, args ...any) error {
	return fmt.Errorf("Internal error: "+format, args...)
}

// run is main() from the opening of the device: the conf lines to the
// kernel, bind, then cachefilesd().
func (d *Daemon) run(t *sim.Thread) error {
	f, err := d.dev.Open(t, d.newCache)
	if err != nil {
		return oserror(err, "Unable to open /dev/cachefiles")
	}
	d.file = f
	for _, c := range d.conf.Commands {
		if c.Dir != "" { // stat(2) of the path
			if _, err := d.resolve(t, c.Dir); err != nil {
				return oserror(err, "Can't confirm cache location")
			}
		}
		if _, err := f.Write(t, []byte(c.Text)); err != nil {
			return &ConfError{File: d.conf.Name, Line: c.Line, Msg: "CacheFiles gave config error: " + strerror(err)}
		}
	}
	if d.conf.Fail != nil {
		return d.conf.Fail
	}
	if d.stop.Load(t) {
		return nil
	}
	if _, err := f.Write(t, []byte("bind")); err != nil {
		return oserror(err, "CacheFiles bind failed")
	}
	d.bound.CompleteAll(t)
	return d.cachefilesd(t)
}

// resolve walks an absolute path from the root of the cache filesystem
// (path resolution: components "." and empty ones are skipped; ".." is
// not supported).
func (d *Daemon) resolve(t *sim.Thread, path string) (vfs.Ino, error) {
	if !strings.HasPrefix(path, "/") {
		return 0, vfs.ENOENT
	}
	ino := d.fs.Root()
	for _, c := range strings.Split(path, "/") {
		switch c {
		case "", ".":
			continue
		case "..":
			return 0, vfs.EINVAL
		}
		next, err := vfsops.Lookup(t, d.fs, ino, c)
		if err != nil {
			return 0, err
		}
		ino = next
	}
	return ino, nil
}

// cachefilesd is cachefilesd(): open the cache, reap the graveyard, then
// loop until SIGTERM. Each turn reads the cache state; a scan is begun
// when the build table is less than half full (unless suspended until the
// kernel has released enough files); a cull is done when the kernel asks
// and the ready table has an object; one step of the scan is taken; a
// finished scan's build table is decanted into the ready table when that
// is at most half full; the graveyard is reaped on SIGIO. With nothing to
// do the daemon sleeps in ppoll for POLLIN (a state change) or a signal.
func (d *Daemon) cachefilesd(t *sim.Thread) error {
	if err := d.openCache(t); err != nil {
		return err
	}
	if err := d.reapGraveyard(t); err != nil {
		return err
	}
	for !d.stop.Load(t) {
		doCull := false
		if err := d.readCacheState(t); err != nil {
			return err
		}
		if !d.opts.NoCull {
			if !d.scanning {
				begin := len(d.build) < d.size/2
				if begin && d.suspended && d.fRel < d.opts.ResumeFiles {
					// have_nr_releases: 6.12 always reports them, so
					// the SIGALRM retry of older kernels never arms.
					begin = false
				}
				if begin {
					d.beginBuildingCullTable()
					d.scanning, d.suspended = true, false
					d.fRel, d.bRel = 0, 0
				}
			}
			if d.wantsCull && len(d.ready) > 0 && !d.cullBudgetSpent() {
				doCull = true
			}
		}
		if !d.scanning && !d.reap.Peek() && !doCull {
			// Signals blocked, the flags checked again, then ppoll
			// with the old mask: a signal cannot slip in between.
			if !d.reap.Load(t) && !d.stop.Load(t) {
				intr := func() bool { return d.stop.Peek() || d.reap.Peek() }
				if _, err := d.file.PollWait(t, cachefiles.EPOLLIN, intr); err != nil && err != vfs.EINTR {
					return oserror(err, "Unable to suspend process")
				}
			}
			continue
		}
		if !d.opts.NoCull {
			if doCull {
				if err := d.cullObjects(t); err != nil {
					return err
				}
			}
			if d.scanning {
				more, err := d.buildCullTable(t)
				if err != nil {
					return err
				}
				d.scanning = more
				if !more && len(d.build) < d.size {
					// The scan did not fill the table: do not scan
					// again until the kernel has released files.
					d.suspended = true
				}
			}
			if !d.scanning && len(d.ready) <= d.size/2+2 && len(d.build) > 0 {
				if err := d.decantCullTable(); err != nil {
					return err
				}
			}
		}
		if d.reap.Load(t) {
			if err := d.reapGraveyard(t); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *Daemon) cullBudgetSpent() bool {
	return d.opts.MaxCulls > 0 && len(d.Culled)+len(d.Busy) >= d.opts.MaxCulls
}

// openCache is open_cache: opendir the cache/ directory (the scan's root,
// kept open) and open the graveyard. (Its fstatfs sanity check of the
// backing filesystem is not modelled: the virtual disk's statistics are
// always usable.)
func (d *Daemon) openCache(t *sim.Thread) error {
	root := strings.TrimRight(d.conf.Dir, "/")
	var err error
	if d.root.dir, err = d.resolve(t, root+"/cache"); err != nil {
		return oserror(err, "Unable to open cache directory")
	}
	d.root.ino = d.root.dir
	d.root.name = root + "/cache"
	d.graveDir = root + "/graveyard"
	if d.graveIno, err = d.resolve(t, d.graveDir); err != nil {
		return oserror(err, "Unable to open graveyard directory")
	}
	return nil
}

// readCacheState is read_cache_state: read the state line and note the
// culling flag (cull=, base 0) and add the released counts (freleased=,
// breleased=, hex), which the kernel resets at each read. The limits are
// read too but the daemon does nothing with them.
func (d *Daemon) readCacheState(t *sim.Thread) error {
	buf := make([]byte, 4096)
	n, err := d.file.Read(t, buf)
	if err != nil {
		return oserror(err, "Unable to read cache state")
	}
	for _, tok := range strings.FieldsFunc(string(buf[:n]), func(r rune) bool { return r == ' ' || r == '\t' }) {
		k, v, ok := strings.Cut(tok, "=")
		if !ok {
			continue // "Warning: malformed output from kernel"
		}
		switch k {
		case "cull":
			x, _ := cachefiles.SimpleStrtoul(v, 0)
			d.wantsCull = x != 0
		case "freleased":
			x, _ := cachefiles.SimpleStrtoul(v, 16)
			d.fRel += x
			d.releases = true
		case "breleased":
			x, _ := cachefiles.SimpleStrtoul(v, 16)
			d.bRel += x
			d.releases = true
		}
	}
	return nil
}

// isObjectInUse is is_object_in_use: "inuse <name>" in the working
// directory; only -EBUSY means in use, -ESTALE and -ENOENT mean not, any
// other error ends the daemon.
func (d *Daemon) isObjectInUse(t *sim.Thread, dir *object, name string) (bool, error) {
	d.file.Chdir(d.path(dir)) // for a backend without CwdCacheOps
	d.file.Fchdir(dir.dir)
	_, err := d.file.Write(t, []byte("inuse "+name))
	switch err {
	case nil, vfs.ESTALE, vfs.ENOENT:
		return false, nil
	case vfs.EBUSY:
		return true, nil
	}
	return false, oserror(err, "Failed to check object's in-use state")
}

// cullFile is cull_file: "cull <name>" in the working directory (dir, an
// inode the daemon holds open); -ESTALE, -ENOENT and -EBUSY are expected
// answers, anything else ends the daemon.
func (d *Daemon) cullFile(t *sim.Thread, dirPath string, dir vfs.Ino, name string) error {
	d.file.Chdir(dirPath) // for a backend without CwdCacheOps
	d.file.Fchdir(dir)
	_, err := d.file.Write(t, []byte("cull "+name))
	switch err {
	case nil:
		d.Culled = append(d.Culled, dirPath+"/"+name)
	case vfs.EBUSY:
		d.Busy = append(d.Busy, dirPath+"/"+name)
	case vfs.ESTALE, vfs.ENOENT:
	default:
		return oserror(err, "Failed to cull object")
	}
	return nil
}
