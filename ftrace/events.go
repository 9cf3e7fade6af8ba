package ftrace

// kernelEvents are the tracepoints of include/trace/events/fscache.h and
// include/trace/events/cachefiles.h in Linux 6.12: the only events a real
// trace of fscache and cachefiles can hold.
var kernelEvents = map[string]bool{
	"fscache_cache":                  true,
	"fscache_volume":                 true,
	"fscache_cookie":                 true,
	"fscache_active":                 true,
	"fscache_access_cache":           true,
	"fscache_access_volume":          true,
	"fscache_access":                 true,
	"fscache_acquire":                true,
	"fscache_relinquish":             true,
	"fscache_invalidate":             true,
	"fscache_resize":                 true,
	"cachefiles_ref":                 true,
	"cachefiles_lookup":              true,
	"cachefiles_mkdir":               true,
	"cachefiles_tmpfile":             true,
	"cachefiles_link":                true,
	"cachefiles_unlink":              true,
	"cachefiles_rename":              true,
	"cachefiles_coherency":           true,
	"cachefiles_vol_coherency":       true,
	"cachefiles_prep_read":           true,
	"cachefiles_read":                true,
	"cachefiles_write":               true,
	"cachefiles_trunc":               true,
	"cachefiles_mark_active":         true,
	"cachefiles_mark_failed":         true,
	"cachefiles_mark_inactive":       true,
	"cachefiles_vfs_error":           true,
	"cachefiles_io_error":            true,
	"cachefiles_ondemand_open":       true,
	"cachefiles_ondemand_copen":      true,
	"cachefiles_ondemand_close":      true,
	"cachefiles_ondemand_read":       true,
	"cachefiles_ondemand_cread":      true,
	"cachefiles_ondemand_fd_write":   true,
	"cachefiles_ondemand_fd_release": true,
}

// IsKernelEvent reports whether name is a tracepoint of the kernel's
// fscache or cachefiles trace systems (6.12), as opposed to one of the
// simulator's own events (state changes, coverage marks, thread spawn and
// exit, timer expiry, log lines).
func IsKernelEvent(name string) bool { return kernelEvents[name] }

// IsFscacheSystem reports whether name belongs to the fscache or
// cachefiles trace system by its prefix (a kernel event or one of the
// simulator's events named after those systems).
func IsFscacheSystem(name string) bool {
	return len(name) > 8 && (name[:8] == "fscache_" || (len(name) > 11 && name[:11] == "cachefiles_"))
}
