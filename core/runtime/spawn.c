/* The one spawn engine (core/runtime/spawn.h).  Who uses it:
 *
 *   start    vzctl --fork--> helper --fork--> monitor --spawn_clone--> init, new
 *            namespaces; init mounts, pivots, then spawn_exec("/sbin/init")
 *   exec     vzctl --spawn_clone--> helper: setns into the init's namespaces, its root,
 *            then fork (the pid namespace takes only children) --> spawn_exec(command)
 *            (exec, exec2, enter, runscript and the in-CT action scripts)
 *
 * Every step after the clone runs in a process that holds host fds and sits in the
 * CT's cgroup (and, for the last ones, its namespaces): it only makes system calls and
 * reports a failure with its cause on the channel. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/base/base.h"
#include "core/runtime/runtime.h"
#include "core/runtime/spawn.h"

struct spawn_report {
	int code;      /* the OpenVZ exit code; 0: no failure, an fd comes with it */
	int sys_errno;
	char msg[512];
};

/* -------------------------------------------------------------- reporting */

int spawn_channel(int sv[2], vz_err *err)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return vz_fail(err, VZ_E_RESOURCE, errno, "Unable to make a socket pair: %s",
			       strerror(errno));
	return 0;
}

void spawn_fail(int sock, int code, int e, const char *fmt, ...)
{
	struct spawn_report rep = { code ? code : VZ_E_SYSTEM, e, "" };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rep.msg, sizeof(rep.msg), fmt, ap);
	va_end(ap);
	(void)!send(sock, &rep, sizeof(rep), MSG_NOSIGNAL);
	_exit(SPAWN_FAILED);
}

int spawn_send_fd(int sock, int fd)
{
	struct spawn_report rep = { 0, 0, "" };

	return vz_send_fd(sock, &rep, sizeof(rep), fd);
}

/* Whether a report (or the end) is there before the deadline: the process that should
 * send it may be stopped (SIGSTOP) by the CT, or waiting on a file the CT controls. */
