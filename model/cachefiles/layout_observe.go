package cachefiles

import "github.com/fscachesim/fscachesim/sim"

// The layout observer: a checker that judges the sizes cachefiles gives
// its data files against the kernel's rules, computed on its own
// (checker/layout.go, layout-size).

// SizeOp is what cachefiles is sizing a data file for.
type SizeOp uint8

const (
	// SizeLookup: cachefiles_lookup_cookie's cachefiles_adjust_size of a
	// file just looked up or created.
	SizeLookup SizeOp = iota
)

// LayoutObserver sees the two ends of a sizing (done false, then true).
// It must not change the model.
type LayoutObserver interface {
	FileSizing(t *sim.Thread, c *Cache, o *Object, op SizeOp, newSize int64, done bool)
}

// ObserveLayout installs o as the cache's layout observer; nil removes it.
func (c *Cache) ObserveLayout(o LayoutObserver) { c.onLayout = o }

func (c *Cache) sizing(t *sim.Thread, o *Object, op SizeOp, newSize int64, done bool) {
	if c.onLayout != nil {
		c.onLayout.FileSizing(t, c, o, op, newSize, done)
	}
}

// BlockShift is cache->bshift, the log2 of the disk's block size that
// the space accounting of writes in flight shifts by.
func (c *Cache) BlockShift() uint { return c.bshift }
