/* Starting and stopping a CT (core/runtime/runtime.h).  A start reads everything it
 * needs from the config before it touches anything, mounts the root area when needed,
 * makes the CT's cgroup with its device program and its limits (one plan, all or
 * nothing), takes the CT's view of the export, and has the monitor (monitor.c) create
 * init (init.c) through the spawn engine; a failure takes back what it made and says
 * what it could not.  The run state (core/state) names the init once it runs.
 *
 * With LOCAL_UID/LOCAL_GID the init is also born in a user namespace of its own: the
 * monitor writes its id maps and hands it, over a socket, an idmapped copy of the root
 * area (core/runtime/userns.c) to mount instead of the plain bind; device nodes are
 * then bound from the host's /dev, since nobody in a user namespace may create them. */
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
#include <sys/pidfd.h>
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

#define NUMPTY_DEFAULT 255UL
#define MONITOR_WAIT_MS 2000 /* for a monitor to exit once its init has ended */

/* A CT that is down may have left its cgroup (init killed from the host while a
 * process was entering, or a start killed before it wrote the pid file) and its run
 * state: both go.  1 when there was a cgroup, 0 when not. */
static int clean_leftovers(const struct vz_host *host, const char *ctid, vz_err *err)
{
	_cleanup_cgroup_ bc_cgroup *cg = NULL;
	int r;

	ct_run_forget(host, ctid);
	if (bc_cg_open(host, ctid, &cg, NULL) < 0)
		return 0;
	r = bc_cg_kill_destroy(cg, err);
	return r < 0 ? r : 1;
}

/* ------------------------------------------------------------- the config */

static void start_conf_free(struct start_conf *c)
{
	bc_plan_free(&c->plan);
	free(c->root);
	free(c->hostname);
	free(c->console_dir);
	if (c->view >= 0)
		close(c->view);
}

static long conf_timeout(const vz_conf *global, const vz_conf *ct)
{
	const char *v = ct ? vz_conf_get(ct, "STOP_TIMEOUT") : NULL;
	char *end;
	long t;

	if (!v && global)
		v = vz_conf_get(global, "STOP_TIMEOUT");
	if (!v || !*v)
		return STOP_TIMEOUT_DEFAULT;
	errno = 0;
	t = strtol(v, &end, 10);
	return errno || *end || t < 0 ? STOP_TIMEOUT_DEFAULT : t;
}

/* CONSOLE_TTYS of the CT's config, else of vz.conf: how many /dev/ttyN the CT gets
 * besides its console. */
static int conf_ttys(const vz_conf *global, const vz_conf *ct, unsigned *ret, vz_err *err)
{
	const char *v = ct ? vz_conf_get(ct, "CONSOLE_TTYS") : NULL;
	char *end;
	long n;

	if (!v && global)
		v = vz_conf_get(global, "CONSOLE_TTYS");
	if (!v || !*v) {
		*ret = CT_CONSOLE_TTYS_DEFAULT;
		return 0;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < 0 || n > CT_CONSOLE_TTYS_MAX)
		return vz_fail(err, VZ_E_VALUE, EINVAL, "CONSOLE_TTYS=%s is not a number of ttys "
			       "from 0 to %d; fix it in the container's config or vz.conf", v,
			       CT_CONSOLE_TTYS_MAX);
	*ret = (unsigned)n;
	return 0;
}

static int load_ct_conf(const struct vz_host *host, const char *ctid, vz_conf **ret, vz_err *err)
{
	_cleanup_free_ char *path = NULL;
	int r = vz_host_ct_conf(host, ctid, ret, err);

	if (r != -ENOENT)
		return r;
	path = vz_host_ct_conf_path(host, ctid);
	return vz_fail(err, VZ_E_NO_PRIVATE, ENOENT, "Container %s does not exist (no %s); "
		       "create it first with vzctl create %s --ostemplate NAME", ctid,
		       path ? path : "config", ctid);
}

