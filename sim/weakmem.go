package sim

import "fmt"

// Weak memory. By default (MemSC) a store is visible to every thread the
// moment it is made, so the kernel's barriers mean nothing and a missing
// one cannot be found. Options.Memory = MemTSO or MemWeak gives every
// thread a store buffer: a plain store (Var.Store, Atomic.Store) goes into
// the storing thread's buffer, the thread itself reads its own newest
// buffered value (store forwarding), every other thread reads memory until
// the store is flushed. Before every step, while any buffer holds a store,
// the strategy chooses (Kernel.Rand with CompMemory, so the choice is in
// the decision log and replay, shrink and exhaustive search work unchanged)
// whether one flushable store becomes visible now, and which.
//
// The models:
//
//   - MemTSO is x86's: a buffer is FIFO, so stores become visible in program
//     order; a load may overtake the thread's earlier stores to other
//     locations (store->load reordering). This is the store-buffering (SB)
//     shape, the one the wait/wake barriers guard against.
//   - MemWeak adds store->store reordering, as the Linux kernel memory
//     model (LKMM, tools/memory-model) allows and arm64, POWER and RISC-V
//     do: stores to different locations flush in any order; stores to one
//     location flush in program order (coherence). smp_wmb() and release
//     order the stores before it ahead of the stores after it. This is
//     PSO (SPARC's partial store order).
//
// What neither model has: load->load and load->store reordering (the
// reads of one thread happen in program order), and non-multicopy-atomic
// propagation (a store becomes visible to all other threads at once). So a
// missing smp_rmb(), or an acquire load made plain, is not found; every
// behaviour the models allow is one LKMM allows, so what they find is a
// real bug of the weakest architectures Linux supports.
//
// Where each kernel primitive flushes, following
// Documentation/memory-barriers.txt and Documentation/atomic_t.txt (6.12):
//
//   - smp_mb(), smp_mb__before_atomic(), smp_mb__after_atomic(): the whole
//     buffer (SmpMb and friends).
//   - smp_wmb(): orders the buffer (SmpWmb); smp_rmb(): nothing to do here.
//   - smp_store_release(): orders the earlier stores before it
//     (Var.StoreRelease); smp_load_acquire(): a load (Var.LoadAcquire).
//   - Value-returning atomic RMWs (atomic_*_return, atomic_fetch_*,
//     atomic_dec_and_test, cmpxchg, test_and_set_bit, test_and_clear_bit):
//     fully ordered, the whole buffer. sim's Atomic has only value-returning
//     operations, so the void ones (atomic_inc) are treated as ordered too,
//     and a failed conditional RMW as well: stronger than the kernel.
//   - set_bit(), clear_bit(): unordered RMWs. Under MemTSO straight to
//     memory (x86's locked instructions are full barriers); under MemWeak
//     buffered, the read-modify-write made on memory when the store is
//     flushed (Flags.bitRMW), so a later load may overtake them.
//   - clear_bit_unlock() (Flags.ClearBitUnlock): release (the whole
//     buffer), then the clear, buffered under MemWeak like clear_bit(): a
//     wake_up_bit() after it needs smp_mb__after_atomic(), as
//     clear_and_wake_up_bit() (ClearAndWakeUpBit) has.
//   - spin_unlock(), mutex_unlock(), up_read()/up_write(),
//     bit_spin_unlock(): release, the whole buffer before the lock word is
//     written (the lock word is never buffered, so release = flush before
//     it). Acquiring a lock flushes nothing: ACQUIRE lets earlier stores
//     sink into the critical section.
//   - A wait (wait_var_event, wait_on_bit, wait_for_completion) runs
//     set_current_state(), a full barrier, before it tests its condition;
//     schedule() (any sleep) is a full barrier; so are
//     queue_work() and the other workqueue calls (their test_and_set_bit
//     of PENDING), complete() and complete_all() (the wait-queue lock).
//     A thread's exit is one too, but the store buffer of a thread that
//     returned keeps flushing by the strategy's choice: its last load and
//     its return are one step in sim, and draining at the return would hide
//     the reordering of its last stores with that load. At the end of a
//     run every buffer is drained.
//   - wake_up_var(), wake_up_bit(): waitqueue_active() is a plain load and
//     has no barrier: the caller needs smp_mb() (or an ordered atomic)
//     between its store and the wake-up, as the kernel's callers have. When
//     there is a waiter to wake, try_to_wake_up's smp_mb__after_spinlock
//     flushes the buffer before the waiter runs.
//
// A buffer holds at most MaxStoreBuffer stores; one more flushes the
// oldest first. Partial-order reduction (sched.Exhaustive with POR) does
// not see flushes as accesses: exhaustive search over a weak-memory run
// must run without POR. The goroutine build mode (fscachesim_gort) does not
// support it.

