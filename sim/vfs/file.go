package vfs

import "slices"

// File is an open file (struct file) on a regular file, opened read-write.
// It holds a reference on its inode: an unlinked inode lives while a File
// has it open. A File dies at Close and at a crash; using a dead File is
// EBADF.
type File struct {
	fs     *FS
	ino    Ino
	gen    uint64
	closed bool
}

// Ino is the file's inode number (file_inode(file)->i_ino).
func (f *File) Ino() Ino { return f.ino }

func (fs *FS) newFile(ino Ino) *File {
	fs.addOpen(ino, 1)
	return &File{fs: fs, ino: ino, gen: fs.gen}
}

// file checks that f is a live file of this filesystem.
func (fs *FS) file(f *File) (*inode, error) {
	if f == nil || f.fs != fs || f.closed || f.gen != fs.gen {
		return nil, EBADF
	}
	return fs.live.get(f.ino), nil
}

// Open opens a regular file read-write (dentry_open with O_RDWR). Errors:
// EISDIR (directories cannot be opened for writing), ESTALE.
func (fs *FS) Open(ino Ino) (*File, error) {
	if err := fs.begin(ClassLookup); err != nil {
		return nil, err
	}
	n, err := fs.node(ino)
	if err != nil {
		return nil, err
	}
	if n.isDir() {
		return nil, EISDIR
	}
	return fs.newFile(ino), nil
}

// Close drops the file's reference (fput). The last close of an inode with
// no links frees it and its blocks (the orphan or the never-linked tmpfile
// goes); that release is logged like any mutation. Errors: EBADF.
func (fs *FS) Close(f *File) error {
	fs.begin(ClassClose)
	n, err := fs.file(f)
	if err != nil {
		return err
	}
	f.closed = true
	fs.addOpen(f.ino, -1)
	if fs.openCount(f.ino) > 0 {
		return nil
	}
	if n.nlink == 0 {
		fs.commit(op{kind: opRelease, ino: f.ino})
		fs.unmark(f.ino)
	}
	return nil
}

// Read reads up to n bytes at off (kernel_read, vfs_iter_read). Holes and
// unwritten blocks read as zeros; a read reaching EOF is short, one at or
// past EOF returns no bytes. Errors: EBADF, EINVAL (negative off or n).
func (fs *FS) Read(f *File, off int64, n int) ([]byte, error) {
	if err := fs.begin(ClassRead); err != nil {
		return nil, err
	}
	node, err := fs.file(f)
	if err != nil {
		return nil, err
	}
	if off < 0 || n < 0 {
		return nil, EINVAL
	}
	if n > 0 {
		fs.accessed(node)
	}
	if off >= node.size {
		return []byte{}, nil
	}
	end := min(off+int64(n), node.size)
	out := make([]byte, end-off)
	bs := fs.opts.BlockSize
	for b := off / bs; b*bs < end; b++ {
		if d := node.blocks[b]; d != nil {
			lo, hi := max(off, b*bs), min(end, (b+1)*bs)
			copy(out[lo-off:hi-off], d[lo-b*bs:hi-b*bs])
		}
	}
	return out, nil
}

// Write writes data at off (kernel_write, vfs_iter_write), allocating the
// blocks it covers and extending the size. It is all or nothing: when the
// free blocks do not cover the new ones it writes nothing and fails with
// ENOSPC (a real filesystem may write a short prefix first). Errors: EBADF,
// EINVAL (negative off), EFBIG, ENOSPC.
func (fs *FS) Write(f *File, off int64, data []byte) (int, error) {
	if err := fs.begin(ClassWrite); err != nil {
		return 0, err
	}
	node, err := fs.file(f)
	if err != nil {
		return 0, err
	}
	if off < 0 {
		return 0, EINVAL
	}
	if len(data) == 0 {
		return 0, nil
	}
	end := off + int64(len(data))
	if end > MaxFileSize {
		return 0, EFBIG
	}
	lo, hi, _, _ := fs.live.blockSpan(off, end)
	if fs.live.holes(node, lo, hi) > fs.freeBlocks() {
		return 0, ENOSPC
	}
	fs.commit(op{kind: opWrite, ino: f.ino, off: off, data: slices.Clone(data)})
	return len(data), nil
}

// Truncate sets the size of a regular file (vfs_truncate, notify_change
// with ATTR_SIZE). Shrinking frees the blocks past the new end (and any
// preallocated past the old one) and zeroes the tail of the last block;
// growing leaves a hole. The fault class is remove for a shrink and write
// for a growth, as in cachefiles' error injection; it is chosen from the
// size before the scheduling point. Errors: EISDIR, EINVAL (negative
// size), EFBIG, ESTALE.
func (fs *FS) Truncate(ino Ino, size int64) error {
	class := ClassWrite
	if n := fs.live.get(ino); n != nil && size < n.size {
		class = ClassRemove
	}
	if err := fs.begin(class); err != nil {
		return err
	}
	n, err := fs.node(ino)
	if err != nil {
		return err
	}
	switch {
	case n.isDir():
		return EISDIR
	case size < 0:
		return EINVAL
	case size > MaxFileSize:
		return EFBIG
	}
	fs.commit(op{kind: opTruncate, ino: ino, off: size})
	return nil
}

