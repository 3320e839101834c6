/* The host's own beancounter, block `0:` of the export (core/acct/acct.h).
 *
 * OpenVZ charged to UB 0 whatever ran outside CTs.  A stock kernel keeps no such
 * group, but it gives the whole system's figures and the CTs' together: the root
 * cgroup's memory.stat is hierarchical (the whole system as far as the kernel charges
 * memory to cgroups), and every CT lives below one parent cgroup (CT_CGROUP_PARENT),
 * whose files sum its CTs.  So the host holds the difference.  Threads come from
 * /proc/loadavg (every task of the system, kernel threads included, as UB 0 had them)
 * less the parent's pids.current; swap from /proc/meminfo less the parent's
 * memory.swap.current.  Every CT has its own network namespace and devpts, so the
 * sockets and netfilter entries of pid 1's namespace and the entries of the host's
 * devpts are the host's.  What no such pair gives (the sums over processes:
 * lockedpages, privvmpages, vmguarpages, numfile, numflock; numsiginfo, whose uids the
 * host shares with CTs) has no usage.
 *
 * Nothing limits the host: barrier and limit are unlimited, failcnt 0.  maxheld is the
 * largest held any read saw since the system booted, in <RUNDIR>/0.bcstate (the
 * file counters.c keeps for a CT is tied to the CT's init; the host's is tied to the
 * kernel's boot_id, and starts afresh at a reboot as UB 0 did).  The file has the CTs'
 * rules: flock around read and write, written in place only when a value rose. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/acct/acct.h"
#include "core/base/base.h"
#include "core/cgroup/cgroup.h"

#define HOST_STATE "0.bcstate"


/* ------------------------------------------------------------ pure part */