// MemoryModel is what a run's loads may see (Options.Memory).
type MemoryModel uint8

const (
	MemSC   MemoryModel = iota // sequential consistency: no store buffers (the default)
	MemTSO                     // FIFO store buffers: store->load reordering
	MemWeak                    // store buffers flushed per location: store->load and store->store reordering
)

var memoryNames = [...]string{"sc", "tso", "weak"}

func (m MemoryModel) String() string {
	if int(m) < len(memoryNames) {
		return memoryNames[m]
	}
	return "memory?"
}

// ParseMemoryModel reads "sc", "tso" or "weak" ("" is sc).
func ParseMemoryModel(s string) (MemoryModel, error) {
	if s == "" {
		return MemSC, nil
	}
	for i, n := range memoryNames {
		if s == n {
			return MemoryModel(i), nil
		}
	}
	return MemSC, fmt.Errorf("unknown memory model %q (want sc, tso or weak)", s)
}

// MaxStoreBuffer bounds a thread's store buffer.
const MaxStoreBuffer = 8

// bufLoc is a location that holds buffered stores: flushOne writes the
// oldest store of thread t to memory.
type bufLoc interface{ flushOne(t *Thread) }

// sbEntry is a buffered store: where, and its wmb epoch (stores of a later
// epoch flush only after every store of an earlier one).
type sbEntry struct {
	loc   bufLoc
	obj   uint32
	epoch uint32
}

// pendStore is a store waiting in t's buffer.
type pendStore[T any] struct {
	t *Thread
	v T
}

// weak reports whether stores are buffered in this run.
func (k *Kernel) weak() bool { return k.opts.Memory != MemSC }

// buffer files a store to loc (object obj) in t's buffer.
func (t *Thread) buffer(loc bufLoc, obj uint32) {
	if len(t.sb) >= MaxStoreBuffer {
		t.flushAt(0)
	}
	t.sb = append(t.sb, sbEntry{loc: loc, obj: obj, epoch: t.epoch})
	t.k.buffered++
}

// flushAt makes t's i-th buffered store visible.
func (t *Thread) flushAt(i int) {
	e := t.sb[i]
	e.loc.flushOne(t)
	t.sb = append(t.sb[:i], t.sb[i+1:]...)
	t.k.buffered--
}

// drain makes every store t buffered visible, in program order: a full
// barrier.
func (t *Thread) drain() {
	for len(t.sb) > 0 {
		t.flushAt(0)
	}
}

// flushable reports whether t's i-th buffered store may become visible
// now: under TSO only the oldest; under MemWeak the oldest to its location
// whose wmb epoch is the oldest left.
func (t *Thread) flushable(i int) bool {
	if i == 0 {
		return true
	}
	if t.k.opts.Memory == MemTSO {
		return false
	}
	e := t.sb[i]
	for _, x := range t.sb[:i] {
		if x.obj == e.obj || x.epoch < e.epoch {
			return false
		}
	}
	return true
}

// memoryStep lets the strategy flush one buffered store before a step, or
// none: a value in [0, n] for n flushable stores, 0 for none, recorded in
// the decision log.
// The candidates are counted over the live threads in id order, then the
// threads that returned with stores buffered, in exit order.
func (k *Kernel) memoryStep() {
	n := 0
	for _, t := range k.live {
		n += t.nFlushable()
	}
	x := k.exited[:0]
	for _, t := range k.exited {
		if len(t.sb) > 0 {
			x = append(x, t)
			n += t.nFlushable()
		}
	}
	k.exited = x
	if n == 0 {
		return
	}
	v := int(k.Rand(CompMemory, uint64(n)+1))
	if v == 0 || k.flushNth(k.live, &v) {
		return
	}
	k.flushNth(k.exited, &v)
}

