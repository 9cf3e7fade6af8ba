package cachefiles

import (
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/model/vfsops"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// The calls cachefiles makes on its backing filesystem go through here: a
// crashed (severed) cache fails them with EIO without touching the disk,
// and each kind of call passes the matching injection point of
// error_inject.c first.

// injectKind is the kind of an error injection point.
type injectKind uint8

const (
	injectRead   injectKind = iota // cachefiles_inject_read_error
	injectWrite                    // cachefiles_inject_write_error
	injectRemove                   // cachefiles_inject_remove_error
)

// Error injection bits of /proc/sys/cachefiles/error_injection.
const (
	InjectENOSPC = 1 // write-type points fail with ENOSPC
	InjectEIO    = 2 // every point fails with EIO
)

// inject is cachefiles_inject_{read,write,remove}_error(): the sysctl bits
// decide first, then the simulator's seeded rate (a recorded decision, so
// a replay injects the same errors).
func (c *Cache) inject(t *sim.Thread, kind injectKind) error {
	if c.ErrorInjection&InjectEIO != 0 {
		return vfs.EIO
	}
	if kind == injectWrite && c.ErrorInjection&InjectENOSPC != 0 {
		return vfs.ENOSPC
	}
	if c.InjectRate.Num != 0 && c.k.Chance(sim.CompFaults, c.InjectRate) {
		if kind == injectWrite && c.k.Rand(sim.CompFaults, 2) == 1 {
			return vfs.ENOSPC
		}
		return vfs.EIO
	}
	return nil
}

// diskWiring is the state NewCacheFS's hooks share with the caches on that
// disk: while a thread is in a quiet section, its operations without extra
// latency are not scheduling points (the volume's fan-out directories are
// made and released under the volume directory's lock as one step).
//
// The section belongs to the thread that opened it: a slow operation (a
// fault plan's extra latency) sleeps in the middle of it, and the threads
// that run meanwhile must keep their own scheduling points, directory
// locks and events.
type diskWiring struct {
	quiet []int32 // the threads in a quiet section, one entry per quietBegin
}

// quietFor reports whether thread id is in a quiet section.
func (w *diskWiring) quietFor(id int32) bool {
	for _, q := range w.quiet {
		if q == id {
			return true
		}
	}
	return false
}

// NewCacheFS makes a virtual disk wired to f's kernel, like NewFS, and an
// unbound cache on it whose volume set-up batches the 256 fan-out
// directories into one scheduling step (see Volume). Reboot makes the next
// boot's cache on the same disk.
func NewCacheFS(f *fscache.Fscache, opts vfs.Options) *Cache {
	k := f.K
	w := &diskWiring{}
	opts.Decide = func(class string, p sim.Ratio) bool { return k.Chance(sim.CompDisk, p) }
	opts.Wait = func(class string, delay sim.Time) {
		if t := k.Current(); t != nil && (!w.quietFor(t.ID()) || delay > 0) {
			t.Sleep(delay)
		}
	}
	c := NewCache(vfs.New(opts), f)
	c.wiring = w
	return c
}

// Reboot makes an unbound cache for fscache instance f on the disk this
// cache used (after Crash, the next boot).
func (c *Cache) Reboot(f *fscache.Fscache) *Cache {
	n := NewCache(c.fs, f)
	n.life.ID = c.life.ID + 1
	n.wiring = c.wiring
	n.ErrorInjection, n.InjectRate = c.ErrorInjection, c.InjectRate
	return n
}

func (c *Cache) quietBegin(t *sim.Thread) {
	if c.wiring != nil {
		c.wiring.quiet = append(c.wiring.quiet, t.ID())
	}
}

func (c *Cache) quietEnd(t *sim.Thread) {
	if c.F.Mutants.Lockset.CachefilesQuietNeverEnds {
		return // test-only (fscache.LocksetMutants)
	}
	if c.wiring == nil {
		return
	}
	q := c.wiring.quiet
	for i := len(q) - 1; i >= 0; i-- {
		if q[i] == t.ID() {
			c.wiring.quiet = append(q[:i], q[i+1:]...)
			return
		}
	}
}

// quiet reports whether thread t is in a batched section.
func (c *Cache) quiet(t *sim.Thread) bool { return c.wiring != nil && c.wiring.quietFor(t.ID()) }

// severedErr is the error a crashed cache's disk calls get.
func (c *Cache) severedErr(t *sim.Thread) error {
	t.Yield()
	return vfs.EIO
}

func (c *Cache) lookup(t *sim.Thread, dir vfs.Ino, name string) (vfs.Ino, error) {
	if c.severed {
		return 0, c.severedErr(t)
	}
	if err := c.inject(t, injectRead); err != nil {
		return 0, err
	}
	return c.fs.Lookup(dir, name)
}

// lookupNoInject is a lookup the kernel makes without an injection point
// (lookup_one_len in the cull path, and the dentry checks of burial).
func (c *Cache) lookupNoInject(t *sim.Thread, dir vfs.Ino, name string) (vfs.Ino, error) {
	if c.severed {
		return 0, c.severedErr(t)
	}
	return c.fs.Lookup(dir, name)
}

func (c *Cache) mkdir(t *sim.Thread, dir vfs.Ino, name string) (vfs.Ino, error) {
	c.fs.AssertLocked(t, dir, "vfs_mkdir") // lockset: the parent's i_rwsem
	if c.severed {
		return 0, c.severedErr(t)
	}
	if err := c.inject(t, injectWrite); err != nil {
		return 0, err
	}
	return c.fs.Mkdir(dir, name, 0o700)
}

func (c *Cache) tmpfile(t *sim.Thread, dir vfs.Ino) (*vfs.File, error) {
	if c.severed {
		return nil, c.severedErr(t)
	}
	if err := c.inject(t, injectWrite); err != nil {
		return nil, err
	}
	return c.fs.Tmpfile(dir, 0o600)
}

func (c *Cache) open(t *sim.Thread, ino vfs.Ino) (*vfs.File, error) {
	if c.severed {
		return nil, c.severedErr(t)
	}
	return c.fs.Open(ino)
}

func (c *Cache) link(t *sim.Thread, ino, dir vfs.Ino, name string) error {
	c.fs.AssertLocked(t, dir, "vfs_link") // lockset: the parent's i_rwsem
	if c.severed {
		return c.severedErr(t)
	}
	if err := c.inject(t, injectRead); err != nil {
		return err
	}
	return c.fs.Link(ino, dir, name)
}

// unlinkRaw is vfs_unlink of victim (dir held locked by the caller): it
// takes the victim's inode lock.
func (c *Cache) unlinkRaw(t *sim.Thread, dir vfs.Ino, name string, victim vfs.Ino) error {
	c.fs.AssertLocked(t, dir, "vfs_unlink") // lockset: the parent's i_rwsem
	if c.severed {
		return c.severedErr(t)
	}
	if err := c.inject(t, injectRemove); err != nil {
		return err
	}
	return vfsops.Unlink(t, c.fs, dir, name, victim)
}

// rename is vfs_rename of src to a new name (both parents held locked by
// the caller): a directory moving to another parent is locked.
func (c *Cache) rename(t *sim.Thread, odir vfs.Ino, oname string, src vfs.Ino, ndir vfs.Ino, nname string) error {
	c.fs.AssertLocked(t, odir, "vfs_rename from") // lockset: lock_rename's
	c.fs.AssertLocked(t, ndir, "vfs_rename to")   // two parents
	if c.severed {
		return c.severedErr(t)
	}
	if err := c.inject(t, injectRead); err != nil {
		return err
	}
	return vfsops.Rename(t, c.fs, odir, oname, src, ndir, nname, 0)
}

func (c *Cache) getxattr(t *sim.Thread, ino vfs.Ino, size int) ([]byte, error) {
	if c.severed {
		return nil, c.severedErr(t)
	}
	if err := c.inject(t, injectRead); err != nil {
		return nil, err
	}
	return c.fs.Getxattr(ino, XattrName, size)
}

func (c *Cache) setxattr(t *sim.Thread, ino vfs.Ino, value []byte) error {
	if c.severed {
		return c.severedErr(t)
	}
	if err := c.inject(t, injectWrite); err != nil {
		return err
	}
	return c.fs.Setxattr(ino, XattrName, value, 0)
}

func (c *Cache) removexattr(t *sim.Thread, ino vfs.Ino) error {
	if c.severed {
		return c.severedErr(t)
	}
	if err := c.inject(t, injectRemove); err != nil {
		return err
	}
	return c.fs.Removexattr(ino, XattrName)
}

// truncate sets a file's size: a write-type point when it grows, a
// remove-type one when it shrinks.
func (c *Cache) truncate(t *sim.Thread, ino vfs.Ino, size int64, kind injectKind) error {
	if c.severed {
		return c.severedErr(t)
	}
	if err := c.inject(t, kind); err != nil {
		return err
	}
	return c.fs.Truncate(ino, size)
}

func (c *Cache) fallocate(t *sim.Thread, f *cfile, mode vfs.FallocMode, off, length int64, kind injectKind) error {
	t.Use(&f.life)
	if c.severed {
		return c.severedErr(t)
	}
	if err := c.inject(t, kind); err != nil {
		return err
	}
	return c.fs.Fallocate(f.f, mode, off, length)
}

func (c *Cache) seek(t *sim.Thread, f *cfile, off int64, data bool) (int64, error) {
	t.Use(&f.life)
	if c.severed {
		return 0, c.severedErr(t)
	}
	if err := c.inject(t, injectRead); err != nil {
		return 0, err
	}
	if data {
		return c.fs.SeekData(f.f, off)
	}
	return c.fs.SeekHole(f.f, off)
}

func (c *Cache) read(t *sim.Thread, f *cfile, off int64, n int) ([]byte, error) {
	t.Use(&f.life)
	if c.severed {
		return nil, c.severedErr(t)
	}
	if err := c.inject(t, injectRead); err != nil {
		return nil, err
	}
	return c.fs.Read(f.f, off, n)
}

func (c *Cache) write(t *sim.Thread, f *cfile, off int64, data []byte) error {
	t.Use(&f.life)
	if c.severed {
		return c.severedErr(t)
	}
	if err := c.inject(t, injectWrite); err != nil {
		return err
	}
	_, err := c.fs.Write(f.f, off, data)
	return err
}

func (c *Cache) statfs(t *sim.Thread) (vfs.Statfs, error) {
	if c.severed {
		return vfs.Statfs{}, c.severedErr(t)
	}
	return c.fs.Statfs()
}

func (c *Cache) syncfs(t *sim.Thread) error {
	if c.severed {
		return c.severedErr(t)
	}
	if c.F.Mutants.CachefilesSyncfsEIO {
		return c.severedErr(t)
	}
	return c.fs.Syncfs()
}

func (c *Cache) setInUse(t *sim.Thread, ino vfs.Ino) error {
	if c.severed {
		return nil
	}
	err := c.fs.SetInUse(ino)
	if err != nil && c.severed {
		// The disk crashed while the call was in flight (it is a
		// scheduling point) and took a file made since the last sync
		// with it. In the kernel the mark is an inode flag in memory,
		// which a power cut does not make fail.
		return nil
	}
	return err
}

func (c *Cache) clearInUse(t *sim.Thread, ino vfs.Ino) {
	if !c.severed {
		c.fs.ClearInUse(ino)
	}
}

// touchAtime is touch_atime() on a backing file (no scheduling point).
func (c *Cache) touchAtime(f *cfile) {
	if !c.severed {
		c.fs.TouchAtime(f.f)
	}
}

// stat reads an inode's attributes (no scheduling point).
func (c *Cache) stat(ino vfs.Ino) (vfs.Stat, error) {
	if c.severed {
		return vfs.Stat{}, vfs.EIO
	}
	return c.fs.Stat(ino)
}

// cfile is a struct file with its reference count: the object holds one,
// each operation that captured it (cres->cache_priv2) and each kiocb
// another; the last fput closes it.
type cfile struct {
	f   *vfs.File
	ino vfs.Ino
	ref sim.Atomic
	// life is the struct file's lifetime, to its last fput: every use
	// (get_file, the I/O through it) is checked against it. Not tracked
	// for leaks (the open-file count is: cachefiles-files).
	life sim.Life
}

// newCfile is an opened backing file: its path holds a reference on the
// file's dentry (parented in dir) until the last fput.
func (c *Cache) newCfile(f *vfs.File, dir vfs.Ino) *cfile {
	cf := &cfile{f: f, ino: f.Ino(), life: sim.Life{Kind: "file", ID: uint32(f.Ino())}}
	cf.ref.Init(1)
	c.dget(cf.ino, dir)
	return cf
}

// getFile is get_file().
func getFile(t *sim.Thread, f *cfile) *cfile {
	t.Use(&f.life)
	f.ref.Inc(t)
	return f
}

// fput drops a file reference; the last one closes the file.
func (c *Cache) fput(t *sim.Thread, f *cfile) {
	t.Use(&f.life)
	if f.ref.Dec(t) == 0 {
		t.Free(&f.life)
		c.fs.Close(f.f)
		c.dput(t, f.ino)
	}
}
