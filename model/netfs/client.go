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
}

// MountFS acquires the mount's volume (nfs_fscache_get_super_cookie /
// afs_activate_volume).
func MountFS(t *sim.Thread, f *fscache.Fscache, srv *Server, fl Flavour, key, cacheName string) (*Mount, error) {
	v, err := f.AcquireVolume(t, fl.String()+","+key, cacheName, nil)
	if err != nil {
		return nil, err
	}
	return &Mount{F: f, Server: srv, Flavour: fl, Vol: v}, nil
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
	key      string // volume key/cookie key: the history partition
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
	ip := &Inode{M: m, Ino: ino, Size: size, Change: change, key: m.Vol.Key + "/" + string(key)}
	ip.folio.Name = fmt.Sprintf("folio lock ino %d", ino)
	ip.validate.Name = fmt.Sprintf("validate lock ino %d", ino)
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
	ip.Change, ip.Size = change, size
	ip.invalidate(t, change, size, 0)
}

// invalidate is fscache_invalidate, recorded.
func (ip *Inode) invalidate(t *sim.Thread, change uint64, size int64, flags uint) {
	ip.now(t, history.Op{Kind: history.OpInvalidate, Aux: string(aux(change)), Size: size})
	fscache.Invalidate(t, ip.Cookie, aux(change), size, flags)
}

// Open is ->open: use the cookie (modifying if opened for write), then
// revalidate against the server.
func (ip *Inode) Open(t *sim.Thread, write bool) {
	fscache.UseCookie(t, ip.Cookie, write)
	ip.revalidate(t)
}

// Close is ->release: unuse the cookie with the current coherency data.
func (ip *Inode) Close(t *sim.Thread) {
	size := ip.Size
	fscache.UnuseCookie(t, ip.Cookie, aux(ip.Change), &size)
}

// Read reads [off, off+n) through the cache: a hit is served from the cache
// and checked against the server's contents at the client's change
// attribute; a miss downloads from the server and copies to the cache.
func (ip *Inode) Read(t *sim.Thread, off, n int64) []byte {
	ip.folio.Lock(t)
	defer ip.folio.Unlock(t)
	change := ip.Change
	var cres fscache.CacheResources
	rid := ip.call(t, history.Op{Kind: history.OpRead, Off: off, Len: n})
	err := fscache.BeginReadOperation(t, &cres, ip.Cookie)
	if err == nil && !ip.Cookie.Has(fscache.FlagNoDataToRead) {
		buf := make([]byte, n)
		got, rerr := cres.Ops.Read(t, &cres, off, buf, fscache.ReadHoleFail)
		if rerr == nil && int64(got) == n {
			ip.commit(rid)
			ip.ret(rid, history.OpResult{Data: string(buf)})
			fscache.EndOperation(t, &cres)
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
	// Miss: download, then copy to the cache through the same operation.
	ip.commit(rid)
	ip.ret(rid, history.OpResult{Miss: true})
	data, srvChange := ip.M.Server.Read(t, ip.Ino, off, n)
	ip.M.Misses++
	copied := false
	if err == nil {
		if srvChange == change {
			start, length := off, n
			wid := ip.call(t, history.Op{Kind: history.OpWrite, Off: off, Data: string(data), Aux: string(aux(srvChange))})
			werr := cres.Ops.PrepareWrite(t, &cres, &start, &length, ip.Size, false)
			if werr == nil {
				werr = cres.Ops.Write(t, &cres, start, data)
				copied = werr == nil
			} else {
				werr = fscache.ErrNoBufs // prepare_write refused: nothing written
			}
			ip.commit(wid)
			ip.ret(wid, history.OpResult{Err: errString(werr)})
		}
		fscache.EndOperation(t, &cres)
	}
	if copied {
		// Memory pressure reclaims the page that was copied to the
		// cache: from now on reads must consult the cache.
		fscache.NotePageRelease(t, ip.Cookie)
	}
	return data
}

// Write writes through to the server. AFS copies the new data into the
// cache (with write-back pinning) and updates the coherency data; NFS
// invalidates. direct marks an O_DIRECT write (FSCACHE_INVAL_DIO_WRITE).
func (ip *Inode) Write(t *sim.Thread, off int64, data []byte, direct bool) {
	if direct {
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
		// AFS: the page cache now holds the new data; write-back copies it
		// to the cache under the new coherency data.
		fscache.DirtyFolio(t, &ip.WB, ip.Cookie, false)
		ip.now(t, history.Op{Kind: history.OpUpdate, Aux: string(aux(change))})
		fscache.UpdateCookie(t, ip.Cookie, aux(change), &ip.Size)
		snap, _ := ip.M.Server.At(ip.Ino, change)
		wid := ip.call(t, history.Op{Kind: history.OpWrite, Off: 0, Data: string(snap), Aux: string(aux(change))})
		werr := fscache.WriteToCache(t, ip.Cookie, 0, append([]byte(nil), snap...), ip.Size, true)
		ip.commit(wid)
		ip.ret(wid, history.OpResult{Err: errString(werr)})
		fscache.UnpinWriteback(t, &ip.WB, ip.Cookie)
	}
}

// Truncate truncates on the server and resizes the cache object.
func (ip *Inode) Truncate(t *sim.Thread, size int64) {
	change := ip.M.Server.Truncate(t, ip.Ino, size)
	ip.Change, ip.Size = change, size
	ip.invalidate(t, change, size, 0)
	ip.now(t, history.Op{Kind: history.OpResize, Size: size})
	fscache.ResizeCookie(t, ip.Cookie, size)
}

// Evict is ->evict_inode: drop a write-back pin still held, then
// relinquish the cookie; unlink retires the cache object.
func (ip *Inode) Evict(t *sim.Thread, unlink bool) {
	fscache.ClearInodeWriteback(t, &ip.WB, ip.Cookie, aux(ip.Change), ip.Size)
	id := ip.call(t, history.Op{Kind: history.OpRelinquish, Retire: unlink})
	fscache.RelinquishCookie(t, ip.Cookie, unlink)
	ip.commit(id)
	ip.ret(id, history.OpResult{})
}

func (ip *Inode) String() string { return fmt.Sprintf("ino %d", ip.Ino) }
