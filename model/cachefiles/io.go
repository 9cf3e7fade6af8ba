package cachefiles

import (
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// The I/O routines of fs/cachefiles/io.c. A read or write builds a kiocb
// (struct cachefiles_kiocb) holding a ref on the file and one on the object,
// with two refs of its own: the issuer's and the completion's. With a
// termination function the I/O is submitted and the issuer drops its kiocb
// ref and returns; the completion (cachefiles_read_complete,
// cachefiles_write_complete) runs later on the cache's dio workqueue
// (fscache's complete.go), calls the termination function there and drops
// the other ref; whichever put is last releases the object and file refs.
// The data moves at submission (the VFS call is made by the issuer): an
// error the VFS returns there completes the kiocb in the issuer (the
// kernel's synchronous path, was_async false), as does an I/O without a
// termination function (a synchronous kiocb).

// kiocb is struct cachefiles_kiocb.
type kiocb struct {
	ref    sim.Atomic // ki_refcnt: the issuer's and the completion's
	f      *cfile
	o      *Object
	term   fscache.TermFunc
	inval  uint32 // inval_counter: the operation's copy of the cookie's
	skip   int64  // a read's hole skipped at its start
	bw     int64  // b_writing: blocks of a write in flight
	issued bool   // the completion runs in completion context (was_async)
	// fsop: issued under a fscache operation (fscache_read/write: the
	// cookie access held until the completion); false for the on-demand
	// daemon's write through the anonymous fd, which holds none.
	fsop bool
	// life is the kiocb's lifetime, to its last put: the completion and
	// the puts are checked against it. Not tracked for leaks (the
	// cache's kiocb count is).
	life sim.Life
}

// newKiocb takes the kiocb's refs on the file and the object.
func (c *Cache) newKiocb(t *sim.Thread, o *Object, f *cfile, term fscache.TermFunc, fsop bool) *kiocb {
	c.kiocbSeq++
	ki := &kiocb{f: f, o: o, term: term, issued: true, fsop: fsop, life: sim.Life{Kind: "cachefiles_kiocb", ID: c.kiocbSeq}}
	ki.ref.Init(2)
	c.kiocbs++
	getFile(t, f)
	o.grab(t, TraceObjGetIOReq)
	if fsop {
		fscache.IOSubmitted(o.cookie)
	}
	return ki
}

// put is cachefiles_put_kiocb(): the last put drops the object and the
// file.
func (c *Cache) putKiocb(t *sim.Thread, ki *kiocb) {
	t.Use(&ki.life)
	if ki.ref.DecAndTest(t) {
		t.Free(&ki.life)
		ki.o.put(t, TraceObjPutIOReq)
		c.fput(t, ki.f)
		if c.kiocbs--; c.kiocbs == 0 && c.dentryCheckDeferred {
			c.dentryCheckDeferred = false
			c.checkDentries(t)
		}
	}
}

// complete runs the kiocb's completion fn in the issuer (the kernel's
// synchronous path: was_async false) when sync, else queues it on the
// cache's dio workqueue; the completion drops its ref, and the issuer
// then drops its own.
func (c *Cache) complete(t *sim.Thread, ki *kiocb, sync bool, name string, fn func(t *sim.Thread, ki *kiocb)) {
	if sync {
		ki.issued = false
		fn(t, ki)
		c.putKiocb(t, ki)
	} else {
		fscache.QueueCompletion(t, &c.dio, name, func(t *sim.Thread) {
			t.Use(&ki.life)
			fn(t, ki)
			c.putKiocb(t, ki)
			if c.F.Mutants.CachefilesKiocbExtraPut {
				c.putKiocb(t, ki)
			}
		})
	}
	c.putKiocb(t, ki) // in_progress: the issuer's ref
}

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
				o.lock.AssertHeld(t, "object->file capture") // lockset: the invalidation swaps it under object->lock
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
// after an invalidation reports ESTALE. With term nil the read is
// synchronous and returns the bytes read; with term set it returns once
// submitted and its completion calls term.
func (c *Cache) Read(t *sim.Thread, cres *fscache.CacheResources, start int64, buf []byte, hole fscache.ReadHole, term fscache.TermFunc) (int, error) {
	t.Use(&c.life)
	fail := func(n int, err error) (int, error) {
		if term != nil {
			term(t, n, err, false)
		}
		return n, err
	}
	if !fscache.WaitForOperation(t, cres, fscache.WantRead) {
		return fail(0, fscache.ErrNoBufs)
	}
	f := cresFile(cres)
	o := objectOf(cres.CachePriv)
	c.F.Stats.Read++
	n := int64(len(buf))
	skipped := int64(0)
	if hole != fscache.ReadHoleIgnore {
		off, err := c.seek(t, f, start, true)
		if err != nil && err != vfs.ENXIO {
			return fail(0, err)
		}
		if err == vfs.ENXIO || off >= start+n {
			if hole == fscache.ReadHoleFail {
				return fail(0, fscache.ErrNoData)
			}
			clear(buf)
			return fail(len(buf), nil)
		}
		skipped = off - start
		clear(buf[:skipped])
	}
	if t.AllocFails(AllocSiteReadKiocb) {
		// presubmission_error: the termination function hears of it.
		if term != nil {
			term(t, 0, vfs.ENOMEM, false)
		}
		return 0, vfs.ENOMEM
	}
	ki := c.newKiocb(t, o, f, term, true)
	ki.inval, ki.skip = cres.InvalCounter, skipped
	c.emit(t, EvRead, oid(o), int64(f.ino), start+skipped, n-skipped)
	data, err := c.read(t, f, start+skipped, int(n-skipped))
	if err == nil {
		copy(buf[skipped:], data)
	}
	got := 0
	c.complete(t, ki, term == nil || err != nil, "cachefiles_read_complete", func(t *sim.Thread, ki *kiocb) {
		got, err = c.readComplete(t, ki, len(data), err)
	})
	if term != nil && err == nil {
		return 0, nil // in progress
	}
	return got, err
}

// readComplete is cachefiles_read_complete(): the read's result, ESTALE
// if the cookie was invalidated since the operation began.
func (c *Cache) readComplete(t *sim.Thread, ki *kiocb, n int, err error) (int, error) {
	fscache.IOCompleted(ki.o.cookie)
	if err != nil {
		c.traceIOError(t, ki.o, ki.f.ino, err, ErrRead)
	} else if ki.o.cookieOf(t).LoadInvalCounter(t) == ki.inval {
		n += int(ki.skip)
	} else {
		n, err = 0, fscache.ErrStale
	}
	if ki.term != nil {
		ki.term(t, n, err, ki.issued)
	}
	return n, err
}

// Write is cachefiles_write(): write data to the file at start. A write
// that ends past EOF is padded with zeros to the DIO block, as the page
// cache's folio beyond EOF is. HAVE_DATA is set on completion, whatever
// the result.
func (c *Cache) Write(t *sim.Thread, cres *fscache.CacheResources, start int64, data []byte, term fscache.TermFunc) error {
	t.Use(&c.life)
	if !fscache.WaitForOperation(t, cres, fscache.WantWrite) {
		if term != nil {
			term(t, 0, fscache.ErrNoBufs, false)
		}
		return fscache.ErrNoBufs
	}
	return c.write1(t, objectOf(cres.CachePriv), cresFile(cres), start, data, term, true)
}

// write1 is __cachefiles_write(). With term nil it is synchronous and
// returns the write's result; with term set it returns nil once the write
// is submitted (an error the VFS returns at once completes in the issuer
// and is returned).
//
// fsop says whether a fscache operation (and its cookie access) covers the
// write: false for the on-demand daemon's write through the anonymous fd.
func (c *Cache) write1(t *sim.Thread, o *Object, f *cfile, start int64, data []byte, term fscache.TermFunc, fsop bool) error {
	c.F.Stats.Write++
	if t.AllocFails(AllocSiteWriteKiocb) {
		if term != nil {
			term(t, 0, vfs.ENOMEM, false)
		}
		return vfs.ENOMEM
	}
	end := start + int64(len(data))
	if st, err := c.stat(f.ino); err == nil && end > st.Size && end%DIOBlockSize != 0 {
		data = append(append([]byte(nil), data...), make([]byte, roundUp(end, DIOBlockSize)-end)...)
	}
	ki := c.newKiocb(t, o, f, term, fsop)
	ki.bw = (int64(len(data)) + c.bsize - 1) >> c.bshift
	c.bWriting.Add(t, ki.bw)
	c.emit(t, EvWrite, oid(o), int64(f.ino), start, int64(len(data)))
	err := c.write(t, f, start, data)
	n := len(data)
	c.complete(t, ki, term == nil || err != nil, "cachefiles_write_complete", func(t *sim.Thread, ki *kiocb) {
		c.writeComplete(t, ki, n, err)
	})
	return err
}

// writeComplete is cachefiles_write_complete().
func (c *Cache) writeComplete(t *sim.Thread, ki *kiocb, n int, err error) {
	if ki.fsop {
		fscache.IOCompleted(ki.o.cookie)
	}
	if err != nil {
		c.traceIOError(t, ki.o, ki.f.ino, err, ErrWrite)
		n = 0
	}
	c.bWriting.Add(t, -ki.bw)
	ki.o.cookieOf(t).Flags().Set(t, fscache.FlagHaveData)
	if ki.term != nil {
		ki.term(t, n, err, ki.issued)
	}
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
	if c.onLayout != nil {
		return c.observedPrepareWrite(t, o, cresFile(cres), start, length, noSpaceAllocatedYet)
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
	if c.F.Mutants.CachefilesWriteOverAllocates {
		c.fallocate(t, f, vfs.FallocKeepSize, *start+*length, PageSize, injectWrite)
	}
	if c.F.Mutants.Layout.OverwriteRefused && !noSpace {
		return c.hasSpace(t, 0, pages, spaceForWrite)
	}
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
