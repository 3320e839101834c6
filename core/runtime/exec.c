/* Getting into a running CT (core/runtime/runtime.h): what `vzctl exec`, `exec2`,
 * `runscript` and `enter` run on.
 *
 * Three processes take part.  The caller (vzctl) opens what it needs of the CT's init
 * (a pidfd, /proc/<pid>, its root) and starts a helper straight into the CT's cgroup
 * with clone3(CLONE_INTO_CGROUP): the move happens while the helper is still in the
 * host's cgroup namespace, where the kernel allows it, and the command can never run
 * for an instant outside the CT's limits.  The helper makes itself undumpable (it holds
 * host fds, and nothing in the CT may ptrace it or open its /proc files), joins every
 * namespace of the init in one setns() on the pidfd, takes the init's root, and forks:
 * only a child of a setns(CLONE_NEWPID) caller is inside the pid namespace.  That child
 * takes the init's capability bounding set, closes every fd but 0..2, clears its
 * environment and executes the command looked up in the CT's own PATH: a host binary
 * is never executed in the CT, so /proc/self/exe of anything there is the CT's file
 * (the runc /proc/self/exe overwrite, CVE-2019-5736, needs a host binary in the CT).
 *
 * The helper is created and the command finished by the spawn engine (spawn.h), as
 * the CT's init is: errors come back over its channel with their cause, end of file
 * means the command runs, and the pty master (enter) comes back over the same channel. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "core/base/base.h"
#include "core/runtime/runtime.h"
#include "core/runtime/spawn.h"

#define EXEC_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define EXEC_HOME "HOME=/root"
#define EXEC_TERM_MAX 64
/* Everything the helper and the child need, prepared by the caller: after clone3 they
 * only make system calls. */
struct exec_ctx {
	const struct ct_exec_opts *o;
	const char *ctid;
	bc_cgroup *cg;
	int pidfd, procfd, rootfd;
	int nsflags;
	uint64_t capbnd;
	char **env;
	int sock;          /* the helper's and child's end of the report socket */
};

/* ------------------------------------------------------------ pure parts */

char *ct_exec_join(int argc, char *const argv[])
{
	size_t len = 1;
	char *s, *p;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	p = s;
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (i > 0)
			*p++ = ' ';
		memcpy(p, argv[i], n);
		p += n;
	}
	*p = '\0';
	return s;
}

/* A terminal name as terminfo spells them ("xterm-256color", "screen.xterm"); anything
 * else (empty, long, control characters) is not passed into the CT. */
static bool term_sane(const char *t)
{
	size_t n = t ? strlen(t) : 0;

	if (n == 0 || n > EXEC_TERM_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_' || c == '+'))
			return false;
	}
	return true;
}

char **ct_exec_env(const char *term, char *const *extra)
{
	size_t n = 0, count = 3, strings = 0;
	const char *vars[3] = { EXEC_PATH, EXEC_HOME, NULL };
	char **env;
	char *p;

	if (term_sane(term))
		strings += strlen("TERM=") + strlen(term) + 1;
	for (size_t i = 0; vars[i]; i++)
		strings += strlen(vars[i]) + 1;
	for (size_t i = 0; extra && extra[i]; i++, count++)
		strings += strlen(extra[i]) + 1;
	env = malloc((count + 1) * sizeof(char *) + strings);
	if (!env)
		return NULL;
	p = (char *)(env + count + 1);
	for (size_t i = 0; vars[i]; i++) {
		env[n++] = p;
		p = stpcpy(p, vars[i]) + 1;
	}
	if (term_sane(term)) {
		env[n++] = p;
		p = stpcpy(stpcpy(p, "TERM="), term) + 1;
	}
	for (size_t i = 0; extra && extra[i]; i++) {
		env[n++] = p;
		p = stpcpy(p, extra[i]) + 1;
	}
	env[n] = NULL;
	return env;
}

