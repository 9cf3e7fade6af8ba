// SPDX-License-Identifier: GPL-2.0
/*
 * fscachesim: the C-build driver. It runs one scenario of the netfs side
 * against the kernel's own fscache code, under the simulated kernel of
 * kc_sched.c, and prints the tracepoints, the findings and the decision log.
 *
 *   kc-run [-seed N] [-replay 0,1,...] [-max-steps N] [-runs N] [-quiet] [-scenario NAME]
 *
 * Exit status: 0 no finding, 1 a finding, 2 bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fscache-cache.h>
#include "kc_sched.h"

static struct fscache_cache *kc_cache;
static struct fscache_volume *kc_volume;
static struct fscache_cookie *kc_cookie;
int kc_bug_switch; /* 1: use the cookie after relinquishing it; 2: a heap overflow */
static int kc_done_users;
int kc_users_in_use; /* netfs users of kc_cookie between use and unuse: read by the backend's check */
static struct address_space kc_mapping;

static void kc_sleep(long ticks)
{
	static int sleeper;

	kc_wait(&sleeper, ticks);
}

static void kc_io_done(void *priv, ssize_t ret, bool was_async)
{
	(void)was_async;
	*(ssize_t *)priv = ret;
}

/* One user's life of the cookie: use -> read and write -> unuse. */
static void kc_user(struct fscache_cookie *cookie, bool modify)
{
	struct netfs_cache_resources cres;
	struct iov_iter iter = { .count = 4096 };
	ssize_t got = 0;

	fscache_use_cookie(cookie, modify);
	if (cookie == kc_cookie) /* the backend's check counts users of kc_cookie */
		kc_users_in_use++;
	if (fscache_begin_read_operation(&cres, cookie) == 0) {
		fscache_read(&cres, 0, &iter, NETFS_READ_HOLE_IGNORE, kc_io_done, &got);
		fscache_end_operation(&cres);
	}
	if (modify)
		fscache_write_to_cache(cookie, &kc_mapping, 0, 4096, 4096, kc_io_done, &got, false, true);
	if (cookie == kc_cookie)
		kc_users_in_use--;
	fscache_unuse_cookie(cookie, NULL, NULL);
}

static void kc_setup(void)
{
	static const char key[8] = "file-01";

	kc_cache = fscache_acquire_cache("kc");
	if (IS_ERR_OR_NULL(kc_cache) || fscache_add_cache(kc_cache, &kc_mem_cache_ops, NULL) < 0) {
		kc_finding("driver: cannot add the cache");
		return;
	}
	kc_volume = fscache_acquire_volume("kc-volume", NULL, NULL, 0);
	kc_cookie = fscache_acquire_cookie(kc_volume, 0, key, sizeof(key), NULL, 0, 4096);
}

static void kc_teardown(void)
{
	if (kc_bug_switch == 2) {
		/* the bug: a read one byte past a kmalloc'd block, which only
		 * an AddressSanitizer build (kernel build --asan) can see */
		char *p = kmalloc(8, GFP_KERNEL);
		volatile char c = p[8];

		(void)c;
		kfree(p);
	}
	fscache_relinquish_cookie(kc_cookie, false);
	if (kc_bug_switch == 1)
		fscache_use_cookie(kc_cookie, false); /* the bug: a use after relinquish */
	fscache_relinquish_volume(kc_volume, NULL, false);
	kc_sleep(10 * HZ); /* as the Go twins (kernelc/diff.go) must */
	kc_mem_withdraw_cache(kc_cache);
}

/* life: acquire -> use -> I/O -> unuse -> LRU discard -> relinquish. */
static void kc_life(void *arg)
{
	(void)arg;
	kc_setup();
	kc_user(kc_cookie, true);
	kc_sleep(12 * HZ); /* past the LRU timeout: the cookie is discarded */
	kc_user(kc_cookie, false);
	kc_teardown();
}

/* lru-vs-use: the second use comes exactly when the LRU timer fires, so the
 * LRU discard races the use (CVE-2022-48989, fixed in fscache_use_cookie). */
static void kc_lru_vs_use(void *arg)
{
	(void)arg;
	kc_setup();
	kc_user(kc_cookie, false);
	kc_sleep(10 * HZ);
	kc_user(kc_cookie, false);
	kc_teardown();
}

/* lru-vs-io: a read's cache access is still in flight when the file is
 * closed (unuse) and the LRU timeout passes; then the file is invalidated
 * (which runs the state machine) and the read completes. Since
 * 6.10.7 ("add missing n_accesses check") the state machine postpones the
 * LRU discard while accesses are in flight; without it the backing object is
 * withdrawn under the read. */
