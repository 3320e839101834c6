/* The reader of the export benchmark (bench/export.sh).
 *
 *   export-read FILE READS
 *       READS reads of FILE whole, each an open, read(2) to the end and close, as a
 *       monitoring agent reads proc/user_beancounters; one line per read:
 *         wall_us W bytes B blocks K
 *       (K: lines that start a block, `<id>:` after blanks)
 *
 * Its baseline is bench/table-raw --host, which reads the kernel files the CTs' table
 * and the host's block read. */
#include <ctype.h>
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

static long count(const char *text)
{
	char *end;
	long n = strtol(text, &end, 10);

	return *end || n < 1 ? -1 : n;
}

int main(int argc, char **argv)
{
	long reads = argc == 3 ? count(argv[2]) : -1;

	if (reads < 1) {
		fprintf(stderr, "usage: export-read FILE READS\n");
		return 2;
	}
	for (long i = 0; i < reads; i++) {
		long blocks = 0;
		int64_t t0 = now_us();
		long long bytes = slurp(argv[1], &blocks);
		int64_t t1 = now_us();

		if (bytes < 0) {
			perror(argv[1]);
			return 1;
		}
		printf("wall_us %lld bytes %lld blocks %ld\n", (long long)(t1 - t0), bytes, blocks);
	}
	return 0;
}
