//go:build fscachesim_gort

package sim

import "sync"

// Run and runStep of the goroutine build mode (build tag fscachesim_gort):
// see thread_gort.go.

// gortState is the kernel's part of the goroutine build mode.
type gortState struct {
	mu     sync.Mutex // the big kernel lock
	idle   sync.Cond  // Run (or a scripted caller) waits on it
	alive  int        // goroutines started that have not exited
	ending bool       // the run is over: every thread unwinds at its next point or wake
	wg     sync.WaitGroup
}

// init readies the condition variable before any goroutine exists.
func (g *gortState) init() {
	if g.idle.L == nil {
		g.idle.L = &g.mu
	}
}

// Run executes until every thread has returned and no timer is pending, a
// check fails, the threads deadlock, or the step bound is hit. Every thread
// runs on its own goroutine, and the Go runtime interleaves them; Run only
// moves the clock when no thread can run, declares a deadlock, and tears
// the run down. It returns when every goroutine has exited.
func (k *Kernel) Run() Result {
	k.g.init()
	k.g.mu.Lock()
	k.running = true
	for _, t := range k.live {
		if t.run.gor {
			t.run.cond.Signal() // scripted before: it waits for its turn
		} else {
			t.start()
		}
	}
	for !k.g.ending && k.failure == nil && !k.stopped {
		if len(k.awake) > 0 {
			k.g.idle.Wait()
			continue
		}
		if k.advanceClock() { // a checker may Report while timers fire
			continue
		}
		if len(k.live) > 0 {
			k.deadlock()
		}
		break
	}
	k.g.ending = true
	for _, t := range k.live {
		t.killed = true
		t.run.cond.Signal()
	}
	for k.g.alive > 0 {
		k.g.idle.Wait()
	}
	k.live = k.live[:0]
	k.awake = k.awake[:0]
	k.g.mu.Unlock()
	k.g.wg.Wait()
	res := k.judge()
	k.running = false
	return res
}

// beginStep begins a step of t, with the big kernel lock held: the step
// bound, the count, the hash, the current thread.
func (k *Kernel) beginStep(t *Thread) {
	if k.running && k.step >= k.opts.MaxSteps {
		k.outcome = OutcomeBound
		k.g.end()
		t.killed = true
		panic(killedT{})
	}
	k.step++
	a := t.pending
	t.run.acc = a
	k.mix(uint64(t.id)<<8|uint64(a.Kind), uint64(a.Obj))
	k.cur = t
}

// endStep ends a step of t, with the big kernel lock held: the step hooks
// and the observer run, as after a step of the coroutine build.
func (k *Kernel) endStep(t *Thread) {
	k.cur = nil
	if k.nCond > 0 && k.failure == nil {
		k.checkWakes()
	}
	if k.opts.StepHook != nil && k.failure == nil {
		k.opts.StepHook(k)
	}
	if k.obs != nil && !k.obs.Executed(t, t.run.acc, k.step) {
		k.stopped = true
	}
	if !k.running {
		t.run.turn = false
		k.g.idle.Broadcast()
		return
	}
	if k.failure != nil || k.stopped {
		k.g.end()
	} else if len(k.awake) == 0 {
		k.g.idle.Broadcast()
	}
}

// end ends the run: Run wakes and tears it down.
func (g *gortState) end() {
	g.ending = true
	g.idle.Broadcast()
}

// runStep runs one step of t under scripted driving (RunThread,
// RunUntilIdle): t's goroutine runs that step alone, as a coroutine would.
func (k *Kernel) runStep(t *Thread) {
	k.g.init()
	k.g.mu.Lock()
	defer k.g.mu.Unlock()
	t.run.turn = true
	if t.run.gor {
		t.run.cond.Signal()
	} else {
		t.start()
	}
	for t.run.turn {
		k.g.idle.Wait()
	}
}
