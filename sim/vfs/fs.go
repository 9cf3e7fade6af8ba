package vfs

import (
	"fmt"
	"slices"

	"github.com/fscachesim/fscachesim/sim"
)

// Ino is an inode number. Inode numbers are handed out in increasing order
// and never reused, not even after a crash, so a number held past the
// inode's death gives ESTALE rather than another file.
type Ino uint64

// RootIno is the root directory's inode number (ext4's EXT4_ROOT_INO).
const RootIno Ino = 2

// Mode bits, with the kernel's values (S_IFMT, S_IFDIR, S_IFREG).
const (
	ModeType    uint32 = 0o170000
	ModeDir     uint32 = 0o040000
	ModeRegular uint32 = 0o100000
	ModePerm    uint32 = 0o7777
)

// Limits with the kernel's values.
const (
	NameMax      = 255     // NAME_MAX: longest directory entry name
	XattrNameMax = 255     // XATTR_NAME_MAX: longest xattr name
	XattrSizeMax = 65536   // XATTR_SIZE_MAX: largest xattr value the syscall accepts
	MaxFileSize  = 1 << 44 // s_maxbytes of ext4 with 4 KiB blocks (16 TiB)
)

// Options configure a filesystem. Zero fields take the defaults.
type Options struct {
	// BlockSize is the filesystem block size (statfs f_bsize); a power of
	// two from 512 to 65536. Default 4096.
	BlockSize int64
	// Blocks is the capacity in blocks. Default 262144 (1 GiB of 4 KiB).
	Blocks int64
	// Inodes is the number of inodes, the root included. Default 65536.
	Inodes int64
	// ReservedBlocks are kept out of f_bavail, like ext4's reserve for
	// root. Allocation may use them (cachefiles runs with the daemon's
	// credentials, normally root), so only ENOSPC at zero free blocks.
	ReservedBlocks int64
	// XattrValueMax is the largest xattr value; a larger one is E2BIG.
	// Default and ceiling XattrSizeMax (64 KiB).
	XattrValueMax int
	// XattrInodeMax bounds the xattrs of one inode: the sum over its
	// xattrs of len(name)+len(value). Exceeding it is ENOSPC, as when an
	// ext4 inode's xattrs outgrow their one block. Default 4096.
	XattrInodeMax int
	// MaxPending bounds the pending log: when a mutation would make it
	// longer, its oldest op becomes durable, as the kernel's periodic
	// journal commit and writeback would have made it by then. It bounds
	// the memory of a run that never syncs. Default 1024.
	MaxPending int
	// Faults is the initial fault plan (see SetFaults).
	Faults Faults
	// Decide draws one fault: it is asked "<class>:<fault>" (for example
	// "write:EIO") with the probability p, and answers yes or no. The
	// model wires it to Kernel.Chance(sim.CompDisk, p), so every fault is
	// a recorded decision and a replay reproduces it. Nil: no faults.
	Decide func(class string, p sim.Ratio) bool
	// Now reads the virtual clock for the inode timestamps (the model
	// wires it to Kernel.Now). Nil: every timestamp is 0.
	Now func() sim.Time
	// Wait is the scheduling point of every operation that can block in
	// the kernel, called with the operation's class and its extra latency
	// (0, or the slow-I/O delay). The model wires it to the current
	// thread's Sleep(delay), which yields even for 0. Nil: none (unit tests).
	Wait func(class string, delay sim.Time)
}

// FS is a simulated filesystem: a live tree, a durable tree and the ordered
// log of mutations made since the last sync.
type FS struct {
	opts    Options
	faults  Faults
	faulty  bool // faults can fire (Faults.any): begin draws nothing otherwise
	live    *tree
	durable *tree // the durable image, but for the ops of log[:done]
	log     opLog // its first done ops: durable, not yet applied to durable (sync.go); the rest: pending
	done    int
	flushed int // ops made durable since New or the last crash
	nextIno Ino
	gen     uint64 // bumped by Crash: files opened before it are dead
	opens   []int  // open file references by inode number (volatile)
	inUse   []bool // S_KERNEL_FILE marks by inode number (volatile)
	view    uint64 // ViewGen: bumped by every change of the live tree, the open counts and the marks

	ilocks      []*ILock   // i_rwsem by inode number (ilock.go)
	renameMutex sim.Mutex  // s_vfs_rename_mutex
	dnotify     []*Dnotify // armed directory watches (dnotify.go)

	// Injected faults that failed an operation (views_daemon.go).
	failed   int             // all classes (Failed)
	failedBy [numClasses]int // by class (FailedClass)
}

