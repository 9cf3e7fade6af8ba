package vfs

import "strconv"

// Errno is an error number, as in the kernel's include/uapi/asm-generic/errno*.h.
// The value is the positive number (ENOENT is 2); a kernel function returning
// it would return its negation, which Neg gives for traces that print e=-2.
// Errno values are comparable: callers test err == vfs.ENOENT.
type Errno int

// The error numbers this package returns, and the few more the cachefiles
// model reports (ENOBUFS, ENOMEM, EINTR, EROFS, EOPNOTSUPP, EACCES, and
// EMSGSIZE from the control device's read), with their Linux
// numbers so that a trace reads like the kernel's and the differential test
// can compare them with the host's.
const (
	EPERM        Errno = 1
	ENOENT       Errno = 2
	EINTR        Errno = 4
	EIO          Errno = 5
	ENXIO        Errno = 6
	E2BIG        Errno = 7
	EBADF        Errno = 9
	ENOMEM       Errno = 12
	EACCES       Errno = 13
	EBUSY        Errno = 16
	EEXIST       Errno = 17
	EXDEV        Errno = 18
	ENOTDIR      Errno = 20
	EISDIR       Errno = 21
	EINVAL       Errno = 22
	EFBIG        Errno = 27
	ENOSPC       Errno = 28
	EROFS        Errno = 30
	ERANGE       Errno = 34
	ENAMETOOLONG Errno = 36
	ENOTEMPTY    Errno = 39
	ENODATA      Errno = 61
	EMSGSIZE     Errno = 90
	EOPNOTSUPP   Errno = 95
	ENOBUFS      Errno = 105
	ESTALE       Errno = 116
)

var errnoNames = map[Errno]string{
	EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EIO: "EIO", ENXIO: "ENXIO",
	E2BIG: "E2BIG", EBADF: "EBADF", ENOMEM: "ENOMEM", EACCES: "EACCES", EBUSY: "EBUSY",
	EEXIST: "EEXIST", EXDEV: "EXDEV", ENOTDIR: "ENOTDIR", EISDIR: "EISDIR",
	EINVAL: "EINVAL", EFBIG: "EFBIG", ENOSPC: "ENOSPC", EROFS: "EROFS",
	ERANGE: "ERANGE", ENAMETOOLONG: "ENAMETOOLONG", ENOTEMPTY: "ENOTEMPTY",
	ENODATA: "ENODATA", EMSGSIZE: "EMSGSIZE", EOPNOTSUPP: "EOPNOTSUPP", ENOBUFS: "ENOBUFS",
	ESTALE: "ESTALE",
}

// Error is the kernel's name for the error ("ENOENT"), or "errno N" for a
// number this package does not name.
func (e Errno) Error() string {
	if s, ok := errnoNames[e]; ok {
		return s
	}
	return "errno " + strconv.Itoa(int(e))
}

// Neg is the value a kernel function returns for the error: -2 for ENOENT.
func (e Errno) Neg() int { return -int(e) }

// Code is the kernel-style return value of err for traces: 0 for nil, the
// negative errno for an Errno, and -EIO for any other error.
func Code(err error) int {
	if err == nil {
		return 0
	}
	if e, ok := err.(Errno); ok {
		return e.Neg()
	}
	return EIO.Neg()
}
