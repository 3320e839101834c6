/* A fixed CPU and system-call workload that times itself, for the CT-against-host
 * benchmark (bench/overhead.sh).  Static, so that it runs inside any CT, busybox alone
 * included.
 *
 *   workload WORK SYSCALLS
 *
 * WORK rounds of integer arithmetic (a xorshift generator folded into a checksum), then
 * SYSCALLS rounds of three cheap system calls each: getppid, clock_gettime through the
 * system call rather than the vDSO, and a 1-byte read of /dev/zero.  Each part is timed
 * with CLOCK_MONOTONIC inside the program, so starting it (and, in a CT, vzctl exec)
 * is not counted.  Prints one line:
 *
 *   work_us W syscall_us S total_us T check C
 *
 * (C, the checksum of the arithmetic, is the same wherever it runs and keeps the compiler
 * from dropping it.) */
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long count(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0) {
		fprintf(stderr, "workload: not a count: %s\n", s);
		exit(2);
	}
	return v;
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t work(long rounds)
{
	uint64_t x = 88172645463325252ULL, sum = 0;

	for (long i = 0; i < rounds; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sum += (x % 1000003) * (uint64_t)(i | 1);
	}
	return sum ^ x;
}

static volatile uint64_t syscall_sink;

static void syscalls(long rounds, int zero)
{
	uint64_t sum = 0;
	struct timespec ts;
	char c;

	for (long i = 0; i < rounds; i++) {
		sum += (uint64_t)syscall(SYS_getppid);
		if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) == 0)
			sum += (uint64_t)ts.tv_nsec & 1;
		if (read(zero, &c, 1) == 1)
			sum += (unsigned char)c;
	}
	syscall_sink = sum;
}

int main(int argc, char **argv)
{
	long w, s;
	int zero;
	int64_t t0, t1, t2;
	uint64_t check;

	if (argc != 3) {
		fprintf(stderr, "usage: workload WORK SYSCALLS\n");
		return 2;
	}
	w = count(argv[1]);
	s = count(argv[2]);
	zero = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (zero < 0) {
		perror("workload: /dev/zero");
		return 1;
	}
	t0 = now_us();
	check = work(w);
	t1 = now_us();
	syscalls(s, zero);
	t2 = now_us();
	close(zero);
	printf("work_us %" PRId64 " syscall_us %" PRId64 " total_us %" PRId64 " check %" PRIu64 "\n",
	       t1 - t0, t2 - t1, t2 - t0, check);
	return 0;
}
