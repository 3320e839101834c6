/* The helper and the monitor of a CT (core/runtime/start.h).
 *
 *   vzctl (the caller) --fork--> helper --fork--> monitor --spawn_clone--> init (pid 1)
 *
 * The helper exits at once, so that the monitor is nobody's child in the caller (the
 * host's init or subreaper adopts it) and the caller is left with no child to reap,
 * however long it lives.  init is born in the CT's cgroup, so nothing it does is ever
 * charged elsewhere; the monitor stays a host process, out of it.
 *
 * The monitor stays because only init's parent sees how init ended: after a reboot(2)
 * inside the CT the kernel ends it as by SIGHUP, and the monitor then starts the CT
 * again under its lock, as OpenVZ did.  It keeps no fd of the caller's (a copy of the
 * lock's fd would keep the CT locked) and exits as soon as init ends any other way;
 * stop waits for that.  A CT restored by CRIU has no monitor. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <linux/sched.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "core/acct/acct.h"
#include "core/base/base.h"
#include "core/runtime/spawn.h"
#include "core/runtime/start.h"

/* How long start waits for init to reach its /sbin/init: the mounts and files of the
 * root area it sets up first are the CT's, and may be made to block. */
#define INIT_REPORT_MS 60000

/* ------------------------------------------------ the helper and the monitor */

/* The console of a CT whose init rebooted, while its monitor restarts the CT: the
 * restart forks the next monitor from this one, which takes it over from here. */
static struct ct_console *kept_console;

/* The monitor's part of a user namespace: init's id maps, then the idmapped root area
 * sent to init, which waits for it.  A failure kills init and is reported. */
static void userns_prepare(const struct init_args *a, pid_t init, int sync)
{
	_cleanup_close_ int tree = -1;
	const char *what = "write the id maps of";
	int r = ct_userns_map(init, a->c->uid, a->c->gid);

	if (r == 0) {
		what = "make an idmapped mount of the root area for";
		r = ct_userns_idmapped_tree(init, a->c->root, &tree);
	}
	if (r == 0) {
		what = "hand the root area to";
		r = vz_send_fd(sync, "g", 1, tree);
	}
	if (r == 0)
		return;
	kill(init, SIGKILL);
	if (r == -EINVAL && what[0] == 'm')
		spawn_fail(a->rep, VZ_E_MOUNT, -r, "Unable to %s the container (LOCAL_UID): the file "
			   "system of %s cannot map owners (idmapped mounts need Linux 5.12 or "
			   "later and ext4, xfs or btrfs, or tmpfs from Linux 6.3); unset "
			   "LOCAL_UID/LOCAL_GID or move the private area", what, a->c->root);
	spawn_fail(a->rep, VZ_E_SYSTEM, -r, "Unable to %s the container's user namespace: %s",
		   what, strerror(-r));
}

/* Once init runs, the monitor keeps nothing of vzctl's or of the CT's: not the lock's
 * fd (an flock lasts as long as any copy of its fd, so the CT would stay locked), the
 * pipes, the cgroup's directory, vzctl's terminal, session or working directory.  Only
 * the cgroup backend's fd of the cgroup2 mount stays, for a restart goes through the
 * backend again, and the console's fds.  Its name tells it apart in ps and to stop. */
static void monitor_detach(const char *ctid, const struct ct_console *con)
{
	int keep[2 * CT_CONSOLE_TTYS_MAX + 8], null = open("/dev/null", O_RDWR | O_CLOEXEC);
	size_t n = 0;
	char name[16];

	spawn_signals_default(NULL);
	setsid();
	if (chdir("/") < 0)
		_exit(1);
	keep[n++] = bc_cg_root_fd();
	if (con)
		console_keep_fds(con, keep, &n);
	for (int fd = 0; fd < 3; fd++) {
		bool kept = false;

		for (size_t i = 0; i < n; i++)
			kept |= keep[i] == fd;
		if (null >= 0 && !kept)
			dup2(null, fd);
	}
	close_all_but(keep, n);
	snprintf(name, sizeof(name), "vzmon %s", ctid);
	prctl(PR_SET_NAME, name);
}

/* After a reboot inside the CT: starts it again, as `vzctl start` would, under its
 * lock.  Not when somebody else holds the lock (a stop in progress) or when the run
 * state no longer names the init that rebooted (the CT was stopped or started since:
 * that command's word stands). */
