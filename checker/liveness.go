package checker

import (
	"fmt"

	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// Liveness monitors, in the manner of Coyote's and P's hot states. A
// monitor makes an object hot at one event (a relinquish, a withdrawal, a
// collision wait, an LRU entry nobody is due to look at) and cold at
// another (DROPPED, NOT_PRESENT, the waiter's return, the timer or worker
// taking charge). An object hot for more than Options.LivenessBound steps is
// a liveness failure named after its monitor; so is anything still hot when
// a run ends, whether it ended drained (a relinquish that never completed)
// or at the step bound (the failure names the monitor, not the bound).
//
// What a step is, and why counting steps is fair enough. The bound counts
// kernel steps: each is one simulated thread running from one scheduling
// point to the next, so every counted step is progress by some thread.
// Virtual time that passes while every thread sleeps (the clock jumping to
// the next timer) is not a step and does not count, so a 10 s LRU timeout
// or a 20 s collision warning costs nothing towards the bound. A liveness
// property holds only under a fair scheduler: an unfair one can keep the
// thread that would cool an object (a kworker about to run the state
// machine) off the CPU while other threads run. The strategies here are
// unfair only for a bounded stretch: nothing in the model spins (a thread
// that waits sleeps, and a sleeping thread is not enabled), so a starved
// thread can be kept waiting only while the other threads have steps left
// to take, and PCT's priority changes and the random walk both let it run
// once those are taken. The scheduler is therefore fair once every other
// enabled thread has blocked or finished, which in a scenario happens within
// the scenario's own length; the bound only has to be larger than the
// longest legitimate hot stretch. The scenario tests measure that stretch
// (MaxHot) across thousands of seeds and keep it well under the default.
//
// The monitors:
//
//	L-1 an LRU entry is looked at in time: while the LRU list is non-empty
//	    the LRU timer is armed at or before the head's deadline, or the timer
//	    callback or the LRU worker is in flight (the worker drops the list
//	    lock while it processes a cookie and re-arms the timer when it stops).
//	L-2 a relinquished cookie reaches DROPPED: hot at fscache_relinquish,
//	    cold at the change to DROPPED (T15 or T16).
//	L-3 a collision waiter returns: hot when an acquire takes its ref on a
//	    relinquished twin, cold when it puts it after the wait; for volumes,
//	    while ACQUIRE_PENDING is set.
//	L-4 a cache withdrawal drains: hot at the change to WITHDRAWN, cold at
//	    the change to NOT_PRESENT (fscache_relinquish_cache).
//	L-5 a request is acted on (requests.go): a DO_* flag pending in a state
//	    where the state machine acts on it, or a volume's CREATING, with no
//	    work queued or running and no access whose end queues the state
//	    machine.

// Monitor names, as they appear in Failure.Check.
const (
	monL1 = "L-1"
	monL2 = "L-2"
	monL3 = "L-3"
	monL4 = "L-4"
)

type hotEntry struct {
	monitor string
	key     uint64
	obj     objRef
	what    string
	since   int64
}

// liveness holds the hot objects, in the order they became hot.
type liveness struct {
	hot    []hotEntry
	maxHot int64 // the longest any object stayed hot and cooled again
	hotL5  int   // L-5 entries in hot (requests.go), so that cooling costs nothing while there are none
	// unsorted: an entry was made hot with an earlier step than the one
	// before it (never so far: objects are heated at the step they turn
	// hot, in order), so hot[0] need not be the oldest.
	unsorted bool
}

func (l *liveness) find(monitor string, key uint64) int {
	for i, h := range l.hot {
		if h.key == key && h.monitor == monitor {
			return i
		}
	}
	return -1
}

// heat makes (monitor, key) hot at step, unless it already is.
func (l *liveness) heat(monitor string, key uint64, obj objRef, what string, step int64) {
	if l.find(monitor, key) >= 0 {
		return
	}
	if n := len(l.hot); n > 0 && step < l.hot[n-1].since {
		l.unsorted = true
	}
	l.hot = append(l.hot, hotEntry{monitor: monitor, key: key, obj: obj, what: what, since: step})
}

// cool makes (monitor, key) cold.
func (l *liveness) cool(monitor string, key uint64, step int64) {
	if i := l.find(monitor, key); i >= 0 {
		if d := step - l.hot[i].since; d > l.maxHot {
			l.maxHot = d
		}
		l.hot = append(l.hot[:i], l.hot[i+1:]...)
	}
}

// overdue is the first object hot for more than bound steps at step.
func (l *liveness) overdue(step, bound int64) *hotEntry {
	// In heating order the first entry is the oldest: when it is not
	// overdue, none is, and when it is, it is the first.
	if !l.unsorted && (len(l.hot) == 0 || step-l.hot[0].since <= bound) {
		return nil
	}
	for i := range l.hot {
		if step-l.hot[i].since > bound {
			return &l.hot[i]
		}
	}
	return nil
}

// checkLiveness updates the polled monitor (L-1) and reports an object hot
// for too long.
func (c *Checker) checkLiveness() {
	c.checkL1()
	if h := c.live.overdue(c.step, c.opts.LivenessBound); h != nil {
		c.report(sim.FailLiveness, h.monitor, []string{h.obj.String()}, "%s: %s: hot since step %d, %d steps (bound %d)",
			h.obj, h.what, h.since, c.step-h.since, c.opts.LivenessBound)
	}
}

// checkL1 is the LRU timer condition of L-1.
func (c *Checker) checkL1() {
	lru := c.f.LRU()
	cold := true
	if len(lru) > 0 && !c.f.LRUWorkBusy() && c.lruTimerCB == 0 {
		tm := c.f.LRUTimer()
		head := lru[0].UnusedAt() + lruTimeout
		cold = tm.Pending() && !sim.Before(head, tm.Deadline())
	}
	if cold {
		c.live.cool(monL1, 0, c.step)
		return
	}
	c.live.heat(monL1, 0, objRef{'c', lru[0].DebugID}, "LRU non-empty and nobody due to look at its head (timer not armed by its deadline, worker idle)", c.step)
}

// MaxHot is the longest any object of this run stayed hot before it cooled:
// the margin a liveness bound must exceed.
func (c *Checker) MaxHot() int64 { return c.live.maxHot }

// Hot lists the objects hot now, one line each, oldest first.
func (c *Checker) Hot() []string {
	var out []string
	for _, h := range c.live.hot {
		out = append(out, fmt.Sprintf("%s %s: %s (hot since step %d)", h.monitor, h.obj, h.what, h.since))
	}
	return out
}

// hotAtEnd is the liveness failure for anything still hot when the run
// ended at step; why says how it ended.
func (c *Checker) hotAtEnd(step int64, why string) *sim.Failure {
	if len(c.live.hot) == 0 {
		return nil
	}
	h := c.live.hot[0]
	f := &sim.Failure{Class: sim.FailLiveness, Check: h.monitor, Step: step, Thread: -1,
		Msg: fmt.Sprintf("%s: %s: still hot when the run %s (hot since step %d)", h.obj, h.what, why, h.since)}
	for _, x := range c.live.hot {
		f.Objects = append(f.Objects, x.obj.String())
	}
	if len(c.live.hot) > 1 {
		f.Msg += fmt.Sprintf("; %d objects hot in all", len(c.live.hot))
	}
	return f
}

const lruTimeout = fscache.LRUCookieTimeout
