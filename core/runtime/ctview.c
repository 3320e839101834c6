/* A CT's view of the counters export (core/runtime/runtime.h "The counters view of a CT").
 *
 * bcfs serves <BCFS_DIR>/ct/<id>/ as the tree a CT sees.  A detached clone of it
 * (open_tree), made read-only on the host, is moved onto <BCFS_DIR> inside the CT:
 * by the CT's init before pivot_root when the CT starts, and from the host (a child
 * that joins the CT's namespaces) when bcfs starts again while the CT runs.
 *
 * The target path is the CT's: every component is resolved with openat2
 * RESOLVE_IN_ROOT below the CT's root, so a symlink the CT's owner made (its /var/lib
 * may be one) leads somewhere inside the CT, never to the host's files, and a missing
 * directory is made in the directory that was resolved. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/base.h"
#include "core/runtime/runtime.h"

/* Stale views stacked on the target are detached up to this many times. */
#define STALE_MAX 16

const char *ct_view_dir(const struct vz_host *host)
{
	const char *d = host->conf ? vz_conf_get(host->conf, "BCFS_DIR") : NULL;

	return d && *d ? d : CT_VIEW_DIR_DEFAULT;
}

int ct_view_open(const char *dir, const char *ctid, int *ret)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			    MOUNT_ATTR_NOEXEC,
	};
	_cleanup_close_ int fd = -1, tree = -1;
	_cleanup_free_ char *path = NULL;
	struct statfs sf;

	if (asprintf(&path, "%s/ct/%s", dir, ctid) < 0)
		return -ENOMEM;
	fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* A dead daemon's mount answers ENOTCONN here. */
	if (fstatfs(fd, &sf) < 0)
		return -errno;
	if (sf.f_type != FUSE_SUPER_MAGIC)
		return -ENOENT;
	tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0)
		return -errno;
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return -errno;
	*ret = tree;
	tree = -1;
	return 0;
}

