// SPDX-License-Identifier: GPL-2.0
/*
 * fscachesim: kc-run, the C-only runner of the C build: its own seeded random
 * walk or a replayed decision list (the Go-driven runs use sim's strategies
 * instead: package kernelc/csim). It prints the tracepoints, the findings
 * and the decision log.
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
	const char *scenario = "life";
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
			kc_bug_switch = !strcmp(v, "use-after-relinquish") ? 1 : !strcmp(v, "heap-overflow") ? 2 : -1;
		else if (!strcmp(a, "-replay")) {
			nreplay = kc_parse_list(v, &replay);
			if (nreplay < 0)
				goto usage;
		} else if (!strcmp(a, "-scenario")) {
			scenario = v;
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
		if (kc_start_scenario(scenario) < 0)
			goto usage;
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
	fprintf(stderr, "usage: kc-run [-seed N] [-replay 0,1,...] [-max-steps N] [-runs N -quiet] [-scenario life|two-users|lru-vs-use|lru-vs-io|lru-wait|lru-io-wait] [-bug use-after-relinquish|heap-overflow]\n");
	return 2;
}
