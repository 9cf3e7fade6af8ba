package fscache

import (
	"bytes"

	"github.com/fscachesim/fscachesim/sim"
)

// MemBackend is a small, correct in-memory cache backend for fscache's own
// tests and scenarios: it keeps each object's data and coherency data in
// memory, with cachefiles' object lifetimes (the object holds a cookie ref,
// is counted on the cache, and is committed or deleted at withdrawal). Its
// PrepareWrite dereferences the cookie's backend object the way
// cachefiles_prepare_write does, so a discard under I/O oopses as in
// CVE-2022-48989.
type MemBackend struct {
	// Faults a test can switch on.
	FailAcquireVolume bool // acquire_volume leaves the volume without cache_priv (T3)
	FailLookup        int  // 1: lookup calls caching_failed and fails (T6); 2: lookup just fails (T6', quirk Q-1)
	FailInvalidate    bool // invalidate_cookie returns false (T8')
	FailWrite         bool // write fails before reaching the object (a disk's EIO): its old contents stay
	IgnoreCoherency   bool // planted bug: lookup accepts an object whose coherency data does not match
	// WithdrawDelay makes withdraw_cookie sleep this long first, as
	// cachefiles' commit or delete does on a slow disk: the relinquish
	// (or LRU discard, or withdrawal) is held up that long.
	WithdrawDelay sim.Time

	F       *Fscache
	Cache   *Cache
	store   map[string]*memFile // committed objects by volume key + cookie key (lookups only)
	objects []*memObject        // the cache's object list
	nextID  uint32
	dio     sim.Workqueue // where I/O completes (complete.go)
}

type memObject struct {
	life   sim.Life
	id     uint32
	ref    sim.Atomic
	cookie *Cookie
	file   *memFile
}

type memFile struct {
	// The file is size bytes long: data, then zeros. Zeros written past
	// the end of data only move size (the scenarios write zero blocks:
	// keeping them cost 4 KiB per object per execution).
	data       []byte
	size       int64
	objectSize int64
	aux        []byte
	dirty      bool
}

type memVolume struct{ v *Volume }

// memIO is an operation's hold on its object's file (cres->cache_priv2):
// the object (an I/O takes a ref on it, as a cachefiles kiocb does) and the
// file as it was when the operation began.
type memIO struct {
	o *memObject
	f *memFile
}

// NewMemBackend binds an in-memory cache with tag name (fscache_acquire_cache
// + fscache_add_cache).
func NewMemBackend(t *sim.Thread, f *Fscache, name string) (*MemBackend, error) {
	c, err := f.AcquireCache(t, name)
	if err != nil {
		return nil, err
	}
	b := &MemBackend{F: f, Cache: c, store: map[string]*memFile{}, dio: DIOWorkqueue("memcache")}
	AddCache(t, c, b, b)
	return b, nil
}

func (b *MemBackend) Name() string { return "memcache" }

func storeKey(c *Cookie) string { return c.Volume.Key + "/" + string(c.Key) }

// Objects is the number of live backend objects.
func (b *MemBackend) Objects() int { return len(b.objects) }

func (b *MemBackend) AcquireVolume(t *sim.Thread, v *Volume) {
	if b.FailAcquireVolume {
		return
	}
	v.SetCachePriv(t, &memVolume{v: v})
	v.PinAccess(t)
}

func (b *MemBackend) FreeVolume(t *sim.Thread, v *Volume) { v.SetCachePriv(t, nil) }

func (b *MemBackend) LookupCookie(t *sim.Thread, c *Cookie) bool {
	switch b.FailLookup {
	case 1:
		CachingFailed(t, c)
		return false
	case 2:
		return false
	}
	GetCookie(t, c, TraceCookieGetAttachObject)
	b.nextID++
	o := &memObject{id: b.nextID, cookie: c}
	o.life = sim.Life{Kind: "object", ID: o.id}
	t.Kernel().Track(&o.life)
	o.ref.Init(1)
	CountObject(t, b.Cache)
	c.SetCachePriv(t, o)
	f := b.store[storeKey(c)]
	switch {
	case f == nil:
		CookieLookupNegative(t, c)
		o.file = &memFile{objectSize: c.ObjectSize}
		c.flags.Set(t, FlagNeedsUpdate)
		NeedsUpdatePoint(t, c)
	case !b.IgnoreCoherency && (f.dirty || f.objectSize != c.ObjectSize || string(f.aux) != string(c.Aux)):
		CookieLookupNegative(t, c)
		o.file = &memFile{objectSize: c.ObjectSize}
		c.flags.Set(t, FlagNeedsUpdate)
		NeedsUpdatePoint(t, c)
	default:
		o.file = f
		c.flags.Clear(t, FlagNoDataToRead)
	}
	b.objects = append(b.objects, o)
	return true
}

