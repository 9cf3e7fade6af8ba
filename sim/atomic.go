package sim

// Atomics, bit operations and plain shared variables. Every operation is one
// scheduling point followed by the whole operation, so a read-modify-write is
// indivisible while a load followed by a store is not. Peek reads without a
// scheduling point: for checkers, tracing and assertions only.

// Atomic is atomic_t / atomic_long_t / refcount_t. Every read-modify-write
// returns a value and is fully ordered (a full barrier in a weak-memory
// run, weakmem.go); Store is atomic_set(), a plain store.
type Atomic struct {
	id   uint32
	v    int64
	pend []pendStore[int64] // stores buffered by threads (weak memory)
	gen  *uint32            // Watch
}

func (a *Atomic) flushOne(t *Thread) { a.pend = flushOneOf(&a.v, a.pend, t); touch(a.gen) }

// Watch makes every change of the value (and of its buffered stores) bump
// *gen: the owner's generation, by which a checker tells an object whose
// checked fields changed (checker/doc.go, "Incremental checks"). Set once,
// before publication.
func (a *Atomic) Watch(gen *uint32) { a.gen = gen }

// touch bumps a watched generation (Watch).
func touch(gen *uint32) {
	if gen != nil {
		*gen++
	}
}

// ordered is the full barrier of a value-returning RMW.
func (a *Atomic) ordered(t *Thread) {
	if len(t.sb) > 0 {
		t.drain()
	}
}

func (a *Atomic) rd(t *Thread) { t.point(Access{Obj: t.k.ObjID(&a.id), Kind: AccRead}) }
func (a *Atomic) wr(t *Thread) { t.point(Access{Obj: t.k.ObjID(&a.id), Kind: AccWrite}) }

// Init sets the value without a scheduling point (before publication).
func (a *Atomic) Init(v int64) { a.v = v; touch(a.gen) }

// Peek returns the value without a scheduling point.
func (a *Atomic) Peek() int64 {
	if len(a.pend) > 0 { // a weak-memory run's buffered stores (out of line: Peek inlines)
		return a.peekPending()
	}
	return a.v
}

func (a *Atomic) peekPending() int64 { return peekOf(a.v, a.pend) }

// ID is the object id used in accesses.
func (a *Atomic) ID(k *Kernel) uint32 { return k.ObjID(&a.id) }

// Load is atomic_read().
func (a *Atomic) Load(t *Thread) int64 {
	a.rd(t)
	if len(a.pend) > 0 {
		return viewOf(a.v, a.pend, t)
	}
	return a.v
}

// Store is atomic_set(): a plain store, buffered in a weak-memory run.
func (a *Atomic) Store(t *Thread, v int64) {
	a.wr(t)
	touch(a.gen)
	if t.k.weak() {
		a.pend = append(a.pend, pendStore[int64]{t, v})
		t.buffer(a, t.k.ObjID(&a.id))
		return
	}
	a.v = v
}

// Add is atomic_add_return(): it returns the new value.
func (a *Atomic) Add(t *Thread, d int64) int64 {
	a.wr(t)
	a.ordered(t)
	a.v += d
	touch(a.gen)
	return a.v
}

// Inc is atomic_inc_return().
func (a *Atomic) Inc(t *Thread) int64 { return a.Add(t, 1) }

// Dec is atomic_dec_return().
func (a *Atomic) Dec(t *Thread) int64 { return a.Add(t, -1) }

// FetchAdd is atomic_fetch_add(): it returns the old value.
func (a *Atomic) FetchAdd(t *Thread, d int64) int64 {
	a.wr(t)
	a.ordered(t)
	o := a.v
	a.v += d
	touch(a.gen)
	return o
}

// AddUnless is atomic_add_unless(): add d unless the value is u; reports
// whether it added.
func (a *Atomic) AddUnless(t *Thread, d, u int64) bool {
	a.wr(t)
	a.ordered(t)
	if a.v == u {
		return false
	}
	a.v += d
	touch(a.gen)
	return true
}

// FetchAddUnless is atomic_fetch_add_unless(): add d unless the value is u;
// returns the old value.
func (a *Atomic) FetchAddUnless(t *Thread, d, u int64) int64 {
	a.wr(t)
	a.ordered(t)
	o := a.v
	if o != u {
		a.v += d
		touch(a.gen)
	}
	return o
}

// IncNotZero is atomic_inc_not_zero() / refcount_inc_not_zero().
func (a *Atomic) IncNotZero(t *Thread) bool { return a.AddUnless(t, 1, 0) }

// DecAndTest is atomic_dec_and_test(): reports whether the value reached 0.
func (a *Atomic) DecAndTest(t *Thread) bool { return a.Add(t, -1) == 0 }

