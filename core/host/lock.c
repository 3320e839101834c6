/* CT locks: $LOCKDIR/<ctid>.lck, compatible with OpenVZ's (pid and status inside), and
 * the host-wide locks beside them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/base/base.h"
#include "core/host/host.h"

#define LOCK_TRIES 3

/* The command line of a process, NULs turned to blanks, for "Locked by". */
static void read_cmdline(pid_t pid, char *buf, size_t len)
{
	char path[64];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
}

static bool pid_alive(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	return pid > 0 && access(path, F_OK) == 0;
}

static pid_t read_lock_pid(int fd)
{
	char buf[64];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return (pid_t)strtol(buf, NULL, 10);
}

/* Writes our lock into a fresh temporary file, already flocked, so that the lock
 * is held from the instant link(2) makes it visible. */
static int make_candidate(const char *lockdir, const char *ctid, const char *status,
			  char **ret_tmp, int *ret_fd, vz_err *err)
{
	char *tmp;
	int fd;
	char content[512];
	int len = snprintf(content, sizeof(content), "%d\n%s\n", (int)getpid(), status ? status : "");

	if (asprintf(&tmp, "%s/.%s.lck.XXXXXX", lockdir, ctid) < 0)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		free(tmp);
		return vz_fail(err, VZ_E_SYSTEM, e, "Unable to create a lock file in %s: %s%s",
			       lockdir, strerror(e),
			       e == EROFS ? " (read-only file system: use the --skiplock option)" : "");
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || write(fd, content, (size_t)len) != len) {
		int e = errno ? errno : EIO;

		unlink(tmp);
		close(fd);
		free(tmp);
		return vz_fail(err, VZ_E_SYSTEM, e, "Unable to write a lock file in %s: %s",
			       lockdir, strerror(e));
	}
	*ret_tmp = tmp;
	*ret_fd = fd;
	return 0;
}

enum existing { LOCK_GONE, LOCK_STALE_REMOVED, LOCK_HELD };

/* Looks at a lock that is in place.  Its holder keeps an exclusive flock; getting
 * one means the holder is dead (or a tool that does not flock, then the pid decides).
 * Whoever removes a stale lock holds its flock and checks that the path still names
 * that very file, so a fresh lock is never removed. */
static enum existing inspect_existing(const char *path, pid_t *ret_pid)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat a, b;
	pid_t pid;

	if (fd < 0)
		return LOCK_GONE;
	pid = read_lock_pid(fd);
	*ret_pid = pid;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		/* Held by a live holder, or someone is removing a stale one right now. */
		return pid_alive(pid) || pid == 0 ? LOCK_HELD : LOCK_GONE;
	if (pid_alive(pid) && pid != getpid())
		return LOCK_HELD;
	if (fstat(fd, &a) < 0 || stat(path, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		return LOCK_GONE;
	unlink(path);
	return LOCK_STALE_REMOVED;
}

int ct_lock_take(const char *lockdir, const char *ctid, const char *status,
		 struct ct_lock *ret, vz_err *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	pid_t holder = 0;
	int r;

	if (!lockdir || !*lockdir)
		return vz_fail(err, VZ_E_NO_LOCKDIR, 0, "LOCKDIR is not set in vz.conf");
	r = vz_mkdir_p(lockdir, 0755);
	if (r < 0)
		return vz_fail(err, VZ_E_SYSTEM, -r, "Unable to create the lock directory %s: %s%s",
			       lockdir, strerror(-r),
			       r == -EROFS ? " (read-only file system: use the --skiplock option)" : "");
	if (asprintf(&path, "%s/%s.lck", lockdir, ctid) < 0)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	r = make_candidate(lockdir, ctid, status, &tmp, &fd, err);
	if (r < 0)
		return r;

	/* Each round either takes the lock, finds a live holder, or clears a stale lock
	 * (or sees one vanish); the bound keeps a pathological race from looping. */
	for (int round = 0; round < LOCK_TRIES * 20; round++) {
		if (link(tmp, path) == 0) {
			unlink(tmp);
			ret->path = path;
			ret->fd = fd;
			path = NULL;
			fd = -1;
			return 0;
		}
		if (errno != EEXIST) {
			int e = errno;

			unlink(tmp);
			return vz_fail(err, VZ_E_SYSTEM, e, "Unable to create the lock file %s: %s",
				       path, strerror(e));
		}
		if (inspect_existing(path, &holder) == LOCK_HELD)
			break;
		if (round >= LOCK_TRIES)
			nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	unlink(tmp);
	{
		char cmdline[256];

		read_cmdline(holder, cmdline, sizeof(cmdline));
		return vz_fail(err, VZ_E_LOCKED, EBUSY,
			       "Locked by: pid %d, cmdline %s\n"
			       "Container already locked; retry when that command has finished",
			       (int)holder, cmdline[0] ? cmdline : "(unknown)");
	}
}

void ct_lock_release(struct ct_lock *lock)
{
	if (!lock || !lock->path)
		return;
	/* Unlink while still holding the flock: see inspect_existing. */
	unlink(lock->path);
	if (lock->fd >= 0)
		close(lock->fd);
	free(lock->path);
	lock->path = NULL;
	lock->fd = -1;
}

int vz_host_flock(const struct vz_host *host, const char *name, const char *what, int wait_ms,
		  int *ret_fd, vz_err *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	struct timespec start;
	int r;

	if (asprintf(&path, "%s/%s", host->lockdir, name) < 0)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	r = vz_mkdir_p(host->lockdir, 0755);
	if (r < 0)
		return vz_fail(err, VZ_E_SYSTEM, -r, "Unable to create %s (LOCKDIR): %s",
			       host->lockdir, strerror(-r));
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return vz_fail(err, VZ_E_SYSTEM, errno, "Unable to open %s: %s", path,
			       strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return vz_fail(err, VZ_E_SYSTEM, errno, "Unable to lock %s: %s", path,
				       strerror(errno));
		if (elapsed_ms(&start) >= wait_ms)
			return vz_fail(err, VZ_E_LOCKED, EWOULDBLOCK,
				       "Unable to lock %s: %s holds it for more than %d s; try again",
				       path, what, wait_ms / 1000);
		sleep_ms(20);
	}
	*ret_fd = fd;
	fd = -1;
	return 0;
}

int vz_host_names_lock(const struct vz_host *host, int *ret_fd, vz_err *err)
{
	return vz_host_flock(host, "names.lck", "another command naming a CT", 30000, ret_fd, err);
}
