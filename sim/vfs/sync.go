package vfs

import "fmt"

// Durability. Every mutating syscall appends one op to the pending log and
// changes the live tree at once; the durable tree changes only when a sync
// replays a prefix of the log onto it. A crash replays a further prefix of
// the pending log (the kept ops) and drops the rest.
//
// Why prefixes: the log is ordered like a journal, and a sync or a crash
// only ever cuts it, so every state that survives a crash is one the live
// filesystem actually passed through, like ext4 or xfs committing journal
// transactions in order. Keeping an arbitrary subset would make states no
// journaling filesystem produces (a write kept to a file whose creation
// was dropped) and would need a model of which ops depend on which to stay
// meaningful.

// The durable tree is folded lazily: a sync or a flush only moves ops from
// the pending part of the log to its durable part (log[:done]), and those
// are applied to the durable tree when a crash (or Fsck) needs it, or when
// there are Options.MaxPending of them. A run that never crashes never
// pays for its durable image; what a crash leaves is the same.

// Pending is the number of mutations not yet durable: a crash may keep any
// prefix of them, from none to all.
func (fs *FS) Pending() int { return fs.log.n - fs.done }

// PendingOps describes the pending mutations, oldest first, for traces.
func (fs *FS) PendingOps() []string {
	out := make([]string, 0, fs.Pending())
	for i := fs.done; i < fs.log.n; i++ {
		out = append(out, fs.log.at(i).String())
	}
	return out
}

// flush makes the first k pending ops durable.
func (fs *FS) flush(k int) {
	fs.done += k
	fs.flushed += k
	if fs.done >= fs.opts.MaxPending {
		fs.fold()
	}
}

// fold applies the durable part of the log to the durable tree and drops
// it from the log.
func (fs *FS) fold() {
	for i := 0; i < fs.done; i++ {
		fs.durable.apply(fs.log.at(i))
	}
	fs.log.dropFront(fs.done)
	fs.done = 0
}

// Fsync makes inode ino durable (vfs_fsync): it commits the pending log up
// to and including the last op that changed ino or an entry of it (when
// ino is a directory). Like a jbd2 commit, that carries every earlier op
// along, whichever inode it touched. Errors: ESTALE, and injected ones (an
// injected error commits nothing).
func (fs *FS) Fsync(ino Ino) error {
	if err := fs.begin(ClassSync); err != nil {
		return err
	}
	if _, err := fs.node(ino); err != nil {
		return err
	}
	last := fs.done - 1
	for i := fs.done; i < fs.log.n; i++ {
		if fs.log.at(i).touches(ino) {
			last = i
		}
	}
	fs.flush(last + 1 - fs.done)
	return nil
}

// Syncfs makes every pending op durable (sync_filesystem). Errors: only
// injected ones (which commit nothing).
func (fs *FS) Syncfs() error {
	if err := fs.begin(ClassSync); err != nil {
		return err
	}
	fs.flush(fs.Pending())
	return nil
}

// Crash simulates a power cut and the remount after it. The first keep
// pending ops reach the disk and the rest are lost; keep must be in
// [0, Pending()]. The model draws it as a recorded decision, e.g.
// keep := int(k.Rand(sim.CompDisk, uint64(fs.Pending()+1))).
//
// After the crash the live filesystem is the durable one, with the
// unlinked inodes (orphans and tmpfiles) freed as ext4's orphan recovery
// does; every File is dead (EBADF), no inode is open and no in-use mark is
// left, as after a reboot. Inode numbers keep increasing from where they
// were.
func (fs *FS) Crash(keep int) {
	if keep < 0 || keep > fs.Pending() {
		panic(fmt.Sprintf("vfs: Crash keeps %d of %d pending ops", keep, fs.Pending()))
	}
	fs.done += keep
	fs.log.truncate(fs.done) // the rest is lost
	fs.fold()
	fs.flushed = 0
	for _, n := range fs.durable.inodes {
		if n != nil && n.nlink == 0 {
			fs.durable.free(n)
		}
	}
	fs.live = fs.durable.clone()
	fs.gen++
	clear(fs.opens)
	clear(fs.inUse)
	fs.view++
}

// logChunk is the number of ops in one chunk of the log.
const logChunk = 128

// opLog is the log: a queue of ops kept in chunks of logChunk, so that it
// grows without copying what it holds and drops its oldest ops a chunk at
// a time (a chunk emptied at the front is reused at the back).
type opLog struct {
	chunks [][]op
	head   int // the index of the first op in chunks[0]
	n      int // the number of ops
}

// at is the i-th op, oldest first.
func (l *opLog) at(i int) *op {
	i += l.head
	return &l.chunks[i/logChunk][i%logChunk]
}

// push appends an op.
func (l *opLog) push(o op) {
	i := l.head + l.n
	if i/logChunk == len(l.chunks) {
		l.chunks = append(l.chunks, make([]op, logChunk))
	}
	l.chunks[i/logChunk][i%logChunk] = o
	l.n++
}

// dropFront drops the k oldest ops.
func (l *opLog) dropFront(k int) {
	for i := 0; i < k; i++ {
		*l.at(i) = op{} // let the data go
	}
	l.head += k
	l.n -= k
	for l.head >= logChunk {
		c := l.chunks[0]
		copy(l.chunks, l.chunks[1:])
		l.chunks[len(l.chunks)-1] = c
		l.head -= logChunk
	}
}

// truncate drops every op but the n oldest.
func (l *opLog) truncate(n int) {
	for i := n; i < l.n; i++ {
		*l.at(i) = op{}
	}
	l.n = n
}
