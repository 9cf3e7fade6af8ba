package vfs

import "github.com/fscachesim/fscachesim/sim"

// Inode timestamps, on the virtual clock (Options.Now).
//
// mtime and ctime move with the logged ops, as on ext4: creating an inode
// sets all three times; a write, truncate or fallocate sets the file's
// mtime and ctime; a link, unlink, rename or xattr change sets the inode's
// ctime; adding or removing a directory entry sets the directory's mtime
// and ctime (an O_TMPFILE does not touch its directory). Replaying the log
// onto the durable tree sets the same times, so a crash keeps them.
//
// atime follows relatime, ext4's default mount option since Linux 2.6.30
// and what a cache on a default-mounted ext4 sees: cachefiles opens its
// backing files O_RDWR|O_LARGEFILE|O_DIRECT, without O_NOATIME, and ext4's
// direct-I/O read path calls file_accessed, so every read of a cached
// object touches the atime under relatime's rule. Readdir touches the
// directory's atime the same way (relatime without nodiratime). The rule
// (relatime_need_update): update when atime is not after mtime, or not
// after ctime, or at least a day old. An atime update is not logged: it
// lives in the live tree only, so a crash takes the inode back to the
// atime of its durable image, as a lazily written inode would be. A
// zero-length read does not touch atime (ext4 returns before
// file_accessed for an empty request).

// relatimeWindow is how old an atime may get before relatime refreshes it
// even though the file has not changed (24 hours).
const relatimeWindow = 24 * 3600 * sim.Second

// now reads the virtual clock (0 without one).
func (fs *FS) now() sim.Time {
	if fs.opts.Now == nil {
		return 0
	}
	return fs.opts.Now()
}

// accessed is touch_atime under relatime for a read of n's data or entries.
func (fs *FS) accessed(n *inode) {
	now := fs.now()
	if n.atime <= n.mtime || n.atime <= n.ctime || now-n.atime >= relatimeWindow {
		n.atime = now
	}
}

// modified sets mtime and ctime (a data change, or an entry change of a
// directory).
func (n *inode) modified(t sim.Time) {
	n.mtime = t
	n.ctime = t
}

// TouchAtime is touch_atime() on an open file outside a read: the atime
// moves under relatime's rule. Not logged (see above) and not a scheduling
// point. Errors: EBADF (closed), ESTALE (a file of a crashed boot).
func (fs *FS) TouchAtime(f *File) error {
	n, err := fs.file(f)
	if err != nil {
		return err
	}
	fs.accessed(n)
	return nil
}
