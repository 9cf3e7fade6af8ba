package sim

// Atomics, bit operations and plain shared variables. Every operation is one
// scheduling point followed by the whole operation, so a read-modify-write is
// indivisible while a load followed by a store is not. Peek reads without a
// scheduling point: for checkers, tracing and assertions only.

// Atomic is atomic_t / atomic_long_t / refcount_t.
type Atomic struct {
	id uint32
	v  int64
}

func (a *Atomic) rd(t *Thread) { t.point(Access{Obj: t.k.ObjID(&a.id), Kind: AccRead}) }
func (a *Atomic) wr(t *Thread) { t.point(Access{Obj: t.k.ObjID(&a.id), Kind: AccWrite}) }

// Init sets the value without a scheduling point (before publication).
func (a *Atomic) Init(v int64) { a.v = v }

// Peek returns the value without a scheduling point.
func (a *Atomic) Peek() int64 { return a.v }

// ID is the object id used in accesses.
func (a *Atomic) ID(k *Kernel) uint32 { return k.ObjID(&a.id) }

// Load is atomic_read().
func (a *Atomic) Load(t *Thread) int64 { a.rd(t); return a.v }

// Store is atomic_set().
func (a *Atomic) Store(t *Thread, v int64) { a.wr(t); a.v = v }

// Add is atomic_add_return(): it returns the new value.
func (a *Atomic) Add(t *Thread, d int64) int64 { a.wr(t); a.v += d; return a.v }

// Inc is atomic_inc_return().
func (a *Atomic) Inc(t *Thread) int64 { return a.Add(t, 1) }

// Dec is atomic_dec_return().
func (a *Atomic) Dec(t *Thread) int64 { return a.Add(t, -1) }

// FetchAdd is atomic_fetch_add(): it returns the old value.
func (a *Atomic) FetchAdd(t *Thread, d int64) int64 { a.wr(t); o := a.v; a.v += d; return o }

// AddUnless is atomic_add_unless(): add d unless the value is u; reports
// whether it added.
func (a *Atomic) AddUnless(t *Thread, d, u int64) bool {
	a.wr(t)
	if a.v == u {
		return false
	}
	a.v += d
	return true
}

// FetchAddUnless is atomic_fetch_add_unless(): add d unless the value is u;
// returns the old value.
func (a *Atomic) FetchAddUnless(t *Thread, d, u int64) int64 {
	a.wr(t)
	o := a.v
	if o != u {
		a.v += d
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
	o := a.v
	if o == old {
		a.v = new
	}
	return o
}

// Flags is an unsigned long used as a bitmap (cookie->flags).
type Flags struct {
	id uint32
	v  uint64
}

func (f *Flags) rd(t *Thread) { t.point(Access{Obj: t.k.ObjID(&f.id), Kind: AccRead}) }
func (f *Flags) wr(t *Thread) { t.point(Access{Obj: t.k.ObjID(&f.id), Kind: AccWrite}) }

// Init sets the bits without a scheduling point.
func (f *Flags) Init(v uint64) { f.v = v }

// Peek returns the bitmap without a scheduling point.
func (f *Flags) Peek() uint64 { return f.v }

// Has reports bit without a scheduling point.
func (f *Flags) Has(bit int) bool { return f.v&(1<<bit) != 0 }

// ID is the object id used in accesses.
func (f *Flags) ID(k *Kernel) uint32 { return k.ObjID(&f.id) }

// Test is test_bit().
func (f *Flags) Test(t *Thread, bit int) bool { f.rd(t); return f.v&(1<<bit) != 0 }

// Set is set_bit().
func (f *Flags) Set(t *Thread, bit int) { f.wr(t); f.v |= 1 << bit }

// Clear is clear_bit().
func (f *Flags) Clear(t *Thread, bit int) { f.wr(t); f.v &^= 1 << bit }

// TestAndSet is test_and_set_bit(): it returns the old bit.
func (f *Flags) TestAndSet(t *Thread, bit int) bool {
	f.wr(t)
	o := f.v&(1<<bit) != 0
	f.v |= 1 << bit
	return o
}

// TestAndClear is test_and_clear_bit(): it returns the old bit.
func (f *Flags) TestAndClear(t *Thread, bit int) bool {
	f.wr(t)
	o := f.v&(1<<bit) != 0
	f.v &^= 1 << bit
	return o
}

// Var is a plain shared variable whose loads and stores the model wants
// interleaved (READ_ONCE/WRITE_ONCE, smp_load_acquire/smp_store_release).
type Var[T any] struct {
	id uint32
	v  T
}

// Init sets the value without a scheduling point.
func (x *Var[T]) Init(v T) { x.v = v }

// Peek returns the value without a scheduling point.
func (x *Var[T]) Peek() T { return x.v }

// ID is the object id used in accesses.
func (x *Var[T]) ID(k *Kernel) uint32 { return k.ObjID(&x.id) }

// Load reads the variable.
func (x *Var[T]) Load(t *Thread) T {
	t.point(Access{Obj: t.k.ObjID(&x.id), Kind: AccRead})
	return x.v
}

// Store writes the variable.
func (x *Var[T]) Store(t *Thread, v T) {
	t.point(Access{Obj: t.k.ObjID(&x.id), Kind: AccWrite})
	x.v = v
}

// Set writes the variable without a scheduling point: for a store made
// while holding the lock that protects it, where the lock already orders it.
func (x *Var[T]) Set(v T) { x.v = v }

// CmpXchgLoad is cmpxchg() on a variable: if it holds old, store new; it
// returns the value seen. T must be comparable.
func (x *Var[T]) CmpXchgLoad(t *Thread, old, new T) T {
	t.point(Access{Obj: t.k.ObjID(&x.id), Kind: AccWrite})
	o := x.v
	if any(o) == any(old) {
		x.v = new
	}
	return o
}