static void kc_lru_vs_io(void *arg)
{
	struct netfs_cache_resources cres;
	struct iov_iter iter = { .count = 4096 };
	ssize_t got = 0;
	bool reading;

	(void)arg;
	kc_setup();
	fscache_use_cookie(kc_cookie, false);
	kc_users_in_use++;
	reading = fscache_begin_read_operation(&cres, kc_cookie) == 0;
	kc_users_in_use--;
	fscache_unuse_cookie(kc_cookie, NULL, NULL);
	kc_sleep(11 * HZ); /* the cache disk is slow: the LRU timer fires meanwhile */
	/* the server changed the file: the invalidation runs the state machine
	 * while the read's access is still in flight */
	fscache_invalidate(kc_cookie, NULL, 4096, 0);
	if (reading) {
		fscache_read(&cres, 0, &iter, NETFS_READ_HOLE_IGNORE, kc_io_done, &got);
		fscache_end_operation(&cres);
	}
	kc_teardown();
}

/* two-users: two netfs threads use the same cookie at once; the last one
 * out relinquishes it (the LRU timer and the cookie's work item race them). */
static void kc_two_user(void *arg)
{
	kc_user(kc_cookie, arg != NULL);
	if (++kc_done_users == 2)
		kc_teardown();
}

static void kc_two_users(void *arg)
{
	(void)arg;
	kc_setup();
	kc_spawn("netfs-a", kc_two_user, (void *)1);
	kc_spawn("netfs-b", kc_two_user, NULL);
}

/* lru-wait: the cookie is closed (unuse puts it on the LRU) and then waits
 * there while the netfs works on another file for a long stretch (many
 * uses, reads and unuses of a second cookie, no sleep); only then does the
 * LRU timeout pass, and the first cookie must have been discarded by the LRU
 * timer its unuse armed. A kernel whose unuse no longer arms the timer leaves
 * the cookie on the LRU with nobody due to look at it through the whole
 * stretch: the checker's L-1 (kernelc's TestBrokenTreeCaughtByL1). The
 * stretch is longer in steps than checker.DefaultLivenessBound. */
#define KC_LRU_WAIT_ROUNDS 200

/* kc_other_file is the long stretch: a second cookie used, read and closed
 * KC_LRU_WAIT_ROUNDS times without sleeping, then relinquished. */
static void kc_other_file(void)
{
	static const char key2[8] = "file-02";
	struct fscache_cookie *other;
	int i;

	other = fscache_acquire_cookie(kc_volume, 0, key2, sizeof(key2), NULL, 0, 4096);
	for (i = 0; i < KC_LRU_WAIT_ROUNDS; i++)
		kc_user(other, false);
	fscache_relinquish_cookie(other, false);
}

static void kc_lru_wait(void *arg)
{
	(void)arg;
	kc_setup();
	kc_user(kc_cookie, false);
	kc_other_file();
	kc_sleep(12 * HZ); /* past the LRU timeout: the first cookie is discarded */
	kc_teardown();
}

/* lru-io-wait: as lru-vs-io, the LRU discard is postponed while a read's
 * cache access is in flight; when the read ends, the end of its access must
 * queue the state machine to act on the pending discard, and the netfs then
 * works on another file for a long stretch before the teardown. A kernel
 * whose fscache_end_cookie_access drops that wake-up leaves DO_LRU_DISCARD
 * pending with nothing due to act on it through the stretch: the checker's
 * L-5 (kernelc's TestBrokenTreeCaughtByL5). */
static void kc_lru_io_wait(void *arg)
{
	struct netfs_cache_resources cres;
	struct iov_iter iter = { .count = 4096 };
	ssize_t got = 0;
	bool reading;

	(void)arg;
	kc_setup();
	fscache_use_cookie(kc_cookie, false);
	kc_users_in_use++;
	reading = fscache_begin_read_operation(&cres, kc_cookie) == 0;
	kc_users_in_use--;
	fscache_unuse_cookie(kc_cookie, NULL, NULL);
	kc_sleep(11 * HZ); /* the LRU timer fires while the read is in flight */
	if (reading) {
		fscache_read(&cres, 0, &iter, NETFS_READ_HOLE_IGNORE, kc_io_done, &got);
		fscache_end_operation(&cres);
	}
	kc_other_file();
	kc_teardown();
}

static const struct {
	const char *name;
	void (*fn)(void *);
} kc_scenarios[] = {
	{ "life", kc_life },
	{ "two-users", kc_two_users },
	{ "lru-vs-use", kc_lru_vs_use },
	{ "lru-vs-io", kc_lru_vs_io },
	{ "lru-wait", kc_lru_wait },
	{ "lru-io-wait", kc_lru_io_wait },
};

/* kc_start_scenario resets the driver and spawns the scenario's first
 * thread; it returns -1 for an unknown name. */
int kc_start_scenario(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(kc_scenarios) / sizeof(kc_scenarios[0]); i++)
		if (!strcmp(kc_scenarios[i].name, name)) {
			kc_mem_reset();
			kc_done_users = 0;
			kc_users_in_use = 0;
			kc_spawn("netfs", kc_scenarios[i].fn, NULL);
			return 0;
		}
	return -1;
}