// CmpXchg is atomic_cmpxchg(): if the value is old set it to new; returns
// the value seen.
func (a *Atomic) CmpXchg(t *Thread, old, new int64) int64 {
	a.wr(t)
	a.ordered(t)
	o := a.v
	if o == old {
		a.v = new
		touch(a.gen)
	}
	return o
}

// Flags is an unsigned long used as a bitmap (cookie->flags).
//
// In the MemWeak model (weakmem.go) the unordered bit operations, set_bit()
// and clear_bit(), and the clear of clear_bit_unlock() after its release,
// are buffered like stores: the read-modify-write is made on memory when
// the store buffer flushes it (so no other bit's update is lost), the
// storing thread sees its own buffered operations at once, and a later
// load of another location may overtake it (which is why the kernel puts
// smp_mb__after_atomic() between a clear_bit_unlock() and wake_up_bit(), as
// clear_and_wake_up_bit() does). Under MemTSO they go straight to memory,
// as x86's locked instructions do. The value-returning operations
// (test_and_set_bit, test_and_clear_bit) are fully ordered everywhere.
type Flags struct {
	id   uint32
	v    uint64
	pend []pendStore[bitOp] // bit operations buffered by threads (MemWeak)
	gen  *uint32            // Watch
}

// Watch is Atomic.Watch for a bitmap: every bit operation (buffered,
// flushed, or a bit lock taken or released) bumps *gen.
func (f *Flags) Watch(gen *uint32) { f.gen = gen }

// bitOp is a buffered set_bit (set) or clear_bit of the bits in mask.
type bitOp struct {
	mask uint64
	set  bool
}

func (o bitOp) apply(v uint64) uint64 {
	if o.set {
		return v | o.mask
	}
	return v &^ o.mask
}

func (f *Flags) flushOne(t *Thread) {
	for i, p := range f.pend {
		if p.t == t {
			f.v = p.v.apply(f.v)
			f.pend = append(f.pend[:i], f.pend[i+1:]...)
			touch(f.gen)
			return
		}
	}
	panic("sim: store buffer out of step with its flags word")
}

// view is the bitmap thread t loads: memory with t's own buffered
// operations applied in program order.
func (f *Flags) view(t *Thread) uint64 {
	v := f.v
	for _, p := range f.pend {
		if p.t == t {
			v = p.v.apply(v)
		}
	}
	return v
}

// bitRMW makes an unordered bit operation: buffered under MemWeak, else
// straight to memory.
func (f *Flags) bitRMW(t *Thread, op bitOp) {
	touch(f.gen)
	if t.k.opts.Memory == MemWeak {
		f.pend = append(f.pend, pendStore[bitOp]{t, op})
		t.buffer(f, t.k.ObjID(&f.id))
		return
	}
	f.v = op.apply(f.v)
}

func (f *Flags) rd(t *Thread) { t.point(Access{Obj: t.k.ObjID(&f.id), Kind: AccRead}) }
func (f *Flags) wr(t *Thread) { t.point(Access{Obj: t.k.ObjID(&f.id), Kind: AccWrite}) }

// Init sets the bits without a scheduling point.
func (f *Flags) Init(v uint64) { f.v = v; touch(f.gen) }

// Peek returns the bitmap without a scheduling point: as Var.Peek, during
// a step what the running thread would load, between steps every buffered
// operation applied, for the lost-wakeup check memory.
func (f *Flags) Peek() uint64 {
	if len(f.pend) == 0 {
		return f.v
	}
	k := f.pend[0].t.k
	switch {
	case k.peekMem:
		return f.v
	case k.cur != nil:
		return f.view(k.cur)
	}
	v := f.v
	for _, p := range f.pend {
		v = p.v.apply(v)
	}
	return v
}

// Has reports bit without a scheduling point (as Peek).
func (f *Flags) Has(bit int) bool { return f.Peek()&(1<<bit) != 0 }

// ID is the object id used in accesses.
func (f *Flags) ID(k *Kernel) uint32 { return k.ObjID(&f.id) }

// Test is test_bit().
func (f *Flags) Test(t *Thread, bit int) bool {
	f.rd(t)
	if len(f.pend) > 0 {
		return f.view(t)&(1<<bit) != 0
	}
	return f.v&(1<<bit) != 0
}

// Set is set_bit(): unordered (buffered under MemWeak).
func (f *Flags) Set(t *Thread, bit int) { f.wr(t); f.bitRMW(t, bitOp{1 << bit, true}) }

// Clear is clear_bit(): unordered (buffered under MemWeak).
func (f *Flags) Clear(t *Thread, bit int) { f.wr(t); f.bitRMW(t, bitOp{1 << bit, false}) }

