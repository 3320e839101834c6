/* cgtest: drives the cgroup backend (core/cgroup/cgroup.c) on a real cgroup v2 kernel.  It
 * creates and removes cgroups: run it only inside the test guest (tests/vm/).
 *
 *   cgtest [--parent P] pids [LIMIT]      the numproc scenario (below), LIMIT 8
 *   cgtest [--parent P] create NAME
 *   cgtest [--parent P] write NAME FILE VALUE
 *   cgtest [--parent P] read NAME FILE [KEY]
 *   cgtest [--parent P] exec NAME CMD [ARG...]   joins NAME, then runs CMD
 *   cgtest [--parent P] running NAME      exit 0 when NAME holds a process, else 1
 *   cgtest [--parent P] destroy NAME
 *
 * P is the cgroup parent (CT_CGROUP_PARENT), cgtest.slice unless given.
 *
 * The pids scenario: a CT cgroup with pids.max = LIMIT; a child moved into it forks
 * until a fork is refused.  It prints one `name: value` line per measurement and exits
 * 0 only when the kernel refused the fork with EAGAIN after LIMIT - 1 forks,
 * pids.events `max` went up, removing the populated cgroup was refused, and after
 * cgroup.kill the cgroup was empty and could be removed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/acct/acct.h"
#include "core/base/base.h"
#include "core/ct/ct.h"
#include "core/limits/limits.h"

static const char *prog = "cgtest";
static int failures;

static void check(bool ok, const char *what)
{
	if (!ok) {
		printf("FAIL: %s\n", what);
		failures++;
	}
}

static int report(const vz_err *err)
{
	fprintf(stderr, "%s: %s\n", prog, err->msg);
	return 1;
}

/* What the child in the CT cgroup found out, sent back through a pipe. */
struct fork_result {
	int forks; /* forks that worked */
	int err;   /* errno of the refused one */
};

/* Runs in the child, once it is in the cgroup: forks sleepers until the kernel says no,
 * reports, and waits to be killed with the rest of the cgroup. */
