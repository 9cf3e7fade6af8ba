package vfs

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/fscachesim/fscachesim/sim"
)

// A tree is one image of the filesystem: the live one the kernel sees and
// the durable one on the platter are both trees. Only persistent state lives
// here; open counts and in-use marks live in FS and vanish at a crash.
//
// Block contents are copy-on-write: a block's byte slice is never changed in
// place once stored, and xattr values likewise, so two trees (and the
// pending log) may share them.
type tree struct {
	bsize      int64
	inodes     []*inode // by inode number (never reused, so the table only grows); nil: no such inode
	count      int      // the inodes in use (the non-nil entries of inodes)
	usedBlocks int64
	slab       []inode // where new inodes are allocated from, a chunk at a time
}

// newInode allocates an inode (filed by add).
func (t *tree) newInode() *inode {
	if len(t.slab) == 0 {
		t.slab = make([]inode, 32)
	}
	n := &t.slab[0]
	t.slab = t.slab[1:]
	return n
}

// dirent is one directory entry; a directory keeps its entries sorted by
// name (lookups search, listings need no sort).
type dirent struct {
	name string
	ino  Ino
}

type inode struct {
	ino      Ino
	mode     uint32
	nlink    uint32
	size     int64
	parent   Ino              // directories: the directory holding the entry
	entries  []dirent         // directories, sorted by name
	blocks   map[int64][]byte // regular files: allocated blocks by index (nil until the first); a nil slice is allocated but unwritten
	xattrs   map[string][]byte
	linkable bool // an O_TMPFILE inode not yet linked (I_LINKABLE)

	// Timestamps on the virtual clock (see times.go). mtime and ctime
	// are set by the logged ops; atime by reads of the live tree only.
	atime, mtime, ctime sim.Time
}

func (n *inode) isDir() bool { return n.mode&ModeType == ModeDir }

// nblocks is the inode's allocation in filesystem blocks: a directory takes
// one block (its first directory block), a regular file its allocated ones.
func (n *inode) nblocks() int64 {
	if n.isDir() {
		return 1
	}
	return int64(len(n.blocks))
}

func (n *inode) xattrBytes() int {
	s := 0
	//sim:orderless a sum
	for k, v := range n.xattrs {
		s += len(k) + len(v)
	}
	return s
}

