package cachefilesd

import (
	"fmt"
	"strings"

	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/vfsops"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// Options tune the simulated daemon.
type Options struct {
	// ResumeFiles is how many files the kernel must release before a
	// suspended scan starts again (cachefilesd's f_resume_threshold,
	// default 5). A scan is suspended when it found fewer cullable
	// objects than the cull table holds.
	ResumeFiles uint64
	// MaxCulls bounds the cull commands of one run (0: no bound), so a
	// scenario can keep the daemon's share of the steps small.
	MaxCulls int
}

// Daemon is one run of cachefilesd on a machine: Run is its thread.
type Daemon struct {
	conf     *Conf
	fs       *vfs.FS
	dev      *cachefiles.Device
	newCache func() cachefiles.CacheOps
	opts     Options

	file   *cachefiles.File
	stop   sim.Var[bool]
	bound  sim.Completion
	exited sim.Completion
	err    error // why the daemon stopped early; nil for a clean stop

	cacheIno, graveIno vfs.Ino
	cacheDir, graveDir string

	table     []candidate // the cull table: newest first, oldest last
	suspended bool        // the last scan did not fill the table
	fRel      uint64      // files released since the last scan
	bRel      uint64      // blocks released since the last scan
	uniq      int         // uniquifier of graveyard names for unexpected dirs

	// Culled lists the objects the kernel culled at the daemon's request
	// (path names), Busy those it refused as in use.
	Culled, Busy []string
	// Scans counts the scans of the cache tree.
	Scans int
}

// candidate is an entry of the cull table.
type candidate struct {
	dir    string // absolute path of its directory
	dirIno vfs.Ino
	name   string
	atime  sim.Time
}

// New prepares a daemon for conf on the cache filesystem fs, with the
// machine's control device dev; newCache makes the cache record the
// device binds (cachefiles.NewCache for the real backend).
func New(conf *Conf, fs *vfs.FS, dev *cachefiles.Device, newCache func() cachefiles.CacheOps, opts Options) *Daemon {
	if opts.ResumeFiles == 0 {
		opts.ResumeFiles = 5
	}
	d := &Daemon{conf: conf, fs: fs, dev: dev, newCache: newCache, opts: opts}
	d.bound.Name = "cachefilesd bind"
	d.exited.Name = "cachefilesd exit"
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

// Stop asks the daemon to stop (SIGTERM): it wakes it if it sleeps in
// poll; the daemon then releases the device, which withdraws the cache.
func (d *Daemon) Stop(t *sim.Thread) {
	d.stop.Store(t, true)
	if d.file != nil {
		d.file.Interrupt(t)
	}
}

// Run is the daemon's thread: main() and cachefilesd() of cachefilesd.c.
func (d *Daemon) Run(t *sim.Thread) {
	d.err = d.run(t)
	if d.file != nil && !d.file.Released() {
		d.file.Release(t)
	}
	d.bound.CompleteAll(t)
	d.exited.CompleteAll(t)
}

func (d *Daemon) run(t *sim.Thread) error {
	f, err := d.dev.Open(t, d.newCache)
	if err != nil {
		return fmt.Errorf("Unable to open /dev/cachefiles: %w", err)
	}
	d.file = f
	for _, c := range d.conf.Commands {
		if hasWord(skipSpace(c.Text), "dir", false) {
			if _, err := d.resolve(t, skipSpace(skipSpace(c.Text)[3:])); err != nil {
				return fmt.Errorf("Can't confirm cache location: %w", err)
			}
		}
		if _, err := f.Write(t, []byte(c.Text)); err != nil {
			return &ConfError{File: d.conf.Name, Line: c.Line, Msg: "CacheFiles gave config error: " + strerror(err)}
		}
	}
	if d.stop.Load(t) {
		return nil
	}
	if _, err := f.Write(t, []byte("bind")); err != nil {
		return fmt.Errorf("CacheFiles bind failed: %w", err)
	}
	d.bound.CompleteAll(t)
	if err := d.openCache(t); err != nil {
		return err
	}
	if err := d.reap(t, d.graveIno); err != nil {
		return err
	}
	for !d.stop.Load(t) {
		culling, err := d.readState(t)
		if err != nil {
			return err
		}
		if culling && !d.conf.NoCull && !d.cullBudgetSpent() {
			if len(d.table) == 0 && !d.suspended {
				if err := d.scan(t); err != nil {
					return err
				}
				if len(d.table) < d.conf.CullTable {
					d.suspended = true
				}
				d.fRel, d.bRel = 0, 0
			}
			if len(d.table) > 0 {
				if err := d.cullOldest(t); err != nil {
					return err
				}
				continue
			}
		}
		if err := d.reap(t, d.graveIno); err != nil {
			return err
		}
		if _, err := f.PollWait(t, cachefiles.EPOLLIN, d.stop.Peek); err != nil && err != vfs.EINTR {
			return fmt.Errorf("Unable to suspend process: %w", err)
		}
	}
	return nil
}

func (d *Daemon) cullBudgetSpent() bool {
	return d.opts.MaxCulls > 0 && len(d.Culled)+len(d.Busy) >= d.opts.MaxCulls
}

// resolve walks an absolute path from the root of the cache filesystem
// (components "." and empty ones are skipped; ".." is not supported).
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

// openCache is open_cache: find cache/ and graveyard/ under the root.
func (d *Daemon) openCache(t *sim.Thread) error {
	root := strings.TrimRight(d.conf.Dir, "/")
	d.cacheDir, d.graveDir = root+"/cache", root+"/graveyard"
	var err error
	if d.cacheIno, err = d.resolve(t, d.cacheDir); err != nil {
		return fmt.Errorf("Unable to open cache directory: %w", err)
	}
	if d.graveIno, err = d.resolve(t, d.graveDir); err != nil {
		return fmt.Errorf("Unable to open graveyard directory: %w", err)
	}
	return nil
}

// readState is read_cache_state: read the state line and take what the
// daemon uses from it, the culling flag and the released counts.
func (d *Daemon) readState(t *sim.Thread) (bool, error) {
	buf := make([]byte, 4096)
	n, err := d.file.Read(t, buf)
	if err != nil {
		return false, fmt.Errorf("Unable to read cache state: %w", err)
	}
	culling := false
	for _, tok := range strings.Fields(string(buf[:n])) {
		k, v, ok := strings.Cut(tok, "=")
		if !ok {
			continue
		}
		x, _ := cachefiles.SimpleStrtoul(v, 16)
		switch k {
		case "cull":
			culling = x != 0
		case "freleased":
			d.fRel += x
		case "breleased":
			d.bRel += x
		}
	}
	if d.suspended && d.fRel >= d.opts.ResumeFiles {
		d.suspended = false
	}
	return culling, nil
}

// The first characters of the names cachefilesd expects in the cache:
// index (I, J) and intermediate (@, +) directories, data (D, E) and
// special (S, T) objects.
const expected = "IDSJET+@"

func isIndex(c byte) bool        { return c == 'I' || c == 'J' }
func isIntermediate(c byte) bool { return c == '@' || c == '+' }

// scan is one pass of build_cull_table over the whole cache tree: every
// data or special object not in use goes into the cull table, which keeps
// the CullTable oldest by atime; empty index directories are culled and
// empty intermediate ones removed; unexpected entries are destroyed.
func (d *Daemon) scan(t *sim.Thread) error {
	d.Scans++
	_, err := d.scanDir(t, d.cacheDir, d.cacheIno)
	return err
}

// scanDir scans one directory and reports whether it was empty.
func (d *Daemon) scanDir(t *sim.Thread, path string, ino vfs.Ino) (bool, error) {
	ents, err := vfsops.Getdents(t, d.fs, ino)
	if err == vfs.ENOENT || err == vfs.ESTALE {
		return false, nil // removed under us
	}
	if err != nil {
		return false, fmt.Errorf("Unable to read directory: %w", err)
	}
	empty := true
	for _, e := range ents {
		c := e.Name[0]
		if strings.IndexByte(expected, c) < 0 {
			if err := d.destroyUnexpected(t, ino, e); err != nil {
				return false, err
			}
			continue
		}
		st, err := vfsops.Fstatat(t, d.fs, ino, e.Name)
		if err == vfs.ESTALE {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("Failed to stat directory: %w", err)
		}
		if !st.IsDir() && (isIndex(c) || isIntermediate(c)) {
			if err := d.destroyUnexpected(t, ino, e); err != nil {
				return false, err
			}
			continue
		}
		empty = false
		child := path + "/" + e.Name
		if isIndex(c) || isIntermediate(c) {
			childEmpty, err := d.scanDir(t, child, e.Ino)
			if err != nil {
				return false, err
			}
			if childEmpty {
				if err := d.cullEmptyDir(t, path, ino, e.Name); err != nil {
					return false, err
				}
			}
			continue
		}
		busy, err := d.inUse(t, path, ino, e.Name)
		if err != nil {
			return false, err
		}
		if !busy {
			d.insert(candidate{dir: path, dirIno: ino, name: e.Name, atime: st.Atime})
		}
	}
	return empty, nil
}

// cullEmptyDir is the end of build_cull_table for an empty directory: an
// index directory is culled through the kernel, an intermediate one simply
// removed (errors ignored: it may be in use or no longer empty).
func (d *Daemon) cullEmptyDir(t *sim.Thread, parent string, parentIno vfs.Ino, name string) error {
	if isIndex(name[0]) {
		return d.cullFile(t, parent, parentIno, name)
	}
	vfsops.Rmdirat(t, d.fs, parentIno, name)
	return nil
}

// destroyUnexpected is destroy_unexpected_object: an unexpected file is
// unlinked, an unexpected directory moved into the graveyard.
func (d *Daemon) destroyUnexpected(t *sim.Thread, dir vfs.Ino, e vfs.Dirent) error {
	var err error
	if !e.Dir {
		err = vfsops.Unlinkat(t, d.fs, dir, e.Name)
	} else {
		d.uniq++
		grave := fmt.Sprintf("x%xx%xx", int64(t.Kernel().Now()/sim.Second), d.uniq)
		err = vfsops.Renameat(t, d.fs, dir, e.Name, d.graveIno, grave)
	}
	if err != nil && err != vfs.ENOENT {
		return fmt.Errorf("Unable to remove unexpectedly named file %s: %w", e.Name, err)
	}
	return nil
}

// inUse is is_object_in_use: "inuse <name>" in the object's directory;
// only -EBUSY means in use, -ESTALE and -ENOENT mean not.
func (d *Daemon) inUse(t *sim.Thread, dir string, dirIno vfs.Ino, name string) (bool, error) {
	d.file.Chdir(dir) // for a backend without CwdCacheOps
	d.file.Fchdir(dirIno)
	_, err := d.file.Write(t, []byte("inuse "+name))
	switch err {
	case nil, vfs.ESTALE, vfs.ENOENT:
		return false, nil
	case vfs.EBUSY:
		return true, nil
	}
	return false, fmt.Errorf("Failed to check object's in-use state: %w", err)
}

// insert is insert_into_cull_table: the table keeps the CullTable oldest
// objects, newest first; an object as old as the newest one already there
// goes after it, and a full table takes a new object only if it is older
// than the newest.
func (d *Daemon) insert(c candidate) {
	if len(d.table) >= d.conf.CullTable {
		if c.atime >= d.table[0].atime {
			return
		}
		d.table = d.table[1:]
	}
	i := len(d.table)
	for i > 0 && d.table[i-1].atime < c.atime {
		i--
	}
	d.table = append(d.table, candidate{})
	copy(d.table[i+1:], d.table[i:])
	d.table[i] = c
}

// cullOldest is cull_objects/cull_object: take the oldest object of the
// table; if it is still there and untouched since the scan, cull it from
// its directory.
func (d *Daemon) cullOldest(t *sim.Thread) error {
	c := d.table[len(d.table)-1]
	d.table = d.table[:len(d.table)-1]
	st, err := vfsops.Fstatat(t, d.fs, c.dirIno, c.name)
	if err == vfs.ENOENT || err == vfs.ESTALE {
		return nil // already gone
	}
	if err != nil {
		return fmt.Errorf("Failed to re-stat object: %w", err)
	}
	if c.atime < st.Atime {
		return nil // used since the scan
	}
	return d.cullFile(t, c.dir, c.dirIno, c.name)
}

// cullFile is cull_file: "cull <name>" in dir; -ESTALE, -ENOENT and -EBUSY
// are expected answers, anything else ends the daemon.
func (d *Daemon) cullFile(t *sim.Thread, dir string, dirIno vfs.Ino, name string) error {
	d.file.Chdir(dir) // for a backend without CwdCacheOps
	d.file.Fchdir(dirIno)
	_, err := d.file.Write(t, []byte("cull "+name))
	switch err {
	case nil:
		d.Culled = append(d.Culled, dir+"/"+name)
	case vfs.EBUSY:
		d.Busy = append(d.Busy, dir+"/"+name)
	case vfs.ESTALE, vfs.ENOENT:
	default:
		return fmt.Errorf("Failed to cull object: %w", err)
	}
	return nil
}

// reap is reap_graveyard: delete everything in the graveyard, files first,
// directories after their contents.
func (d *Daemon) reap(t *sim.Thread, dir vfs.Ino) error {
	ents, err := vfsops.Getdents(t, d.fs, dir)
	if err != nil {
		return fmt.Errorf("Unable to read grave dir: %w", err)
	}
	for _, e := range ents {
		if !e.Dir {
			if err := vfsops.Unlinkat(t, d.fs, dir, e.Name); err != nil && err != vfs.ENOENT {
				return fmt.Errorf("Unable to unlink file %s: %w", e.Name, err)
			}
			continue
		}
		if err := d.reap(t, e.Ino); err != nil {
			return err
		}
		// The real daemon dies on any rmdir error. Here a directory still
		// marked in use (-EBUSY) or refilled (-ENOTEMPTY) is left for the
		// next reap. The kernel buries a directory and clears its mark
		// under lock_rename, which this rmdir (vfsops.Rmdirat locks the
		// graveyard) waits for, so neither should happen; the tolerance
		// is kept until a test shows it unreachable.
		if err := vfsops.Rmdirat(t, d.fs, dir, e.Name); err != nil && err != vfs.ENOENT && err != vfs.EBUSY && err != vfs.ENOTEMPTY {
			return fmt.Errorf("Unable to remove dir %s: %w", e.Name, err)
		}
	}
	return nil
}
