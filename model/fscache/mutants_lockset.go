package fscache

// LocksetMutants are the test-only mutants (see Mutants) of the lockset
// check (sim/lockset.go: an access made without the lock the kernel takes
// for it) and of the lifetime checks on plain accesses (KASAN-like: a store
// to, or a wait condition reading, a freed record). Each is a mutant of
// docs/mutation.md made switchable; the tests are in
// scenarios/lockset_test.go. (A lock dropped at every site needs no
// switch: sim.Kernel.ElideLocks.)
type LocksetMutants struct {
	// CachefilesQuietNeverEnds: the batched section of a volume's fan-out
	// set-up never ends, so the thread's later cachefiles_get_directory
	// calls skip the parent's i_rwsem.
	CachefilesQuietNeverEnds bool

	// RelinquishCacheStateAfterPut: fscache_relinquish_cache stores
	// NOT_PRESENT after its fscache_put_cache, a store to a freed record
	// when that put is the last.
	RelinquishCacheStateAfterPut bool
	// CollisionPutBeforeWait: fscache_hash_cookie puts its ref on the
	// relinquished twin before waiting for it to be DROPPED, so the wait's
	// test may read a freed cookie.
	CollisionPutBeforeWait bool
	// CachefilesUnmarkAfterFput: cachefiles_open_file, finding a stale
	// file, puts the file before cachefiles_unmark_inode_in_use reads it.
	CachefilesUnmarkAfterFput bool
}
