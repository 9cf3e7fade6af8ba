package cachefiles

import (
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

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
	// WritePreparing sees cachefiles_prepare_write of [start, start+length)
	// of the file ino start (done false) and end (done true, with its
	// error; start and length as it left them).
	WritePreparing(t *sim.Thread, c *Cache, o *Object, ino vfs.Ino, start, length int64, noSpace, done bool, err error)
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

// observedPrepareWrite is PrepareWrite's prepareWrite with the layout
// observer told of both ends.
func (c *Cache) observedPrepareWrite(t *sim.Thread, o *Object, f *cfile, start, length *int64, noSpace bool) error {
	c.onLayout.WritePreparing(t, c, o, f.ino, *start, *length, noSpace, false, nil)
	err := c.prepareWrite(t, o, f, start, length, *length, noSpace)
	c.onLayout.WritePreparing(t, c, o, f.ino, *start, *length, noSpace, true, err)
	return ioErr(err)
}
