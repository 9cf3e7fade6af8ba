package netfs

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/model/history"
	"github.com/fscachesim/fscachesim/sim"
)

// Flavour selects the caching behaviour of a filesystem.
type Flavour uint8

const (
	// FlavourAFS copies local writes into the cache and updates the
	// coherency data; it invalidates only when someone else changed the file.
	FlavourAFS Flavour = iota
	// FlavourNFS invalidates the cache whenever the change attribute moves,
	// including after its own writes, and on direct I/O writes.
	FlavourNFS
)

func (f Flavour) String() string {
	if f == FlavourNFS {
		return "nfs"
	}
	return "afs"
}

// Mount is a client mount: one fscache volume.
type Mount struct {
	F       *fscache.Fscache
	Server  *Server
	Flavour Flavour
	Vol     *fscache.Volume
	// Reads counts reads served from the cache, downloaded, and failed.
	Hits, Misses int
	// Rec, if set, records every cache-visible operation (reads served or
	// missed, copies to the cache, invalidations, coherency updates,
	// resizes, acquires and relinquishes) for the linearizability checker.
	Rec history.Recorder
	// NoInvalidateCache leaves out AFS's ->invalidate_cache after a failed
	// write to the cache (cacheWriteFailed): the model as it was before it,
	// for the test that shows what it is for.
	NoInvalidateCache bool
	// bdi is the mount's flusher workqueue (bdi_wq, "writeback"): each
	// inode's write-back runs there as its own work item.
	bdi sim.Workqueue
}

// MountFS acquires the mount's volume (nfs_fscache_get_super_cookie /
// afs_activate_volume).
func MountFS(t *sim.Thread, f *fscache.Fscache, srv *Server, fl Flavour, key, cacheName string) (*Mount, error) {
	v, err := f.AcquireVolume(t, fl.String()+","+key, cacheName, nil)
	if err != nil {
		return nil, err
	}
	return &Mount{F: f, Server: srv, Flavour: fl, Vol: v, bdi: sim.Workqueue{Name: "writeback"}}, nil
}

// Unmount relinquishes the volume; every inode must be evicted first.
func (m *Mount) Unmount(t *sim.Thread) { fscache.RelinquishVolume(t, m.Vol, nil, false) }

// Inode is a netfs inode with its cookie.
type Inode struct {
	M      *Mount
	Ino    uint64
	Cookie *fscache.Cookie
	Size   int64
	Change uint64 // the change attribute the client believes (coherency data)
	WB     fscache.Inode
	// folio stands for the page-cache folio lock with PG_fscache: a read
	// holds the folio from the download to the end of its copy to the
	// cache, and a buffered write waits for it (netfs_write_begin locks
	// the folio and waits for PG_fscache) before changing the data and
	// writing it back. Without it a copy of data fetched before a local
	// write could land in the cache after that write's copy.
	folio sim.Mutex
	// validate stands for the per-inode serialisation of revalidation
	// (AFS's vnode->validate_lock, NFS's NFS_INO_INVALIDATING wait): a
	// second opener that finds the change attribute already moved waits
	// until the first has invalidated the cache, instead of reading it.
	validate sim.Mutex
	// dirty is the page cache's dirty tag (PAGECACHE_TAG_DIRTY): pages
	// written locally whose copy to the cache the flusher has not yet
	// started. While set, reads are served from the page cache.
	dirty sim.Var[bool]
	// copying is PG_fscache (PG_private_2) on the folio and the netfs's
	// count of outstanding I/O: a copy to the cache submitted and not yet
	// completed. Whoever starts another copy, or changes the data, waits
	// for it to clear (folio_wait_private_2); so does evict
	// (netfs_wait_for_outstanding_io).
	copying sim.Var[bool]
	// wb is the flusher's write-back of this inode (wb_workfn ->
	// __writeback_single_inode), queued when the inode is dirtied.
	wb  sim.Work
	key string // volume key/cookie key: the history partition
	// life is the inode's lifetime, to the end of its evict: whatever
	// touches it afterwards (the flusher, a copy's completion) is a
	// use-after-free. Not tracked for leaks: scripts may leave inodes.
	life sim.Life
}

// call records the start of op on this inode's cookie (-1 if not recording).
func (ip *Inode) call(t *sim.Thread, op history.Op) int {
	if ip.M.Rec == nil {
		return -1
	}
	op.Key = ip.key
	return ip.M.Rec.Call(int(t.ID()), op)
}

