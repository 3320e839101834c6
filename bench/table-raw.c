/* The baseline of the table benchmark (bench/counters.sh): the kernel files that
 * core/counters.c reads for a running CT, each opened, read to its end and closed once,
 * with no parsing beyond what finds the next file (the init's pid, the cgroup's pids).
 *
 *   table-raw CONFDIR RUNDIR CGDIR CALLS
 *
 * For each <id>.conf of CONFDIR (the name only; the config is not read): the init's pid
 * from RUNDIR/<id>.pid, its /proc/<pid>/stat and /proc/<pid>/cgroup; the cgroup files
 * of CGDIR/<id> (pids.*, memory.* and memory.swap.* counters and limits, memory.stat,
 * cgroup.procs); /proc/<pid>/status and the entries of /proc/<pid>/fd of each of the
 * cgroup's processes; the init's /proc/<pid>/net/{tcp,tcp6,udp,udp6,unix,raw,raw6,packet}
 * and the entries of /proc/<pid>/root/dev/pts.  Then /proc/locks once.
 *
 * Each call on a line, as table-all prints it:
 *   wall_us W user_us U sys_us S cts N running R
 * (running: CTs whose init pid and cgroup were found). */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 16];

static const char *const cg_files[] = {
	"pids.current",        "pids.events",       "pids.max",        "memory.current",
	"memory.events",       "memory.peak",       "memory.max",      "memory.high",
	"memory.swap.current", "memory.swap.events", "memory.swap.max", "memory.stat",
};
static const char *const net_files[] = { "tcp", "tcp6", "udp", "udp6", "unix", "raw", "raw6", "packet" };

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t tv_us(const struct timeval *tv)
{
	return (int64_t)tv->tv_sec * 1000000 + tv->tv_usec;
}

/* Reads a file at dirfd to its end into buf (what does not fit is read and dropped);
 * the length kept, or -1. */
static ssize_t slurp_at(int dirfd, const char *path)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += (size_t)n;
		if (len == sizeof(buf) - 1)
			len = 0;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

static size_t entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* One CT; true when its init and cgroup were found. */
static bool one_ct(const char *rundir, int cgdir, const char *id, uint64_t *sink)
{
	char path[4096];
	pid_t pids[4096];
	size_t npids = 0;
	long init;
	int cg;

	snprintf(path, sizeof(path), "%s/%s.pid", rundir, id);
	if (slurp_at(AT_FDCWD, path) <= 0 || (init = strtol(buf, NULL, 10)) <= 1)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/stat", init);
	if (slurp_at(AT_FDCWD, path) <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/cgroup", init);
	*sink += (uint64_t)slurp_at(AT_FDCWD, path);
	cg = openat(cgdir, id, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return false;
	for (size_t i = 0; i < sizeof(cg_files) / sizeof(cg_files[0]); i++)
		*sink += (uint64_t)slurp_at(cg, cg_files[i]);
	if (slurp_at(cg, "cgroup.procs") > 0)
		for (char *p = buf; *p && npids < sizeof(pids) / sizeof(pids[0]);) {
			long v = strtol(p, &p, 10);

			if (v > 0)
				pids[npids++] = (pid_t)v;
			while (*p && !isdigit((unsigned char)*p))
				p++;
		}
	close(cg);
	for (size_t i = 0; i < npids; i++) {
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pids[i]);
		*sink += (uint64_t)slurp_at(AT_FDCWD, path);
		snprintf(path, sizeof(path), "/proc/%d/fd", (int)pids[i]);
		*sink += entries(path);
	}
	for (size_t i = 0; i < sizeof(net_files) / sizeof(net_files[0]); i++) {
		snprintf(path, sizeof(path), "/proc/%ld/net/%s", init, net_files[i]);
		*sink += (uint64_t)slurp_at(AT_FDCWD, path);
	}
	snprintf(path, sizeof(path), "/proc/%ld/root/dev/pts", init);
	*sink += entries(path);
	return true;
}

int main(int argc, char **argv)
{
	char *end;
	long calls;
	int cgdir;

	if (argc != 5 || (calls = strtol(argv[4], &end, 10)) < 1 || *end) {
		fprintf(stderr, "usage: table-raw CONFDIR RUNDIR CGDIR CALLS\n");
		return 2;
	}
	cgdir = open(argv[3], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cgdir < 0) {
		perror("table-raw: CGDIR");
		return 1;
	}
	for (long c = 0; c < calls; c++) {
		struct rusage r0, r1;
		size_t cts = 0, running = 0;
		uint64_t sink = 0;
		struct dirent *e;
		int64_t t0, t1;
		DIR *d;

		getrusage(RUSAGE_SELF, &r0);
		t0 = now_us();
		d = opendir(argv[1]);
		if (!d) {
			perror("table-raw: CONFDIR");
			return 1;
		}
		while ((e = readdir(d))) {
			size_t n = strlen(e->d_name);
			char id[32];

			if (n < 6 || n - 5 >= sizeof(id) || strcmp(e->d_name + n - 5, ".conf") != 0 ||
			    !isdigit((unsigned char)e->d_name[0]))
				continue;
			memcpy(id, e->d_name, n - 5);
			id[n - 5] = '\0';
			cts++;
			running += one_ct(argv[2], cgdir, id, &sink);
		}
		closedir(d);
		sink += (uint64_t)slurp_at(AT_FDCWD, "/proc/locks");
		t1 = now_us();
		getrusage(RUSAGE_SELF, &r1);
		printf("wall_us %lld user_us %lld sys_us %lld cts %zu running %zu\n", (long long)(t1 - t0),
		       (long long)(tv_us(&r1.ru_utime) - tv_us(&r0.ru_utime)),
		       (long long)(tv_us(&r1.ru_stime) - tv_us(&r0.ru_stime)), cts, running);
		if (sink == 0)
			fprintf(stderr, "table-raw: nothing read\n");
	}
	close(cgdir);
	return 0;
}
