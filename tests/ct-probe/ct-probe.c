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
 *                          "tcp T udp U unix X" (bytes each took), then "ready"
 *   ct-probe calls PATH    tries calls a CT's system-call filter refuses, one line each:
 *                          "NAME ok" or "NAME <errno name>": open_by_handle_at of the
 *                          ext4 root handle {type 1, inode 2} on PATH's file system,
 *                          keyctl (also through the i386 and x32 tables), add_key, bpf,
 *                          perf_event_open of a software counter */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <sys/file.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/shm.h>
#include <sys/syscall.h>
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

static void call_result(const char *name, long r)
{
	printf("%s %s\n", name, r >= 0 ? "ok" : strerrorname_np(errno));
}

static sigjmp_buf no_ia32;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(no_ia32, 1);
}

/* keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1) through the i386 table
 * (int $0x80, keyctl is 288 there): what a 32-bit program would call.  A kernel
 * without the i386 ABI answers int $0x80 with SIGSEGV: ENOEXEC then. */
static long keyctl_i386(void)
{
	struct sigaction sa = { .sa_handler = on_segv }, old;
	long r;

	sigaction(SIGSEGV, &sa, &old);
	if (sigsetjmp(no_ia32, 1)) {
		sigaction(SIGSEGV, &old, NULL);
		errno = ENOEXEC;
		return -1;
	}
	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"(288L), "b"((long)KEYCTL_GET_KEYRING_ID),
			   "c"((long)KEY_SPEC_SESSION_KEYRING), "d"(1L)
			 : "r8", "r9", "r10", "r11", "memory");
	sigaction(SIGSEGV, &old, NULL);
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* Calls the kernel allows an ordinary process (keyctl, the x86 ones) or root of the
 * host (open_by_handle_at, bpf, perf_event_open), so that a refusal inside a CT
 * shows its filter (open_by_handle_at, bpf: also its capability set). */
static int calls(const char *path)
{
	struct {
		struct file_handle h;
		unsigned int ino_gen[2];
	} fh = { .h = { .handle_bytes = 8, .handle_type = 1 }, .ino_gen = { 2, 0 } };
	struct perf_event_attr pe = {
		.type = PERF_TYPE_SOFTWARE, .size = sizeof(pe), .config = PERF_COUNT_SW_CPU_CLOCK,
		.exclude_kernel = 1, .exclude_hv = 1,
	};
	union bpf_attr map = {
		.map_type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 1,
	};
	int mnt = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long r;

	if (mnt < 0) {
		perror(path);
		return 1;
	}
	r = open_by_handle_at(mnt, &fh.h, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	call_result("open_by_handle_at", r);
	r = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1);
	call_result("keyctl", r);
	call_result("keyctl-i386", keyctl_i386());
	r = syscall(0x40000000 | SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1);
	call_result("keyctl-x32", r);
	r = syscall(SYS_add_key, "user", "ct-probe", "x", 1, KEY_SPEC_PROCESS_KEYRING);
	call_result("add_key", r);
	r = syscall(SYS_bpf, BPF_MAP_CREATE, &map, sizeof(map));
	call_result("bpf", r);
	r = syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0);
	call_result("perf_event_open", r);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: ct-probe forks|hog|hold|spin|shm|pty|load|sock N, "
			"ct-probe calls PATH\n");
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
	if (!strcmp(argv[1], "calls"))
		return calls(argv[2]);
	fprintf(stderr, "ct-probe: unknown probe %s\n", argv[1]);
	return 2;
}