/* The disk of the CT's private area for io.max; NULL when it has none. */
static const char *io_device(const struct vz_host *host, const vz_conf *cf, const char *ctid,
			     char *buf, size_t size)
{
	struct ct_paths p;
	int r;

	if (ct_paths_get(host, cf, ctid, &p, NULL) < 0)
		return NULL;
	r = bc_io_device(p.private, buf, size);
	ct_paths_free(&p);
	return r < 0 ? NULL : buf;
}

/* Everything start needs from the config, read before anything is touched, so that a
 * bad value changes nothing. */
static int start_conf_get(const struct vz_host *host, const char *ctid, const vz_conf *cf,
			  struct start_conf *ret, vz_err *err)
{
	struct start_conf c = { .numpty = NUMPTY_DEFAULT, .view = -1, .plan = { 0 } };
	struct ct_res res = { 0 };
	char dev[32];
	int r;

	r = vz_host_ct_res(host, cf, &res, err);
	if (r < 0)
		return r;
	if (res.ub[UB_NUMPTY].set && res.ub[UB_NUMPTY].lim < VZ_UNLIMITED)
		c.numpty = res.ub[UB_NUMPTY].lim;
	c.disabled = res.has_disabled && res.disabled;
	ct_res_userns_ids(&res, &c.uid, &c.gid);
	r = bc_plan_make(&res, io_device(host, cf, ctid, dev, sizeof(dev)), &c.plan, err);
	if (res.ub[UB_SHMPAGES].set && res.ub[UB_SHMPAGES].lim < VZ_UNLIMITED)
		c.shm_pages = res.ub[UB_SHMPAGES].lim;
	if (r == 0 && res.hostname && !(c.hostname = strdup(res.hostname)))
		r = vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	ct_res_free(&res);
	c.stop_timeout = conf_timeout(host->conf, cf);
	if (r == 0)
		r = ct_cap_bound(host->conf, cf, c.uid != 0, &c.caps, err);
	if (r == 0)
		r = conf_ttys(host->conf, cf, &c.ttys, err);
	if (r == 0 && !(c.console_dir = ct_console_path(host, NULL, NULL)))
		r = vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	if (r < 0) {
		start_conf_free(&c);
		return r;
	}
	*ret = c;
	return 0;
}

/* The root area as mounted, resolved once: the init binds exactly this directory. */
static int root_area(const struct vz_host *host, const char *ctid, const vz_conf *cf, char **ret,
		     vz_err *err)
{
	struct ct_paths p;
	int r = ct_paths_get(host, cf, ctid, &p, err);

	if (r < 0)
		return r;
	*ret = realpath(p.root, NULL);
	if (!*ret)
		r = vz_fail(err, VZ_E_MOUNT, errno, "Unable to resolve the root area %s: %s", p.root,
			    strerror(errno));
	ct_paths_free(&p);
	return r;
}

/* -------------------------------------------------------------- --wait */

/* Whether a child of init is past the start script.  busybox init and sysvinit run the
 * sysinit scripts (rcS, rc, rc.sysinit; openrc under sysvinit) to their end before
 * anything else, so the first other child means the start script has run.  systemd
 * forks its units from the first moment: there the first child is the answer. */
static int init_started(pid_t init)
{
	_cleanup_free_ char *children = NULL;
	_cleanup_close_ int fd = -1;
	char path[64];
	bool seen = false;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)init, (int)init);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || vz_read_fd(fd, &children, NULL) < 0)
		return -ESRCH;
	for (char *p = children, *tok; (tok = strtok_r(p, " \n", &p));) {
		_cleanup_free_ char *comm = NULL;
		_cleanup_close_ int cfd = -1;

		snprintf(path, sizeof(path), "/proc/%s/comm", tok);
		cfd = open(path, O_RDONLY | O_CLOEXEC);
		if (cfd < 0 || vz_read_fd(cfd, &comm, NULL) < 0)
			continue;
		comm[strcspn(comm, "\n")] = '\0';
		/* "init": forked by init, not yet executing its command. */
		if (!strcmp(comm, "rcS") || !strcmp(comm, "rc") || !strcmp(comm, "rc.sysinit") ||
		    !strcmp(comm, "openrc") ||
		    !strcmp(comm, "init"))
			return 0;
		seen = true;
	}
	return seen;
}

