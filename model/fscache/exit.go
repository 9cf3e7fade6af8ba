package fscache

import "github.com/fscachesim/fscachesim/sim"

// Module exit. In 6.12 fscache is part of the netfs module: netfs_exit
// calls fscache_exit, which destroys the cookie slab, removes the /proc
// files, shuts the LRU timer down (timer_shutdown_sync, since "fscache:
// delete fscache_cookie_lru_timer when fscache exits to avoid UAF") and
// destroys fscache_wq (which drains it first). After that the module's
// memory is gone: the hash tables, the lists, the LRU, the timer, the
// workqueue. The model keeps that memory's lifetime in Fscache.module;
// every path that touches module state calls touch, so a use after exit is
// reported as a use-after-free with the step that unloaded the module.

// moduleState is the part of Fscache that module exit tears down.
type moduleState struct {
	life       sim.Life      // the module's static data
	destroying bool          // destroy_workqueue(fscache_wq) has begun (__WQ_DESTROYING)
	wqThreads  []*sim.Thread // threads running an fscache_wq item (for is_chained_work)
}

// touch marks a use of module state (a static variable of
// fs/netfs/fscache_*.c): after Exit it is a use-after-free.
func (f *Fscache) touch(t *sim.Thread) { t.Use(&f.module.life) }

// Unloaded reports whether Exit has run.
func (f *Fscache) Unloaded() bool { return f.module.life.Freed() }

// enterWQ and leaveWQ bracket an fscache_wq item's function, so that
// queueing from it while the workqueue drains counts as chained work.
func (f *Fscache) enterWQ(t *sim.Thread) { f.module.wqThreads = append(f.module.wqThreads, t) }

func (f *Fscache) leaveWQ(t *sim.Thread) {
	ws := f.module.wqThreads
	for i := len(ws) - 1; i >= 0; i-- {
		if ws[i] == t {
			f.module.wqThreads = append(ws[:i:i], ws[i+1:]...)
			return
		}
	}
}

// queueWork is queue_work(fscache_wq, w) with the workqueue's lifetime
// checks: after destruction it is a use of freed memory; while it is being
// destroyed only chained work (queued from one of its own items) is
// accepted, anything else is the kernel's WARN_ON_ONCE in __queue_work.
func (f *Fscache) queueWork(t *sim.Thread, w *sim.Work) bool {
	f.touch(t)
	if f.module.destroying {
		chained := false
		for _, x := range f.module.wqThreads {
			chained = chained || x == t
		}
		if !chained {
			warn(t, "WARN", "WARN: __queue_work: %s queued on workqueue %s while it is being destroyed", w.Name, f.wq.Name)
		}
	}
	return sim.QueueWork(t, &f.wq, w)
}

// Exit is fscache_exit() (called by netfs_exit at module unload). Every
// user of the module is gone by then (the netfs and cachefiles modules that
// use it are unloaded first), so a cookie still allocated is the WARN of
// kmem_cache_destroy on the cookie slab; the LRU timer is shut down (a
// callback that has fired is waited for; arming it later is ignored) and
// fscache_wq drained and destroyed. Then the module's memory is freed.
func (f *Fscache) Exit(t *sim.Thread) {
	f.touch(t)
	if len(f.cookies) > 0 {
		c := f.cookies[0]
		warn(t, "WARN", "WARN: kmem_cache_destroy fscache_cookie_jar: Slab cache still has objects (%d cookie(s), first c=%08x in state %v)",
			len(f.cookies), c.DebugID, c.state.Peek())
	}
	// Before the 2024 fix fscache_exit left the LRU timer alone.
	if !f.Bugs.ExitKeepsLRUTimer {
		f.lruTimer.ShutdownSync(t)
	}
	f.destroyWorkqueue(t)
	notice(t, 0, "FS-Cache unloaded")
	t.Free(&f.module.life)
}

// destroyWorkqueue is destroy_workqueue(fscache_wq): mark it being
// destroyed, then drain it (drain_workqueue: flush until no item is pending
// or running, chained items included).
func (f *Fscache) destroyWorkqueue(t *sim.Thread) {
	f.module.destroying = true
	for busy := true; busy; {
		busy = false
		if f.lruWork.Pending() || f.lruWork.Running() {
			sim.FlushWork(t, &f.lruWork)
			busy = true
		}
		for _, c := range append([]*Cookie(nil), f.cookies...) {
			if c.work.Pending() || c.work.Running() {
				sim.FlushWork(t, &c.work)
				busy = true
			}
		}
	}
}