// search is the index of name in the sorted entries, or of where it would
// go, and whether it is there.
func (n *inode) search(name string) (int, bool) {
	lo, hi := 0, len(n.entries)
	if hi == 0 || n.entries[hi-1].name < name {
		return hi, false // past the last: the common case of names made in order
	}
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if n.entries[m].name < name {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(n.entries) && n.entries[lo].name == name
}

// entry looks name up in directory n.
func (n *inode) entry(name string) (Ino, bool) {
	if i, ok := n.search(name); ok {
		return n.entries[i].ino, true
	}
	return 0, false
}

// setEntry makes name in directory n refer to ino.
func (n *inode) setEntry(name string, ino Ino) {
	i, ok := n.search(name)
	if ok {
		n.entries[i].ino = ino
		return
	}
	if i == len(n.entries) {
		n.entries = append(n.entries, dirent{name, ino})
		return
	}
	n.entries = slices.Insert(n.entries, i, dirent{name, ino})
}

// removeEntry removes name from directory n, if there.
func (n *inode) removeEntry(name string) {
	if i, ok := n.search(name); ok {
		n.entries = slices.Delete(n.entries, i, i+1)
	}
}

// setBlock stores block b of file n, making the block map on first use.
func (n *inode) setBlock(b int64, d []byte) {
	if n.blocks == nil {
		n.blocks = map[int64][]byte{}
	}
	n.blocks[b] = d
}

func newTree(bsize int64) *tree {
	t := &tree{bsize: bsize}
	t.add(&inode{ino: RootIno, mode: ModeDir | 0o755, nlink: 2, parent: RootIno})
	t.usedBlocks = 1
	return t
}

// get finds inode ino (nil if there is none).
func (t *tree) get(ino Ino) *inode {
	if ino < Ino(len(t.inodes)) {
		return t.inodes[ino]
	}
	return nil
}

// add files a new inode under its number.
func (t *tree) add(n *inode) {
	for Ino(len(t.inodes)) <= n.ino {
		t.inodes = append(t.inodes, nil)
	}
	t.inodes[n.ino] = n
	t.count++
}

// inos lists the inode numbers in use, in order.
func (t *tree) inos() []Ino {
	out := make([]Ino, 0, t.count)
	for ino, n := range t.inodes {
		if n != nil {
			out = append(out, Ino(ino))
		}
	}
	return out
}

func (t *tree) clone() *tree {
	c := &tree{bsize: t.bsize, inodes: make([]*inode, len(t.inodes)), count: t.count, usedBlocks: t.usedBlocks}
	all := make([]inode, t.count)
	i := 0
	for ino, n := range t.inodes {
		if n == nil {
			continue
		}
		m := &all[i]
		i++
		*m = *n
		m.entries = slices.Clone(n.entries)
		m.blocks = maps.Clone(n.blocks)
		m.xattrs = maps.Clone(n.xattrs)
		c.inodes[ino] = m
	}
	return c
}

// opKind is the kind of one logged mutation. Each mutating syscall logs
// exactly one op, so a crash keeps or drops whole syscalls.
type opKind uint8

const (
	opCreate      opKind = iota // new regular file ino linked at dir/name
	opTmpfile                   // new unlinked regular file ino (O_TMPFILE)
	opMkdir                     // new directory ino at dir/name
	opLink                      // link ino at dir/name
	opUnlink                    // remove dir/name (ino); free ino if free
	opRmdir                     // remove the empty directory dir/name (ino)
	opRename                    // move dir/name (ino) to dir2/name2, replacing victim; free victim if free
	opWrite                     // write data to ino at off
	opTruncate                  // set the size of ino to off
	opFallocate                 // fallocate ino with mode over [off, off+n)
	opSetxattr                  // set xattr name of ino to data
	opRemovexattr               // remove xattr name of ino
	opRelease                   // free the unlinked inode ino (last close of an orphan)
)

var opNames = [...]string{"create", "tmpfile", "mkdir", "link", "unlink", "rmdir", "rename",
	"write", "truncate", "fallocate", "setxattr", "removexattr", "release"}

type op struct {
	kind   opKind
	free   bool
	mode   uint32
	ino    Ino
	dir    Ino
	name   string
	off, n int64
	data   []byte
	time   sim.Time  // the virtual time of the call: the op's mtime/ctime
	to     *renameTo // opRename: where to (out of line: renames are rare, and the log is long)
}

// renameTo is the target of a rename op.
type renameTo struct {
	dir2   Ino
	name2  string
	victim Ino
}

func (o *op) String() string {
	s := fmt.Sprintf("%s ino=%d", opNames[o.kind], o.ino)
	if o.dir != 0 {
		s += fmt.Sprintf(" dir=%d name=%q", o.dir, o.name)
	}
	if o.kind == opRename {
		s += fmt.Sprintf(" -> dir=%d name=%q victim=%d", o.to.dir2, o.to.name2, o.to.victim)
	}
	switch o.kind {
	case opWrite:
		s += fmt.Sprintf(" off=%d len=%d", o.off, len(o.data))
	case opTruncate:
		s += fmt.Sprintf(" size=%d", o.off)
	case opFallocate:
		s += fmt.Sprintf(" mode=%#x off=%d len=%d", o.mode, o.off, o.n)
	case opSetxattr, opRemovexattr:
		s += fmt.Sprintf(" xattr=%q", o.name)
	}
	return s
}

// touches reports whether the op changes ino or an entry of directory ino.
func (o *op) touches(ino Ino) bool {
	return o.ino == ino || o.dir == ino || o.to != nil && (o.to.dir2 == ino || o.to.victim == ino)
}

// apply performs a validated op on t. The FS validates every op against the
// live tree before logging it, and a tree replaying the log passes through
// the same states, so apply never fails; an op that does not fit is a bug in
// this package and panics.
func (t *tree) apply(o *op) {
	switch o.kind {
	case opCreate, opTmpfile:
		n := t.newInode()
		*n = inode{ino: o.ino, mode: ModeRegular | o.mode&ModePerm,
			atime: o.time, mtime: o.time, ctime: o.time}
		if o.kind == opCreate {
			n.nlink = 1
			d := t.dir(o.dir)
			d.setEntry(o.name, o.ino)
			d.modified(o.time)
		} else {
			n.linkable = true
		}
		t.add(n)
	case opMkdir:
		d := t.dir(o.dir)
		n := t.newInode()
		*n = inode{ino: o.ino, mode: ModeDir | o.mode&ModePerm, nlink: 2, parent: o.dir,
			atime: o.time, mtime: o.time, ctime: o.time}
		t.add(n)
		d.setEntry(o.name, o.ino)
		d.nlink++
		d.modified(o.time)
		t.usedBlocks++
	case opLink:
		n := t.inode(o.ino)
		d := t.dir(o.dir)
		d.setEntry(o.name, o.ino)
		n.nlink++
		n.linkable = false
		n.ctime = o.time
		d.modified(o.time)
	case opUnlink:
		d, n := t.dir(o.dir), t.inode(o.ino)
		t.mustEntry(d, o.name, o.ino)
		d.removeEntry(o.name)
		n.nlink--
		n.ctime = o.time
		d.modified(o.time)
		if o.free {
			t.free(n)
		}
	case opRmdir:
		d, n := t.dir(o.dir), t.dir(o.ino)
		t.mustEntry(d, o.name, o.ino)
		d.removeEntry(o.name)
		d.nlink--
		d.modified(o.time)
		n.nlink = 0
		t.free(n)
	case opRename:
		to := o.to
		d, d2, n := t.dir(o.dir), t.dir(to.dir2), t.inode(o.ino)
		t.mustEntry(d, o.name, o.ino)
		d.removeEntry(o.name)
		if to.victim != 0 {
			v := t.inode(to.victim)
			t.mustEntry(d2, to.name2, to.victim)
			v.ctime = o.time
			if v.isDir() {
				v.nlink = 0
				d2.nlink--
			} else {
				v.nlink--
			}
			if o.free {
				t.free(v)
			}
		}
		d2.setEntry(to.name2, o.ino)
		n.ctime = o.time
		d.modified(o.time)
		d2.modified(o.time)
		if n.isDir() && o.dir != to.dir2 {
			d.nlink--
			d2.nlink++
			n.parent = to.dir2
		}
	case opWrite:
		n := t.inode(o.ino)
		t.write(n, o.off, o.data)
		n.modified(o.time)
	case opTruncate:
		n := t.inode(o.ino)
		t.truncate(n, o.off)
		n.modified(o.time)
	case opFallocate:
		n := t.inode(o.ino)
		t.fallocate(n, FallocMode(o.mode), o.off, o.n)
		n.modified(o.time)
	case opSetxattr:
		n := t.inode(o.ino)
		if n.xattrs == nil {
			n.xattrs = map[string][]byte{}
		}
		n.xattrs[o.name] = o.data
		n.ctime = o.time
	case opRemovexattr:
		n := t.inode(o.ino)
		delete(n.xattrs, o.name)
		n.ctime = o.time
	case opRelease:
		n := t.inode(o.ino)
		if n.nlink != 0 {
			panic(fmt.Sprintf("vfs: release of inode %d with nlink %d", o.ino, n.nlink))
		}
		t.free(n)
	default:
		panic(fmt.Sprintf("vfs: unknown op %d", o.kind))
	}
}

func (t *tree) inode(ino Ino) *inode {
	n := t.get(ino)
	if n == nil {
		panic(fmt.Sprintf("vfs: replay refers to missing inode %d", ino))
	}
	return n
}

func (t *tree) dir(ino Ino) *inode {
	n := t.inode(ino)
	if !n.isDir() {
		panic(fmt.Sprintf("vfs: replay expects inode %d to be a directory", ino))
	}
	return n
}

func (t *tree) mustEntry(d *inode, name string, ino Ino) {
	if cur, _ := d.entry(name); cur != ino {
		panic(fmt.Sprintf("vfs: replay expects %q in directory %d to be inode %d, found %d", name, d.ino, ino, cur))
	}
}

func (t *tree) free(n *inode) {
	t.usedBlocks -= n.nblocks()
	t.inodes[n.ino] = nil
	t.count--
}

// holes counts the blocks with index in [lo, hi) that are not allocated.
// It walks the allocated blocks, not the range, so a huge range costs no
// more than the file's allocation.
func (t *tree) holes(n *inode, lo, hi int64) int64 {
	c := max(hi-lo, 0)
	//sim:orderless a count
	for b := range n.blocks {
		if b >= lo && b < hi {
			c--
		}
	}
	return c
}

// blockSpan is the range of block indexes overlapping [off, end), and the
// range of those wholly inside it.
func (t *tree) blockSpan(off, end int64) (lo, hi, wlo, whi int64) {
	bs := t.bsize
	lo, hi = off/bs, (end+bs-1)/bs
	wlo, whi = (off+bs-1)/bs, end/bs
	return lo, hi, wlo, min(max(whi, wlo), hi)
}

// zeroBytes zeroes [lo, hi) of written block b (copy-on-write); an unwritten
// or absent block reads as zeros already.
func (t *tree) zeroBytes(n *inode, b, lo, hi int64) {
	old := n.blocks[b]
	if old == nil || lo >= hi {
		return
	}
	nb := slices.Clone(old)
	clear(nb[lo-b*t.bsize : hi-b*t.bsize])
	n.blocks[b] = nb
}

func (t *tree) write(n *inode, off int64, data []byte) {
	bs := t.bsize
	end := off + int64(len(data))
	for b := off / bs; b*bs < end; b++ {
		old, ok := n.blocks[b]
		nb := make([]byte, bs)
		copy(nb, old)
		lo, hi := max(off, b*bs), min(end, (b+1)*bs)
		copy(nb[lo-b*bs:hi-b*bs], data[lo-off:hi-off])
		if !ok {
			t.usedBlocks++
		}
		n.setBlock(b, nb)
	}
	n.size = max(n.size, end)
}

// truncate sets the size. Shrinking (or a truncate to the same size) frees
// every block past the new end of file, preallocated ones included, and
// zeroes the tail of the last partial block, so that bytes at or past EOF
// always read as zeros. Growing only moves EOF: the new range is a hole.
func (t *tree) truncate(n *inode, size int64) {
	if size <= n.size {
		keep := (size + t.bsize - 1) / t.bsize
		//sim:orderless deletes by a predicate on the key, and a count
		for b := range n.blocks {
			if b >= keep {
				delete(n.blocks, b)
				t.usedBlocks--
			}
		}
		if size%t.bsize != 0 {
			b := size / t.bsize
			t.zeroBytes(n, b, size, (b+1)*t.bsize)
		}
	}
	n.size = size
}

// fallocate applies one of the modes documented at FS.Fallocate. The
// loops over whole blocks are bounded by the space the op was validated
// against; punching walks only the allocated blocks.
func (t *tree) fallocate(n *inode, mode FallocMode, off, length int64) {
	bs := t.bsize
	end := off + length
	lo, hi, wlo, whi := t.blockSpan(off, end)
	for _, b := range []int64{lo, hi - 1} {
		if b < wlo || b >= whi {
			// A partial block at an edge.
			if mode&(FallocPunchHole|FallocZeroRange) != 0 {
				t.zeroBytes(n, b, max(off, b*bs), min(end, (b+1)*bs))
			} else if _, ok := n.blocks[b]; !ok {
				n.setBlock(b, nil)
				t.usedBlocks++
			}
		}
		if hi-lo == 1 {
			break
		}
	}
	switch {
	case mode&FallocPunchHole != 0:
		//sim:orderless deletes by a predicate on the key, and a count
		for b := range n.blocks {
			if b >= wlo && b < whi {
				delete(n.blocks, b)
				t.usedBlocks--
			}
		}
	default:
		for b := wlo; b < whi; b++ {
			d, ok := n.blocks[b]
			if !ok {
				t.usedBlocks++
			}
			if !ok || mode&FallocZeroRange != 0 {
				d = nil
			}
			n.setBlock(b, d)
		}
	}
	if mode&(FallocKeepSize|FallocPunchHole) == 0 {
		n.size = max(n.size, end)
	}
}

// fsck checks the tree's internal consistency: block accounting, link
// counts, directory parents, reachability and zeroed bytes past EOF. open
// says which unlinked inodes may legitimately exist (nil: any).
func (t *tree) fsck(open func(Ino) bool) error {
	var used int64
	links := map[Ino]uint32{}
	subdirs := map[Ino]uint32{}
	for _, ino := range t.inos() {
		n := t.inodes[ino]
		if n.ino != ino {
			return fmt.Errorf("inode %d is filed as %d", n.ino, ino)
		}
		used += n.nblocks()
		if !n.isDir() {
			for _, b := range sortedKeys(n.blocks) {
				if d := n.blocks[b]; d != nil && int64(len(d)) != t.bsize {
					return fmt.Errorf("inode %d block %d has %d bytes", ino, b, len(d))
				}
			}
			if err := t.checkTail(n); err != nil {
				return err
			}
			continue
		}
		for i, e := range n.entries {
			name := e.name
			if i > 0 && n.entries[i-1].name >= name {
				return fmt.Errorf("entries %q and %q of directory %d out of order", n.entries[i-1].name, name, ino)
			}
			c := t.get(e.ino)
			if c == nil {
				return fmt.Errorf("entry %q of directory %d names missing inode %d", name, ino, e.ino)
			}
			links[c.ino]++
			if c.isDir() {
				subdirs[ino]++
				if c.parent != ino {
					return fmt.Errorf("directory %d is entry %q of %d but its parent is %d", c.ino, name, ino, c.parent)
				}
			}
		}
	}
	if used != t.usedBlocks {
		return fmt.Errorf("used blocks %d, inodes hold %d", t.usedBlocks, used)
	}
	for _, ino := range t.inos() {
		n := t.inodes[ino]
		want := links[ino]
		if n.isDir() {
			want = 2 + subdirs[ino]
			if ino != RootIno && links[ino] != 1 {
				return fmt.Errorf("directory %d has %d entries", ino, links[ino])
			}
		}
		if n.nlink != want {
			return fmt.Errorf("inode %d has nlink %d, want %d", ino, n.nlink, want)
		}
		if n.nlink == 0 && open != nil && !open(ino) {
			return fmt.Errorf("inode %d has no links and is not open (leaked)", ino)
		}
		if n.linkable && n.nlink != 0 {
			return fmt.Errorf("inode %d is linkable with nlink %d", ino, n.nlink)
		}
	}
	// Every directory reaches the root through its parents (no detached cycle).
	for _, ino := range t.inos() {
		if !t.inodes[ino].isDir() {
			continue
		}
		d := ino
		for i := 0; d != RootIno; i++ {
			if i > t.count {
				return fmt.Errorf("directory %d does not reach the root", ino)
			}
			d = t.inodes[d].parent
		}
	}
	return nil
}

func (t *tree) checkTail(n *inode) error {
	for _, b := range sortedKeys(n.blocks) {
		d := n.blocks[b]
		if d == nil || (b+1)*t.bsize <= n.size {
			continue
		}
		from := max(n.size-b*t.bsize, 0)
		for i := from; i < t.bsize; i++ {
			if d[i] != 0 {
				return fmt.Errorf("inode %d has data past EOF %d at %d", n.ino, n.size, b*t.bsize+i)
			}
		}
	}
	return nil
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
