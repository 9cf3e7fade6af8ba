package cachefiles

import (
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// assertInodeLocked is lockdep_assert_held of inode ino's i_rwsem where
// the kernel holds it (__cachefiles_mark_inode_in_use: the caller holds the
// inode lock). Inside the thread's batched (quiet) section the model takes
// the fan-out directories' own locks nowhere (Cache.makeFanout,
// Cache.inodeLock: docs/kernel-baseline.md), so nothing is asserted there.
func (c *Cache) assertInodeLocked(t *sim.Thread, ino vfs.Ino, what string) {
	if !c.quiet(t) {
		c.fs.AssertLocked(t, ino, what)
	}
}

// CheckQuietSection is the check name of a batched section left open.
const CheckQuietSection = "quiet-section"

// assertQuietEnded is the model's self-check that a batched (quiet)
// section ends in the function that began it (Cache.makeFanout,
// Cache.freeVolume; sections do not nest): a section left open would let
// the thread's later disk operations skip the inode locks and the
// scheduling points the kernel has (Cache.inodeLock, getDirectory).
func (c *Cache) assertQuietEnded(t *sim.Thread) {
	if c.quiet(t) {
		t.Bug(CheckQuietSection, "cachefiles model: the thread's batched section outlives the volume set-up or release")
	}
}
