package cachefiles

import (
	"fmt"
	"strings"

	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// Cache flag bits (CACHEFILES_* in cachefiles_cache.flags).
const (
	CacheReady        = 0 // CACHEFILES_READY: bound and registered
	CacheDead         = 1 // CACHEFILES_DEAD: an I/O error (or release) killed it
	CacheCulling      = 2 // CACHEFILES_CULLING: the daemon should cull
	CacheStateChanged = 3 // CACHEFILES_STATE_CHANGED: the daemon has news
)

// DIOBlockSize is CACHEFILES_DIO_BLOCK_SIZE: data files are sized and
// written in whole units of it.
const DIOBlockSize = 4096

// PageSize is PAGE_SIZE, the unit of prepare_write's rounding and of its
// space check ([Q-16]: pages, not filesystem blocks).
const PageSize = 4096

// Cache is struct cachefiles_cache: one bound cache on the virtual disk fs.
// It is the control device's CacheOps (Bind, Unbind, Cull, Inuse, Status),
// fscache's Backend (volumes, objects) and the netfs's NetfsCacheOps (I/O).
type Cache struct {
	life sim.Life // the record's lifetime: cachefiles_daemon_open's kzalloc to put_unbind_pincount's kfree
	fs   *vfs.FS
	F    *fscache.Fscache
	k    *sim.Kernel

	cache  *fscache.Cache // the fscache cache record (cache->cache)
	cfg    Config
	limits Limits
	notify func(t *sim.Thread)

	root      vfs.Ino // the bound root directory
	store     vfs.Ino // cache/
	graveyard vfs.Ino // graveyard/

	objectListLock sim.SpinLock // object_list_lock: volumes and objects
	volumes        []*Volume    // cache->volumes
	objects        []*Object    // cache->object_list

	flags        sim.Flags
	gravecounter sim.Atomic
	fReleased    sim.Atomic    // files released since the daemon last read
	bReleased    sim.Atomic    // i_blocks (512-byte units) released since then
	bWriting     sim.Atomic    // blocks of writes in flight
	dio          sim.Workqueue // the cache filesystem's s_dio_done_wq: where kiocbs complete (io.go)

	kiocbs              int            // kiocbs not yet freed (io.go)
	ioErrored           bool           // cachefiles_io_error ran (harness record, not kernel state: IOErrored)
	dentryCheckDeferred bool           // unbind's dentry check waits for the last kiocb (checkDentries)
	onSpace             SpaceObserver  // a checker judging hasSpace (space.go)
	onDaemon            DaemonObserver // a checker judging the daemon's answers (daemon_observe.go)
	kiocbSeq            uint32         // kiocbs made: their lifetimes' ids (io.go)

	onLayout LayoutObserver // a checker judging file sizes (layout_observe.go)
	// gen is the generation of what the checker's cachefiles extension
	// reads (Gen): every store of it bumps gen.
	gen uint32

	bsize  int64
	bshift uint

	objectDebugID uint32
	// The dentries cachefiles holds references on (dentry.go): positive
	// ones by inode number, negative ones in a list.
	dpos       []*dentry
	dneg       []*dentry
	ndentries  int
	dseq       uint64
	brokenRef  brokenRef // a test's mutant: one site's dget or dput skipped (dentry.go)
	allObjects []*Object // every object allocated and not yet freed (views)

	// ErrorInjection is /proc/sys/cachefiles/error_injection: bit 1 (2)
	// makes every injection point fail with EIO, bit 0 (1) makes the
	// write-type points fail with ENOSPC (error_inject.c).
	ErrorInjection uint32
	// InjectRate is the simulator's addition: each injection point fails
	// with this probability, a recorded decision (sim.CompFaults), with
	// EIO (read and remove points) or, for write points, EIO or ENOSPC.
	InjectRate sim.Ratio

	// brokenUnwind, set only by tests, is an allocation site whose failure
	// path skips its undo step: a mutant the checks must catch (alloc_test.go).
	brokenUnwind sim.AllocSite

	od ondemandCache // the on-demand half (ondemand.go)

	severed bool        // the disk crashed under this cache: no more disk I/O
	wiring  *diskWiring // NewCacheFS's hooks (nil: every disk call yields)
	// suppress elides the routine events of the batched fan-out
	// directories after the first (errors and warnings still show): the
	// threads making or releasing them, not the others that run while one
	// sleeps in a slow operation.
	suppress []int32
	// cullVictims are the inodes cull marked in use to bury them (for the
	// checker: a bury that fails leaves the mark, Q-22).
	cullVictims []vfs.Ino
	// invalVictims are the old files of invalidations whose bury failed
	// (for the checker: still marked in use, as in 6.12).
	invalVictims []vfs.Ino
}

// NewCache makes an unbound cache on the virtual disk fs for the fscache
// instance f (cachefiles_daemon_open's allocation of the cache record).
func NewCache(fs *vfs.FS, f *fscache.Fscache) *Cache {
	c := &Cache{fs: fs, F: f, k: f.K, cfg: DefaultConfig(), dio: fscache.DIOWorkqueue("vdb")}
	c.objectListLock.Name = "cachefiles object_list_lock"
	c.life = sim.Life{Kind: "cachefiles_cache", ID: 1}
	c.k.Track(&c.life)
	c.flags.Watch(&c.gen)
	return c
}

// NewFS makes a virtual disk wired to kernel k: every fault is a recorded
// decision (sim.CompDisk) and every operation a scheduling point of the
// thread that makes it (a sleep for a slow one). Calls made outside any
// thread (world setup) do not yield.
func NewFS(k *sim.Kernel, opts vfs.Options) *vfs.FS {
	opts.Decide = func(class string, p sim.Ratio) bool { return k.Chance(sim.CompDisk, p) }
	opts.Wait = func(class string, delay sim.Time) {
		if t := k.Current(); t != nil {
			t.Sleep(delay)
		}
	}
	return vfs.New(opts)
}

// FS is the cache's disk.
func (c *Cache) FS() *vfs.FS { return c.fs }

// Name is the backend's name (cachefiles_cache_ops.name).
func (c *Cache) Name() string { return "cachefiles" }

// dirLock is the inode lock (i_rwsem) of directory ino, shared with every
// other actor on the disk (vfs.FS.ILock).
func (c *Cache) dirLock(ino vfs.Ino) *vfs.ILock { return c.fs.ILock(ino) }

// stateChanged is cachefiles_state_changed(): tell the daemon to look.
func (c *Cache) stateChanged(t *sim.Thread) {
	c.flags.Set(t, CacheStateChanged)
	if c.notify != nil {
		c.notify(t)
	}
}

// ioError is cachefiles_io_error(): log, stop the cache (GOT_IOERROR) and
// mark it DEAD so that the daemon's further commands fail with EIO.
func (c *Cache) ioError(t *sim.Thread, format string, args ...any) {
	c.emitWarn(t, "CacheFiles: I/O Error: "+fmt.Sprintf(format, args...))
	if c.cache != nil {
		if !c.F.Mutants.CachefilesIOErrorKeepsFscache {
			fscache.IOError(t, c.cache)
		}
	}
	c.flags.Set(t, CacheDead)
	c.ioErrored = true
	if c.inOndemandMode(t) {
		c.FlushReqs(t)
	}
}

// IOErrored reports whether an I/O error stopped this cache
// (cachefiles_io_error ran), for a harness deciding what to do with its
// disk next (quirk Q-28); not kernel state, and not a scheduling point.
func (c *Cache) IOErrored() bool { return c.ioErrored }

// ioErrorObj is cachefiles_io_error_obj().
func (c *Cache) ioErrorObj(t *sim.Thread, o *Object, format string, args ...any) {
	c.ioError(t, fmt.Sprintf("o=%08x: ", o.DebugID)+format, args...)
}

// resolve walks an absolute path on the cache filesystem from its root.
func (c *Cache) resolve(t *sim.Thread, path string) (vfs.Ino, error) {
	ino := c.fs.Root()
	for _, comp := range strings.Split(path, "/") {
		if comp == "" || comp == "." {
			continue
		}
		next, err := c.fs.Lookup(ino, comp)
		if err != nil {
			return 0, err
		}
		ino = next
	}
	return ino, nil
}

// Bind is cachefiles_daemon_bind's call of cachefiles_add_cache (spec
// §10.5.1): claim the tag, look up the root, compute the limits from
// statfs, make cache/ and graveyard/, register with fscache, set READY and
// check the space.
func (c *Cache) Bind(t *sim.Thread, cfg Config, notify func(t *sim.Thread)) error {
	t.Use(&c.life)
	if c.flags.Test(t, CacheReady) {
		return vfs.EBUSY
	}
	if cfg.Tag == "" {
		cfg.Tag = DefaultTag
	}
	c.cfg, c.notify = cfg, notify
	c.gen++
	cache, err := c.F.AcquireCache(t, cfg.Tag)
	if err == fscache.ErrNoMem {
		return vfs.ENOMEM
	}
	if err != nil {
		return vfs.EBUSY
	}
	var root dref
	rootHeld := false
	fail := func(err error) error {
		if c.store != 0 {
			c.putDirectory(t, c.store)
			c.store = 0
			c.gen++
		}
		if c.graveyard != 0 {
			c.putDirectory(t, c.graveyard)
			c.graveyard = 0
			c.gen++
		}
		if rootHeld {
			c.dputAt(t, refAddCacheRoot, root)
		}
		fscache.RelinquishCache(t, cache)
		return err
	}
	if t.AllocFails(AllocSiteGetSecurityID) {
		return fail(vfs.ENOMEM)
	}
	rootIno, err := c.resolve(t, cfg.RootDir)
	if err != nil {
		return fail(err)
	}
	st, err := c.fs.Stat(rootIno)
	if err != nil {
		return fail(err)
	}
	if !st.IsDir() {
		return fail(vfs.ENOTDIR) // kern_path(LOOKUP_DIRECTORY): no reference
	}
	// kern_path's reference on the root, dropped once bound (or failed).
	rootParent, _ := c.fs.Parent(rootIno)
	root, rootHeld = c.dgetAt(refAddCacheRoot, rootParent, "", rootIno), true
	if t.AllocFails(AllocSiteCacheSecurity) {
		return fail(vfs.ENOMEM)
	}
	c.root = rootIno
	sf, err := c.fs.Statfs()
	if err != nil {
		return fail(err)
	}
	switch {
	case sf.Bsize <= 0:
		return fail(vfs.ERANGE)
	case sf.Bsize > PageSize:
		return fail(vfs.EOPNOTSUPP)
	}
	c.bsize = sf.Bsize
	c.bshift = 0
	for 1<<c.bshift < c.bsize {
		c.bshift++
	}
	if c.F.Mutants.Layout.BShiftOff {
		c.bshift++
	}
	files, blocks := uint64(sf.Files)/100, uint64(sf.Blocks)/100
	c.gen++
	c.limits = Limits{
		Fstop: files * uint64(cfg.Fstop), Fcull: files * uint64(cfg.Fcull), Frun: files * uint64(cfg.Frun),
		Bstop: blocks * uint64(cfg.Bstop), Bcull: blocks * uint64(cfg.Bcull), Brun: blocks * uint64(cfg.Brun),
	}
	if c.store, _, err = c.getDirectory(t, c.root, "cache"); err != nil {
		c.store = 0
		c.gen++
		return fail(err)
	}
	c.gen++
	if c.graveyard, _, err = c.getDirectory(t, c.root, "graveyard"); err != nil {
		c.graveyard = 0
		c.gen++
		return fail(err)
	}
	c.gen++
	c.cache = cache
	c.gen++
	fscache.AddCache(t, cache, c, c)
	c.flags.Set(t, CacheReady)
	c.dputAt(t, refAddCacheRoot, root)
	c.emitWarn(t, "CacheFiles: File cache on "+cfg.Tag+" registered")
	c.hasSpace(t, 0, 0, spaceCheck)
	return nil
}

// Unbind is cachefiles_put_unbind_pincount()'s last put, the device's
// release: cachefiles_daemon_unbind() (withdraw a bound cache, spec §8.4,
// and let go of graveyard/ and cache/), then the kfree of the cache record.
// Nothing may use the record afterwards (a use-after-free is reported).
func (c *Cache) Unbind(t *sim.Thread) {
	t.Use(&c.life)
	c.daemonUnbind(t)
	c.checkDentries(t)
	t.Free(&c.life)
	c.gen++
}

// ReleaseUnbound is the same last put for a record that was never bound
// (or whose bind failed): the device's release calls it in place of
// Unbind (File.Release).
func (c *Cache) ReleaseUnbound(t *sim.Thread) { c.Unbind(t) }

// daemonUnbind is cachefiles_daemon_unbind().
func (c *Cache) daemonUnbind(t *sim.Thread) {
	if c.flags.Test(t, CacheReady) {
		c.withdrawCache(t)
	}
	if c.graveyard != 0 && c.F.Mutants.CachefilesUnbindKeepsMark {
		c.dput(t, c.graveyard)
		c.graveyard = 0
		c.gen++
	}
	if c.graveyard != 0 {
		c.putDirectory(t, c.graveyard)
		c.graveyard = 0
		c.gen++
	}
	if c.store != 0 {
		c.putDirectory(t, c.store)
		c.store = 0
		c.gen++
	}
}

// withdrawCache is cachefiles_withdraw_cache(), in the current order.
func (c *Cache) withdrawCache(t *sim.Thread) {
	fc := c.cache
	c.emitWarn(t, "CacheFiles: File cache on "+fc.Name+" unregistering")
	fscache.WithdrawCache(t, fc)
	c.withdrawFscacheVolumes(t)
	c.withdrawObjects(t)
	if c.F.Mutants.CachefilesRelinquishBeforeObjects {
		fscache.RelinquishCache(t, fc)
	}
	fscache.WaitForObjects(t, fc)
	c.withdrawVolumes(t)
	c.syncCache(t)
	c.flags.Clear(t, CacheReady)
	c.cache = nil
	c.gen++
	if !c.F.Mutants.CachefilesRelinquishBeforeObjects {
		fscache.RelinquishCache(t, fc)
	}
}

// withdrawFscacheVolumes is cachefiles_withdraw_fscache_volumes(): drop the
// access pin of every volume that still has one and wait for its lookups.
func (c *Cache) withdrawFscacheVolumes(t *sim.Thread) {
retry:
	c.objectListLock.Lock(t)
	c.objectListLock.AssertHeld(t, "cache->volumes walk") // lockset
	for _, v := range c.volumes {
		t.Use(&v.life)
		vc := v.vcookie
		t.Use(vc.Life())
		if vc.NAccesses() == 0 {
			continue
		}
		if fscache.TryGetVolume(t, vc, fscache.TraceVolumeGetWithdraw) {
			c.objectListLock.Unlock(t)
			fscache.WithdrawVolume(t, vc)
			fscache.PutVolume(t, vc, fscache.TraceVolumePutWithdraw)
			goto retry
		}
	}
	c.objectListLock.Unlock(t)
}

// withdrawObjects is cachefiles_withdraw_objects(): ask fscache to withdraw
// the cookie of every live object.
func (c *Cache) withdrawObjects(t *sim.Thread) {
	c.objectListLock.Lock(t)
	count := 0
	for len(c.objects) > 0 {
		c.objectListLock.AssertHeld(t, "cache->object_list list_del") // lockset
		o := c.objects[0]
		o.see(t, TraceObjSeeWithdrawal)
		c.objects = c.objects[1:]
		o.onList = false
		fscache.WithdrawCookie(t, o.cookieOf(t))
		count++
		if count%64 == 0 {
			c.objectListLock.Unlock(t)
			t.Yield()
			c.objectListLock.Lock(t)
		}
	}
	c.objectListLock.Unlock(t)
}

// withdrawVolumes is cachefiles_withdraw_volumes(): release every volume
// still listed, writing its xattr first.
func (c *Cache) withdrawVolumes(t *sim.Thread) {
	for {
		var v *Volume
		c.objectListLock.Lock(t)
		c.objectListLock.AssertHeld(t, "cache->volumes list_del") // lockset
		if len(c.volumes) > 0 {
			v = c.volumes[0]
			if !fscache.TryGetVolume(t, v.vcookie, fscache.TraceVolumeGetWithdraw) {
				// Being freed: cachefiles_free_volume will unlist it.
				c.objectListLock.Unlock(t)
				t.Yield()
				continue
			}
			c.volumes = c.volumes[1:]
			c.gen++
			v.onList = false
		}
		c.objectListLock.Unlock(t)
		if v == nil {
			return
		}
		vc := v.vcookie
		c.withdrawVolume(t, v)
		fscache.PutVolume(t, vc, fscache.TraceVolumePutWithdraw)
	}
}

// syncCache is cachefiles_sync_cache(): sync the backing filesystem. The
// kernel has no tracepoint here: an EIO is logged as an I/O error (which
// kills the cache), any other error is ignored.
func (c *Cache) syncCache(t *sim.Thread) {
	if err := c.syncfs(t); err != nil {
		if c.F.Mutants.CachefilesSyncErrorIgnored {
			return
		}
		if err == vfs.EIO {
			c.ioError(t, "Attempt to sync backing fs superblock returned error %d", vfs.Code(err))
		}
	}
}

// Space-check reasons (enum cachefiles_has_space_for).
type spaceFor uint8

const (
	spaceCheck spaceFor = iota
	spaceForWrite
	spaceForCreate
)

// hasSpace is cachefiles_has_space(): is there room for fnr more files and
// bnr more blocks? Below a stop threshold it refuses with ENOBUFS; below a
// cull threshold it switches culling on; at or above both run thresholds it
// switches culling off (spec §10.2).
func (c *Cache) hasSpace(t *sim.Thread, fnr, bnr uint64, why spaceFor) (err error) {
	if c.F.Mutants.Layout.CreateAsksBlock && why == spaceForCreate {
		bnr = 1
	}
	sf, err := c.statfs(t)
	if c.F.Mutants.Layout.StatfsTraceOnSuccess && err == nil {
		c.traceVFSError(t, nil, c.root, err, ErrStatfs)
		return nil
	}
	if err != nil {
		c.traceVFSError(t, nil, c.root, err, ErrStatfs)
		if err == vfs.EIO {
			c.ioError(t, "statfs failed")
		}
		return err
	}
	var bw int64
	if c.onSpace != nil {
		c.onSpace.SpaceStatfs(t, c)
		defer func() { c.onSpace.SpaceVerdict(t, c, SpaceCheck{fnr, bnr, bw, err != nil, uint8(why)}) }()
	}
	if c.quiet(t) {
		bw = c.bWriting.Peek()
	} else {
		bw = c.bWriting.Load(t)
	}
	ffree := sat(uint64(sf.Ffree), fnr)
	bavail := sat(sat(uint64(sf.Bavail), uint64(bw)), bnr)
	l := &c.limits
	culling := c.flags.Has(CacheCulling)
	if !c.quiet(t) {
		culling = c.flags.Test(t, CacheCulling)
	}
	switch {
	case ffree < l.Fstop || bavail < l.Bstop,
		c.F.Mutants.CachefilesStopAtCull && (ffree < l.Fcull || bavail < l.Bcull):
		switch why {
		case spaceForWrite:
			c.F.Stats.NoWriteSpace++
		case spaceForCreate:
			c.F.Stats.NoCreateSpace++
		}
		c.beginCull(t)
		return vfs.ENOBUFS
	case ffree < l.Fcull || bavail < l.Bcull:
		c.beginCull(t)
	case culling && ffree >= l.Frun && bavail >= l.Brun:
		if c.flags.TestAndClear(t, CacheCulling) {
			c.emitState(t, "cease culling")
			c.stateChanged(t)
		}
	}
	return nil
}

func (c *Cache) beginCull(t *sim.Thread) {
	if c.F.Mutants.CachefilesCullNeverBegins {
		return
	}
	if c.quiet(t) && c.flags.Has(CacheCulling) {
		return
	}
	if !c.flags.TestAndSet(t, CacheCulling) {
		if c.F.Mutants.CachefilesCullSilent {
			return
		}
		c.emitState(t, "begin culling")
		c.stateChanged(t)
	}
}

// sat is a - b floored at 0.
func sat(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return 0
}

// Status is cachefiles_daemon_read's non-on-demand half: refresh the space
// state, then fetch and zero the released counters.
func (c *Cache) Status(t *sim.Thread) (s Status, err error) {
	t.Use(&c.life)
	defer c.observeDaemon(t, DaemonCmd{Op: "read"}, &s, &err)()
	if c.flags.Test(t, CacheDead) {
		return Status{}, vfs.EIO
	}
	if !c.flags.Test(t, CacheReady) {
		return Status{}, nil
	}
	if c.F.Mutants.CachefilesStatusEmpty {
		return Status{}, nil
	}
	c.hasSpace(t, 0, 0, spaceCheck)
	s = Status{Limits: c.limits}
	s.FReleased = uint64(c.fReleased.FetchAdd(t, -c.fReleased.Peek()))
	s.BReleased = uint64(c.bReleased.FetchAdd(t, -c.bReleased.Peek()))
	c.flags.Clear(t, CacheStateChanged)
	s.Culling = c.flags.Test(t, CacheCulling)
	return s, nil
}

// Cull is cachefiles_daemon_cull's call of cachefiles_cull (spec §10.6):
// bury the entry name of directory dir unless it is in use.
func (c *Cache) Cull(t *sim.Thread, dir, name string) (err error) {
	t.Use(&c.life)
	defer c.observeDaemon(t, DaemonCmd{Op: "cull", DirPath: dir, Name: name}, nil, &err)()
	d, err := c.cwd(t, dir)
	if err != nil {
		return err
	}
	pwd := c.getPwd(d)
	err = c.cull(t, d, name)
	c.dputAt(t, refDaemonPwd, pwd)
	return err
}

// Inuse is cachefiles_daemon_inuse's call of cachefiles_check_in_use.
func (c *Cache) Inuse(t *sim.Thread, dir, name string) (err error) {
	t.Use(&c.life)
	defer c.observeDaemon(t, DaemonCmd{Op: "inuse", DirPath: dir, Name: name}, nil, &err)()
	d, err := c.cwd(t, dir)
	if err != nil {
		return err
	}
	if c.F.Mutants.CachefilesInuseNoLook {
		return nil
	}
	pwd := c.getPwd(d)
	err = c.checkInUse(t, d, name)
	c.dputAt(t, refDaemonPwd, pwd)
	return err
}

// CullAt is cachefiles_daemon_cull with the working directory an inode
// (get_fs_pwd): EIO if the cache is not bound or dead, ENOTDIR if dir is
// not a directory, then cachefiles_cull.
func (c *Cache) CullAt(t *sim.Thread, dir vfs.Ino, name string) (err error) {
	t.Use(&c.life)
	defer c.observeDaemon(t, DaemonCmd{Op: "cull", DirIno: dir, Name: name}, nil, &err)()
	pwd, err := c.cwdIno(t, dir)
	if err != nil {
		return err
	}
	err = c.cull(t, dir, name)
	c.dputAt(t, refDaemonPwd, pwd)
	return err
}

// InuseAt is cachefiles_daemon_inuse with the working directory an inode.
func (c *Cache) InuseAt(t *sim.Thread, dir vfs.Ino, name string) (err error) {
	t.Use(&c.life)
	defer c.observeDaemon(t, DaemonCmd{Op: "inuse", DirIno: dir, Name: name}, nil, &err)()
	pwd, err := c.cwdIno(t, dir)
	if err != nil {
		return err
	}
	err = c.checkInUse(t, dir, name)
	c.dputAt(t, refDaemonPwd, pwd)
	return err
}

// cwdIno checks the daemon's working directory inode: EIO if the cache is
// not bound or dead, then get_fs_pwd's reference on it (returned), dropped
// again if it is not a directory (d_can_lookup: ENOTDIR).
func (c *Cache) cwdIno(t *sim.Thread, dir vfs.Ino) (dref, error) {
	if !c.flags.Test(t, CacheReady) || c.flags.Test(t, CacheDead) {
		return dref{}, vfs.EIO
	}
	pwd := c.getPwd(dir)
	if st, err := c.fs.Stat(dir); err != nil || !st.IsDir() {
		c.dputAt(t, refDaemonPwd, pwd)
		return dref{}, vfs.ENOTDIR
	}
	return pwd, nil
}

// getPwd is get_fs_pwd()'s reference on the working directory's dentry.
func (c *Cache) getPwd(dir vfs.Ino) dref {
	parent, _ := c.fs.Parent(dir)
	return c.dgetAt(refDaemonPwd, parent, "", dir)
}

// cwd resolves the daemon's working directory: EIO if the cache is not
// bound or dead, ENOTDIR if it is not a directory.
func (c *Cache) cwd(t *sim.Thread, dir string) (vfs.Ino, error) {
	if !c.flags.Test(t, CacheReady) || c.flags.Test(t, CacheDead) {
		return 0, vfs.EIO
	}
	if strings.Contains(dir, "\x00") {
		return 0, vfs.EINVAL
	}
	d, err := c.resolve(t, dir)
	if err != nil {
		return 0, vfs.ENOTDIR
	}
	if st, err := c.fs.Stat(d); err != nil || !st.IsDir() {
		return 0, vfs.ENOTDIR
	}
	return d, nil
}

// Crash cuts the power under a bound cache: the disk keeps the first keep
// of its pending operations (vfs.FS.Crash) and this cache, like the rest
// of the kernel that ran it, never touches the disk again. Its in-memory
// state is then torn down as usual (so the simulation can check that
// nothing leaks), each disk operation failing with EIO; a new Cache on the
// same disk is the next boot.
func (c *Cache) Crash(t *sim.Thread, keep int) {
	c.fs.Crash(keep)
	c.severed = true
	c.gen++
	c.emitState(t, fmt.Sprintf("disk crashed, kept %d pending ops", keep))
}
