package cachefiles

import "github.com/fscachesim/fscachesim/sim"

// The space observer: a checker that judges cachefiles_has_space()'s
// verdicts against the disk's own state (checker/disk.go, disk-space).

// SpaceCheck is one verdict of hasSpace: the files and blocks asked for,
// the blocks of writes in flight it counted (cache->b_writing), and
// whether it refused with ENOBUFS, and the reason it was asked.
type SpaceCheck struct {
	Fnr, Bnr uint64
	BWriting int64
	Refused  bool
	For      uint8 // why it was asked: SpaceForCheck, SpaceForWrite, SpaceForCreate
}

// The reasons of SpaceCheck.For (enum cachefiles_has_space_for).
const (
	SpaceForCheck  = uint8(spaceCheck)
	SpaceForWrite  = uint8(spaceForWrite)
	SpaceForCreate = uint8(spaceForCreate)
)

// SpaceObserver sees hasSpace at its statfs (Statfs: the disk as the
// kernel's vfs_statfs saw it is the disk now) and at its verdict. It must
// not change the model.
type SpaceObserver interface {
	SpaceStatfs(t *sim.Thread, c *Cache)
	SpaceVerdict(t *sim.Thread, c *Cache, v SpaceCheck)
}

// ObserveSpace installs o as the cache's space observer; nil removes it.
func (c *Cache) ObserveSpace(o SpaceObserver) { c.onSpace = o }

// Life is the cache record's lifetime (freed by Unbind).
func (c *Cache) Life() *sim.Life { return &c.life }
