/* What a CT's /proc and /sys show of the host's kernel (core/runtime/start.h), as
 * runc's default spec and LXC's proc:mixed and sys:mixed have it.  Most of both is
 * the CT's own (its processes, its network namespace, its cgroup); the rest acts on
 * or tells of the whole host, and is either read-only (the CT may read what it shows)
 * or masked (nothing there a CT needs): an empty read-only tmpfs over a directory,
 * the CT's /dev/null over a file.  Each path is relative to the root area, in the
 * CT's fresh proc and sysfs, before the CT runs anything.
 *
 * Without a user namespace the CT's root lacks sys_admin and cannot unmount any of
 * it.  In a user namespace it holds sys_admin over its own mount namespace, and would
 * unmount them or mount a proc of its own without them: ct_lock_mounts locks them
 * first.  The kernel locks every mount of a mount namespace copied into one that a
 * less privileged user namespace owns: such a mount cannot be unmounted or bound
 * away from what it covers, and a read-only one stays read-only; and it mounts a new
 * proc or sysfs in a user namespace only while one is fully visible there. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/base.h"
#include "core/runtime/spawn.h"
#include "core/runtime/start.h"

/* Read-only: what they show is the CT's business, a write reaches the host. */
static const char *const ro_paths[] = {
	"proc/bus",           /* PCI configuration space of the host's devices */
	"proc/fs",            /* nfsd's export table, other file systems' knobs */
	"proc/irq",           /* which of the host's CPUs take each interrupt */
	"proc/sysrq-trigger", /* one write reboots, crashes or freezes the host */
};

/* Masked: nothing a CT needs, and each tells or changes something of the host's. */
static const char *const masked_paths[] = {
	"proc/acpi",          /* the host's firmware events; wakeup is writable */
	"proc/asound",        /* the host's sound cards */
	"proc/kcore",         /* the host's memory as an ELF core */
	"proc/keys",          /* keys of the whole host's keyrings */
	"proc/latency_stats", /* latencytop: what every host task waits on */
	"proc/timer_list",    /* every timer of the host, with its task and pid */
	"proc/timer_stats",   /* the same, on older kernels */
	"proc/sched_debug",   /* every runnable task of the host */
	"proc/scsi",          /* the host's SCSI devices; a write rescans its buses */
	"sys/firmware",       /* ACPI tables, EFI variables (a write can brick the machine) */
	"sys/devices/virtual/powercap", /* RAPL energy counters, a side channel on the host */
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* path bound onto itself and made read-only; its submounts (a bind of a directory
 * inside it, made before) go with it. */
static void bind_ro(int rep, const char *path)
{
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV |
		  MS_NOEXEC, NULL) < 0)
		spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to make /%s read-only in the container: "
			   "%s", path, strerror(errno));
}

/* /proc/sys acts on the whole host (core_pattern alone would run a CT's program as
 * host root): read-only.  /proc/sys/net belongs to the CT's own network namespace and
 * stays writable: a copy of it is kept before /proc/sys goes read-only. */
static void protect_proc_sys(int rep)
{
	_cleanup_close_ int net = open("proc/sys/net", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char net_path[64];

	bind_ro(rep, "proc/sys");
	if (net < 0)
		return;
	snprintf(net_path, sizeof(net_path), "/proc/self/fd/%d", net);
	if (mount(net_path, "proc/sys/net", NULL, MS_BIND, NULL) < 0)
		spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to keep /proc/sys/net writable in the "
			   "container: %s", strerror(errno));
}

/* A masked directory shows an empty read-only tmpfs, a masked file the CT's
 * /dev/null (reads end at once, writes go nowhere), as runc masks them.  What this
 * kernel lacks is left out. */
static void mask(int rep, const char *path)
{
	struct stat st;
	int r;

	if (lstat(path, &st) < 0)
		r = errno == ENOENT ? 0 : -1;
	else if (S_ISDIR(st.st_mode))
		r = mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "mode=555,size=4k");
	else
		r = mount("dev/null", path, NULL, MS_BIND, NULL);
	if (r < 0)
		spawn_fail(rep, VZ_E_MOUNT, errno, "Unable to mask /%s in the container: %s", path,
			   strerror(errno));
}

void ct_protect_kernel_files(int rep)
{
	protect_proc_sys(rep);
	for (size_t i = 0; i < N(ro_paths); i++)
		if (access(ro_paths[i], F_OK) == 0)
			bind_ro(rep, ro_paths[i]);
	for (size_t i = 0; i < N(masked_paths); i++)
		mask(rep, masked_paths[i]);
}

