/* The CT handle (core/ct): open takes the lock and reads the config once, close gives
 * both back; what of a set request a running CT takes only at its next start. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ct/ct.h"
#include "testutil.h"

static struct tu_host th;
static struct vz_host host;

static void setup(void)
{
	vz_err err;

	tu_host_make(&th);
	setenv("VZ_CONF", th.vzconf, 1);
	cr_assert_eq(vz_host_load(&host, NULL, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
	vz_host_free(&host);
	unsetenv("VZ_CONF");
	tu_host_free(&th);
}

TestSuite(handle, .init = setup, .fini = teardown);

Test(handle, open_reads_the_config_under_the_lock)
{
	char *path = tu_ct_conf(&th, "101");
	struct ct_handle a, b;
	vz_err err;

	tu_write(path, "NUMPROC=\"240\"\n");
	cr_assert_eq(ct_open(&host, 101, "set", NULL, &a, &err), 0, "%s", err.msg);
	cr_assert_not_null(a.conf);
	cr_expect_str_eq(vz_conf_get(a.conf, "NUMPROC"), "240");
	cr_expect_str_eq(a.ctid, "101");
	cr_expect(!a.running, "a CT with no run state does not run");
	/* A second opener under a lock waits its turn: VZ_E_LOCKED, and nothing of it. */
	cr_expect_lt(ct_open(&host, 101, "starting", NULL, &b, &err), 0);
	cr_expect_eq(err.exit_code, VZ_E_LOCKED);
	/* Without a lock (--skiplock) it opens. */
	cr_assert_eq(ct_open(&host, 101, NULL, NULL, &b, &err), 0, "%s", err.msg);
	ct_close(&b);
	ct_close(&a);
	cr_expect_null(a.conf);
	/* Closed: the lock is free again. */
	cr_assert_eq(ct_open(&host, 101, "set", NULL, &b, &err), 0, "%s", err.msg);
	ct_close(&b);
	free(path);
}

Test(handle, a_ct_without_config_opens_with_none)
{
	struct ct_handle ct;
	vz_err err;

	cr_assert_eq(ct_open(&host, 202, "create", NULL, &ct, &err), 0, "%s", err.msg);
	cr_expect_null(ct.conf);
	ct_close(&ct);
}

Test(handle, close_is_safe_on_a_handle_never_opened)
{
	struct ct_handle ct = { .lock = { NULL, -1 } };

	ct_close(&ct);
	ct_close(&ct);
}

Test(handle, reset_ub_needs_a_running_ct)
{
	struct ct_set_req req = { .reset_ub = true };
	struct ct_handle ct;
	vz_err err;

	cr_assert_eq(ct_open(&host, 101, "set", NULL, &ct, &err), 0, "%s", err.msg);
	cr_expect_lt(ct_set(&ct, &req, NULL, &err), 0);
	cr_expect_eq(err.exit_code, VZ_E_NOT_RUNNING);
	ct_close(&ct);
}

Test(handle, a_set_saves_and_the_handle_holds_what_was_saved)
{
	char *path = tu_ct_conf(&th, "101");
	struct ct_set_req req = { .save = true, .has_ram = true, .ram_pages = 16384 };
	struct ct_handle ct;
	char *text;
	vz_err err;

	tu_write(path, "# kept\nNUMPROC=\"240\"\n");
	cr_assert_eq(ct_open(&host, 101, "set", NULL, &ct, &err), 0, "%s", err.msg);
	cr_assert_eq(ct_set(&ct, &req, NULL, &err), 0, "%s", err.msg);
	cr_expect_str_eq(vz_conf_get(ct.conf, "PHYSPAGES"), "0:16384");
	ct_close(&ct);
	text = tu_read(path, NULL);
	cr_expect_str_eq(text, "# kept\nNUMPROC=\"240\"\nPHYSPAGES=\"0:16384\"\n");
	free(text);
	free(path);
}

Test(handle, what_waits_for_the_next_start)
{
	struct ct_set_req req = { 0 };

	cr_expect_null(ct_set_needs_restart(&req));
	req.res.ub[UB_NUMPROC].set = true;
	cr_expect_null(ct_set_needs_restart(&req), "numproc is set on a running CT");
	req.res.ub[UB_NUMPTY].set = true;
	cr_expect_str_eq(ct_set_needs_restart(&req), "numpty");
	req = (struct ct_set_req){ .applyconfig = "basic" };
	cr_expect_str_eq(ct_set_needs_restart(&req), "applyconfig");
	req = (struct ct_set_req){ .res = { .has_local_uid = true } };
	cr_expect_str_eq(ct_set_needs_restart(&req), "local_uid/local_gid");
}
