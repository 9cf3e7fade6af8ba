// SPDX-License-Identifier: GPL-2.0
/*
 * fscachesim: the simulated kernel under the kernel's own fscache C.
 *
 * Simulated threads are ucontext stacks. The dispatcher (kc_run) runs on the
 * real thread stack; a simulated thread runs kernel code until it reaches a
 * scheduling point (kc_point), then switches back to the dispatcher, which
 * picks the next thread to run among the enabled ones. Threads only ever
 * switch to and from the dispatcher, never to each other, so every hand-off
 * is a decision the dispatcher records (and, once linked into the Go
 * simulator, asks sim's strategy for). Nothing on a simulated thread's stack
 * calls anything but C. See docs/kernel-c.md.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <unistd.h>
#include <setjmp.h>
#include <ucontext.h>
#include <linux/fscache-cache.h>
#include "kc_sched.h"

#define KC_STACK (128 * 1024)

enum kc_tstate { KC_FREE, KC_RUNNABLE, KC_BLOCKED, KC_DONE };

struct kc_thread {
	ucontext_t ctx;		/* only to start the thread on its stack */
	jmp_buf env;		/* where it resumes */
	bool started;
	char *stack;
	struct kc_task task;
	enum kc_tstate state;
	const void *wait_var;	/* what a blocked thread waits for */
	unsigned long deadline;	/* 0: none; else the jiffies it wakes at */
	bool timed_out;
	void (*fn)(void *);
	void *arg;
	struct work_struct *work; /* a kworker's work item, or NULL */
	enum kc_op op;		/* the point it stopped at (Go-driven mode) */
	const void *addr;
};

/* Workqueue bookkeeping lives beside the work item, keyed by its address, so
 * the simulator never touches a work_struct after its function returned (the
 * function may free it, as the kernel allows). */
struct kc_work {
	struct work_struct *work;
	bool pending, running;
};

struct kc_world {
	ucontext_t dispatcher;	/* where a thread's first switch returns */
	jmp_buf dispatch_env;	/* where every later switch returns */
	struct kc_thread threads[KC_MAX_THREADS];
	int nthreads;
	struct kc_thread *cur;
	struct kc_work works[KC_MAX_WORKS];
	int nworks;
	struct timer_list *timers[KC_MAX_TIMERS];
	int ntimers;
	unsigned long now;
	unsigned long steps, max_steps;
	unsigned long points[KC_OP__NR];
	/* the strategy: random walk from a seed, or replay of a decision list */
	uint64_t rng;
	const int *replay;
	int nreplay, ireplay;
	int ndecisions;
	/* memory: live allocations and the quarantine of freed, poisoned ones */
	long live_allocs;
	int nquarantine;
	/* findings */
	int nfindings;
	char finding[512];
	FILE *out;
	/* Go-driven mode (kc_go.c): the Go simulator decides; these lists say
	 * what a step did that the Go side must mirror */
	bool go_mode;
	bool go_unlisted;	/* the next spawn is a timer the Go side fired itself */
	int spawned[KC_MAX_THREADS], nspawned;
	int woken[KC_MAX_THREADS], nwoken;
	struct timer_list *armed[KC_MAX_TIMERS], *armed_seen;
	int narmed;
	char tbuf[16384];
	size_t tlen;
};

static struct kc_world W;
/* Kept out of W, which every execution clears: the big arrays only need
 * their counts reset, and the thread stacks are reused, one per slot
 * (allocating 128 KiB afresh is an mmap and page faults each time). */
static int kc_decisions[KC_MAX_DECISIONS];
static void *kc_quarantine[KC_MAX_ALLOCS];
static char *kc_stacks[KC_MAX_THREADS];
static struct kc_task kc_dispatcher_task = { "dispatcher" };

struct workqueue_struct { int unused; };
static struct workqueue_struct kc_system_wq, kc_fscache_wq;
struct workqueue_struct *system_wq = &kc_system_wq;
struct workqueue_struct *system_unbound_wq = &kc_system_wq;
struct workqueue_struct *fscache_wq = &kc_fscache_wq;

/* ---- switching: a thread only ever switches to the dispatcher and back.
 * A thread's first run starts it with swapcontext (that saves and restores
 * the signal mask: two system calls); every later switch is a
 * _setjmp/_longjmp pair, which does not touch the signal mask. ---- */

static void kc_to_dispatcher(struct kc_thread *t)
{
	if (!_setjmp(t->env))
		_longjmp(W.dispatch_env, 1);
}

static void kc_to_thread(struct kc_thread *t)
{
	if (_setjmp(W.dispatch_env))
		return;
	if (t->started)
		_longjmp(t->env, 1);
	t->started = true;
	swapcontext(&W.dispatcher, &t->ctx);
}

/* ---- findings ---- */

