/* Starting and stopping a CT (core/bc.h "CT runtime"): the
 * run state (<RUNDIR>/<ctid>.pid), and the init process in its namespaces.
 *
 * Processes of a start:
 *   vzctl (the caller) --fork--> helper --fork--> monitor --clone3--> init (pid 1)
 * The helper exits at once, so that the monitor is nobody's child in the caller (the
 * host's init or subreaper adopts it) and the caller is left with no child to reap,
 * however long it lives.  init is born in the CT's cgroup (CLONE_INTO_CGROUP), so
 * nothing it does is ever charged elsewhere; the monitor stays a host process, out of
 * it.  Each failure is reported over a close-on-exec pipe; end of file on that pipe
 * with no message means /sbin/init was executed.
 *
 * The monitor stays because only init's parent sees how init ended: after a reboot(2)
 * inside the CT the kernel ends it as by SIGHUP, and the monitor then starts the CT
 * again under its lock, as OpenVZ did.  It keeps no fd of the caller's (a copy of the
 * lock's fd would keep the CT locked) and exits as soon as init ends any other way;
 * stop waits for that.  A CT restored by CRIU has no monitor.
 *
 * The CT's root is the root area, which vzctl mount made a private bind of the private
 * area.  Inside its own mount namespace init binds it onto itself, mounts proc, sys,
 * /dev and /run into it by paths relative to it (each target is created or checked to
 * be a real directory: a symlink the CT planted is refused, so no mount lands on the
 * host's files), then pivots into it.  The mounts come before the pivot because in a
 * user namespace the kernel mounts proc and sysfs only while the host's are visible.
 *
 * With LOCAL_UID/LOCAL_GID the init is also born in a user namespace of its own: the
 * monitor writes its id maps and hands it, over a socket, an idmapped copy of the root
 * area (core/userns.c) to mount instead of the plain bind; device nodes are then bound
 * from the host's /dev, since nobody in a user namespace may create them. */
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
#include <sys/capability.h>
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

#include "core/base/base.h"
#include "core/acct/acct.h"
#include "core/limits/limits.h"
#include "core/runtime/runtime.h"
#include "core/runtime/spawn.h"

#define STOP_TIMEOUT_DEFAULT 120L
#define NUMPTY_DEFAULT 255UL
#define MONITOR_WAIT_MS 2000 /* for a monitor to exit once its init has ended */

/* A CT that is down may have left its cgroup (init killed from the host while a
 * process was entering) and its run state: both go. */
static int clean_leftovers(const struct vz_host *host, const char *ctid, vz_err *err)
{
	_cleanup_cgroup_ bc_cgroup *cg = NULL;

	ct_run_forget(host, ctid);
	if (bc_cg_open(host, ctid, &cg, NULL) < 0)
		return 0;
	return bc_cg_kill_destroy(cg, err);
}

/* ------------------------------------------------------------- the config */

struct start_conf {
	char *root;       /* the root area, resolved */
	char *hostname;   /* HOSTNAME or NULL */
	unsigned long numpty;
	uint64_t caps;
	long stop_timeout;
	bool disabled;    /* DISABLED=yes */
	unsigned long uid, gid; /* host ids of the CT's root; 0: no user namespace */
	unsigned long shm_pages; /* SHMPAGES limit for the CT's IPC namespace; 0: as is */
	struct bc_plan plan;     /* the cgroup's settings */
	int view;                /* the CT's counters view (ct_view_open), -1: none */
	const char *view_dir;    /* where it goes, inside the CT: BCFS_DIR */
};

