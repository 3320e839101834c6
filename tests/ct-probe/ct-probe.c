/* A static program the guest tests copy into a CT to load it and probe its limits
 * from inside (the CT's own libc may be anything, or none but busybox).
 *
 *   ct-probe forks N       fork N children that wait; print "forked F refused R
 *                          current C" (C: the CT's pids.current as it sees it)
 *   ct-probe hog MIB       allocate and touch MIB MiB, 1 MiB at a time, printing each
 *   ct-probe hold MIB      the same, silently, then keep it for 120 s
 *   ct-probe spin SECS     burn one CPU for SECS seconds of wall time
 *   ct-probe shm BYTES     shmget one segment: "ok" or "refused <errno name>"
 *   ct-probe pty N         open /dev/ptmx N times: "opened K" (and the first error)
 *   ct-probe load N        hold a known load for 120 s: N more open files, N flocks,
 *                          N listening TCP sockets, N UDP sockets on 127.0.0.1, 1 MiB
 *                          mlocked, one 1 MiB shared memory segment touched; prints
 *                          "ready" once it holds them all
 *   ct-probe sock BYTES    unread data on loopback, held until killed: a TCP connection
 *                          whose sender writes up to BYTES (until its buffers are full)
 *                          that the peer never reads, UDP_DGRAMS datagrams of UDP_SIZE
 *                          bytes to a UDP socket that never reads, and up to BYTES into
 *                          one end of a unix socketpair; prints
 *                          "tcp T udp U unix X" (bytes each took), then "ready" */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHILDREN 100000

static long arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0) {
		fprintf(stderr, "ct-probe: not a count: %s\n", s);
		exit(2);
	}
	return v;
}

static int forks(long n)
{
	static pid_t kids[MAX_CHILDREN];
	long forked = 0, refused = 0;
	char cur[32] = "?";
	FILE *f;

	if (n > MAX_CHILDREN)
		n = MAX_CHILDREN;
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			sleep(60); /* bounded: killed below, or ends by itself */
			_exit(0);
		}
		if (pid < 0)
			refused++;
		else
			kids[forked++] = pid;
	}
	f = fopen("/sys/fs/cgroup/pids.current", "r");
	if (f) {
		if (!fgets(cur, sizeof(cur), f))
			strcpy(cur, "?");
		cur[strcspn(cur, "\n")] = '\0';
		fclose(f);
	}
	printf("forked %ld refused %ld current %s\n", forked, refused, cur);
	fflush(stdout);
	for (long i = 0; i < forked; i++)
		kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	return 0;
}

static int hog(long mib, bool quiet)
{
	for (long i = 0; i < mib; i++) {
		char *p = malloc(1 << 20);

		if (!p) {
			printf("malloc failed at %ld MiB\n", i);
			return 1;
		}
		memset(p, 0x5a, 1 << 20);
		if (!quiet) {
			printf("%ld\n", i + 1);
			fflush(stdout);
		}
	}
	return 0;
}

static int spin(long secs)
{
	struct timespec start, now;
	volatile unsigned long x = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		for (int i = 0; i < 100000; i++)
			x++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < secs);
	return 0;
}

static int shm(long bytes)
{
	int id = shmget(IPC_PRIVATE, (size_t)bytes, IPC_CREAT | 0600);

	if (id < 0) {
		printf("refused %s\n", strerrorname_np(errno));
		return 1;
	}
	shmctl(id, IPC_RMID, NULL);
	printf("ok\n");
	return 0;
}

static int pty(long n)
{
	long opened = 0;

	for (long i = 0; i < n; i++) {
		if (open("/dev/ptmx", O_RDWR | O_NOCTTY) < 0) {
			printf("opened %ld, then %s\n", opened, strerrorname_np(errno));
			return 1;
		}
		opened++;
	}
	printf("opened %ld\n", opened);
	return 0;
}

static int sock_on(int type)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, type, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 1) < 0))
		return -1;
	return fd;
}

