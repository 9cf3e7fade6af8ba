/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fscachesim's userspace stand-in for the kernel headers that
 * fs/netfs/fscache_{cookie,volume,cache,io}.c need and that are not the
 * tree's own linux/fscache.h, fscache-cache.h, netfs.h, list_bl.h,
 * fs/netfs/internal.h, trace/events/fscache.h or trace/events/netfs.h.
 *
 * Written for fscachesim from the kernel's documented interfaces: every
 * definition here is either plain data layout the tree's headers need, or a
 * call into the primitives of kc_prims.c, where each shared-memory operation
 * is a scheduling point (kc_point) of the simulated kernel. See
 * docs/kernel-c.md.
 */
#ifndef KC_KERNEL_H
#define KC_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <limits.h>
#include <errno.h>

/* ---- configuration: what the simulated kernel is built with ---- */
#define CONFIG_FSCACHE 1
#define CONFIG_SMP 1
#define __KC_ARG_PLACEHOLDER_1 0,
#define __kc_take_second_arg(__ignored, val, ...) val
#define __kc_is_defined(x) ___kc_is_defined(x)
#define ___kc_is_defined(val) ____kc_is_defined(__KC_ARG_PLACEHOLDER_##val)
#define ____kc_is_defined(arg1_or_junk) __kc_take_second_arg(arg1_or_junk 1, 0)
#define IS_ENABLED(option) __kc_is_defined(option)

/* ---- compiler and types ---- */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef long long __kc_loff_t;
#define loff_t __kc_loff_t /* the kernel's is long long, glibc's long */
typedef long ssize_t;
typedef unsigned long ino_t;
typedef uint32_t __le32;
typedef uint64_t __le64;
#define cpu_to_le32(x) ((__le32)(x))
#define le32_to_cpu(x) ((u32)(x))
typedef unsigned int gfp_t;
typedef unsigned long pgoff_t;
typedef unsigned int vm_fault_t;
typedef unsigned int iov_iter_extraction_t;

#define __mode(x) __attribute__((mode(x)))
#define __acquires(x)
#define __releases(x)
#define __must_check
#define fallthrough __attribute__((__fallthrough__))
#define __init
#define __exit
#define __rcu
#define __user
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define READ_ONCE(x) (*(const volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile typeof(x) *)&(x) = (v))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define struct_size(p, member, count) \
	(sizeof(*(p)) + sizeof((p)->member[0]) * (count))
#define round_up(x, y) ((((x) - 1) | ((__typeof__(x))((y) - 1))) + 1)
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BITS_PER_LONG 64
#define PAGE_SIZE 4096UL
#define EXPORT_SYMBOL(s)
#define EXPORT_SYMBOL_GPL(s)
#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) ((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE((unsigned long)ptr); }
static inline bool IS_ERR_OR_NULL(const void *ptr) { return !ptr || IS_ERR(ptr); }
#define ERESTARTSYS 512
#define ENOBUFS_KC ENOBUFS

/* ---- findings: WARN/BUG report to the simulator ---- */
void kc_bug(const char *file, int line, const char *what);
bool kc_warn(const char *file, int line, const char *what);
#define BUG() kc_bug(__FILE__, __LINE__, "BUG()")
#define BUG_ON(c) do { if (unlikely(c)) kc_bug(__FILE__, __LINE__, "BUG_ON(" #c ")"); } while (0)
#define WARN_ON(c) ({ bool __w = !!(c); if (unlikely(__w)) kc_warn(__FILE__, __LINE__, "WARN_ON(" #c ")"); unlikely(__w); })
#define WARN_ON_ONCE(c) WARN_ON(c)
#define WARN_ONCE(c, ...) WARN_ON(c)
#define WARN(c, ...) WARN_ON(c)
#define VM_BUG_ON_FOLIO(c, f) BUG_ON(c)