static bool monitor_restart(const char *ctid, pid_t dead)
{
	const struct ct_run_opts o = { .timeout = -1 };
	struct ct_lock lock = { NULL, -1 };
	struct vz_host host;
	pid_t named = -1;
	vz_err err;

	openlog("vzctl", LOG_PID, LOG_DAEMON);
	bool started = false;

	if (vz_host_load(&host, NULL, &err) < 0) {
		syslog(LOG_ERR, "Container %s rebooted and was not started again: %s", ctid, err.msg);
		return false;
	}
	if (ct_lock_take(host.lockdir, ctid, "starting", &lock, &err) < 0)
		syslog(LOG_WARNING, "Container %s rebooted and was not started again: %s", ctid,
		       err.msg);
	else if (ct_run_named(&host, ctid, &named) < 0 || named != dead)
		syslog(LOG_NOTICE, "Container %s rebooted and was not started again: it was "
		       "stopped or started meanwhile", ctid);
	else if (ct_rt_start(&host, ctid, &o, &err) < 0)
		syslog(LOG_ERR, "Container %s rebooted and failed to start again: %s", ctid, err.msg);
	else
		started = true;
	if (started)
		syslog(LOG_INFO, "Container %s rebooted and was started again", ctid);
	else
		console_free(kept_console); /* its socket goes while the lock is held */
	kept_console = NULL;
	ct_lock_release(&lock);
	vz_host_free(&host);
	return started;
}

/* What the monitor needs to sample the CT's load average: where the run state is and
 * the CT's cgroup below the cgroup2 mount, as vz.conf says (the same file vzctl and a
 * restart read).  Read before the monitor lets go of its working directory; false when
 * there is no sampling (the load average then shows as not available). */
static bool monitor_sampler(const char *ctid, pid_t init, struct ct_la_sampler *ret)
{
	_cleanup_free_ char *cg = NULL;
	struct vz_host host;
	bool ok;

	if (vz_host_load(&host, NULL, NULL) < 0)
		return false;
	cg = vz_host_ct_cgroup(&host, ctid);
	ok = cg && ct_la_sampler_init(ret, host.rundir, ctid, cg + 1, init) == 0;
	vz_host_free(&host);
	return ok;
}

static void add_ms(struct timespec *t, long ms)
{
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

static long min_timeout(long a, long b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

/* Waits for init's end and returns its wait status, serving the console and sampling
 * the CT's load every CT_LA_PERIOD s meanwhile (la NULL: no sampling).  init's end is
 * its pidfd turning readable, seen at once, even during a tick; without a pidfd (a
 * kernel before 5.3) it is looked for every 200 ms.  A tick that comes late (a busy
 * host) counts the periods it missed. */
static int monitor_wait_init(pid_t pid, struct ct_la_sampler *la, struct ct_console *con)
{
	const long period = CT_LA_PERIOD * 1000L;
	struct pollfd pf[2 * CT_CONSOLE_TTYS_MAX + 6];
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct timespec due;
	int st = 0;

	clock_gettime(CLOCK_MONOTONIC, &due);
	add_ms(&due, period);
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		long timeout = pidfd >= 0 ? -1 : 200, late;
		size_t n = 0, k = 0;

		if (r == pid || (r < 0 && errno != EINTR))
			break;
		if (la) {
			late = elapsed_ms(&due);
			if (late >= 0) {
				ct_la_sampler_tick(la, bc_cg_root_fd(), (unsigned)(1 + late / period));
				add_ms(&due, (1 + late / period) * period);
				continue;
			}
			timeout = min_timeout(timeout, -late);
		}
		if (pidfd >= 0)
			pf[n++] = (struct pollfd){ pidfd, POLLIN, 0 };
		if (con) {
			k = console_poll_fill(con, pf + n);
			timeout = min_timeout(timeout, console_timeout_ms(con));
		}
		if (poll(pf, n + k, timeout > INT_MAX ? INT_MAX : (int)timeout) > 0 && con)
			console_poll_handle(con, pf + n, k);
	}
	if (pidfd >= 0)
		close(pidfd);
	return st;
}

/* The console of this boot, and those of the boots before it when this monitor is the
 * fork of one that restarted the CT. */
static struct ct_console *monitor_console(const struct init_args *a, int sock)
{
	struct ct_console *con = kept_console ? kept_console
					      : console_new(a->ctid, a->c->console_dir);

	kept_console = NULL;
	if (con)
		console_receive(con, sock, a->c->ttys);
	return con;
}

/* The monitor: creates init in the cgroup, hands its pid over, lets go of everything
 * else and waits for init's end, which only init's parent can see, holding the CT's
 * console and sampling its load average meanwhile.  The sample goes with the init it
 * was about, before a restart starts another; the console goes on to the next
 * monitor, the fork of this one that the restart makes. */
__attribute__((noreturn))
static void monitor_main(const struct init_args *a, bc_cgroup *cg, int pid_out, int sync)
{
	const uint64_t ns = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
			    (a->sync >= 0 ? CLONE_NEWUSER : 0);
	struct init_args ia = *a;
	struct ct_la_sampler la;
	struct ct_console *con;
	int cs[2];
	bool sampling;
	pid_t pid;
	int st;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, cs) < 0)
		spawn_fail(a->rep, VZ_E_RESOURCE, errno, "Unable to make a socket pair: %s",
			   strerror(errno));
	ia.console = cs[1];
	ia.console_peer = cs[0];
	pid = spawn_clone(cg, ns, a->rep);
	if (pid < 0 && errno == ECHILD)
		_exit(SPAWN_FAILED); /* reported */
	if (pid < 0)
		spawn_fail(a->rep, VZ_E_RESOURCE, errno, "Unable to create the container's "
			   "namespaces: %s", strerror(errno));
	if (pid == 0)
		ct_init_main(&ia);
	close(cs[1]);
	if (a->sync >= 0)
		userns_prepare(a, pid, sync);
	if (write(pid_out, &pid, sizeof(pid)) != sizeof(pid))
		_exit(1);
	con = monitor_console(a, cs[0]);
	close(cs[0]);
	sampling = monitor_sampler(a->ctid, pid, &la);
	monitor_detach(a->ctid, con);
	st = monitor_wait_init(pid, sampling ? &la : NULL, con);
	if (sampling)
		ct_la_sampler_end(&la);
	if (con)
		console_drain(con);
	/* reboot(2) in the CT's pid namespace: the kernel kills the namespace and init ends
	 * as by SIGHUP for a restart, SIGINT for a power-off or halt; a stop ends it with
	 * SIGKILL (cgroup.kill) or a power-off. */
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGHUP) {
		if (con)
			console_end_boot(con);
		kept_console = con;
		monitor_restart(a->ctid, pid);
		_exit(0);
	}
	console_free(con);
	_exit(0);
}

