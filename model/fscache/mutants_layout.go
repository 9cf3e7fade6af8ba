package fscache

// LayoutMutants are the test-only breakages that prove the on-disk layout,
// space and DIRTY checks (checker/layout.go); all off by default. Each is
// one rule of 6.12 broken the way a mutant of the first full mutation run
// broke it.
type LayoutMutants struct {
	// FanoutWrongByte: cachefiles picks the fan-out directory from the
	// cookie's hash plus one (a different hash), not its low byte.
	FanoutWrongByte bool
	// CookKeySkipsFirst: cachefiles names an object's file after its key
	// without the key's first byte.
	CookKeySkipsFirst bool
	// XattrNoDataAsOne: CACHEFILES_CONTENT_NO_DATA is stored as 1.
	XattrNoDataAsOne bool
	// AdjustSizeOver: cachefiles_adjust_size sizes a file one DIO block
	// past the object size rounded up.
	AdjustSizeOver bool
	// TmpfileNotExpanded: cachefiles_create_tmpfile does not expand the
	// tmpfile to the object size (adjust_size does it just after).
	TmpfileNotExpanded bool
	// NoLocalWriteAtLookup: fscache_begin_lookup for a modifying use does
	// not set LOCAL_WRITE.
	NoLocalWriteAtLookup bool
	// PrepareMarksTmpfile: cachefiles_prepare_to_write marks a tmpfile
	// and skips a linked file.
	PrepareMarksTmpfile bool
	// CreateAsksBlock: cachefiles_create_tmpfile asks for a block of room
	// as well as a file.
	CreateAsksBlock bool
	// BShiftOff: cache->bshift is one more than log2 of the block size.
	BShiftOff bool
	// BurySwapsKinds: cachefiles_bury_object moves a file into the
	// graveyard and unlinks a directory.
	BurySwapsKinds bool
	// OverwriteRefused: __cachefiles_prepare_write gives a write over
	// allocated space only the plain space check (refused near the stop
	// limit), not the overwrite logic.
	OverwriteRefused bool
	// StatfsTraceOnSuccess: cachefiles_has_space traces a vfs_error and
	// returns when vfs_statfs succeeds.
	StatfsTraceOnSuccess bool
}
