/* vzctl set on a CT that is not running, driven as a process. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf/conf.h"
#include "testutil.h"


TestSuite(vzctl_set, .init = tu_vzctl_setup, .fini = tu_vzctl_teardown);

#define RUN TU_VZCTL

static char *ct_conf(const char *ctid)
{
	char *path = tu_ct_conf(&tu_suite_host, ctid);
	char *content = tu_read(path, NULL);

	free(path);
	return content;
}

Test(vzctl_set, save_creates_the_config_with_quoted_values)
{
	struct run_result r = RUN("set", "101", "--numproc", "240", "--kmemsize", "1M:2M", "--save");
	char *c = ct_conf("101");

	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect(strstr(r.out, "CT configuration saved to "), "%s", r.out);
	cr_assert_not_null(c);
	cr_expect(strstr(c, "NUMPROC=\"240\"\n"), "%s", c);
	cr_expect(strstr(c, "KMEMSIZE=\"1048576:2097152\"\n"), "%s", c);
	tu_run_free(&r);
	free(c);

	r = RUN("set", "101", "--numproc", "240", "--save");
	cr_expect_eq(r.status, 0);
	cr_expect(strstr(r.out, "No changes in CT configuration, not saving"), "%s", r.out);
	tu_run_free(&r);
}

Test(vzctl_set, keeps_every_other_line)
{
	char *path = tu_ct_conf(&tu_suite_host, "101");
	const char *orig = "# my CT\n\nFOO=\"bar\" \nNUMPROC=\"10\"\n  # indented\nX=y # not a comment\n";
	char *c;

	tu_write(path, orig);
	struct run_result r = RUN("set", "101", "-p", "20", "--save");
	cr_expect_eq(r.status, 0, "%s", r.err);
	c = ct_conf("101");
	cr_expect_str_eq(c, "# my CT\n\nFOO=\"bar\" \nNUMPROC=\"20\"\n  # indented\nX=y # not a comment\n");
	tu_run_free(&r);
	free(c);
	free(path);
}

Test(vzctl_set, without_save_nothing_is_written)
{
	struct run_result r = RUN("set", "101", "--numproc", "240");
	char *c = ct_conf("101");

	cr_expect_eq(r.status, 0);
	cr_expect(strstr(r.out, "Settings were not saved"), "%s", r.out);
	cr_expect_null(c);
	tu_run_free(&r);
}

Test(vzctl_set, vswap_ram_and_swap_are_stored_in_pages)
{
	struct run_result r = RUN("set", "101", "--ram", "1G", "--swap", "512M", "--save");
	char *c = ct_conf("101");

	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(c, "PHYSPAGES=\"0:262144\"\n"), "%s", c);
	cr_expect(strstr(c, "SWAPPAGES=\"0:131072\"\n"), "%s", c);
	tu_run_free(&r);
	free(c);
	r = RUN("set", "101", "--ram", "4097", "--save");
	c = ct_conf("101");
	cr_expect(strstr(c, "PHYSPAGES=\"0:2\"\n"), "rounded up to whole pages: %s", c);
	tu_run_free(&r);
	free(c);
}

Test(vzctl_set, every_scalar_option)
{
	struct run_result r = RUN("set", "101", "--cpuunits", "1500", "--cpulimit", "50", "--cpus", "2",
				  "--cpumask", "0-1", "--ioprio", "6", "--hostname", "ct101.example.org",
				  "--vm_overcommit", "1.5", "--disabled", "yes", "--local_uid", "100000",
				  "--local_gid", "200000", "--iolimit", "10", "--iopslimit", "500", "--save");
	char *c = ct_conf("101");

	cr_expect_eq(r.status, 0, "%s", r.err);
	static const char *const want[] = {
		"CPUUNITS=\"1500\"\n", "CPULIMIT=\"50\"\n", "CPUS=\"2\"\n", "CPUMASK=\"0-1\"\n",
		"IOPRIO=\"6\"\n", "HOSTNAME=\"ct101.example.org\"\n", "VM_OVERCOMMIT=\"1.5\"\n",
		"DISABLED=\"yes\"\n", "LOCAL_UID=\"100000\"\n", "LOCAL_GID=\"200000\"\n",
		"IOLIMIT=\"10485760\"\n", "IOPSLIMIT=\"500\"\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_expect(strstr(c, want[i]), "missing %s in %s", want[i], c);
	tu_run_free(&r);
	free(c);
}

Test(vzctl_set, every_ubc_option_and_short_form)
{
	static const char *const names[] = {
		"kmemsize", "lockedpages", "privvmpages", "shmpages", "numproc", "physpages",
		"vmguarpages", "oomguarpages", "numtcpsock", "numflock", "numpty", "numsiginfo",
		"tcpsndbuf", "tcprcvbuf", "othersockbuf", "dgramrcvbuf", "numothersock",
		"dcachesize", "numfile", "numiptent", "avnumproc", "swappages",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char opt[32], key[64], *c;

		snprintf(opt, sizeof(opt), "--%s", names[i]);
		struct run_result r = RUN("set", "101", opt, "77:88", "--save");
		cr_expect_eq(r.status, 0, "%s: %s", opt, r.err);
		c = ct_conf("101");
		for (char *p = opt + 2; *p; p++)
			*p = (char)(*p - 'a' + 'A');
		snprintf(key, sizeof(key), "%s=\"77:88\"\n", opt + 2);
		cr_expect(c && strstr(c, key), "%s not in %s", key, c);
		tu_run_free(&r);
		free(c);
	}
	struct run_result r = RUN("set", "101", "-k", "1", "-l", "2", "-p", "3", "-f", "4", "-t", "5",
				  "-i", "6", "-b", "7", "-n", "8", "-x", "9", "-e", "10", "--save");
	cr_expect_eq(r.status, 0, "%s", r.err);
	char *c = ct_conf("101");
	static const char *const want[] = {
		"KMEMSIZE=\"1\"", "LOCKEDPAGES=\"2\"", "NUMPROC=\"3\"", "NUMFLOCK=\"4\"",
		"NUMPTY=\"5\"", "NUMSIGINFO=\"6\"", "TCPRCVBUF=\"7\"", "NUMFILE=\"8\"",
		"DCACHESIZE=\"9\"", "NUMIPTENT=\"10\"",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_expect(strstr(c, want[i]), "missing %s in %s", want[i], c);
	tu_run_free(&r);
	free(c);
}

Test(vzctl_set, unlimited_is_written_as_the_word)
{
	struct run_result r = RUN("set", "101", "--vmguarpages", "33520:9223372036854775807", "--save");
	char *c = ct_conf("101");

	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(c, "VMGUARPAGES=\"33520:unlimited\"\n"), "%s", c);
	tu_run_free(&r);
	free(c);
}

static void expect_refused(int code, const char *what, char *const argv[])
{
	struct run_result r = tu_run(tu_suite_host.vzconf, argv);
	char *c = ct_conf("101");

	cr_expect_eq(r.status, code, "%s: exit %d, stderr %s", what, r.status, r.err);
	cr_expect_null(c, "%s: a config was written", what);
	cr_expect_neq(r.err[0], '\0', "%s: no message", what);
	tu_run_free(&r);
	free(c);
}

#define REFUSED(code, ...) expect_refused(code, #__VA_ARGS__, (char *const[]){ tu_vzctl, __VA_ARGS__, NULL })

Test(vzctl_set, bad_values_exit_21_naming_option_and_value)
{
	REFUSED(21, "set", "101", "--numproc", "abc", "--save");
	REFUSED(21, "set", "101", "--numproc", "10M", "--save");
	REFUSED(21, "set", "101", "--numproc", "-1", "--save");
	REFUSED(21, "set", "101", "--numproc", "", "--save");
	REFUSED(21, "set", "101", "--kmemsize", "1:2:3", "--save");
	REFUSED(21, "set", "101", "--cpuunits", "7", "--save");
	REFUSED(21, "set", "101", "--cpuunits", "500001", "--save");
	REFUSED(21, "set", "101", "--cpulimit", "abc", "--save");
	REFUSED(21, "set", "101", "--ioprio", "8", "--save");
	REFUSED(21, "set", "101", "--cpumask", "3-1", "--save");
	REFUSED(21, "set", "101", "--hostname", "bad host", "--save");
	REFUSED(21, "set", "101", "--setmode", "maybe", "--save");
	REFUSED(21, "set", "101", "--ram", "lots", "--save");
	REFUSED(21, "set", "101", "--disabled", "maybe", "--save");
	REFUSED(21, "set", "101", "--local_uid", "-5", "--save");
	/* The 65536 ids from LOCAL_UID must end below (uid_t)-1. */
	REFUSED(21, "set", "101", "--local_uid", "4294901760", "--save");
	REFUSED(21, "set", "101", "--local_gid", "x", "--save");

	struct run_result r = RUN("set", "101", "--numproc", "abc", "--save");
	cr_expect(strstr(r.err, "--numproc") && strstr(r.err, "abc"), "%s", r.err);
	tu_run_free(&r);
}