static int load(long n)
{
	static char locked[1 << 20] __attribute__((aligned(4096)));
	int id;
	char *shm;

	for (long i = 0; i < n; i++) {
		int f = open("/dev/null", O_RDONLY);
		int l = open("/tmp/ct-probe.lock", O_RDWR | O_CREAT, 0600);

		if (f < 0 || l < 0 || flock(l, LOCK_SH) < 0 || sock_on(SOCK_STREAM) < 0 ||
		    sock_on(SOCK_DGRAM) < 0) {
			perror("ct-probe load");
			return 1;
		}
	}
	if (mlock(locked, sizeof(locked)) < 0) {
		perror("ct-probe load: mlock");
		return 1;
	}
	id = shmget(IPC_PRIVATE, 1 << 20, IPC_CREAT | 0600);
	shm = id < 0 ? (char *)-1 : shmat(id, NULL, 0);
	if (shm == (char *)-1) {
		perror("ct-probe load: shm");
		return 1;
	}
	memset(shm, 1, 1 << 20);
	shmctl(id, IPC_RMID, NULL); /* goes with the process */
	printf("ready\n");
	fflush(stdout);
	sleep(120);
	return 0;
}

#define UDP_DGRAMS 16 /* well under a default receive buffer: none is dropped */
#define UDP_SIZE 1000

/* Writes up to n bytes without blocking; what went in. */
static long fill(int fd, long n)
{
	static char chunk[65536];
	long sent = 0;

	while (sent < n) {
		size_t want = n - sent < (long)sizeof(chunk) ? (size_t)(n - sent) : sizeof(chunk);
		ssize_t w = send(fd, chunk, want, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w <= 0)
			break;
		sent += w;
	}
	return sent;
}

static int tcp_pair(int *client, int *server)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int l = sock_on(SOCK_STREAM);

	if (l < 0 || getsockname(l, (struct sockaddr *)&a, &len) < 0)
		return -1;
	*client = socket(AF_INET, SOCK_STREAM, 0);
	if (*client < 0 || connect(*client, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	*server = accept(l, NULL, NULL);
	close(l);
	return *server < 0 ? -1 : 0;
}

static long udp_unread(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	char dgram[UDP_SIZE] = { 0 };
	int rx = sock_on(SOCK_DGRAM), tx = socket(AF_INET, SOCK_DGRAM, 0);
	long sent = 0;

	if (rx < 0 || tx < 0 || getsockname(rx, (struct sockaddr *)&a, &len) < 0)
		return -1;
	for (int i = 0; i < UDP_DGRAMS; i++)
		if (sendto(tx, dgram, sizeof(dgram), 0, (struct sockaddr *)&a, sizeof(a)) ==
		    (ssize_t)sizeof(dgram))
			sent += sizeof(dgram);
	return sent;
}

static int sock(long n)
{
	int client, server, pair[2];
	long tcp, udp, unx;

	if (tcp_pair(&client, &server) < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, pair) < 0) {
		perror("ct-probe sock");
		return 1;
	}
	tcp = fill(client, n);
	udp = udp_unread();
	unx = fill(pair[0], n);
	if (udp < 0) {
		perror("ct-probe sock: udp");
		return 1;
	}
	usleep(200000); /* loopback has delivered and acknowledged what it will */
	printf("tcp %ld udp %ld unix %ld\nready\n", tcp, udp, unx);
	fflush(stdout);
	pause();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: ct-probe forks|hog|hold|spin|shm|pty|load|sock N\n");
		return 2;
	}
	if (!strcmp(argv[1], "forks"))
		return forks(arg(argv[2]));
	if (!strcmp(argv[1], "hog"))
		return hog(arg(argv[2]), false);
	if (!strcmp(argv[1], "hold")) {
		int r = hog(arg(argv[2]), true);

		sleep(120);
		return r;
	}
	if (!strcmp(argv[1], "spin"))
		return spin(arg(argv[2]));
	if (!strcmp(argv[1], "shm"))
		return shm(arg(argv[2]));
	if (!strcmp(argv[1], "pty"))
		return pty(arg(argv[2]));
	if (!strcmp(argv[1], "load"))
		return load(arg(argv[2]));
	if (!strcmp(argv[1], "sock"))
		return sock(arg(argv[2]));
	fprintf(stderr, "ct-probe: unknown probe %s\n", argv[1]);
	return 2;
}
