package sim

import (
	"fmt"
	"strings"
)

// Lock discipline: lockdep_assert_held(), checked where the model accesses
// what a lock protects. Model code states at such an access that the
// current thread holds the lock (the way the kernel's comments say "the
// caller holds cookie->lock", or the way Eraser's locksets state which lock
// guards a location); when it does not, the run fails at that step with
// check "lockset" (class lock-misuse), naming the lock and the access.
//
// A critical section around plain Go field and list operations has no
// scheduling point inside, so no interleaving can see it half done: a lock
// pair dropped or an unlock moved above the access changes no outcome the
// other checks can see. This check sees it anyway, as lockdep would.
//
// The test is the lock's own owner field (a spinlock, a mutex, a
// write-held rwsem) or the thread's short stack of held locks (a read-held
// rwsem, a bit lock): no scheduling point, no event, nothing scanned but
// that stack (at most a few entries), so the trace and the schedule are the
// same with or without the assertions.

// CheckLockset is the check name of an access made without its lock.
const CheckLockset = "lockset"

func (t *Thread) locksetFail(lock, what string) {
	held := t.heldNames()
	if held == "" {
		held = "nothing"
	}
	t.k.failNow(t, &Failure{Class: FailLockMisuse, Check: CheckLockset,
		Msg: fmt.Sprintf("%s: %s without %s held (lockdep_assert_held; this thread holds %s)", t.name, what, lock, held)})
}

// AssertHeld fails the run unless t holds the spinlock; what names the
// access that needs it ("cookie->state store").
func (l *SpinLock) AssertHeld(t *Thread, what string) {
	if l.owner != t {
		t.locksetFail(l.name(), what)
	}
}

// AssertHeld fails the run unless t holds the mutex.
func (m *Mutex) AssertHeld(t *Thread, what string) {
	if m.owner != t {
		t.locksetFail(m.name(), what)
	}
}

// AssertHeld fails the run unless t holds the rwsem, for reading or for
// writing (lockdep_assert_held()).
func (s *RWSem) AssertHeld(t *Thread, what string) {
	if s.writer != t && (s.readers == 0 || !t.holds(s, -1)) {
		t.locksetFail(s.name(), what)
	}
}

// AssertWriteHeld fails the run unless t holds the rwsem for writing
// (lockdep_assert_held_write()).
func (s *RWSem) AssertWriteHeld(t *Thread, what string) {
	if s.writer != t {
		t.locksetFail(s.name()+" (for writing)", what)
	}
}

// AssertBitHeld fails the run unless t holds bit of f as a bit spinlock
// (BitSpinLock); name is the lock's name, as given to BitSpinLock.
func AssertBitHeld(t *Thread, f *Flags, bit int, name, what string) {
	if f.v&(1<<bit) == 0 || !t.holdsBit(f, bit) {
		t.locksetFail(name, what)
	}
}

// ElideLocks makes every acquire and release of the locks with these names
// (SpinLock, Mutex and RWSem Name, e.g. "cookie->lock"; a name ending in
// "*" is a prefix, e.g. "i_rwsem *" for every inode lock) do nothing: no
// scheduling point, no owner. It is test-only, the drop-lock-pair mutant
// at every site of one lock, so that a test can show the lockset check
// catches a model that forgets the lock; nothing outside tests calls it.
// Call it before Run.
func (k *Kernel) ElideLocks(names ...string) { k.elide = append(k.elide, names...) }

func (k *Kernel) elided(name string) bool {
	for _, n := range k.elide {
		if n == name || strings.HasSuffix(n, "*") && strings.HasPrefix(name, n[:len(n)-1]) {
			return true
		}
	}
	return false
}
