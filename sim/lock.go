package sim

import "fmt"

// Locks. Every acquire and release is a scheduling point. A thread that finds
// a lock held blocks until it is released and then retries. Misuse is
// reported as a lock-misuse failure: unlock by a thread that does not hold
// the lock, taking a lock the thread already holds, sleeping (a mutex, rwsem,
// wait or msleep) while holding a spinlock.

// SpinLock is spinlock_t. While a thread holds one it may not sleep.
type SpinLock struct {
	Name  string
	id    uint32
	owner *Thread
	gen   *uint32 // Watch
}

// Watch is Atomic.Watch for a lock: taking and releasing it bump *gen.
func (l *SpinLock) Watch(gen *uint32) { l.gen = gen }

func (l *SpinLock) name() string {
	if l.Name == "" {
		return "spinlock"
	}
	return l.Name
}

// ID is the lock's object id.
func (l *SpinLock) ID(k *Kernel) uint32 { return k.ObjID(&l.id) }

// Lock is spin_lock().
func (l *SpinLock) Lock(t *Thread) {
	if len(t.k.elide) > 0 && t.k.elided(l.name()) {
		return
	}
	t.point(Access{Obj: t.k.ObjID(&l.id), Kind: AccLock})
	for l.owner != nil {
		if l.owner == t {
			t.k.failNow(t, &Failure{Class: FailLockMisuse, Check: "recursive-lock",
				Msg: fmt.Sprintf("%s: spin_lock of %s already held by this thread (self-deadlock)", t.name, l.name())})
		}
		t.block(l, -1, l.name())
	}
	l.owner = t
	touch(l.gen)
	t.spinDepth++
	t.pushHeld(l, -1, l.name())
}

// Unlock is spin_unlock().
func (l *SpinLock) Unlock(t *Thread) {
	if len(t.k.elide) > 0 && t.k.elided(l.name()) {
		return
	}
	t.point(Access{Obj: t.k.ObjID(&l.id), Kind: AccUnlock})
	t.release() // RELEASE: the earlier stores are visible before the lock is free
	if l.owner != t {
		t.k.failNow(t, &Failure{Class: FailLockMisuse, Check: "bad-unlock",
			Msg: fmt.Sprintf("%s: spin_unlock of %s held by %s", t.name, l.name(), ownerName(l.owner))})
	}
	l.owner = nil
	touch(l.gen)
	t.spinDepth--
	t.popHeld(l, -1)
	t.k.wake(l, -1)
}

// HeldBy reports whether t holds the lock (lockdep_assert_held()).
func (l *SpinLock) HeldBy(t *Thread) bool { return l.owner == t }

// Held reports whether anyone holds the lock.
func (l *SpinLock) Held() bool { return l.owner != nil }

func ownerName(t *Thread) string {
	if t == nil {
		return "nobody"
	}
	return t.name
}

// Mutex is struct mutex: a sleeping lock.
type Mutex struct {
	Name  string
	id    uint32
	owner *Thread
}

func (m *Mutex) name() string {
	if m.Name == "" {
		return "mutex"
	}
	return m.Name
}

// Lock is mutex_lock().
func (m *Mutex) Lock(t *Thread) {
	if len(t.k.elide) > 0 && t.k.elided(m.name()) {
		return
	}
	t.mightSleep("mutex_lock", m.name())
	t.point(Access{Obj: t.k.ObjID(&m.id), Kind: AccLock})
	for m.owner != nil {
		if m.owner == t {
			t.k.failNow(t, &Failure{Class: FailLockMisuse, Check: "recursive-lock",
				Msg: fmt.Sprintf("%s: mutex_lock of %s already held by this thread (self-deadlock)", t.name, m.name())})
		}
		t.block(m, -1, m.name())
	}
	m.owner = t
	t.pushHeld(m, -1, m.name())
}

// TryLock is mutex_trylock().
func (m *Mutex) TryLock(t *Thread) bool {
	if len(t.k.elide) > 0 && t.k.elided(m.name()) {
		return true
	}
	t.point(Access{Obj: t.k.ObjID(&m.id), Kind: AccLock})
	if m.owner != nil {
		return false
	}
	m.owner = t
	t.pushHeld(m, -1, m.name())
	return true
}

// Unlock is mutex_unlock().
func (m *Mutex) Unlock(t *Thread) {
	if len(t.k.elide) > 0 && t.k.elided(m.name()) {
		return
	}
	t.point(Access{Obj: t.k.ObjID(&m.id), Kind: AccUnlock})
	t.release() // RELEASE: the earlier stores are visible before the lock is free
	if m.owner != t {
		t.k.failNow(t, &Failure{Class: FailLockMisuse, Check: "bad-unlock",
			Msg: fmt.Sprintf("%s: mutex_unlock of %s held by %s", t.name, m.name(), ownerName(m.owner))})
	}
	m.owner = nil
	t.popHeld(m, -1)
	t.k.wake(m, -1)
}

// HeldBy reports whether t holds the mutex.
func (m *Mutex) HeldBy(t *Thread) bool { return m.owner == t }

// RWSem is struct rw_semaphore (Spin false) or rwlock_t (Spin true).
type RWSem struct {
	Name    string
	Spin    bool
	id      uint32
	readers int32
	writer  *Thread
}