/* What init printed is in the console's log, which its monitor fills until it exits. */
static int init_exited(const struct vz_host *host, const char *ctid, vz_err *err)
{
	_cleanup_free_ char *log = ct_console_path(host, ctid, ".log");

	return vz_fail(err, VZ_E_WAIT_FAILED, ESRCH, "The container's init exited while "
		       "starting; what it printed is in %s", log ? log : "its console log");
}

static int wait_started(const struct vz_host *host, const char *ctid, pid_t init, long secs,
			vz_err *err)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int r = init_started(init);
		uint64_t start_ticks;

		if (r > 0)
			return 0;
		if (r < 0 || !ct_pid_is_init(host, ctid, init, &start_ticks))
			return init_exited(host, ctid, err);
		if (elapsed_ms(&start) >= secs * 1000)
			return vz_fail(err, VZ_E_WAIT_FAILED, ETIMEDOUT,
				       "The container did not finish its start script in %ld s; "
				       "it keeps starting (see vzctl status)", secs);
		sleep_ms(50);
	}
}

/* ---------------------------------------------------------------- start */

static void note(const struct ct_run_opts *o, const char *msg)
{
	if (o && o->note)
		vz_warnf(o->note, "%s", msg);
}

/* The CT's counters view when bcfs serves it; a CT starts without one otherwise (bcfs
 * binds it in when it starts).  Its target is made here in the root area, while
 * nothing of the CT runs, so that a CT whose tree cannot have it (a file on the path,
 * a read-only root) starts without a view rather than not at all; init then finds it. */
