package fscache

import "github.com/fscachesim/fscachesim/sim"

// QueueWork is queue_work(fscache_wq, w) for a backend's own work items
// (cachefiles' on-demand reopen worker), with the workqueue's lifetime
// checks.
func (f *Fscache) QueueWork(t *sim.Thread, w *sim.Work) bool { return f.queueWork(t, w) }
