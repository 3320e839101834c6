/* Getting into a running CT (core/runtime/runtime.h): what `vzctl exec`, `exec2`,
 * `runscript` and `enter` run on.
 *
 * Three processes take part.  The caller (vzctl) opens what it needs of the CT's init
 * (a pidfd, /proc/<pid>, its root) and starts a helper straight into the CT's cgroup
 * with clone3(CLONE_INTO_CGROUP): the move happens while the helper is still in the
 * host's cgroup namespace, where the kernel allows it, and the command can never run
 * for an instant outside the CT's limits.  The helper makes itself undumpable (it holds
 * host fds, and nothing in the CT may ptrace it or open its /proc files), joins every
 * namespace of the init in one setns() on the pidfd, takes the init's root, and
 * creates the command's process: only a child of a setns(CLONE_NEWPID) caller is
 * inside the pid namespace.  That process is the first the CT can see, so before it
 * exists the helper sheds everything of the host: its 0..2 become the command's
 * streams (pipes the caller pumps, or nothing yet for a pty), every other fd is closed
 * but the report channel and the pipe that tells the caller its pid, the working
 * directory is the CT's root, and it is undumpable again after the uid change into the
 * CT's user namespace.  It is created with CLONE_PARENT, as the caller's own child:
 * the helper exits at once, and the caller waits for the command, sees it stopped and
 * signals it without a go-between.  The command's process takes the init's capability
 * bounding set, clears its environment and executes the command looked up in the CT's
 * own PATH: a host binary is never executed in the CT, so /proc/self/exe of anything
 * there is the CT's file (the runc /proc/self/exe overwrite, CVE-2019-5736, needs a
 * host binary in the CT).
 *
 * The CT can stop (SIGSTOP) that process as it is born, or make the helper wait on a
 * file it controls: the caller gives the start CT_EXEC_START_SECS and a command kept
 * stopped CT_EXEC_STOPPED_SECS, then kills it and says so (VZ_E_TIMEOUT).
 *
 * The helper is created and the command finished by the spawn engine (spawn.h), as
 * the CT's init is: errors come back over its channel with their cause, end of file
 * means the command runs, and the pty master (enter) comes back over the same channel. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
#include <time.h>
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
	int pid_w;         /* where the helper writes the command's pid */
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
 * The shell of `enter` is bash when the CT has it, as a login shell ("-bash").  Its
 * streams are on 0..2 already (streams_in_place). */
__attribute__((noreturn))
static void child_main(const struct exec_ctx *x, int master, const sigset_t *mask)
{
	static const int std[3] = { 0, 1, 2 };
	bool bash = !x->o->argv && access("/bin/bash", X_OK) == 0;
	char *shell[] = { bash ? "-bash" : "-sh", NULL };
	const struct spawn_exec e = {
		.sock = x->sock,
		.capbnd = x->capbnd,
		.pty_master = master,
		.fds = master >= 0 || x->o->fds[0] < 0 ? NULL : std,
		.mask = mask,
		.path = x->o->argv ? NULL : bash ? "/bin/bash" : "/bin/sh",
		.argv = x->o->argv ? x->o->argv : shell,
		.envp = x->env,
		.exec_code = VZ_E_SYSTEM,
		.ctid = x->ctid,
	};

	/* Dies with the caller, its parent: a command the caller gave up on (stopped at
	 * birth past the deadline) must not run later with nobody watching.  A caller
	 * that died before the prctl sends nothing: the process was then adopted by the
	 * CT's init (getppid() 1; the caller, outside the pid namespace, reads as 0). */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != 0)
		_exit(SPAWN_FAILED);
	spawn_exec(&e);
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

/* The command's streams on 0..2 before its process exists, so that it is never born
 * holding the caller's own (a host file or terminal); with a pty or the CT's /dev/null
 * they are opened later, and 0..2 stay closed meanwhile. */
static int streams_in_place(const struct exec_ctx *x)
{
	if (x->o->pty || x->o->fds[0] < 0) {
		close_range(0, 2, 0);
		return 0;
	}
	return spawn_install_fds(x->o->fds);
}

/* Everything the helper holds of the host but what the command's process needs until
 * its exec: the report channel, the pid pipe and the pty master (the CT's own). */
