/* Monitoring (proc-export/metrics.c): the Prometheus exposition byte for byte against
 * golden files written by tests/unit/golden/make-metrics-golden.py from the rules in
 * export.h (over tu_bc_fixture of testutil.c, which it builds the same way), and the decisions
 * and status line of the Nagios-style check. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc-export/export.h"
#include "testutil.h"


static void expect_golden(char *got, const char *name)
{
	char *path, *want;

	cr_assert_not_null(got);
	cr_assert(asprintf(&path, "%s/tests/unit/golden/%s", getenv("SRCDIR"), name) > 0);
	want = tu_read(path, NULL);
	cr_assert_not_null(want, "no golden file %s", path);
	cr_expect_str_eq(got, want, "%s differs:\n--- got\n%s--- want\n%s", name, got, want);
	free(path);
	free(want);
	free(got);
}

Test(metrics, prometheus_golden)
{
	struct bc_table cts[3];

	tu_bc_fixture(&cts[0], 101, true);
	tu_bc_fixture(&cts[1], 102, false);
	tu_bc_fixture(&cts[2], 103, true);
	expect_golden(bcx_prometheus(cts, 0), "prometheus.0");
	expect_golden(bcx_prometheus(cts, 1), "prometheus.1");
	expect_golden(bcx_prometheus(cts, 3), "prometheus.3");
}

Test(metrics, prometheus_rules)
{
	struct bc_table cts[2];
	char *s;

	tu_bc_fixture(&cts[0], 101, true);
	tu_bc_fixture(&cts[1], 102, false);
	s = bcx_prometheus(cts, 2);
	cr_assert_not_null(s);
	cr_expect(strstr(s, "# TYPE openvz_bc_failcnt_total counter\n"));
	cr_expect(strstr(s, "# TYPE openvz_bc_held gauge\n"));
	cr_expect_null(strstr(s, "12345"), "an unknown value showed");
	cr_expect_null(strstr(s, "openvz_bc_held{ctid=\"102\""), "a stopped CT has no usage");
	cr_expect(strstr(s, "openvz_bc_limit{ctid=\"102\",resource=\"numproc\",class=\"enforced\"} 650\n"));
	cr_expect_null(strstr(s, "openvz_bc_held{ctid=\"101\",resource=\"numsiginfo\""));
	cr_expect(strstr(s, "openvz_bc_barrier{ctid=\"101\",resource=\"numsiginfo\",class=\"not available\"} +Inf\n"));
	cr_expect(strstr(s, "openvz_bc_held{ctid=\"101\",resource=\"swappages\",class=\"enforced\"} 101024\n"));
	cr_expect_null(strstr(s, "dummy"));
	cr_expect_null(strstr(s, "9223372036854775807"), "unlimited is +Inf");
	free(s);
}

/* ------------------------------------------------------------- the check */

/* One running CT whose every row is known, 0 held, barrier = limit = 1000. */
static void plain(struct bc_table *t, unsigned long ctid)
{
	memset(t, 0, sizeof(*t));
	t->ctid = ctid;
	t->running = true;
	for (int i = 0; i < UB_KERNEL_COUNT; i++) {
		t->row[i].usage_known = ubc_by_id(i) != NULL;
		t->row[i].barrier = t->row[i].limit = 1000;
	}
}

static const struct bcx_check_opts opts = { .warn = 0.8, .crit = 0.95 };

static enum bcx_status check(const struct bc_table *t, size_t n, const struct bcx_failcnt *prev,
			     size_t n_prev, size_t *n_alarms)
{
	struct bcx_alarm *a = NULL;
	enum bcx_status st = bcx_check(t, n, prev, n_prev, &opts, &a, n_alarms);

	free(a);
	return st;
}

Test(check, all_quiet_is_ok)
{
	struct bc_table t;
	size_t n;

	plain(&t, 101);
	cr_expect_eq(check(&t, 1, NULL, 0, &n), BCX_OK);
	cr_expect_eq(n, 0);
}

Test(check, held_against_the_barrier)
{
	struct bc_table t;
	size_t n;

	plain(&t, 101);
	t.row[UB_NUMPROC].held = 800; /* not above 0.8 */
	cr_expect_eq(check(&t, 1, NULL, 0, &n), BCX_OK);
	t.row[UB_NUMPROC].held = 801;
	cr_expect_eq(check(&t, 1, NULL, 0, &n), BCX_WARNING);
	t.row[UB_NUMPROC].held = 951;
	cr_expect_eq(check(&t, 1, NULL, 0, &n), BCX_CRITICAL);
	cr_expect_eq(n, 1);
}

