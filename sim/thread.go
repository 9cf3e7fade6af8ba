//go:build !fscachesim_gort

package sim

import (
	"iter"
	"runtime/debug"
	"sync"
)

// This file owns the coroutines. A simulated thread runs on an iter.Pull
// coroutine: it runs only when the scheduler resumes it and hands control
// back at every scheduling point, so exactly one simulated thread runs at a
// time.
//
// Coroutines are reused: when a thread's function returns, its coroutine
// goes back to a small free list (coroPool) and runs a later thread, of
// this run or another. Starting a goroutine and growing its stack again for
// every thread of every execution was a tenth of an execution's cost. Which
// coroutine runs a thread is invisible to the run: a thread's behaviour
// depends only on its function and the scheduler's choices.
// (With the build tag fscachesim_gort, thread_gort.go replaces this file.)

// threadRun is a Thread's part of this build mode: the coroutine running
// it, nil before its first step and once it is done.
type threadRun struct {
	c *coro
}

func (k *Kernel) newThread(name string, fn func(*Thread)) *Thread {
	t := &Thread{k: k, id: int32(len(k.threads)), name: name, fn: fn, waitBit: -1, born: k.step}
	t.pending = Access{Kind: AccStart}
	t.held = t.heldBuf[:0]
	return t
}

// coro is a coroutine that runs simulated threads one after another.
type coro struct {
	next    func() (struct{}, bool)
	stop    func()
	yield   func(struct{}) bool
	t       *Thread // the thread it runs
	ret     bool    // t's function has returned; the coroutine waits for its next thread
	stopped bool    // stop was called: the coroutine ends
}

// coroPool is the free list of coroutines whose thread returned. It is
// shared by every kernel of the process (the explorer's workers run
// kernels in parallel), hence the lock, and bounded: a coroutine beyond the
// bound is stopped, so its goroutine exits.
var coroPool struct {
	mu   sync.Mutex
	free []*coro
}

const coroPoolMax = 32

func newCoro() *coro {
	c := &coro{}
	c.next, c.stop = iter.Pull(func(yield func(struct{}) bool) {
		c.yield = yield
		for {
			c.t.body()
			if c.stopped {
				return
			}
			c.ret = true
			if !yield(struct{}{}) {
				return
			}
		}
	})
	return c
}

func getCoro(t *Thread) *coro {
	var c *coro
	coroPool.mu.Lock()
	if n := len(coroPool.free); n > 0 {
		c = coroPool.free[n-1]
		coroPool.free[n-1] = nil
		coroPool.free = coroPool.free[:n-1]
	}
	coroPool.mu.Unlock()
	if c == nil {
		c = newCoro()
	}
	c.t, c.ret = t, false
	return c
}

func putCoro(c *coro) {
	c.t = nil
	coroPool.mu.Lock()
	if len(coroPool.free) < coroPoolMax {
		coroPool.free = append(coroPool.free, c)
		coroPool.mu.Unlock()
		return
	}
	coroPool.mu.Unlock()
	c.end()
}

// end stops the coroutine: a thread it still runs unwinds, and its
// goroutine exits.
func (c *coro) end() {
	c.stopped = true
	c.stop()
}

// body runs the thread's function on its coroutine. A panic ends the
// thread: killedT is the unwinding of a killed or failed thread, anything
// else is an oops.
func (t *Thread) body() {
	defer func() {
		if r := recover(); r != nil {
			if t.k.inHarness {
				// A hook's or the Strategy's panic (decideHere): the run
				// is over; runStep raises it outside the thread.
				t.k.inHarness = false
				t.k.hookPanic = r
				return
			}
			if _, ok := r.(killedT); !ok {
				t.k.oops(t, r, debug.Stack())
			}
		}
	}()
	t.fn(t)
}

// resume runs t until its next scheduling point or until it returns.
func (t *Thread) resume() {
	t.started = true
	c := t.run.c
	if c == nil {
		c = getCoro(t)
		t.run.c = c
	}
	if _, ok := c.next(); !ok || c.ret {
		t.done = true
		t.run.c = nil
		if ok {
			putCoro(c)
		}
	}
}

// kill tears down a thread that has not finished: its coroutine, if it
// started, unwinds it and ends.
func (t *Thread) kill() {
	if t.done {
		return
	}
	t.killed = true
	if c := t.run.c; c != nil {
		t.run.c = nil
		c.end()
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
	if t.k.decideHere(t) {
		return
	}
	t.switchOut()
}

// block parks the thread until something wakes it (wake) or its deadline
// passes. The caller re-checks its condition afterwards.
func (t *Thread) block(obj any, bit int32, what string) {
	t.markBlocked(obj, bit, what)
	t.switchOut()
}

// switchOut hands control to the scheduler and returns when it resumes t;
// a thread killed meanwhile unwinds instead.
func (t *Thread) switchOut() {
	if !t.run.c.yield(struct{}{}) {
		t.killed = true
		panic(killedT{})
	}
	if t.killed {
		panic(killedT{})
	}
}

func (t *Thread) unblock() { t.markAwake() }
