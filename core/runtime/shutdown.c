/* How a CT is asked to stop (core/runtime/start.h): by the signal its init takes as
 * "power off", or by running the CT's own `halt` inside, as vzctl did, for the inits
 * that take no such signal.  Either way the CT's own stop scripts and units run.
 *
 *   systemd   SIGRTMIN+3 (halt; SIGTERM would re-execute it, SIGUSR2 dumps its state)
 *   busybox   SIGUSR2 (power off; SIGUSR1 halts, SIGTERM reboots)
 *   others    `halt` inside: sysvinit (and OpenRC under it) ignore SIGTERM and take
 *             SIGINT as ctrl-alt-del, which inittab maps to a reboot
 *
 * The init is told apart by the name of the program it runs, read from the host's
 * /proc (a string: nothing of the CT is followed or executed).  A CT's root can run any
 * program as init; a wrong guess only costs the stop timeout before the kill. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/base.h"
#include "core/runtime/start.h"

/* How long the init may stay alone before the shutdown is taken as done: longer than
 * the gaps between the rc scripts of a shutdown, which always leave some process. */
#define ALONE_MS 2000
#define POLL_MS 50

enum init_kind { INIT_SYSTEMD, INIT_BUSYBOX, INIT_OTHER };

static enum init_kind init_kind(pid_t init)
{
	char path[64], exe[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)init);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return INIT_OTHER;
	exe[n] = '\0';
	/* A binary replaced since it started reads "… (deleted)". */
	exe[strcspn(exe, " ")] = '\0';
	base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
	if (strcmp(base, "systemd") == 0)
		return INIT_SYSTEMD;
	if (strcmp(base, "busybox") == 0)
		return INIT_BUSYBOX;
	return INIT_OTHER;
}

/* `halt` started inside the CT, with the CT's /dev/null as its stdio; -1 (after a
 * note) when it cannot be. */
static pid_t halt_inside(const struct vz_host *host, const char *ctid, const vz_warn *note)
{
	static char *const argv[] = { "halt", NULL };
	struct ct_exec_opts o = { .argv = argv, .fds = { -1, -1, -1 } };
	struct ct_exec_proc p;
	vz_err err;

	if (ct_exec_start(host, ctid, &o, &p, &err) < 0) {
		vz_warnf(note, "Unable to run halt in the container (%s); it is killed", err.msg);
		return -1;
	}
	return p.pid;
}

struct census {
	pid_t init;
	unsigned n;
	bool init_seen;
};

static void count_proc(void *ctx, pid_t pid)
{
	struct census *c = ctx;

	c->n++;
	if (pid == c->init)
		c->init_seen = true;
}

/* Reaps halt (the caller's child) once it has ended; never blocks. */
static void reap_if_done(pid_t *halt)
{
	int st;

	if (*halt > 0 && waitpid(*halt, &st, WNOHANG) == *halt)
		*halt = -1;
}

/* The init could not be asked: it is gone already (nothing to say), or the pidfd could
 * not be had, and then the kill that follows is no clean shutdown. */
static void unsignalled(const vz_warn *note, int e)
{
	if (e != ESRCH)
		vz_warnf(note, "Unable to ask the container's init to shut down (%s): it is "
			 "killed instead", strerror(e));
}

void ct_shutdown(const struct vz_host *host, const char *ctid, pid_t init, int init_fd,
		 bc_cgroup *cg, long timeout_ms, const vz_warn *note)
{
	struct timespec start;
	long alone_since = -1;
	pid_t halt = -1;

	switch (init_kind(init)) {
	case INIT_SYSTEMD:
		if (pidfd_send_signal(init_fd, SIGRTMIN + 3, NULL, 0) < 0)
			return unsignalled(note, errno);
		break;
	case INIT_BUSYBOX:
		if (pidfd_send_signal(init_fd, SIGUSR2, NULL, 0) < 0)
			return unsignalled(note, errno);
		break;
	case INIT_OTHER:
		halt = halt_inside(host, ctid, note);
		if (halt < 0)
			return;
		break;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long now = 0; now < timeout_ms; now = elapsed_ms(&start)) {
		struct census c = { init, 0, false };

		reap_if_done(&halt);
		if (bc_cg_walk_procs(cg, count_proc, &c) < 0 || c.n == 0)
			break;
		if (c.n == 1 && c.init_seen && halt < 0) {
			if (alone_since < 0)
				alone_since = now;
			if (now - alone_since >= ALONE_MS)
				break;
		} else {
			alone_since = -1;
		}
		sleep_ms(POLL_MS);
	}
	/* halt still running at the deadline (or stopped by the CT): killed and reaped. */
	if (halt > 0) {
		kill(halt, SIGKILL);
		waitpid(halt, NULL, 0);
	}
}