func (ip *Inode) commit(id int) {
	if id >= 0 {
		ip.M.Rec.Commit(id)
	}
}

func (ip *Inode) ret(id int, res history.OpResult) {
	if id >= 0 {
		ip.M.Rec.Return(id, res)
	}
}

// now records op as taking effect at once.
func (ip *Inode) now(t *sim.Thread, op history.Op) {
	id := ip.call(t, op)
	ip.commit(id)
	ip.ret(id, history.OpResult{})
}

// across records op as an operation that spans the fscache call do: it
// takes effect somewhere inside it (where the cookie is changed under its
// lock), so an operation of another thread running meanwhile may come
// before or after it (TestInvalidateRecordedAcrossTheCall).
func (ip *Inode) across(t *sim.Thread, op history.Op, do func()) {
	id := ip.call(t, op)
	do()
	ip.commit(id)
	ip.ret(id, history.OpResult{})
}

func errString(err error) string {
	switch {
	case err == nil:
		return ""
	case err == fscache.ErrNoBufs:
		return history.ErrNoBufs
	}
	return err.Error()
}

func aux(change uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], change)
	return b[:]
}

// Iget looks the file up on the server and acquires its cookie, keyed by
// the inode number, with the change attribute as coherency data.
func (m *Mount) Iget(t *sim.Thread, ino uint64) *Inode {
	size, change := m.Server.GetAttr(t, ino)
	key := []byte("ino-" + strconv.FormatUint(ino, 10))
	ip := &Inode{M: m, Ino: ino, Size: size, Change: change, key: m.Vol.Key + "/" + string(key),
		life: sim.Life{Kind: "netfs_inode", ID: uint32(ino)}}
	ip.folio.Name = fmt.Sprintf("folio lock ino %d", ino)
	ip.validate.Name = fmt.Sprintf("validate lock ino %d", ino)
	ip.wb = sim.Work{Name: "wb_workfn", Func: ip.writeback}
	id := ip.call(t, history.Op{Kind: history.OpAcquire, Aux: string(aux(change))})
	ip.Cookie = fscache.AcquireCookie(t, m.Vol, 0, key, aux(change), size)
	ip.commit(id)
	ip.ret(id, history.OpResult{})
	return ip
}

// revalidate compares the server's change attribute with the client's and
// invalidates the cache if it moved (nfs_revalidate_inode / afs_validate).
func (ip *Inode) revalidate(t *sim.Thread) {
	ip.validate.Lock(t)
	defer ip.validate.Unlock(t)
	size, change := ip.M.Server.GetAttr(t, ip.Ino)
	if change == ip.Change {
		return
	}
	// The cache is invalidated before the new change attribute is
	// published: a read that starts in between must still take the old
	// version for its lower bound (the cache may serve it the old data),
	// as the kernel's page cache is zapped before the new data version is
	// trusted (TestRevalidateRacesReader).
	ip.invalidate(t, change, size, 0)
	ip.Change, ip.Size = change, size
}

// invalidate is fscache_invalidate, recorded across the call.
func (ip *Inode) invalidate(t *sim.Thread, change uint64, size int64, flags uint) {
	ip.across(t, history.Op{Kind: history.OpInvalidate, Aux: string(aux(change)), Size: size}, func() {
		fscache.Invalidate(t, ip.Cookie, aux(change), size, flags)
	})
}

// Open is ->open: use the cookie (modifying if opened for write), then
// revalidate against the server.
func (ip *Inode) Open(t *sim.Thread, write bool) {
	t.Use(&ip.life)
	if !ip.M.F.Mutants.NetfsOpenNoUse {
		fscache.UseCookie(t, ip.Cookie, write)
	}
	ip.revalidate(t)
}

// Close is ->release: unuse the cookie with the current coherency data.
func (ip *Inode) Close(t *sim.Thread) {
	t.Use(&ip.life)
	if ip.M.F.Mutants.NetfsOpenNoUse {
		return
	}
	size := ip.Size
	fscache.UnuseCookie(t, ip.Cookie, aux(ip.Change), &size)
}

// waitCopy is folio_wait_private_2(): wait until no copy of this inode's
// data to the cache is in flight.
func (ip *Inode) waitCopy(t *sim.Thread) {
	if ip.copying.Load(t) {
		sim.WaitVarEvent(t, &ip.copying, "PG_fscache (copy to the cache)", func() bool { return !ip.copying.Peek() })
	}
}

