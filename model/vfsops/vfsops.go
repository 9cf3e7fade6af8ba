package vfsops

import (
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// isAncestor reports whether directory a is d or one of d's ancestors
// (the d_parent walk of lock_two_directories).
func isAncestor(fs *vfs.FS, a, d vfs.Ino) bool {
	for i := 0; i < 1<<16; i++ {
		if d == a {
			return true
		}
		p, ok := fs.Parent(d)
		if !ok || p == d {
			return false
		}
		d = p
	}
	return false
}

// LockRename is lock_rename(p1, p2): one directory's lock if they are the
// same; otherwise s_vfs_rename_mutex, then the ancestor first if one
// directory is an ancestor of the other, else p1 then p2. The returned
// function is unlock_rename.
func LockRename(t *sim.Thread, fs *vfs.FS, p1, p2 vfs.Ino) (unlock func()) {
	l1 := fs.ILock(p1)
	if p1 == p2 {
		l1.Lock(t)
		return func() { l1.Unlock(t) }
	}
	m := fs.RenameMutex()
	m.Lock(t)
	l2 := fs.ILock(p2)
	if isAncestor(fs, p2, p1) {
		l2.Lock(t)
		l1.Lock(t)
	} else {
		l1.Lock(t)
		l2.Lock(t)
	}
	return func() {
		l1.Unlock(t)
		l2.Unlock(t)
		m.Unlock(t)
	}
}

// Unlink is vfs_unlink(): remove name, inode victim, from dir, which the
// caller holds locked; the victim's own lock is taken around the removal.
func Unlink(t *sim.Thread, fs *vfs.FS, dir vfs.Ino, name string, victim vfs.Ino) error {
	l := fs.ILock(victim)
	l.Lock(t)
	err := fs.Unlink(dir, name)
	l.Unlock(t)
	return err
}

// Rmdir is vfs_rmdir(): remove the directory name, inode victim, from dir,
// which the caller holds locked; the victim's lock is taken around the
// removal (so a directory cachefiles marks in use under that lock is
// either removed before or refused with EBUSY after).
func Rmdir(t *sim.Thread, fs *vfs.FS, dir vfs.Ino, name string, victim vfs.Ino) error {
	l := fs.ILock(victim)
	l.Lock(t)
	err := fs.Rmdir(dir, name)
	l.Unlock(t)
	return err
}

// Rename is vfs_rename() without flags: move odir/oname (inode src) to
// ndir/nname (inode target, 0 if none), both parents held by the caller
// (LockRename). A directory moving to another parent is locked, as is a
// target; two non-directories are locked in inode order
// (lock_two_nondirectories). After a rename, the new parent's directory
// watches fire (fsnotify_move), the parents still held.
func Rename(t *sim.Thread, fs *vfs.FS, odir vfs.Ino, oname string, src vfs.Ino, ndir vfs.Ino, nname string, target vfs.Ino) error {
	st, err := fs.Stat(src)
	if err != nil {
		return err
	}
	var locks []*vfs.ILock
	if st.IsDir() {
		if odir != ndir {
			locks = append(locks, fs.ILock(src))
		}
		if target != 0 {
			locks = append(locks, fs.ILock(target))
		}
	} else {
		a, b := src, target
		if b != 0 && b < a {
			a, b = b, a
		}
		locks = append(locks, fs.ILock(a))
		if b != 0 && b != a {
			locks = append(locks, fs.ILock(b))
		}
	}
	for _, l := range locks {
		l.Lock(t)
	}
	err = fs.Rename(odir, oname, ndir, nname)
	for i := len(locks) - 1; i >= 0; i-- {
		locks[i].Unlock(t)
	}
	if err == nil {
		// fsnotify_move: FS_MOVED_TO on the new parent, the parents
		// still locked by the caller.
		fs.NotifyCreate(t, ndir)
	}
	return err
}

// Lookup is a path walk's last component (walk_component): a name found is
// a dcache hit, taken without a lock (lookup_fast); a miss goes through
// lookup_slow, which looks again under the directory's shared lock.
func Lookup(t *sim.Thread, fs *vfs.FS, dir vfs.Ino, name string) (vfs.Ino, error) {
	ino, err := fs.Lookup(dir, name)
	if err != vfs.ENOENT {
		return ino, err
	}
	l := fs.ILock(dir)
	l.LockShared(t)
	ino, err = fs.Lookup(dir, name)
	l.UnlockShared(t)
	return ino, err
}

// Fstatat is fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW): the lookup, then
// vfs_getattr, which takes no lock.
func Fstatat(t *sim.Thread, fs *vfs.FS, dir vfs.Ino, name string) (vfs.Stat, error) {
	ino, err := Lookup(t, fs, dir, name)
	if err != nil {
		return vfs.Stat{}, err
	}
	return fs.Stat(ino)
}

// Getdents is getdents64 to the end of the directory: iterate_dir under
// the directory's shared lock (ext4 and xfs iterate shared).
func Getdents(t *sim.Thread, fs *vfs.FS, dir vfs.Ino) ([]vfs.Dirent, error) {
	l := fs.ILock(dir)
	l.LockShared(t)
	ents, err := fs.Readdir(dir)
	l.UnlockShared(t)
	return ents, err
}

// Unlinkat is unlinkat(dirfd, name, 0), do_unlinkat: the parent locked,
// the name looked up under it, vfs_unlink.
func Unlinkat(t *sim.Thread, fs *vfs.FS, dir vfs.Ino, name string) error {
	l := fs.ILock(dir)
	l.Lock(t)
	defer l.Unlock(t)
	victim, err := fs.Lookup(dir, name)
	if err != nil {
		return err
	}
	if st, err := fs.Stat(victim); err == nil && st.IsDir() {
		return vfs.EISDIR
	}
	return Unlink(t, fs, dir, name, victim)
}

// Rmdirat is unlinkat(dirfd, name, AT_REMOVEDIR), do_rmdir: the parent
// locked, the name looked up under it, vfs_rmdir.
func Rmdirat(t *sim.Thread, fs *vfs.FS, dir vfs.Ino, name string) error {
	l := fs.ILock(dir)
	l.Lock(t)
	defer l.Unlock(t)
	victim, err := fs.Lookup(dir, name)
	if err != nil {
		return err
	}
	return Rmdir(t, fs, dir, name, victim)
}

// Renameat is renameat(odir, oname, ndir, nname), do_renameat2:
// lock_rename(new parent, old parent), both names looked up under the
// locks, vfs_rename.
func Renameat(t *sim.Thread, fs *vfs.FS, odir vfs.Ino, oname string, ndir vfs.Ino, nname string) error {
	unlock := LockRename(t, fs, ndir, odir)
	defer unlock()
	src, err := fs.Lookup(odir, oname)
	if err != nil {
		return err
	}
	target, err := fs.Lookup(ndir, nname)
	if err != nil && err != vfs.ENOENT {
		return err
	}
	return Rename(t, fs, odir, oname, src, ndir, nname, target)
}