func (b *MemBackend) putObject(t *sim.Thread, o *memObject) {
	t.Use(&o.life)
	if o.ref.Dec(t) == 0 {
		c := o.cookie
		t.Free(&o.life)
		PutCookie(t, c, TraceCookiePutObject)
		UncountObject(t, b.Cache)
	}
}

func (b *MemBackend) WithdrawCookie(t *sim.Thread, c *Cookie) {
	o, _ := c.CachePriv.(*memObject)
	if o == nil {
		return
	}
	if b.WithdrawDelay > 0 {
		t.Sleep(b.WithdrawDelay)
	}
	for i, x := range b.objects {
		if x == o {
			b.objects = append(b.objects[:i:i], b.objects[i+1:]...)
			break
		}
	}
	if c.flags.Test(t, FlagRetired) {
		delete(b.store, storeKey(c))
	} else if o.file != nil {
		o.file.aux = append([]byte(nil), c.Aux...)
		o.file.objectSize = c.ObjectSize
		c.flags.TestAndClear(t, FlagLocalWrite)
		c.flags.TestAndClear(t, FlagNeedsUpdate)
		o.file.dirty = false
		b.store[storeKey(c)] = o.file
	}
	o.file = nil
	c.SetCachePriv(t, nil)
	b.putObject(t, o)
}

func (b *MemBackend) ResizeCookie(t *sim.Thread, cres *CacheResources, newSize int64) {
	ResizePoint(t, cres)
	c := cres.CachePriv
	if o, _ := c.LoadCachePriv(t).(*memObject); o != nil && o.file != nil && o.file.size > newSize {
		o.file.size = newSize
		if int64(len(o.file.data)) > newSize {
			o.file.data = o.file.data[:newSize]
		}
	}
	c.ObjectSize = newSize
}

func (b *MemBackend) InvalidateCookie(t *sim.Thread, c *Cookie) bool {
	if b.FailInvalidate {
		return false
	}
	if o, _ := c.CachePriv.(*memObject); o != nil {
		o.file = &memFile{objectSize: c.ObjectSize}
		c.flags.Set(t, FlagNeedsUpdate)
		NeedsUpdatePoint(t, c)
	}
	ResumeAfterInvalidation(t, c)
	return true
}

func (b *MemBackend) BeginOperation(t *sim.Thread, cres *CacheResources, want Want) bool {
	cres.Ops = b
	if o, _ := cres.CachePriv.LoadCachePriv(t).(*memObject); o != nil && o.file != nil {
		cres.CachePriv2 = &memIO{o: o, f: o.file}
	}
	return cres.CachePriv2 != nil || want == WantParams
}

func (b *MemBackend) PrepareToWrite(t *sim.Thread, c *Cookie) {
	if o, _ := c.LoadCachePriv(t).(*memObject); o != nil && o.file != nil {
		o.file.dirty = true
	}
}

func (b *MemBackend) EndOperation(t *sim.Thread, cres *CacheResources) {
	cres.CachePriv2 = nil
	EndCookieAccess(t, cres.CachePriv, TraceAccessIOEnd)
}

// startIO is the I/O's hold on its object (cachefiles_grab_object(ioreq)).
func (b *MemBackend) startIO(t *sim.Thread, o *memObject) {
	t.Use(&o.life)
	o.ref.Inc(t)
	IOSubmitted(o.cookie)
}

// endIO drops the I/O's object ref (the kiocb's last put).
func (b *MemBackend) endIO(t *sim.Thread, o *memObject) { b.putObject(t, o) }

// Read copies from the object at submission; the completion (in the
// issuer with term nil, else on the dio workqueue) checks the cookie's
// invalidation counter as cachefiles_read_complete does. The I/O holds a
// ref on the object (and so on the cookie) until its completion is done.
func (b *MemBackend) Read(t *sim.Thread, cres *CacheResources, start int64, buf []byte, hole ReadHole, term TermFunc) (int, error) {
	fail := func(err error) (int, error) {
		if term != nil {
			term(t, 0, err, false)
		}
		return 0, err
	}
	if !WaitForOperation(t, cres, WantRead) {
		return fail(ErrNoBufs)
	}
	io, _ := cres.CachePriv2.(*memIO)
	if io == nil {
		return fail(ErrNoBufs)
	}
	f := io.f
	b.F.Stats.Read++
	if hole == ReadHoleFail && start+int64(len(buf)) > f.size {
		return fail(ErrNoData) // a hole: the caller downloads instead
	}
	n := f.read(start, buf)
	c, inval := cres.CachePriv, cres.InvalCounter
	b.startIO(t, io.o)
	complete := func(t *sim.Thread, wasAsync bool) (int, error) {
		defer b.endIO(t, io.o)
		IOCompleted(c)
		var err error
		if c.LoadInvalCounter(t) != inval {
			n, err = 0, ErrStale
		}
		if term != nil {
			term(t, n, err, wasAsync)
		}
		return n, err
	}
	if term == nil {
		return complete(t, false)
	}
	QueueCompletion(t, &b.dio, "memcache_read_complete", func(t *sim.Thread) { complete(t, true) })
	return 0, nil
}