// copyDone ends a copy to the cache, from the copy's completion
// (folio_end_private_2): PG_fscache cleared with release semantics
// (clear_bit_unlock), then its waiters woken; folio_wake_bit walks the
// wait queue under its lock, which a full barrier stands for here.
func (ip *Inode) copyDone(t *sim.Thread) {
	t.Use(&ip.life)
	ip.copying.StoreRelease(t, false)
	sim.SmpMb(t)
	sim.WakeUpVar(t, &ip.copying)
}

// Read reads [off, off+n) through the cache: a hit is served from the cache
// and checked against the server's contents at the client's change
// attribute; a miss downloads from the server and copies to the cache.
// Pages dirtied locally and not yet written back are served from the page
// cache. The read from the cache completes in the backend's completion
// context and the reader waits for it (netfs_wait_for_read); the copy to
// the cache is submitted and the read returns without waiting for it.
func (ip *Inode) Read(t *sim.Thread, off, n int64) []byte {
	t.Use(&ip.life)
	ip.folio.Lock(t)
	defer ip.folio.Unlock(t)
	change := ip.Change
	rid := ip.call(t, history.Op{Kind: history.OpRead, Off: off, Len: n})
	if ip.dirty.Load(t) {
		// The page cache holds the current data (dirty folios are
		// uptodate): nothing is asked of the cache.
		ip.commit(rid)
		ip.ret(rid, history.OpResult{Miss: true})
		data, _ := ip.M.Server.At(ip.Ino, change)
		return sliceOf(data, off, n)
	}
	ip.waitCopy(t)
	rreq := ip.newRequest()
	defer rreq.put(t)
	cres := &rreq.cres
	err := fscache.BeginReadOperation(t, cres, ip.Cookie)
	if err == nil && !ip.Cookie.Has(fscache.FlagNoDataToRead) {
		buf := make([]byte, n)
		got, rerr := ip.readWait(t, cres, off, buf)
		if rerr == nil && int64(got) == n {
			ip.commit(rid)
			ip.ret(rid, history.OpResult{Data: string(buf)})
			fscache.EndOperation(t, cres)
			ip.M.Hits++
			t.Emit(sim.Event{Type: fscache.EvMark, Obj: ip.Cookie.DebugID, Str: [2]string{"netfs read served from the cache"}})
			// A read concurrent with this client's own writes may see any
			// version from the one it started with to the current one;
			// anything else (older, another file's, a torn mix) is wrong.
			ok := false
			for v := change; v <= ip.Change && !ok; v++ {
				ok = ip.M.Server.Matches(ip.Ino, v, off, buf)
			}
			if !ok {
				t.Bug("netfs-coherency", "read of ino %d [%d,+%d) from the cache (cookie c=%08x) matches none of the server's versions %d..%d: stale, foreign or torn data",
					ip.Ino, off, n, ip.Cookie.DebugID, change, ip.Change)
			}
			return buf
		}
	}
	// Miss: download, end the read's operation, then copy to the cache
	// through a write operation of its own, as 6.12's netfs does
	// (netfs_pgpriv2_copy_to_cache -> netfs_create_write_req ->
	// fscache_begin_write_operation, refused while the cookie is DISABLED).
	ip.commit(rid)
	ip.ret(rid, history.OpResult{Miss: true})
	data, srvChange := ip.M.Server.Read(t, ip.Ino, off, n)
	ip.M.Misses++
	if err == nil {
		if ip.M.F.Mutants.NetfsCopyAfterEnd && srvChange == change {
			// The broken client: the copy goes through the read's
			// operation after its end.
			fscache.EndOperation(t, cres)
			ip.copyToCache(t, rreq, cres, off, data, srvChange)
			return data
		}
		fscache.EndOperation(t, cres)
		if srvChange == change {
			ip.copyToCache(t, rreq, nil, off, data, srvChange)
		}
	}
	return data
}

// readWait is the netfs's read from the cache: submit the read with a
// termination function and wait for its completion (netfs_wait_for_read).
func (ip *Inode) readWait(t *sim.Thread, cres *fscache.CacheResources, off int64, buf []byte) (int, error) {
	var done sim.Completion
	var got int
	var rerr error
	fscache.Read(t, cres, off, buf, fscache.ReadHoleFail, func(t *sim.Thread, n int, err error, wasAsync bool) {
		got, rerr = n, err
		done.Complete(t)
	})
	done.Wait(t)
	return got, rerr
}