/* The value of a `key value` line of a flat-keyed text; false when absent. */
static bool flat_key(const char *text, const char *key, uint64_t *ret)
{
	size_t kl = strlen(key);

	for (const char *l = text; l && *l;) {
		if (strncmp(l, key, kl) == 0 && (l[kl] == ' ' || l[kl] == ':')) {
			const char *v = l + kl + 1;

			while (*v == ' ')
				v++;
			if (!isdigit((unsigned char)*v))
				return false;
			*ret = strtoull(v, NULL, 10);
			return true;
		}
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return false;
}

static uint64_t key_or_zero(const char *text, const char *key)
{
	uint64_t v = 0;

	return flat_key(text, key, &v) ? v : 0;
}

/* Kernel memory of a memory.stat: `kernel` since Linux 5.18, the parts before. */
static uint64_t stat_kernel(const char *st)
{
	uint64_t v;

	if (flat_key(st, "kernel", &v))
		return v;
	return key_or_zero(st, "kernel_stack") + key_or_zero(st, "pagetables") +
	       key_or_zero(st, "percpu") + key_or_zero(st, "slab");
}

/* What memory.current counts, from memory.stat: the root has no memory.current. */
static uint64_t stat_charged(const char *st)
{
	return key_or_zero(st, "anon") + key_or_zero(st, "file") + stat_kernel(st) +
	       key_or_zero(st, "sock");
}

static uint64_t minus(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static uint64_t to_pages(uint64_t bytes)
{
	return pages_ceil(bytes);
}

static void known(struct bc_table *t, enum ubc_id id, uint64_t held)
{
	t->row[id].held = held;
	t->row[id].maxheld = held;
	t->row[id].usage_known = true;
	t->row[id].cls = BC_ACCOUNTED;
}

/* A single number (pids.current, memory.swap.current). */
static bool number(const char *text, uint64_t *ret)
{
	char *end;

	if (!text || !isdigit((unsigned char)text[0]))
		return false;
	*ret = strtoull(text, &end, 10);
	return *end == '\0' || *end == '\n';
}

/* The total of loadavg's `running/total` field: every thread of the system. */
static bool loadavg_threads(const char *text, uint64_t *ret)
{
	unsigned long long running, total;

	if (!text || sscanf(text, "%*s %*s %*s %llu/%llu", &running, &total) != 2)
		return false;
	*ret = total;
	return true;
}

static bool swap_used_bytes(const char *meminfo, uint64_t *ret)
{
	uint64_t total, free_kb;

	if (!meminfo || !flat_key(meminfo, "SwapTotal", &total) ||
	    !flat_key(meminfo, "SwapFree", &free_kb))
		return false;
	*ret = minus(total, free_kb) * 1024;
	return true;
}

/* Lines past the header of a /proc/net table, -1 without the table. */
static long table_entries(const char *text)
{
	long lines = 0;

	if (!text)
		return -1;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	if (*text && text[strlen(text) - 1] != '\n')
		lines++;
	return lines > 0 ? lines - 1 : 0;
}

static void memory_rows(const struct bc_host_src *s, struct bc_table *t)
{
	const char *parent = s->parent_exists ? s->parent_stat : "";
	uint64_t used, pswap = 0;
	bool swap_known;

	if (!s->root_stat || !parent || s->parent_is_root)
		return;
	known(t, UB_PHYSPAGES, to_pages(minus(stat_charged(s->root_stat), stat_charged(parent))));
	known(t, UB_KMEMSIZE, minus(stat_kernel(s->root_stat), stat_kernel(parent)));
	known(t, UB_DCACHESIZE, minus(key_or_zero(s->root_stat, "slab_reclaimable"),
				      key_or_zero(parent, "slab_reclaimable")));
	known(t, UB_SHMPAGES, to_pages(minus(key_or_zero(s->root_stat, "shmem"),
					     key_or_zero(parent, "shmem"))));
	swap_known = swap_used_bytes(s->meminfo, &used) &&
		     (!s->parent_exists || number(s->parent_swap, &pswap));
	if (!swap_known)
		return;
	known(t, UB_SWAPPAGES, to_pages(minus(used, pswap)));
	known(t, UB_OOMGUARPAGES, t->row[UB_PHYSPAGES].held + t->row[UB_SWAPPAGES].held);
}

static void numproc_row(const struct bc_host_src *s, struct bc_table *t)
{
	uint64_t threads, pids = 0;

	if (s->parent_is_root || !loadavg_threads(s->loadavg, &threads))
		return;
	if (s->parent_exists && !number(s->parent_pids, &pids))
		return;
	known(t, UB_NUMPROC, minus(threads, pids));
}

void bc_host_table(const struct bc_host_src *s, struct bc_table *ret)
{
	struct bc_table t = { .ctid = 0, .running = true };

	for (int id = 0; id < UB_KERNEL_COUNT; id++)
		if (ubc_by_id(id)) {
			t.row[id].barrier = t.row[id].limit = VZ_UNLIMITED;
			t.row[id].cls = BC_NOT_AVAILABLE;
		}
	memory_rows(s, &t);
	numproc_row(s, &t);
	if (s->net) {
		long packets = table_entries(s->packet); /* none: a kernel without them */

		bc_table_set_net(&t, s->net, packets > 0 ? (uint64_t)packets : 0);
	}
	if (s->ptys >= 0)
		known(&t, UB_NUMPTY, (uint64_t)s->ptys);
	for (int id = 0; id < UB_KERNEL_COUNT; id++)
		if (t.row[id].usage_known)
			t.row[id].cls = BC_ACCOUNTED;
	*ret = t;
}

/* ------------------------------------------------------------- sources */

/* A whole file at dirfd, NULL when it cannot be read. */
static char *slurp_at(int dirfd, const char *path)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char *text = NULL;

	if (fd < 0 || vz_read_fd(fd, &text, NULL) < 0)
		return NULL;
	return text;
}

/* The kernel's id of this boot: a state file of another boot is not this one's. */
static char *boot_id(void)
{
	char *text = slurp_at(AT_FDCWD, "/proc/sys/kernel/random/boot_id");

	if (text)
		text[strcspn(text, "\n")] = '\0';
	return text;
}

/* Raises maxheld to the largest value kept this boot and keeps the result. */
static void keep_maxheld(const struct vz_host *host, struct bc_table *t)
{
	_cleanup_free_ char *id = boot_id(), *tag = NULL;

	if (id && asprintf(&tag, "boot %s\n", id) >= 0)
		bc_maxheld_keep(host->rundir, HOST_STATE, tag, t);
	else
		tag = NULL;
}

struct host_texts {
	char *root_stat, *parent_stat, *parent_pids, *parent_swap, *loadavg, *meminfo, *packet;
};

static void host_texts_free(struct host_texts *x)
{
	free(x->root_stat);
	free(x->parent_stat);
	free(x->parent_pids);
	free(x->parent_swap);
	free(x->loadavg);
	free(x->meminfo);
	free(x->packet);
}

int bc_table_host(const struct vz_host *host, struct bc_table *ret, vz_err *err)
{
	__attribute__((cleanup(host_texts_free))) struct host_texts x = { 0 };
	_cleanup_cgroup_ bc_cgroup *parent = NULL, *root = NULL;
	struct bc_host_src s = { .ptys = -1 };
	struct bc_net_usage net;
	struct bc_table t;
	int r;

	r = bc_cg_open_parent(host, &parent, &s.parent_is_root, err);
	/* A parent that is not there (no CT ever ran) is no error once the backend is up:
	 * the host then holds all. */
	if (r < 0 && !(r == -ENOENT && bc_cg_root_fd() >= 0))
		return r;
	s.parent_exists = parent != NULL || s.parent_is_root;
	if (!s.parent_is_root && bc_cg_open_root(&root, NULL) == 0 &&
	    bc_cg_read(root, "memory.stat", &x.root_stat, NULL) < 0)
		x.root_stat = NULL;
	s.root_stat = x.root_stat;
	if (parent) {
		if (bc_cg_read(parent, "memory.stat", &x.parent_stat, NULL) < 0)
			x.parent_stat = NULL;
		if (bc_cg_read(parent, "pids.current", &x.parent_pids, NULL) < 0)
			x.parent_pids = NULL;
		if (bc_cg_read(parent, "memory.swap.current", &x.parent_swap, NULL) < 0)
			x.parent_swap = NULL;
		s.parent_stat = x.parent_stat;
		s.parent_pids = x.parent_pids;
		s.parent_swap = x.parent_swap;
	}
	s.loadavg = x.loadavg = slurp_at(AT_FDCWD, "/proc/loadavg");
	s.meminfo = x.meminfo = slurp_at(AT_FDCWD, "/proc/meminfo");
	if (bc_net_usage(1, &net, NULL) == 0)
		s.net = &net;
	s.packet = x.packet = slurp_at(AT_FDCWD, "/proc/1/net/packet");
	s.ptys = devpts_count("/proc/1/root");
	if (s.ptys < 0)
		s.ptys = -1;
	bc_host_table(&s, &t);
	keep_maxheld(host, &t);
	*ret = t;
	return 0;
}