static void start_conf_free(struct start_conf *c)
{
	bc_plan_free(&c->plan);
	free(c->root);
	free(c->hostname);
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

/* ----------------------------------------------------- inside: the mounts */

/* A directory to mount on, inside the CT: created when missing, refused when it is
 * anything but a directory (a symlink included). */
static int ensure_dir(const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static void mount_at(int rep, const char *src, const char *target, const char *type,
		     unsigned long flags, const char *data)
{
	int r = ensure_dir(target, 0755);

	if (r < 0)
		spawn_fail(rep, VZ_E_MOUNT, -r, "Unable to mount %s in the container: /%s is not a "
			   "directory the CT can mount on (%s)", type, target, strerror(-r));
	if (mount(src, target, type, flags, data) < 0)
		spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to mount %s on /%s in the container: %s",
			   type, target, strerror(errno));
}

/* A mount namespace of our own where nothing propagates back to the host, with the
 * root area (or tree, its idmapped copy) mounted on itself, since pivot_root needs a
 * mount point; the working directory is its top. */
static void enter_root_area(int rep, const char *root, int tree)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to make the mounts private: %s",
			   strerror(errno));
	if (tree >= 0 ? move_mount(tree, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH) < 0
		      : mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
		spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to bind %s: %s", root, strerror(errno));
	if (chdir(root) < 0)
		spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to enter %s: %s", root, strerror(errno));
}

/* pivot_root(".", ".") stacks the old root on the new one; detaching it then leaves
 * only the CT's tree, with no directory needed for the old root. */
static void pivot_into_cwd(int rep)
{
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to pivot into the root area: %s",
			   strerror(errno));
	if (umount2(".", MNT_DETACH) < 0)
		spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to detach the host's root: %s",
			   strerror(errno));
	if (chdir("/") < 0)
		spawn_fail(rep, VZ_E_MOUNT, errno, "chdir /: %s", strerror(errno));
}

struct dev_node {
	const char *name;
	unsigned maj, min;
};

/* The devices a CT has (what OpenVZ gave a CT by default); nothing else. */
static const struct dev_node dev_nodes[] = {
	{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

/* A device node at path (relative to the root area): made with mknod, or, in a user
 * namespace where mknod of devices is refused, bound from the host's node. */
static void make_node(int rep, const struct dev_node *d, const char *path, bool userns)
{
	char host[32];
	int fd;

	if (!userns) {
		if (mknod(path, S_IFCHR | 0666, makedev(d->maj, d->min)) < 0)
			spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to create /%s: %s", path,
				   strerror(errno));
		chmod(path, 0666); /* the umask took some bits */
		return;
	}
	snprintf(host, sizeof(host), "/dev/%s", d->name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 || close(fd) < 0 || mount(host, path, NULL, MS_BIND, NULL) < 0)
		spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to bind %s onto /%s: %s", host, path,
			   strerror(errno));
}

static void make_dev(int rep, unsigned long numpty, bool userns)
{
	char opts[128];

	mount_at(rep, "tmpfs", "dev", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_STRICTATIME,
		 "mode=755,size=64k,nr_inodes=512");
	for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		char path[32];

		snprintf(path, sizeof(path), "dev/%s", dev_nodes[i].name);
		make_node(rep, &dev_nodes[i], path, userns);
	}
	/* No console of the host: the CT's console writes go nowhere.  Bound from the
	 * CT's own null, so that the mount's source lies inside the CT (CRIU needs that). */
	if (mknod("dev/console", S_IFREG | 0600, 0) < 0 ||
	    mount("dev/null", "dev/console", NULL, MS_BIND, NULL) < 0)
		spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to make /dev/console: %s", strerror(errno));
	snprintf(opts, sizeof(opts), "newinstance,ptmxmode=0666,mode=620,max=%lu", numpty);
	mount_at(rep, "devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, opts);
	if (symlink("pts/ptmx", "dev/ptmx") < 0)
		spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to link /dev/ptmx: %s", strerror(errno));
	mount_at(rep, "shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	if (symlink("/proc/self/fd", "dev/fd") < 0 || symlink("/proc/self/fd/0", "dev/stdin") < 0 ||
	    symlink("/proc/self/fd/1", "dev/stdout") < 0 ||
	    symlink("/proc/self/fd/2", "dev/stderr") < 0)
		spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to link /dev/fd: %s", strerror(errno));
}

static void bind_ro(int rep, const char *path)
{
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV |
		  MS_NOEXEC, NULL) < 0)
		spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to make %s read-only: %s", path,
			   strerror(errno));
}

/* Most of /proc/sys and /proc/sysrq-trigger act on the whole host (core_pattern alone
 * would run a CT's program as host root): read-only.  /proc/sys/net belongs to the
 * CT's own network namespace and stays writable. */
