package vfs

// Read-only views for checkers: no fault point, no wait, no scheduling.

// Usage is what Statfs reports, read from the disk's state without
// Statfs's fault point and wait: a checker's independent view of the
// space and inodes left.
func (fs *FS) Usage() Statfs {
	free := fs.freeBlocks()
	return Statfs{Bsize: fs.opts.BlockSize, Blocks: fs.opts.Blocks, Bfree: free,
		Bavail: max(free-fs.opts.ReservedBlocks, 0),
		Files:  fs.opts.Inodes, Ffree: fs.opts.Inodes - int64(fs.live.count)}
}

// OpenCount is how many open files the inode has now.
func (fs *FS) OpenCount(ino Ino) int { return fs.openCount(ino) }