static void take_view(const struct vz_host *host, const char *ctid, struct start_conf *c,
		      const struct ct_run_opts *o)
{
	_cleanup_close_ int root = -1, target = -1;
	const vz_warn *w = o ? o->note : NULL;
	int r;

	c->view_dir = ct_view_dir(host);
	r = ct_view_open(c->view_dir, ctid, &c->view);
	if (r == -ENOTCONN && w)
		vz_warnf(w, "bcfs on %s does not answer (its daemon died): the container gets its "
			 "counters view when bcfs starts again", c->view_dir);
	if (r < 0)
		return;
	root = open(c->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	r = root < 0 ? -errno : ct_view_target(root, c->view_dir, &target);
	if (r == 0)
		return;
	if (w)
		vz_warnf(w, "The container gets no counters view: %s cannot be a directory in it "
			 "(%s)", c->view_dir, strerror(-r));
	close(c->view);
	c->view = -1;
}

/* Takes back what a failed start made, adding to err what could not be taken back:
 * the user must know what was left behind. */
static void fail_cleanup(const struct vz_host *host, const char *ctid, bc_cgroup *cg,
			 bool mounted_here, vz_err *err)
{
	vz_err e;

	if (cg && bc_cg_kill_destroy(cg, &e) < 0)
		vz_err_append(err, "; and its cgroup could not be removed: %s", e.msg);
	ct_run_forget(host, ctid);
	if (mounted_here && ct_umount(host, ctid, &e) < 0)
		vz_err_append(err, "; and its root area stays mounted: %s", e.msg);
}

int ct_rt_start(const struct vz_host *host, const char *ctid, const struct ct_run_opts *o,
		vz_err *err)
{
	_cleanup_conf_ vz_conf *own = NULL;
	const vz_conf *cf = o ? o->conf : NULL;
	_cleanup_cgroup_ bc_cgroup *cg = NULL;
	struct start_conf c = { 0 };
	bool mounted_here = false;
	pid_t init = -1, running;
	int r;

	if (ct_init_pid(host, ctid, &running, NULL) == 0)
		return vz_fail(err, VZ_E_RUNNING, EBUSY, "Container is already running");
	if (!cf) {
		r = load_ct_conf(host, ctid, &own, err);
		if (r < 0)
			return r;
		cf = own;
	}
	r = start_conf_get(host, ctid, cf, &c, err);
	if (r < 0)
		return r;
	if (c.disabled && !(o && o->force)) {
		start_conf_free(&c);
		return vz_fail(err, VZ_E_START_DISABLED, EPERM,
			       "Container start disabled (DISABLED=yes in its config); set "
			       "--disabled no, or start it once with --force");
	}
	/* The CT gets its cgroup writable: safe only where the kernel keeps the CT's own
	 * limits out of its reach. */
	r = bc_cg_check_nsdelegate(err);
	if (r < 0) {
		start_conf_free(&c);
		return r;
	}
	r = clean_leftovers(host, ctid, err);
	if (r < 0)
		goto fail;
	r = 0;
	if (!ct_is_mounted(host, ctid)) {
		r = ct_mount(host, ctid, err);
		if (r < 0)
			goto fail;
		mounted_here = true;
		note(o, "Container is mounted");
	}
	r = root_area(host, ctid, cf, &c.root, err);
	if (r < 0)
		goto fail;
	take_view(host, ctid, &c, o);
	r = bc_cg_create(host, ctid, &cg, err);
	if (r < 0)
		goto fail;
	r = ct_dev_limit(cg, err);
	if (r < 0)
		goto fail;
	r = bc_plan_apply(cg, &c.plan, err);
	if (r < 0)
		goto fail;
	/* The cgroups the CT makes below its own stay few levels deep, so that counting
	 * and removing them sees them all. */
	r = bc_cg_bound_depth(cg, err);
	if (r < 0)
		goto fail;
	/* A CT in a user namespace gets its cgroup as systemd's Delegate= gives one. */
	if (c.uid) {
		r = bc_cg_delegate(cg, (uid_t)c.uid, (gid_t)c.gid, err);
		if (r < 0)
			goto fail;
	}
	r = start_spawn_init(ctid, &c, cg, &init, err);
	if (r < 0)
		goto fail;
	r = ct_run_record(host, ctid, init, err);
	if (r < 0)
		goto fail;
	if (o && o->wait) {
		r = wait_started(host, ctid, init, o->timeout >= 0 ? o->timeout : c.stop_timeout, err);
		if (r < 0)
			goto fail;
	}
	r = ct_run_inside_action(host, ctid, "start", o ? o->note : NULL, err);
	if (r < 0)
		goto fail;
	start_conf_free(&c);
	return 0;
fail:
	/* Nothing this start made survives it: the CT's processes, its cgroup, the run
	 * state, and the mount when it was made here. */
	fail_cleanup(host, ctid, cg, mounted_here, err);
	start_conf_free(&c);
	return r;
}

/* ----------------------------------------------------------------- stop */

/* A CT that is not running.  When its pid file or its cgroup is still there, it was
 * started and its init died, or the start was killed part way: what that start made
 * (processes, cgroup, run state, the root area's mount) goes.  A CT mounted with vzctl
 * mount and never started stays mounted. */
static int stop_dead(const struct vz_host *host, const char *ctid, const struct ct_run_opts *o,
		     vz_err *err)
{
	bool had_run = ct_run_recorded(host, ctid);
	int r = clean_leftovers(host, ctid, err);

	if (r < 0)
		return r;
	if ((had_run || r == 1) && ct_is_mounted(host, ctid)) {
		r = ct_umount(host, ctid, err);
		if (r < 0)
			return r;
		note(o, "Container is unmounted");
	}
	return vz_fail(err, VZ_E_NOT_RUNNING, ESRCH, "Container is not running");
}

/* The CT's monitor (its init's parent, named by monitor_detach) as a pidfd, so that
 * waiting for it cannot take a reused pid for it; -1 when the init has none (a CT
 * restored by CRIU). */
static int monitor_open(const char *ctid, pid_t init)
{
	_cleanup_free_ char *stat = NULL, *comm = NULL;
	_cleanup_close_ int sfd = -1, cfd = -1;
	char path[64], name[16];
	const char *rp;
	int ppid, fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)init);
	sfd = open(path, O_RDONLY | O_CLOEXEC);
	if (sfd < 0 || vz_read_fd(sfd, &stat, NULL) < 0)
		return -1;
	rp = strrchr(stat, ')');
	if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1 || ppid <= 1)
		return -1;
	fd = (int)syscall(SYS_pidfd_open, ppid, 0);
	if (fd < 0)
		return -1;
	/* Its name is read once the pidfd holds it: that process cannot change since. */
	snprintf(path, sizeof(path), "/proc/%d/comm", ppid);
	snprintf(name, sizeof(name), "vzmon %s", ctid);
	cfd = open(path, O_RDONLY | O_CLOEXEC);
	if (cfd >= 0 && vz_read_fd(cfd, &comm, NULL) == 0) {
		comm[strcspn(comm, "\n")] = '\0';
		if (strcmp(comm, name) == 0)
			return fd;
	}
	close(fd);
	return -1;
}