Test(check, limit_stands_in_for_barrier_0_or_unlimited)
{
	struct bc_table t;
	size_t n;

	plain(&t, 101);
	t.row[UB_PHYSPAGES].barrier = 0; /* vswap: 0:ram */
	t.row[UB_PHYSPAGES].limit = 1000;
	t.row[UB_PHYSPAGES].held = 900;
	cr_expect_eq(check(&t, 1, NULL, 0, &n), BCX_WARNING);
	t.row[UB_PHYSPAGES].barrier = VZ_UNLIMITED;
	cr_expect_eq(check(&t, 1, NULL, 0, &n), BCX_WARNING);
	t.row[UB_PHYSPAGES].limit = VZ_UNLIMITED; /* nothing to measure against */
	t.row[UB_PHYSPAGES].held = 1UL << 40;
	cr_expect_eq(check(&t, 1, NULL, 0, &n), BCX_OK);
}

Test(check, a_guarantee_is_no_cap)
{
	struct bc_table t;
	size_t n;

	plain(&t, 101);
	t.row[UB_OOMGUARPAGES].barrier = 1000;
	t.row[UB_OOMGUARPAGES].limit = VZ_UNLIMITED;
	t.row[UB_OOMGUARPAGES].held = 5000;
	cr_expect_eq(check(&t, 1, NULL, 0, &n), BCX_OK);
}

Test(check, failcnt_growth)
{
	struct bc_table t;
	struct bcx_failcnt prev[] = { { 101, UB_NUMPROC, 3 } };
	struct bcx_alarm *a = NULL;
	size_t n;

	plain(&t, 101);
	t.row[UB_NUMPROC].failcnt = 3;
	cr_expect_eq(check(&t, 1, prev, 1, &n), BCX_OK, "no growth");
	t.row[UB_PHYSPAGES].failcnt = 9;
	cr_expect_eq(check(&t, 1, prev, 1, &n), BCX_OK, "first sight of a row: no alarm");
	t.row[UB_NUMPROC].failcnt = 1;
	cr_expect_eq(check(&t, 1, prev, 1, &n), BCX_OK, "a restarted CT counts from 0");
	t.row[UB_NUMPROC].failcnt = 5;
	cr_expect_eq(bcx_check(&t, 1, prev, 1, &opts, &a, &n), BCX_CRITICAL);
	cr_assert_eq(n, 1);
	cr_expect_eq(a[0].res, UB_NUMPROC);
	cr_expect_eq(a[0].growth, 2);
	free(a);
}

Test(check, unknown_rows_and_stopped_cts_are_not_checked)
{
	struct bc_table t[2];
	struct bcx_failcnt prev[] = { { 101, UB_TCPSNDBUF, 0 }, { 102, UB_NUMPROC, 0 } };
	size_t n;

	plain(&t[0], 101);
	t[0].row[UB_TCPSNDBUF].usage_known = false;
	t[0].row[UB_TCPSNDBUF].held = 999;
	t[0].row[UB_TCPSNDBUF].failcnt = 7;
	plain(&t[1], 102);
	t[1].running = false;
	t[1].row[UB_NUMPROC].held = 999;
	t[1].row[UB_NUMPROC].failcnt = 7;
	cr_expect_eq(check(t, 2, prev, 2, &n), BCX_OK);
}

Test(check, status_line)
{
	struct bc_table t[2];
	struct bcx_failcnt prev[] = { { 101, UB_NUMPROC, 1 } };
	struct bcx_alarm *a = NULL;
	size_t n;
	enum bcx_status st;
	char *line;

	plain(&t[0], 101);
	plain(&t[1], 102);
	t[0].row[UB_NUMPROC].barrier = t[0].row[UB_NUMPROC].limit = 240;
	t[0].row[UB_NUMPROC].held = 240;
	t[0].row[UB_NUMPROC].failcnt = 3;
	t[1].row[UB_KMEMSIZE].held = 850;
	st = bcx_check(t, 2, prev, 1, &opts, &a, &n);
	cr_assert_eq(st, BCX_CRITICAL);
	line = bcx_check_line(st, 2, a, n, &opts);
	cr_expect_str_eq(line, "BEANCOUNTERS CRITICAL - 2 CTs: 101 numproc failcnt +2 held 100% of 240, "
			       "102 kmemsize held 85% of 1000 | cts=2 critical=1 warning=1 "
			       "failcnt_growth=2 '101_numproc'=240;192;228;0;240 "
			       "'102_kmemsize'=850;800;950;0;1000\n");
	free(line);
	free(a);
	line = bcx_check_line(BCX_OK, 1, NULL, 0, &opts);
	cr_expect_str_eq(line, "BEANCOUNTERS OK - 1 CT | cts=1 critical=0 warning=0 failcnt_growth=0\n");
	free(line);
}
