package cachefiles

import (
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// The I/O routines of fs/cachefiles/io.c. The model's I/O is synchronous:
// each call returns when the kiocb's completion would have run, holding,
// as the kiocb does, a ref on the file and one on the object meanwhile.

// Source is enum netfs_io_source: where prepare_read says a subrequest's
// data comes from.
type Source uint8

const (
	SourceFillWithZeroes     Source = iota // NETFS_FILL_WITH_ZEROES
	SourceDownloadFromServer               // NETFS_DOWNLOAD_FROM_SERVER
	SourceReadFromCache                    // NETFS_READ_FROM_CACHE
	SourceInvalidRead                      // NETFS_INVALID_READ
)

var sourceNames = [...]string{"ZERO", "DOWN", "READ", "INVL"}

func (s Source) String() string {
	if int(s) < len(sourceNames) {
		return sourceNames[s]
	}
	return "----"
}

// SreqCopyToCache is NETFS_SREQ_COPY_TO_CACHE (bit 0 of the subrequest
// flags): the netfs should write what it downloads to the cache.
const SreqCopyToCache = 1 << 0

// SreqOndemand is NETFS_SREQ_ONDEMAND (bit 5): an on-demand read (erofs
// over fscache), whose holes prepare_read asks the daemon to fill.
const SreqOndemand = 1 << 5

// cresFile is the file an operation captured (cres->cache_priv2).
func cresFile(cres *fscache.CacheResources) *cfile {
	f, _ := cres.CachePriv2.(*cfile)
	return f
}

// ioErr maps an errno to the fscache error a netfs tests for.
func ioErr(err error) error {
	switch err {
	case vfs.ENOBUFS:
		return fscache.ErrNoBufs
	case vfs.ESTALE:
		return fscache.ErrStale
	case vfs.ENODATA:
		return fscache.ErrNoData
	}
	return err
}

// BeginOperation is cachefiles_begin_operation(): capture a ref on the
// object's current file for the operation.
func (c *Cache) BeginOperation(t *sim.Thread, cres *fscache.CacheResources, want fscache.Want) bool {
	t.Use(&c.life)
	o := objectOf(cres.CachePriv)
	if cresFile(cres) == nil {
		cres.Ops = c
		if o.file != nil {
			o.lock.Lock(t)
			if cresFile(cres) == nil && o.file != nil {
				cres.CachePriv2 = getFile(t, o.file)
			}
			o.lock.Unlock(t)
		}
	}
	if cresFile(cres) == nil && want != fscache.WantParams {
		c.emitWarn(t, "CacheFiles: failed to get cres->file")
		return false
	}
	return true
}

// EndOperation is cachefiles_end_operation(): drop the captured file and
// end the operation's cookie access.
func (c *Cache) EndOperation(t *sim.Thread, cres *fscache.CacheResources) {
	t.Use(&c.life)
	if f := cresFile(cres); f != nil {
		cres.CachePriv2 = nil
		c.fput(t, f)
	}
	fscache.EndCookieAccess(t, cres.CachePriv, fscache.TraceAccessIOEnd)
}

// Read is cachefiles_read(): fill buf from the file at start. With a hole
// policy, a range holding no data fails with ENODATA (ReadHoleFail) or
// reads as zeros, and a hole at its start is zeroed; a read that completes
// after an invalidation reports ESTALE.
func (c *Cache) Read(t *sim.Thread, cres *fscache.CacheResources, start int64, buf []byte, hole fscache.ReadHole) (int, error) {
	t.Use(&c.life)
	if !fscache.WaitForOperation(t, cres, fscache.WantRead) {
		return 0, fscache.ErrNoBufs
	}
	f := cresFile(cres)
	o := objectOf(cres.CachePriv)
	c.F.Stats.Read++
	n := int64(len(buf))
	skipped := int64(0)
	if hole != fscache.ReadHoleIgnore {
		off, err := c.seek(t, f, start, true)
		if err != nil && err != vfs.ENXIO {
			return 0, err
		}
		if err == vfs.ENXIO || off >= start+n {
			if hole == fscache.ReadHoleFail {
				return 0, fscache.ErrNoData
			}
			clear(buf)
			return len(buf), nil
		}
		skipped = off - start
		clear(buf[:skipped])
	}
	getFile(t, f)
	o.grab(t, TraceObjGetIOReq)
	c.emit(t, EvRead, oid(o), int64(f.ino), start+skipped, n-skipped)
	data, err := c.read(t, f, start+skipped, int(n-skipped))
	// Completion (cachefiles_read_complete).
	var got int
	if err != nil {
		c.traceIOError(t, o, f.ino, err, ErrRead)
	} else {
		copy(buf[skipped:], data)
		if o.cookieOf(t).LoadInvalCounter(t) == cres.InvalCounter {
			got = int(skipped) + len(data)
		} else {
			err = fscache.ErrStale
		}
	}
	o.put(t, TraceObjPutIOReq)
	c.fput(t, f)
	return got, err
}

// Write is cachefiles_write(): write data to the file at start. A write
// that ends past EOF is padded with zeros to the DIO block, as the page
// cache's folio beyond EOF is. HAVE_DATA is set on completion, whatever
// the result.
func (c *Cache) Write(t *sim.Thread, cres *fscache.CacheResources, start int64, data []byte) error {
	t.Use(&c.life)
	if !fscache.WaitForOperation(t, cres, fscache.WantWrite) {
		return fscache.ErrNoBufs
	}
	return c.write1(t, objectOf(cres.CachePriv), cresFile(cres), start, data)
}

// write1 is __cachefiles_write().
func (c *Cache) write1(t *sim.Thread, o *Object, f *cfile, start int64, data []byte) error {
	c.F.Stats.Write++
	end := start + int64(len(data))
	if st, err := c.stat(f.ino); err == nil && end > st.Size && end%DIOBlockSize != 0 {
		data = append(append([]byte(nil), data...), make([]byte, roundUp(end, DIOBlockSize)-end)...)
	}
	bw := (int64(len(data)) + c.bsize - 1) >> c.bshift
	c.bWriting.Add(t, bw)
	getFile(t, f)
	o.grab(t, TraceObjGetIOReq)
	c.emit(t, EvWrite, oid(o), int64(f.ino), start, int64(len(data)))
	err := c.write(t, f, start, data)
	// Completion (cachefiles_write_complete).
	if err != nil {
		c.traceIOError(t, o, f.ino, err, ErrWrite)
	}
	c.bWriting.Add(t, -bw)
	o.cookieOf(t).Flags().Set(t, fscache.FlagHaveData)
	o.put(t, TraceObjPutIOReq)
	c.fput(t, f)
	return err
}

// PrepareWrite is cachefiles_prepare_write(): wait for a file if the
// operation has none, then check the range's alignment and the space.
func (c *Cache) PrepareWrite(t *sim.Thread, cres *fscache.CacheResources, start, length *int64, iSize int64, noSpaceAllocatedYet bool) error {
	t.Use(&c.life)
	o := objectOf(cres.CachePriv)
	if cresFile(cres) == nil {
		if !fscache.WaitForOperation(t, cres, fscache.WantWrite) || cresFile(cres) == nil {
			return fscache.ErrNoBufs
		}
	}
	return ioErr(c.prepareWrite(t, o, cresFile(cres), start, length, *length, noSpaceAllocatedYet))
}

// prepareWrite is __cachefiles_prepare_write().
func (c *Cache) prepareWrite(t *sim.Thread, o *Object, f *cfile, start, length *int64, upper int64, noSpace bool) error {
	if *start%PageSize != 0 || *length > upper {
		c.F.Stats.DIOMisfit++
		return vfs.ENOBUFS
	}
	*length = roundUp(*length, PageSize)
	pages := uint64(*length / PageSize)
	if noSpace {
		return c.hasSpace(t, 0, pages, spaceForWrite)
	}
	pos, err := c.seek(t, f, *start, true)
	if err != nil {
		if err == vfs.ENXIO {
			return c.hasSpace(t, 0, pages, spaceForWrite) // unallocated tail
		}
		c.traceIOError(t, o, f.ino, err, ErrSeek)
		return err
	}
	if pos >= *start+*length {
		return c.hasSpace(t, 0, pages, spaceForWrite) // unallocated region
	}
	if c.hasSpace(t, 0, pages, spaceCheck) == nil {
		return nil // room to overwrite the whole block
	}
	pos, err = c.seek(t, f, *start, false)
	if err != nil {
		c.traceIOError(t, o, f.ino, err, ErrSeek)
		return err
	}
	if pos >= *start+*length {
		return nil // fully allocated
	}
	// Partially allocated and short of space: punch the range out; the
	// write then goes ahead.
	c.F.Stats.NoWriteSpace++
	if err := c.fallocate(t, f, vfs.FallocPunchHole|vfs.FallocKeepSize, *start, *length, injectRemove); err != nil {
		c.traceIOError(t, o, f.ino, err, ErrFallocate)
		c.ioErrorObj(t, o, "CacheFiles: fallocate failed (%d)", vfs.Code(err))
		return vfs.EIO
	}
	return nil
}

// PrepareRead is cachefiles_prepare_read(): decide where the subrequest
// [start, start+*length) of a file of size iSize comes from, maybe
// shortening it, and whether to copy what is downloaded to the cache
// (SreqCopyToCache in *flags). netfsIno is printed as ni=.
func (c *Cache) PrepareRead(t *sim.Thread, cres *fscache.CacheResources, start int64, length *int64, iSize int64, flags *uint32, netfsIno uint64) Source {
	t.Use(&c.life)
	ck := cres.CachePriv
	f := cresFile(cres)
	var o *Object
	ino := vfs.Ino(0)
	if f != nil {
		ino = f.ino
	}
	ret := SourceDownloadFromServer
	why := ""
	n := *length
	var off, to int64
	var err error
	switch {
	case start >= iSize:
		ret, why = SourceFillWithZeroes, PrepReadAfterEOF
		goto out
	case ck.Flags().Test(t, fscache.FlagNoDataToRead):
		*flags |= SreqCopyToCache
		why = PrepReadNoData
		if *flags&SreqOndemand == 0 {
			goto out
		}
	}
	if f == nil {
		why = PrepReadNoFile
		if !fscache.WaitForOperation(t, cres, fscache.WantRead) {
			goto out
		}
		if f = cresFile(cres); f == nil {
			goto out
		}
		ino = f.ino
	}
	o = objectOf(ck)
retry:
	off, err = c.seek(t, f, start, true)
	if err != nil {
		if err == vfs.ENXIO {
			why = PrepReadSeekNXIO
			goto downloadAndStore
		}
		c.traceIOError(t, o, f.ino, err, ErrSeek)
		why = PrepReadSeekError
		goto out
	}
	if off >= start+n {
		why = PrepReadFoundHole
		goto downloadAndStore
	}
	if off > start {
		off = roundUp(off, c.bsize)
		n = off - start
		*length = n
		why = PrepReadFoundPart
		goto downloadAndStore
	}
	to, err = c.seek(t, f, start, false)
	if err != nil {
		c.traceIOError(t, o, f.ino, err, ErrSeek)
		why = PrepReadSeekError
		goto out
	}
	if to < start+n {
		if start+n >= iSize {
			to = roundUp(to, c.bsize)
		} else {
			to = roundDown(to, c.bsize)
		}
		n = to - start
		*length = n
	}
	why, ret = PrepReadHaveData, SourceReadFromCache
	goto out
downloadAndStore:
	*flags |= SreqCopyToCache
	if *flags&SreqOndemand != 0 {
		if c.OndemandRead(t, o, start, n) == nil {
			*flags &^= SreqOndemand
			goto retry
		}
		ret = SourceInvalidRead
	}
out:
	c.emit2(t, EvPrepRead, oid(o), why, int64(ret), int64(*flags), start, n, int64(netfsIno), int64(ino))
	return ret
}

// QueryOccupancy is cachefiles_query_occupancy(): the first run of data in
// [start, start+length) at granularity (at least the block size), or
// ENODATA.
func (c *Cache) QueryOccupancy(t *sim.Thread, cres *fscache.CacheResources, start, length int64, granularity int64) (dataStart, dataLen int64, err error) {
	t.Use(&c.life)
	f := cresFile(cres)
	if f == nil {
		return 0, 0, fscache.ErrNoData
	}
	granularity = max(granularity, c.bsize)
	end := start + length
	off, err := c.seek(t, f, start, true)
	if err != nil {
		if err == vfs.ENXIO {
			return 0, 0, fscache.ErrNoData
		}
		return 0, 0, fscache.ErrNoBufs
	}
	if roundUp(off, granularity) >= end {
		return 0, 0, fscache.ErrNoData
	}
	to, err := c.seek(t, f, off, false)
	if err != nil {
		if err == vfs.ENXIO {
			return 0, 0, fscache.ErrNoData
		}
		return 0, 0, fscache.ErrNoBufs
	}
	off, to = roundUp(off, granularity), roundDown(to, granularity)
	if to <= off {
		return 0, 0, fscache.ErrNoData
	}
	// the length is clamped to the caller's length, not to the end
	// of the range.
	return off, min(to-off, length), nil
}

func (c *Cache) emit2(t *sim.Thread, ty sim.EventType, o uint32, s string, args ...int64) {
	e := sim.Event{Type: ty, Obj: o, Str: [2]string{s}}
	copy(e.Args[:], args)
	t.Emit(e)
}
