/* The load average of a CT (core/state/state.h "load average"): its arithmetic and
 * its file.
 *
 * A stock kernel keeps one load average, the host's; none per cgroup.  So, as LXCFS
 * does, it is sampled: every CT_LA_PERIOD seconds the CT's monitor (core/acct/sampler.c)
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

#include "core/state/state.h"

/* exp(-5 s / 1, 5, 15 min) in fixed point: the kernel's EXP_1, EXP_5, EXP_15. */
static const unsigned long la_exp[3] = { 1884, 2014, 2037 };

/* A sample older than this is from a monitor that no longer runs. */
#define LA_STALE_S (6 * CT_LA_PERIOD)

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
int ct_la_publish(const char *rundir, const char *ctid, pid_t init, uint64_t start,
		  const unsigned long avenrun[3])
{
	_cleanup_free_ char *path = la_path(rundir, ctid), *tmp = NULL;
	_cleanup_close_ int fd = -1;
	char buf[160];
	int n = ct_la_format(buf, sizeof(buf), init, start, boottime_s(), avenrun);
	int r = 0;

	if (n < 0)
		return n;
	if (!path || asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0)
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
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

void ct_la_remove(const char *rundir, const char *ctid)
{
	_cleanup_free_ char *path = la_path(rundir, ctid);

	if (path)
		unlink(path);
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
