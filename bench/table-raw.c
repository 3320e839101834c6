/* The baseline of the table benchmark (bench/counters.sh): the kernel files that
 * core/acct/counters.c reads for a running CT, each opened, read to its end and closed once,
 * with no parsing beyond what finds the next file (the init's pid, the cgroup's pids).
 *
 *   table-raw CONFDIR RUNDIR CGDIR CALLS [--host CGROOT]
 *
 * For each <id>.conf of CONFDIR (the name only; the config is not read): the init's pid
 * from RUNDIR/<id>.pid, its /proc/<pid>/stat and /proc/<pid>/cgroup; the cgroup files
 * of CGDIR/<id> (pids.*, memory.* and memory.swap.* counters and limits, memory.stat,
 * cgroup.procs); /proc/<pid>/status and the entries of /proc/<pid>/fd of each of the
 * cgroup's processes; the init's /proc/<pid>/net/packet and the entries of
 * /proc/<pid>/root/dev/pts; in the init's netns what core/acct/netcount.c
 * reads (net_reads below).  Then /proc/locks once.
 *
 * Each call on a line, as table-all prints it:
 *   wall_us W user_us U sys_us S cts N running R
 * (running: CTs whose init pid and cgroup were found).  With --host CGROOT each call also
 * reads what the host's block reads (host_reads below), timed apart: host_us H at the end
 * of the line. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_arp/arp_tables.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

static char buf[1 << 16];

static const char *const cg_files[] = {
	"pids.current",        "pids.events",       "pids.max",        "memory.current",
	"memory.events",       "memory.peak",       "memory.max",      "memory.high",
	"memory.swap.current", "memory.swap.events", "memory.swap.max", "memory.stat",
};

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

/* One netlink dump: the request sent, the replies read up to NLMSG_DONE or an error. */
static void nl_dump(int fd, uint16_t type, const void *req, size_t len, uint64_t *sink)
{
	struct {
		struct nlmsghdr h;
		char body[64];
	} m = { .h = { .nlmsg_len = (uint32_t)NLMSG_LENGTH(len), .nlmsg_type = type,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP } };
	static char rx[32768] __attribute__((aligned(4)));
	bool done = false;
	ssize_t n;

	memcpy(m.body, req, len);
	if (send(fd, &m, m.h.nlmsg_len, 0) < 0)
		return;
	while (!done && (n = recv(fd, rx, sizeof(rx), 0)) > 0)
		for (struct nlmsghdr *h = (struct nlmsghdr *)rx; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			*sink += h->nlmsg_len;
			done |= h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR;
		}
}

/* What core/acct/netcount.c reads for a CT: inside the init's netns, once, a sock_diag socket,
 * the lists of legacy tables (and a UDP socket per family to ask them), an nfnetlink
 * socket while nf_tables is loaded; back out, 7 sock_diag dumps with meminfo (TCP, UDP,
 * raw for IPv4 and IPv6; unix), each listed table's info, an nftables rule dump. */