func (s *RWSem) name() string {
	if s.Name == "" {
		return "rwsem"
	}
	return s.Name
}

func (s *RWSem) acquired(t *Thread) {
	if s.Spin {
		t.spinDepth++
	}
	t.pushHeld(s, -1, s.name())
}

func (s *RWSem) released(t *Thread) {
	if s.Spin {
		t.spinDepth--
	}
	t.popHeld(s, -1)
}

// DownRead is down_read() / read_lock().
func (s *RWSem) DownRead(t *Thread) {
	if len(t.k.elide) > 0 && t.k.elided(s.name()) {
		return
	}
	if !s.Spin {
		t.mightSleep("down_read", s.name())
	}
	t.point(Access{Obj: t.k.ObjID(&s.id), Kind: AccLock})
	for s.writer != nil {
		if s.writer == t {
			t.k.failNow(t, &Failure{Class: FailLockMisuse, Check: "recursive-lock",
				Msg: fmt.Sprintf("%s: down_read of %s write-held by this thread", t.name, s.name())})
		}
		t.block(s, -1, s.name())
	}
	s.readers++
	s.acquired(t)
}

// UpRead is up_read() / read_unlock().
func (s *RWSem) UpRead(t *Thread) {
	if len(t.k.elide) > 0 && t.k.elided(s.name()) {
		return
	}
	t.point(Access{Obj: t.k.ObjID(&s.id), Kind: AccUnlock})
	t.release() // RELEASE: the earlier stores are visible before the lock is free
	if s.readers <= 0 || !t.holds(s, -1) {
		t.k.failNow(t, &Failure{Class: FailLockMisuse, Check: "bad-unlock",
			Msg: fmt.Sprintf("%s: up_read of %s not read-held by this thread", t.name, s.name())})
	}
	s.readers--
	s.released(t)
	if s.readers == 0 {
		t.k.wake(s, -1)
	}
}

// DownWrite is down_write() / write_lock().
func (s *RWSem) DownWrite(t *Thread) {
	if len(t.k.elide) > 0 && t.k.elided(s.name()) {
		return
	}
	if !s.Spin {
		t.mightSleep("down_write", s.name())
	}
	t.point(Access{Obj: t.k.ObjID(&s.id), Kind: AccLock})
	for s.writer != nil || s.readers > 0 {
		if s.writer == t || t.holds(s, -1) {
			t.k.failNow(t, &Failure{Class: FailLockMisuse, Check: "recursive-lock",
				Msg: fmt.Sprintf("%s: down_write of %s already held by this thread (self-deadlock)", t.name, s.name())})
		}
		t.block(s, -1, s.name())
	}
	s.writer = t
	s.acquired(t)
}

// UpWrite is up_write() / write_unlock().
func (s *RWSem) UpWrite(t *Thread) {
	if len(t.k.elide) > 0 && t.k.elided(s.name()) {
		return
	}
	t.point(Access{Obj: t.k.ObjID(&s.id), Kind: AccUnlock})
	t.release() // RELEASE: the earlier stores are visible before the lock is free
	if s.writer != t {
		t.k.failNow(t, &Failure{Class: FailLockMisuse, Check: "bad-unlock",
			Msg: fmt.Sprintf("%s: up_write of %s held by %s", t.name, s.name(), ownerName(s.writer))})
	}
	s.writer = nil
	s.released(t)
	t.k.wake(s, -1)
}

func (t *Thread) holds(obj any, bit int32) bool {
	for _, h := range t.held {
		if h.obj == obj && h.bit == bit {
			return true
		}
	}
	return false
}

// BitSpinLock takes bit of f as a spinlock (bit_spin_lock(), hlist_bl_lock()).
func BitSpinLock(t *Thread, f *Flags, bit int, name string) {
	t.point(Access{Obj: t.k.ObjID(&f.id), Kind: AccLock})
	for f.v&(1<<bit) != 0 {
		if t.holdsBit(f, bit) {
			t.k.failNow(t, &Failure{Class: FailLockMisuse, Check: "recursive-lock",
				Msg: fmt.Sprintf("%s: bit_spin_lock of %s already held by this thread (self-deadlock)", t.name, name)})
		}
		t.block(f, int32(bit), name)
	}
	f.v |= 1 << bit
	touch(f.gen)
	t.spinDepth++
	t.pushHeld(f, int32(bit), name)
}

// BitSpinUnlock releases a bit spinlock (bit_spin_unlock()).
func BitSpinUnlock(t *Thread, f *Flags, bit int, name string) {
	t.point(Access{Obj: t.k.ObjID(&f.id), Kind: AccUnlock})
	t.release() // RELEASE: the earlier stores are visible before the lock is free
	if !t.popHeld(f, int32(bit)) {
		t.k.failNow(t, &Failure{Class: FailLockMisuse, Check: "bad-unlock",
			Msg: fmt.Sprintf("%s: bit_spin_unlock of %s not held by this thread", t.name, name)})
	}
	f.v &^= 1 << bit
	touch(f.gen)
	t.spinDepth--
	t.k.wake(f, int32(bit))
}

func (t *Thread) holdsBit(f *Flags, bit int) bool { return t.holds(f, int32(bit)) }