static int shed_host(const struct exec_ctx *x, int master)
{
	int keep[3] = { x->sock, x->pid_w, master };
	int r = streams_in_place(x);

	if (r < 0)
		return r;
	close_all_but(keep, 3);
	/* The uid change into the CT's user namespace made the helper dumpable again as
	 * fs.suid_dumpable says; the command's process inherits this, until its exec. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

/* fork() as the caller's sibling: the command's process is the caller's child. */
static pid_t clone_sibling(void)
{
	return (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
}

/* fd, moved above 0..2 when it is there (a caller started with 0..2 closed), so that
 * the command's streams do not land on it. */
static int above_stdio(int fd)
{
	return fd >= 0 && fd <= 2 ? fcntl(fd, F_DUPFD_CLOEXEC, 3) : fd;
}

__attribute__((noreturn))
static void helper_main(const struct exec_ctx *ctx)
{
	struct exec_ctx h = *ctx, *x = &h;
	sigset_t mask;
	int master = -1, r;
	pid_t pid;

	/* Before anything of the CT is joined: this process holds host fds. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	h.sock = above_stdio(h.sock);
	h.pid_w = above_stdio(h.pid_w);
	if (h.sock < 0 || h.pid_w < 0)
		spawn_fail(ctx->sock, VZ_E_SYSTEM, errno, "Unable to set up the files of a "
			   "process entering CT %s: %s", x->ctid, strerror(errno));
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
		master = above_stdio(open_pty_master(x));
		r = master < 0 ? master : spawn_send_fd(x->sock, master);
		if (r < 0)
			spawn_fail(x->sock, VZ_E_SYSTEM, -r, "Unable to open a pty of CT %s (its "
				   "/dev/ptmx and devpts; numpty): %s", x->ctid, strerror(-r));
	}
	r = shed_host(x, master);
	if (r < 0)
		spawn_fail(x->sock, VZ_E_SYSTEM, -r, "Unable to close the host's files before "
			   "entering CT %s: %s", x->ctid, strerror(-r));
	sigprocmask(SIG_SETMASK, NULL, &mask);
	pid = clone_sibling();
	if (pid < 0)
		spawn_fail(x->sock, errno == EAGAIN ? VZ_E_RESOURCE : VZ_E_SYSTEM, errno,
			   "Unable to fork inside CT %s%s: %s", x->ctid,
			   errno == EAGAIN ? " (numproc reached?)" : "", strerror(errno));
	if (pid == 0)
		child_main(x, master, &mask);
	if (write(x->pid_w, &pid, sizeof(pid)) != sizeof(pid)) {
		kill(pid, SIGKILL);
		spawn_fail(x->sock, VZ_E_SYSTEM, errno, "Unable to pass on the command's pid");
	}
	_exit(0);
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

/* Kills a process of ours and reaps it: a stopped process dies of SIGKILL too. */
static void kill_reap(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static void exec_ctx_close(struct exec_ctx *x)
{
	closefd(&x->pidfd);
	closefd(&x->procfd);
	closefd(&x->rootfd);
	closefd(&x->sock);
	closefd(&x->pid_w);
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

/* The command's pid as the helper wrote it, if it is there: the pipe passed through
 * the command's process before its exec, so the number must name a child of ours other
 * than the helper. */
static pid_t read_command_pid(int fd, pid_t helper)
{
	siginfo_t si = { 0 };
	pid_t pid;

	if (read(fd, &pid, sizeof(pid)) != sizeof(pid) || pid <= 0 || pid == helper)
		return -1;
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WSTOPPED | WNOHANG | WNOWAIT) < 0)
		return -1;
	return pid;
}

/* After the helper's report: the command runs (r == 0), or whatever was started is
 * killed.  The helper is reaped either way; it has nothing left to do. */
static int finish_start(int r, pid_t helper, int pid_r, pid_t *pid, const char *ctid,
			vz_err *err)
{
	if (r < 0 && helper > 0)
		kill(helper, SIGKILL);
	if (helper > 0)
		wait_pid(helper);
	*pid = read_command_pid(pid_r, helper);
	/* spawn_collect's own deadline, not a failure the process reported with ETIMEDOUT */
	if (r == -ETIMEDOUT && err->exit_code == VZ_E_TIMEOUT)
		r = vz_fail(err, VZ_E_TIMEOUT, ETIMEDOUT, "The command did not start in CT %s "
			    "within %d s: a process of the container may have stopped it (SIGSTOP) "
			    "or made it wait on one of its files; it was killed", ctid,
			    CT_EXEC_START_SECS);
	if (r == 0 && *pid <= 0)
		r = vz_fail(err, VZ_E_SYSTEM, ECHILD, "lost the command started in CT %s", ctid);
	if (r < 0) {
		kill_reap(*pid);
		*pid = -1;
	}
	return r;
}

int ct_exec_start(const struct vz_host *host, const char *ctid, const struct ct_exec_opts *o,
		  struct ct_exec_proc *ret, vz_err *err)
{
	struct exec_ctx x = { .o = o, .ctid = ctid, .pidfd = -1, .procfd = -1, .rootfd = -1,
			      .sock = -1, .pid_w = -1 };
	int sv[2], pp[2] = { -1, -1 }, master = -1, e = 0, r;
	pid_t helper, pid = -1;

	r = prepare(host, ctid, &x, err);
	if (r < 0)
		goto out;
	if (pipe2(pp, O_CLOEXEC | O_NONBLOCK) < 0) {
		r = vz_fail(err, VZ_E_RESOURCE, errno, "Unable to make a pipe: %s", strerror(errno));
		goto out;
	}
	x.pid_w = pp[1];
	r = spawn_channel(sv, err);
	if (r < 0)
		goto out;
	x.sock = sv[1];
	helper = spawn_clone(x.cg, 0, x.sock);
	if (helper == 0)
		helper_main(&x);
	e = errno;
	closefd(&x.sock);
	closefd(&x.pid_w);
	if (helper < 0 && e != ECHILD) {
		close(sv[0]);
		r = vz_fail(err, e == EAGAIN ? VZ_E_RESOURCE : VZ_E_SYSTEM, e,
			    "cannot start a process in the cgroup of CT %s: %s", ctid, strerror(e));
		goto out;
	}
	r = spawn_collect(sv[0], o->pty ? &master : NULL, CT_EXEC_START_SECS * 1000L, err);
	close(sv[0]);
	if (r == 0 && helper < 0)
		r = vz_fail(err, VZ_E_SYSTEM, ECHILD, "lost the helper entering CT %s", ctid);
	if (r == 0 && o->pty && master < 0)
		r = vz_fail(err, VZ_E_SYSTEM, EIO, "no pty came back from CT %s", ctid);
	r = finish_start(r, helper, pp[0], &pid, ctid, err);
	if (r < 0) {
		closefd(&master);
		goto out;
	}
	*ret = (struct ct_exec_proc){ .pid = pid, .pty_master = master };
	snprintf(ret->ctid, sizeof(ret->ctid), "%s", ctid);
out:
	closefd(&pp[0]);
	exec_ctx_close(&x);
	return r;
}

/* The command kept stopped past the deadline: killed, with its process group (it
 * leads a session of its own), and reaped. */
static int stopped_too_long(struct ct_exec_proc *p, vz_err *err)
{
	kill(-p->pid, SIGKILL);
	kill_reap(p->pid);
	p->pid = 0;
	return vz_fail(err, VZ_E_TIMEOUT, ETIMEDOUT, "The command in CT %s was stopped "
		       "(SIGSTOP, by a process of the container) and not resumed within %d s; it "
		       "was killed", p->ctid, CT_EXEC_STOPPED_SECS);
}

int ct_exec_check(struct ct_exec_proc *p, int *ret_status, vz_err *err)
{
	for (;;) {
		siginfo_t si = { 0 };

		if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WSTOPPED | WCONTINUED | WNOHANG) < 0) {
			if (errno == EINTR)
				continue;
			return vz_fail(err, VZ_E_SYSTEM, errno, "cannot wait for the command: %s",
				       strerror(errno));
		}
		if (si.si_pid == 0)
			break;
		if (si.si_code == CLD_EXITED || si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED) {
			*ret_status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
			p->pid = 0;
			return 1;
		}
		/* A stop reported again came after a continue the kernel folded into it:
		 * the time stopped counts from the new stop. */
		if (si.si_code == CLD_CONTINUED) {
			p->stopped = false;
		} else {
			p->stopped = true;
			clock_gettime(CLOCK_MONOTONIC, &p->stopped_at);
		}
	}
	if (p->stopped && elapsed_ms(&p->stopped_at) >= CT_EXEC_STOPPED_SECS * 1000L)
		return stopped_too_long(p, err);
	return 0;
}

int ct_exec_wait(struct ct_exec_proc *p, int *ret_status, vz_err *err)
{
	_cleanup_close_ int pidfd = pidfd_open(p->pid, 0);
	int r;

	while ((r = ct_exec_check(p, ret_status, err)) == 0) {
		struct pollfd pf = { pidfd, POLLIN, 0 };

		/* A stop wakes nothing: looked for once a second. */
		poll(&pf, pidfd >= 0 ? 1 : 0, CT_EXEC_TICK_MS);
	}
	return r < 0 ? r : 0;
}
