/* The load average of a CT (core/bc.h "load average").
 *
 * A stock kernel keeps one load average, the host's; none per cgroup.  So, as LXCFS
 * does, it is sampled: every CT_LA_PERIOD seconds the CT's monitor (core/runtime.c)
 * counts the threads of the CT's cgroup and of every cgroup below it that the kernel's
 * own count would take (running or runnable, R, and uninterruptible, D; not the idle
 * kernel threads' I), and folds the count into three moving averages with the
 * kernel's fixed-point arithmetic (kernel/sched/loadavg.c), so that a CT with n busy
 * threads shows what /proc/loadavg would show for a host with n.
 *
 * The monitor publishes them in <RUNDIR>/<ctid>.loadavg, replaced whole by a rename
 * each time:
 *     run <init pid> <init start time>
 *     at <CLOCK_BOOTTIME seconds>
 *     load <1 min> <5 min> <15 min>      (fixed point, CT_LA_FIXED_1 = 1.0)
 * A reader believes it only for the run of the CT it names (a pid may be reused, the
 * start time with it is not) and only while it is fresh (a monitor that died stops
 * writing). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/bc.h"

/* exp(-5 s / 1, 5, 15 min) in fixed point: the kernel's EXP_1, EXP_5, EXP_15. */
static const unsigned long la_exp[3] = { 1884, 2014, 2037 };

/* A sample older than this is from a monitor that no longer runs. */
#define LA_STALE_S (6 * CT_LA_PERIOD)
/* How deep a CT's own cgroup tree is walked. */
#define LA_DEPTH_MAX 32

/* ------------------------------------------------------------ arithmetic */

/* The kernel's calc_load(): one period of the average towards active (fixed point). */
static unsigned long calc_load(unsigned long load, unsigned long exp, unsigned long active)
{
	unsigned long newload = load * exp + active * (CT_LA_FIXED_1 - exp);

	if (active >= load)
		newload += CT_LA_FIXED_1 - 1;
	return newload / CT_LA_FIXED_1;
}

/* The kernel's fixed_power_int(): x^n in fixed point, rounded as the kernel rounds. */
static unsigned long fixed_power(unsigned long x, unsigned int n)
{
	unsigned long result = CT_LA_FIXED_1;

	while (n) {
		if (n & 1) {
			result *= x;
			result += CT_LA_FIXED_1 / 2;
			result >>= CT_LA_FSHIFT;
		}
		n >>= 1;
		if (!n)
			break;
		x *= x;
		x += CT_LA_FIXED_1 / 2;
		x >>= CT_LA_FSHIFT;
	}
	return result;
}

void ct_la_update(unsigned long avenrun[3], unsigned long nr_active, unsigned int periods)
{
	unsigned long active = nr_active * CT_LA_FIXED_1;

	/* Periods the sampler slept through count with the load seen now, as the
	 * kernel's calc_load_n() does for the periods a tickless CPU missed. */
	for (int i = 0; i < 3; i++)
		avenrun[i] = calc_load(avenrun[i],
				       periods > 1 ? fixed_power(la_exp[i], periods) : la_exp[i],
				       active);
}

double ct_la_value(unsigned long fixed)
{
	/* As /proc/loadavg prints it: rounded to hundredths. */
	unsigned long x = fixed + CT_LA_FIXED_1 / 200;

	return (double)(x >> CT_LA_FSHIFT) +
	       (double)(((x & (CT_LA_FIXED_1 - 1)) * 100) >> CT_LA_FSHIFT) / 100.0;
}

/* ------------------------------------------------------------- /proc */

int proc_stat_parse(const char *text, char *state, uint64_t *start)
{
	/* The command name (field 2) may hold blanks and ')': fields follow its last ')'. */
	const char *p = strrchr(text, ')');
	char *end;
	uint64_t v;

	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		return -EINVAL;
	if (state)
		*state = p[2];
	if (!start)
		return 0;
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -EINVAL;
	errno = 0;
	v = strtoull(p + 1, &end, 10);
	if (errno || end == p + 1)
		return -EINVAL;
	*start = v;
	return 0;
}

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

