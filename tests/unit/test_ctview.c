/* A CT's counters view without a mount: where its target lies in a CT's tree (a
 * symlink the CT made leads inside the CT, never out), what is refused, when bcfs is
 * taken not to serve, whose the view is.  (Binding it is for the guest: 71-bcfs-ct.sh.) */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/acct/acct.h"
#include "core/base/base.h"
#include "core/ct/ct.h"
#include "core/limits/limits.h"
#include "testutil.h"

static char *top;     /* a temporary directory: root/ is the CT's root, outside/ the host */
static int root = -1;

static void setup(void)
{
	char path[512];

	top = tu_mkdtemp();
	snprintf(path, sizeof(path), "%s/root", top);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/outside", top);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/root", top);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(root, 0);
}

static void teardown(void)
{
	close(root);
	tu_rmtree(top);
	free(top);
}

static bool is_dir(const char *rel)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists(const char *rel)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	return lstat(path, &st) == 0;
}

static void in_root(const char *what, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/root/%s", top, rel);
	if (what)
		cr_assert_eq(symlink(what, path), 0, "%s", path);
	else
		cr_assert_eq(mkdir(path, 0755), 0, "%s", path);
}

/* The target and the fd it gave are the same directory. */
static void expect_target(const char *path, const char *where)
{
	char full[512];
	struct stat a, b;
	int fd = -1;

	cr_assert_eq(ct_view_target(root, path, &fd), 0, "%s", path);
	snprintf(full, sizeof(full), "%s/%s", top, where);
	cr_assert_eq(fstat(fd, &a), 0);
	cr_assert_eq(stat(full, &b), 0, "%s", full);
	cr_expect(a.st_ino == b.st_ino && a.st_dev == b.st_dev, "%s is not %s", path, where);
	close(fd);
}

TestSuite(ctview, .init = setup, .fini = teardown);

Test(ctview, missing_directories_are_made_in_the_ct)
{
	expect_target("/var/lib/bcfs", "root/var/lib/bcfs");
	cr_expect(is_dir("root/var/lib"));
	/* Made again: found as it is. */
	expect_target("/var/lib/bcfs/", "root/var/lib/bcfs");
	expect_target("top", "root/top");
}

/* An absolute symlink is the CT's path: followed inside the CT's root. */
Test(ctview, an_absolute_symlink_stays_in_the_ct)
{
	in_root(NULL, "srv");
	in_root("/srv", "var");
	expect_target("/var/lib/bcfs", "root/srv/lib/bcfs");
	cr_expect_not(exists("root/var/lib"));
}

/* ".." stops at the CT's root, as it does inside the CT. */
Test(ctview, dot_dot_does_not_leave_the_ct)
{
	in_root(NULL, "outside");
	in_root("../../../../../../outside", "var");
	expect_target("/var/lib/bcfs", "root/outside/lib/bcfs");
	cr_expect_not(exists("outside/lib"), "a directory was made out of the CT");
	in_root("../outside", "up");
	expect_target("/up/x", "root/outside/x");
	cr_expect_not(exists("outside/x"));
}

Test(ctview, what_cannot_be_a_directory_is_refused)
{
	char path[512];
	int fd = -1;

	snprintf(path, sizeof(path), "%s/root/file", top);
	tu_write(path, "x");
	cr_expect_eq(ct_view_target(root, "/file/bcfs", &fd), -ENOTDIR);
	cr_expect_eq(ct_view_target(root, "/file", &fd), -ENOTDIR);
	/* A symlink to nowhere: nothing to make the directory in. */
	in_root("/nowhere/at/all", "dangling");
	cr_expect_eq(ct_view_target(root, "/dangling/bcfs", &fd), -ENOENT);
	/* /proc/self/root and the like lead out of any root. */
	in_root("/proc/self/root", "magic");
	cr_expect_lt(ct_view_target(root, "/magic/tmp", &fd), 0);
	cr_expect_eq(ct_view_target(root, "/", &fd), -EINVAL);
	cr_expect_eq(ct_view_target(root, "/a//b", &fd), -EINVAL);
	cr_expect_eq(fd, -1, "output touched on failure");
}

/* A directory that no FUSE file system serves is no view: a CT starts without one. */
Test(ctview, no_bcfs_no_view)
{
	char dir[512], ct[600];
	int tree = -1;

	snprintf(dir, sizeof(dir), "%s/outside", top);
	cr_expect_eq(ct_view_open(dir, "101", &tree), -ENOENT);
	snprintf(ct, sizeof(ct), "%s/ct", dir);
	cr_assert_eq(mkdir(ct, 0755), 0);
	snprintf(ct, sizeof(ct), "%s/ct/101", dir);
	cr_assert_eq(mkdir(ct, 0755), 0);
	cr_expect_eq(ct_view_open(dir, "101", &tree), -ENOENT);
	cr_expect_eq(tree, -1);
}

Test(ctview, the_view_is_the_ct_roots)
{
	struct ct_res r = { 0 };
	unsigned long uid = 9, gid = 9;

	ct_res_userns_ids(&r, &uid, &gid);
	cr_expect(uid == 0 && gid == 0);
	r.local_uid = 100000;
	r.has_local_uid = true;
	ct_res_userns_ids(&r, &uid, &gid);
	cr_expect(uid == 100000 && gid == 100000, "%lu %lu", uid, gid);
	r.local_gid = 200000;
	r.has_local_gid = true;
	ct_res_userns_ids(&r, &uid, &gid);
	cr_expect(uid == 100000 && gid == 200000);
	r.has_local_uid = false;
	ct_res_userns_ids(&r, &uid, &gid);
	cr_expect(uid == 200000 && gid == 200000);
}

Test(ctview, bcfs_dir_of_vz_conf)
{
	vz_conf *cf = NULL;
	struct vz_host host = { 0 };
	static const char text[] = "BCFS_DIR=/srv/bcfs\n";

	cr_expect_str_eq(ct_view_dir(&host), "/var/lib/bcfs");
	cr_assert_eq(vz_conf_parse(text, sizeof(text) - 1, "vz.conf", &cf, NULL, NULL), 0);
	host.conf = cf;
	cr_expect_str_eq(ct_view_dir(&host), "/srv/bcfs");
	vz_conf_free(cf);
}
