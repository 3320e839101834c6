/* The beancounter table of stopped CTs (core/acct/counters.c): the config's limits after
 * the vswap fill, no usage, every CT with a config, by id; what a reader that stays
 * keeps in its cache.  Running CTs are covered by
 * the guest test 66-counters. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/acct/acct.h"
#include "core/base/base.h"
#include "core/ct/ct.h"
#include "core/limits/limits.h"
#include "testutil.h"

static struct tu_host th;
static struct vz_host host;
static struct bc_cache *cache; /* a reader that stays: tables share it */

static void setup(void)
{
	vz_err err;

	tu_host_make(&th);
	setenv("VZ_CONF", th.vzconf, 1);
	cr_assert_eq(vz_host_load(&host, NULL, &err), 0, "%s", err.msg);
	cache = bc_cache_new();
}

static void teardown(void)
{
	bc_cache_free(cache);
	vz_host_free(&host);
	unsetenv("VZ_CONF");
	tu_host_free(&th);
}

TestSuite(counters, .init = setup, .fini = teardown);

static void ct_conf(const char *ctid, const char *text)
{
	char *path = tu_ct_conf(&th, ctid);

	tu_write(path, text);
	free(path);
}

Test(counters, stopped_ct_has_config_limits_and_no_usage)
{
	struct bc_table t;
	vz_err err;

	ct_conf("101", "NUMPROC=\"240\"\nPHYSPAGES=\"0:65536\"\nSWAPPAGES=\"0:32768\"\n");
	cr_assert_eq(bc_table_get(&host, cache, "101", &t, &err), 0, "%s", err.msg);
	cr_expect_eq(t.ctid, 101);
	cr_expect_not(t.running);
	cr_expect_eq(t.row[UB_NUMPROC].barrier, 240);
	cr_expect_eq(t.row[UB_NUMPROC].limit, 240);
	cr_expect_eq(t.row[UB_PHYSPAGES].limit, 65536);
	/* The vswap fill: lockedpages ram:ram, vmguarpages (ram+swap):unlimited. */
	cr_expect_eq(t.row[UB_LOCKEDPAGES].limit, 65536);
	cr_expect_eq(t.row[UB_VMGUARPAGES].barrier, 98304);
	cr_expect_eq(t.row[UB_VMGUARPAGES].limit, VZ_UNLIMITED);
	/* Unset and not filled: unlimited. */
	cr_expect_eq(t.row[UB_NUMFILE].limit, VZ_UNLIMITED);
	for (int id = 0; id < UB_KERNEL_COUNT; id++)
		cr_expect_not(t.row[id].usage_known, "row %d shows usage for a stopped CT", id);
	cr_expect_eq(t.row[UB_NUMPROC].cls, BC_ENFORCED);
}

Test(counters, missing_config_is_no_ctconf)
{
	struct bc_table t;
	vz_err err;

	cr_expect_eq(bc_table_get(&host, cache, "555", &t, &err), -ENOENT);
	cr_expect_eq(err.exit_code, VZ_E_NO_CTCONF);
}

Test(counters, all_cts_by_id)
{
	struct bc_table *v = NULL;
	size_t n = 0;
	vz_err err;

	ct_conf("300", "NUMPROC=\"3\"\n");
	ct_conf("101", "NUMPROC=\"1\"\n");
	ct_conf("2000", "NUMPROC=\"20\"\n");
	ct_conf("ve-basic.conf-sample", "NUMPROC=\"9\"\n");
	ct_conf("12", "NUMPROC=\"12\"\n"); /* below the id range */
	ct_conf("101.conf.destroyed", "NUMPROC=\"0\"\n");
	cr_assert_eq(bc_table_all(&host, cache, &v, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(n, 3);
	cr_expect_eq(v[0].ctid, 101);
	cr_expect_eq(v[1].ctid, 300);
	cr_expect_eq(v[2].ctid, 2000);
	cr_expect_eq(v[2].row[UB_NUMPROC].limit, 20);
	free(v);
}

/* A reader that stays (one host, many tables) keeps what each config gave, and sees a
 * config replaced whole or edited in place at its next table. */
static uint64_t numproc_limit(void)
{
	struct bc_table t;
	vz_err err;

	cr_assert_eq(bc_table_get(&host, cache, "101", &t, &err), 0, "%s", err.msg);
	return t.row[UB_NUMPROC].limit;
}

Test(counters, a_reader_that_stays_sees_every_config_change)
{
	char *path = tu_ct_conf(&th, "101");
	const char *v200 = "NUMPROC=\"200\"\n";

	cr_assert_not_null(cache);
	ct_conf("101", "NUMPROC=\"240\"\n");
	cr_expect_eq(numproc_limit(), 240);
	cr_expect_eq(numproc_limit(), 240);
	/* Replaced whole, as vzctl saves: another inode. */
	cr_assert_eq(vz_write_file_atomic(path, v200, strlen(v200)), 0);
	cr_expect_eq(numproc_limit(), 200);
	/* Edited in place, the same size: another mtime (a clock tick later). */
	usleep(20000);
	ct_conf("101", "NUMPROC=\"100\"\n");
	cr_expect_eq(numproc_limit(), 100);
	/* In place, another size. */
	ct_conf("101", "NUMPROC=\"7\"\n");
	cr_expect_eq(numproc_limit(), 7);
	/* Gone: no config, whatever was kept. */
	cr_assert_eq(unlink(path), 0);
	free(path);
	{
		struct bc_table t;
		vz_err err;

		cr_expect_eq(bc_table_get(&host, cache, "101", &t, &err), -ENOENT);
		cr_expect_eq(err.exit_code, VZ_E_NO_CTCONF);
	}
}

Test(counters, many_cts_kept_apart)
{
	struct bc_table *v = NULL;
	size_t n = 0;
	vz_err err;
	char id[16], text[64];

	/* More CTs than the first allocation of the kept list, listed twice. */
	for (int i = 0; i < 150; i++) {
		snprintf(id, sizeof(id), "%d", 1000 + (i * 37) % 150);
		snprintf(text, sizeof(text), "NUMPROC=\"%d\"\n", 1000 + (i * 37) % 150);
		ct_conf(id, text);
	}
	for (int pass = 0; pass < 2; pass++) {
		cr_assert_eq(bc_table_all(&host, cache, &v, &n, &err), 0, "%s", err.msg);
		cr_assert_eq(n, 150);
		for (size_t i = 0; i < n; i++)
			cr_expect_eq(v[i].row[UB_NUMPROC].limit, v[i].ctid, "CT %lu", v[i].ctid);
		free(v);
	}
}

Test(counters, no_kept_configs_still_reads_them)
{
	struct bc_cache *kept = cache;

	cache = NULL;
	ct_conf("101", "NUMPROC=\"33\"\n");
	cr_expect_eq(numproc_limit(), 33);
	cache = kept;
}