static void child_fork_until_refused(int go_fd, int result_fd)
{
	struct fork_result res = { 0, 0 };
	char c;

	if (read(go_fd, &c, 1) != 1)
		_exit(2);
	for (int i = 0; i < 10000; i++) {
		pid_t p = fork();

		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			res.err = errno;
			break;
		}
		res.forks++;
	}
	if (write(result_fd, &res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(3);
	for (;;)
		pause();
}

/* Reaps every child and grandchild (we are their subreaper) until the cgroup is empty
 * or 10 s passed.  Returns the number of processes left. */
static int reap_until_empty(bc_cgroup *cg)
{
	int left = -1;

	for (int i = 0; i < 200; i++) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		left = bc_cg_nprocs(cg, NULL);
		if (left == 0)
			break;
		sleep_ms(50);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return left;
}

static int scenario_pids(const struct vz_host *host, unsigned long limit)
{
	_cleanup_cgroup_ bc_cgroup *cg = NULL;
	_cleanup_cgroup_ bc_cgroup *gone = NULL;
	struct fork_result res = { -1, 0 };
	uint64_t max_before = 0, max_after = 0, pmax = 0, current = 0;
	char name[64], value[32];
	int go[2], result[2];
	vz_err err = { 0 };
	pid_t child;
	int r, left;

	snprintf(name, sizeof(name), "cgtest-%d", (int)getpid());
	snprintf(value, sizeof(value), "%lu", limit);
	/* Grandchildren orphaned by the kill come back to us to be reaped, so pids.current
	 * drops to 0 without relying on the guest's init. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	if (bc_cg_create(host, name, &cg, &err) < 0)
		return report(&err);
	printf("cgroup: %s/%s\n", host->cgroup_parent, name);
	if (bc_cg_write(cg, "pids.max", value, &err) < 0 ||
	    bc_cg_read_u64(cg, "pids.max", &pmax, &err) < 0 ||
	    bc_cg_read_key(cg, "pids.events", "max", &max_before, &err) < 0)
		return report(&err);
	printf("pids.max: %llu\n", (unsigned long long)pmax);
	check(pmax == limit, "pids.max does not read back as written");

	if (pipe(go) < 0 || pipe(result) < 0) {
		perror("pipe");
		return 1;
	}
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		close(go[1]);
		close(result[0]);
		child_fork_until_refused(go[0], result[1]);
	}
	close(go[0]);
	close(result[1]);
	r = bc_cg_attach(cg, child, &err);
	if (r < 0) {
		kill(child, SIGKILL);
		return report(&err);
	}
	printf("processes after attach: %d\n", bc_cg_nprocs(cg, NULL));
	check(bc_cg_nprocs(cg, NULL) > 0, "bc_cg_nprocs is 0 with a process in the cgroup");
	if (write(go[1], "g", 1) != 1 || read(result[0], &res, sizeof(res)) != (ssize_t)sizeof(res)) {
		perror("talking to the child");
		kill(child, SIGKILL);
		return 1;
	}

	printf("forks before refusal: %d\n", res.forks);
	printf("refused fork errno: %s (%s)\n", res.err == EAGAIN ? "EAGAIN" : "other",
	       strerror(res.err));
	check(res.err == EAGAIN, "the refused fork did not fail with EAGAIN");
	check(res.forks == (int)limit - 1, "the number of forks is not LIMIT - 1");
	if (bc_cg_read_u64(cg, "pids.current", &current, &err) < 0 ||
	    bc_cg_read_key(cg, "pids.events", "max", &max_after, &err) < 0)
		report(&err);
	printf("pids.current at the limit: %llu\n", (unsigned long long)current);
	printf("pids.events max: %llu -> %llu\n", (unsigned long long)max_before,
	       (unsigned long long)max_after);
	printf("processes in cgroup.procs: %d\n", bc_cg_nprocs(cg, NULL));
	check(current == limit, "pids.current is not at the limit");
	check(max_after > max_before, "pids.events max did not go up");

	r = bc_cg_destroy(cg, &err);
	printf("destroy while populated: %s\n", r == -EBUSY ? "refused (EBUSY)" : "not refused");
	check(r == -EBUSY, "removing a populated cgroup was not refused with EBUSY");

	if (bc_cg_write(cg, "cgroup.kill", "1", &err) < 0)
		report(&err);
	left = reap_until_empty(cg);
	printf("processes after cgroup.kill: %d\n", left);
	check(left == 0, "processes are left after cgroup.kill");
	check(bc_cg_nprocs(cg, NULL) == 0, "bc_cg_nprocs is not 0 for an empty cgroup");

	if (bc_cg_destroy(cg, &err) < 0)
		return report(&err);
	r = bc_cg_open(host, name, &gone, &err);
	printf("cgroup after destroy: %s\n", r == -ENOENT ? "gone" : "still there");
	check(r == -ENOENT, "the cgroup is still there after bc_cg_destroy");
	printf("%s\n", failures ? "pids scenario: FAILED" : "pids scenario: ok");
	return failures ? 1 : 0;
}

static int cmd_read(bc_cgroup *cg, const char *file, const char *key)
{
	_cleanup_free_ char *text = NULL;
	vz_err err = { 0 };
	uint64_t v;

	if (key) {
		if (bc_cg_read_key(cg, file, key, &v, &err) < 0)
			return report(&err);
		printf("%llu\n", (unsigned long long)v);
		return 0;
	}
	if (bc_cg_read(cg, file, &text, &err) < 0)
		return report(&err);
	printf("%s\n", text);
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: %s [--parent P] pids [LIMIT]\n"
		"       %s [--parent P] create|running|destroy NAME\n"
		"       %s [--parent P] write NAME FILE VALUE\n"
		"       %s [--parent P] read NAME FILE [KEY]\n"
		"       %s [--parent P] exec NAME CMD [ARG...]\n",
		prog, prog, prog, prog, prog);
	return 2;
}

static int run_on_cgroup(const struct vz_host *host, int argc, char **argv)
{
	const char *cmd = argv[0], *name = argv[1];
	_cleanup_cgroup_ bc_cgroup *cg = NULL;
	vz_err err = { 0 };
	int r;

	if (strcmp(cmd, "create") == 0)
		r = bc_cg_create(host, name, &cg, &err);
	else
		r = bc_cg_open(host, name, &cg, &err);
	if (strcmp(cmd, "running") == 0)
		return r == 0 && bc_cg_nprocs(cg, NULL) > 0 ? 0 : 1;
	if (r < 0)
		return report(&err);
	if (strcmp(cmd, "create") == 0)
		return 0;
	if (strcmp(cmd, "destroy") == 0)
		return bc_cg_destroy(cg, &err) < 0 ? report(&err) : 0;
	if (strcmp(cmd, "write") == 0 && argc == 4)
		return bc_cg_write(cg, argv[2], argv[3], &err) < 0 ? report(&err) : 0;
	if (strcmp(cmd, "read") == 0 && (argc == 3 || argc == 4))
		return cmd_read(cg, argv[2], argc == 4 ? argv[3] : NULL);
	if (strcmp(cmd, "exec") == 0 && argc >= 3) {
		if (bc_cg_attach(cg, getpid(), &err) < 0)
			return report(&err);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "%s: cannot run %s: %s\n", prog, argv[2], strerror(errno));
		return 127;
	}
	return usage();
}

int main(int argc, char **argv)
{
	struct vz_host host = { 0 };
	char parent[] = "cgtest.slice";

	host.cgroup_parent = parent;
	argv++, argc--;
	if (argc >= 2 && strcmp(argv[0], "--parent") == 0) {
		host.cgroup_parent = argv[1];
		argv += 2, argc -= 2;
	}
	if (argc >= 1 && strcmp(argv[0], "pids") == 0 && argc <= 2) {
		unsigned long limit = argc == 2 ? strtoul(argv[1], NULL, 10) : 8;

		if (limit < 2 || limit > 1000)
			return usage();
		return scenario_pids(&host, limit);
	}
	if (argc < 2)
		return usage();
	return run_on_cgroup(&host, argc, argv);
}