static ssize_t wait_report(int sock, const struct timespec *start, long timeout_ms)
{
	for (;;) {
		struct pollfd pf = { sock, POLLIN, 0 };
		long left = timeout_ms - elapsed_ms(start);
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pf, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

int spawn_collect(int sock, int *ret_fd, long timeout_ms, vz_err *err)
{
	struct spawn_report rep, first = { 0, 0, "" };
	struct timespec start;
	int fd = -1;
	ssize_t n;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int got = -1;

		n = wait_report(sock, &start, timeout_ms);
		if (n < 0)
			break;
		n = vz_recv_fd(sock, &rep, sizeof(rep), &got);
		if (n <= 0)
			break;
		if (n != sizeof(rep)) {
			if (got >= 0)
				close(got);
			n = -EPROTO;
			break;
		}
		if (got >= 0 && (rep.code != 0 || fd >= 0 || !ret_fd))
			close(got);
		else if (got >= 0)
			fd = got;
		if (rep.code != 0 && first.code == 0)
			first = rep;
	}
	if (first.code == 0 && n == -ETIMEDOUT)
		first = (struct spawn_report){ VZ_E_TIMEOUT, ETIMEDOUT, "" };
	else if (first.code == 0 && n < 0)
		first = (struct spawn_report){ VZ_E_SYSTEM, (int)-n, "" };
	if (first.code != 0) {
		if (fd >= 0)
			close(fd);
		first.msg[sizeof(first.msg) - 1] = '\0';
		if (!first.msg[0] && first.code == VZ_E_TIMEOUT)
			snprintf(first.msg, sizeof(first.msg), "the process entering the container "
				 "did not start within %ld s (stopped by a process of the container?)",
				 timeout_ms / 1000);
		else if (!first.msg[0])
			snprintf(first.msg, sizeof(first.msg), "the process entering the container "
				 "was lost: %s", strerror(first.sys_errno));
		return vz_fail(err, first.code, first.sys_errno ? first.sys_errno : EIO, "%s",
			       first.msg);
	}
	if (ret_fd)
		*ret_fd = fd;
	return 0;
}

/* ------------------------------------------------------------------ clone */

static pid_t clone3_into(int cgfd, uint64_t flags)
{
	struct clone_args ca = {
		.flags = flags | (cgfd >= 0 ? CLONE_INTO_CGROUP : 0),
		/* With CLONE_PARENT the kernel wants 0 here and takes the caller's own. */
		.exit_signal = flags & CLONE_PARENT ? 0 : SIGCHLD,
		.cgroup = cgfd >= 0 ? (uint64_t)cgfd : 0,
	};

	return (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
}

/* Kernels before 5.7: the joiner moves itself into cg and creates the process with
 * CLONE_PARENT, so that it is born in cg and is the caller's child; the caller never
 * enters cg (a monitor in it would keep the cgroup populated after init's end). */
static pid_t clone_by_joiner(bc_cgroup *cg, uint64_t flags, int sock)
{
	pid_t joiner, pid = -1;
	int p[2], e;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	joiner = fork();
	if (joiner < 0) {
		e = errno;
		close(p[0]);
		close(p[1]);
		errno = e;
		return -1;
	}
	if (joiner == 0) {
		vz_err err;

		close(p[0]);
		if (bc_cg_attach(cg, getpid(), &err) < 0)
			spawn_fail(sock, err.exit_code, err.sys_errno, "%s", err.msg);
		pid = clone3_into(-1, flags | CLONE_PARENT);
		if (pid < 0 && errno == ENOSYS) /* before 5.3: no clone3 */
			pid = (pid_t)syscall(SYS_clone, flags | CLONE_PARENT | SIGCHLD, NULL, NULL,
					     NULL, NULL);
		if (pid < 0)
			spawn_fail(sock, errno == EAGAIN ? VZ_E_RESOURCE : VZ_E_SYSTEM, errno,
				   "Unable to create a process in the container: %s", strerror(errno));
		if (pid == 0) {
			close(p[1]);
			return 0;
		}
		_exit(write(p[1], &pid, sizeof(pid)) == sizeof(pid) ? 0 : 1);
	}
	close(p[1]);
	if (read(p[0], &pid, sizeof(pid)) != sizeof(pid))
		pid = -1;
	close(p[0]);
	wait_pid(joiner);
	if (pid <= 0)
		errno = ECHILD; /* the joiner has reported why */
	return pid <= 0 ? -1 : pid;
}

pid_t spawn_clone(bc_cgroup *cg, uint64_t flags, int sock)
{
	pid_t pid = clone3_into(bc_cg_dirfd(cg), flags);

	if (pid >= 0 || (errno != ENOSYS && errno != EINVAL && errno != E2BIG))
		return pid;
	return clone_by_joiner(cg, flags, sock);
}

/* ------------------------------------------------------------ the last steps */

/* fds may name 0..2 in any order ({1, 0, 2}): each is copied above 2 first. */
static int install_fds(const int fds[3])
{
	int tmp[3];

	for (int i = 0; i < 3; i++) {
		tmp[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
		if (tmp[i] < 0)
			return -errno;
	}
	for (int i = 0; i < 3; i++)
		if (dup2(tmp[i], i) < 0)
			return -errno;
	return 0;
}

int spawn_install_fds(const int fds[3])
{
	return install_fds(fds);
}

/* The pty slave from the master, without a path lookup in the CT's /dev/pts (which the
 * CT controls), as the controlling terminal. */
static int install_pty(int master)
{
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	int fds[3];

	if (slave < 0)
		return -errno;
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return -errno;
	fds[0] = fds[1] = fds[2] = slave;
	return install_fds(fds);
}

/* The CT's /dev/null (the process is in its root already) on 0..2. */
static int install_null(void)
{
	_cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int fds[3];

	if (null < 0)
		return -errno;
	fds[0] = fds[1] = fds[2] = null;
	return install_fds(fds);
}

/* The bounding set, then no inheritable or ambient capability that could bring a
 * dropped one back through exec. */
static int drop_caps(uint64_t keep)
{
	cap_t c;
	int r = 0;

	for (int cap = 0; cap < 64; cap++) {
		if (keep & (UINT64_C(1) << cap))
			continue;
		/* EINVAL: past the kernel's last capability. */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	}
	c = cap_get_proc();
	if (!c || cap_clear_flag(c, CAP_INHERITABLE) < 0 || cap_set_proc(c) < 0)
		r = -errno;
	if (c)
		cap_free(c);
	if (r == 0 && cap_reset_ambient() < 0 && errno != EINVAL)
		r = -errno;
	return r;
}

/* Only the channel survives until the exec, which closes it. */
static int close_host_fds(int keep)
{
	if (keep > 3 && close_range(3, (unsigned)keep - 1, 0) < 0)
		return -errno;
	if (close_range((unsigned)keep + 1, ~0U, 0) < 0)
		return -errno;
	return 0;
}

void spawn_signals_default(const sigset_t *mask)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, mask ? mask : &none, NULL);
}

void spawn_exec(const struct spawn_exec *x)
{
	/* Out of the way of 0..2 first: a caller started with a closed stdin may have got
	 * the channel there. */
	int sock = fcntl(x->sock, F_DUPFD_CLOEXEC, 10);
	int r;

	if (sock < 0)
		spawn_fail(x->sock, VZ_E_SYSTEM, errno, "Unable to set up the files of a process "
			   "in CT %s: %s", x->ctid, strerror(errno));
	/* A session of its own: the host's terminal must not be the program's controlling
	 * terminal (TIOCSTI on /dev/tty would type into the host's shell). */
	if (setsid() < 0 && getsid(0) != getpid())
		spawn_fail(sock, VZ_E_SYSTEM, errno, "Unable to start a session in CT %s: %s",
			   x->ctid, strerror(errno));
	r = x->pty_master >= 0 ? install_pty(x->pty_master) : x->fds ? install_fds(x->fds)
								    : install_null();
	if (r < 0)
		spawn_fail(sock, VZ_E_SYSTEM, -r, "Unable to give the program in CT %s its %s: %s",
			   x->ctid, x->pty_master >= 0 ? "terminal" : "files", strerror(-r));
	r = drop_caps(x->capbnd);
	if (r < 0)
		spawn_fail(sock, VZ_E_CAP, -r, "Unable to apply the capability bounding set of CT "
			   "%s: %s", x->ctid, strerror(-r));
	r = close_host_fds(sock);
	if (r < 0)
		spawn_fail(sock, VZ_E_SYSTEM, -r, "Unable to close the host's files before "
			   "entering CT %s: %s", x->ctid, strerror(-r));
	spawn_signals_default(x->mask);
	/* Last, so that nothing before the exec runs under it. */
	r = ct_seccomp_load();
	if (r < 0)
		spawn_fail(sock, VZ_E_SYSTEM, -r, "Unable to load the system-call filter of CT %s: "
			   "%s%s", x->ctid, strerror(-r), r == -EACCES ? " (the process lacks "
			   "CAP_SYS_ADMIN; run vzctl as root)" : r == -EINVAL ? " (the kernel "
			   "lacks CONFIG_SECCOMP_FILTER)" : "");
	if (x->path) {
		execve(x->path, x->argv, x->envp);
	} else {
		/* execvp() looks PATH up in environ: the CT's, inside its root. */
		environ = (char **)x->envp;
		execvp(x->argv[0], x->argv);
	}
	spawn_fail(sock, x->exec_code, errno, "Unable to execute %s in CT %s: %s%s",
		   x->path ? x->path : x->argv[0], x->ctid, strerror(errno),
		   errno == ENOENT ? " (no such program in the container)" : "");
}