static void protect_proc(int rep)
{
	_cleanup_close_ int net = open("proc/sys/net", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char net_path[64];

	if (net >= 0) {
		/* Keep a copy of /proc/sys/net before /proc/sys goes read-only. */
		snprintf(net_path, sizeof(net_path), "/proc/self/fd/%d", net);
		bind_ro(rep, "proc/sys");
		if (mount(net_path, "proc/sys/net", NULL, MS_BIND, NULL) < 0)
			spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to bind /proc/sys/net: %s",
				   strerror(errno));
	} else {
		bind_ro(rep, "proc/sys");
	}
	bind_ro(rep, "proc/sysrq-trigger");
}

/* One sysctl of the CT's own namespaces, through its fresh proc. */
static void set_sysctl(int rep, const char *path, unsigned long long v)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%llu", v);

	if (fd < 0 || write(fd, buf, (size_t)n) != n)
		spawn_fail(rep, VZ_E_SETUBC, errno, "Unable to set /%s to %s: %s", path, buf,
			   strerror(errno));
}

/* shmpages is the IPC namespace's shmall (pages); no one segment may be larger. */
static void set_ipc_limits(int rep, unsigned long shm_pages)
{
	if (!shm_pages)
		return;
	set_sysctl(rep, "proc/sys/kernel/shmall", shm_pages);
	set_sysctl(rep, "proc/sys/kernel/shmmax", (unsigned long long)pages_bytes(shm_pages));
}

/* The CT's counters view, last: BCFS_DIR may lie below /run.  Its target is resolved
 * inside the root area, so a symlink the CT planted keeps it inside the CT. */
static void place_view(int rep, const struct start_conf *c)
{
	_cleanup_close_ int root = -1;
	int r;

	if (c->view < 0)
		return;
	root = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	r = root < 0 ? -errno : ct_view_place(root, c->view_dir, c->view);
	if (r < 0)
		spawn_fail(rep, VZ_E_MOUNT, -r, "Unable to bind the counters view onto %s in the "
			   "container: %s; make %s a directory in the container", c->view_dir,
			   strerror(-r), c->view_dir);
}

/* Everything is mounted relative to the working directory, the root area's top. */
static void make_mounts(int rep, const struct start_conf *c, bool userns)
{
	const unsigned long nosuid = MS_NOSUID | MS_NODEV | MS_NOEXEC;

	mount_at(rep, "proc", "proc", "proc", nosuid, NULL);
	set_ipc_limits(rep, c->shm_pages);
	protect_proc(rep);
	mount_at(rep, "sysfs", "sys", "sysfs", nosuid | MS_RDONLY, NULL);
	/* The CT's own cgroup is the root it sees (cgroup namespace); read-only, and the
	 * host mounts cgroup2 with nsdelegate, so the CT's root cannot raise its limits. */
	if (mount("cgroup2", "sys/fs/cgroup", "cgroup2", nosuid | MS_RDONLY, NULL) < 0 &&
	    errno != ENOENT)
		spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to mount cgroup2 in the container: %s",
			   strerror(errno));
	make_dev(rep, c->numpty, userns);
	mount_at(rep, "tmpfs", "run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755");
	place_view(rep, c);
}

/* --------------------------------------------------- inside: the rest */

static void loopback_up(int rep)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		spawn_fail(rep, VZ_E_SYSTEM, errno, "Unable to find the loopback: %s", strerror(errno));
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		spawn_fail(rep, VZ_E_SYSTEM, errno, "Unable to bring up the loopback: %s",
			   strerror(errno));
}

struct init_args {
	const struct start_conf *c;
	int rep;  /* the spawn engine's report channel */
	int sync; /* with a user namespace: init's end of the socket to the monitor; else -1 */
	int sync_peer; /* the monitor's end, which init closes */
	const char *ctid;
};

/* The CT's own start scripts set the hostname from /etc/hostname (the busybox
 * template's rcS, Debian's hostname.sh), so the file must say what HOSTNAME says or
 * they undo sethostname; vzctl's setup scripts wrote it at start for the same reason.
 * Runs after pivot_root, so the path is the CT's; a symlink there is not followed.  A
 * CT without a writable /etc keeps the name the kernel was given: nothing to report. */