/* ---- printk: into the simulator's log ---- */
void kc_printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define printk(fmt, ...) kc_printk(fmt, ##__VA_ARGS__)
#define no_printk(fmt, ...) ({ if (0) kc_printk(fmt, ##__VA_ARGS__); 0; })
#define pr_err(fmt, ...) kc_printk("E " pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...) kc_printk("W " pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice(fmt, ...) kc_printk("N " pr_fmt(fmt), ##__VA_ARGS__)
#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
struct kc_task { char comm[16]; };
extern struct kc_task *kc_current(void);
#define current (kc_current())

/* ---- scheduling points: every shared-memory primitive calls kc_point ---- */
enum kc_op {
	KC_OP_LOCK, KC_OP_UNLOCK, KC_OP_ATOMIC, KC_OP_BITOP, KC_OP_LOAD,
	KC_OP_STORE, KC_OP_BARRIER, KC_OP_WAKE, KC_OP_QUEUE, KC_OP_TIMER,
	KC_OP_ALLOC, KC_OP_FREE, KC_OP__NR
};
void kc_point(enum kc_op op, const void *addr);

/* ---- lists (plain data, as the kernel's) ---- */
struct list_head { struct list_head *next, *prev; };
struct hlist_node { struct hlist_node *next, **pprev; };
#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)
static inline void INIT_LIST_HEAD(struct list_head *l) { l->next = l; l->prev = l; }
static inline void __list_add(struct list_head *n, struct list_head *prev, struct list_head *next)
{ next->prev = n; n->next = next; n->prev = prev; prev->next = n; }
static inline void list_add(struct list_head *n, struct list_head *h) { __list_add(n, h, h->next); }
static inline void list_add_tail(struct list_head *n, struct list_head *h) { __list_add(n, h->prev, h); }
static inline void __list_del(struct list_head *prev, struct list_head *next) { next->prev = prev; prev->next = next; }
#define LIST_POISON1 ((void *)0x100)
#define LIST_POISON2 ((void *)0x122)
static inline void list_del(struct list_head *e)
{ __list_del(e->prev, e->next); e->next = LIST_POISON1; e->prev = LIST_POISON2; }
static inline void list_del_init(struct list_head *e) { __list_del(e->prev, e->next); INIT_LIST_HEAD(e); }
static inline bool list_empty(const struct list_head *h) { return READ_ONCE(h->next) == h; }
static inline void list_move_tail(struct list_head *e, struct list_head *h)
{ __list_del(e->prev, e->next); list_add_tail(e, h); }
#define list_add_tail_rcu list_add_tail
#define list_del_rcu list_del
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) list_entry((ptr)->next, type, member)
#define list_next_entry(pos, member) list_entry((pos)->member.next, typeof(*(pos)), member)
#define list_for_each_entry(pos, head, member) \
	for (pos = list_first_entry(head, typeof(*pos), member); \
	     &pos->member != (head); pos = list_next_entry(pos, member))

/* ---- spinlocks, rwlocks, rw semaphores, mutexes ---- */
typedef struct { int locked; int owner; } spinlock_t;
typedef struct { int writer; int readers; } rwlock_t;
struct rw_semaphore { int writer; int readers; };
struct mutex { int locked; int owner; };
void kc_spin_lock(spinlock_t *l);
void kc_spin_unlock(spinlock_t *l);
void kc_read_lock(rwlock_t *l);
void kc_read_unlock(rwlock_t *l);
void kc_write_lock(rwlock_t *l);
void kc_write_unlock(rwlock_t *l);
void kc_down_read(struct rw_semaphore *s);
void kc_up_read(struct rw_semaphore *s);
void kc_down_write(struct rw_semaphore *s);
void kc_up_write(struct rw_semaphore *s);
#define spin_lock_init(l) do { (l)->locked = 0; (l)->owner = -1; } while (0)
#define spin_lock(l) kc_spin_lock(l)
#define spin_unlock(l) kc_spin_unlock(l)
#define DEFINE_SPINLOCK(n) spinlock_t n = { 0, -1 }
#define DEFINE_RWLOCK(n) rwlock_t n = { 0, 0 }
#define DECLARE_RWSEM(n) struct rw_semaphore n = { 0, 0 }
#define read_lock(l) kc_read_lock(l)
#define read_unlock(l) kc_read_unlock(l)
#define write_lock(l) kc_write_lock(l)
#define write_unlock(l) kc_write_unlock(l)
#define down_read(s) kc_down_read(s)
#define up_read(s) kc_up_read(s)
#define down_write(s) kc_down_write(s)
#define up_write(s) kc_up_write(s)
#define mutex_init(m) do { (m)->locked = 0; (m)->owner = -1; } while (0)
#define rcu_read_lock() do { } while (0)
#define rcu_read_unlock() do { } while (0)
struct rcu_head { void *next; void (*func)(struct rcu_head *); };

