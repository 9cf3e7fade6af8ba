// Package vfsops is the syscall layer between user space and the virtual
// disk: the VFS entry points of Linux 6.12's fs/namei.c, fs/readdir.c and
// fs/stat.c with the inode locks they take, so that a user-space actor (the
// simulated cachefilesd, a test's "admin" process) contends with cachefiles
// on the same i_rwsem and s_vfs_rename_mutex (vfs.FS.ILock,
// vfs.FS.RenameMutex) as it would on a real machine, and cannot land in the
// middle of a sequence cachefiles runs under a directory's lock.
//
// Two layers, as in the kernel:
//
//   - the vfs_* helpers (Unlink, Rmdir, Rename) are called with the
//     parent directories already locked and lock the victim inodes
//     themselves (vfs_unlink, vfs_rmdir, vfs_rename); cachefiles calls
//     them from its burial and deletion paths;
//   - the syscalls (Unlinkat, Rmdirat, Renameat, Getdents, Lookup,
//     Fstatat) take the parent locks first (do_unlinkat, do_rmdir,
//     do_renameat2 with lock_rename, iterate_dir, lookup_slow).
//
// # Deliberate difference: the dentry cache
//
// The model has no dcache. A lookup that finds the name is taken as a
// dcache hit (lookup_fast: no lock; the whole disk is in memory, and both
// cachefiles and the daemon looked these names up before); a lookup that
// misses goes the slow way, under the directory's shared lock, and looks
// again (lookup_slow), so a negative answer is never given from inside a
// sequence another thread runs with that directory locked.
//
// # Imports
//
// sim and sim/vfs only; like the rest of model/, no goroutines, time, os,
// sync or math/rand.
//
// # Example
//
//	ents, err := vfsops.Getdents(t, fs, dir)
//	for _, e := range ents {
//		st, err := vfsops.Fstatat(t, fs, dir, e.Name)
//		...
//	}
//	err = vfsops.Renameat(t, fs, dir, "x", graveyard, "x1") // lock_rename(graveyard, dir)
package vfsops