// copyToCache writes data downloaded under change to the cache
// (netfs_pgpriv2_copy_to_cache): a write operation of its own is begun
// (netfs_create_write_req's fscache_begin_write_operation), the folio is
// marked PG_fscache, the write submitted; its completion records the
// result, clears the mark and ends the operation. The client does not copy
// data the cache was invalidated under since the read began (the cookie's
// inval_counter moved: fscache_invalidate's documented use of it, "to
// reconsider I/O requests"), once its write operation has begun (it may
// have waited out the invalidation) and again just before the write is
// submitted: the download may predate the change the invalidation is for
// (TestCopyAfterInvalidationSkipped). 6.12's netfs makes no such
// comparison for a copy (docs/kernel-baseline.md, the netfs client).
// through, when not nil, is the broken client's ended read operation
// (Mutants.NetfsCopyAfterEnd).
func (ip *Inode) copyToCache(t *sim.Thread, rreq *request, through *fscache.CacheResources, off int64, data []byte, change uint64) {
	cres := through
	if cres == nil {
		cres = &rreq.wres
		if err := fscache.BeginWriteOperation(t, cres, ip.Cookie); err != nil {
			return
		}
		if ip.Cookie.LoadInvalCounter(t) != rreq.cres.InvalCounter {
			fscache.EndOperation(t, cres)
			return
		}
	}
	start, length := off, int64(len(data))
	wid := ip.call(t, history.Op{Kind: history.OpWrite, Off: off, Data: string(data), Aux: string(aux(change))})
	if err := fscache.PrepareWrite(t, cres, &start, &length, ip.Size, false); err != nil {
		ip.commit(wid) // prepare_write refused: nothing written
		ip.ret(wid, history.OpResult{Err: history.ErrNoBufs})
		ip.cacheWriteFailed(t)
		fscache.EndOperation(t, cres)
		return
	}
	if through == nil && ip.Cookie.LoadInvalCounter(t) != rreq.cres.InvalCounter {
		// Invalidated while prepare_write ran: nothing written.
		ip.commit(wid)
		ip.ret(wid, history.OpResult{Err: history.ErrNoBufs})
		fscache.EndOperation(t, cres)
		return
	}
	ip.copying.Store(t, true)
	rec := ip.record(wid)
	defer rec.submitted()
	if !ip.M.F.Mutants.NetfsCopyNoRequestRef {
		rreq.get(t) // the copy's, put at its completion
	}
	fscache.Write(t, cres, start, data, func(t *sim.Thread, n int, err error, wasAsync bool) {
		t.Use(&rreq.life)
		if err != nil {
			ip.cacheWriteFailed(t)
		}
		rec.done(err)
		if err == nil {
			// Memory pressure reclaims the page that was copied to the
			// cache: from now on reads must consult the cache.
			fscache.NotePageRelease(t, ip.Cookie)
		}
		fscache.EndOperation(t, cres)
		ip.copyDone(t)
		rreq.put(t)
	})
}

// cacheWriteFailed is the end of a netfs write request whose cache stream
// failed (netfs_write_collection_worker, 6.12): the netfs's
// ->invalidate_cache, which AFS has (afs_netfs_invalidate_cache ->
// afs_invalidate_cache: fscache_invalidate with the vnode's current data
// version and size) and NFS has not. Without it the cache keeps its old
// contents under the coherency data the write moved on, and serves them
// after the page cache lets go. Mount.NoInvalidateCache (a test switch)
// leaves it out.
func (ip *Inode) cacheWriteFailed(t *sim.Thread) {
	if ip.M.Flavour != FlavourAFS || ip.M.NoInvalidateCache {
		return
	}
	// Not recorded in the history: on a cache that is no longer live
	// (the write's EIO killed it) fscache_invalidate leaves the object's
	// contents as they are, so the register must not take them for
	// wiped; the failed write's own record already makes the bytes it
	// may or may not have written unservable.
	fscache.Invalidate(t, ip.Cookie, aux(ip.Change), ip.Size, 0)
}