/* ---- barriers: scheduling points (the weak-memory mode will use them) ---- */
#define smp_mb() kc_point(KC_OP_BARRIER, NULL)
#define smp_wmb() kc_point(KC_OP_BARRIER, NULL)
#define smp_rmb() kc_point(KC_OP_BARRIER, NULL)
#define smp_mb__before_atomic() do { } while (0)
#define smp_mb__after_atomic() do { } while (0)
#define smp_load_acquire(p) ({ kc_point(KC_OP_LOAD, (p)); READ_ONCE(*(p)); })
#define smp_store_release(p, v) do { kc_point(KC_OP_STORE, (p)); WRITE_ONCE(*(p), (v)); } while (0)
#define try_cmpxchg_release(p, oldp, new) ({					\
	kc_point(KC_OP_ATOMIC, (p));						\
	typeof(*(p)) __o = *(oldp); bool __ok = (*(p) == __o);			\
	if (__ok) *(p) = (new); else *(oldp) = *(p); __ok; })

/* ---- atomics and refcounts: each operation is one scheduling point ---- */
typedef struct { int counter; } atomic_t;
typedef struct { long long counter; } atomic64_t;
typedef struct { atomic_t refs; } refcount_t;
#define ATOMIC_INIT(i) { (i) }
static inline int atomic_read(const atomic_t *v) { kc_point(KC_OP_LOAD, v); return READ_ONCE(v->counter); }
static inline void atomic_set(atomic_t *v, int i) { kc_point(KC_OP_STORE, v); WRITE_ONCE(v->counter, i); }
static inline int atomic_add_return(int i, atomic_t *v) { kc_point(KC_OP_ATOMIC, v); return v->counter += i; }
static inline void atomic_inc(atomic_t *v) { atomic_add_return(1, v); }
static inline void atomic_dec(atomic_t *v) { atomic_add_return(-1, v); }
static inline int atomic_inc_return(atomic_t *v) { return atomic_add_return(1, v); }
static inline int atomic_dec_return(atomic_t *v) { return atomic_add_return(-1, v); }
static inline bool atomic_dec_and_test(atomic_t *v) { return atomic_add_return(-1, v) == 0; }
static inline int atomic_fetch_add_unless(atomic_t *v, int a, int u)
{ kc_point(KC_OP_ATOMIC, v); int c = v->counter; if (c != u) v->counter = c + a; return c; }
static inline unsigned int refcount_read(const refcount_t *r) { return atomic_read(&r->refs); }
static inline void refcount_set(refcount_t *r, int n) { atomic_set(&r->refs, n); }
/* A refcount that saturates or goes from 0 to 1 is a finding, as with the kernel's REFCOUNT_FULL. */
void kc_refcount_bad(const refcount_t *r, int old, const char *what);
static inline bool __refcount_inc_not_zero(refcount_t *r, int *oldp)
{ kc_point(KC_OP_ATOMIC, r); int o = r->refs.counter; if (o) r->refs.counter = o + 1; if (oldp) *oldp = o; return o != 0; }
static inline void __refcount_inc(refcount_t *r, int *oldp)
{ kc_point(KC_OP_ATOMIC, r); int o = r->refs.counter++; if (oldp) *oldp = o; if (o <= 0) kc_refcount_bad(r, o, "inc"); }
static inline void refcount_inc(refcount_t *r) { __refcount_inc(r, NULL); }
static inline bool __refcount_sub_and_test(int i, refcount_t *r, int *oldp)
{ kc_point(KC_OP_ATOMIC, r); int o = r->refs.counter; r->refs.counter = o - i; if (oldp) *oldp = o; if (o - i < 0) kc_refcount_bad(r, o, "sub"); return o == i; }
static inline bool __refcount_dec_and_test(refcount_t *r, int *oldp) { return __refcount_sub_and_test(1, r, oldp); }
static inline bool refcount_dec_and_test(refcount_t *r) { return __refcount_dec_and_test(r, NULL); }
static inline bool refcount_sub_and_test(int i, refcount_t *r) { return __refcount_sub_and_test(i, r, NULL); }

