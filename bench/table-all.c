/* The cost of the full beancounter table as the core collects it (bench/counters.sh).
 *
 *   table-all CALLS      CALLS calls of bc_table_all() in this process, each on a line:
 *                        wall_us W user_us U sys_us S cts N running R
 *   table-all --phases   one pass over the CTs with a config, the time of the parts of
 *                        bc_table_get() that the public API lets one call alone:
 *                        config_us (read and parse CTID.conf) pid_us (ct_init_pid)
 *                        cgopen_us (bc_cg_open) get_us (the whole bc_table_get) cts N
 *
 * vz.conf comes from $VZ_CONF as for the tools; loading it is not timed.  The first call
 * of a process also starts the cgroup backend (libcgroup's init). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/acct/acct.h"
#include "core/cgroup/cgroup.h"

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t tv_us(const struct timeval *tv)
{
	return (int64_t)tv->tv_sec * 1000000 + tv->tv_usec;
}

static int calls(const struct vz_host *host, struct bc_cache *cache, long n)
{
	for (long i = 0; i < n; i++) {
		struct rusage r0, r1;
		struct bc_table *t = NULL;
		size_t count = 0, running = 0;
		int64_t t0, t1;
		vz_err err;

		getrusage(RUSAGE_SELF, &r0);
		t0 = now_us();
		if (bc_table_all(host, cache, &t, &count, &err) < 0) {
			fprintf(stderr, "table-all: %s\n", err.msg);
			return 1;
		}
		t1 = now_us();
		getrusage(RUSAGE_SELF, &r1);
		for (size_t k = 0; k < count; k++)
			running += t[k].running;
		free(t);
		printf("wall_us %lld user_us %lld sys_us %lld cts %zu running %zu\n", (long long)(t1 - t0),
		       (long long)(tv_us(&r1.ru_utime) - tv_us(&r0.ru_utime)),
		       (long long)(tv_us(&r1.ru_stime) - tv_us(&r0.ru_stime)), count, running);
	}
	return 0;
}

static int phases(const struct vz_host *host, struct bc_cache *cache)
{
	int64_t conf_us = 0, pid_us = 0, open_us = 0, get_us = 0;
	unsigned long *ids = NULL;
	size_t n = 0;
	bc_cgroup *warm = NULL;
	vz_err err;

	if (vz_host_list_cts(host, &ids, &n, &err) < 0) {
		fprintf(stderr, "table-all: %s\n", err.msg);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		char id[32];
		vz_conf *cf = NULL;
		struct ct_res res = { 0 };
		struct bc_table t;
		bc_cgroup *cg = NULL;
		pid_t init;
		int64_t t0;

		snprintf(id, sizeof(id), "%lu", ids[i]);
		if (!warm) /* the backend's one-time start is not a per-CT cost */
			(void)bc_cg_open(host, id, &warm, NULL);
		t0 = now_us();
		if (vz_host_ct_conf(host, id, &cf, &err) == 0)
			(void)vz_host_ct_res(host, cf, &res, &err);
		conf_us += now_us() - t0;
		ct_res_free(&res);
		vz_conf_free(cf);
		t0 = now_us();
		(void)ct_init_pid(host, id, &init, NULL);
		pid_us += now_us() - t0;
		t0 = now_us();
		(void)bc_cg_open(host, id, &cg, NULL);
		open_us += now_us() - t0;
		bc_cg_free(cg);
		t0 = now_us();
		if (bc_table_get(host, cache, id, &t, &err) < 0) {
			fprintf(stderr, "table-all: %s: %s\n", id, err.msg);
			free(ids);
			return 1;
		}
		get_us += now_us() - t0;
	}
	free(ids);
	bc_cg_free(warm);
	printf("config_us %lld pid_us %lld cgopen_us %lld get_us %lld cts %zu\n", (long long)conf_us,
	       (long long)pid_us, (long long)open_us, (long long)get_us, n);
	return 0;
}

int main(int argc, char **argv)
{
	struct bc_cache *cache;
	struct vz_host host;
	vz_err err;
	char *end;
	long n = 0;
	int r;

	if (argc == 2 && strcmp(argv[1], "--phases") != 0)
		n = strtol(argv[1], &end, 10);
	if (argc != 2 || (strcmp(argv[1], "--phases") != 0 && (*end || n < 1))) {
		fprintf(stderr, "usage: table-all CALLS | table-all --phases\n");
		return 2;
	}
	if (vz_host_load(&host, NULL, &err) < 0) {
		fprintf(stderr, "table-all: %s\n", err.msg);
		return 1;
	}
	/* One cache for the process, as the export keeps one: later calls show the cost of
	 * a reader that stays. */
	cache = bc_cache_new();
	r = n ? calls(&host, cache, n) : phases(&host, cache);
	bc_cache_free(cache);
	vz_host_free(&host);
	return r;
}
