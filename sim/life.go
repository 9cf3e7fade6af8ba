package sim

import "fmt"

// Object lifetimes. The model tracks its refcounted objects (cookies,
// volumes, caches, backend objects): a Life is registered at allocation and
// marked at free; any later Use reports a use-after-free naming the step and
// thread that freed it. At the end of a run, a scenario that says everything
// must be released gets a leak report for each object still alive.

// Life is the lifetime record of one tracked object.
type Life struct {
	Kind string // "cookie", "volume", "cache", "object"
	ID   uint32 // the object's debug id

	freed      bool
	allocStep  int64
	freeStep   int64
	freeThread string
}

// Freed reports whether the object has been freed.
func (l *Life) Freed() bool { return l.freed }

// Track registers l as allocated now.
func (k *Kernel) Track(l *Life) {
	l.allocStep = k.step
	l.freed = false
	k.lives = append(k.lives, l)
}

// Free marks the object freed. Freeing it twice is reported.
func (t *Thread) Free(l *Life) {
	if l.freed {
		t.k.failNow(t, &Failure{Class: FailUseAfterFree, Check: "double-free",
			Msg:     fmt.Sprintf("double free of %s %08x: first freed at step %d by %s", l.Kind, l.ID, l.freeStep, l.freeThread),
			Objects: []string{l.String()}})
	}
	l.freed = true
	l.freeStep = t.k.step
	l.freeThread = t.name
}

// Use reports a use-after-free if the object has been freed. A wait
// condition may call it (the waiter's own test of its condition reads the
// object, as KASAN would see); while the lost-wakeup check evaluates a
// sleeper's condition on the side (Kernel.peekMem) it checks nothing, as
// that evaluation is the checker's, not the sleeper's.
func (t *Thread) Use(l *Life) {
	if l != nil && l.freed && !t.k.peekMem {
		t.k.failNow(t, &Failure{Class: FailUseAfterFree, Check: "use-after-free",
			Msg:     fmt.Sprintf("use of %s %08x freed at step %d by %s", l.Kind, l.ID, l.freeStep, l.freeThread),
			Objects: []string{l.String()}})
	}
}

func (l *Life) String() string { return fmt.Sprintf("%s:%08x", l.Kind, l.ID) }

// ExpectAllFreed makes the end of a passing run check that every tracked
// object was freed (a leak check).
func (k *Kernel) ExpectAllFreed() { k.expectFreed = true }

// LiveObjects lists the tracked objects not yet freed, in allocation order.
func (k *Kernel) LiveObjects() []*Life {
	var out []*Life
	for _, l := range k.lives {
		if !l.freed {
			out = append(out, l)
		}
	}
	return out
}

func (k *Kernel) checkLeaks() {
	live := k.LiveObjects()
	if len(live) == 0 {
		return
	}
	f := &Failure{Class: FailLeak, Check: "leak", Step: k.step, Thread: -1}
	for _, l := range live {
		f.Objects = append(f.Objects, l.String())
	}
	f.Msg = fmt.Sprintf("%d object(s) still alive at the end of the run: %v (first allocated at step %d)", len(live), f.Objects, live[0].allocStep)
	k.failure = f
	k.outcome = OutcomeFail
}
