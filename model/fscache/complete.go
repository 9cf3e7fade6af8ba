package fscache

import "github.com/fscachesim/fscachesim/sim"

// I/O that completes later. In the kernel a backend submits a direct I/O
// kiocb and returns; the kiocb's ki_complete (cachefiles_read_complete,
// cachefiles_write_complete) runs later in completion context and calls
// the netfs's termination function there (for fscache_write_to_cache,
// fscache_wreq_done, which ends the operation and so the cookie access).
// The issuer may meanwhile have gone on: closed the file (unuse),
// invalidated, or relinquished the cookie.
//
// The model runs each completion as a work item of the backend's "dio"
// workqueue, the filesystem's s_dio_done_wq where iomap completes a direct
// write that extends the file or converts unwritten extents: its own
// kworker thread, which the scheduler runs whenever it chooses. A read's
// bio completes in the block layer's softirq in the kernel
// (IOMAP_DIO_INLINE_COMP); the model runs it on the same kind of kworker
// (the work done and what it touches are the same, and it does not sleep).

// QueueCompletion queues fn, the completion of one submitted I/O named
// name, on wq (the backend's DIO completion workqueue).
func QueueCompletion(t *sim.Thread, wq *sim.Workqueue, name string, fn func(t *sim.Thread)) {
	sim.QueueWork(t, wq, &sim.Work{Name: name, Func: fn})
}

// DIOWorkqueue is the workqueue a backend completes its direct I/O on
// (the filesystem's s_dio_done_wq, "dio/<dev>").
func DIOWorkqueue(dev string) sim.Workqueue { return sim.Workqueue{Name: "dio/" + dev} }

// IOSubmitted and IOCompleted keep the model's count of a cookie's backend
// I/O in flight (a kiocb submitted and not yet completed). The kernel keeps
// no such count: it relies on each I/O's operation holding its cookie
// access until the completion has run, so that the state machine never
// withdraws the backing object under I/O (it waits for n_accesses to reach
// 0). The count lets the model check exactly that (withdrawCookie).
func IOSubmitted(c *Cookie) { c.ioInFlight++ }

// IOCompleted: see IOSubmitted. The backend calls it in the completion
// before the termination function, which may end the access.
func IOCompleted(c *Cookie) { c.ioInFlight-- }

// IOInFlight is the number of the cookie's backend I/Os submitted and not
// yet completed.
func (c *Cookie) IOInFlight() int { return c.ioInFlight }
