/* The two readers of the export benchmark (bench/export.sh).
 *
 *   export-read FILE READS
 *       READS reads of FILE whole, each an open, read(2) to the end and close, as a
 *       monitoring agent reads proc/user_beancounters; one line per read:
 *         wall_us W bytes B blocks K
 *       (K: lines that start a block, `<id>:` after blanks)
 *   export-read --host CGROOT CGPARENT READS
 *       the kernel files behind the host's block (core/hostbc.c), each opened, read to
 *       its end and closed once per read, nothing parsed: CGROOT/memory.stat,
 *       CGPARENT/{memory.stat,pids.current,memory.swap.current}, /proc/loadavg,
 *       /proc/meminfo, /proc/sys/kernel/random/boot_id, /proc/1/net/{tcp,tcp6,udp,
 *       udp6,unix,raw,raw6,packet} and the entries of /proc/1/root/dev/pts; a line per
 *       read: wall_us W bytes B
 *
 * The baseline of a CT's part is bench/table-raw, which reads what the CTs' table reads;
 * this adds what the host's block reads, so that the export is set against the same
 * kernel files as its own. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 16];

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Reads path to its end, counting in *blocks (when given) the lines that start a block.
 * The bytes read, or -1. */
static long long slurp(const char *path, long *blocks)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	long long total = 0;
	bool line_start = true, blanks = true;
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		total += n;
		for (ssize_t i = 0; blocks && i < n; i++) {
			char c = buf[i];

			if (c == '\n') {
				line_start = blanks = true;
				continue;
			}
			if (!line_start)
				continue;
			if (c == ' ' && blanks)
				continue;
			if (isdigit((unsigned char)c)) {
				blanks = false;
				continue;
			}
			if (c == ':' && !blanks)
				(*blocks)++;
			line_start = false;
		}
	}
	close(fd);
	return n < 0 ? -1 : total;
}

static long entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	long n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static long long host_files(const char *cgroot, const char *cgparent)
{
	static const char *const net[] = { "tcp", "tcp6", "udp", "udp6", "unix", "raw", "raw6", "packet" };
	static const char *const parent_files[] = { "memory.stat", "pids.current", "memory.swap.current" };
	static const char *const proc_files[] = { "/proc/loadavg", "/proc/meminfo",
						  "/proc/sys/kernel/random/boot_id" };
	char path[4096];
	long long sum = 0, n;

	snprintf(path, sizeof(path), "%s/memory.stat", cgroot);
	sum += (n = slurp(path, NULL)) > 0 ? n : 0;
	for (size_t i = 0; i < sizeof(parent_files) / sizeof(parent_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", cgparent, parent_files[i]);
		sum += (n = slurp(path, NULL)) > 0 ? n : 0;
	}
	for (size_t i = 0; i < sizeof(proc_files) / sizeof(proc_files[0]); i++)
		sum += (n = slurp(proc_files[i], NULL)) > 0 ? n : 0;
	for (size_t i = 0; i < sizeof(net) / sizeof(net[0]); i++) {
		snprintf(path, sizeof(path), "/proc/1/net/%s", net[i]);
		sum += (n = slurp(path, NULL)) > 0 ? n : 0;
	}
	return sum + entries("/proc/1/root/dev/pts");
}

static long count(const char *text)
{
	char *end;
	long n = strtol(text, &end, 10);

	return *end || n < 1 ? -1 : n;
}

int main(int argc, char **argv)
{
	bool host = argc == 5 && strcmp(argv[1], "--host") == 0;
	long reads = host ? count(argv[4]) : argc == 3 ? count(argv[2]) : -1;

	if (reads < 1) {
		fprintf(stderr, "usage: export-read FILE READS | export-read --host CGROOT CGPARENT READS\n");
		return 2;
	}
	for (long i = 0; i < reads; i++) {
		long blocks = 0;
		int64_t t0 = now_us();
		long long bytes = host ? host_files(argv[2], argv[3]) : slurp(argv[1], &blocks);
		int64_t t1 = now_us();

		if (bytes < 0) {
			perror(argv[1]);
			return 1;
		}
		if (host)
			printf("wall_us %lld bytes %lld\n", (long long)(t1 - t0), bytes);
		else
			printf("wall_us %lld bytes %lld blocks %ld\n", (long long)(t1 - t0), bytes, blocks);
	}
	return 0;
}