/* ---- bit operations ---- */
#define BIT_WORD(nr) ((nr) / BITS_PER_LONG)
#define BIT_MASK(nr) (1UL << ((nr) % BITS_PER_LONG))
static inline bool test_bit(long nr, const volatile unsigned long *a)
{ kc_point(KC_OP_LOAD, (const void *)a); return (a[BIT_WORD(nr)] & BIT_MASK(nr)) != 0; }
static inline void set_bit(long nr, volatile unsigned long *a) { kc_point(KC_OP_BITOP, (const void *)a); a[BIT_WORD(nr)] |= BIT_MASK(nr); }
static inline void clear_bit(long nr, volatile unsigned long *a) { kc_point(KC_OP_BITOP, (const void *)a); a[BIT_WORD(nr)] &= ~BIT_MASK(nr); }
static inline void __set_bit(long nr, volatile unsigned long *a) { a[BIT_WORD(nr)] |= BIT_MASK(nr); }
static inline void __clear_bit(long nr, volatile unsigned long *a) { a[BIT_WORD(nr)] &= ~BIT_MASK(nr); }
static inline bool test_and_set_bit(long nr, volatile unsigned long *a)
{ kc_point(KC_OP_BITOP, (const void *)a); bool o = (a[BIT_WORD(nr)] & BIT_MASK(nr)) != 0; a[BIT_WORD(nr)] |= BIT_MASK(nr); return o; }
static inline bool test_and_clear_bit(long nr, volatile unsigned long *a)
{ kc_point(KC_OP_BITOP, (const void *)a); bool o = (a[BIT_WORD(nr)] & BIT_MASK(nr)) != 0; a[BIT_WORD(nr)] &= ~BIT_MASK(nr); return o; }
#define clear_bit_unlock clear_bit
#define test_and_set_bit_lock test_and_set_bit

/* ---- bit spinlocks (hlist_bl heads) ---- */
void kc_bit_spin_lock(int nr, unsigned long *addr);
void kc_bit_spin_unlock(int nr, unsigned long *addr);
#define bit_spin_lock(nr, a) kc_bit_spin_lock(nr, (unsigned long *)(a))
#define __bit_spin_unlock(nr, a) kc_bit_spin_unlock(nr, (unsigned long *)(a))
#define bit_spin_unlock(nr, a) kc_bit_spin_unlock(nr, (unsigned long *)(a))
#define bit_spin_is_locked(nr, a) test_bit(nr, (unsigned long *)(a))
#define preempt_disable() do { } while (0)
#define preempt_enable() do { } while (0)

/* ---- wait and wake: the waiter re-checks its condition after each wake ---- */
struct wait_queue_head { int unused; };
typedef struct wait_queue_head wait_queue_head_t;
#define TASK_UNINTERRUPTIBLE 2
/* kc_wait blocks the thread until kc_wake(var) or, with a timeout, until the
 * simulated clock passes it; it returns 0 when the timeout elapsed. */
long kc_wait(const void *var, long timeout);
void kc_wake(const void *var);
#define MAX_SCHEDULE_TIMEOUT LONG_MAX
#define wait_var_event(var, cond) do { while (!(cond)) kc_wait((var), MAX_SCHEDULE_TIMEOUT); } while (0)
#define wait_var_event_timeout(var, cond, timeout) ({				\
	long __t = (timeout);							\
	while (!(cond) && __t > 0) __t = kc_wait((var), __t);			\
	(cond) ? (__t ? __t : 1) : 0; })