// openCount is the number of open file references of ino.
func (fs *FS) openCount(ino Ino) int {
	if ino < Ino(len(fs.opens)) {
		return fs.opens[ino]
	}
	return 0
}

// addOpen adds d to the open file references of ino.
func (fs *FS) addOpen(ino Ino, d int) {
	for Ino(len(fs.opens)) <= ino {
		fs.opens = append(fs.opens, 0)
	}
	fs.opens[ino] += d
	fs.view++
}

// marked reports the in-use mark of ino.
func (fs *FS) marked(ino Ino) bool {
	return ino < Ino(len(fs.inUse)) && fs.inUse[ino]
}

// mark sets the in-use mark of ino.
func (fs *FS) mark(ino Ino) {
	for Ino(len(fs.inUse)) <= ino {
		fs.inUse = append(fs.inUse, false)
	}
	fs.inUse[ino] = true
	fs.view++
}

// unmark clears the in-use mark of ino.
func (fs *FS) unmark(ino Ino) {
	if ino < Ino(len(fs.inUse)) {
		fs.inUse[ino] = false
		fs.view++
	}
}

// New makes an empty filesystem: a root directory and nothing else, durable.
func New(opts Options) *FS {
	if opts.BlockSize == 0 {
		opts.BlockSize = 4096
	}
	if opts.BlockSize < 512 || opts.BlockSize > 65536 || opts.BlockSize&(opts.BlockSize-1) != 0 {
		panic(fmt.Sprintf("vfs: block size %d is not a power of two in [512, 65536]", opts.BlockSize))
	}
	if opts.Blocks == 0 {
		opts.Blocks = 262144
	}
	if opts.Inodes == 0 {
		opts.Inodes = 65536
	}
	if opts.XattrValueMax <= 0 || opts.XattrValueMax > XattrSizeMax {
		opts.XattrValueMax = XattrSizeMax
	}
	if opts.XattrInodeMax <= 0 {
		opts.XattrInodeMax = 4096
	}
	if opts.MaxPending <= 0 {
		opts.MaxPending = 1024
	}
	if opts.Blocks < 1 || opts.Inodes < 1 {
		panic("vfs: the root directory needs a block and an inode")
	}
	fs := &FS{opts: opts, nextIno: RootIno + 1}
	fs.durable = newTree(opts.BlockSize)
	fs.live = fs.durable.clone()
	fs.SetFaults(opts.Faults)
	return fs
}

// Root is the root directory.
func (fs *FS) Root() Ino { return RootIno }

// BlockSize is the filesystem block size.
func (fs *FS) BlockSize() int64 { return fs.opts.BlockSize }

// commit applies a validated op to the live tree and appends it to the
// pending log, making the oldest pending op durable if the log is full.
func (fs *FS) commit(o op) {
	o.time = fs.now()
	fs.live.apply(&o)
	fs.view++
	if p := fs.Pending(); p >= fs.opts.MaxPending {
		fs.flush(p - fs.opts.MaxPending + 1)
	}
	fs.log.push(o)
}

// node finds a live inode: ESTALE if it no longer exists.
func (fs *FS) node(ino Ino) (*inode, error) {
	n := fs.live.get(ino)
	if n == nil {
		return nil, ESTALE
	}
	return n, nil
}

// dirNode finds a live directory: ESTALE if gone, ENOTDIR if not a directory.
func (fs *FS) dirNode(ino Ino) (*inode, error) {
	n, err := fs.node(ino)
	if err != nil {
		return nil, err
	}
	if !n.isDir() {
		return nil, ENOTDIR
	}
	return n, nil
}

