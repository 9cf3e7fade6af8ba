package fscache

import "github.com/fscachesim/fscachesim/sim"

// The calls the netfs makes through fscache, and what 6.12 requires of
// each, as data (like BackendCalls): the checker states each row as the
// rule R-netfs (checker/netfscalls.go, docs/checks.md). Read from 6.12's
// include/linux/fscache.h (fscache_use_cookie: "request usage of a cookie"
// before I/O; fscache_read/fscache_write: the resources "must be obtained
// by a call to fscache_begin_operation() beforehand"), fs/netfs/
// fscache_io.c, fscache_cookie.c (__fscache_invalidate) and the netfs's callers (buffered_read.c, write_issue.c,
// misc.c's write-back pin).

// NetfsCall is what fscache requires when the netfs makes the call Op.
type NetfsCall struct {
	Op string
	// InUse: the cookie is in use (n_active >= 1): the caller holds an
	// fscache_use_cookie (an open file, or the inode's write-back pin).
	InUse bool
	// Begun: the call goes through an operation begun by
	// fscache_begin_operation and not yet ended: cres names the cookie,
	// has the backend's ops, and the operation holds a cookie access of
	// its own (on top of what the cookie's state and flags hold), which
	// also keeps the backend object (cache_priv) attached.
	Begun bool
	Why   string
}

// NetfsCalls is the table, one row per call.
var NetfsCalls = []NetfsCall{
	{"begin_read_operation", true, false,
		"netfs_begin_cache_read, for a read of an open file (the file holds its fscache_use_cookie)"},
	{"begin_write_operation", true, false,
		"netfs_create_write_req, for a write-back under the inode's write-back pin (netfs_dirty_folio's fscache_use_cookie)"},
	{"write_to_cache", true, false,
		"fscache_write_to_cache, for a copy of an open file's or a pinned inode's pages"},
	{"resize_cookie", true, false,
		"fscache_resize_cookie from ->setattr, with the cookie in use (afs_setattr, netfs_resize_file)"},
	{"invalidate_dio_write", true, false,
		"fscache_invalidate(FSCACHE_INVAL_DIO_WRITE) from a direct write to an open file: it sets DISABLED, which only that file's fscache_unuse_cookie clears"},
	{"read", true, true,
		"fscache_read, through the operation netfs_begin_cache_read began (cres->ops->read)"},
	{"prepare_write", true, true,
		"cres->ops->prepare_write, through a begun operation (fscache_write_to_cache, netfs_prepare_write)"},
	{"write", true, true,
		"fscache_write, through a begun operation (fscache_write_to_cache, the netfs's copy to the cache)"},
}

// NetfsCallByOp finds a row of NetfsCalls.
func NetfsCallByOp(op string) (NetfsCall, bool) {
	for _, r := range NetfsCalls {
		if r.Op == op {
			return r, true
		}
	}
	return NetfsCall{}, false
}

// NetfsObserver sees every call the netfs makes through fscache, just
// before it is made: the op (a row of NetfsCalls), the cookie, and, for the
// calls through an operation, its resources. It must not change the model.
type NetfsObserver func(t *sim.Thread, op string, c *Cookie, cres *CacheResources)

// ObserveNetfs installs fn as the netfs-call observer (a checker); nil
// removes it.
func (f *Fscache) ObserveNetfs(fn NetfsObserver) { f.onNetfs = fn }

// netfsCall tells the observer, if any, that the netfs makes op.
func netfsCall(t *sim.Thread, op string, c *Cookie, cres *CacheResources) {
	if c != nil && c.f != nil && c.f.onNetfs != nil {
		c.f.onNetfs(t, op, c, cres)
	}
}

// Read is fscache_read(): read from the cache through the operation cres
// (cres->ops->read).
func Read(t *sim.Thread, cres *CacheResources, start int64, buf []byte, hole ReadHole, term TermFunc) (int, error) {
	netfsCall(t, "read", cres.CachePriv, cres)
	return cres.Ops.Read(t, cres, start, buf, hole, term)
}

// PrepareWrite is cres->ops->prepare_write(): check and adjust a write's
// range through the operation cres.
func PrepareWrite(t *sim.Thread, cres *CacheResources, start, length *int64, iSize int64, noSpaceAllocatedYet bool) error {
	netfsCall(t, "prepare_write", cres.CachePriv, cres)
	return cres.Ops.PrepareWrite(t, cres, start, length, iSize, noSpaceAllocatedYet)
}

// Write is fscache_write(): write to the cache through the operation cres
// (cres->ops->write).
func Write(t *sim.Thread, cres *CacheResources, start int64, data []byte, term TermFunc) error {
	netfsCall(t, "write", cres.CachePriv, cres)
	return cres.Ops.Write(t, cres, start, data, term)
}
