/* Unprivileged by default: the id range of a new CT's user namespace.  The pure choice
 * (ct_userns_pick), and `vzctl create` run as a process with USERNS=yes in vz.conf:
 * every CT a range of its own, `--local_uid 0` a privileged CT, concurrent creates and
 * twenty create/destroy rounds never sharing a range. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/model/model.h"
#include "testutil.h"

#define B CT_USERNS_BASE_DEFAULT
#define N CT_USERNS_IDS

Test(userns_pick, lowest_free_range_from_the_base)
{
	unsigned long got = 0;

	cr_assert_eq(ct_userns_pick(NULL, 0, B, &got), 0);
	cr_expect_eq(got, B);
	cr_assert_eq(ct_userns_pick((unsigned long[]){ B, B }, 2, B, &got), 0);
	cr_expect_eq(got, B + N);
	/* A hole is filled before the top. */
	cr_assert_eq(ct_userns_pick((unsigned long[]){ B, B + 2 * N }, 2, B, &got), 0);
	cr_expect_eq(got, B + N);
	/* 0 is no range (a privileged CT), and ranges below the base do not count. */
	cr_assert_eq(ct_userns_pick((unsigned long[]){ 0, 100000 }, 2, B, &got), 0);
	cr_expect_eq(got, B);
}

Test(userns_pick, a_range_set_by_hand_rules_out_what_it_meets)
{
	unsigned long got = 0;

	/* B + N/2 .. B + 3N/2 - 1 meets the first two aligned candidates. */
	cr_assert_eq(ct_userns_pick((unsigned long[]){ B + N / 2 }, 1, B, &got), 0);
	cr_expect_eq(got, B + 2 * N);
	/* Ending exactly where a candidate starts does not meet it. */
	cr_assert_eq(ct_userns_pick((unsigned long[]){ B - N }, 1, B, &got), 0);
	cr_expect_eq(got, B);
	cr_assert_eq(ct_userns_pick((unsigned long[]){ B - N + 1 }, 1, B, &got), 0);
	cr_expect_eq(got, B + N);
}

Test(userns_pick, none_left_is_enospc)
{
	unsigned long got = 7, top = CT_LOCAL_ID_MAX - CT_LOCAL_ID_MAX % N;

	/* Only one candidate fits below the top, and it is taken. */
	cr_expect_eq(ct_userns_pick((unsigned long[]){ top }, 1, top, &got), -ENOSPC);
	cr_expect_eq(got, 7, "untouched on failure");
	cr_assert_eq(ct_userns_pick(NULL, 0, top, &got), 0);
	cr_expect_eq(got, top);
}

/* ---------------------------------------------------------- vzctl create */

static void setup(void)
{
	char *vz, *more;

	tu_vzctl_setup();
	vz = tu_read(tu_suite_host.vzconf, NULL);
	cr_assert(asprintf(&more, "%sUSERNS=yes\nDEF_OSTEMPLATE=\"tiny\"\n", vz) > 0);
	tu_write(tu_suite_host.vzconf, more);
	free(vz);
	free(more);
}

TestSuite(userns_create, .init = setup, .fini = tu_vzctl_teardown, .timeout = 120);

static void make_template(void)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%1$s/t/bin' '%1$s/template/cache' && "
		 "printf '#!/bin/true\\n' >'%1$s/t/bin/sh' && "
		 "tar --numeric-owner -C '%1$s/t' -czf '%1$s/template/cache/tiny.tar.gz' .",
		 tu_suite_host.dir);
	cr_assert_eq(system(cmd), 0);
}

/* The value of key in CT ctid's config, or 0 when it has none. */
static unsigned long conf_id(const char *ctid, const char *key)
{
	char *path = tu_ct_conf(&tu_suite_host, ctid), *text = tu_read(path, NULL), *p;
	char want[32];
	unsigned long v = 0;

	cr_assert_not_null(text, "no config for CT %s", ctid);
	snprintf(want, sizeof(want), "\n%s=\"", key);
	p = strstr(text, want);
	if (p)
		v = strtoul(p + strlen(want), NULL, 10);
	free(text);
	free(path);
	return v;
}

static void create(const char *ctid)
{
	struct run_result r = TU_VZCTL("create", (char *)ctid);

	cr_assert_eq(r.status, 0, "create %s: %s", ctid, r.err);
	tu_run_free(&r);
}

static void destroy(const char *ctid)
{
	struct run_result r = TU_VZCTL("destroy", (char *)ctid);

	cr_assert_eq(r.status, 0, "destroy %s: %s", ctid, r.err);
	tu_run_free(&r);
}

