package sim

import (
	"slices"
	"strconv"
)

// Workqueues with the kernel's semantics: queueing a work item that is
// pending does nothing and returns false; an item never runs twice at once;
// queueing it while it runs makes it run once more afterwards. An unbound
// workqueue runs different items in parallel, each on its own kworker
// thread; an ordered one runs its items one at a time in queueing order.

// Workqueue is struct workqueue_struct.
type Workqueue struct {
	Name    string
	Ordered bool // alloc_ordered_workqueue(): one item at a time, FIFO

	id     uint32
	queue  []*Work // ordered: items waiting, each pending and not delayed
	worker *Thread // ordered: the worker thread, if running
}

// Work is struct work_struct.
type Work struct {
	Name string
	Func func(t *Thread)

	id      uint32
	pending bool
	running bool
	wq      *Workqueue
	timer   Timer // for delayed work
	delayed bool
	gen     *uint32 // Watch
}

// Watch is Atomic.Watch for a work item: every change of Pending or
// Running bumps *gen.
func (w *Work) Watch(gen *uint32) { w.gen = gen }

// ID is the object id used in accesses.
func (w *Work) ID(k *Kernel) uint32 { return k.ObjID(&w.id) }

// Pending reports work_pending() without a scheduling point.
func (w *Work) Pending() bool { return w.pending }

// Running reports whether a worker is executing the item.
func (w *Work) Running() bool { return w.running }

// QueueWork is queue_work(): it returns false if the item was already
// pending.
func QueueWork(t *Thread, wq *Workqueue, w *Work) bool {
	t.point(Access{Obj: t.k.ObjID(&w.id), Kind: AccQueue})
	t.drain() // fully ordered (test_and_set_bit of PENDING, the pool lock)
	if w.pending {
		return false
	}
	w.pending = true
	touch(w.gen)
	if !w.running {
		w.wq = wq
	}
	w.enqueue(t.k)
	return true
}

// enqueue hands a pending, no longer delayed item to its workqueue. An item
// running on an unbound workqueue stays with the worker running it, which
// runs it again when its function returns (an item never runs twice at
// once); on an ordered workqueue it goes to the back of the queue.
func (w *Work) enqueue(k *Kernel) {
	wq := w.wq
	if wq.Ordered {
		wq.queue = append(wq.queue, w)
		if wq.worker == nil {
			wq.worker = k.Spawn(k.kworkerName(wq), wq.orderedWorker)
		}
		return
	}
	if w.running {
		return
	}
	w.running = true // claimed by the worker spawned now
	touch(w.gen)
	k.Spawn(k.kworkerName(wq), func(t *Thread) { runWork(t, w) })
}

func (k *Kernel) kworkerName(wq *Workqueue) string {
	k.nWorkers++
	if k.nWorkers < len(kworkerNames) {
		return kworkerNames[k.nWorkers]
	}
	return "kworker/u4:" + strconv.Itoa(k.nWorkers)
}

// kworkerNames are the first workers' names, built once: a run spawns a
// worker per queued work item, and building the name each time showed in
// profiles.
var kworkerNames = func() []string {
	n := make([]string, 128)
	for i := range n {
		n[i] = "kworker/u4:" + strconv.Itoa(i)
	}
	return n
}()

// runWork runs w on an unbound workqueue until nobody has queued it again
// meanwhile (a delayed requeue waits for its timer).
func runWork(t *Thread, w *Work) {
	for {
		t.point(Access{Obj: t.k.ObjID(&w.id), Kind: AccQueue})
		if !w.pending || w.delayed {
			w.running = false
			touch(w.gen)
			t.k.wake(w, -1)
			return
		}
		w.pending = false
		touch(w.gen)
		w.Func(t)
		checkWorkReturn(t, w)
	}
}

// checkWorkReturn is the workqueue's check that a work function released
// every lock it took.
func checkWorkReturn(t *Thread, w *Work) {
	if len(t.held) != 0 {
		t.k.failNow(t, &Failure{Class: FailLockMisuse, Check: "lock-held-at-exit",
			Msg: "work function " + w.Name + " returned holding " + t.heldNames()})
	}
}

// orderedWorker runs the items of an ordered workqueue one at a time, in
// the order they were queued, until the queue is empty.
func (wq *Workqueue) orderedWorker(t *Thread) {
	for {
		t.point(Access{Obj: t.k.ObjID(&wq.id), Kind: AccQueue})
		if len(wq.queue) == 0 {
			wq.worker = nil
			return
		}
		w := wq.queue[0]
		wq.queue = wq.queue[1:]
		w.pending = false
		touch(w.gen)
		w.running = true
		touch(w.gen)
		w.Func(t)
		checkWorkReturn(t, w)
		w.running = false
		touch(w.gen)
		t.k.wake(w, -1)
	}
}

// QueueDelayedWork is queue_delayed_work(): the item becomes pending now and
// is queued when delay has passed on the virtual clock. It returns false if
// the item was already pending.
func QueueDelayedWork(t *Thread, wq *Workqueue, w *Work, delay Time) bool {
	if delay <= 0 {
		return QueueWork(t, wq, w)
	}
	t.point(Access{Obj: t.k.ObjID(&w.id), Kind: AccQueue})
	t.drain() // fully ordered (test_and_set_bit of PENDING, the pool lock)
	if w.pending {
		return false
	}
	w.pending = true
	touch(w.gen)
	if !w.running {
		w.wq = wq
	}
	w.delayed = true
	if w.timer.Func == nil {
		w.timer.Name = "delayed_work_timer_fn"
		w.timer.Func = func(t *Thread) {
			w.delayed = false
			if w.pending {
				w.enqueue(t.k)
			}
		}
	}
	t.k.armTimer(&w.timer, t.k.now+delay)
	return true
}

// CancelDelayedWork is cancel_delayed_work(): it takes a pending item off its
// timer (or off the queue before it starts) and reports whether it did.
func CancelDelayedWork(t *Thread, w *Work) bool {
	t.point(Access{Obj: t.k.ObjID(&w.id), Kind: AccQueue})
	t.drain() // fully ordered (test_and_set_bit of PENDING, the pool lock)
	if !w.pending {
		return false
	}
	if w.delayed {
		t.k.disarmTimer(&w.timer)
		w.delayed = false
	} else if w.wq.Ordered {
		if i := slices.Index(w.wq.queue, w); i >= 0 {
			w.wq.queue = slices.Delete(w.wq.queue, i, i+1)
		}
	}
	w.pending = false
	touch(w.gen)
	t.k.wake(w, -1) // a flusher may now find it idle
	return true
}

// FlushWork is flush_work(): it sleeps until the item is neither pending nor
// running, and reports whether it had to wait.
func FlushWork(t *Thread, w *Work) bool {
	t.mightSleep("flush_work", w.Name)
	waited := false
	for {
		t.point(Access{Obj: t.k.ObjID(&w.id), Kind: AccWait})
		t.drain() // fully ordered (test_and_set_bit of PENDING, the pool lock)
		if !w.pending && !w.running {
			return waited
		}
		waited = true
		t.block(w, -1, "flush_work("+w.Name+")")
	}
}