// request is struct netfs_io_request for a read: the cache resources it
// began, refcounted by the read and by its copy to the cache, whose
// completion ends the operation after the read returned. Its lifetime
// (sim.Life, not leak-tracked) ends at the last netfs_put_request.
type request struct {
	cres fscache.CacheResources // the read's operation
	wres fscache.CacheResources // the copy to the cache's (netfs_create_write_req's)
	ref  int
	life sim.Life
}

// newRequest is netfs_alloc_request for a read of ip (one ref).
func (ip *Inode) newRequest() *request {
	return &request{ref: 1, life: sim.Life{Kind: "netfs_io_request", ID: uint32(ip.Ino)}}
}

// get is netfs_get_request.
func (r *request) get(t *sim.Thread) {
	t.Use(&r.life)
	r.ref++
}

// put is netfs_put_request: the last put frees the request.
func (r *request) put(t *sim.Thread) {
	t.Use(&r.life)
	if r.ref--; r.ref == 0 {
		t.Free(&r.life)
	}
}

// ioRecord records a copy to the cache in the history: it takes effect
// when submitted (the data reaches the backing file then) and returns,
// with its result, at its completion, which may come first (a failure
// before submission).
type ioRecord struct {
	ip        *Inode
	id        int
	committed bool
}

func (ip *Inode) record(id int) *ioRecord { return &ioRecord{ip: ip, id: id} }

func (r *ioRecord) submitted() {
	if !r.committed {
		r.committed = true
		r.ip.commit(r.id)
	}
}

func (r *ioRecord) done(err error) {
	r.submitted()
	r.ip.ret(r.id, history.OpResult{Err: errString(err)})
}

// sliceOf is data[off:off+n], zero-filled past its end.
func sliceOf(data []byte, off, n int64) []byte {
	b := make([]byte, n)
	if off < int64(len(data)) {
		copy(b, data[off:])
	}
	return b
}

// Write writes through to the server. AFS dirties the page cache and pins
// the cookie (netfs_dirty_folio), updates the coherency data and leaves the
// copy to the cache to the flusher (writeback); NFS invalidates. direct
// marks an O_DIRECT write (FSCACHE_INVAL_DIO_WRITE).
func (ip *Inode) Write(t *sim.Thread, off int64, data []byte, direct bool) {
	t.Use(&ip.life)
	if direct {
		// netfs_start_io_direct blocks buffered I/O on the inode for the
		// whole direct write (NETFS_ICTX_ODIRECT under i_rwsem): a
		// buffered read, with its copy to the cache, runs before or after
		// it, not across its invalidation (the folio lock stands for that
		// exclusion here), and the copies in flight finish first.
		ip.folio.Lock(t)
		defer ip.folio.Unlock(t)
		ip.waitCopy(t)
		// netfs_unbuffered_write_iter and nfs_file_direct_write
		// invalidate (FSCACHE_INVAL_DIO_WRITE, coherency data unchanged)
		// before the write goes to the server, so no read can take the
		// cache's old contents for the new version.
		ip.invalidate(t, ip.Change, ip.Size, fscache.InvalDIOWrite)
		ip.Change = ip.M.Server.Write(t, ip.Ino, off, data)
		if end := off + int64(len(data)); end > ip.Size {
			ip.Size = end
		}
		// The new change attribute reaches the cookie at close
		// (fscache_unuse_cookie's coherency update); the cache serves
		// nothing until then (DISABLED, NO_DATA_TO_READ).
		ip.now(t, history.Op{Kind: history.OpUpdate, Aux: string(aux(ip.Change))})
		return
	}
	ip.folio.Lock(t)
	defer ip.folio.Unlock(t)
	ip.waitCopy(t) // a folio under copy to the cache is not changed
	// The change attribute the write returns and the coherency update
	// that follows are applied under the per-inode validation lock, as
	// AFS applies a reply's status under its vnode lock: a concurrent
	// opener's revalidation (which may have seen a later change) cannot
	// land between them, so the cookie's coherency data never goes back
	// to an older version than the client already invalidated to.
	ip.validate.Lock(t)
	defer ip.validate.Unlock(t)
	change := ip.M.Server.Write(t, ip.Ino, off, data)
	prev := ip.Change
	ip.Change = change
	if end := off + int64(len(data)); end > ip.Size {
		ip.Size = end
	}
	switch {
	case ip.M.Flavour == FlavourNFS || change != prev+1:
		// NFS, or someone else changed the file meanwhile: the cache's
		// contents are not what this write started from.
		ip.invalidate(t, change, ip.Size, 0)
	default:
		// AFS: the page cache now holds the new data, dirty; the
		// flusher copies it to the cache under the new coherency data.
		ip.dirty.Store(t, true)
		fscache.DirtyFolio(t, &ip.WB, ip.Cookie, false)
		ip.across(t, history.Op{Kind: history.OpUpdate, Aux: string(aux(change))}, func() {
			fscache.UpdateCookie(t, ip.Cookie, aux(change), &ip.Size)
		})
		sim.QueueWork(t, &ip.M.bdi, &ip.wb) // __mark_inode_dirty wakes the flusher
	}
}

