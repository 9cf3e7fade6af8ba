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

// XattrView is the value of the inode's extended attribute name as the
// disk holds it now (a copy), without Getxattr's fault point; false if the
// inode or the attribute does not exist.
func (fs *FS) XattrView(ino Ino, name string) ([]byte, bool) {
	n, err := fs.node(ino)
	if err != nil {
		return nil, false
	}
	v, ok := n.xattrs[name]
	if !ok {
		return nil, false
	}
	return append([]byte(nil), v...), true
}

// ViewGen is the generation of the in-memory views Stat, InUse and
// OpenCount show: it changes whenever the live tree (a committed op, a
// crash), an open count or an in-use mark does. A checker that read them
// at one generation need not read them again while it stands still.
func (fs *FS) ViewGen() uint64 { return fs.view }
