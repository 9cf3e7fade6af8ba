//go:build fscachesim_gort

package sim

import (
	"runtime"
	"runtime/debug"
	"sync"
)

// The goroutine build mode (build tag fscachesim_gort): every simulated
// thread is a real goroutine, and the Go runtime, not a Strategy, decides
// the interleaving. One sync.Mutex per kernel, the big kernel lock
// (gortState.mu), serialises sim's bookkeeping and the model code: a thread
// holds it from one scheduling point to the next and lets go of it at each
// point, so the model's state can stay plain Go memory. Blocking waits on
// a per-thread sync.Cond on the same lock. See run_gort.go for Run and
// doc.go for what the mode is for.

// gortGosched makes a thread call runtime.Gosched between releasing and
// re-taking the big kernel lock at a scheduling point. Without it the
// thread that lets go of the lock nearly always takes it straight back
// (sync.Mutex does not hand off in normal mode), so one thread runs long
// stretches alone and threads interleave far less often
// (TestGortLostUpdate measures both).
var gortGosched = true

// threadRun is a Thread's goroutine state. Every field is guarded by the
// big kernel lock.
type threadRun struct {
	cond sync.Cond // signalled when the thread is unblocked, killed or given its turn
	acc  Access    // the access of the step in progress
	gor  bool      // its goroutine has been started
	turn bool      // scripted driving: runStep let the thread run one step
}

func (k *Kernel) newThread(name string, fn func(*Thread)) *Thread {
	k.g.init()
	t := &Thread{k: k, id: int32(len(k.threads)), name: name, fn: fn, waitBit: -1, born: k.step}
	t.pending = Access{Kind: AccStart}
	t.run.cond.L = &k.g.mu
	if k.running { // spawned during Run, by a thread or a timer: the big lock is held
		t.start()
	}
	return t
}

// start starts t's goroutine. The big kernel lock is held.
func (t *Thread) start() {
	t.run.gor = true
	t.k.g.alive++
	t.k.g.wg.Add(1)
	go t.main()
}

// main is the goroutine of a simulated thread.
func (t *Thread) main() {
	k := t.k
	defer k.g.wg.Done()
	k.g.mu.Lock()
	defer k.g.mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(killedT); !ok {
				k.oops(t, r, debug.Stack())
			}
		}
		t.exited()
	}()
	t.wait()
	t.started = true
	k.beginStep(t)
	t.fn(t)
}

// exited is the end of t's goroutine, with the big kernel lock held. A
// thread that returned (or failed a check itself) ends its last step as
// the coroutine build does: it retires, then the step hooks run. A thread
// killed because the run is over just goes.
func (t *Thread) exited() {
	k := t.k
	t.done = true
	k.g.alive--
	if t.killed {
		t.run.turn = false
		k.g.idle.Broadcast()
		return
	}
	k.cur = nil
	k.retire(t)
	k.endStep(t)
}

// resume is the coroutine build's: the goroutine build drives scripted
// steps through runStep (run_gort.go).
func (t *Thread) resume() { panic("sim: resume in the goroutine build") }

// kill tears down a thread that has not finished (Close). In Run the
// teardown is Run's own.
func (t *Thread) kill() {
	k := t.k
	k.g.init()
	k.g.mu.Lock()
	defer k.g.mu.Unlock()
	if t.done {
		return
	}
	t.killed = true
	if !t.run.gor {
		t.done = true
		return
	}
	t.run.cond.Signal()
	for !t.done {
		k.g.idle.Wait()
	}
}

// point is a scheduling point: record what the next step touches, end
// this step and let go of the big kernel lock; the next step begins when
// the thread has it again.
func (t *Thread) point(a Access) {
	if t.killed {
		panic(killedT{})
	}
	t.pending = a
	t.park()
}

// block parks the thread until something wakes it (wake) or its deadline
// passes. The caller re-checks its condition afterwards.
func (t *Thread) block(obj any, bit int32, what string) {
	t.markBlocked(obj, bit, what)
	t.park()
}

func (t *Thread) unblock() {
	if t.markAwake() {
		t.run.cond.Signal()
	}
}

// park ends t's step at a scheduling point and begins its next one when
// t may run again.
func (t *Thread) park() {
	k := t.k
	k.endStep(t)
	if k.running && !t.blocked && !k.g.ending {
		k.g.mu.Unlock()
		if gortGosched {
			runtime.Gosched()
		}
		k.g.mu.Lock()
	}
	t.wait()
	k.beginStep(t)
}

// wait returns, with the big kernel lock held, when t may run its next
// step: at once under Run unless it is blocked, when it is unblocked if
// it is, when runStep gives it the turn under scripted driving. A thread
// killed meanwhile unwinds instead.
func (t *Thread) wait() {
	k := t.k
	for {
		if t.killed || (k.running && k.g.ending) {
			t.killed = true
			panic(killedT{})
		}
		if k.running && !t.blocked || !k.running && t.run.turn {
			return
		}
		t.run.cond.Wait()
	}
}