/* path (relative, no leading '/') resolved below root as if root were '/'. */
static int open_in_root(int root, const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, root, *path ? path : ".", &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/* The directory of the last component of rel inside the CT whose root is root, each
 * missing component made 0755 in the directory its parent resolved to.  *base gets
 * the offset of the last component in rel. */
static int view_parent(int root, char *rel, size_t *base)
{
	char *last = strrchr(rel, '/');
	int fd = open_in_root(root, "");

	*base = last ? (size_t)(last - rel) + 1 : 0;
	for (char *s = rel; fd >= 0 && last && s < last;) {
		char *next = strchr(s, '/');
		int sub;

		*next = '\0';
		sub = open_in_root(root, rel);
		if (sub == -ENOENT)
			sub = mkdirat(fd, s, 0755) < 0 && errno != EEXIST ? -errno
									  : open_in_root(root, rel);
		*next = '/';
		close(fd);
		fd = sub;
		s = next + 1;
	}
	return fd;
}

/* Detaches the views (FUSE mounts, dead or alive) stacked on name in parent.  The name
 * is looked up in the resolved parent and never followed, so nothing but what sits on
 * that very directory is unmounted; whatever cannot be detached so (a symlink there)
 * stays, and the new view goes on top of where the path leads. */
static void detach_stale(int parent, const char *name)
{
	for (int i = 0; i < STALE_MAX; i++) {
		struct open_how how = {
			.flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
		};
		_cleanup_close_ int fd = (int)syscall(SYS_openat2, parent, name, &how, sizeof(how));
		struct statfs sf;

		if (fd < 0)
			return;
		/* A dead daemon's mount fails with ENOTCONN. */
		if (fstatfs(fd, &sf) == 0 && sf.f_type != FUSE_SUPER_MAGIC)
			return;
		if (fchdir(parent) < 0 || umount2(name, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
			return;
	}
}

/* The directory path names inside the CT (created as needed) into *ret; with replace,
 * the stale views on it are detached first. */
static int view_target(int root, const char *path, bool replace, int *ret)
{
	_cleanup_free_ char *rel = strdup(path + strspn(path, "/"));
	_cleanup_close_ int parent = -1;
	size_t base;
	int target;

	if (!rel)
		return -ENOMEM;
	while (*rel && rel[strlen(rel) - 1] == '/')
		rel[strlen(rel) - 1] = '\0';
	if (!*rel || strstr(rel, "//"))
		return -EINVAL;
	parent = view_parent(root, rel, &base);
	if (parent < 0)
		return parent;
	if (replace)
		detach_stale(parent, rel + base);
	if (mkdirat(parent, rel + base, 0755) < 0 && errno != EEXIST)
		return -errno;
	target = open_in_root(root, rel);
	if (target < 0)
		return target;
	*ret = target;
	return 0;
}

int ct_view_target(int root, const char *path, int *ret)
{
	return view_target(root, path, false, ret);
}

static int place(int root, const char *path, int tree, bool replace)
{
	_cleanup_close_ int target = -1;
	int r = view_target(root, path, replace, &target);

	if (r < 0)
		return r;
	if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

int ct_view_place(int root, const char *path, int tree)
{
	return place(root, path, tree, false);
}

/* --------------------------------------------------- into a running CT */

static int ns_fd(pid_t pid, const char *ns)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* Whether the CT's init lives in a user namespace other than ours. */
/* Whether the namespace at fd is another than this process's of that kind (self: its
 * /proc/self/ns/ path). */
static int other_ns(int fd, const char *self, bool *ret)
{
	struct stat a, b;

	if (fstat(fd, &a) < 0 || stat(self, &b) < 0)
		return -errno;
	*ret = a.st_dev != b.st_dev || a.st_ino != b.st_ino;
	return 0;
}

/* The child that joins the CT: as the CT's root in its user namespace (so that a
 * directory it makes in an idmapped root area belongs to the CT), then in its mount
 * namespace, whose root becomes ours.  Not dumpable: the CT's root must not ptrace it
 * for the host's descriptors it holds. */
__attribute__((noreturn))
static void attach_child(int userns, int mntns, int tree, const char *path)
{
	int root, r;

	if (prctl(PR_SET_DUMPABLE, 0) < 0)
		_exit(errno);
	if (userns >= 0) {
		if (setns(userns, CLONE_NEWUSER) < 0)
			_exit(errno);
		r = ct_userns_become_root();
		if (r < 0)
			_exit(-r);
	}
	if (setns(mntns, CLONE_NEWNS) < 0)
		_exit(errno);
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		_exit(errno);
	r = place(root, path, tree, true);
	_exit(r < 0 ? -r : 0);
}

int ct_view_attach(const struct vz_host *host, const char *ctid, vz_err *err)
{
	_cleanup_close_ int tree = -1, mntns = -1, userns = -1;
	const char *dir = ct_view_dir(host);
	bool joined;
	pid_t init, child;
	int r, st;

	r = ct_init_pid(host, ctid, &init, err);
	if (r < 0)
		return r;
	r = ct_view_open(dir, ctid, &tree);
	if (r < 0)
		return vz_fail(err, VZ_E_MOUNT, -r, "Unable to take the view %s/ct/%s: %s (is bcfs "
			       "serving %s?)", dir, ctid, strerror(-r), dir);
	mntns = ns_fd(init, "mnt");
	userns = ns_fd(init, "user");
	if (mntns < 0 || userns < 0)
		return vz_fail(err, VZ_E_NOT_RUNNING, errno, "Container %s is not running", ctid);
	r = other_ns(mntns, "/proc/self/ns/mnt", &joined);
	if (r == 0 && !joined) /* a bind there would land on the host's own tree */
		return vz_fail(err, VZ_E_MOUNT, EINVAL, "Container %s shares the host's mount "
			       "namespace; it gets no counters view", ctid);
	r = r < 0 ? r : other_ns(userns, "/proc/self/ns/user", &joined);
	if (r < 0)
		return vz_fail(err, VZ_E_SYSTEM, -r, "Unable to read the namespaces of %s: %s",
			       ctid, strerror(-r));
	child = fork();
	if (child < 0)
		return vz_fail(err, VZ_E_RESOURCE, errno, "Unable to fork: %s", strerror(errno));
	if (child == 0)
		attach_child(joined ? userns : -1, mntns, tree, dir);
	while (waitpid(child, &st, 0) < 0)
		if (errno != EINTR)
			return vz_fail(err, VZ_E_SYSTEM, errno, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		int e = WIFEXITED(st) ? WEXITSTATUS(st) : EINTR;

		return vz_fail(err, VZ_E_MOUNT, e, "Unable to bind the counters view onto %s in "
			       "container %s: %s; make %s a directory in the container", dir, ctid,
			       strerror(e), dir);
	}
	return 0;
}