static void write_etc_hostname(const char *name)
{
	_cleanup_close_ int fd = open("/etc/hostname",
				       O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	size_t len = strlen(name);

	if (fd < 0)
		return;
	/* A short write leaves a file rcS reads as some other name: nothing better to do
	 * than what the kernel already holds, so the result is not checked further. */
	if (write(fd, name, len) == (ssize_t)len)
		(void)!write(fd, "\n", 1);
}

/* In a user namespace: waits for the monitor to write the id maps and takes the
 * idmapped root area it sends.  -1 without one. */
static int userns_receive(const struct init_args *a)
{
	char go;
	int tree = -1;
	ssize_t n;

	if (a->sync < 0)
		return -1;
	close(a->sync_peer); /* so that the monitor's end closing is end of file here */
	n = vz_recv_fd(a->sync, &go, 1, &tree);
	if (n <= 0 || tree < 0)
		_exit(127); /* the monitor failed and has reported why */
	close(a->sync);
	return tree;
}

/* Once inside the root area: the host's paths up to it are no business of the CT's
 * root (the root area's parent is closed to host users). */
static void userns_become_root(int rep)
{
	int r = ct_userns_become_root();

	if (r < 0)
		spawn_fail(rep, VZ_E_SYSTEM, -r, "Unable to become root of the container's user "
			   "namespace: %s", strerror(-r));
}

/* pid 1 of the CT: everything up to exec of its /sbin/init. */
__attribute__((noreturn))
static void ct_init_main(const struct init_args *a)
{
	static char *const argv[] = { "init", NULL };
	static char *const envp[] = {
		"PATH=/sbin:/bin:/usr/sbin:/usr/bin", "HOME=/", "TERM=linux", "container=vzbc", NULL
	};
	const struct spawn_exec e = {
		.sock = a->rep,
		.capbnd = a->c->caps,
		.pty_master = -1,
		.path = "/sbin/init",
		.argv = argv,
		.envp = envp,
		.exec_code = VZ_E_BAD_CT,
		.ctid = a->ctid,
	};
	int rep = a->rep, tree;

	spawn_signals_default(NULL);
	/* Not the caller's session: closing its terminal must not reach the CT. */
	setsid();
	tree = userns_receive(a);
	/* After the clone, so that the CT's cgroup (where it was born) is its root. */
	if (unshare(CLONE_NEWCGROUP) < 0)
		spawn_fail(rep, VZ_E_SYSTEM, errno, "Unable to create the cgroup namespace: %s",
			   strerror(errno));
	enter_root_area(rep, a->c->root, tree);
	if (tree >= 0) {
		close(tree);
		userns_become_root(rep);
	}
	make_mounts(rep, a->c, a->sync >= 0);
	pivot_into_cwd(rep);
	if (a->c->hostname && sethostname(a->c->hostname, strlen(a->c->hostname)) < 0)
		spawn_fail(rep, VZ_E_BAD_HOSTNAME, errno, "Unable to set the hostname %s: %s",
			   a->c->hostname, strerror(errno));
	if (a->c->hostname)
		write_etc_hostname(a->c->hostname);
	loopback_up(rep);
	if (access("/sbin/init", X_OK) < 0 || access("/bin/sh", X_OK) < 0)
		spawn_fail(rep, VZ_E_BAD_CT, ENOENT,
			   "Unable to start the container: /sbin/init or /bin/sh is missing in it; "
			   "check its private area (the OS template it was made from)");
	umask(022);
	spawn_exec(&e);
}

/* ------------------------------------------------ the helper and the monitor */

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
 * backend again.  Its name tells it apart in ps and to stop. */
static void monitor_detach(const char *ctid)
{
	int keep = bc_cg_root_fd(), null = open("/dev/null", O_RDWR | O_CLOEXEC);
	char name[16];

	spawn_signals_default(NULL);
	setsid();
	if (chdir("/") < 0)
		_exit(1);
	for (int fd = 0; fd < 3; fd++)
		if (null >= 0 && fd != keep)
			dup2(null, fd);
	if (keep < 3) {
		close_range(3, ~0U, 0);
	} else {
		if (keep > 3)
			close_range(3, (unsigned)keep - 1, 0);
		close_range((unsigned)keep + 1, ~0U, 0);
	}
	snprintf(name, sizeof(name), "vzmon %s", ctid);
	prctl(PR_SET_NAME, name);
}

/* After a reboot inside the CT: starts it again, as `vzctl start` would, under its
 * lock.  Not when somebody else holds the lock (a stop in progress) or when the run
 * state no longer names the init that rebooted (the CT was stopped or started since:
 * that command's word stands). */
static void monitor_restart(const char *ctid, pid_t dead)
{
	const struct ct_run_opts o = { .timeout = -1 };
	struct ct_lock lock = { NULL, -1 };
	_cleanup_free_ char *path = NULL;
	struct vz_host host;
	pid_t named = -1;
	vz_err err;

	openlog("vzctl", LOG_PID, LOG_DAEMON);
	if (vz_host_load(&host, NULL, &err) < 0) {
		syslog(LOG_ERR, "Container %s rebooted and was not started again: %s", ctid, err.msg);
		return;
	}
	if (ct_lock_take(host.lockdir, ctid, "starting", &lock, &err) < 0)
		syslog(LOG_WARNING, "Container %s rebooted and was not started again: %s", ctid,
		       err.msg);
	else if (ct_run_named(&host, ctid, &named) < 0 || named != dead)
		syslog(LOG_NOTICE, "Container %s rebooted and was not started again: it was "
		       "stopped or started meanwhile", ctid);
	else if (ct_start(&host, ctid, &o, &err) < 0)
		syslog(LOG_ERR, "Container %s rebooted and failed to start again: %s", ctid, err.msg);
	else
		syslog(LOG_INFO, "Container %s rebooted and was started again", ctid);
	ct_lock_release(&lock);
	vz_host_free(&host);
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

/* Waits for init's end and returns its wait status, sampling the CT's load every
 * CT_LA_PERIOD s meanwhile.  SIGCHLD is blocked and waited for with a timeout, so
 * that init's end is seen at once, even during a tick, and no fd is held for it.  A
 * tick that comes late (a busy host) counts the periods it missed. */
static int monitor_wait_init(pid_t pid, struct ct_la_sampler *la)
{
	const long period = CT_LA_PERIOD * 1000L;
	sigset_t chld, old;
	struct timespec due;
	int st = 0;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	clock_gettime(CLOCK_MONOTONIC, &due);
	add_ms(&due, period);
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		struct timespec left;
		long late;

		if (r == pid || (r < 0 && errno != EINTR))
			break;
		late = elapsed_ms(&due);
		if (late >= 0) {
			ct_la_sampler_tick(la, bc_cg_root_fd(), (unsigned)(1 + late / period));
			add_ms(&due, (1 + late / period) * period);
			continue;
		}
		left = (struct timespec){ -late / 1000, (-late % 1000) * 1000000 };
		sigtimedwait(&chld, NULL, &left);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return st;
}

/* The monitor: creates init in the cgroup, hands its pid over, lets go of everything
 * else and waits for init's end, which only init's parent can see, sampling the CT's
 * load average meanwhile.  The sample goes with the init it was about, before a
 * restart starts another. */
__attribute__((noreturn))
static void monitor_main(const struct init_args *a, bc_cgroup *cg, int pid_out, int sync)
{
	const uint64_t ns = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
			    (a->sync >= 0 ? CLONE_NEWUSER : 0);
	pid_t pid = spawn_clone(cg, ns, a->rep);
	struct ct_la_sampler la;
	bool sampling;
	int st;

	if (pid < 0 && errno == ECHILD)
		_exit(SPAWN_FAILED); /* reported */
	if (pid < 0)
		spawn_fail(a->rep, VZ_E_RESOURCE, errno, "Unable to create the container's "
			   "namespaces: %s", strerror(errno));
	if (pid == 0)
		ct_init_main(a);
	if (a->sync >= 0)
		userns_prepare(a, pid, sync);
	if (write(pid_out, &pid, sizeof(pid)) != sizeof(pid))
		_exit(1);
	sampling = monitor_sampler(a->ctid, pid, &la);
	monitor_detach(a->ctid);
	if (sampling) {
		st = monitor_wait_init(pid, &la);
		ct_la_sampler_end(&la);
	} else {
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				_exit(1);
	}
	/* reboot(2) in the CT's pid namespace: the kernel kills the namespace and init ends
	 * as by SIGHUP for a restart, SIGINT for a power-off or halt; a stop ends it with
	 * SIGKILL (cgroup.kill) or a power-off. */
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGHUP)
		monitor_restart(a->ctid, pid);
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

/* Forks the helper and returns init's host pid once init runs its /sbin/init. */
static int spawn_init(const char *ctid, const struct start_conf *c, bc_cgroup *cg, pid_t *ret,
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
		struct init_args a = { c, rep[1], sync[1], sync[0], ctid };

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
	if (read(pid_pipe[0], &init, sizeof(init)) != sizeof(init))
		init = -1;
	wait_pid(helper);
	r = spawn_collect(rep[0], NULL, err);
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

/* -------------------------------------------------------------- --wait */

/* Whether a child of init is past the start script.  busybox init and sysvinit run the
 * sysinit scripts (rcS, rc, rc.sysinit) to their end before anything else, so the
 * first other child means the start script has run. */
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
		    !strcmp(comm, "init"))
			return 0;
		seen = true;
	}
	return seen;
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
			return vz_fail(err, VZ_E_WAIT_FAILED, ESRCH,
				       "The container's init exited while starting; see its logs");
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

int ct_start(const struct vz_host *host, const char *ctid, const struct ct_run_opts *o,
	     vz_err *err)
{
	_cleanup_conf_ vz_conf *cf = NULL;
	_cleanup_cgroup_ bc_cgroup *cg = NULL;
	struct start_conf c = { 0 };
	bool mounted_here = false;
	pid_t init = -1, running;
	int r;

	if (ct_init_pid(host, ctid, &running, NULL) == 0)
		return vz_fail(err, VZ_E_RUNNING, EBUSY, "Container is already running");
	r = load_ct_conf(host, ctid, &cf, err);
	if (r < 0)
		return r;
	r = start_conf_get(host, ctid, cf, &c, err);
	if (r < 0)
		return r;
	if (c.disabled && !(o && o->force)) {
		start_conf_free(&c);
		return vz_fail(err, VZ_E_START_DISABLED, EPERM,
			       "Container start disabled (DISABLED=yes in its config); set "
			       "--disabled no, or start it once with --force");
	}
	r = clean_leftovers(host, ctid, err);
	if (r < 0)
		goto fail;
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
	r = spawn_init(ctid, &c, cg, &init, err);
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

/* A CT that is not running.  When its pid file is still there, it was started and its
 * init died: what that start made (cgroup, run state, the root area's mount) goes.  A
 * CT mounted with vzctl mount and never started stays mounted. */
static int stop_dead(const struct vz_host *host, const char *ctid, const struct ct_run_opts *o,
		     vz_err *err)
{
	bool had_run = ct_run_recorded(host, ctid);
	int r = clean_leftovers(host, ctid, err);

	if (r < 0)
		return r;
	if (had_run && ct_is_mounted(host, ctid)) {
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

/* A monitor exits as soon as its init ends; waiting that moment out means a stop leaves
 * no process of the CT behind, its monitor included. */
static void monitor_wait(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	if (fd >= 0)
		while (poll(&p, 1, MONITOR_WAIT_MS) < 0 && errno == EINTR)
			;
}

int ct_stop(const struct vz_host *host, const char *ctid, const struct ct_run_opts *o,
	    vz_err *err)
{
	_cleanup_conf_ vz_conf *cf = NULL;
	_cleanup_cgroup_ bc_cgroup *cg = NULL;
	_cleanup_close_ int monitor = -1;
	pid_t init;
	long timeout;
	int r;

	if (ct_init_pid(host, ctid, &init, NULL) < 0)
		return stop_dead(host, ctid, o, err);
	monitor = monitor_open(ctid, init);
	r = load_ct_conf(host, ctid, &cf, err);
	if (r < 0 && r != -ENOENT)
		return r;
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
	/* busybox init powers off on SIGUSR2 (sysvinit and systemd take it as a request
	 * too or ignore it); a pid-namespace init only gets signals it handles. */
	if (!(o && o->fast) && kill(init, SIGUSR2) == 0)
		bc_cg_wait_empty(cg, timeout * 1000);
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
