package vfs

// Views for the checks of cachefiles' daemon interface (checker/daemon.go):
// no scheduling point, no fault, no change.

// Entry is the inode name has in directory dir now (ENOENT, ENOTDIR,
// ESTALE as Lookup), without Lookup's scheduling point or faults.
func (fs *FS) Entry(dir Ino, name string) (Ino, error) { return fs.find(dir, name) }

// Failed is the number of operations an injected fault (the fault plan's
// EIO or ENOSPC) has failed so far.
func (fs *FS) Failed() int { return fs.failed }

// FailedClass is the number of operations of class c an injected fault has
// failed so far.
func (fs *FS) FailedClass(c Class) int { return fs.failedBy[c] }
