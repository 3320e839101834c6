/* pid 1 of a CT (core/runtime/start.h), from its birth in the CT's namespaces to the
 * exec of /sbin/init.  Inside its own mount namespace it binds the root area onto
 * itself, mounts proc, sys, /dev and /run into it by paths relative to it (each target
 * is created or checked to be a real directory: a symlink the CT planted is refused,
 * so no mount lands on the host's files), masks what proc and sys show of the host
 * (masks.c; locked there in a user namespace), then pivots into it.  The mounts come
 * before the pivot because in a user namespace the kernel mounts proc and sysfs only
 * while the host's are visible.  Every failure goes back on the spawn engine's channel. */
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

static void make_dev(int rep, unsigned long max_ptys, bool userns)
{
	char opts[128];

	mount_at(rep, "tmpfs", "dev", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_STRICTATIME,
		 "mode=755,size=64k,nr_inodes=512");
	for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		char path[32];

		snprintf(path, sizeof(path), "dev/%s", dev_nodes[i].name);
		make_node(rep, &dev_nodes[i], path, userns);
	}
	/* Never the host's console: make_console binds a pty of the CT's devpts here. */
	if (mknod("dev/console", S_IFREG | 0600, 0) < 0)
		spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to make /dev/console: %s", strerror(errno));
	snprintf(opts, sizeof(opts), "newinstance,ptmxmode=0666,mode=620,max=%lu", max_ptys);
	mount_at(rep, "devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, opts);
	if (symlink("pts/ptmx", "dev/ptmx") < 0)
		spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to link /dev/ptmx: %s", strerror(errno));
	mount_at(rep, "shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	if (symlink("/proc/self/fd", "dev/fd") < 0 || symlink("/proc/self/fd/0", "dev/stdin") < 0 ||
	    symlink("/proc/self/fd/1", "dev/stdout") < 0 ||
	    symlink("/proc/self/fd/2", "dev/stderr") < 0)
		spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to link /dev/fd: %s", strerror(errno));
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
	mount_at(rep, "sysfs", "sys", "sysfs", nosuid | MS_RDONLY, NULL);
	/* The CT's own cgroup is the root it sees (cgroup namespace), writable, so that its
	 * init makes cgroups below it and moves its processes there, as systemd does.  Its
	 * own limits stay out of its reach: start refuses a host whose cgroup2 lacks
	 * nsdelegate, under which the kernel refuses writes to the namespace root's files
	 * but cgroup.procs, cgroup.threads and cgroup.subtree_control. */
	if (mount("cgroup2", "sys/fs/cgroup", "cgroup2", nosuid, NULL) < 0 &&
	    errno != ENOENT)
		spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to mount cgroup2 in the container: %s",
			   strerror(errno));
	make_dev(rep, c->numpty + 1 + c->ttys, userns); /* the console's ptys come on top */
	ct_protect_kernel_files(rep); /* its file masks are the CT's /dev/null */
	/* Before /run, the console's binds and the view: those stay unlocked, the view so
	 * that a bcfs started again can detach a dead one (ct_view_attach). */
	if (userns)
		ct_lock_mounts(rep);
	mount_at(rep, "tmpfs", "run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755");
	place_view(rep, c);
}

/* ------------------------------------------------- inside: the console */

/* One pty of the CT's devpts for dev/console (tty 0) or dev/ttyN, its slave bound
 * there from dev/pts/<n> (the mount's source lies inside the CT, as CRIU needs) and its
 * master sent to the monitor.  Returns the slave, without becoming init's controlling
 * terminal (a hangup of the console must not kill init), for the console; -1 else. */
static int make_tty(int rep, int sock, unsigned tty)
{
	const struct winsize ws = { .ws_row = 25, .ws_col = 80 };
	_cleanup_close_ int master = open("dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	char src[32], target[32];
	unsigned char idx = (unsigned char)tty;
	int unlock = 0, slave = -1;
	unsigned n;

	if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0 ||
	    ioctl(master, TIOCSWINSZ, &ws) < 0)
		spawn_fail(rep, VZ_E_SYSTEM, errno, "Unable to make a pty for the container's "
			   "console: %s", strerror(errno));
	snprintf(src, sizeof(src), "dev/pts/%u", n);
	if (tty)
		snprintf(target, sizeof(target), "dev/tty%u", tty);
	else
		snprintf(target, sizeof(target), "dev/console");
	if ((tty && mknod(target, S_IFREG | 0600, 0) < 0) ||
	    mount(src, target, NULL, MS_BIND, NULL) < 0)
		spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to bind a pty onto /%s: %s", target,
			   strerror(errno));
	if (tty == 0) {
		slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (slave < 0)
			spawn_fail(rep, VZ_E_SYSTEM, errno, "Unable to open the container's console: "
				   "%s", strerror(errno));
	}
	if (vz_send_fd(sock, &idx, 1, master) < 0)
		spawn_fail(rep, VZ_E_SYSTEM, errno, "Unable to hand the container's console to its "
			   "monitor: %s", strerror(errno));
	return slave;
}

/* The console and tty1..ttys, their masters sent to the monitor; returns the console's
 * slave, init's 0..2 (boot messages then reach the console, as on a real machine). */
static int make_console(const struct init_args *a)
{
	int console = make_tty(a->rep, a->console, 0);

	for (unsigned i = 1; i <= a->c->ttys; i++)
		make_tty(a->rep, a->console, i);
	close(a->console);
	return console;
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

/* The CT's own start scripts set the hostname from /etc/hostname (the busybox
 * template's rcS, Debian's hostname.sh), so the file must say what HOSTNAME says or
 * they undo sethostname; vzctl's setup scripts wrote it at start for the same reason.
 * Runs after pivot_root, so the path is the CT's; a symlink there is not followed, and
 * a FIFO or a device put there is neither waited on nor written.  A CT without a
 * writable /etc keeps the name the kernel was given: nothing to report. */
static void write_etc_hostname(const char *name)
{
	_cleanup_free_ char *line = NULL;

	if (asprintf(&line, "%s\n", name) >= 0)
		(void)vz_write_regular_at(AT_FDCWD, "/etc/hostname", line, strlen(line), 0644);
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
void ct_init_main(const struct init_args *a)
{
	static char *const argv[] = { "init", NULL };
	static char *const envp[] = {
		"PATH=/sbin:/bin:/usr/sbin:/usr/bin", "HOME=/", "TERM=linux", "container=vzbc", NULL
	};
	struct spawn_exec e = {
		.sock = a->rep,
		.capbnd = a->c->caps,
		.pty_master = -1,
		.path = "/sbin/init",
		.argv = argv,
		.envp = envp,
		.exec_code = VZ_E_BAD_CT,
		.ctid = a->ctid,
	};
	int rep = a->rep, tree, console[3];

	spawn_signals_default(NULL);
	/* Not the caller's session: closing its terminal must not reach the CT. */
	setsid();
	close(a->console_peer); /* so that the monitor sees end of file at init's exec */
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
	console[0] = console[1] = console[2] = make_console(a);
	e.fds = console;
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
