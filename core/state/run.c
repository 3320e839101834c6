/* The run state (core/state/state.h): <RUNDIR>/<ctid>.pid names the host pid of the
 * CT's init, written whole once the init runs.  It is believed only for a process
 * that lives and sits in the CT's cgroup or below it (/proc/<pid>/cgroup), so a pid the kernel
 * gave to somebody else since is never taken for the CT's init. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/base.h"
#include "core/state/state.h"

static char *pid_file_path(const struct vz_host *host, const char *ctid)
{
	char *p;

	if (asprintf(&p, "%s/%s.pid", host->rundir, ctid) < 0)
		return NULL;
	return p;
}

/* Whether pid lives (a zombie does not) and sits in the CT's cgroup, so that a pid
 * the kernel gave to somebody else since is not taken for the CT's init; *start its
 * start time. */
const char *ct_cgroup_below(const char *proc_cgroup, const char *ct_cgroup)
{
	size_t len = strlen(ct_cgroup);
	const char *rest;

	if (strncmp(proc_cgroup, "0::", 3) != 0 || strncmp(proc_cgroup + 3, ct_cgroup, len) != 0)
		return NULL;
	rest = proc_cgroup + 3 + len;
	return *rest == '\n' || *rest == '\0' || *rest == '/' ? rest : NULL;
}

bool ct_pid_is_init(const struct vz_host *host, const char *ctid, pid_t pid, uint64_t *start)
{
	_cleanup_free_ char *want = vz_host_ct_cgroup(host, ctid), *stat = NULL, *cg = NULL;
	_cleanup_close_ int sfd = -1, cfd = -1;
	uint64_t began = 0;
	char path[64], state;

	if (!want || pid <= 1)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	sfd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	cfd = open(path, O_RDONLY | O_CLOEXEC);
	if (sfd < 0 || cfd < 0 || vz_read_fd(sfd, &stat, NULL) < 0 || vz_read_fd(cfd, &cg, NULL) < 0)
		return false;
	if (proc_stat_parse(stat, &state, &began) < 0 || state == 'Z' || state == 'X')
		return false;
	if (start)
		*start = began;
	/* Its init may have moved itself below the CT's cgroup, as systemd does. */
	return ct_cgroup_below(cg, want) != NULL;
}

static int read_pid_file(const char *path, pid_t *ret)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_free_ char *text = NULL;
	char *end;
	long v;

	if (fd < 0)
		return -errno;
	if (vz_read_fd(fd, &text, NULL) < 0)
		return -EIO;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || (*end && *end != '\n') || v <= 1 || v > INT_MAX)
		return -EINVAL;
	*ret = (pid_t)v;
	return 0;
}

int ct_init_run(const struct vz_host *host, const char *ctid, struct ct_run *ret, vz_err *err)
{
	_cleanup_free_ char *path = pid_file_path(host, ctid);
	pid_t pid = -1;
	uint64_t start = 0;

	if (!path)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	if (read_pid_file(path, &pid) < 0 || !ct_pid_is_init(host, ctid, pid, &start))
		return vz_fail(err, VZ_E_NOT_RUNNING, ESRCH, "Container is not running");
	*ret = (struct ct_run){ pid, start };
	return 0;
}

int ct_init_pid(const struct vz_host *host, const char *ctid, pid_t *ret, vz_err *err)
{
	struct ct_run run;
	int r = ct_init_run(host, ctid, &run, err);

	if (r < 0)
		return r;
	*ret = run.init;
	return 0;
}

int ct_run_record(const struct vz_host *host, const char *ctid, pid_t pid, vz_err *err)
{
	_cleanup_free_ char *path = pid_file_path(host, ctid);
	char buf[32];
	int n, r;

	if (!path)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	if (mkdir(host->rundir, 0755) < 0 && errno != EEXIST)
		return vz_fail(err, VZ_E_SYSTEM, errno, "Unable to create %s (RUNDIR): %s",
			       host->rundir, strerror(errno));
	n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	r = vz_write_file_atomic(path, buf, (size_t)n);
	if (r < 0)
		return vz_fail(err, VZ_E_SYSTEM, -r, "Unable to write %s: %s", path, strerror(-r));
	return 0;
}

void ct_run_forget(const struct vz_host *host, const char *ctid)
{
	_cleanup_free_ char *path = pid_file_path(host, ctid);

	if (path)
		unlink(path);
}

bool ct_is_running(const struct vz_host *host, const char *ctid)
{
	struct ct_run run;

	return ct_init_run(host, ctid, &run, NULL) == 0;
}

bool ct_run_recorded(const struct vz_host *host, const char *ctid)
{
	_cleanup_free_ char *path = pid_file_path(host, ctid);
	struct stat st;

	return path && lstat(path, &st) == 0;
}

int ct_run_named(const struct vz_host *host, const char *ctid, pid_t *ret)
{
	_cleanup_free_ char *path = pid_file_path(host, ctid);

	return path ? read_pid_file(path, ret) : -ENOMEM;
}
