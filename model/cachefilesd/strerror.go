package cachefilesd

import (
	"errors"

	"github.com/fscachesim/fscachesim/sim/vfs"
)

// glibcMessages are glibc's strerror texts, what cachefilesd's %m prints.
var glibcMessages = map[vfs.Errno]string{
	vfs.EACCES: "Permission denied", vfs.EBADF: "Bad file descriptor",
	vfs.EBUSY: "Device or resource busy", vfs.EEXIST: "File exists",
	vfs.EFBIG: "File too large", vfs.EINTR: "Interrupted system call",
	vfs.EINVAL: "Invalid argument", vfs.EIO: "Input/output error",
	vfs.EISDIR: "Is a directory", vfs.EMSGSIZE: "Message too long",
	vfs.ENAMETOOLONG: "File name too long", vfs.ENOBUFS: "No buffer space available",
	vfs.ENODATA: "No data available", vfs.ENOENT: "No such file or directory",
	vfs.ENOMEM: "Cannot allocate memory", vfs.ENOSPC: "No space left on device",
	vfs.ENOTDIR: "Not a directory", vfs.ENOTEMPTY: "Directory not empty",
	vfs.ENXIO: "No such device or address", vfs.EOPNOTSUPP: "Operation not supported",
	vfs.EPERM: "Operation not permitted", vfs.ERANGE: "Numerical result out of range",
	vfs.EROFS: "Read-only file system", vfs.ESTALE: "Stale file handle",
	vfs.EXDEV: "Invalid cross-device link",
}

// strerror is %m: glibc's message for an errno, the error's own text for
// anything else.
func strerror(err error) string {
	var e vfs.Errno
	if errors.As(err, &e) {
		if s, ok := glibcMessages[e]; ok {
			return s
		}
	}
	return err.Error()
}
