package fscache

// Mutants are test-only breakages of the model, each one small deviation
// from the kernel's code that breaks one rule the checker states, so that a
// test can show the check of that rule catches it at the step it is broken
// (checker/rules_test.go). Unlike model.Bugs they are no historical bugs,
// and nothing outside tests sets them. All are off in a new Fscache.
type Mutants struct {
	ReqMutants // issue 16's request, timing and caching-liveness checks (mutants_req.go)

	// NoCookieStateWake: wake_up_cookie_state() forgets wake_up_var(), so a
	// waiter on the cookie's state (a collision waiting for DROPPED, a use
	// waiting out LRU_DISCARDING, begin_operation) is never woken.
	NoCookieStateWake bool
	// NoVolumeAccessWake: fscache_end_volume_access() forgets the wake-up
	// of its last access, so the withdrawal waiting for n_accesses == 0
	// sleeps on.
	NoVolumeAccessWake bool
	// NoCacheAccessWake: fscache_end_cache_access() forgets the wake-up of
	// its last access (fscache_withdraw_cache waits for it).
	NoCacheAccessWake bool
	// NoAcquirePendingWake: the relinquished volume clears its twin's
	// ACQUIRE_PENDING without wake_up_bit().
	NoAcquirePendingWake bool

	// LookupEndsAccessEarly: fscache_perform_lookup ends the lookup's
	// cookie access before it moves the cookie out of LOOKING_UP.
	LookupEndsAccessEarly bool
	// LookupEndsVolumeAccessEarly: fscache_perform_lookup ends its volume
	// access before the lookup rather than after it.
	LookupEndsVolumeAccessEarly bool
	// InvalidateNoAccess: __fscache_invalidate in LOOKING_UP sets
	// DO_INVALIDATE without the cookie access the flag carries.
	InvalidateNoAccess bool
	// WithdrawWithoutObject: the state machine calls withdraw_cookie in a
	// closing state without looking at cookie->cache_priv.
	WithdrawWithoutObject bool
	// LRUDiscardClearsRequest: the state machine clears DO_LRU_DISCARD in
	// LRU_DISCARDING before it withdraws the object, rather than as it
	// leaves the state.
	LRUDiscardClearsRequest bool
	// UseNoQueuePrepToWrite: fscache_use_cookie() on an ACTIVE cookie sets
	// DO_PREP_TO_WRITE but does not queue the state machine to act on it.
	UseNoQueuePrepToWrite bool

	// The netfs side (model/netfs reads these through Mount.F): each
	// breaks a rule of NetfsCalls.

	// NetfsOpenNoUse: a netfs open skips fscache_use_cookie (and its
	// release the matching unuse), so the file's reads begin operations
	// on a cookie nobody has in use.
	NetfsOpenNoUse bool
	// NetfsCopyAfterEnd: a netfs read that missed ends its cache operation
	// before it copies the downloaded data to the cache through it.
	NetfsCopyAfterEnd bool

	// The cachefiles side (model/cachefiles reads these through
	// Cache.F): each breaks a rule the disk checks state
	// (checker/disk.go).

	// CachefilesStopAtCull: cachefiles_has_space refuses below the cull
	// thresholds, not below the stop ones.
	CachefilesStopAtCull bool
	// CachefilesWriteOverAllocates: __cachefiles_prepare_write
	// preallocates a page past the end of the write (KEEP_SIZE).
	CachefilesWriteOverAllocates bool
	// CachefilesCullIgnoresInUse: cachefiles_cull (and its lookup,
	// cachefiles_lookup_for_cull) buries its victim even when it is marked
	// in use (the file is an object's).
	CachefilesCullIgnoresInUse bool
	// CachefilesUnbindKeepsMark: the unbind lets go of graveyard/
	// without clearing its in-use mark.
	CachefilesUnbindKeepsMark bool
	// CachefilesCoherencyWrongSize: cachefiles_check_auxdata compares
	// the stored object_size with the cookie's size plus one, so every
	// data file found on disk is thrown away as stale.
	CachefilesCoherencyWrongSize bool

	// Lifetimes (sim.Life on objects the kernel frees at a last put).

	// CachefilesKiocbExtraPut: an asynchronous cachefiles I/O completion
	// drops the kiocb's completion ref twice, so the issuer's put comes
	// after the kiocb was freed.
	CachefilesKiocbExtraPut bool
	// NetfsEvictNoWait: the netfs's evict does not wait for the copies to
	// the cache still in flight (netfs_wait_for_outstanding_io), so a
	// copy's completion touches the freed inode.
	NetfsEvictNoWait bool
	// CachefilesRelinquishBeforeObjects: cachefiles_withdraw_cache
	// relinquishes the fscache cache record before it waits for its
	// objects to go, so the wait and the objects' uncount read the freed
	// record.
	CachefilesRelinquishBeforeObjects bool
	// InvalidateNoQueue: __fscache_invalidate on an ACTIVE cookie moves
	// it to INVALIDATING without queueing the state machine that performs
	// the invalidation.
	InvalidateNoQueue bool
	// NetfsCopyNoRequestRef: a netfs read's copy to the cache takes no
	// ref on the read request, so the request is freed when the read
	// returns and the copy's completion uses it afterwards.
	NetfsCopyNoRequestRef bool

	// Layout: the on-disk layout's test-only breakages (mutants_layout.go).
	Layout LayoutMutants

	// Lockset holds the mutants of the lock-discipline and plain-access
	// lifetime checks (mutants_lockset.go).
	Lockset LocksetMutants

	// The daemon interface and the cache's death (checker/daemon.go).

	// CachefilesCullSilent: cachefiles_has_space sets CACHEFILES_CULLING
	// without announcing it (no "begin culling", no state change).
	CachefilesCullSilent bool
	// CachefilesCullNeverBegins: below a cull threshold
	// cachefiles_has_space leaves culling off.
	CachefilesCullNeverBegins bool
	// CachefilesStatusEmpty: the status read of a bound cache reports
	// an empty status (no limits).
	CachefilesStatusEmpty bool
	// CachefilesInuseNoLook: inuse answers "not in use" without looking.
	CachefilesInuseNoLook bool
	// CachefilesSyncfsEIO: syncfs of a healthy disk returns EIO (the
	// cache is killed at unbind).
	CachefilesSyncfsEIO bool
	// CachefilesIOErrorKeepsFscache: cachefiles_io_error marks the cache
	// DEAD without telling fscache (fscache_io_error).
	CachefilesIOErrorKeepsFscache bool
	// CachefilesSyncErrorIgnored: cachefiles_sync_cache ignores a failed
	// syncfs (an EIO does not kill the cache).
	CachefilesSyncErrorIgnored bool

	// The cookie rules (checker/cookierules.go), each one a survivor of
	// the first full mutation run put back.

	// NewCookieNeedsUpdate: fscache_alloc_cookie sets NEEDS_UPDATE rather
	// than NO_DATA_TO_READ on a cookie of size 0.
	NewCookieNeedsUpdate bool
	// CreatingBeforeNoData: fscache_cookie_lookup_negative publishes
	// CREATING before it sets NO_DATA_TO_READ.
	CreatingBeforeNoData bool
	// UpdateWhileDisabled: fscache_update_cookie skips its DISABLED test.
	UpdateWhileDisabled bool
	// DIOInvalidateNoDisable: a DIO-write invalidation tests DISABLED but
	// does not set it.
	DIOInvalidateNoDisable bool
	// PrepToWriteUnasked: the state machine in ACTIVE calls
	// ->prepare_to_write whether or not DO_PREP_TO_WRITE is set.
	PrepToWriteUnasked bool
	// AccessGateIgnoresCache: fscache_begin_cookie_access does not
	// re-check the cache's liveness after the increment.
	AccessGateIgnoresCache bool
	// LRUNeverDiscards: fscache_cookie_lru_do_one takes every cookie off
	// the list without setting DO_LRU_DISCARD.
	LRUNeverDiscards bool
	// LRUWorkerLeavesOne: fscache_cookie_lru_worker stops with one cookie
	// left on the list.
	LRUWorkerLeavesOne bool
	// RelinquishVolumeKeepsAccess: fscache_free_volume never ends the
	// access it began for ->free_volume.
	RelinquishVolumeKeepsAccess bool
	// FreeVolumeNoAccess: fscache_free_volume calls ->free_volume without
	// beginning an access of its own.
	FreeVolumeNoAccess bool
	// WaitForOperationNoRecheck: fscache_wait_for_operation lets the
	// backend go on after one wake-up, whatever the new state.
	WaitForOperationNoRecheck bool
	// DIOInvalidateAlways: a DIO-write invalidation sets DISABLED but goes
	// on even when it was set already.
	DIOInvalidateAlways bool
	// ResizeAfterEndOperation: fscache_resize_cookie ends its operation
	// before it calls the backend's ->resize_cookie.
	ResizeAfterEndOperation bool
	// MemWithdrawSkipsPinOnly: the in-memory backend's withdrawal skips a
	// volume whose only access is its pin, so the pin is never ended.
	MemWithdrawSkipsPinOnly bool
	// CachefilesCommitAlwaysRewrites: cachefiles_commit_object rewrites
	// the coherency xattr whether or not LOCAL_WRITE or NEEDS_UPDATE was
	// set.
	CachefilesCommitAlwaysRewrites bool
}