Test(vzctl_set, bad_syntax_exits_20)
{
	REFUSED(20, "set", "101", "--no-such-option", "1", "--save");
	REFUSED(20, "set", "101", "--numproc");
	REFUSED(20, "set", "101", "--numproc", "10", "--force");
	REFUSED(20, "set", "101", "--numproc", "10", "--setmode", "restart");
	REFUSED(20, "set", "101", "--reset_ub", "--numproc", "10");
	REFUSED(20, "set", "101", "--save");
	REFUSED(20, "set", "101", "--numproc", "10", "extra", "--save");
	REFUSED(20, "set");
	REFUSED(20, "frobnicate", "101");
}

Test(vzctl_set, bad_ct_ids_are_refused_before_any_file_is_touched)
{
	static const char *const ids[] = { "../x", "", "-1", "12345678901234567890", "100", "0101", "a/b" };

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct run_result r = RUN("set", (char *)ids[i], "--numproc", "10", "--save");

		cr_expect_eq(r.status, 20, "id \"%s\": exit %d %s", ids[i], r.status, r.err);
		tu_run_free(&r);
	}
	/* Nothing appeared: no config, no lock file, no directory. */
	char *lock101 = NULL;
	struct stat st;
	cr_assert(asprintf(&lock101, "%s/x.conf", tu_suite_host.dir) > 0);
	cr_expect_neq(stat(lock101, &st), 0);
	cr_expect_neq(stat(tu_suite_host.lockdir, &st), 0, "the lock directory was created");
	free(lock101);
}

