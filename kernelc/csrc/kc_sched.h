/* SPDX-License-Identifier: GPL-2.0 */
/* fscachesim: the simulated kernel's interface to its drivers (kc_sched.c). */
#ifndef KC_SCHED_H
#define KC_SCHED_H

#include <stdio.h>
#include <stdint.h>

#define KC_MAX_THREADS 64
#define KC_MAX_WORKS 256
#define KC_MAX_TIMERS 16
#define KC_MAX_DECISIONS 100000
#define KC_MAX_ALLOCS 100000

void kc_world_init(uint64_t seed, const int *replay, int nreplay, unsigned long max_steps, FILE *out);
void kc_spawn(const char *comm, void (*fn)(void *), void *arg);
int kc_run(void);
void kc_world_report(void);
void kc_world_free(void);
/* a crash (SIGSEGV, SIGBUS) in a simulated thread is a finding: report it and exit 1 */
void kc_catch_crashes(void);
long kc_live_allocs(void);
int kc_findings(void);
unsigned long kc_steps(void);
const char *kc_finding_text(void);
void kc_finding(const char *what);
bool kc_is_freed(const void *p);

/* the in-memory backend (kc_backend.c) */
extern const struct fscache_cache_ops kc_mem_cache_ops;
long kc_mem_objects(void);
void kc_mem_reset(void);
extern int kc_users_in_use;
extern int kc_bug_switch;
int kc_start_scenario(const char *name);
void kc_mem_withdraw_cache(struct fscache_cache *cache);
/* a backend op fscache called (for the checker's R-call; ops numbered as
 * kernelc/csim's backendOps) */
enum kc_backend_op {
	KC_ACQUIRE_VOLUME, KC_FREE_VOLUME, KC_LOOKUP_COOKIE, KC_WITHDRAW_COOKIE,
	KC_INVALIDATE_COOKIE, KC_PREPARE_TO_WRITE, KC_BEGIN_OPERATION, KC_RESIZE_COOKIE,
};
struct fscache_cookie;
struct fscache_volume;
void kc_backend_call(int op, struct fscache_cookie *c, struct fscache_volume *v);

/* restore the kernel objects' globals to their state at program start */
void kc_reset_globals(void);

#endif /* KC_SCHED_H */