/* ------------------------------------------------------------- the lock */

/* The child of nested_copy: sends on sock the errno of each step with what it made,
 * the copy's namespace file, then the copy of the root area it stands in (the parent
 * may not open either through proc: it stopped being dumpable when it became the
 * CT's root; nor walk to the root area, whose parent is the host root's), then waits
 * to be killed. */
__attribute__((noreturn))
static void nested_copy_child(int sock)
{
	const char *const what[] = { "proc/self/ns/mnt", "." };
	const int flags[] = { O_RDONLY | O_CLOEXEC, O_PATH | O_DIRECTORY | O_CLOEXEC };
	int e = unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0 ? errno : 0;

	for (size_t i = 0; i < N(what); i++) {
		int fd = e ? -1 : open(what[i], flags[i]);

		if (fd < 0 && !e)
			e = errno;
		if (vz_send_fd(sock, &e, sizeof(e), fd) < 0 || e)
			_exit(1);
		close(fd);
	}
	for (;;)
		pause();
}

/* One record of the child: its errno, else the fd it holds. */
static int nested_copy_recv(int sock, int *ret_fd)
{
	int e = 0, fd = -1;
	ssize_t n = vz_recv_fd(sock, &e, sizeof(e), &fd);

	if (n == (ssize_t)sizeof(e) && !e && fd >= 0) {
		*ret_fd = fd;
		return 0;
	}
	if (fd >= 0)
		close(fd);
	return n < 0 ? (int)n : n == (ssize_t)sizeof(e) && e ? -e : -EIO;
}

static void kill_wait(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* A child in a user namespace of its own, nested in the CT's (no ids mapped: it only
 * owns what follows), with a copy of this mount namespace, every mount locked: the
 * copy's namespace file goes to *ret_ns, the copy of the working directory (the root
 * area) to *ret_root, the child to *ret_pid, which the caller kills once it joined. */
static int nested_copy(int *ret_ns, int *ret_root, pid_t *ret_pid)
{
	int sv[2], ns = -1, root = -1, r;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid == 0)
		nested_copy_child(sv[1]);
	close(sv[1]);
	r = pid < 0 ? -errno : nested_copy_recv(sv[0], &ns);
	if (r == 0)
		r = nested_copy_recv(sv[0], &root);
	close(sv[0]);
	if (r < 0) {
		if (ns >= 0)
			close(ns);
		if (pid > 0)
			kill_wait(pid);
		return r;
	}
	*ret_ns = ns;
	*ret_root = root;
	*ret_pid = pid;
	return 0;
}

/* The CT's mount namespace becomes the locked copy.  It belongs to a namespace nested
 * in the CT's, over which the CT's root keeps every right: it mounts there what it
 * mounted before (systemd's /run/lock, tmpfs, binds), but nothing made so far comes
 * off.  One cost: a process of the CT's root that dropped sys_admin still mounts
 * there (the kernel gives the owner of a nested namespace every right in it). */
static int enter_locked_copy(void)
{
	pid_t pid = -1;
	int ns = -1, root = -1, r = nested_copy(&ns, &root, &pid);

	if (r < 0)
		return r;
	r = setns(ns, CLONE_NEWNS) < 0 || fchdir(root) < 0 ? -errno : 0;
	close(ns);
	close(root);
	kill_wait(pid);
	return r;
}

/* A locked mount cannot become the root: a copy of the root area's tree is mounted on
 * it (the copy's top unlocked, all below it still locked), and the working directory
 * becomes that top. */
static int rebind_cwd(void)
{
	_cleanup_close_ int tree = open_tree(AT_FDCWD, ".", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					     AT_RECURSIVE);

	if (tree < 0 || move_mount(tree, "", AT_FDCWD, ".", MOVE_MOUNT_F_EMPTY_PATH) < 0 ||
	    fchdir(tree) < 0)
		return -errno;
	return 0;
}

void ct_lock_mounts(int rep)
{
	int r = enter_locked_copy();

	if (r < 0)
		spawn_fail(rep, VZ_E_SYSTEM, -r, "Unable to lock the masks of /proc and /sys in the "
			   "container: %s; the kernel must allow a user namespace nested in the "
			   "container's (sysctl kernel.unprivileged_userns_clone=1, "
			   "user.max_user_namespaces above 0), or unset LOCAL_UID", strerror(-r));
	r = rebind_cwd();
	if (r < 0)
		spawn_fail(rep, VZ_E_MOUNT, -r, "Unable to bind the root area again over its locked "
			   "mounts: %s", strerror(-r));
}
