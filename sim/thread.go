//go:build !fscachesim_gort

package sim

import (
	"iter"
	"runtime/debug"
)

// This file owns the coroutines. A simulated thread is an iter.Pull
// coroutine: it runs only when the scheduler resumes it and hands control back
// at every scheduling point, so exactly one simulated thread runs at a time.
// (With the build tag fscachesim_gort, thread_gort.go replaces this file.)

// threadRun is a Thread's coroutine.
type threadRun struct {
	next  func() (struct{}, bool)
	stop  func()
	yield func(struct{}) bool
}

func (k *Kernel) newThread(name string, fn func(*Thread)) *Thread {
	t := &Thread{k: k, id: int32(len(k.threads)), name: name, fn: fn, waitBit: -1, born: k.step}
	t.pending = Access{Kind: AccStart}
	t.run.next, t.run.stop = iter.Pull(func(yield func(struct{}) bool) {
		t.run.yield = yield
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(killedT); !ok {
					k.oops(t, r, debug.Stack())
				}
			}
		}()
		t.fn(t)
	})
	return t
}

// resume runs t until its next scheduling point or until it returns.
func (t *Thread) resume() {
	t.started = true
	if _, ok := t.run.next(); !ok {
		t.done = true
	}
}

// kill tears down a thread that has not finished.
func (t *Thread) kill() {
	if t.done {
		return
	}
	t.killed = true
	if t.started {
		t.run.stop()
	} else {
		t.run.stop()
	}
	t.done = true
}

// point is a scheduling point: record what the next step touches and hand
// control to the scheduler. It returns when the scheduler picks t again.
func (t *Thread) point(a Access) {
	if t.killed {
		panic(killedT{})
	}
	t.pending = a
	if !t.run.yield(struct{}{}) {
		t.killed = true
		panic(killedT{})
	}
	if t.killed {
		panic(killedT{})
	}
}

// block parks the thread until something wakes it (wake) or its deadline
// passes. The caller re-checks its condition afterwards.
func (t *Thread) block(obj any, bit int32, what string) {
	if t.killed {
		panic(killedT{})
	}
	t.blocked = true
	t.waitObj = obj
	t.waitBit = bit
	t.waitWhat = what
	t.waitSince = t.k.step
	if !t.run.yield(struct{}{}) {
		t.killed = true
		panic(killedT{})
	}
	if t.killed {
		panic(killedT{})
	}
}

func (t *Thread) unblock() {
	t.blocked = false
	t.waitObj = nil
	t.waitBit = -1
	t.waitWhat = ""
	t.wakeAt = 0
}