static void kc_find(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void kc_find(const char *fmt, ...)
{
	va_list ap;

	if (W.nfindings++)
		return;
	va_start(ap, fmt);
	vsnprintf(W.finding, sizeof(W.finding), fmt, ap);
	va_end(ap);
	if (W.out)
		fprintf(W.out, "%lu %s FINDING %s\n", W.steps, W.cur ? W.cur->task.comm : "-", W.finding);
}

static void kc_exit_thread(void)
{
	W.cur->state = KC_DONE;
	_longjmp(W.dispatch_env, 1); /* a finished thread is never resumed */
}

void kc_bug(const char *file, int line, const char *what)
{
	kc_find("BUG at %s:%d: %s", file, line, what);
	if (W.cur)
		kc_exit_thread();
	abort();
}

bool kc_warn(const char *file, int line, const char *what)
{
	kc_find("WARNING at %s:%d: %s", file, line, what);
	return true;
}

void kc_refcount_bad(const refcount_t *r, int old, const char *what)
{
	kc_find("refcount_t %s on %d at %p", what, old, (const void *)r);
}

/* ---- output: printk and tracepoints ---- */

static void kc_tbuf_printf(const char *fmt, va_list ap)
{
	int n;

	if (W.tlen >= sizeof(W.tbuf) - 1)
		return;
	n = vsnprintf(W.tbuf + W.tlen, sizeof(W.tbuf) - W.tlen, fmt, ap);
	if (n > 0)
		W.tlen += (size_t)n < sizeof(W.tbuf) - W.tlen ? (size_t)n : sizeof(W.tbuf) - W.tlen - 1;
}

static void kc_tbuf_puts(const char *s, ...)
{
	va_list ap;

	va_start(ap, s);
	kc_tbuf_printf(s, ap);
	va_end(ap);
}

void kc_printk(const char *fmt, ...)
{
	va_list ap;

	if (W.go_mode) {
		kc_tbuf_puts("printk\t");
		va_start(ap, fmt);
		kc_tbuf_printf(fmt, ap);
		va_end(ap);
		if (W.tlen && W.tbuf[W.tlen - 1] != '\n')
			kc_tbuf_puts("\n");
		return;
	}

	fprintf(W.out, "%lu %s printk ", W.steps, kc_current()->comm);
	va_start(ap, fmt);
	vfprintf(W.out, fmt, ap);
	va_end(ap);
	if (!*fmt || fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', W.out);
}

void kc_trace(const char *event, const char *fmt, ...)
{
	va_list ap;

	if (W.go_mode) {
		/* buffered for the Go side: "event TAB text NL" */
		kc_tbuf_puts("%s\t", event);
		va_start(ap, fmt);
		kc_tbuf_printf(fmt, ap);
		va_end(ap);
		kc_tbuf_puts("\n");
		return;
	}

	fprintf(W.out, "%lu %lu %s %s: ", W.steps, W.now, kc_current()->comm, event);
	va_start(ap, fmt);
	vfprintf(W.out, fmt, ap);
	va_end(ap);
	fputc('\n', W.out);
}

const char *kc_print_symbolic(unsigned long val, const struct trace_print_flags *tbl)
{
	for (; tbl->name; tbl++)
		if (tbl->mask == val)
			return tbl->name;
	return "?";
}

struct kc_task *kc_current(void)
{
	return W.cur ? &W.cur->task : &kc_dispatcher_task;
}

/* ---- scheduling ---- */

static void kc_yield(void)
{
	struct kc_thread *t = W.cur;

	if (!t)
		return; /* the dispatcher itself (world setup) never yields */
	kc_to_dispatcher(t);
}

void kc_point(enum kc_op op, const void *addr)
{
	W.points[op]++;
	if (W.cur) {
		W.cur->op = op;
		W.cur->addr = addr;
	}
	kc_yield();
}

static void kc_trampoline(void)
{
	struct kc_thread *t = W.cur;

	t->fn(t->arg);
	kc_exit_thread();
}

static struct kc_thread *kc_spawn_thread(const char *comm, void (*fn)(void *), void *arg)
{
	struct kc_thread *t = NULL;
	int i;

	for (i = 0; i < W.nthreads; i++)
		if (W.threads[i].state == KC_FREE || W.threads[i].state == KC_DONE) {
			t = &W.threads[i];
			break;
		}
	if (!t) {
		if (W.nthreads == KC_MAX_THREADS) {
			kc_find("more than %d simulated threads", KC_MAX_THREADS);
			return NULL;
		}
		t = &W.threads[W.nthreads++];
	}
	if (!kc_stacks[t - W.threads])
		kc_stacks[t - W.threads] = malloc(KC_STACK);
	t->stack = kc_stacks[t - W.threads];
	memset(&t->task, 0, sizeof(t->task));
	snprintf(t->task.comm, sizeof(t->task.comm), "%s", comm);
	t->state = KC_RUNNABLE;
	t->wait_var = NULL;
	t->deadline = 0;
	t->fn = fn;
	t->arg = arg;
	t->work = NULL;
	t->started = false;
	getcontext(&t->ctx);
	t->ctx.uc_stack.ss_sp = t->stack;
	t->ctx.uc_stack.ss_size = KC_STACK;
	t->ctx.uc_link = NULL;
	makecontext(&t->ctx, kc_trampoline, 0);
	t->op = KC_OP__NR;
	t->addr = NULL;
	if (W.go_mode && !W.go_unlisted)
		W.spawned[W.nspawned++] = (int)(t - W.threads);
	return t;
}

void kc_spawn(const char *comm, void (*fn)(void *), void *arg)
{
	kc_spawn_thread(comm, fn, arg);
}

static uint64_t kc_rand(void)
{
	/* xorshift64*: the run's only random source, seeded by the caller */
	W.rng ^= W.rng >> 12;
	W.rng ^= W.rng << 25;
	W.rng ^= W.rng >> 27;
	return W.rng * 2685821657736338717ULL;
}

static int kc_choose(int n)
{
	int c;

	if (n == 1)
		return 0;
	if (W.replay) {
		c = W.ireplay < W.nreplay ? W.replay[W.ireplay++] : 0;
		if (c < 0 || c >= n)
			c = 0;
	} else {
		c = (int)(kc_rand() % (uint64_t)n);
	}
	if (W.ndecisions < KC_MAX_DECISIONS)
		kc_decisions[W.ndecisions++] = c;
	return c;
}

/* Advance the clock to the earliest deadline (a timer or a timed wait) and
 * make what is due runnable. Returns false when nothing is pending. */
static bool kc_advance_clock(void)
{
	unsigned long next = 0;
	bool any = false;
	int i;

	for (i = 0; i < W.ntimers; i++)
		if (W.timers[i]->pending && (!any || time_before(W.timers[i]->expires, next))) {
			next = W.timers[i]->expires;
			any = true;
		}
	for (i = 0; i < W.nthreads; i++)
		if (W.threads[i].state == KC_BLOCKED && W.threads[i].deadline &&
		    (!any || time_before(W.threads[i].deadline, next))) {
			next = W.threads[i].deadline;
			any = true;
		}
	if (!any)
		return false;
	if (time_after(next, W.now))
		W.now = next;
	for (i = 0; i < W.ntimers; i++) {
		struct timer_list *tl = W.timers[i];

		if (tl->pending && !time_after(tl->expires, W.now)) {
			tl->pending = 0;
			kc_spawn_thread("timer", (void (*)(void *))tl->function, tl);
		}
	}
	for (i = 0; i < W.nthreads; i++) {
		struct kc_thread *t = &W.threads[i];

		if (t->state == KC_BLOCKED && t->deadline && !time_after(t->deadline, W.now)) {
			t->state = KC_RUNNABLE;
			t->timed_out = true;
		}
	}
	return true;
}

int kc_run(void)
{
	struct kc_thread *runnable[KC_MAX_THREADS];
	int i, n;

	for (;;) {
		n = 0;
		for (i = 0; i < W.nthreads; i++)
			if (W.threads[i].state == KC_RUNNABLE)
				runnable[n++] = &W.threads[i];
		if (n == 0) {
			if (kc_advance_clock())
				continue;
			for (i = 0; i < W.nthreads; i++)
				if (W.threads[i].state == KC_BLOCKED) {
					kc_find("deadlock: %s waits on %p and nothing can wake it",
						W.threads[i].task.comm, W.threads[i].wait_var);
					return -1;
				}
			return W.nfindings ? -1 : 0;
		}
		if (W.nfindings)
			return -1;
		if (W.steps >= W.max_steps) {
			kc_find("step bound %lu reached", W.max_steps);
			return -1;
		}
		W.steps++;
		W.cur = runnable[kc_choose(n)];
		kc_to_thread(W.cur);
		W.cur = NULL;
	}
}

/* ---- wait and wake ---- */

long kc_wait(const void *var, long timeout)
{
	struct kc_thread *t = W.cur;

	if (!t) {
		kc_find("wait on %p outside a simulated thread", var);
		return 0;
	}
	t->state = KC_BLOCKED;
	t->wait_var = var;
	t->timed_out = false;
	t->deadline = timeout == MAX_SCHEDULE_TIMEOUT ? 0 : W.now + (unsigned long)timeout;
	if (t->deadline == 0 && timeout != MAX_SCHEDULE_TIMEOUT)
		t->deadline = 1;
	kc_to_dispatcher(t);
	t->wait_var = NULL;
	if (timeout == MAX_SCHEDULE_TIMEOUT)
		return timeout;
	if (t->timed_out)
		return 0;
	return time_after(t->deadline, W.now) ? (long)(t->deadline - W.now) : 1;
}

void kc_wake(const void *var)
{
	int i;

	for (i = 0; i < W.nthreads; i++)
		if (W.threads[i].state == KC_BLOCKED && W.threads[i].wait_var == var) {
			W.threads[i].state = KC_RUNNABLE;
			if (W.go_mode && W.nwoken < KC_MAX_THREADS)
				W.woken[W.nwoken++] = i;
		}
	kc_point(KC_OP_WAKE, var);
}

/* ---- locks: a contended lock blocks the thread until the holder releases ---- */

void kc_spin_lock(spinlock_t *l)
{
	kc_point(KC_OP_LOCK, l);
	while (l->locked)
		kc_wait(l, MAX_SCHEDULE_TIMEOUT);
	l->locked = 1;
}

void kc_spin_unlock(spinlock_t *l)
{
	if (!l->locked)
		kc_find("spin_unlock of an unlocked lock %p", (void *)l);
	l->locked = 0;
	kc_wake(l);
}

void kc_bit_spin_lock(int nr, unsigned long *addr)
{
	kc_point(KC_OP_LOCK, addr);
	while (*addr & (1UL << nr))
		kc_wait(addr, MAX_SCHEDULE_TIMEOUT);
	*addr |= 1UL << nr;
}

void kc_bit_spin_unlock(int nr, unsigned long *addr)
{
	if (!(*addr & (1UL << nr)))
		kc_find("bit_spin_unlock of an unlocked bit %d of %p", nr, (void *)addr);
	*addr &= ~(1UL << nr);
	kc_wake(addr);
}

static void kc_rw_read(int *writer, int *readers, const void *id)
{
	kc_point(KC_OP_LOCK, id);
	while (*writer)
		kc_wait(id, MAX_SCHEDULE_TIMEOUT);
	(*readers)++;
}

static void kc_rw_write(int *writer, int *readers, const void *id)
{
	kc_point(KC_OP_LOCK, id);
	while (*writer || *readers)
		kc_wait(id, MAX_SCHEDULE_TIMEOUT);
	*writer = 1;
}

void kc_read_lock(rwlock_t *l) { kc_rw_read(&l->writer, &l->readers, l); }
void kc_read_unlock(rwlock_t *l) { l->readers--; kc_wake(l); }
void kc_write_lock(rwlock_t *l) { kc_rw_write(&l->writer, &l->readers, l); }
void kc_write_unlock(rwlock_t *l) { l->writer = 0; kc_wake(l); }
void kc_down_read(struct rw_semaphore *s) { kc_rw_read(&s->writer, &s->readers, s); }
void kc_up_read(struct rw_semaphore *s) { s->readers--; kc_wake(s); }
void kc_down_write(struct rw_semaphore *s) { kc_rw_write(&s->writer, &s->readers, s); }
void kc_up_write(struct rw_semaphore *s) { s->writer = 0; kc_wake(s); }

/* ---- workqueues: kernel semantics, one kworker thread per running item ---- */

static struct kc_work *kc_work_of(struct work_struct *w, bool create)
{
	int i;

	for (i = 0; i < W.nworks; i++)
		if (W.works[i].work == w)
			return &W.works[i];
	if (!create)
		return NULL;
	for (i = 0; i < W.nworks; i++)
		if (!W.works[i].work)
			break;
	if (i == W.nworks) {
		if (W.nworks == KC_MAX_WORKS) {
			kc_find("more than %d work items", KC_MAX_WORKS);
			return NULL;
		}
		W.nworks++;
	}
	W.works[i] = (struct kc_work){ .work = w };
	return &W.works[i];
}

static void kc_kworker(void *arg)
{
	struct work_struct *w = arg;
	struct kc_work *kw = kc_work_of(w, false);
	work_func_t fn = w->func;

	while (kw->pending) {
		kw->pending = false;
		kw->running = true;
		fn(w);
		kw = kc_work_of(w, false);
		kw->running = false;
	}
	kw->work = NULL; /* idle: forget it, the function may have freed it */
}

bool kc_queue_work(struct workqueue_struct *wq, struct work_struct *w)
{
	struct kc_work *kw;

	(void)wq;
	kc_point(KC_OP_QUEUE, w);
	kw = kc_work_of(w, true);
	if (!kw || kw->pending)
		return false;
	kw->pending = true;
	if (!kw->running)
		kc_spawn_thread("kworker", kc_kworker, w);
	return true;
}

/* ---- timers and jiffies ---- */

unsigned long kc_jiffies(void)
{
	return W.now;
}

int kc_timer_reduce(struct timer_list *t, unsigned long expires)
{
	int i, was = t->pending;

	kc_point(KC_OP_TIMER, t);
	for (i = 0; i < W.ntimers; i++)
		if (W.timers[i] == t)
			break;
	if (i == W.ntimers) {
		if (W.ntimers == KC_MAX_TIMERS) {
			kc_find("more than %d timers", KC_MAX_TIMERS);
			return 0;
		}
		W.timers[W.ntimers++] = t;
	}
	if (!t->pending || time_before(expires, t->expires))
		t->expires = expires;
	t->pending = 1;
	if (W.go_mode && W.narmed < KC_MAX_TIMERS)
		W.armed[W.narmed++] = t;
	return was;
}

/* ---- memory: poisoned on allocation and on free; freed blocks are kept in
 * quarantine until the run ends, so an address is never reused and a use
 * after free reads the poison ---- */

struct kc_alloc_hdr { size_t size; uint64_t magic; };
#define KC_MAGIC_LIVE 0x6b63616c6c697665ULL
#define KC_MAGIC_FREE 0x6b63667265656421ULL
#define KC_POISON_FREE 0x6b
#define KC_POISON_NEW 0x5a

void *kc_kmalloc(size_t size, gfp_t gfp, bool zero)
{
	struct kc_alloc_hdr *h;

	(void)gfp;
	kc_point(KC_OP_ALLOC, NULL);
	h = malloc(sizeof(*h) + size);
	if (!h)
		abort();
	h->size = size;
	h->magic = KC_MAGIC_LIVE;
	memset(h + 1, zero ? 0 : KC_POISON_NEW, size);
	W.live_allocs++;
	return h + 1;
}

void kc_kfree(const void *p)
{
	struct kc_alloc_hdr *h;

	if (!p)
		return;
	kc_point(KC_OP_FREE, p);
	h = (struct kc_alloc_hdr *)p - 1;
	if (h->magic != KC_MAGIC_LIVE) {
		kc_find("kfree of %p: %s", p, h->magic == KC_MAGIC_FREE ? "double free" : "not from kmalloc");
		return;
	}
	h->magic = KC_MAGIC_FREE;
	memset(h + 1, KC_POISON_FREE, h->size);
	W.live_allocs--;
#ifdef KC_ASAN
	/* ASan's own quarantine and shadow catch a later use: free at once */
	free(h);
	return;
#endif
	if (W.nquarantine < KC_MAX_ALLOCS)
		kc_quarantine[W.nquarantine++] = h;
	else
		free(h);
}

/* The live cookies, in allocation order, for the checker's accessors (the
 * cookie jar is the only kmem_cache the four files use). */
#define KC_MAX_COOKIES 64
extern struct kmem_cache *fscache_cookie_jar;
static struct fscache_cookie *kc_cookies[KC_MAX_COOKIES];
static int kc_ncookies;

void *kc_kmem_cache_zalloc(struct kmem_cache *c, gfp_t gfp)
{
	void *p = kc_kmalloc(c->size, gfp, true);

	if (c == fscache_cookie_jar && kc_ncookies < KC_MAX_COOKIES)
		kc_cookies[kc_ncookies++] = p;
	return p;
}

void kc_kmem_cache_free(struct kmem_cache *c, const void *p)
{
	int i;

	for (i = 0; i < kc_ncookies; i++)
		if (kc_cookies[i] == p) {
			memmove(&kc_cookies[i], &kc_cookies[i + 1], (kc_ncookies - i - 1) * sizeof(kc_cookies[0]));
			kc_ncookies--;
			break;
		}
	kc_kfree(p);
}

bool kc_is_freed(const void *p)
{
	return ((const struct kc_alloc_hdr *)p - 1)->magic == KC_MAGIC_FREE;
}

/* ---- what fs/netfs/fscache_main.c would provide ---- */

/* Not the kernel's hash (that one is not ours to copy): any stable hash of
 * the key words will do, it only picks the hash bucket. */
unsigned int fscache_hash(unsigned int salt, const void *data, size_t len)
{
	const unsigned char *p = data;
	unsigned int h = salt ^ 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

void folio_end_private_2(struct folio *folio)
{
	clear_bit(3, &folio->flags);
}

extern struct kmem_cache *fscache_cookie_jar;
static struct kmem_cache kc_cookie_jar = { sizeof(struct fscache_cookie), "fscache_cookie_jar" };

/* ---- the kernel's globals: the build renames the four objects' .data,
 * .data.rel.local and .bss to kc_kdata, kc_kdatarel and kc_kbss, so the
 * linker brackets them; every execution starts from the bytes they held at
 * program start (hash tables, LRU list, debug ids, the LRU timer) ---- */

extern char __start_kc_kdata[] __attribute__((weak)), __stop_kc_kdata[] __attribute__((weak));
extern char __start_kc_kdatarel[] __attribute__((weak)), __stop_kc_kdatarel[] __attribute__((weak));
extern char __start_kc_kbss[] __attribute__((weak)), __stop_kc_kbss[] __attribute__((weak));
static char *kc_snap_data, *kc_snap_datarel;

long kc_go_globals_size(void)
{
	return (long)(__stop_kc_kdata - __start_kc_kdata) + (long)(__stop_kc_kdatarel - __start_kc_kdatarel);
}

/* The sections hold several globals; under AddressSanitizer (kernel build
 * --asan) the redzones between them must not be read or written through
 * an instrumented or intercepted copy, so the copy is a plain uninstrumented
 * byte loop (volatile, so the compiler does not make it a memcpy call). */
#ifdef KC_ASAN
#define KC_NO_ASAN __attribute__((no_sanitize_address))
#else
#define KC_NO_ASAN
#endif

static KC_NO_ASAN void kc_copy_raw(char *d, const char *s, size_t n, bool zero)
{
#ifdef KC_ASAN
	volatile char *vd = d;
	const volatile char *vs = s;
	size_t i;

	for (i = 0; i < n; i++)
		vd[i] = zero ? 0 : vs[i];
#else
	/* Without ASan, plain memset/memcpy: the byte loop over the 270 KB of
	 * the hash tables was a fifth of an execution's time under sim. */
	if (zero)
		memset(d, 0, n);
	else
		memcpy(d, s, n);
#endif
}

void kc_reset_globals(void)
{
	size_t nd = __stop_kc_kdata - __start_kc_kdata;
	size_t nr = __stop_kc_kdatarel - __start_kc_kdatarel;

	if (!kc_snap_data) {
		kc_snap_data = malloc(nd + 1);
		kc_snap_datarel = malloc(nr + 1);
		kc_copy_raw(kc_snap_data, __start_kc_kdata, nd, false);
		kc_copy_raw(kc_snap_datarel, __start_kc_kdatarel, nr, false);
		return;
	}
	kc_copy_raw(__start_kc_kdata, kc_snap_data, nd, false);
	kc_copy_raw(__start_kc_kdatarel, kc_snap_datarel, nr, false);
	kc_copy_raw(__start_kc_kbss, NULL, __stop_kc_kbss - __start_kc_kbss, true);
}

/* ---- the world ---- */

void kc_world_init(uint64_t seed, const int *replay, int nreplay, unsigned long max_steps, FILE *out)
{
	memset(&W, 0, sizeof(W));
	W.rng = seed * 2 + 1;
	W.replay = replay;
	W.nreplay = nreplay;
	W.max_steps = max_steps;
	W.now = 1000;
	W.out = out;
	fscache_cookie_jar = &kc_cookie_jar;
	kc_ncookies = 0;
}

void kc_world_report(void)
{
	int i;

	fprintf(W.out, "steps %lu jiffies %lu live_allocs %ld findings %d\n",
		W.steps, W.now, W.live_allocs, W.nfindings);
	fprintf(W.out, "points lock=%lu unlock=%lu atomic=%lu bitop=%lu load=%lu store=%lu barrier=%lu wake=%lu queue=%lu timer=%lu alloc=%lu free=%lu\n",
		W.points[KC_OP_LOCK], W.points[KC_OP_UNLOCK], W.points[KC_OP_ATOMIC],
		W.points[KC_OP_BITOP], W.points[KC_OP_LOAD], W.points[KC_OP_STORE],
		W.points[KC_OP_BARRIER], W.points[KC_OP_WAKE], W.points[KC_OP_QUEUE],
		W.points[KC_OP_TIMER], W.points[KC_OP_ALLOC], W.points[KC_OP_FREE]);
	fprintf(W.out, "decisions");
	for (i = 0; i < W.ndecisions; i++)
		fprintf(W.out, "%s%d", i ? "," : " ", kc_decisions[i]);
	fputc('\n', W.out);
}

long kc_live_allocs(void) { return W.live_allocs; }
int kc_findings(void) { return W.nfindings; }
unsigned long kc_steps(void) { return W.steps; }
const char *kc_finding_text(void) { return W.finding; }
void kc_finding(const char *what) { kc_find("%s", what); }

void kc_world_free(void)
{
	int i;

	for (i = 0; i < W.nquarantine; i++)
		free(kc_quarantine[i]);
	W.nquarantine = 0;
	W.nthreads = 0;
}

static void kc_crash(int sig)
{
	W.nfindings = 0;
	kc_find("%s in a simulated thread (a use after free reads poison 0x6b)", sig == SIGSEGV ? "SIGSEGV" : "SIGBUS");
	kc_world_report();
	if (W.out != stdout)
		printf("FINDING %s\n", W.finding);
	fflush(W.out);
	fflush(stdout);
	_exit(1);
}

void kc_catch_crashes(void)
{
	static char altstack[64 * 1024];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;

	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kc_crash;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/* ---- Go-driven mode: the Go simulator (package kernelc/csim) decides which
 * thread runs; each call below is made by the Go side on its own stack, runs
 * a simulated thread to its next scheduling point at most, and returns. No C
 * code ever calls Go. ---- */

void kc_go_world(void)
{
	kc_world_init(0, NULL, 0, ~0UL, NULL);
	W.go_mode = true;
}

void kc_go_set_jiffies(unsigned long j) { W.now = j; }

/* kc_go_step runs thread slot to its next point. Returns 0 stopped at a
 * point, 1 blocked, 2 finished. */
int kc_go_step(int slot)
{
	struct kc_thread *t = &W.threads[slot];

	if (t->state != KC_RUNNABLE)
		return t->state == KC_BLOCKED ? 1 : 2;
	W.steps++;
	W.cur = t;
	kc_to_thread(t);
	W.cur = NULL;
	return t->state == KC_RUNNABLE ? 0 : t->state == KC_BLOCKED ? 1 : 2;
}

/* kc_go_run is kc_go_step with everything the Go side reads after a step
 * in one call: v[0] the result, v[1] the op, v[2] the address, v[3..7] how
 * many spawns, wakes, armed timers, findings and trace bytes the step left
 * (one cgo call per step instead of nine). */
void kc_go_run(int slot, unsigned long now, long *v)
{
	W.now = now;
	v[0] = kc_go_step(slot);
	v[1] = W.threads[slot].op;
	v[2] = (long)W.threads[slot].addr;
	v[3] = W.nspawned;
	v[4] = W.nwoken;
	v[5] = W.narmed;
	v[6] = W.nfindings;
	v[7] = (long)W.tlen;
}

int kc_go_state(int slot) { return (int)W.threads[slot].state; }
int kc_go_op(int slot) { return (int)W.threads[slot].op; }
const void *kc_go_addr(int slot) { return W.threads[slot].addr; }
const void *kc_go_wait_var(int slot) { return W.threads[slot].wait_var; }
unsigned long kc_go_deadline(int slot) { return W.threads[slot].deadline; }
const char *kc_go_comm(int slot) { return W.threads[slot].task.comm; }

void kc_go_timeout(int slot)
{
	struct kc_thread *t = &W.threads[slot];

	if (t->state == KC_BLOCKED) {
		t->state = KC_RUNNABLE;
		t->timed_out = true;
	}
}

/* What the last step spawned, woke and armed; each call empties its list. */
int kc_go_spawned(int *out)
{
	int n = W.nspawned;

	memcpy(out, W.spawned, n * sizeof(int));
	W.nspawned = 0;
	return n;
}

int kc_go_woken(int *out)
{
	int n = W.nwoken;

	memcpy(out, W.woken, n * sizeof(int));
	W.nwoken = 0;
	return n;
}

int kc_go_armed(void **out, unsigned long *expires)
{
	int i, n = W.narmed;

	for (i = 0; i < n; i++) {
		out[i] = W.armed[i];
		expires[i] = W.armed[i]->expires;
	}
	W.narmed = 0;
	return n;
}

/* kc_go_fire_timer is the timer's expiry, decided by the Go side's clock:
 * it returns the slot of the thread that runs the timer's function. */
int kc_go_fire_timer(void *p)
{
	struct timer_list *tl = p;
	struct kc_thread *t;

	tl->pending = 0;
	W.go_unlisted = true;
	t = kc_spawn_thread("timer", (void (*)(void *))tl->function, tl);
	W.go_unlisted = false;
	return t ? (int)(t - W.threads) : -1;
}

/* The trace lines of the last steps ("event TAB text NL"), then emptied. */
const char *kc_go_traces(size_t *len)
{
	*len = W.tlen;
	W.tlen = 0;
	return W.tbuf;
}

/* ---- the whole checker's views (kernelc/csim fills the Go model's
 * read-only views, model/fscache's mirror, from them after every step) ----
 *
 * The lists and hash tables are static in the tree's files; the build
 * (kernelc/build.go) makes these seven symbols global with objcopy, and they
 * are weak here so that a tree that renamed one still links (then
 * kc_go_views_ok says so and csim refuses to run the checker). */
extern struct hlist_bl_head fscache_cookie_hash[] __attribute__((weak));
extern struct hlist_bl_head fscache_volume_hash[] __attribute__((weak));
extern struct list_head fscache_volumes __attribute__((weak));
extern struct list_head fscache_caches __attribute__((weak));
extern struct list_head fscache_cookie_lru __attribute__((weak));
extern struct work_struct fscache_cookie_lru_work __attribute__((weak));
extern spinlock_t fscache_cookie_lru_lock __attribute__((weak));
extern struct timer_list fscache_cookie_lru_timer;

/* 6.12's table sizes (fscache_cookie_hash_shift, fscache_volume_hash_shift):
 * the bucket of a key hash, as the kernel picks it. */
#define KC_COOKIE_HASH_SIZE (1u << 15)
#define KC_VOLUME_HASH_SIZE (1u << 10)

int kc_go_views_ok(void)
{
	return fscache_cookie_hash && fscache_volume_hash && &fscache_volumes && &fscache_caches &&
	       &fscache_cookie_lru && &fscache_cookie_lru_work && &fscache_cookie_lru_lock;
}

const void *kc_go_lru_timer(void) { return &fscache_cookie_lru_timer; }

static void kc_work_flags(struct work_struct *w, long *pending, long *running)
{
	struct kc_work *kw = kc_work_of(w, false);

	*pending = kw && kw->pending;
	*running = kw && kw->running;
}

/* kc_chain_has reports whether node is on the chain of head. */
static bool kc_chain_has(struct hlist_bl_head *head, struct hlist_bl_node *node)
{
	struct hlist_bl_node *n = (struct hlist_bl_node *)((unsigned long)head->first & ~LIST_BL_LOCKMASK);

	for (; n; n = n->next)
		if (n == node)
			return true;
	return false;
}

/* kc_go_views fills v with every live cookie (KC_CW longs each), every
 * listed volume (KC_VW), every listed cache (KC_AW), the LRU list's
 * cookies, and the LRU globals (3 longs), in that order, up to max longs;
 * n[0..3] get how many cookies, volumes, caches and LRU entries there are.
 * It returns the longs used, or -1 if max is too small. No scheduling
 * point: the struct layouts are the tree's own headers. */
#define KC_CW 20
#define KC_VW 14
#define KC_AW 8
static void kc_fill_cookie(struct fscache_cookie *c, long *w)
{
	w[0] = (long)c;
	w[1] = c->debug_id;
	w[2] = c->state;
	w[3] = (long)c->flags;
	w[4] = c->ref.refs.counter;
	w[5] = c->n_active.counter;
	w[6] = c->n_accesses.counter;
	w[7] = c->lock.locked;
	w[8] = c->commit_link.next != &c->commit_link && c->commit_link.next != NULL;
	w[9] = c->hash_link.pprev != NULL;
	w[10] = kc_chain_has(&fscache_cookie_hash[c->key_hash & (KC_COOKIE_HASH_SIZE - 1)], &c->hash_link);
	w[11] = (unsigned long)fscache_cookie_hash[c->key_hash & (KC_COOKIE_HASH_SIZE - 1)].first & LIST_BL_LOCKMASK;
	kc_work_flags(&c->work, &w[12], &w[13]);
	w[14] = c->cache_priv != NULL;
	w[15] = c->inval_counter;
	w[16] = (long)c->unused_at;
	w[17] = (long)c->volume;
	w[18] = c->key_hash;
	w[19] = c->key_len;
}

static void kc_fill_volume(struct fscache_volume *vol, long *w)
{
	struct hlist_bl_head *h = &fscache_volume_hash[vol->key_hash & (KC_VOLUME_HASH_SIZE - 1)];
	long pend, run;

	w[0] = (long)vol;
	w[1] = vol->debug_id;
	w[2] = vol->ref.refs.counter;
	w[3] = vol->n_cookies.counter;
	w[4] = vol->n_accesses.counter;
	w[5] = (long)vol->flags;
	w[6] = (long)vol->cache;
	w[7] = vol->cache_priv != NULL;
	w[8] = vol->key_hash;
	w[9] = kc_chain_has(h, &vol->hash_link);
	w[10] = (unsigned long)h->first & LIST_BL_LOCKMASK;
	kc_work_flags(&vol->work, &pend, &run);
	w[11] = pend || run;
	w[12] = vol->hash_link.pprev != NULL;
	w[13] = vol->key ? vol->key[0] : 0;
}

long kc_go_views(long *v, long max, int *n)
{
	long used = 0;
	struct list_head *p;
	int i;

	n[0] = n[1] = n[2] = n[3] = 0;
	if (!kc_go_views_ok())
		return -2;
	for (i = 0; i < kc_ncookies; i++) {
		struct fscache_cookie *c = kc_cookies[i];
		long *w = v + used;

		if (used + KC_CW > max)
			return -1;
		used += KC_CW;
		n[0]++;
		kc_fill_cookie(c, w);
	}
	for (p = fscache_volumes.next; p != &fscache_volumes; p = p->next) {
		struct fscache_volume *vol = list_entry(p, struct fscache_volume, proc_link);
		long *w = v + used;

		if (used + KC_VW > max)
			return -1;
		used += KC_VW;
		n[1]++;
		kc_fill_volume(vol, w);
	}
	for (p = fscache_caches.next; p != &fscache_caches; p = p->next) {
		struct fscache_cache *ca = list_entry(p, struct fscache_cache, cache_link);
		long *w = v + used;

		if (used + KC_AW > max)
			return -1;
		used += KC_AW;
		n[2]++;
		w[0] = (long)ca;
		w[1] = ca->debug_id;
		w[2] = ca->ref.refs.counter;
		w[3] = ca->n_volumes.counter;
		w[4] = ca->n_accesses.counter;
		w[5] = ca->object_count.counter;
		w[6] = ca->state;
		w[7] = ca->cache_priv != NULL;
	}
	for (p = fscache_cookie_lru.next; p != &fscache_cookie_lru; p = p->next) {
		if (used + 1 > max)
			return -1;
		v[used++] = (long)list_entry(p, struct fscache_cookie, commit_link);
		n[3]++;
	}
	if (used + 3 > max)
		return -1;
	kc_work_flags(&fscache_cookie_lru_work, &v[used], &v[used + 1]);
	v[used + 2] = fscache_cookie_lru_lock.locked;
	return used + 3;
}

/* kc_go_cookie_key copies cookie c's index key (at most max bytes) into buf
 * and returns its length. */
int kc_go_cookie_key(long c, unsigned char *buf, int max)
{
	const struct fscache_cookie *ck = (const void *)c;
	int len = ck->key_len < max ? ck->key_len : max;

	memcpy(buf, fscache_get_key((struct fscache_cookie *)ck), len);
	return len;
}

/* kc_go_volume_key copies volume v's key string (without the length byte). */
int kc_go_volume_key(long v, unsigned char *buf, int max)
{
	const struct fscache_volume *vol = (const void *)v;
	int len;

	if (!vol->key)
		return 0;
	len = vol->key[0] < max ? vol->key[0] : max;
	memcpy(buf, vol->key + 1, len);
	return len;
}

/* kc_go_cache_name copies cache c's name ("" for none). */
int kc_go_cache_name(long c, char *buf, int max)
{
	const struct fscache_cache *ca = (const void *)c;
	int len;

	if (!ca->name)
		return 0;
	len = strlen(ca->name) < (size_t)max ? (int)strlen(ca->name) : max;
	memcpy(buf, ca->name, len);
	return len;
}

/* Backend calls, for the checker's R-call: the in-memory backend records
 * each op fscache calls (kc_mem_*), with the cookie's and volume's fields as
 * they are at the call; csim shows them to the checker's observer after the
 * step. (Recording copies, so no scheduling point is added.) The ops are
 * numbered as csim's backendOps. */
#define KC_MAX_CALLS 8
#define KC_CALLW (3 + KC_CW + KC_VW)
static long kc_calls[KC_MAX_CALLS][KC_CALLW];
static int kc_ncalls;

void kc_backend_call(int op, struct fscache_cookie *c, struct fscache_volume *v)
{
	long *w;

	if (kc_ncalls == KC_MAX_CALLS)
		return;
	w = kc_calls[kc_ncalls++];
	memset(w, 0, sizeof(kc_calls[0]));
	w[0] = op;
	w[1] = c != NULL;
	w[2] = v != NULL;
	if (!kc_go_views_ok())
		return;
	if (c)
		kc_fill_cookie(c, w + 3);
	if (v)
		kc_fill_volume(v, w + 3 + KC_CW);
}

/* kc_go_calls copies the calls recorded since the last call (KC_CALLW longs
 * each) and forgets them. */
int kc_go_calls(long *out)
{
	int n = kc_ncalls;

	memcpy(out, kc_calls, n * sizeof(kc_calls[0]));
	kc_ncalls = 0;
	return n;
}

/* kc_go_run_views is kc_go_run, then kc_go_views into views (its result in
 * n[4]) and the number of backend calls recorded in n[5]: one call into C a
 * step when the checker reads the mirror. */
void kc_go_run_views(int slot, unsigned long now, long *v, long *views, long max, int *n)
{
	kc_go_run(slot, now, v);
	n[4] = (int)kc_go_views(views, max, n);
	n[5] = kc_ncalls;
}