static int count_threads(int dirfd, unsigned long *n)
{
	_cleanup_close_ int fd = openat(dirfd, "cgroup.threads", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_free_ char *text = NULL;
	char *p, *end;

	if (fd < 0)
		return -errno;
	if (vz_read_fd(fd, &text, NULL) < 0)
		return -EIO;
	for (p = text; *p; p = end) {
		long tid;

		errno = 0;
		tid = strtol(p, &end, 10);
		if (errno || end == p || tid <= 0)
			break;
		if (thread_active((pid_t)tid))
			(*n)++;
		end += strspn(end, "\n");
	}
	return 0;
}

/* The cgroup's own threads, then those of the cgroups the CT made below it (systemd
 * in a CT puts its services there). */
static int count_tree(int dirfd, int depth, unsigned long *n)
{
	int r = count_threads(dirfd, n), sub;
	struct dirent *de;
	DIR *d;

	if (r < 0 || depth >= LA_DEPTH_MAX)
		return r;
	sub = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = sub < 0 ? NULL : fdopendir(sub);
	if (!d) {
		if (sub >= 0)
			close(sub);
		return 0;
	}
	while ((de = readdir(d))) {
		_cleanup_close_ int child = -1;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		child = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		/* A cgroup removed meanwhile has no thread left to count. */
		if (child >= 0)
			count_tree(child, depth + 1, n);
	}
	closedir(d);
	return 0;
}

int ct_la_count(int dirfd, const char *rel, unsigned long *ret)
{
	_cleanup_close_ int fd = openat(dirfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	unsigned long n = 0;
	int r;

	if (fd < 0)
		return -errno;
	r = count_tree(fd, 0, &n);
	if (r < 0)
		return r;
	*ret = n;
	return 0;
}

/* ------------------------------------------------------------- the file */

static char *la_path(const char *rundir, const char *ctid)
{
	char *p;

	return asprintf(&p, "%s/%s.loadavg", rundir, ctid) < 0 ? NULL : p;
}

static uint64_t boottime_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

int ct_la_format(char *buf, size_t size, pid_t init, uint64_t start, uint64_t at,
		 const unsigned long avenrun[3])
{
	int n = snprintf(buf, size, "run %d %" PRIu64 "\nat %" PRIu64 "\nload %lu %lu %lu\n",
			 (int)init, start, at, avenrun[0], avenrun[1], avenrun[2]);

	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

int ct_la_parse(const char *text, pid_t init, uint64_t start, uint64_t now, double la[3])
{
	unsigned long v[3];
	uint64_t s, at;
	int pid, used = 0;

	if (sscanf(text, "run %d %" SCNu64 "\nat %" SCNu64 "\nload %lu %lu %lu\n%n", &pid, &s, &at,
		   &v[0], &v[1], &v[2], &used) != 6 || used == 0 || text[used])
		return -EBADMSG;
	/* Another run of the CT, or a monitor that stopped writing: no current sample. */
	if (pid != (int)init || s != start || at > now || now - at > LA_STALE_S)
		return -ENOENT;
	for (int i = 0; i < 3; i++)
		la[i] = ct_la_value(v[i]);
	return 0;
}

/* Written beside the file and renamed over it, so that a reader sees the old
 * sample or the new one, never part of one.  No fsync: the file describes this boot
 * only. */
static int la_publish(const struct ct_la_sampler *s)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	char buf[160];
	int n = ct_la_format(buf, sizeof(buf), s->init, s->init_start, boottime_s(), s->avenrun);
	int r = 0;

	if (n < 0)
		return n;
	if (asprintf(&tmp, "%s.tmp.%d", s->path, (int)getpid()) < 0)
		return -ENOMEM;
	unlink(tmp); /* left by a monitor that died with this pid */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)n) != n)
		r = -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	fd = -1;
	if (r == 0 && rename(tmp, s->path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

/* ----------------------------------------------------------- the sampler */

int ct_la_sampler_init(struct ct_la_sampler *s, const char *rundir, const char *ctid,
		       const char *cgroup, pid_t init)
{
	struct ct_la_sampler n = { .init = init };
	int r = init_start_time(init, &n.init_start);

	if (r < 0)
		return r;
	n.path = la_path(rundir, ctid);
	n.cgroup = strdup(cgroup);
	if (!n.path || !n.cgroup) {
		free(n.path);
		free(n.cgroup);
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
	return la_publish(s);
}

void ct_la_sampler_end(struct ct_la_sampler *s)
{
	if (s->path)
		unlink(s->path);
	free(s->path);
	free(s->cgroup);
	s->path = s->cgroup = NULL;
}

/* ------------------------------------------------------------- reading */

int ct_loadavg(const struct vz_host *host, const char *ctid, double la[3], vz_err *err)
{
	_cleanup_free_ char *path = la_path(host->rundir, ctid), *text = NULL;
	_cleanup_close_ int fd = -1;
	struct ct_run run;
	int r;

	if (!path)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	if (ct_init_run(host, ctid, &run, NULL) < 0)
		return -ENOENT;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	r = fd < 0 ? -errno : vz_read_fd(fd, &text, NULL);
	if (r == -ENOENT)
		return -ENOENT;
	if (r < 0)
		return vz_fail(err, VZ_E_SYSTEM, -r, "Unable to read the load average of CT %s "
			       "from %s: %s", ctid, path, strerror(-r));
	r = ct_la_parse(text, run.init, run.start, boottime_s(), la);
	if (r == -EBADMSG)
		return vz_fail(err, VZ_E_SYSTEM, EBADMSG,
			       "%s is not a load average written by the CT's monitor; remove it, "
			       "the monitor writes it again within %d s", path, CT_LA_PERIOD);
	return r;
}
