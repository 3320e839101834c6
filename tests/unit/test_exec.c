/* The pure parts of getting into a CT (core/runtime/exec.c): joining exec's words, the
 * environment a command gets, CapBnd from /proc/<pid>/status; and the syntax errors of
 * vzctl exec, exec2, runscript and enter, which are refused before any CT is looked at
 * (host-safe: nothing here joins a namespace or touches a cgroup). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/acct/acct.h"
#include "core/base/base.h"
#include "core/ct/ct.h"
#include "core/limits/limits.h"
#include "testutil.h"

Test(exec_join, words_joined_with_single_spaces)
{
	char *argv[] = { "echo", "a b", "", "c" };
	char *s = ct_exec_join(4, argv);

	cr_assert_not_null(s);
	cr_expect_str_eq(s, "echo a b  c");
	free(s);
	s = ct_exec_join(1, argv);
	cr_expect_str_eq(s, "echo");
	free(s);
	s = ct_exec_join(0, argv);
	cr_expect_str_eq(s, "");
	free(s);
}

static size_t env_count(char **env)
{
	size_t n = 0;

	while (env[n])
		n++;
	return n;
}

Test(exec_env, path_home_and_a_sane_term)
{
	char **env = ct_exec_env("xterm-256color", NULL);

	cr_assert_not_null(env);
	cr_assert_eq(env_count(env), 3);
	cr_expect_str_eq(env[0], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	cr_expect_str_eq(env[1], "HOME=/root");
	cr_expect_str_eq(env[2], "TERM=xterm-256color");
	free(env);
}

Test(exec_env, no_term_when_absent_or_odd)
{
	static const char *const odd[] = { NULL, "", "xterm\n", "a b", "x;rm", "\033[31m",
		"01234567890123456789012345678901234567890123456789012345678901234" };

	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		char **env = ct_exec_env(odd[i], NULL);

		cr_assert_not_null(env);
		cr_expect_eq(env_count(env), 2, "TERM '%s' was passed", odd[i] ? odd[i] : "(null)");
		free(env);
	}
}

Test(exec_env, nothing_of_the_callers_environment)
{
	char **env;

	setenv("LD_PRELOAD", "/host/lib.so", 1);
	env = ct_exec_env("screen.xterm", NULL);
	for (size_t i = 0; env[i]; i++)
		cr_expect(strncmp(env[i], "LD_PRELOAD=", 11) != 0);
	cr_expect_str_eq(env[2], "TERM=screen.xterm");
	free(env);
	unsetenv("LD_PRELOAD");
}

Test(exec_env, extra_variables_last)
{
	char *const extra[] = { "VEID=101", "VE_CONFFILE=/etc/vz/conf/101.conf", NULL };
	char **env = ct_exec_env(NULL, extra);

	cr_assert_not_null(env);
	cr_assert_eq(env_count(env), 4);
	cr_expect_str_eq(env[2], "VEID=101");
	cr_expect_str_eq(env[3], "VE_CONFFILE=/etc/vz/conf/101.conf");
	free(env);
}

Test(exec_capbnd, read_from_status)
{
	uint64_t v = 0;

	cr_expect_eq(ct_parse_capbnd("Name:\tsleep\nCapPrm:\t0\nCapBnd:\t000001fffdfeffff\n"
				     "CapAmb:\t0\n", &v), 0);
	cr_expect_eq(v, 0x000001fffdfeffffULL);
	cr_expect_eq(ct_parse_capbnd("CapBnd:\t0000000000000000", &v), 0);
	cr_expect_eq(v, 0);
}

Test(exec_capbnd, missing_or_malformed)
{
	uint64_t v = 7;

	cr_expect_eq(ct_parse_capbnd("Name:\tx\nCapEff:\tffff\n", &v), -ENOENT);
	cr_expect_eq(ct_parse_capbnd("", &v), -ENOENT);
	cr_expect_eq(ct_parse_capbnd("CapBnd:\t\n", &v), -EINVAL);
	cr_expect_eq(ct_parse_capbnd("CapBnd:\t00zz\n", &v), -EINVAL);
	cr_expect_eq(ct_parse_capbnd("CapBnd:\t00000000000000000\n", &v), -EINVAL);
	cr_expect_eq(v, 7, "output touched on failure");
}

/* ------------------------------------------- the commands' syntax errors */


TestSuite(vzctl_exec, .init = tu_vzctl_setup, .fini = tu_vzctl_teardown);

#define RUN TU_VZCTL

static void expect_syntax(struct run_result r, const char *what)
{
	cr_expect_eq(r.status, 20, "%s: status %d, stderr: %s", what, r.status, r.err);
	cr_expect(strstr(r.err, "--help"), "%s: %s", what, r.err);
	tu_run_free(&r);
}

Test(vzctl_exec, commands_need_their_arguments)
{
	expect_syntax(RUN("exec", "101"), "exec without a command");
	expect_syntax(RUN("exec2", "101"), "exec2 without a command");
	expect_syntax(RUN("runscript", "101"), "runscript without a script");
	expect_syntax(RUN("runscript", "101", "a", "b"), "runscript with two scripts");
	expect_syntax(RUN("enter", "101", "--exec"), "enter --exec without a command");
	expect_syntax(RUN("enter", "101", "--bogus"), "enter with an unknown option");
}

Test(vzctl_exec, runscript_names_a_missing_script)
{
	struct run_result r = RUN("runscript", "101", "/nonexistent/script.sh");

	cr_expect_eq(r.status, 3, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "/nonexistent/script.sh"), "%s", r.err);
	tu_run_free(&r);
}

/* RUNDIR inside the test's tree; ct_init_pid only reads the pid file and /proc. */
static char *with_rundir(void)
{
	char *conf = tu_read(tu_suite_host.vzconf, NULL), *rundir, *text;

	cr_assert_not_null(conf);
	cr_assert(asprintf(&rundir, "%s/run", tu_suite_host.dir) > 0);
	cr_assert(mkdir(rundir, 0755) == 0);
	cr_assert(asprintf(&text, "%sRUNDIR=%s\n", conf, rundir) > 0);
	tu_write(tu_suite_host.vzconf, text);
	free(conf);
	free(text);
	return rundir;
}

Test(vzctl_exec, a_ct_that_does_not_run_is_31)
{
	static const char *const cmds[][3] = {
		{ "exec", "true", NULL }, { "exec2", "true", NULL }, { "enter", NULL, NULL },
	};
	char *rundir = with_rundir(), *pidfile, pid[32];

	/* No pid file, then one naming a live process that is not in the CT's cgroup. */
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			struct run_result r = tu_run(tu_suite_host.vzconf, (char *const[]){ tu_vzctl,
				(char *)cmds[i][0], "101", (char *)cmds[i][1], NULL });

			cr_expect_eq(r.status, 31, "%s (round %d): %d, %s", cmds[i][0], round,
				     r.status, r.err);
			cr_expect(strstr(r.err, "not running"), "%s", r.err);
			tu_run_free(&r);
		}
		cr_assert(asprintf(&pidfile, "%s/101.pid", rundir) > 0);
		snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
		tu_write(pidfile, pid);
		free(pidfile);
	}
	free(rundir);
}

Test(vzctl_exec, usage_lists_the_commands)
{
	struct run_result r = RUN("--help");

	cr_expect_eq(r.status, 0);
	cr_expect(strstr(r.out, "exec | exec2 CTID"), "%s", r.out);
	cr_expect(strstr(r.out, "runscript CTID SCRIPT"), "%s", r.out);
	cr_expect(strstr(r.out, "enter CTID [--exec"), "%s", r.out);
	tu_run_free(&r);
}
