// Package vfs is the virtual disk: an in-memory filesystem with the VFS
// semantics cachefiles relies on (fscache-spec §10) — lookup, mkdir,
// O_TMPFILE and link, unlink, rmdir, rename (into a graveyard), xattrs,
// SEEK_DATA/SEEK_HOLE, truncate, fallocate punch-hole and zero-range,
// statfs, the S_KERNEL_FILE in-use mark, i_blocks accounting and inode
// timestamps on the virtual clock (atime under relatime; times.go) — plus the
// two things a real disk gives a simulator only by accident: a crash model
// and fault injection, both driven by recorded decisions.
//
// # Imports
//
// vfs imports only the standard library's pure packages (fmt, slices,
// strings, ...) and sim, for sim.Ratio, sim.Time and the inode locks
// (ilock.go: sim.RWSem, sim.Mutex). No goroutines, no
// time, math/rand, os or sync outside tests; map order never reaches a
// result (keys are sorted). The differential test alone uses the host's
// filesystem, through os and golang.org/x/sys/unix.
//
// # Model
//
// Inodes are named by number (Ino; the root is 2, then 3, 4, ... never
// reused), which is what cachefiles' tracepoints print as B=. Directories
// and regular files only. Namespace operations take a directory and a
// single name component, like the kernel's lookup_one_len/vfs_* calls on a
// locked parent. Data operations take an open *File: an unlinked file lives
// on while open (an orphan) and an O_TMPFILE inode is freed at its last
// Close unless linked. File data is kept per block: a block is a hole,
// allocated but unwritten (fallocate, zero-range: reads as zeros, counts in
// i_blocks, a hole to SEEK_DATA as on ext4/xfs), or written. A directory
// takes one block. Errors are Errno values with the kernel's numbers and
// names, returned in the kernel's order of checks.
//
// # Durability
//
// Every mutating call changes the live tree and appends one op to an
// ordered pending log; Fsync and Syncfs make a prefix of it durable (the
// durable tree replays the durable ops lazily, when a crash needs it). Crash(keep) keeps the first keep pending ops and drops the
// rest, so every post-crash state is one the filesystem passed through (see
// sync.go for why a prefix). Options.MaxPending bounds the log: past it the
// oldest op becomes durable, as a periodic journal commit would make it.
// After a crash, files, open counts and in-use marks are gone, and
// unlinked inodes are reclaimed.
//
// # Faults and scheduling points
//
// Every operation that could block in the kernel starts with begin: it
// draws the operation class's faults (EIO, ENOSPC, slow) through the
// Options.Decide hook and then calls the Options.Wait hook with the class
// and the extra latency of a slow operation. The model wires Decide to
// Kernel.Chance(sim.CompDisk, p), making each fault a recorded decision,
// and Wait to the current thread's Sleep(delay), which is a scheduling
// point even for a zero delay. The operation then runs to completion
// without another scheduling point, so it is atomic, like a sim.Atomic
// operation. Stat, InUse, Pending and the leak-check accessors read
// in-memory state and are not scheduling points.
//
// Hooks rather than wrappers taking a *sim.Thread: a wrapper per operation
// would double the API, and a caller that forgot to use it would lose the
// scheduling point silently; with the hook the scheduling point cannot be
// skipped once the world is wired, and plain unit tests need no kernel at
// all (nil hooks: no faults, no scheduling points). The cost is that the
// hook finds the running thread itself (Kernel.Current()); a call made
// outside any thread (world setup) must not sleep.
//
// # Example
//
// An object committed the way cachefiles does it (see Example for the
// runnable version):
//
//	fs := vfs.New(vfs.Options{Blocks: 1024})
//	dir, _ := fs.Mkdir(fs.Root(), "cache", 0o700)
//	fs.Syncfs()
//	f, _ := fs.Tmpfile(dir, 0o600)
//	fs.Write(f, 0, []byte("data"))
//	fs.Setxattr(f.Ino(), "user.CacheFiles.cache", aux, 0)
//	fs.Link(f.Ino(), dir, "Dkey")
//	fs.Close(f)
//	fs.Crash(0)                      // the last four ops were not synced
//	_, err := fs.Lookup(dir, "Dkey") // ENOENT
package vfs