#define wake_up_var(var) kc_wake(var)
#define wait_event(wq, cond) wait_var_event(&(wq), cond)
#define wake_up_all(wq) kc_wake(wq)
#define waitqueue_active(wq) true
#define init_waitqueue_head(wq) do { } while (0)
#define DECLARE_WAIT_QUEUE_HEAD(n) struct wait_queue_head n
static inline int wait_on_bit(unsigned long *word, int bit, unsigned mode)
{ (void)mode; while (test_bit(bit, word)) kc_wait(word, MAX_SCHEDULE_TIMEOUT); return 0; }
static inline int wait_on_bit_timeout(unsigned long *word, int bit, unsigned mode, unsigned long timeout)
{ long t = timeout; (void)mode; while (test_bit(bit, word) && t > 0) t = kc_wait(word, t); return test_bit(bit, word) ? -EAGAIN : 0; }
static inline void wake_up_bit(unsigned long *word, int bit) { (void)bit; kc_wake(word); }
static inline void clear_and_wake_up_bit(int bit, unsigned long *word) { clear_bit(bit, word); kc_wake(word); }

/* ---- time, timers, workqueues ---- */
extern unsigned long kc_jiffies(void);
#define jiffies (kc_jiffies())
#define HZ 100
#define time_after(a, b) ((long)((b) - (a)) < 0)
#define time_before(a, b) time_after(b, a)
struct timer_list {
	unsigned long expires;
	void (*function)(struct timer_list *);
	int pending;
};
#define DEFINE_TIMER(n, fn) struct timer_list n = { 0, fn, 0 }
int kc_timer_reduce(struct timer_list *t, unsigned long expires);
#define timer_reduce(t, e) kc_timer_reduce(t, e)
struct work_struct;
typedef void (*work_func_t)(struct work_struct *);
struct work_struct { unsigned long data; struct list_head entry; work_func_t func; int state; };
struct workqueue_struct;
#define INIT_WORK(w, f) do { (w)->data = 0; INIT_LIST_HEAD(&(w)->entry); (w)->func = (f); (w)->state = 0; } while (0)
#define DECLARE_WORK(n, f) struct work_struct n = { 0, LIST_HEAD_INIT(n.entry), f, 0 }
extern struct workqueue_struct *system_wq;
extern struct workqueue_struct *system_unbound_wq;
extern struct workqueue_struct *fscache_wq;
bool kc_queue_work(struct workqueue_struct *wq, struct work_struct *w);
#define queue_work(wq, w) kc_queue_work(wq, w)
#define schedule_work(w) kc_queue_work(system_wq, w)

/* ---- memory: kmalloc/kfree poison what they hand out and take back ---- */
#define GFP_KERNEL 0x1u
#define GFP_NOFS 0x2u
#define __GFP_NOWARN 0x4u
void *kc_kmalloc(size_t size, gfp_t gfp, bool zero);
void kc_kfree(const void *p);
#define kmalloc(s, g) kc_kmalloc(s, g, false)
#define kzalloc(s, g) kc_kmalloc(s, g, true)
#define kfree(p) kc_kfree(p)
static inline void *kmemdup(const void *src, size_t len, gfp_t gfp)
{ void *p = kc_kmalloc(len, gfp, false); if (p) memcpy(p, src, len); return p; }
static inline char *kstrdup(const char *s, gfp_t gfp)
{ return s ? kmemdup(s, strlen(s) + 1, gfp) : NULL; }
struct kmem_cache { size_t size; const char *name; };
void *kc_kmem_cache_zalloc(struct kmem_cache *c, gfp_t gfp);
void kc_kmem_cache_free(struct kmem_cache *c, const void *p);
#define kmem_cache_zalloc(c, g) kc_kmem_cache_zalloc(c, g)
#define kmem_cache_free(c, p) kc_kmem_cache_free(c, p)