// ClearBitUnlock is clear_bit_unlock(): clear_bit with RELEASE order, so
// every earlier store is visible before the bit clears; later loads may
// still overtake the clear under MemWeak (no smp_mb__after_atomic()).
func (f *Flags) ClearBitUnlock(t *Thread, bit int) {
	f.wr(t)
	t.release()
	f.bitRMW(t, bitOp{1 << bit, false})
}

// TestAndSet is test_and_set_bit(): it returns the old bit. Fully ordered.
func (f *Flags) TestAndSet(t *Thread, bit int) bool {
	f.wr(t)
	t.drain()
	o := f.v&(1<<bit) != 0
	f.v |= 1 << bit
	touch(f.gen)
	return o
}

// TestAndClear is test_and_clear_bit(): it returns the old bit. Fully
// ordered.
func (f *Flags) TestAndClear(t *Thread, bit int) bool {
	f.wr(t)
	t.drain()
	o := f.v&(1<<bit) != 0
	f.v &^= 1 << bit
	touch(f.gen)
	return o
}

// Var is a plain shared variable whose loads and stores the model wants
// interleaved (READ_ONCE/WRITE_ONCE, smp_load_acquire/smp_store_release).
//
// In a weak-memory run (weakmem.go) Store is buffered and Load reads the
// thread's own buffered store or memory.
type Var[T any] struct {
	id   uint32
	v    T
	pend []pendStore[T] // stores buffered by threads (weak memory)
	gen  *uint32        // Watch
}

func (x *Var[T]) flushOne(t *Thread) { x.pend = flushOneOf(&x.v, x.pend, t); touch(x.gen) }

// Watch is Atomic.Watch for a variable.
func (x *Var[T]) Watch(gen *uint32) { x.gen = gen }

// Init sets the value without a scheduling point.
func (x *Var[T]) Init(v T) { x.v = v; touch(x.gen) }

// Peek returns the value without a scheduling point: during a step, what
// the running thread would load; between steps, the newest store.
func (x *Var[T]) Peek() T {
	if len(x.pend) > 0 {
		return x.peekPending()
	}
	return x.v
}

func (x *Var[T]) peekPending() T { return peekOf(x.v, x.pend) }

// ID is the object id used in accesses.
func (x *Var[T]) ID(k *Kernel) uint32 { return k.ObjID(&x.id) }

// Load reads the variable (READ_ONCE).
func (x *Var[T]) Load(t *Thread) T {
	t.point(Access{Obj: t.k.ObjID(&x.id), Kind: AccRead})
	if len(x.pend) > 0 {
		return viewOf(x.v, x.pend, t)
	}
	return x.v
}

// Store writes the variable (WRITE_ONCE); buffered in a weak-memory run.
func (x *Var[T]) Store(t *Thread, v T) {
	t.point(Access{Obj: t.k.ObjID(&x.id), Kind: AccWrite})
	touch(x.gen)
	if t.k.weak() {
		x.pend = append(x.pend, pendStore[T]{t, v})
		t.buffer(x, t.k.ObjID(&x.id))
		return
	}
	x.v = v
}

// StoreRelease is smp_store_release(): every earlier store of t becomes
// visible before this one.
func (x *Var[T]) StoreRelease(t *Thread, v T) {
	SmpWmb(t)
	x.Store(t, v)
}

// SetRelease is smp_store_release() of a variable whose writers hold the
// lock that protects it while lockless readers load it: every earlier
// store of t becomes visible first, then the value, straight to memory and
// without a scheduling point, as Set.
func (x *Var[T]) SetRelease(t *Thread, v T) {
	if len(t.sb) > 0 {
		t.release()
	}
	x.v = v
	touch(x.gen)
}

// LoadAcquire is smp_load_acquire(). sim's memory models keep loads in
// program order, so it is a load.
func (x *Var[T]) LoadAcquire(t *Thread) T { return x.Load(t) }

// Set writes the variable without a scheduling point: for a store made
// while holding the lock that protects it, where the lock already orders it.
// It goes straight to memory, never through a store buffer.
func (x *Var[T]) Set(v T) { x.v = v; touch(x.gen) }

// CmpXchgLoad is cmpxchg() on a variable: if it holds old, store new; it
// returns the value seen. T must be comparable.
func (x *Var[T]) CmpXchgLoad(t *Thread, old, new T) T {
	t.point(Access{Obj: t.k.ObjID(&x.id), Kind: AccWrite})
	t.drain() // fully ordered
	o := x.v
	if any(o) == any(old) {
		x.v = new
		touch(x.gen)
	}
	return o
}