static void net_reads(long init, uint64_t *sink)
{
	static const int inet[][2] = { { AF_INET, IPPROTO_TCP },  { AF_INET6, IPPROTO_TCP },
				       { AF_INET, IPPROTO_UDP },  { AF_INET6, IPPROTO_UDP },
				       { AF_INET, IPPROTO_RAW },  { AF_INET6, IPPROTO_RAW } };
	static const char *const lists[] = { "ip_tables_names", "ip6_tables_names", "arp_tables_names" };
	static const int level[] = { IPPROTO_IP, IPPROTO_IPV6, IPPROTO_IP };
	static const int opt[] = { IPT_SO_GET_INFO, IP6T_SO_GET_INFO, ARPT_SO_GET_INFO };
	char path[64], names[3][256] = { "", "", "" };
	int self, target, diag, nft = -1, xt[3] = { -1, -1, -1 };

	snprintf(path, sizeof(path), "/proc/%ld/ns/net", init);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || target < 0 || setns(target, CLONE_NEWNET) < 0)
		exit(1);
	diag = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	for (int f = 0; f < 3; f++) {
		snprintf(path, sizeof(path), "/proc/thread-self/net/%s", lists[f]);
		if (slurp_at(AT_FDCWD, path) > 0 && strlen(buf) < sizeof(names[f])) {
			strcpy(names[f], buf);
			xt[f] = socket(f == 1 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		}
	}
	if (access("/sys/module/nf_tables", F_OK) == 0)
		nft = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (setns(self, CLONE_NEWNET) < 0)
		exit(1);
	close(self);
	close(target);
	for (size_t i = 0; i < sizeof(inet) / sizeof(inet[0]); i++) {
		struct inet_diag_req_raw r = { .sdiag_family = (uint8_t)inet[i][0],
					       .sdiag_protocol = (uint8_t)inet[i][1],
					       .idiag_ext = 1 << (INET_DIAG_SKMEMINFO - 1),
					       .sdiag_raw_protocol = inet[i][1] == IPPROTO_RAW ? IPPROTO_RAW : 0,
					       .idiag_states = ~0U };

		nl_dump(diag, SOCK_DIAG_BY_FAMILY, &r, sizeof(r), sink);
	}
	struct unix_diag_req u = { .sdiag_family = AF_UNIX, .udiag_states = ~0U,
				   .udiag_show = UDIAG_SHOW_MEMINFO };
	nl_dump(diag, SOCK_DIAG_BY_FAMILY, &u, sizeof(u), sink);
	close(diag);
	for (int f = 0; f < 3; f++) {
		for (char *t = strtok(names[f], "\n"); t && xt[f] >= 0; t = strtok(NULL, "\n")) {
			struct ip6t_getinfo gi = { 0 }; /* the largest of the three answers */
			socklen_t len = f == 0 ? sizeof(struct ipt_getinfo) :
					f == 1 ? sizeof(struct ip6t_getinfo) : sizeof(struct arpt_getinfo);

			snprintf(gi.name, sizeof(gi.name), "%s", t);
			*sink += getsockopt(xt[f], level[f], opt[f], &gi, &len) == 0;
		}
		if (xt[f] >= 0)
			close(xt[f]);
	}
	if (nft >= 0) {
		struct nfgenmsg g = { .nfgen_family = NFPROTO_UNSPEC, .version = NFNETLINK_V0 };

		nl_dump(nft, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETRULE, &g, sizeof(g), sink);
		close(nft);
	}
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
	snprintf(path, sizeof(path), "/proc/%ld/net/packet", init);
	*sink += (uint64_t)slurp_at(AT_FDCWD, path);
	snprintf(path, sizeof(path), "/proc/%ld/root/dev/pts", init);
	*sink += entries(path);
	net_reads(init, sink);
	return true;
}

/* What core/acct/hostbc.c reads for the host's block: the root's memory.stat, the CTs'
 * parent's memory.stat, pids.current and memory.swap.current, /proc/loadavg,
 * /proc/meminfo, the boot id, pid 1's network namespace as a CT's, its packet sockets
 * and the entries of its devpts. */
static void host_reads(int cgroot, int cgdir, uint64_t *sink)
{
	static const char *const parent_files[] = { "memory.stat", "pids.current", "memory.swap.current" };
	static const char *const proc_files[] = { "/proc/loadavg", "/proc/meminfo",
						  "/proc/sys/kernel/random/boot_id",
						  "/proc/1/net/packet" };

	*sink += (uint64_t)slurp_at(cgroot, "memory.stat");
	for (size_t i = 0; i < sizeof(parent_files) / sizeof(parent_files[0]); i++)
		*sink += (uint64_t)slurp_at(cgdir, parent_files[i]);
	for (size_t i = 0; i < sizeof(proc_files) / sizeof(proc_files[0]); i++)
		*sink += (uint64_t)slurp_at(AT_FDCWD, proc_files[i]);
	net_reads(1, sink);
	*sink += entries("/proc/1/root/dev/pts");
}

int main(int argc, char **argv)
{
	int cgroot = -1, cgdir;
	char *end;
	long calls;

	if (argc == 7 && strcmp(argv[5], "--host") == 0) {
		cgroot = open(argv[6], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (cgroot < 0) {
			perror("table-raw: CGROOT");
			return 1;
		}
		argc = 5;
	}
	if (argc != 5 || (calls = strtol(argv[4], &end, 10)) < 1 || *end) {
		fprintf(stderr, "usage: table-raw CONFDIR RUNDIR CGDIR CALLS [--host CGROOT]\n");
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
		printf("wall_us %lld user_us %lld sys_us %lld cts %zu running %zu", (long long)(t1 - t0),
		       (long long)(tv_us(&r1.ru_utime) - tv_us(&r0.ru_utime)),
		       (long long)(tv_us(&r1.ru_stime) - tv_us(&r0.ru_stime)), cts, running);
		if (cgroot >= 0) {
			t0 = now_us();
			host_reads(cgroot, cgdir, &sink);
			printf(" host_us %lld", (long long)(now_us() - t0));
		}
		putchar('\n');
		if (sink == 0)
			fprintf(stderr, "table-raw: nothing read\n");
	}
	close(cgdir);
	return 0;
}
