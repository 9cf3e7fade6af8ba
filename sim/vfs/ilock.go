package vfs

import (
	"fmt"

	"github.com/fscachesim/fscachesim/sim"
)

// Inode locks. The virtual disk's operations are atomic (see doc.go), but
// the kernel's callers serialise their multi-step sequences (look a name
// up, check it, then unlink or rename it) with each inode's i_rwsem, and
// cross-directory renames with the superblock's s_vfs_rename_mutex. The
// locks live here, with the inodes, so that every actor on the disk —
// cachefiles and the user-space processes going through the syscall layer
// (model/vfsops) — contends on the same ones, as on a real machine. The
// disk's own calls never take them: whoever calls it takes what the
// kernel's caller would.

// ILock is an inode's i_rwsem: Lock and Unlock are inode_lock and
// inode_unlock, LockShared and UnlockShared inode_lock_shared and
// inode_unlock_shared.
type ILock struct{ sim.RWSem }

// Lock is inode_lock().
func (l *ILock) Lock(t *sim.Thread) { l.DownWrite(t) }

// Unlock is inode_unlock().
func (l *ILock) Unlock(t *sim.Thread) { l.UpWrite(t) }

// LockShared is inode_lock_shared().
func (l *ILock) LockShared(t *sim.Thread) { l.DownRead(t) }

// UnlockShared is inode_unlock_shared().
func (l *ILock) UnlockShared(t *sim.Thread) { l.UpRead(t) }

// ILock is the i_rwsem of inode ino (made on first use; an inode number is
// never reused, so neither is its lock). The locks are in memory: a Crash
// does not reset them, the threads of the crashed boot release what they
// hold as they unwind.
func (fs *FS) ILock(ino Ino) *ILock {
	for Ino(len(fs.ilocks)) <= ino {
		fs.ilocks = append(fs.ilocks, nil)
	}
	l := fs.ilocks[ino]
	if l == nil {
		l = &ILock{}
		l.Name = fmt.Sprintf("i_rwsem B=%x", uint64(ino))
		fs.ilocks[ino] = l
	}
	return l
}

// RenameMutex is the superblock's s_vfs_rename_mutex, which lock_rename
// takes before locking two different directories.
func (fs *FS) RenameMutex() *sim.Mutex {
	if fs.renameMutex.Name == "" {
		fs.renameMutex.Name = "s_vfs_rename_mutex"
	}
	return &fs.renameMutex
}

// Parent is the directory holding directory ino (the dentry's d_parent):
// the root is its own parent. ok is false if ino is not a live directory.
func (fs *FS) Parent(ino Ino) (Ino, bool) {
	if ino >= Ino(len(fs.live.inodes)) {
		return 0, false
	}
	n := fs.live.inodes[ino]
	if n == nil || !n.isDir() {
		return 0, false
	}
	return n.parent, true
}

// AssertLocked fails the run (check "lockset") unless t holds inode ino's
// i_rwsem for writing (inode_lock): lockdep_assert_held at what, an
// operation the kernel makes only with the inode locked (lookup_one_len's
// WARN_ON_ONCE(!inode_is_locked()), vfs_mkdir, vfs_unlink, vfs_link and
// vfs_rename in a locked parent). It makes no lock.
func (fs *FS) AssertLocked(t *sim.Thread, ino Ino, what string) {
	if ino < Ino(len(fs.ilocks)) && fs.ilocks[ino] != nil {
		fs.ilocks[ino].AssertWriteHeld(t, what)
		return
	}
	never := sim.RWSem{Name: fmt.Sprintf("i_rwsem B=%x", uint64(ino))}
	never.AssertWriteHeld(t, what)
}
