package fscache

import "github.com/fscachesim/fscachesim/sim"

// lruRemove unlinks c from the LRU list; the caller holds the LRU lock.
func (f *Fscache) lruRemove(t *sim.Thread, c *Cookie) {
	c.declare(t, &c.shared.lruLink, sim.AccWrite)
	f.lruLock.AssertHeld(t, "fscache_cookie_lru list_del") // lockset
	for i, x := range f.lru {
		if x == c {
			f.lru = append(f.lru[:i:i], f.lru[i+1:]...)
			f.gen++
			break
		}
	}
	c.setOnLRU(false)
}

// lruTimedOut is fscache_cookie_lru_timed_out(): the timer only queues the
// worker.
func (f *Fscache) lruTimedOut(t *sim.Thread) {
	f.queueWork(t, &f.lruWork)
}

// lruWorker is fscache_cookie_lru_worker(): discard every cookie whose
// timeout has passed, oldest first; re-arm the timer for the first one that
// has not.
func (f *Fscache) lruWorker(t *sim.Thread) {
	f.touch(t)
	f.enterWQ(t)
	defer f.leaveWQ(t)
	f.lruLock.Lock(t)
	for len(f.lru) > 0 && !(f.Mutants.LRUWorkerLeavesOne && len(f.lru) == 1) {
		f.lruLock.AssertHeld(t, "fscache_cookie_lru walk") // lockset
		c := f.lru[0]
		c.declare(t, &c.shared.unusedAt, sim.AccRead) // under the LRU lock, not cookie->lock
		deadline := c.unusedAt + LRUCookieTimeout
		if f.Mutants.LRULate {
			deadline += sim.Second
		}
		if sim.Before(f.K.Now(), deadline) {
			f.lruTimer.Reduce(t, deadline)
			break
		}
		f.lruRemove(t, c)
		f.Stats.CookiesLRU--
		f.lruLock.Unlock(t)
		f.lruDoOne(t, c)
		f.lruLock.Lock(t)
	}
	f.point(t, PtLRUWorkerDone, nil, nil, false)
	f.lruLock.Unlock(t)
}

// lruDoOne is fscache_cookie_lru_do_one(): an expired, unused, ACTIVE cookie
// is marked for discard and its state machine woken; any other is just
// taken off the list. Then the list's ref is put.
func (f *Fscache) lruDoOne(t *sim.Thread, c *Cookie) {
	c.see(t, TraceCookieSeeLRUDoOne)
	c.lock.Lock(t)
	if c.state.Peek() != CookieActive || sim.Before(f.K.Now(), c.unusedAt+LRUCookieTimeout) || c.nActive.Load(t) > 0 || f.Mutants.LRUNeverDiscards {
		f.point(t, PtLRUDoOne, c, nil, false)
		c.lock.Unlock(t)
		f.Stats.CookiesLRURemoved++
	} else {
		c.flags.Set(t, FlagDoLRUDiscard)
		requestPoint(t, RequestLRUDiscard, c)
		f.point(t, PtLRUDoOne, c, nil, true)
		c.lock.Unlock(t)
		f.Stats.CookiesLRUExpired++
		withdrawCookieRequest(t, c)
	}
	PutCookie(t, c, TraceCookiePutLRU)
}
