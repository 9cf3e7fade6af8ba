package fscache

import "github.com/fscachesim/fscachesim/sim"

// Backend is struct fscache_cache_ops: what fscache asks of a cache backend
// (cachefiles, or MemBackend in tests). Each method's contract is spec §9.
type Backend interface {
	// Name is the backend's name ("cachefiles").
	Name() string
	// AcquireVolume makes the on-disk volume; on success it sets
	// v.CachePriv and pins the volume's access gate (Volume.PinAccess).
	AcquireVolume(t *sim.Thread, v *Volume)
	// FreeVolume releases the backend volume and clears v.CachePriv.
	FreeVolume(t *sim.Thread, v *Volume)
	// LookupCookie finds or creates the backing object; it may call
	// CookieLookupNegative and CachingFailed; it sets c.CachePriv.
	LookupCookie(t *sim.Thread, c *Cookie) bool
	// WithdrawCookie commits or deletes the object and clears c.CachePriv.
	WithdrawCookie(t *sim.Thread, c *Cookie)
	// ResizeCookie resizes the object synchronously; an operation is held.
	ResizeCookie(t *sim.Thread, cres *CacheResources, newSize int64)
	// InvalidateCookie discards the data and calls ResumeAfterInvalidation
	// when I/O may resume; false makes the cookie FAILED.
	InvalidateCookie(t *sim.Thread, c *Cookie) bool
	// BeginOperation attaches per-operation resources to cres.
	BeginOperation(t *sim.Thread, cres *CacheResources, want Want) bool
	// PrepareToWrite marks the object dirty on disk.
	PrepareToWrite(t *sim.Thread, c *Cookie)
}

// CacheResources is struct netfs_cache_resources: one I/O operation's hold
// on the cache.
type CacheResources struct {
	Ops          NetfsCacheOps
	CachePriv    *Cookie // the cookie (cres->cache_priv)
	CachePriv2   any     // the backend's per-operation file
	DebugID      uint32
	InvalCounter uint32 // cookie->inval_counter at begin
}

// ReadHole says what a read does about a hole (enum netfs_read_from_hole).
type ReadHole uint8

const (
	ReadHoleIgnore ReadHole = iota
	ReadHoleClear
	ReadHoleFail
)

// TermFunc is netfs_io_terminated_t: how a backend reports the end of an
// I/O. n is the number of bytes transferred (reads: including a hole
// skipped at the start) and err the error; wasAsync says whether it runs
// in completion context (the kiocb's ki_complete) or in the issuer (a
// failure before submission, or a synchronous completion).
type TermFunc func(t *sim.Thread, n int, err error, wasAsync bool)

// NetfsCacheOps is struct netfs_cache_ops: the per-operation calls the netfs
// makes through cres.
//
// Read and Write take a termination function as the kernel's do. With
// term nil the kiocb is synchronous (no ki_complete): the call returns when
// the I/O is done, with its result. With term set, the backend submits the
// I/O and returns; the completion runs later on its own simulated context
// (see complete.go), which the scheduler runs when it chooses, and calls
// term there. A failure before submission calls term in the issuer
// (wasAsync false) and is also returned.
type NetfsCacheOps interface {
	// EndOperation releases what BeginOperation took and ends the cookie
	// access (fscache_end_cookie_access(io_end)).
	EndOperation(t *sim.Thread, cres *CacheResources)
	// Read fills buf from the object at start.
	Read(t *sim.Thread, cres *CacheResources, start int64, buf []byte, hole ReadHole, term TermFunc) (int, error)
	// Write writes data to the object at start.
	Write(t *sim.Thread, cres *CacheResources, start int64, data []byte, term TermFunc) error
	// PrepareWrite checks and adjusts a write's range (DIO alignment, space).
	PrepareWrite(t *sim.Thread, cres *CacheResources, start, length *int64, iSize int64, noSpaceAllocatedYet bool) error
}