/* ---- the VFS and page-cache types the tree's headers name ---- */
struct xarray { int unused; };
struct address_space { struct inode *host; struct xarray i_pages; unsigned long flags; };
struct inode { loff_t i_size; struct address_space *i_mapping; unsigned long i_ino; };
struct file;
struct kiocb;
struct seq_file;
struct writeback_control;
struct readahead_control;
struct vm_fault;
struct page;
struct folio { unsigned long flags; unsigned long index; struct address_space *mapping; void *private; };
struct bio_vec;
struct iov_iter { unsigned char iter_type; bool data_source; size_t count; loff_t xarray_start; struct xarray *xarray; };
#define ITER_SOURCE 1
#define ITER_DEST 0
static inline void iov_iter_xarray(struct iov_iter *i, unsigned int dir, struct xarray *xa, loff_t start, size_t count)
{ i->iter_type = 5; i->data_source = dir; i->xarray = xa; i->xarray_start = start; i->count = count; }
static inline size_t iov_iter_count(const struct iov_iter *i) { return i->count; }
static inline loff_t i_size_read(const struct inode *inode) { return inode->i_size; }
static inline void mapping_set_release_always(struct address_space *m) { m->flags |= 1; }
static inline void *folio_get_private(struct folio *f) { return f->private; }
static inline bool folio_test_private_2(struct folio *f) { return test_bit(3, &f->flags); }
static inline void folio_set_private_2(struct folio *f) { set_bit(3, &f->flags); }
static inline void folio_get(struct folio *f) { (void)f; }
void folio_end_private_2(struct folio *folio);
#define page_folio(p) ((struct folio *)(p))
/* The page cache is not simulated: an xarray walk visits nothing. */
struct xa_state { struct xarray *xa; unsigned long index; };
#define XA_STATE(name, array, idx) struct xa_state name = { array, idx }
#define xas_for_each(xas, entry, max) for ((void)(xas), (void)(max), (entry) = NULL; (entry); )
struct rolling_buffer { struct folio_queue *head, *tail; struct iov_iter iter; };
#define ROLLBUF_MARK_1 1
#define ROLLBUF_MARK_2 2

/* ---- seq_file (only named: /proc is not built) ---- */
struct seq_operations {
	void *(*start)(struct seq_file *m, loff_t *pos);
	void (*stop)(struct seq_file *m, void *v);
	void *(*next)(struct seq_file *m, void *v, loff_t *pos);
	int (*show)(struct seq_file *m, void *v);
};
struct module;
#define THIS_MODULE ((struct module *)0)

/* ---- tracepoints: each TRACE_EVENT becomes a sim event ---- */
struct trace_print_flags { unsigned long mask; const char *name; };
const char *kc_print_symbolic(unsigned long val, const struct trace_print_flags *tbl);
void kc_trace(const char *event, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define TP_PROTO(...) __VA_ARGS__
#define TP_ARGS(...) __VA_ARGS__
#define TP_STRUCT__entry(...) __VA_ARGS__
#define TP_fast_assign(...) __VA_ARGS__
#define TP_printk(fmt, ...) kc_trace(__kc_event, fmt, ##__VA_ARGS__)
#define __field(type, item) type item;
#define __field_struct(type, item) type item;
#define __array(type, item, len) type item[len];
#define __print_symbolic(value, ...) \
	kc_print_symbolic((value), (const struct trace_print_flags[]){ __VA_ARGS__, { -1UL, NULL } })
#define TRACE_DEFINE_ENUM(a)
#define TRACE_EVENT(name, proto, args, tstruct, assign, print) \
	__KC_TRACE_EVENT(TRACE_SYSTEM, name, (proto), (tstruct), (assign), (print))
#define PARAMS(...) __VA_ARGS__
#define __KC_UNPAREN(...) __VA_ARGS__
#define __KC_TRACE_EVENT(sys, ...) ___KC_TRACE_EVENT(sys, __VA_ARGS__)
#define ___KC_TRACE_EVENT(sys, ...) __KC_TRACE_EVENT_##sys(__VA_ARGS__)
/* fscache's tracepoints are the sim events the checker and the traces read. */
#define __KC_TRACE_EVENT_fscache(name, proto, tstruct, assign, print)		\
	struct trace_event_raw_##name { __KC_UNPAREN tstruct };		\
	static inline void trace_##name(__KC_UNPAREN proto)			\
	{									\
		static const char __kc_event[] = #name;				\
		struct trace_event_raw_##name __kc_entry, *__entry = &__kc_entry; \
		__KC_UNPAREN assign;						\
		__KC_UNPAREN print;						\
	}
/* netfs's tracepoints are not fired by the four fscache files (apart from the
 * request ones in inline helpers they do not call): they compile to nothing. */
#define __KC_TRACE_EVENT_netfs(name, proto, tstruct, assign, print)		\
	static inline void trace_##name(__KC_UNPAREN proto) { }

/* The kernel's fs.h brings in hlist_bl: the tree's own list_bl.h. */
#include <linux/list_bl.h>

#endif /* KC_KERNEL_H */
