package sim

// Timer is a kernel timer_list on the virtual clock. When it fires, its
// callback runs as a new schedulable thread in softirq context (it may not
// sleep).
type Timer struct {
	Name     string
	Func     func(t *Thread)
	id       uint32
	armed    bool
	deadline Time
	seq      uint64
	shutdown bool // timer_shutdown_sync() ran: arming is ignored
	running  int  // callbacks fired and not yet returned
}

func (k *Kernel) armTimer(tm *Timer, deadline Time) {
	if tm.shutdown {
		// The kernel's __mod_timer finds timer->function NULL and
		// silently discards the request.
		return
	}
	k.timerSeq++
	tm.seq = k.timerSeq
	tm.deadline = deadline
	if !tm.armed {
		tm.armed = true
		k.timers = append(k.timers, tm)
	}
}

func (k *Kernel) disarmTimer(tm *Timer) {
	if !tm.armed {
		return
	}
	tm.armed = false
	for i, x := range k.timers {
		if x == tm {
			k.timers = append(k.timers[:i], k.timers[i+1:]...)
			return
		}
	}
}

// Pending reports whether the timer is armed (timer_pending()).
func (tm *Timer) Pending() bool { return tm.armed }

// Deadline is the armed expiry time.
func (tm *Timer) Deadline() Time { return tm.deadline }

// Mod arms the timer for deadline, moving it if it is armed (mod_timer()).
// It returns whether the timer was pending.
func (tm *Timer) Mod(t *Thread, deadline Time) bool {
	t.point(Access{Obj: t.k.ObjID(&tm.id), Kind: AccTimer})
	was := tm.armed
	t.k.armTimer(tm, deadline)
	return was
}

// Reduce arms the timer for deadline if it is not armed, or brings an armed
// deadline earlier; it never pushes a deadline later (timer_reduce()).
func (tm *Timer) Reduce(t *Thread, deadline Time) bool {
	t.point(Access{Obj: t.k.ObjID(&tm.id), Kind: AccTimer})
	was := tm.armed
	if !tm.armed || Before(deadline, tm.deadline) {
		t.k.armTimer(tm, deadline)
	}
	return was
}

// Del disarms the timer and returns whether it was pending (del_timer()).
func (tm *Timer) Del(t *Thread) bool {
	t.point(Access{Obj: t.k.ObjID(&tm.id), Kind: AccTimer})
	was := tm.armed
	t.k.disarmTimer(tm)
	return was
}

// ShutdownSync is timer_shutdown_sync(): disarm the timer, wait until a
// callback that has fired has returned, and ignore every later request to
// arm it (Mod and Reduce become no-ops that report not pending, as the
// kernel's do on a timer whose function it has cleared; the kernel does not
// warn). It returns whether the timer was pending.
func (tm *Timer) ShutdownSync(t *Thread) bool {
	t.mightSleep("timer_shutdown_sync", tm.Name)
	t.point(Access{Obj: t.k.ObjID(&tm.id), Kind: AccTimer})
	was := tm.armed
	t.k.disarmTimer(tm)
	tm.shutdown = true
	for tm.running > 0 {
		t.block(tm, -1, "timer_shutdown_sync("+tm.Name+")")
		t.point(Access{Obj: t.k.ObjID(&tm.id), Kind: AccTimer})
	}
	return was
}

// IsShutdown reports whether ShutdownSync has run on the timer.
func (tm *Timer) IsShutdown() bool { return tm.shutdown }

// advanceClock jumps the clock to the earliest pending deadline (a timer or
// a timed wait), fires what is due and wakes timed sleepers. It reports
// false when nothing is pending.
func (k *Kernel) advanceClock() bool {
	found := false
	var next Time
	for _, tm := range k.timers {
		if !found || Before(tm.deadline, next) {
			next, found = tm.deadline, true
		}
	}
	for _, t := range k.live {
		if t.blocked && t.wakeAt != 0 && (!found || Before(t.wakeAt, next)) {
			next, found = t.wakeAt, true
		}
	}
	if !found {
		return false
	}
	if k.nCond > 0 {
		k.checkTimeouts(next)
		if k.failure != nil {
			return true // the run loop sees the failure and ends
		}
	}
	if Before(k.now, next) {
		k.now = next
		k.mix(0xc1, uint64(next))
	}
	// Wake timed sleepers first (in thread order), then fire due timers in
	// the order they were armed.
	for _, t := range k.live {
		if t.blocked && t.wakeAt != 0 && !Before(k.now, t.wakeAt) {
			t.unblock()
			t.timedOut = true
		}
	}
	for {
		var due *Timer
		for _, tm := range k.timers {
			if !Before(k.now, tm.deadline) && (due == nil || tm.seq < due.seq) {
				due = tm
			}
		}
		if due == nil {
			break
		}
		k.disarmTimer(due)
		k.fire(due)
	}
	// No thread was running when the clock moved: whoever runs next does
	// not preempt anybody (as the exhaustive search counts).
	k.lastRan = -1
	if k.obs != nil {
		k.obs.Advanced(k)
	}
	return true
}

func (k *Kernel) fire(tm *Timer) {
	name := tm.Name
	if name == "" {
		name = "timer"
	}
	fn := tm.Func
	tm.running++
	th := k.Spawn(name, func(t *Thread) {
		t.atomicCtx = true
		fn(t)
		tm.running--
		if tm.running == 0 {
			t.k.wake(tm, -1)
		}
	})
	k.emitSim(evTimer, th, int32(th.id))
}

// Sleep blocks the thread for d of virtual time (msleep()).
func (t *Thread) Sleep(d Time) {
	t.mightSleep("msleep", "")
	t.point(Access{Kind: AccYield})
	if d <= 0 {
		return
	}
	t.wakeAt = t.k.now + d
	t.timedOut = false
	for !t.timedOut {
		t.block(nil, -1, "msleep")
	}
}
