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
static int kc_bug_switch; /* 1: use the cookie after relinquishing it */
static int kc_done_users;
int kc_users_in_use; /* netfs users between use and unuse: read by the backend's check */
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
	kc_users_in_use++;
	if (fscache_begin_read_operation(&cres, cookie) == 0) {
		fscache_read(&cres, 0, &iter, NETFS_READ_HOLE_IGNORE, kc_io_done, &got);
		fscache_end_operation(&cres);
	}
	if (modify)
		fscache_write_to_cache(cookie, &kc_mapping, 0, 4096, 4096, kc_io_done, &got, false, true);
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
	fscache_relinquish_cookie(kc_cookie, false);
	if (kc_bug_switch == 1)
		fscache_use_cookie(kc_cookie, false); /* the bug: a use after relinquish */
	fscache_relinquish_volume(kc_volume, NULL, false);
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

static int kc_parse_list(const char *s, int **out)
{
	int n = 0, cap = 16;
	int *v = malloc(cap * sizeof(int));

	while (*s) {
		if (n == cap)
			v = realloc(v, (cap *= 2) * sizeof(int));
		v[n++] = (int)strtol(s, (char **)&s, 10);
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	*out = v;
	return n;
}

int main(int argc, char **argv)
{
	unsigned long long seed = 1;
	unsigned long max_steps = 100000;
	int *replay = NULL, nreplay = 0, runs = 1, quiet = 0, i, status = 0;
	unsigned long total_steps = 0;
	void (*scenario)(void *) = kc_life;
	FILE *devnull = fopen("/dev/null", "w");

	setvbuf(stdout, NULL, _IOLBF, 0);
	kc_catch_crashes();

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-quiet")) {
			quiet = 1;
			continue;
		}
		if (!v)
			goto usage;
		i++;
		if (!strcmp(a, "-seed"))
			seed = strtoull(v, NULL, 10);
		else if (!strcmp(a, "-max-steps"))
			max_steps = strtoul(v, NULL, 10);
		else if (!strcmp(a, "-runs"))
			runs = atoi(v);
		else if (!strcmp(a, "-bug"))
			kc_bug_switch = !strcmp(v, "use-after-relinquish") ? 1 : -1;
		else if (!strcmp(a, "-replay")) {
			nreplay = kc_parse_list(v, &replay);
			if (nreplay < 0)
				goto usage;
		} else if (!strcmp(a, "-scenario")) {
			if (!strcmp(v, "life"))
				scenario = kc_life;
			else if (!strcmp(v, "two-users"))
				scenario = kc_two_users;
			else if (!strcmp(v, "lru-vs-use"))
				scenario = kc_lru_vs_use;
			else
				goto usage;
		} else
			goto usage;
		if (kc_bug_switch < 0)
			goto usage;
	}
	if (runs > 1 && (replay || !quiet))
		goto usage;
	for (i = 0; i < runs; i++) {
		FILE *out = quiet ? devnull : stdout;

		kc_reset_globals();
		kc_world_init(seed + i, replay, nreplay, max_steps, out);
		kc_mem_reset();
		kc_done_users = 0;
		kc_users_in_use = 0;
		kc_spawn("netfs", scenario, NULL);
		if (kc_run() < 0)
			status = 1;
		if (kc_findings() == 0 && kc_live_allocs() != 0) {
			kc_finding("leak: allocations still live after the run");
			status = 1;
		}
		if (!quiet || status)
			kc_world_report();
		total_steps += kc_steps();
		kc_world_free();
		if (status) {
			if (quiet)
				printf("seed %llu: FINDING %s\n", seed + i, kc_finding_text());
			break;
		}
	}
	if (quiet)
		printf("runs %d steps %lu\n", i, total_steps);
	return status;
usage:
	fprintf(stderr, "usage: kc-run [-seed N] [-replay 0,1,...] [-max-steps N] [-runs N -quiet] [-scenario life|two-users|lru-vs-use] [-bug use-after-relinquish]\n");
	return 2;
}