// nFlushable counts t's stores that may become visible now.
func (t *Thread) nFlushable() int {
	n := 0
	for i := range t.sb {
		if t.flushable(i) {
			n++
		}
	}
	return n
}

// flushNth flushes the *v-th flushable store (from 1) of ts, if there are
// that many; else it counts them off *v and reports false.
func (k *Kernel) flushNth(ts []*Thread, v *int) bool {
	for _, t := range ts {
		for i := range t.sb {
			if t.flushable(i) {
				if *v--; *v == 0 {
					k.flushStep, k.flushOwner = k.step, t
					t.flushAt(i)
					return true
				}
			}
		}
	}
	return false
}

// drainAll makes every buffered store visible at the end of a run: the
// live threads' in id order, then the exited ones'.
func (k *Kernel) drainAll() {
	for _, t := range k.live {
		t.drain()
	}
	for _, t := range k.exited {
		t.drain()
	}
	k.exited = k.exited[:0]
}

// Buffered is how many stores wait in store buffers now (0 under MemSC).
func (k *Kernel) Buffered() int { return k.buffered }

// Memory is the run's memory model.
func (k *Kernel) Memory() MemoryModel { return k.opts.Memory }

// SmpMb is smp_mb(): every store t made becomes visible before any later
// load or store of t.
func SmpMb(t *Thread) { t.drain() }

// SmpMbBeforeAtomic is smp_mb__before_atomic(): a full barrier before an
// unordered atomic RMW (set_bit, clear_bit).
func SmpMbBeforeAtomic(t *Thread) { t.drain() }

// SmpMbAfterAtomic is smp_mb__after_atomic(): a full barrier after an
// unordered atomic RMW, as a wake_up_bit() after clear_bit() needs.
func SmpMbAfterAtomic(t *Thread) { t.drain() }

// SmpWmb is smp_wmb(): t's earlier stores become visible before its later
// ones.
func SmpWmb(t *Thread) {
	if len(t.sb) > 0 {
		t.epoch++
	}
}

// SmpRmb is smp_rmb(). Loads are not reordered in sim's memory models, so
// it has nothing to do; it is there so the model says what the kernel
// does.
func SmpRmb(t *Thread) {}

// release is the ordering of a RELEASE operation whose store goes straight
// to memory (an unlock, clear_bit_unlock): every earlier store first.
func (t *Thread) release() { t.drain() }

// Per-location helpers shared by Var and Atomic.

// viewOf is the value thread t loads: its own newest buffered store, else
// memory.
func viewOf[T any](mem T, pend []pendStore[T], t *Thread) T {
	for i := len(pend) - 1; i >= 0; i-- {
		if pend[i].t == t {
			return pend[i].v
		}
	}
	return mem
}

// peekOf is the value Peek returns: during a step, what the running thread
// would load; between steps (checkers, step hooks, the end of a run) the
// newest store, as sequential consistency would have it; while the
// lost-wakeup check evaluates a sleeper's condition (Kernel.peekMem),
// memory, without any buffered store (lostwake.go).
func peekOf[T any](mem T, pend []pendStore[T]) T {
	if len(pend) == 0 {
		return mem
	}
	k := pend[0].t.k
	if k.peekMem {
		return mem
	}
	if cur := k.cur; cur != nil {
		return viewOf(mem, pend, cur)
	}
	return pend[len(pend)-1].v
}

// flushOneOf writes t's oldest store in pend to *mem and removes it.
func flushOneOf[T any](mem *T, pend []pendStore[T], t *Thread) []pendStore[T] {
	for i, p := range pend {
		if p.t == t {
			*mem = p.v
			return append(pend[:i], pend[i+1:]...)
		}
	}
	panic("sim: store buffer out of step with its location")
}
