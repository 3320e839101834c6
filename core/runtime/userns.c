/* A CT in a user namespace (LOCAL_UID/LOCAL_GID; core/runtime/runtime.h).
 *
 * The CT's ids 0..CT_USERNS_IDS-1 are the host's LOCAL_UID.. and LOCAL_GID..: its root
 * is an ordinary user of the host.  The private area keeps the CT's own ids on disk
 * (0 for root, as the template unpacked them): the CT sees it through an idmapped
 * mount of the root area, which shifts the owners by the namespace's map on the way
 * in and out.  So the files need no chown when LOCAL_UID is set, changed or removed,
 * and a backup or migration copies them as they are. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "core/base/base.h"
#include "core/runtime/runtime.h"

static int write_map(pid_t pid, const char *file, unsigned long base)
{
	char path[64], line[64];
	_cleanup_close_ int fd = -1;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	n = snprintf(line, sizeof(line), "0 %lu %lu\n", base, CT_USERNS_IDS);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, line, (size_t)n) != n)
		return errno ? -errno : -EIO;
	return 0;
}

int ct_userns_map(pid_t pid, unsigned long uid, unsigned long gid)
{
	int r = write_map(pid, "uid_map", uid);

	return r < 0 ? r : write_map(pid, "gid_map", gid);
}

int ct_userns_idmapped_tree(pid_t pid, const char *root, int *ret)
{
	char path[64];
	_cleanup_close_ int userns = -1, tree = -1;
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	userns = open(path, O_RDONLY | O_CLOEXEC);
	if (userns < 0)
		return -errno;
	tree = open_tree(AT_FDCWD, root, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (tree < 0)
		return -errno;
	attr.userns_fd = (unsigned long)userns;
	if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		return -errno;
	*ret = tree;
	tree = -1;
	return 0;
}

int ct_userns_become_root(void)
{
	/* Groups and gid first: changing the uid may take the right to change them.  A
	 * namespace made with setgroups denied (unshare -r) keeps the groups it has. */
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		return -errno;
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return -errno;
	return 0;
}
