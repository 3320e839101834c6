/* Replacing a file atomically (vz_write_file_atomic in conf/conf.h), and the state a
 * tool keeps in a directory of its own (vz_open_own_dir, vz_read_own_at, vz_replace_at). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "conf/conf.h"

/* Same bound as the kernel's ELOOP. */
#define MAX_SYMLINK_HOPS 40
#define RENAME_ATTEMPTS 3

/* -errno, never 0: a failed call must not read as success even if errno was lost. */
static int neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

static char *path_join(const char *dir, const char *name)
{
	char *s;

	if (asprintf(&s, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name) < 0)
		return NULL;
	return s;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* The name a dangling symlink chain points at, so that saving creates the target
 * instead of replacing the link. */
static int follow_links(const char *path, char **ret)
{
	_cleanup_free_ char *cur = strdup(path);

	if (!cur)
		return -ENOMEM;
	for (int hops = 0; hops < MAX_SYMLINK_HOPS; hops++) {
		char target[PATH_MAX];
		struct stat st;
		ssize_t n;
		char *next;

		if (lstat(cur, &st) < 0 || !S_ISLNK(st.st_mode)) {
			*ret = cur;
			cur = NULL;
			return 0;
		}
		n = readlink(cur, target, sizeof(target) - 1);
		if (n < 0)
			return neg_errno();
		target[n] = '\0';
		if (target[0] == '/') {
			next = strdup(target);
		} else {
			_cleanup_free_ char *dir = dir_of(cur);

			next = dir ? path_join(dir, target) : NULL;
		}
		if (!next)
			return -ENOMEM;
		free(cur);
		cur = next;
	}
	return -ELOOP;
}

/* The real path to write: realpath(3) when the file exists; otherwise the real
 * directory plus the name to create. */
static int resolve_target(const char *path, char **ret)
{
	_cleanup_free_ char *name = NULL, *dir = NULL, *real_dir = NULL;
	char *real = realpath(path, NULL);
	const char *base;
	int r;

	if (real) {
		*ret = real;
		return 0;
	}
	if (errno != ENOENT)
		return neg_errno();
	r = follow_links(path, &name);
	if (r < 0)
		return r;
	dir = dir_of(name);
	if (!dir)
		return -ENOMEM;
	real_dir = realpath(dir, NULL);
	if (!real_dir)
		return neg_errno();
	base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	if (!*base)
		return -EISDIR;
	real = path_join(real_dir, base);
	if (!real)
		return -ENOMEM;
	*ret = real;
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return neg_errno();
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* O_EXCL so that we never write through a link someone planted; a name left by a
 * crashed run with our pid is stale by definition (that process is gone). */
static int open_tmp_at(int dirfd, const char *tmp, mode_t mode)
{
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);

	if (fd < 0 && errno == EEXIST) {
		if (unlinkat(dirfd, tmp, 0) < 0)
			return neg_errno();
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	}
	return fd < 0 ? neg_errno() : fd;
}

static int open_tmp(const char *tmp)
{
	return open_tmp_at(AT_FDCWD, tmp, 0600);
}

static mode_t mode_to_keep(const char *real)
{
	struct stat st;

	return stat(real, &st) == 0 ? st.st_mode & 07777 : 0644;
}

static int write_tmp(const char *tmp, const char *data, size_t len, mode_t mode)
{
	int fd = open_tmp(tmp);
	int r;

	if (fd < 0)
		return fd;
	r = fchmod(fd, mode) < 0 ? neg_errno() : 0;
	if (r == 0)
		r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = neg_errno();
	if (close(fd) < 0 && r == 0)
		r = neg_errno();
	return r;
}

/* libvzctl retries: rename can fail with EBUSY while something holds the name. */
static int rename_over(const char *tmp, const char *real)
{
	for (int i = 0; i < RENAME_ATTEMPTS; i++) {
		if (rename(tmp, real) == 0)
			return 0;
		if (errno != EBUSY)
			return neg_errno();
		usleep(100 * 1000);
	}
	return -EBUSY;
}

/* Without this the rename itself may not survive a crash. */
static int fsync_dir_of(const char *real)
{
	_cleanup_free_ char *dir = dir_of(real);
	_cleanup_close_ int fd = -1;

	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return neg_errno();
	/* Some file systems cannot sync a directory; that is not a failed save. */
	if (fsync(fd) < 0 && errno != EINVAL)
		return neg_errno();
	return 0;
}

static int replace_file(const char *real, const char *data, size_t len)
{
	_cleanup_free_ char *tmp = NULL;
	int r;

	if (asprintf(&tmp, "%s.tmp.%d", real, (int)getpid()) < 0)
		return -ENOMEM;
	r = write_tmp(tmp, data, len, mode_to_keep(real));
	if (r == 0)
		r = rename_over(tmp, real);
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	return fsync_dir_of(real);
}

int vz_write_file_atomic(const char *path, const char *data, size_t len)
{
	_cleanup_free_ char *real = NULL;
	int r = resolve_target(path, &real);

	return r < 0 ? r : replace_file(real, data, len);
}

int vz_mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *buf = strdup(path);
	struct stat st;

	if (!buf)
		return -ENOMEM;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* Another user's directory, or one that others may write, lets them plant a symlink
 * or a file of their own under the name the tool reads or writes. */
static int check_own_dir(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return neg_errno();
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	return 0;
}

/* O_DIRECTORY | O_NOFOLLOW fails on a symlink with ENOTDIR (or ELOOP): which it was. */
static bool is_symlink(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

int vz_open_own_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r;

	if (fd < 0 && errno == ENOENT) {
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return neg_errno();
		fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return is_symlink(path) ? -EPERM : neg_errno();
	r = check_own_dir(fd);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int vz_read_own_at(int dirfd, const char *name, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	*ret = NULL;
	/* O_NONBLOCK: a FIFO planted under the name must not hang the reader. */
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -EPERM : neg_errno();
	if (fstat(fd, &st) < 0)
		return neg_errno();
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
		return -EPERM;
	return vz_read_fd(fd, ret, ret_len);
}


int vz_replace_at(int dirfd, const char *name, const char *data, size_t len, mode_t mode)
{
	_cleanup_free_ char *tmp = NULL;
	int fd, r;

	if (asprintf(&tmp, ".%s.tmp.%d", name, (int)getpid()) < 0)
		return -ENOMEM;
	fd = open_tmp_at(dirfd, tmp, mode);
	if (fd < 0)
		return fd;
	r = fchmod(fd, mode) < 0 ? neg_errno() : 0; /* whatever the umask */
	if (r == 0)
		r = write_all(fd, data, len);
	if (close(fd) < 0 && r == 0)
		r = neg_errno();
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = neg_errno();
	if (r < 0)
		unlinkat(dirfd, tmp, 0);
	return r;
}

int vz_write_regular_at(int dirfd, const char *name, const char *data, size_t len, mode_t mode)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	/* O_NONBLOCK: a FIFO without a reader fails (ENXIO) instead of waiting for one;
	 * O_TRUNC only once the file is known to be a regular one. */
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
		    mode);
	if (fd < 0)
		return neg_errno();
	if (fstat(fd, &st) < 0)
		return neg_errno();
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (ftruncate(fd, 0) < 0)
		return neg_errno();
	r = write_all(fd, data, len);
	return r;
}
