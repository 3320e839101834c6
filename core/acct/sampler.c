/* The monitor's side of a CT's load average (core/acct/acct.h): every CT_LA_PERIOD s
 * it counts the threads of the CT's cgroup tree that the kernel's own count would take
 * (running or runnable, R, and uninterruptible, D; not the idle kernel threads' I),
 * folds the count in with the kernel's arithmetic and publishes the result in the
 * CT's load average file (core/state). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/acct/acct.h"
#include "core/base/base.h"
#include "core/cgroup/cgroup.h"

/* The text of /proc/<pid>/stat, cut at size - 1 bytes (its first fields fit). */
static int read_stat(pid_t pid, char *buf, size_t size)
{
	_cleanup_close_ int fd = -1;
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 ? -errno : -ENODATA;
	buf[n] = '\0';
	return 0;
}

static int init_start_time(pid_t pid, uint64_t *ret)
{
	char buf[1024];
	int r = read_stat(pid, buf, sizeof(buf));

	return r < 0 ? r : proc_stat_parse(buf, NULL, ret);
}

/* Whether the kernel's load average would count the thread now. */
static bool thread_active(pid_t tid)
{
	char buf[256], state;

	if (read_stat(tid, buf, sizeof(buf)) < 0 || proc_stat_parse(buf, &state, NULL) < 0)
		return false; /* it ended meanwhile */
	return state == 'R' || state == 'D';
}

/* ------------------------------------------------------------ counting */

static void count_active(void *ctx, pid_t tid)
{
	if (thread_active(tid))
		(*(unsigned long *)ctx)++;
}

int ct_la_count(int dirfd, const char *rel, unsigned long *ret)
{
	unsigned long n = 0;
	/* The cgroup's own threads, then those of the cgroups the CT made below it
	 * (systemd in a CT puts its services there). */
	int r = bc_cg_walk_threads(dirfd, rel, count_active, &n);

	if (r < 0)
		return r;
	*ret = n;
	return 0;
}

/* ----------------------------------------------------------- the sampler */

int ct_la_sampler_init(struct ct_la_sampler *s, const char *rundir, const char *ctid,
		       const char *cgroup, pid_t init)
{
	struct ct_la_sampler n = { .init = init };
	int r = init_start_time(init, &n.init_start);

	if (r < 0)
		return r;
	n.rundir = strdup(rundir);
	n.ctid = strdup(ctid);
	n.cgroup = strdup(cgroup);
	if (!n.rundir || !n.ctid || !n.cgroup) {
		ct_la_sampler_end(&n);
		return -ENOMEM;
	}
	*s = n;
	return 0;
}

int ct_la_sampler_tick(struct ct_la_sampler *s, int cgroot, unsigned int periods)
{
	unsigned long n;
	int r = ct_la_count(cgroot, s->cgroup, &n);

	/* Without a count (the cgroup is going away) nothing is folded in or shown. */
	if (r < 0)
		return r;
	ct_la_update(s->avenrun, n, periods ? periods : 1);
	return ct_la_publish(s->rundir, s->ctid, s->init, s->init_start, s->avenrun);
}

void ct_la_sampler_end(struct ct_la_sampler *s)
{
	if (s->rundir && s->ctid)
		ct_la_remove(s->rundir, s->ctid);
	free(s->rundir);
	free(s->ctid);
	free(s->cgroup);
	s->rundir = s->ctid = s->cgroup = NULL;
}
