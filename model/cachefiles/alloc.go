package cachefiles

import (
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// The allocations of fs/cachefiles/*.c (on-demand mode aside) whose failure
// the kernel checks, and the VFS helpers that allocate inside and return
// ERR_PTR(-ENOMEM) (lookup_one_len's d_alloc, kernel_file_open's and
// kernel_tmpfile_open's alloc_empty_file, prepare_creds): each is a site
// of the allocation-failure fault class (sim/alloc.go), failing where and
// how the kernel's does when a plan is on (sim.Kernel.SetAllocFaults).
// main.c's (the object jar, the misc device) are module init, not
// modelled.
var (
	// daemon.c
	AllocSiteDaemonOpen = site("cachefiles_daemon_open", "kzalloc(struct cachefiles_cache)",
		"open(2) of /dev/cachefiles fails with ENOMEM; cachefiles_open is reset so the device can be opened again")
	AllocSiteDaemonWrite = site("cachefiles_daemon_write", "memdup_user_nul(data) of the command",
		"write(2) fails with ENOMEM, the command is not run")
	AllocSiteDaemonDir = site("cachefiles_daemon_dir", "kstrdup(args) of the root directory",
		"the dir command fails with ENOMEM; no root set")
	AllocSiteDaemonTag = site("cachefiles_daemon_tag", "kstrdup(args) of the tag",
		"the tag command fails with ENOMEM; no tag set")
	AllocSiteDaemonBindTag = site("cachefiles_daemon_bind", "kstrdup(\"CacheFiles\") of the default tag",
		"bind fails with ENOMEM before cachefiles_add_cache; the tag stays unset")
	// security.c, called by cachefiles_add_cache
	AllocSiteGetSecurityID = site("cachefiles_get_security_ID", "prepare_kernel_cred(current)",
		"cachefiles_add_cache fails with ENOMEM: fscache_relinquish_cache of the acquired cache record (error_getsec)")
	AllocSiteCacheSecurity = site("cachefiles_determine_cache_security", "prepare_creds()",
		"cachefiles_add_cache fails with ENOMEM (error_unsupported): the root let go, the creds put, the cache record relinquished")
	// volume.c
	AllocSiteVolume = site("cachefiles_acquire_volume", "kzalloc(struct cachefiles_volume)",
		"return: the volume is not cached (cache_priv stays NULL), cookies under it run uncached")
	AllocSiteVolumeName = site("cachefiles_acquire_volume.name", "kmalloc(len + 3, GFP_NOFS) of the directory name",
		"kfree of the volume (error_vol), as cachefiles_acquire_volume")
	// interface.c, key.c
	AllocSiteObject = site("cachefiles_alloc_object", "kmem_cache_zalloc(cachefiles_object_jar)",
		"cachefiles_lookup_cookie returns false without fscache_caching_failed: the cookie goes back to QUIESCENT")
	AllocSiteCookKey = site("cachefiles_cook_key", "kmalloc of the cooked name",
		"cachefiles_put_object (cachefiles_ref PUT alloc_fail): the object and its cookie ref go; lookup_cookie returns false (QUIESCENT)")
	// xattr.c
	AllocSiteSetObjectXattr = site("cachefiles_set_object_xattr", "kmalloc of the xattr buffer",
		"ENOMEM without an I/O error and without the coherency tracepoints; the object's xattr is not rewritten")
	AllocSiteCheckAuxdata = site("cachefiles_check_auxdata", "kmalloc of the xattr buffer",
		"ENOMEM: cachefiles_open_file's check_failed path (lookup_negative, unmark, fput); the lookup fails")
	AllocSiteSetVolumeXattr = site("cachefiles_set_volume_xattr", "kmalloc of the xattr buffer",
		"false, no tracepoint: a new volume directory is let go (error_dir); at withdrawal the xattr is not rewritten")
	AllocSiteCheckVolumeXattr = site("cachefiles_check_volume_xattr", "kmalloc of the xattr buffer",
		"ENOMEM, no tracepoint: the volume directory is let go (error_dir), the volume is not cached")
	// namei.c: lookup_one_len's d_alloc, alloc_empty_file
	AllocSiteGetDirectory = site("cachefiles_get_directory", "lookup_one_len(): d_alloc",
		"ERR_PTR(-ENOMEM) after the vfs_error tracepoint, without the \"Lookup failed\" message (nomem_d_alloc)")
	AllocSiteBuryGrave = site("cachefiles_bury_object", "lookup_one_len() of the grave name: d_alloc",
		"unlock_rename, vfs_error tracepoint, -ENOMEM without an I/O error; the victim stays where it is")
	AllocSiteLookUpObject = site("cachefiles_look_up_object", "lookup_positive_unlocked(): d_alloc",
		"false after the lookup tracepoint, no I/O error: the lookup fails (fscache_caching_failed)")
	AllocSiteOpenFile = site("cachefiles_open_file", "kernel_file_open(): alloc_empty_file",
		"vfs_error tracepoint, unmark the inode, false: the lookup fails")
	AllocSiteTmpfile = site("cachefiles_create_tmpfile", "kernel_tmpfile_open(): alloc_empty_file",
		"vfs_error tracepoint, ENOMEM without an I/O error: no file for the object")
	AllocSiteCommitTmpfile = site("cachefiles_commit_tmpfile", "lookup_one_len(): d_alloc",
		"vfs_error tracepoint, false: the tmpfile is not linked in (the object keeps it until it goes)")
	AllocSiteLookupForCull = site("cachefiles_lookup_for_cull", "lookup_one_len(): d_alloc",
		"the cull or inuse command fails with ENOMEM, no I/O error, no \"Internal error\"")
	// io.c
	AllocSiteReadKiocb = site("cachefiles_read", "kzalloc(struct cachefiles_kiocb)",
		"presubmission_error: ENOMEM to the netfs, no read issued")
	AllocSiteWriteKiocb = site("__cachefiles_write", "kzalloc(struct cachefiles_kiocb)",
		"term_func(-ENOMEM): no write issued, HAVE_DATA not set, b_writing untouched")
)

func site(name, call, unwind string) sim.AllocSite {
	return sim.RegisterAllocSite(sim.AllocSiteInfo{Name: name, Call: call, Unwind: unwind})
}

// lookupAt is c.lookup at a site of lookup_one_len (or
// lookup_positive_unlocked): after cachefiles' injection point, the
// dentry's allocation may fail with ENOMEM.
func (c *Cache) lookupAt(t *sim.Thread, s sim.AllocSite, dir vfs.Ino, name string) (vfs.Ino, error) {
	if c.severed {
		return 0, c.severedErr(t)
	}
	if err := c.inject(t, injectRead); err != nil {
		return 0, err
	}
	if t.AllocFails(s) {
		return 0, vfs.ENOMEM
	}
	return c.fs.Lookup(dir, name)
}

// lookupNoInjectAt is c.lookupNoInject at a site of lookup_one_len.
func (c *Cache) lookupNoInjectAt(t *sim.Thread, s sim.AllocSite, dir vfs.Ino, name string) (vfs.Ino, error) {
	if c.severed {
		return 0, c.severedErr(t)
	}
	if t.AllocFails(s) {
		return 0, vfs.ENOMEM
	}
	return c.fs.Lookup(dir, name)
}

// BreakUnwind makes the failure path of allocation site s skip its undo
// step (cachefiles_acquire_volume.name: the kfree of the volume;
// cachefiles_cook_key: the put of the object; cachefiles_open_file: the
// unmark of the inode). It is a mutant for the tests that prove the checks
// catch a broken unwind; a model run for any other purpose never calls it.
func (c *Cache) BreakUnwind(s sim.AllocSite) { c.brokenUnwind = s }