// writeback is the flusher's write-back of the inode, on its own kworker
// (wb_workfn -> __writeback_single_inode): do_writepages copies the dirty
// pages to the cache (the folio is cleaned and marked PG_fscache, the
// write submitted; its completion ends the mark), then, under i_lock, if
// no dirty page remains the pin is dropped (I_PINNING_NETFS_WB cleared,
// unpinned_netfs_wb) and write_inode unpins the cookie
// (netfs_unpin_writeback). A page dirtied meanwhile keeps the pin for the
// next pass, which its dirtying queued.
func (ip *Inode) writeback(t *sim.Thread) {
	t.Use(&ip.life)
	ip.folio.Lock(t)
	if ip.dirty.Load(t) {
		ip.waitCopy(t)
		if !ip.WB.Pinning() {
			t.Bug("netfs-writeback-unpinned", "write-back of ino %d's dirty pages to the cache (cookie c=%08x) after its write-back pin was dropped", ip.Ino, ip.Cookie.DebugID)
		}
		ip.dirty.Store(t, false) // folio_clear_dirty_for_io
		change, size := ip.Change, ip.Size
		snap, _ := ip.M.Server.At(ip.Ino, change)
		wid := ip.call(t, history.Op{Kind: history.OpWrite, Off: 0, Data: string(snap), Aux: string(aux(change))})
		ip.copying.Store(t, true)
		rec := ip.record(wid)
		var began bool
		fscache.WriteToCacheStream(t, ip.Cookie, 0, append([]byte(nil), snap...), size, &began, func(t *sim.Thread, n int, err error, wasAsync bool) {
			if err != nil && began {
				ip.cacheWriteFailed(t)
			}
			rec.done(err)
			ip.copyDone(t)
		})
		rec.submitted()
	}
	ip.folio.Unlock(t)
	ip.WB.Lock.Lock(t)
	unpinned := false
	if !ip.dirty.Load(t) {
		unpinned = ip.WB.ClearPinning()
	}
	ip.WB.Lock.Unlock(t)
	fscache.UnpinWriteback(t, ip.Cookie, unpinned)
}

// Truncate truncates on the server and resizes the cache object.
func (ip *Inode) Truncate(t *sim.Thread, size int64) {
	t.Use(&ip.life)
	change := ip.M.Server.Truncate(t, ip.Ino, size)
	ip.invalidate(t, change, size, 0) // before publishing, as revalidate
	ip.Change, ip.Size = change, size
	ip.across(t, history.Op{Kind: history.OpResize, Size: size}, func() { fscache.ResizeCookie(t, ip.Cookie, size) })
}

// Evict is ->evict_inode: drop a write-back pin still held, then
// relinquish the cookie; unlink retires the cache object.
func (ip *Inode) Evict(t *sim.Thread, unlink bool) {
	// The flusher's last pass (inode_wait_for_writeback), then the copies
	// still in flight (netfs_wait_for_outstanding_io).
	t.Use(&ip.life)
	sim.FlushWork(t, &ip.wb)
	if !ip.M.F.Mutants.NetfsEvictNoWait {
		ip.waitCopy(t)
	}
	fscache.ClearInodeWriteback(t, &ip.WB, ip.Cookie, aux(ip.Change), ip.Size)
	id := ip.call(t, history.Op{Kind: history.OpRelinquish, Retire: unlink})
	fscache.RelinquishCookie(t, ip.Cookie, unlink)
	ip.commit(id)
	ip.ret(id, history.OpResult{})
	t.Free(&ip.life)
}

func (ip *Inode) String() string { return fmt.Sprintf("ino %d", ip.Ino) }