/* No two CTs with a config share an id of their uid or gid ranges. */
static void expect_disjoint(void)
{
	unsigned long start[64];
	char id[16];
	int n = 0;

	for (int c = 101; c < 101 + 64; c++) {
		char *path;

		snprintf(id, sizeof(id), "%d", c);
		path = tu_ct_conf(&tu_suite_host, id);
		if (access(path, F_OK) == 0) {
			start[n] = conf_id(id, "LOCAL_UID");
			cr_expect_eq(conf_id(id, "LOCAL_GID"), start[n], "CT %s", id);
			cr_expect_geq(start[n], CT_USERNS_BASE_DEFAULT, "CT %s has no range", id);
			n++;
		}
		free(path);
	}
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			cr_expect(start[i] + CT_USERNS_IDS <= start[j] ||
				  start[j] + CT_USERNS_IDS <= start[i],
				  "ranges at %lu and %lu meet", start[i], start[j]);
}

Test(userns_create, each_ct_a_range_of_its_own)
{
	struct run_result r;

	make_template();
	r = TU_VZCTL("create", "101");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.out, "Container gets host ids 1000000 to 1065535 for its user "
			 "namespace\n"), "%s", r.out);
	tu_run_free(&r);
	create("102");
	cr_expect_eq(conf_id("101", "LOCAL_UID"), CT_USERNS_BASE_DEFAULT);
	cr_expect_eq(conf_id("102", "LOCAL_UID"), CT_USERNS_BASE_DEFAULT + CT_USERNS_IDS);
	expect_disjoint();
}

Test(userns_create, local_uid_0_is_a_privileged_ct_and_a_given_range_is_kept)
{
	struct run_result r;

	make_template();
	r = TU_VZCTL("create", "101", "--local_uid", "0");
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	cr_expect_eq(conf_id("101", "LOCAL_UID"), 0);
	cr_expect_eq(conf_id("101", "LOCAL_GID"), 0);
	/* Given by hand: written as given, and later CTs keep clear of it. */
	r = TU_VZCTL("create", "102", "--local_uid", "1000000");
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	create("103");
	cr_expect_eq(conf_id("102", "LOCAL_GID"), 1000000);
	cr_expect_eq(conf_id("103", "LOCAL_UID"), CT_USERNS_BASE_DEFAULT + CT_USERNS_IDS);
	r = TU_VZCTL("create", "104", "--local_uid", "-1");
	cr_expect_eq(r.status, 21, "%s", r.err);
	cr_expect(strstr(r.err, "Bad parameter for --local_uid: -1"), "%s", r.err);
	tu_run_free(&r);
}

Test(userns_create, without_userns_in_vz_conf_no_range)
{
	char *vz = tu_read(tu_suite_host.vzconf, NULL), *p = strstr(vz, "USERNS=yes");
	char *path = tu_ct_conf(&tu_suite_host, "101"), *text;

	memcpy(p, "USERNS=no ", 10);
	tu_write(tu_suite_host.vzconf, vz);
	make_template();
	create("101");
	text = tu_read(path, NULL);
	cr_expect_null(strstr(text, "LOCAL_UID"), "%s", text);
	free(text);
	free(path);
	free(vz);
}

Test(userns_create, concurrent_creates_never_share_a_range)
{
	pid_t pid[8];

	make_template();
	for (int i = 0; i < 8; i++) {
		pid[i] = fork();
		cr_assert_geq(pid[i], 0);
		if (pid[i] == 0) {
			char id[16];

			snprintf(id, sizeof(id), "%d", 101 + i);
			setenv("VZ_CONF", tu_suite_host.vzconf, 1);
			execl(tu_vzctl, tu_vzctl, "--quiet", "create", id, (char *)NULL);
			_exit(127);
		}
	}
	for (int i = 0; i < 8; i++) {
		int st;

		cr_assert_eq(waitpid(pid[i], &st, 0), pid[i]);
		cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "create %d: status %d", 101 + i, st);
	}
	expect_disjoint();
}

/* CT 101 stays; each round creates another, every other one destroyed again at once,
 * so that the next round takes its freed range while others still hold theirs. */
Test(userns_create, twenty_rounds_of_create_and_destroy)
{
	unsigned long freed = 0;
	char id[16];

	make_template();
	create("101");
	for (int round = 0; round < 20; round++) {
		snprintf(id, sizeof(id), "%d", 102 + round);
		create(id);
		expect_disjoint();
		if (round % 2 == 0) {
			freed = conf_id(id, "LOCAL_UID");
			destroy(id);
		} else {
			cr_expect_eq(conf_id(id, "LOCAL_UID"), freed,
				     "round %d did not take the range freed before", round);
		}
	}
	expect_disjoint();
}