// checkName validates one path component. Names are single components:
// "", "." and ".." and names holding '/' or NUL are refused (ENOENT for
// the empty name as the kernel does, EINVAL for the rest: the simulated
// callers never use them), longer than NAME_MAX is ENAMETOOLONG.
func checkName(name string) error {
	switch {
	case name == "":
		return ENOENT
	case len(name) > NameMax:
		return ENAMETOOLONG
	case name == "." || name == "..":
		return EINVAL
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '/' || name[i] == 0 {
			return EINVAL
		}
	}
	return nil
}

func (fs *FS) allocIno() (Ino, error) {
	if int64(fs.live.count) >= fs.opts.Inodes {
		return 0, ENOSPC
	}
	ino := fs.nextIno
	fs.nextIno++
	return ino, nil
}

func (fs *FS) freeBlocks() int64 { return fs.opts.Blocks - fs.live.usedBlocks }

// lookupFor is the common start of the namespace operations: dir must be a
// live directory and name a valid component.
func (fs *FS) lookupFor(dir Ino, name string) (*inode, error) {
	d, err := fs.dirNode(dir)
	if err != nil {
		return nil, err
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	return d, nil
}

// LookupCached is a lookup the dentry cache answers (a d_parent or
// d_inode check on a dentry already held): a scheduling point like
// Lookup, but never a disk fault. Errors: ENOENT, ENOTDIR, ESTALE.
func (fs *FS) LookupCached(dir Ino, name string) (Ino, error) {
	if fs.opts.Wait != nil {
		fs.opts.Wait(ClassLookup.String(), 0)
	}
	return fs.find(dir, name)
}

// find is the look-up both Lookup and LookupCached make once they are
// past their scheduling point.
func (fs *FS) find(dir Ino, name string) (Ino, error) {
	d, err := fs.lookupFor(dir, name)
	if err != nil {
		return 0, err
	}
	ino, ok := d.entry(name)
	if !ok {
		return 0, ENOENT
	}
	return ino, nil
}

// Lookup finds name in directory dir (lookup_one_len / the dcache lookup of
// a path walk). Errors: ENOENT, ENOTDIR (dir is not a directory), ESTALE
// (dir is gone), ENAMETOOLONG, EINVAL.
func (fs *FS) Lookup(dir Ino, name string) (Ino, error) {
	if err := fs.begin(ClassLookup); err != nil {
		return 0, err
	}
	return fs.find(dir, name)
}

// Mkdir makes directory name in dir (vfs_mkdir). A directory takes an inode
// and one block. Errors: EEXIST, ENOSPC, ENOTDIR, ESTALE, ENAMETOOLONG, EINVAL.
func (fs *FS) Mkdir(dir Ino, name string, mode uint32) (Ino, error) {
	if err := fs.begin(ClassCreate); err != nil {
		return 0, err
	}
	d, err := fs.lookupFor(dir, name)
	if err != nil {
		return 0, err
	}
	if _, ok := d.entry(name); ok {
		return 0, EEXIST
	}
	if fs.freeBlocks() < 1 {
		return 0, ENOSPC
	}
	ino, err := fs.allocIno()
	if err != nil {
		return 0, err
	}
	fs.commit(op{kind: opMkdir, ino: ino, dir: dir, name: name, mode: mode})
	return ino, nil
}

// Create makes and opens regular file name in dir
// (open(O_CREAT|O_EXCL|O_RDWR), vfs_create). Errors: EEXIST, ENOSPC
// (no free inode), ENOTDIR, ESTALE, ENAMETOOLONG, EINVAL.
func (fs *FS) Create(dir Ino, name string, mode uint32) (*File, error) {
	if err := fs.begin(ClassCreate); err != nil {
		return nil, err
	}
	d, err := fs.lookupFor(dir, name)
	if err != nil {
		return nil, err
	}
	if _, ok := d.entry(name); ok {
		return nil, EEXIST
	}
	ino, err := fs.allocIno()
	if err != nil {
		return nil, err
	}
	fs.commit(op{kind: opCreate, ino: ino, dir: dir, name: name, mode: mode})
	return fs.newFile(ino), nil
}

// Tmpfile makes and opens an unnamed regular file in dir
// (open(O_TMPFILE|O_RDWR), vfs_tmpfile) and returns the open file, its only
// reference, as O_TMPFILE does: nlink 0, until Link gives it a name;
// if never linked it is freed when its last file is closed, and it does
// not survive a crash. Errors: ENOSPC (no free inode), ENOTDIR, ESTALE.
func (fs *FS) Tmpfile(dir Ino, mode uint32) (*File, error) {
	if err := fs.begin(ClassCreate); err != nil {
		return nil, err
	}
	if _, err := fs.dirNode(dir); err != nil {
		return nil, err
	}
	ino, err := fs.allocIno()
	if err != nil {
		return nil, err
	}
	fs.commit(op{kind: opTmpfile, ino: ino, dir: dir, mode: mode})
	return fs.newFile(ino), nil
}

// Link gives inode ino the name name in dir (vfs_link; linkat of an
// O_TMPFILE through /proc/self/fd with AT_SYMLINK_FOLLOW). A linked file
// gains a link; a tmpfile becomes a named file. Errors in the kernel's
// order: ESTALE (ino or dir gone), ENOTDIR, ENAMETOOLONG, EINVAL, EEXIST,
// EPERM (ino is a directory), ENOENT (ino has no links and is not a
// never-linked tmpfile: an unlinked file cannot be brought back).
func (fs *FS) Link(ino Ino, dir Ino, name string) error {
	if err := fs.begin(ClassCreate); err != nil {
		return err
	}
	n, err := fs.node(ino)
	if err != nil {
		return err
	}
	d, err := fs.lookupFor(dir, name)
	if err != nil {
		return err
	}
	if _, ok := d.entry(name); ok {
		return EEXIST
	}
	if n.isDir() {
		return EPERM
	}
	if n.nlink == 0 && !n.linkable {
		return ENOENT
	}
	fs.commit(op{kind: opLink, ino: ino, dir: dir, name: name})
	return nil
}

// Unlink removes the non-directory name from dir (vfs_unlink). The inode
// is freed with its blocks when its last link goes and no file has it
// open; an open one lives on as an orphan until its last Close. The
// in-use mark does not prevent unlinking (cachefiles' cull relies on
// that). Errors: ENOENT, EISDIR (name is a directory), ENOTDIR, ESTALE,
// ENAMETOOLONG, EINVAL.
func (fs *FS) Unlink(dir Ino, name string) error {
	ino, n, err := fs.removeTarget(dir, name)
	if err != nil {
		return err
	}
	if n.isDir() {
		return EISDIR
	}
	free := n.nlink == 1 && fs.openCount(ino) == 0
	fs.commit(op{kind: opUnlink, ino: ino, dir: dir, name: name, free: free})
	if free {
		fs.unmark(ino)
	}
	return nil
}

// Rmdir removes the empty directory name from dir (vfs_rmdir). Errors in
// the kernel's order: ENOENT, ENOTDIR (name is not a directory, or dir is
// not), EBUSY (the directory carries the in-use mark, S_KERNEL_FILE),
// ENOTEMPTY, ESTALE, ENAMETOOLONG, EINVAL.
func (fs *FS) Rmdir(dir Ino, name string) error {
	ino, n, err := fs.removeTarget(dir, name)
	if err != nil {
		return err
	}
	switch {
	case !n.isDir():
		return ENOTDIR
	case fs.marked(ino):
		return EBUSY
	case len(n.entries) > 0:
		return ENOTEMPTY
	}
	fs.commit(op{kind: opRmdir, ino: ino, dir: dir, name: name})
	fs.unmark(ino)
	return nil
}

// removeTarget is what Unlink and Rmdir do first: the fault point of a
// removal, the lookup of dir (ENOTDIR, ESTALE, ENAMETOOLONG, EINVAL) and
// of name in it (ENOENT).
func (fs *FS) removeTarget(dir Ino, name string) (Ino, *inode, error) {
	if err := fs.begin(ClassRemove); err != nil {
		return 0, nil, err
	}
	d, err := fs.lookupFor(dir, name)
	if err != nil {
		return 0, nil, err
	}
	ino, ok := d.entry(name)
	if !ok {
		return 0, nil, ENOENT
	}
	return ino, fs.live.inodes[ino], nil
}

// isAncestor reports whether directory a is d or one of d's ancestors.
func (fs *FS) isAncestor(a, d Ino) bool {
	for {
		if d == a {
			return true
		}
		if d == RootIno {
			return false
		}
		d = fs.live.inodes[d].parent
	}
}

// Rename moves olddir/oldname to newdir/newname (vfs_rename with no
// flags), replacing an existing target: a file may replace a file, a
// directory an empty directory. A replaced inode loses a link and is freed
// like an unlinked one. Renaming a name onto a link of the same inode does
// nothing. Errors in the kernel's order: ESTALE, ENOTDIR (a parent is not
// a directory), ENAMETOOLONG, EINVAL (bad name), ENOENT (no oldname),
// EINVAL (moving a directory into itself or its own subtree), ENOTEMPTY
// (the target is an ancestor of the source), ENOTDIR (a directory over a
// non-directory), EISDIR (a non-directory over a directory), ENOTEMPTY
// (over a non-empty directory).
func (fs *FS) Rename(olddir Ino, oldname string, newdir Ino, newname string) error {
	if err := fs.begin(ClassRename); err != nil {
		return err
	}
	od, err := fs.lookupFor(olddir, oldname)
	if err != nil {
		return err
	}
	nd, err := fs.lookupFor(newdir, newname)
	if err != nil {
		return err
	}
	ino, ok := od.entry(oldname)
	if !ok {
		return ENOENT
	}
	n := fs.live.inodes[ino]
	victim, _ := nd.entry(newname)
	if n.isDir() && fs.isAncestor(ino, newdir) {
		return EINVAL
	}
	if victim != 0 && fs.isAncestor(victim, olddir) {
		return ENOTEMPTY
	}
	if victim == ino {
		return nil
	}
	free := false
	if victim != 0 {
		v := fs.live.inodes[victim]
		switch {
		case n.isDir() && !v.isDir():
			return ENOTDIR
		case !n.isDir() && v.isDir():
			return EISDIR
		case v.isDir() && len(v.entries) > 0:
			return ENOTEMPTY
		}
		free = v.isDir() || (v.nlink == 1 && fs.openCount(victim) == 0)
	}
	fs.commit(op{kind: opRename, ino: ino, dir: olddir, name: oldname, to: &renameTo{dir2: newdir, name2: newname, victim: victim}, free: free})
	if free {
		fs.unmark(victim)
	}
	return nil
}

// Dirent is one directory entry.
type Dirent struct {
	Name string
	Ino  Ino
	Dir  bool
}

// Readdir lists directory dir sorted by name, without "." and ".."
// (iterate_dir). Errors: ENOTDIR, ESTALE.
func (fs *FS) Readdir(dir Ino) ([]Dirent, error) {
	if err := fs.begin(ClassLookup); err != nil {
		return nil, err
	}
	d, err := fs.dirNode(dir)
	if err != nil {
		return nil, err
	}
	out := make([]Dirent, 0, len(d.entries))
	for _, e := range d.entries {
		out = append(out, Dirent{Name: e.name, Ino: e.ino, Dir: fs.live.inodes[e.ino].isDir()})
	}
	fs.accessed(d)
	return out, nil
}

// Stat is what stat(2) reports of an inode, and the in-use mark.
type Stat struct {
	Ino    Ino
	Mode   uint32 // type and permission bits
	Nlink  uint32
	Size   int64
	Blocks int64 // allocation in 512-byte units (st_blocks, i_blocks)
	InUse  bool  // S_KERNEL_FILE
	// Timestamps on the virtual clock (st_atime, st_mtime, st_ctime);
	// see times.go for when each moves.
	Atime, Mtime, Ctime sim.Time
}

// IsDir reports whether the inode is a directory.
func (s Stat) IsDir() bool { return s.Mode&ModeType == ModeDir }

// Stat reports an inode's attributes (vfs_getattr, i_size_read,
// inode->i_blocks). A directory's size is one block, as on ext4. It reads in-memory state: not a scheduling point, no
// faults. Errors: ESTALE.
func (fs *FS) Stat(ino Ino) (Stat, error) {
	n, err := fs.node(ino)
	if err != nil {
		return Stat{}, err
	}
	size := n.size
	if n.isDir() {
		size = fs.opts.BlockSize
	}
	return Stat{Ino: ino, Mode: n.mode, Nlink: n.nlink, Size: size,
		Blocks: n.nblocks() * fs.opts.BlockSize / 512, InUse: fs.marked(ino),
		Atime: n.atime, Mtime: n.mtime, Ctime: n.ctime}, nil
}

// Statfs is what statfs(2) reports.
type Statfs struct {
	Bsize  int64 // f_bsize
	Blocks int64 // f_blocks
	Bfree  int64 // f_bfree
	Bavail int64 // f_bavail: free less the reserve
	Files  int64 // f_files
	Ffree  int64 // f_ffree
}

// Statfs reports the space and inodes (vfs_statfs). Errors: only injected.
func (fs *FS) Statfs() (Statfs, error) {
	if err := fs.begin(ClassStatfs); err != nil {
		return Statfs{}, err
	}
	free := fs.freeBlocks()
	return Statfs{Bsize: fs.opts.BlockSize, Blocks: fs.opts.Blocks, Bfree: free,
		Bavail: max(free-fs.opts.ReservedBlocks, 0),
		Files:  fs.opts.Inodes, Ffree: fs.opts.Inodes - int64(fs.live.count)}, nil
}

// SetInUse sets the in-use mark S_KERNEL_FILE on an inode, as cachefiles'
// cachefiles_mark_inode_in_use does under the inode lock. The mark is in
// memory only: a crash clears it. Errors: EBUSY (already marked), ESTALE.
func (fs *FS) SetInUse(ino Ino) error {
	fs.begin(ClassInode)
	if _, err := fs.node(ino); err != nil {
		return err
	}
	if fs.marked(ino) {
		return EBUSY
	}
	fs.mark(ino)
	return nil
}

// ClearInUse clears the in-use mark (cachefiles_do_unmark_inode_in_use);
// clearing an unmarked inode is allowed, as in the kernel. Errors: ESTALE.
func (fs *FS) ClearInUse(ino Ino) error {
	fs.begin(ClassInode)
	if _, err := fs.node(ino); err != nil {
		return err
	}
	fs.unmark(ino)
	return nil
}

// InUse reports the in-use mark (IS_KERNEL_FILE) without a scheduling point.
func (fs *FS) InUse(ino Ino) bool { return fs.marked(ino) }

// InUseInodes lists the marked inodes in order, for leak checks.
func (fs *FS) InUseInodes() []Ino {
	out := []Ino{}
	for ino, m := range fs.inUse {
		if m {
			out = append(out, Ino(ino))
		}
	}
	return out
}

// OpenFiles counts the open file references, for leak checks.
func (fs *FS) OpenFiles() int {
	c := 0
	for _, v := range fs.opens {
		c += v
	}
	return c
}

// Fsck checks the consistency of the live and the durable trees and of the
// volatile state: block and inode accounting, link counts, directory
// parents, zeroed bytes past EOF, no unlinked inode without an open file,
// no mark or open count on a missing inode. It returns the first problem.
func (fs *FS) Fsck() error {
	if err := fs.live.fsck(func(ino Ino) bool { return fs.openCount(ino) > 0 }); err != nil {
		return fmt.Errorf("live: %w", err)
	}
	fs.fold()
	if err := fs.durable.fsck(nil); err != nil {
		return fmt.Errorf("durable: %w", err)
	}
	if fs.live.usedBlocks > fs.opts.Blocks || int64(fs.live.count) > fs.opts.Inodes {
		return fmt.Errorf("live: %d blocks, %d inodes used beyond capacity %d, %d",
			fs.live.usedBlocks, fs.live.count, fs.opts.Blocks, fs.opts.Inodes)
	}
	var opened []Ino
	for ino, n := range fs.opens {
		if n != 0 {
			opened = append(opened, Ino(ino))
		}
	}
	for _, ino := range slices.Concat(fs.InUseInodes(), opened) {
		if fs.live.get(ino) == nil {
			return fmt.Errorf("inode %d is marked or open but does not exist", ino)
		}
	}
	return nil
}