int ct_parse_capbnd(const char *status, uint64_t *ret)
{
	const char *line = status;

	while (line && *line) {
		if (strncmp(line, "CapBnd:", 7) == 0) {
			const char *p = line + 7;
			uint64_t v = 0;
			int digits = 0;

			p += strspn(p, " \t");
			for (; digits < 16; p++, digits++) {
				int d;

				if (*p >= '0' && *p <= '9')
					d = *p - '0';
				else if (*p >= 'a' && *p <= 'f')
					d = *p - 'a' + 10;
				else
					break;
				v = v << 4 | (uint64_t)d;
			}
			if (digits == 0 || (*p != '\n' && *p != '\0'))
				return -EINVAL;
			*ret = v;
			return 0;
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return -ENOENT;
}

/* ------------------------------------------------------ helper and child */

static const struct {
	int flag;
	const char *name;
} ns_files[] = {
	/* The user namespace first: it gives the capabilities to join the others. */
	{ CLONE_NEWUSER, "user" }, { CLONE_NEWIPC, "ipc" },       { CLONE_NEWUTS, "uts" },
	{ CLONE_NEWNET, "net" },   { CLONE_NEWPID, "pid" },       { CLONE_NEWCGROUP, "cgroup" },
	{ CLONE_NEWNS, "mnt" },
};

/* Kernels before 5.8 take no pidfd in setns(): one namespace file at a time. */
static int join_by_files(int procfd, int flags)
{
	for (size_t i = 0; i < sizeof(ns_files) / sizeof(ns_files[0]); i++) {
		char path[32];
		int fd, r;

		if (!(flags & ns_files[i].flag))
			continue;
		snprintf(path, sizeof(path), "ns/%s", ns_files[i].name);
		fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		r = setns(fd, ns_files[i].flag);
		close(fd);
		if (r < 0)
			return -errno;
	}
	return 0;
}

static int join_namespaces(const struct exec_ctx *x)
{
	if (setns(x->pidfd, x->nsflags) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno;
	return join_by_files(x->procfd, x->nsflags);
}

/* Inside every namespace and the CT's root: the process that becomes the command.
 * The shell of `enter` is bash when the CT has it, as a login shell ("-bash"). */
__attribute__((noreturn))
static void child_main(const struct exec_ctx *x, int master, const sigset_t *mask)
{
	bool bash = !x->o->argv && access("/bin/bash", X_OK) == 0;
	char *shell[] = { bash ? "-bash" : "-sh", NULL };
	const struct spawn_exec e = {
		.sock = x->sock,
		.capbnd = x->capbnd,
		.pty_master = master,
		.fds = master >= 0 ? NULL : x->o->fds,
		.mask = mask,
		.path = x->o->argv ? NULL : bash ? "/bin/bash" : "/bin/sh",
		.argv = x->o->argv ? x->o->argv : shell,
		.envp = x->env,
		.exec_code = VZ_E_SYSTEM,
		.ctid = x->ctid,
	};

	spawn_exec(&e);
}

static volatile sig_atomic_t child_pid;

/* To the command's whole process group (it leads a session of its own): a `sh -c`
 * that forked its command must not leave that command running. */
static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(-child_pid, sig);
}

static const int forwarded[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };

/* The helper's last job: wait for the command and exit with its status. */
__attribute__((noreturn))
static void helper_wait(pid_t pid, const sigset_t *mask)
{
	struct sigaction sa = { .sa_handler = forward_signal };
	int st;

	child_pid = pid;
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaction(forwarded[i], &sa, NULL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			_exit(SPAWN_FAILED);
	if (WIFSIGNALED(st))
		_exit(128 + WTERMSIG(st));
	_exit(WEXITSTATUS(st));
}

static int open_pty_master(const struct exec_ctx *x)
{
	/* The CT's /dev/ptmx, after the chroot: a pty of the CT's own devpts instance. */
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	struct stat st;

	if (master < 0)
		return -errno;
	/* The CT owns that path: whatever it put there must be the pty multiplexer. */
	if (fstat(master, &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 ||
	    minor(st.st_rdev) != 2) {
		close(master);
		return -ENOTTY;
	}
	if (unlockpt(master) < 0) {
		int e = errno;

		close(master);
		return -e;
	}
	if (x->o->rows && x->o->cols) {
		struct winsize ws = { .ws_row = x->o->rows, .ws_col = x->o->cols };

		ioctl(master, TIOCSWINSZ, &ws);
	}
	return master;
}

__attribute__((noreturn))
static void helper_main(const struct exec_ctx *x)
{
	sigset_t block, old;
	int master = -1, r;
	pid_t pid;

	/* Before anything of the CT is joined: this process holds host fds. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	r = join_namespaces(x);
	if (r < 0)
		spawn_fail(x->sock, VZ_E_SYSTEM, -r, "Unable to join the namespaces of CT %s: %s",
			   x->ctid, strerror(-r));
	/* Host root is nobody in the CT's user namespace: its files and ptys would belong
	 * to nobody.  The cgroup move is done, so the host ids are needed no more. */
	if (x->nsflags & CLONE_NEWUSER) {
		r = ct_userns_become_root();
		if (r < 0)
			spawn_fail(x->sock, VZ_E_SYSTEM, -r, "Unable to become root in the user "
				   "namespace of CT %s: %s", x->ctid, strerror(-r));
	}
	if (fchdir(x->rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		spawn_fail(x->sock, VZ_E_SYSTEM, errno, "Unable to change into the root of CT %s: "
			   "%s", x->ctid, strerror(errno));
	if (x->o->pty) {
		master = open_pty_master(x);
		r = master < 0 ? master : spawn_send_fd(x->sock, master);
		if (r < 0)
			spawn_fail(x->sock, VZ_E_SYSTEM, -r, "Unable to open a pty of CT %s (its "
				   "/dev/ptmx and devpts; numpty): %s", x->ctid, strerror(-r));
	}
	/* Forwarded signals wait until the handlers are there (the child resets them). */
	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&block, forwarded[i]);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid = fork();
	if (pid < 0)
		spawn_fail(x->sock, errno == EAGAIN ? VZ_E_RESOURCE : VZ_E_SYSTEM, errno,
			   "Unable to fork inside CT %s%s: %s", x->ctid,
			   errno == EAGAIN ? " (numproc reached?)" : "", strerror(errno));
	if (pid == 0)
		child_main(x, master, &old);
	close_range(3, ~0U, 0);
	helper_wait(pid, &old);
}

/* ------------------------------------------------------------ the caller */

static void closefd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int not_running(vz_err *err, const char *ctid)
{
	return vz_fail(err, VZ_E_NOT_RUNNING, ESRCH, "Container is not running (CT %s): start it "
		       "with 'vzctl start %s'", ctid, ctid);
}

/* The init as a pidfd and its /proc directory, proven to be the CT's init: ct_init_pid
 * checked the pid again after both were opened, and the pidfd's process was still alive
 * after that check, so no reused pid was looked at in between. */
static int open_init(const struct vz_host *host, pid_t pid, const char *ctid,
		     struct exec_ctx *x, vz_err *err)
{
	pid_t again = 0;
	char path[32];

	x->pidfd = pidfd_open(pid, 0);
	if (x->pidfd < 0 && errno == ESRCH)
		return not_running(err, ctid);
	if (x->pidfd < 0)
		return vz_fail(err, VZ_E_SYSTEM, errno, "cannot open the init (pid %d) of CT %s: %s",
			       (int)pid, ctid, strerror(errno));
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	x->procfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (x->procfd < 0 || ct_init_pid(host, ctid, &again, NULL) < 0 || again != pid ||
	    pidfd_send_signal(x->pidfd, 0, NULL, 0) < 0)
		return not_running(err, ctid);
	x->rootfd = openat(x->procfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (x->rootfd < 0)
		return vz_fail(err, VZ_E_SYSTEM, errno, "cannot open the root of CT %s (%s/root): %s",
			       ctid, path, strerror(errno));
	return 0;
}

static bool same_ns(int procfd, const char *name)
{
	char mine[32], theirs[32];
	struct stat a, b;

	snprintf(mine, sizeof(mine), "/proc/self/ns/%s", name);
	snprintf(theirs, sizeof(theirs), "ns/%s", name);
	return stat(mine, &a) == 0 && fstatat(procfd, theirs, &b, 0) == 0 && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

/* Every namespace of the init; its user namespace only when it has one of its own
 * (joining one's own user namespace is EINVAL). */
static int ns_flags(int procfd)
{
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
		    CLONE_NEWCGROUP;

	if (!same_ns(procfd, "user"))
		flags |= CLONE_NEWUSER;
	return flags;
}

static int read_capbnd(struct exec_ctx *x, const char *ctid, vz_err *err)
{
	_cleanup_close_ int fd = openat(x->procfd, "status", O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;

	if (fd < 0 || vz_read_fd(fd, &text, NULL) < 0 || ct_parse_capbnd(text, &x->capbnd) < 0)
		return vz_fail(err, VZ_E_SYSTEM, errno ? errno : EIO,
			       "cannot read the capability bounding set of CT %s's init", ctid);
	return 0;
}

/* The cgroup the init is in now, below the CT's own: a CT's init may have moved itself
 * there (systemd: init.scope) and enabled controllers below the CT's root, which may
 * then hold no process, so the command is born beside the init.  The path is the CT's
 * to choose, so it must lie below the CT's cgroup and is walked without symlinks. */
static int open_init_cgroup(const struct vz_host *host, const char *ctid, struct exec_ctx *x,
			    vz_err *err)
{
	_cleanup_free_ char *want = vz_host_ct_cgroup(host, ctid), *text = NULL;
	_cleanup_close_ int fd = openat(x->procfd, "cgroup", O_RDONLY | O_CLOEXEC);
	char *below = NULL;

	if (!want)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "out of memory");
	if (fd >= 0 && vz_read_fd(fd, &text, NULL) == 0)
		below = (char *)ct_cgroup_below(text, want);
	if (!below)
		return not_running(err, ctid);
	below[strcspn(below, "\n")] = '\0';
	return bc_cg_open_below(host, ctid, below, &x->cg, err);
}

static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static void exec_ctx_close(struct exec_ctx *x)
{
	closefd(&x->pidfd);
	closefd(&x->procfd);
	closefd(&x->rootfd);
	closefd(&x->sock);
	bc_cg_free(x->cg);
	x->cg = NULL;
	free(x->env);
	x->env = NULL;
}

static int prepare(const struct vz_host *host, const char *ctid, struct exec_ctx *x,
		   vz_err *err)
{
	pid_t pid;
	int r;

	r = ct_init_pid(host, ctid, &pid, err);
	if (r < 0)
		return r;
	r = open_init(host, pid, ctid, x, err);
	if (r < 0)
		return r;
	x->nsflags = ns_flags(x->procfd);
	r = read_capbnd(x, ctid, err);
	if (r < 0)
		return r;
	r = open_init_cgroup(host, ctid, x, err);
	if (r < 0)
		return r;
	x->env = ct_exec_env(x->o->term, x->o->env);
	if (!x->env)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "out of memory");
	return 0;
}

int ct_exec_start(const struct vz_host *host, const char *ctid, const struct ct_exec_opts *o,
		  struct ct_exec_proc *ret, vz_err *err)
{
	struct exec_ctx x = { .o = o, .ctid = ctid, .pidfd = -1, .procfd = -1, .rootfd = -1,
			      .sock = -1 };
	int sv[2], master = -1, e = 0, r;
	pid_t pid;

	r = prepare(host, ctid, &x, err);
	if (r < 0)
		goto out;
	r = spawn_channel(sv, err);
	if (r < 0)
		goto out;
	x.sock = sv[1];
	pid = spawn_clone(x.cg, 0, x.sock);
	if (pid == 0)
		helper_main(&x);
	e = errno;
	closefd(&x.sock);
	if (pid < 0 && e != ECHILD) {
		close(sv[0]);
		r = vz_fail(err, e == EAGAIN ? VZ_E_RESOURCE : VZ_E_SYSTEM, e,
			    "cannot start a process in the cgroup of CT %s: %s", ctid, strerror(e));
		goto out;
	}
	r = spawn_collect(sv[0], o->pty ? &master : NULL, 15000L, err);
	close(sv[0]);
	if (r == 0 && pid < 0)
		r = vz_fail(err, VZ_E_SYSTEM, ECHILD, "lost the helper entering CT %s", ctid);
	if (r == 0 && o->pty && master < 0)
		r = vz_fail(err, VZ_E_SYSTEM, EIO, "no pty came back from CT %s", ctid);
	if (r < 0) {
		closefd(&master);
		if (pid > 0)
			reap(pid);
		goto out;
	}
	ret->pid = pid;
	ret->pty_master = master;
out:
	exec_ctx_close(&x);
	return r;
}

int ct_exec_wait(struct ct_exec_proc *p, int *ret_status, vz_err *err)
{
	int st;

	while (waitpid(p->pid, &st, 0) < 0)
		if (errno != EINTR)
			return vz_fail(err, VZ_E_SYSTEM, errno, "cannot wait for the command: %s",
				       strerror(errno));
	p->pid = 0;
	*ret_status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
	return 0;
}
