package fscache

// ReqMutants are the test-only breakages for issue 16's checks of
// requested work, timing and caching liveness (checker/requested.go,
// scenarios/liveness_more.go), embedded in Mutants: each is one small
// deviation from 6.12 that the named check catches (checker and scenarios
// tests). All off in a new Fscache.
type ReqMutants struct {
	// UseNoRecheck: fscache_use_cookie, having waited out LRU_DISCARDING,
	// does not look at the new state (R-use).
	UseNoRecheck bool
	// LRULate: the LRU worker's timeout is a second longer than the
	// kernel's 10 s (lru-timing).
	LRULate bool
	// CollisionNoticeAlways: fscache_wait_on_collision prints its notice
	// after a wait that succeeded (collision-notice).
	CollisionNoticeAlways bool
	// UpdateKeepsAux: fscache_update_aux never copies new coherency data
	// (requested-update).
	UpdateKeepsAux bool
	// CookieKeyMaxShort: __fscache_acquire_cookie refuses 255-byte keys
	// (key-limits, legal-key-cookie).
	CookieKeyMaxShort bool
	// NotePageReleaseNoop: fscache_note_page_release never clears
	// NO_DATA_TO_READ (cache-liveness: the reread misses).
	NotePageReleaseNoop bool
	// CachefilesVolumeNoCheck: cachefiles_acquire_volume restamps an
	// existing volume directory without checking its coherency xattr
	// (volume-coherency).
	CachefilesVolumeNoCheck bool
	// CachefilesRetireKeepsFile: cachefiles_clean_up_object does not
	// delete a retired object's linked file (retired-deleted).
	CachefilesRetireKeepsFile bool
}