Test(vzctl_set, reset_ub_on_a_stopped_ct_exits_31)
{
	struct run_result r = RUN("set", "101", "--reset_ub");

	cr_expect_eq(r.status, 31, "%s", r.err);
	cr_expect(strstr(r.err, "not running"), "%s", r.err);
	tu_run_free(&r);
}

Test(vzctl_set, name_needs_save_and_then_works_as_an_id)
{
	struct run_result r = RUN("set", "101", "--name", "web", "--numproc", "5");

	cr_expect_eq(r.status, 131, "%s", r.err);
	tu_run_free(&r);
	r = RUN("set", "101", "--name", "web", "--save");
	cr_expect_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	r = RUN("set", "web", "--numproc", "55", "--save");
	cr_expect_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	char *c = ct_conf("101");
	cr_expect(strstr(c, "NAME=\"web\"\n") && strstr(c, "NUMPROC=\"55\"\n"), "%s", c);
	free(c);
	r = RUN("set", "102", "--name", "web", "--save");
	cr_expect_eq(r.status, 131, "a name belongs to one CT: %s", r.err);
	tu_run_free(&r);
	r = RUN("set", "nosuchname", "--numproc", "1", "--save");
	cr_expect_eq(r.status, 20, "%s", r.err);
	tu_run_free(&r);
}

Test(vzctl_set, applyconfig_copies_the_sample_but_not_the_identity)
{
	char *sample;
	cr_assert(asprintf(&sample, "%s/ve-small.conf-sample", tu_suite_host.confdir) > 0);
	tu_write(sample, "NUMPROC=\"40\"\nHOSTNAME=\"sample-host\"\nCPUUNITS=\"250\"\n");
	char *path = tu_ct_conf(&tu_suite_host, "101");
	tu_write(path, "HOSTNAME=\"mine\"\n");

	struct run_result r = RUN("set", "101", "--applyconfig", "small", "--cpuunits", "300", "--save");
	char *c = ct_conf("101");
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(c, "HOSTNAME=\"mine\"\n"), "%s", c);
	cr_expect(strstr(c, "NUMPROC=\"40\"\n"), "%s", c);
	cr_expect(strstr(c, "CPUUNITS=\"300\"\n"), "options win over the sample: %s", c);
	tu_run_free(&r);
	free(c);

	r = RUN("set", "101", "--applyconfig", "nosuch", "--save");
	cr_expect_eq(r.status, 109, "%s", r.err);
	tu_run_free(&r);
	free(sample);
	free(path);
}

