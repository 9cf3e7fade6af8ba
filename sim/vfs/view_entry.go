package vfs

// AllocatedView is how many of the filesystem blocks covering the byte
// range [off, off+n) of ino are allocated now, of how many, without
// SeekData's fault point and wait (false if the inode is gone or is not a
// regular file).
func (fs *FS) AllocatedView(ino Ino, off, n int64) (allocated, blocks int64, ok bool) {
	in, err := fs.node(ino)
	if err != nil || in.isDir() || n <= 0 {
		return 0, 0, err == nil && !in.isDir()
	}
	bs := fs.opts.BlockSize
	lo, hi := off/bs, (off+n+bs-1)/bs
	return hi - lo - fs.live.holes(in, lo, hi), hi - lo, true
}