/* The helper, vzctl's only child, is gone at once: the monitor it forks is then
 * nobody's child in vzctl (the host's init or subreaper adopts it), and vzctl has no
 * child to reap however long it lives. */
__attribute__((noreturn))
static void helper_main(const struct init_args *a, bc_cgroup *cg, int pid_out, int sync)
{
	pid_t monitor = fork();

	if (monitor < 0)
		spawn_fail(a->rep, VZ_E_RESOURCE, errno, "Unable to fork: %s", strerror(errno));
	if (monitor == 0)
		monitor_main(a, cg, pid_out, sync);
	_exit(0);
}

/* The pid the monitor writes, if it comes within ms: the monitor does no more than
 * create init, but nothing vzctl waits on goes without a deadline. */
static bool read_pid_by(int fd, long ms, pid_t *ret)
{
	struct pollfd pf = { fd, POLLIN, 0 };
	int r;

	do
		r = poll(&pf, 1, (int)ms);
	while (r < 0 && errno == EINTR);
	return r > 0 && read(fd, ret, sizeof(*ret)) == sizeof(*ret);
}

/* Forks the helper and returns init's host pid once init runs its /sbin/init. */
int start_spawn_init(const char *ctid, const struct start_conf *c, bc_cgroup *cg, pid_t *ret,
		     vz_err *err)
{
	int rep[2] = { -1, -1 }, pid_pipe[2] = { -1, -1 }, sync[2] = { -1, -1 };
	pid_t helper, init = -1;
	int r = spawn_channel(rep, err);

	if (r < 0)
		return r;
	if (pipe2(pid_pipe, O_CLOEXEC) < 0 ||
	    (c->uid && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0)) {
		r = vz_fail(err, VZ_E_RESOURCE, errno, "pipe: %s", strerror(errno));
		goto out;
	}
	helper = fork();
	if (helper < 0) {
		r = vz_fail(err, VZ_E_RESOURCE, errno, "Unable to fork: %s", strerror(errno));
		goto out;
	}
	if (helper == 0) {
		struct init_args a = { c, rep[1], sync[1], sync[0], ctid, -1, -1 };

		close(rep[0]);
		close(pid_pipe[0]);
		helper_main(&a, cg, pid_pipe[1], sync[0]);
	}
	close(rep[1]);
	close(pid_pipe[1]);
	rep[1] = pid_pipe[1] = -1;
	for (int i = 0; i < 2; i++)
		if (sync[i] >= 0) {
			close(sync[i]);
			sync[i] = -1;
		}
	if (!read_pid_by(pid_pipe[0], INIT_REPORT_MS, &init))
		init = -1;
	wait_pid(helper);
	r = spawn_collect(rep[0], NULL, INIT_REPORT_MS, err);
	if (r == -ETIMEDOUT && err->exit_code == VZ_E_TIMEOUT)
		r = vz_fail(err, VZ_E_SYSTEM, ETIMEDOUT, "The container's init did not start its "
			    "/sbin/init within %d s (a file of the container it reads may block: a "
			    "FIFO as /etc/hostname?); the container is stopped", INIT_REPORT_MS / 1000);
	if (r < 0)
		goto out;
	if (init <= 0) {
		r = vz_fail(err, VZ_E_SYSTEM, ECHILD, "The container's init was not created");
		goto out;
	}
	*ret = init;
out:
	for (int i = 0; i < 2; i++) {
		if (rep[i] >= 0)
			close(rep[i]);
		if (pid_pipe[i] >= 0)
			close(pid_pipe[i]);
		if (sync[i] >= 0)
			close(sync[i]);
	}
	return r;
}