Test(vzctl_set, a_held_lock_gives_exit_9)
{
	char *lock;
	cr_assert(asprintf(&lock, "%s/101.lck", tu_suite_host.lockdir) > 0);
	mkdir(tu_suite_host.lockdir, 0755);
	tu_write(lock, "1\nmigrating\n");
	struct run_result r = RUN("set", "101", "--numproc", "5", "--save");
	cr_expect_eq(r.status, 9, "%s", r.err);
	cr_expect(strstr(r.err, "Locked by: pid 1, cmdline"), "%s", r.err);
	tu_run_free(&r);
	r = tu_run(tu_suite_host.vzconf, (char *const[]){ tu_vzctl, "--skiplock", "set", "101", "--numproc", "5", "--save", NULL });
	cr_expect_eq(r.status, 0, "--skiplock: %s", r.err);
	tu_run_free(&r);
	free(lock);
}

Test(vzctl_set, save_error_exits_139)
{
	/* The config is a link into a directory that does not exist: it reads as a new
	 * config, and writing it cannot succeed (root ignores permissions, so they
	 * cannot be the obstacle). */
	char *path = tu_ct_conf(&tu_suite_host, "101");
	cr_assert(symlink("/nonexistent-vz-test-dir/101.conf", path) == 0);
	struct run_result r = RUN("set", "101", "--numproc", "5", "--save");
	cr_expect_eq(r.status, 139, "exit %d: %s", r.status, r.err);
	cr_expect(strstr(r.err, "Unable to write"), "%s", r.err);
	tu_run_free(&r);
	free(path);
}

/* 50 writers at once: each either wins the lock and saves, or exits 9; the file
 * always parses and holds one of the written values. */
Test(vzctl_set, fifty_concurrent_writers, .timeout = 120)
{
	enum { N = 50 };
	pid_t pids[N];
	char *path = tu_ct_conf(&tu_suite_host, "101");

	tu_write(path, "# keep me\nNUMPROC=\"1\"\n");
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		cr_assert(pids[i] >= 0);
		if (pids[i] == 0) {
			char val[16];
			int devnull = open("/dev/null", O_WRONLY);

			dup2(devnull, 1);
			dup2(devnull, 2);
			snprintf(val, sizeof(val), "%d", 1000 + i);
			setenv("VZ_CONF", tu_suite_host.vzconf, 1);
			execl(tu_vzctl, tu_vzctl, "set", "101", "--numproc", val, "--save", (char *)NULL);
			_exit(127);
		}
	}
	int won = 0, locked = 0;
	bool won_by[N] = { false };
	for (int i = 0; i < N; i++) {
		int st;

		cr_assert_eq(waitpid(pids[i], &st, 0), pids[i]);
		cr_assert(WIFEXITED(st));
		cr_expect(WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 9, "writer %d exited %d", i,
			  WEXITSTATUS(st));
		if (WEXITSTATUS(st) == 0) {
			won++;
			won_by[i] = true;
		} else {
			locked++;
		}
	}
	cr_expect_geq(won, 1);
	cr_expect_eq(won + locked, N);

	vz_conf *cf = NULL;
	cr_assert_eq(vz_conf_load(path, &cf, NULL, NULL), 0);
	const char *v = vz_conf_get(cf, "NUMPROC");
	cr_assert_not_null(v);
	int idx = atoi(v) - 1000;
	cr_expect(idx >= 0 && idx < N && won_by[idx], "NUMPROC=%s was not written by a winner", v);
	char *c = tu_read(path, NULL);
	cr_expect(strncmp(c, "# keep me\n", 10) == 0, "%s", c);
	free(c);
	vz_conf_free(cf);
	free(path);
}

static pid_t start_set(const char *ctid, const char *name)
{
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		setenv("VZ_CONF", tu_suite_host.vzconf, 1);
		execl(tu_vzctl, tu_vzctl, "set", ctid, "--name", name, "--save", (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Two commands giving one name to two CTs at the same moment: the name is checked free
 * and saved under one host-wide lock, so at most one of them has it, round after round. */
Test(vzctl_set, one_name_never_goes_to_two_cts_at_once)
{
	for (int round = 0; round < 40; round++) {
		char name[16], line[32];
		char *a, *b;
		pid_t pa, pb;
		int st;

		snprintf(name, sizeof(name), "n%d", round);
		snprintf(line, sizeof(line), "NAME=\"%s\"\n", name);
		pa = start_set("101", name);
		pb = start_set("102", name);
		cr_assert_eq(waitpid(pa, &st, 0), pa);
		cr_assert_eq(waitpid(pb, &st, 0), pb);
		a = ct_conf("101");
		b = ct_conf("102");
		cr_assert(!(a && strstr(a, line) && b && strstr(b, line)),
			  "round %d: both CTs were given the name %s", round, name);
		free(a);
		free(b);
	}
}
