package vfs

import (
	"slices"
	"strings"
)

// XattrFlags are setxattr(2)'s flags, with the kernel's values.
type XattrFlags int

const (
	XattrCreate  XattrFlags = 1 // XATTR_CREATE: fail with EEXIST if the attribute exists
	XattrReplace XattrFlags = 2 // XATTR_REPLACE: fail with ENODATA if it does not
)

// xattrPrefixes are the namespaces a name must start with; anything else
// is EOPNOTSUPP, as the VFS's xattr handlers answer.
var xattrPrefixes = []string{"security.", "system.", "trusted.", "user."}

// checkXattrName validates a name: 1..XATTR_NAME_MAX bytes (else ERANGE)
// in a known namespace (else EOPNOTSUPP) with something after the prefix
// (else EINVAL), as xattr_resolve_name answers.
func checkXattrName(name string) error {
	if len(name) == 0 || len(name) > XattrNameMax {
		return ERANGE
	}
	for _, p := range xattrPrefixes {
		if strings.HasPrefix(name, p) {
			if len(name) == len(p) {
				return EINVAL
			}
			return nil
		}
	}
	return EOPNOTSUPP
}

// Getxattr reads an extended attribute (vfs_getxattr). size is the
// caller's buffer size: a value longer than a positive size is ERANGE;
// size 0 returns the whole value (the kernel would return its length).
// Errors: ENODATA (absent), ERANGE, EINVAL (negative size), EOPNOTSUPP,
// ESTALE.
func (fs *FS) Getxattr(ino Ino, name string, size int) ([]byte, error) {
	if err := fs.begin(ClassGetxattr); err != nil {
		return nil, err
	}
	n, err := fs.node(ino)
	if err != nil {
		return nil, err
	}
	if size < 0 {
		return nil, EINVAL
	}
	if err := checkXattrName(name); err != nil {
		return nil, err
	}
	v, ok := n.xattrs[name]
	if !ok {
		return nil, ENODATA
	}
	if size > 0 && len(v) > size {
		return nil, ERANGE
	}
	return slices.Clone(v), nil
}

// Setxattr sets an extended attribute (vfs_setxattr). Limits: a value
// longer than Options.XattrValueMax (default and at most 64 KiB,
// XATTR_SIZE_MAX) is E2BIG; the inode's xattrs together (the sum of name
// and value lengths) may not exceed Options.XattrInodeMax (default 4096,
// one ext4 xattr block), else ENOSPC. Errors in the kernel's order: ESTALE,
// EINVAL (unknown flag bits), ERANGE (bad name length), E2BIG, EOPNOTSUPP
// (unknown namespace), EINVAL (a bare prefix), EEXIST (XattrCreate and present), ENODATA
// (XattrReplace and absent), ENOSPC.
func (fs *FS) Setxattr(ino Ino, name string, value []byte, flags XattrFlags) error {
	if err := fs.begin(ClassSetxattr); err != nil {
		return err
	}
	n, err := fs.node(ino)
	if err != nil {
		return err
	}
	if flags&^(XattrCreate|XattrReplace) != 0 {
		return EINVAL
	}
	if len(name) == 0 || len(name) > XattrNameMax {
		return ERANGE
	}
	if len(value) > fs.opts.XattrValueMax {
		return E2BIG
	}
	if err := checkXattrName(name); err != nil {
		return err
	}
	old, ok := n.xattrs[name]
	switch {
	case ok && flags&XattrCreate != 0:
		return EEXIST
	case !ok && flags&XattrReplace != 0:
		return ENODATA
	}
	total := n.xattrBytes() + len(name) + len(value)
	if ok {
		total -= len(name) + len(old)
	}
	if total > fs.opts.XattrInodeMax {
		return ENOSPC
	}
	fs.commit(op{kind: opSetxattr, ino: ino, name: name, data: slices.Clone(value)})
	return nil
}

// Removexattr removes an extended attribute (vfs_removexattr). Its fault
// class is remove, as in cachefiles' error injection. Errors: ENODATA
// (absent), ERANGE, EOPNOTSUPP, ESTALE.
func (fs *FS) Removexattr(ino Ino, name string) error {
	if err := fs.begin(ClassRemove); err != nil {
		return err
	}
	n, err := fs.node(ino)
	if err != nil {
		return err
	}
	if err := checkXattrName(name); err != nil {
		return err
	}
	if _, ok := n.xattrs[name]; !ok {
		return ENODATA
	}
	fs.commit(op{kind: opRemovexattr, ino: ino, name: name})
	return nil
}

// Listxattr lists the names of an inode's extended attributes, sorted
// (vfs_listxattr; the kernel returns them in storage order). Errors: ESTALE.
func (fs *FS) Listxattr(ino Ino) ([]string, error) {
	if err := fs.begin(ClassGetxattr); err != nil {
		return nil, err
	}
	n, err := fs.node(ino)
	if err != nil {
		return nil, err
	}
	return sortedKeys(n.xattrs), nil
}
