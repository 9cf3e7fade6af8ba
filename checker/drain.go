package checker

import (
	"fmt"
	"strings"

	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// EndOfRun judges the end of a run that ended with res, and returns the
// first failure it finds, or nil.
//
// After a run that passed (the scenario drained its world: every
// relinquish and withdrawal finished, every timer fired), in this order:
// no thread is stuck; nothing is still hot (a relinquish never completed, a
// withdrawal never drained: a liveness failure naming the monitor); the
// deferred halves of I-18 and I-22 closed; then nothing is left: no cookie
// (with its state, flags and counts), no LRU entry, no volume, and no
// cache record (one left is printed with its object_count, n_accesses and
// n_volumes); then the
// extensions' own checks.
//
// A run the simulator ended with its generic leak report (its
// ExpectAllFreed check) is judged the same way, so that the verdict names
// the cause (a relinquish that never completed) or the cookie and its
// state rather than a list of ids. A run that hit the step bound gets a
// liveness failure if anything is hot. Any other failed or diverged run is
// left to its own failure: EndOfRun returns nil.
func (c *Checker) EndOfRun(k *sim.Kernel, res sim.Result) *sim.Failure {
	if c.k == nil {
		c.k = k
	}
	step := res.Steps
	switch res.Outcome {
	case sim.OutcomePass:
	case sim.OutcomeFail:
		if res.Failure == nil || res.Failure.Class != sim.FailLeak {
			return nil
		}
	case sim.OutcomeBound:
		return c.hotAtEnd(step, fmt.Sprintf("hit the step bound (%d steps)", step))
	default:
		return nil
	}
	for _, t := range k.Threads() {
		if !t.Done() {
			return &sim.Failure{Class: sim.FailDeadlock, Check: "stuck", Step: step, Thread: t.ID(), ThreadName: t.Name(),
				Msg: fmt.Sprintf("the run ended with thread %s not finished", t.Name())}
		}
	}
	if f := c.hotAtEnd(step, "ended"); f != nil {
		return f
	}
	if f := c.deferredAtEnd(step); f != nil {
		return f
	}
	if f := c.leaks(step); f != nil {
		return f
	}
	if res.Outcome == sim.OutcomeFail {
		// The simulator found a leak fscache knows nothing about (a
		// backend object, say): keep its report.
		return nil
	}
	for _, x := range c.opts.Extensions {
		if f := x.EndOfRun(k); f != nil {
			return f
		}
	}
	return nil
}

// deferredAtEnd closes the checks that wait for a later event: an
// IS_CACHING cleared in a caching state whose FAILED never came (I-18), a
// NO_ACCESS_WAKE cleared without __fscache_withdraw_cookie's trace (I-22).
func (c *Checker) deferredAtEnd(step int64) *sim.Failure {
	for _, tr := range c.cookies {
		if tr == nil {
			continue
		}
		if tr.i18Suspect {
			return &sim.Failure{Class: sim.FailInvariant, Check: "I-18", Step: step, Thread: -1, Objects: []string{cookieObj(tr.id)},
				Msg: fmt.Sprintf("c=%08x: IS_CACHING cleared at step %d while %v and the cookie never went FAILED", tr.id, tr.i18Step, tr.state)}
		}
		if tr.unpinOwed > 0 {
			return &sim.Failure{Class: sim.FailInvariant, Check: "I-22", Step: step, Thread: -1, Objects: []string{cookieObj(tr.id)},
				Msg: fmt.Sprintf("c=%08x: NO_ACCESS_WAKE cleared outside __fscache_withdraw_cookie", tr.id)}
		}
	}
	return nil
}

// leaks lists what fscache still holds after a drained run.
func (c *Checker) leaks(step int64) *sim.Failure {
	var lines, objs []string
	for _, ck := range c.f.Cookies() {
		lines = append(lines, "cookie "+describeCookie(ck))
		objs = append(objs, cookieObj(ck.DebugID))
	}
	for _, tr := range c.alive {
		if !tr.c.Life().Freed() && !containsCookie(c.f.Cookies(), tr.c) {
			lines = append(lines, "cookie (being freed) "+describeCookie(tr.c))
			objs = append(objs, cookieObj(tr.id))
		}
	}
	for _, ck := range c.f.LRU() {
		if !containsCookie(c.f.Cookies(), ck) {
			lines = append(lines, fmt.Sprintf("LRU entry c=%08x", ck.DebugID))
			objs = append(objs, cookieObj(ck.DebugID))
		}
	}
	for _, v := range c.f.Volumes() {
		lines = append(lines, fmt.Sprintf("volume V=%08x %q ref %d n_cookies %d n_accesses %d flags %#x", v.DebugID, v.Key, v.Ref(), v.NCookies(), v.NAccesses(), v.Flags()))
		objs = append(objs, volumeObj(v.DebugID))
	}
	for _, ca := range c.f.Caches() {
		lines = append(lines, fmt.Sprintf("cache C=%08x %q state %v object_count %d n_accesses %d n_volumes %d ref %d",
			ca.DebugID, ca.Name, ca.State(), ca.ObjectCount(), ca.NAccesses(), ca.NVolumes(), ca.Ref()))
		objs = append(objs, cacheObj(ca.DebugID))
	}
	for _, ca := range c.seenCaches {
		if ca.ObjectCount() != 0 && !containsCache(c.f.Caches(), ca) {
			lines = append(lines, fmt.Sprintf("cache C=%08x %q freed with object_count %d", ca.DebugID, ca.Name, ca.ObjectCount()))
			objs = append(objs, cacheObj(ca.DebugID))
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return &sim.Failure{Class: sim.FailLeak, Check: "leak", Step: step, Thread: -1, Objects: objs,
		Msg: fmt.Sprintf("fscache still holds %d object(s) after the run drained: %s", len(lines), strings.Join(lines, "; "))}
}

func containsCookie(list []*fscache.Cookie, ck *fscache.Cookie) bool {
	for _, x := range list {
		if x == ck {
			return true
		}
	}
	return false
}

func containsCache(list []*fscache.Cache, ca *fscache.Cache) bool {
	for _, x := range list {
		if x == ca {
			return true
		}
	}
	return false
}