/* The init as a pidfd, opened after its pid was read and checked again after: a pid
 * reused in between names another process, which a signal by pid would reach.  -1 when
 * the init is gone (the stop kills its cgroup either way). */
static int init_pidfd(const struct vz_host *host, const char *ctid, pid_t init)
{
	int fd = pidfd_open(init, 0);
	pid_t again;

	if (fd < 0)
		return -1;
	if (ct_init_pid(host, ctid, &again, NULL) < 0 || again != init) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A monitor exits as soon as its init ends; waiting that moment out means a stop leaves
 * no process of the CT behind, its monitor included. */
static void monitor_wait(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	if (fd >= 0)
		while (poll(&p, 1, MONITOR_WAIT_MS) < 0 && errno == EINTR)
			;
}

int ct_rt_stop(const struct vz_host *host, const char *ctid, const struct ct_run_opts *o,
	       vz_err *err)
{
	_cleanup_conf_ vz_conf *own = NULL;
	const vz_conf *cf = o ? o->conf : NULL;
	_cleanup_cgroup_ bc_cgroup *cg = NULL;
	_cleanup_close_ int monitor = -1, init_fd = -1;
	pid_t init;
	long timeout;
	int r;

	if (ct_init_pid(host, ctid, &init, NULL) < 0)
		return stop_dead(host, ctid, o, err);
	monitor = monitor_open(ctid, init);
	if (!cf) {
		r = load_ct_conf(host, ctid, &own, err);
		if (r < 0 && r != -ENOENT)
			return r;
		cf = own;
	}
	timeout = o && o->timeout >= 0 ? o->timeout : conf_timeout(host->conf, cf);
	r = bc_cg_open(host, ctid, &cg, err);
	if (r < 0)
		return r;
	/* A failing stop script leaves the CT running, as a failing mount script leaves it
	 * unmounted: the user fixes the script or stops with --fast. */
	if (!(o && o->fast)) {
		r = ct_run_inside_action(host, ctid, "stop", o ? o->note : NULL, err);
		if (r < 0)
			return r;
	}
	/* The init as it is after the stop script, which may have run long. */
	if (!(o && o->fast) && ct_init_pid(host, ctid, &init, NULL) == 0) {
		init_fd = init_pidfd(host, ctid, init);
		ct_shutdown(host, ctid, init, init_fd, cg, timeout * 1000, o ? o->note : NULL);
	}
	r = bc_cg_kill_destroy(cg, err);
	if (r < 0)
		return r;
	monitor_wait(monitor);
	ct_run_forget(host, ctid);
	note(o, "Container was stopped");
	if (ct_is_mounted(host, ctid)) {
		r = ct_umount(host, ctid, err);
		if (r < 0)
			return r;
		note(o, "Container is unmounted");
	}
	return 0;
}