// Write writes to the object at submission; the completion (in the issuer
// with term nil, else on the dio workqueue) sets HAVE_DATA and calls term,
// as cachefiles_write_complete does.
func (b *MemBackend) Write(t *sim.Thread, cres *CacheResources, start int64, data []byte, term TermFunc) error {
	fail := func(err error) error {
		if term != nil {
			term(t, 0, err, false)
		}
		return err
	}
	if !WaitForOperation(t, cres, WantWrite) {
		return fail(ErrNoBufs)
	}
	io, _ := cres.CachePriv2.(*memIO)
	if io == nil || b.FailWrite {
		return fail(ErrNoBufs)
	}
	b.F.Stats.Write++
	io.f.write(start, data)
	c, n := cres.CachePriv, len(data)
	b.startIO(t, io.o)
	complete := func(t *sim.Thread, wasAsync bool) {
		defer b.endIO(t, io.o)
		IOCompleted(c)
		t.Use(&c.life)
		c.flags.Set(t, FlagHaveData)
		if term != nil {
			term(t, n, nil, wasAsync)
		}
	}
	if term == nil {
		complete(t, false)
		return nil
	}
	QueueCompletion(t, &b.dio, "memcache_write_complete", func(t *sim.Thread) { complete(t, true) })
	return nil
}

// PrepareWrite looks at the cookie's backend object as
// cachefiles_prepare_write does (through cres->cache_priv); a cookie
// discarded under the operation has none, and that is an oops.
func (b *MemBackend) PrepareWrite(t *sim.Thread, cres *CacheResources, start, length *int64, iSize int64, noSpace bool) error {
	o, _ := cres.CachePriv.LoadCachePriv(t).(*memObject)
	_ = o.cookie // NULL dereference if the object was withdrawn under us
	return nil
}

// Withdraw is the backend's cache withdrawal (cachefiles_withdraw_cache's
// order, spec §8.4): stop new accesses, withdraw the volumes' pins, withdraw
// every object, wait for them, release the volumes, relinquish the cache.
func (b *MemBackend) Withdraw(t *sim.Thread) {
	WithdrawCache(t, b.Cache)
	for _, v := range b.F.volumes {
		if v.Cache == b.Cache && v.CachePriv != nil && v.nAccesses.Peek() != 0 && !(b.F.Mutants.MemWithdrawSkipsPinOnly && v.nAccesses.Peek() == 1) {
			if TryGetVolume(t, v, TraceVolumeGetWithdraw) {
				WithdrawVolume(t, v)
				PutVolume(t, v, TraceVolumePutWithdraw)
			}
		}
	}
	for len(b.objects) > 0 {
		o := b.objects[0]
		b.objects = b.objects[1:]
		WithdrawCookie(t, o.cookie)
	}
	WaitForObjects(t, b.Cache)
	for _, v := range b.F.volumes {
		if v.Cache == b.Cache {
			v.SetCachePriv(t, nil)
		}
	}
	RelinquishCache(t, b.Cache)
}

// read copies the file from start into buf and returns how many bytes it
// copied (up to the end of the file).
func (f *memFile) read(start int64, buf []byte) int {
	n := 0
	if start < int64(len(f.data)) {
		n = copy(buf, f.data[start:])
	}
	if end := min(f.size-start, int64(len(buf))); int64(n) < end {
		clear(buf[n:end])
		n = int(end)
	}
	return n
}

// write stores data at start, extending the file.
func (f *memFile) write(start int64, data []byte) {
	end := start + int64(len(data))
	f.size = max(f.size, end)
	if start < int64(len(f.data)) || !isZero(data) {
		if end > int64(len(f.data)) {
			f.data = append(f.data, make([]byte, end-int64(len(f.data)))...)
		}
		copy(f.data[start:], data)
	}
}

// isZero reports whether b is all zeros.
func isZero(b []byte) bool {
	for len(b) > 0 {
		n := min(len(b), len(zeroPage))
		if !bytes.Equal(b[:n], zeroPage[:n]) {
			return false
		}
		b = b[n:]
	}
	return true
}

var zeroPage [4096]byte