// FallocMode is fallocate(2)'s mode, with the kernel's bit values.
type FallocMode uint32

const (
	FallocKeepSize  FallocMode = 0x01 // FALLOC_FL_KEEP_SIZE
	FallocPunchHole FallocMode = 0x02 // FALLOC_FL_PUNCH_HOLE (needs KEEP_SIZE)
	FallocZeroRange FallocMode = 0x10 // FALLOC_FL_ZERO_RANGE
)

// Fallocate manipulates the space of [off, off+length) (vfs_fallocate):
//
//   - mode 0 or KEEP_SIZE allocates the blocks that are holes as unwritten
//     blocks (counted in i_blocks, read as zeros, and holes to SEEK_DATA,
//     as on ext4 and xfs) and, without KEEP_SIZE, extends the size;
//   - PUNCH_HOLE|KEEP_SIZE frees the blocks wholly inside the range and
//     zeroes the bytes of the partial blocks at its edges;
//   - ZERO_RANGE turns the blocks wholly inside the range into unwritten
//     ones (allocating holes) and zeroes the bytes of the partial blocks at
//     its edges, extending the size unless KEEP_SIZE is given.
//
// Errors in the kernel's order: EBADF, EINVAL (negative off, length <= 0),
// EOPNOTSUPP (unknown bits, PUNCH_HOLE without KEEP_SIZE, PUNCH_HOLE with
// ZERO_RANGE), EFBIG, ENOSPC (all or nothing, as for Write).
func (fs *FS) Fallocate(f *File, mode FallocMode, off, length int64) error {
	class := ClassWrite
	if mode&FallocPunchHole != 0 {
		class = ClassRemove
	}
	if err := fs.begin(class); err != nil {
		return err
	}
	node, err := fs.file(f)
	if err != nil {
		return err
	}
	switch {
	case off < 0 || length <= 0:
		return EINVAL
	case mode&^(FallocKeepSize|FallocPunchHole|FallocZeroRange) != 0,
		mode&FallocPunchHole != 0 && mode&FallocZeroRange != 0,
		mode&FallocPunchHole != 0 && mode&FallocKeepSize == 0:
		return EOPNOTSUPP
	case off+length > MaxFileSize:
		return EFBIG
	}
	if mode&FallocPunchHole == 0 {
		// Allocation covers every block of the range; a zero-range only
		// the whole blocks (its partial edges are zeroed in place).
		lo, hi, wlo, whi := fs.live.blockSpan(off, off+length)
		if mode&FallocZeroRange != 0 {
			lo, hi = wlo, whi
		}
		if fs.live.holes(node, lo, hi) > fs.freeBlocks() {
			return ENOSPC
		}
	}
	fs.commit(op{kind: opFallocate, ino: f.ino, mode: uint32(mode), off: off, n: length})
	return nil
}

// SeekData is lseek(SEEK_DATA) (vfs_llseek): the first offset at or after
// off that lies in written data. Allocation is tracked per block, so the
// answer is off itself or the start of a block. Errors: ENXIO when off is
// negative or at or past EOF, or no data follows off; EBADF.
func (fs *FS) SeekData(f *File, off int64) (int64, error) {
	return fs.seek(f, off, true)
}

// SeekHole is lseek(SEEK_HOLE): the first offset at or after off in a hole
// or an unwritten block, or EOF, the implicit hole at the end of every file.
// Errors: ENXIO when off is negative or at or past EOF; EBADF.
func (fs *FS) SeekHole(f *File, off int64) (int64, error) {
	return fs.seek(f, off, false)
}

func (fs *FS) seek(f *File, off int64, data bool) (int64, error) {
	if err := fs.begin(ClassRead); err != nil {
		return 0, err
	}
	node, err := fs.file(f)
	if err != nil {
		return 0, err
	}
	if off < 0 || off >= node.size {
		return 0, ENXIO
	}
	bs := fs.opts.BlockSize
	start := off / bs
	if !data {
		// Walk the written blocks from off: bounded by the allocation.
		b := start
		for node.blocks[b] != nil && b*bs < node.size {
			b++
		}
		return min(max(off, b*bs), node.size), nil
	}
	// The first written block at or after off's block: a minimum over the
	// allocated blocks, whatever order the map gives them in.
	first := int64(-1)
	//sim:orderless the minimum block index does not depend on order
	for b, d := range node.blocks {
		if d != nil && b >= start && b*bs < node.size && (first < 0 || b < first) {
			first = b
		}
	}
	if first < 0 {
		return 0, ENXIO
	}
	return max(off, first*bs), nil
}
