/* The beancounter table of a CT (core/acct/acct.h): one function that every
 * reader (vzlist, the export) uses.
 *
 * A running CT's values come from the kernel at each call: its cgroup files, the
 * /proc files of its tasks, and /proc/<init>/net and /proc/<init>/root of its own
 * namespaces.  barrier and limit are what is in force: the cgroup file where one
 * carries the resource, else the config (after the vswap fill).  A stopped CT has its
 * config's barrier and limit and no usage.
 *
 * The kernel keeps a peak for physpages alone (memory.peak); a refusal counted against
 * numproc's or swappages' own limit shows the count stood at that limit.  For the rest
 * the largest held value seen by any read is kept in <RUNDIR>/<ctid>.bcstate, tied to the
 * CT's init (pid and start time), so that maxheld never goes backwards while the CT
 * runs, whoever reads and however often its reader restarts, and starts afresh with
 * the CT as OpenVZ's did.  failcnt is the kernel's count of refusals (pids.events,
 * memory.events, memory.swap.events), which lives exactly as long as the CT's cgroup. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/acct/acct.h"
#include "core/base/base.h"
#include "core/cgroup/cgroup.h"

/* --------------------------------------------------------------- sources */

static uint64_t pages(uint64_t bytes)
{
	return bytes == UINT64_MAX ? VZ_UNLIMITED : pages_ceil(bytes);
}

/* A limit file ("max" or bytes) as pages; unlimited for "max". */
static uint64_t limit_pages(bc_cgroup *cg, const char *file)
{
	uint64_t v;

	if (bc_cg_read_u64(cg, file, &v, NULL) < 0)
		return VZ_UNLIMITED;
	return pages(v);
}

static uint64_t key_or_zero(bc_cgroup *cg, const char *file, const char *key)
{
	uint64_t v = 0;

	if (bc_cg_read_key(cg, file, key, &v, NULL) < 0)
		return 0;
	return v;
}

/* The value of key in memory.stat text, 0 when absent. */
static uint64_t stat_key(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, key, kl) == 0 && l[kl] == ' ')
			return strtoull(l + kl + 1, NULL, 10);
	return 0;
}

/* Queued signals by uid: SigQ of /proc/<pid>/status. */
struct sigq {
	unsigned long uid;
	uint64_t queued;
};

/* What the CT's tasks hold, from /proc/<pid>/status and /proc/<pid>/fd.  userns: the
 * inode of the CT's own user namespace, 0 when it runs in the host's. */
struct task_sums {
	uint64_t locked_kb, privvm_kb, files;
	ino_t userns;
	struct sigq *sigq;
	size_t nsigq;
	bool sigq_lost;
};

static uint64_t status_kb(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

/* The kernel counts queued siginfos per (user namespace, uid), charged to the
 * receiving task's real uid, and shows the count of a task's own pair as SigQ (Linux
 * 5.14 and later).  In a CT with a user namespace of its own those pairs belong to the
 * CT alone, so the sum over the uids of its tasks in that namespace is its count; a
 * namespace nested inside the CT charges its owner's uid as well, so tasks of nested
 * namespaces are left out.  Without a user namespace the pairs are the host's. */
static void add_sigq(pid_t pid, const char *status, struct task_sums *s)
{
	char path[64];
	struct stat st;
	const char *q = strstr(status, "\nSigQ:"), *u = strstr(status, "\nUid:");
	unsigned long uid;
	uint64_t queued;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	if (stat(path, &st) < 0 || st.st_ino != s->userns)
		return;
	if (!q || !u || sscanf(q, "\nSigQ: %" SCNu64, &queued) != 1 ||
	    sscanf(u, "\nUid: %lu", &uid) != 1) {
		s->sigq_lost = true;
		return;
	}
	for (size_t i = 0; i < s->nsigq; i++)
		if (s->sigq[i].uid == uid)
			return;
	if (s->nsigq % 16 == 0) {
		struct sigq *nv = realloc(s->sigq, (s->nsigq + 16) * sizeof(*nv));

		if (!nv) {
			s->sigq_lost = true;
			return;
		}
		s->sigq = nv;
	}
	s->sigq[s->nsigq++] = (struct sigq){ uid, queued };
}

static void add_task(pid_t pid, struct task_sums *s)
{
	char path[64];
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *text = NULL;
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || vz_read_fd(fd, &text, NULL) < 0)
		return;
	s->locked_kb += status_kb(text, "\nVmLck:");
	/* Private writable memory a task has mapped: data and stack. */
	s->privvm_kb += status_kb(text, "\nVmData:") + status_kb(text, "\nVmStk:");
	if (s->userns)
		add_sigq(pid, text, s);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			s->files++;
	closedir(d);
}

struct pid_list {
	pid_t *v;
	size_t n, cap;
	bool full; /* out of memory: the list is what there was room for */
};

static void add_pid(void *ctx, pid_t pid)
{
	struct pid_list *l = ctx;

	if (l->n == l->cap) {
		pid_t *nv = l->full ? NULL : reallocarray(l->v, l->cap ? 2 * l->cap : 64, sizeof(*nv));

		if (!nv) {
			l->full = true;
			return;
		}
		l->v = nv;
		l->cap = l->cap ? 2 * l->cap : 64;
	}
	l->v[l->n++] = pid;
}

/* The processes of the CT's cgroup and of the cgroups the CT made below it (systemd's
 * units): their pids, malloc'd. */
static size_t cg_pids(bc_cgroup *cg, pid_t **ret)
{
	struct pid_list l = { NULL, 0, 0, false };

	bc_cg_walk_procs(cg, add_pid, &l);
	*ret = l.v;
	return l.n;
}

/* The holder of each lock of the host's /proc/locks (host pids), sorted: read once
 * for a whole table.  Waiters ("->" lines) hold nothing. */
struct lock_holders {
	pid_t *pid;
	size_t n;
	bool ok; /* the whole file was read: else numflock is not available */
};

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

static void read_lock_holders(struct lock_holders *h)
{
	FILE *f = fopen("/proc/locks", "re");
	char line[256];
	size_t cap = 0;

	*h = (struct lock_holders){ NULL, 0, false };
	if (!f)
		return;
	h->ok = true;
	while (fgets(line, sizeof(line), f)) {
		char kind[16], mode[16], rw[16], arrow[4];
		long pid;

		if (sscanf(line, "%*d: %3s", arrow) == 1 && strcmp(arrow, "->") == 0)
			continue;
		if (sscanf(line, "%*d: %15s %15s %15s %ld", kind, mode, rw, &pid) != 4)
			continue;
		if (h->n == cap) {
			pid_t *nv = realloc(h->pid, (cap = cap ? 2 * cap : 64) * sizeof(*nv));

			if (!nv) {
				h->ok = false;
				break;
			}
			h->pid = nv;
		}
		h->pid[h->n++] = (pid_t)pid;
	}
	if (ferror(f))
		h->ok = false;
	fclose(f);
	if (h->n > 0)
		qsort(h->pid, h->n, sizeof(*h->pid), pid_cmp);
}

/* What a reader that stays (the export) keeps between tables; its worker threads share
 * one host, so one mutex guards it. */
struct bc_cache {
	pthread_mutex_t lock;
	struct limits_entry *v; /* the configs' limits, by ctid (see config_limits) */
	size_t n, cap;
	unsigned locks_max_age_ms; /* 0: every table reads /proc/locks */
	struct lock_holders locks; /* the last reading, begun at locks_at */
	struct timespec locks_at;
	bool have_locks;
};

struct bc_cache *bc_cache_new(void)
{
	struct bc_cache *c = calloc(1, sizeof(*c));

	if (c)
		pthread_mutex_init(&c->lock, NULL);
	return c;
}

void bc_cache_free(struct bc_cache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c->v);
	free(c->locks.pid);
	free(c);
}

void bc_cache_share_locks(struct bc_cache *c, unsigned max_age_ms)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->locks_max_age_ms = max_age_ms;
	pthread_mutex_unlock(&c->lock);
}

static int64_t ms_between(const struct timespec *a, const struct timespec *b)
{
	return (int64_t)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

static bool holders_copy(const struct lock_holders *from, struct lock_holders *to)
{
	to->n = 0;
	to->ok = from->ok;
	to->pid = from->n ? malloc(from->n * sizeof(*to->pid)) : NULL;
	if (from->n && !to->pid)
		return false;
	if (from->n)
		memcpy(to->pid, from->pid, from->n * sizeof(*to->pid));
	to->n = from->n;
	return true;
}

/* A copy of the kept reading when it was begun less than the allowed age ago. */
static bool locks_kept(struct bc_cache *c, struct lock_holders *ret)
{
	struct timespec now;
	bool ok = false;

	if (!c)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&c->lock);
	if (c->have_locks && c->locks_max_age_ms > 0 &&
	    ms_between(&c->locks_at, &now) < (int64_t)c->locks_max_age_ms)
		ok = holders_copy(&c->locks, ret);
	pthread_mutex_unlock(&c->lock);
	return ok;
}

/* Keeps a whole reading begun at `at` unless a later one is kept already. */
static void locks_keep(struct bc_cache *c, const struct lock_holders *h, const struct timespec *at)
{
	struct lock_holders copy;

	if (!c || !h->ok)
		return;
	pthread_mutex_lock(&c->lock);
	if (c->locks_max_age_ms > 0 && (!c->have_locks || ms_between(&c->locks_at, at) > 0) &&
	    holders_copy(h, &copy)) {
		free(c->locks.pid);
		c->locks = copy;
		c->locks_at = *at;
		c->have_locks = true;
	}
	pthread_mutex_unlock(&c->lock);
}

/* /proc/locks read by a thread of its own from the start of a table.  The kernel's
 * locks_start takes file_rwsem for writing, which waits for an RCU grace period (10 to
 * 30 ms off-CPU on an idle host) unless a writer took it within the last one; the
 * table's other reads go on meanwhile, and the holders are needed only at the end of a
 * running CT's tasks. */
struct lock_source {
	struct bc_cache *cache; /* where a reading is shared, or NULL */
	pthread_t thread;
	bool begun;   /* at the table's first running CT: a table of stopped CTs reads none */
	bool pending; /* the thread runs or has not been joined */
	bool read;    /* read for this table (else a copy of the cache's) */
	struct timespec at;
	struct lock_holders h;
};

static void *lock_source_run(void *arg)
{
	read_lock_holders(&((struct lock_source *)arg)->h);
	return NULL;
}

static void lock_source_init(struct lock_source *s, struct bc_cache *c)
{
	*s = (struct lock_source){ .cache = c };
}

/* The cache's reading when it is recent enough; else a new one, begun once.  Without a
 * thread (none can be made), the read is done here and now. */
static void lock_source_begin(struct lock_source *s)
{
	if (s->begun)
		return;
	s->begun = true;
	if (locks_kept(s->cache, &s->h))
		return;
	s->read = true;
	clock_gettime(CLOCK_MONOTONIC, &s->at);
	s->pending = pthread_create(&s->thread, NULL, lock_source_run, s) == 0;
	if (!s->pending)
		read_lock_holders(&s->h);
}

static const struct lock_holders *lock_source_get(struct lock_source *s)
{
	lock_source_begin(s);
	if (s->pending) {
		pthread_join(s->thread, NULL);
		s->pending = false;
	}
	if (s->read) {
		locks_keep(s->cache, &s->h, &s->at);
		s->read = false;
	}
	return &s->h;
}

static void lock_source_end(struct lock_source *s)
{
	if (s->begun)
		free(lock_source_get(s)->pid);
}

/* Locks held by the CT's processes. */
static uint64_t count_flocks(const pid_t *pids, size_t n, const struct lock_holders *h)
{
	uint64_t count = 0;

	for (size_t i = 0; i < n && h->n > 0; i++) {
		pid_t *hit = bsearch(&pids[i], h->pid, h->n, sizeof(*h->pid), pid_cmp);

		if (!hit)
			continue;
		while (hit > h->pid && hit[-1] == pids[i])
			hit--;
		for (; hit < h->pid + h->n && *hit == pids[i]; hit++)
			count++;
	}
	return count;
}

/* Lines of /proc/<init>/net/<file> past its header: sockets of the CT's netns. */
static uint64_t net_lines(pid_t init, const char *file)
{
	char path[64], buf[16384];
	_cleanup_close_ int fd = -1;
	uint64_t n = 0;
	ssize_t got;

	snprintf(path, sizeof(path), "/proc/%d/net/%s", (int)init, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	for (;;) {
		got = read(fd, buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		for (ssize_t i = 0; i < got; i++)
			n += buf[i] == '\n';
	}
	return n ? n - 1 : 0;
}

/* ptys open in the CT's own devpts: its numbered entries, resolved inside its root. */
static uint64_t count_ptys(pid_t init)
{
	char root[32];
	long n;

	snprintf(root, sizeof(root), "/proc/%d/root", (int)init);
	n = devpts_count(root);
	return n < 0 ? 0 : (uint64_t)n;
}

/* ------------------------------------------------------------ the table */

static void set_usage(struct bc_table *t, enum ubc_id id, uint64_t held, uint64_t failcnt)
{
	t->row[id].held = held;
	t->row[id].maxheld = held;
	t->row[id].failcnt = failcnt;
	t->row[id].usage_known = true;
}

static void limits_from_conf(const struct ct_res *res, struct bc_table *t)
{
	struct ct_res r = *res;

	ct_res_vswap_fill(&r);
	for (int id = 0; id < UB_KERNEL_COUNT; id++) {
		const struct ubc_res *u = ubc_by_id(id);

		if (!u)
			continue;
		t->row[id].cls = u->cls;
		t->row[id].barrier = r.ub[id].set ? r.ub[id].bar : VZ_UNLIMITED;
		t->row[id].limit = r.ub[id].set ? r.ub[id].lim : VZ_UNLIMITED;
	}
}

static void reached_limit(struct bc_row *r)
{
	if (r->usage_known && r->failcnt > 0 && r->limit < VZ_UNLIMITED && r->maxheld < r->limit)
		r->maxheld = r->limit;
}

/* The forks refused in the CT.  Before Linux 6.8 a refusal is counted only in the
 * pids.events of the cgroup that forked, wherever the limit was, so the CT's own
 * cgroups below it (a delegated tree: systemd's units) are added up; since 6.8
 * (pids.events.local exists) pids.events counts every refusal by this cgroup's limit
 * below it.  Without the newer kernel the sum also counts refusals by a limit the CT
 * set below its own (a unit's TasksMax): the kernel does not tell them apart. */
static uint64_t pids_refused(bc_cgroup *cg)
{
	uint64_t v = 0, local;

	if (bc_cg_read_key(cg, "pids.events.local", "max", &local, NULL) == 0)
		return key_or_zero(cg, "pids.events", "max");
	if (bc_cg_sum_key_below(cg, "pids.events", "max", &v) < 0)
		return 0;
	return v;
}

/* numproc, physpages, swappages, oomguarpages: held, peak, refusals and what is in
 * force, from the cgroup. */
static void memory_and_pids(bc_cgroup *cg, struct bc_table *t)
{
	uint64_t cur = 0, peak = 0, swap = 0, high;
	struct bc_row *phys = &t->row[UB_PHYSPAGES];
	_cleanup_free_ char *events = NULL;

	if (bc_cg_read_u64(cg, "pids.current", &cur, NULL) == 0)
		set_usage(t, UB_NUMPROC, cur, pids_refused(cg));
	if (bc_cg_read_u64(cg, "pids.max", &high, NULL) == 0)
		t->row[UB_NUMPROC].barrier = t->row[UB_NUMPROC].limit =
			high == UINT64_MAX ? VZ_UNLIMITED : high;
	if (bc_cg_read(cg, "memory.events", &events, NULL) < 0)
		events = NULL;
	if (bc_cg_read_u64(cg, "memory.current", &cur, NULL) == 0) {
		set_usage(t, UB_PHYSPAGES, pages(cur), events ? stat_key(events, "max") : 0);
		if (bc_cg_read_u64(cg, "memory.peak", &peak, NULL) == 0)
			phys->maxheld = pages(peak);
		phys->limit = limit_pages(cg, "memory.max");
		high = limit_pages(cg, "memory.high");
		phys->barrier = high < phys->limit ? high : 0;
	}
	if (bc_cg_read_u64(cg, "memory.swap.current", &swap, NULL) == 0) {
		set_usage(t, UB_SWAPPAGES, pages(swap), key_or_zero(cg, "memory.swap.events", "fail"));
		t->row[UB_SWAPPAGES].limit = limit_pages(cg, "memory.swap.max");
	}
	/* A refusal by this cgroup's own limit means the count stood at the limit then:
	 * the peak no read saw is known exactly. */
	reached_limit(&t->row[UB_NUMPROC]);
	reached_limit(&t->row[UB_SWAPPAGES]);
	/* OpenVZ's oomguarpages held is the memory the CT has, in RAM and swap; failcnt
	 * counts the CT's processes the OOM killer took. */
	set_usage(t, UB_OOMGUARPAGES, pages(cur) + pages(swap),
		  events ? stat_key(events, "oom_kill") : 0);
}

static void memory_stat(bc_cgroup *cg, struct bc_table *t)
{
	_cleanup_free_ char *st = NULL;
	uint64_t kernel;

	if (bc_cg_read(cg, "memory.stat", &st, NULL) < 0)
		return;
	kernel = stat_key(st, "kernel");
	if (!kernel) /* before Linux 5.18 memory.stat has no total */
		kernel = stat_key(st, "kernel_stack") + stat_key(st, "pagetables") +
			 stat_key(st, "percpu") + stat_key(st, "slab") + stat_key(st, "sock");
	set_usage(t, UB_KMEMSIZE, kernel, 0);
	/* The dentry cache is reclaimable slab. */
	set_usage(t, UB_DCACHESIZE, stat_key(st, "slab_reclaimable"), 0);
	set_usage(t, UB_SHMPAGES, pages(stat_key(st, "shmem")), 0);
}

/* The inode of the user namespace of the CT's init when it is not the host's, else 0. */
static ino_t own_userns(pid_t init)
{
	char path[64];
	struct stat ct, host;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)init);
	if (stat(path, &ct) < 0 || stat("/proc/self/ns/user", &host) < 0 || ct.st_ino == host.st_ino)
		return 0;
	return ct.st_ino;
}

/* numsiginfo: known only in a CT with its own user namespace (add_sigq). */
static void set_sigq(struct task_sums *s, struct bc_table *t)
{
	uint64_t sum = 0;

	if (s->userns && !s->sigq_lost) {
		for (size_t i = 0; i < s->nsigq; i++)
			sum += s->sigq[i].queued;
		set_usage(t, UB_NUMSIGINFO, sum, 0);
	}
	free(s->sigq);
	s->sigq = NULL;
}

/* Socket buffers and netfilter entries of the CT's netns (core/acct/netcount.c); a source
 * that cannot be read (the netns went away) leaves its rows unknown. */
void bc_table_set_net(struct bc_table *t, const struct bc_net_usage *u, uint64_t packet_socks)
{
	if (u->tcp_known) {
		set_usage(t, UB_NUMTCPSOCK, u->tcpsocks, 0);
		set_usage(t, UB_TCPSNDBUF, u->tcpsnd, 0);
		set_usage(t, UB_TCPRCVBUF, u->tcprcv, 0);
	}
	if (u->other_known) {
		set_usage(t, UB_NUMOTHERSOCK, u->othersocks + packet_socks, 0);
		set_usage(t, UB_OTHERSOCKBUF, u->othersock, 0);
		set_usage(t, UB_DGRAMRCVBUF, u->dgramrcv, 0);
	}
	if (u->iptent_known)
		set_usage(t, UB_NUMIPTENT, u->iptent, 0);
}

static void net_usage(pid_t init, struct bc_table *t)
{
	struct bc_net_usage u;

	if (bc_net_usage(init, &u, NULL) == 0)
		bc_table_set_net(t, &u, net_lines(init, "packet"));
}

static void tasks(bc_cgroup *cg, pid_t init, struct lock_source *locks, struct bc_table *t)
{
	const struct lock_holders *lh;
	struct task_sums s = { .userns = own_userns(init) };
	pid_t *pids;
	size_t n = cg_pids(cg, &pids);

	for (size_t i = 0; i < n; i++)
		add_task(pids[i], &s);
	set_sigq(&s, t);
	set_usage(t, UB_LOCKEDPAGES, s.locked_kb / 4, 0);
	set_usage(t, UB_PRIVVMPAGES, s.privvm_kb / 4, 0);
	set_usage(t, UB_VMGUARPAGES, s.privvm_kb / 4, 0);
	set_usage(t, UB_NUMFILE, s.files, 0);
	set_usage(t, UB_NUMPTY, count_ptys(init), 0);
	net_usage(init, t);
	/* Last, so that the read of /proc/locks has had the longest time to end. */
	lh = lock_source_get(locks);
	if (lh->ok)
		set_usage(t, UB_NUMFLOCK, count_flocks(pids, n, lh), 0);
	free(pids);
}

/* Raises each row's maxheld to the largest value any read saw in this run of the CT,
 * and stores the result. */
static void keep_maxheld(const struct vz_host *host, const char *ctid, const struct ct_run *run,
			 struct bc_table *t)
{
	char name[64], tag[64];

	snprintf(name, sizeof(name), "%s.bcstate", ctid);
	snprintf(tag, sizeof(tag), "run %d %" PRIu64 "\n", (int)run->init, run->start);
	bc_maxheld_keep(host->rundir, name, tag, t);
}

/* ------------------------------------------------------------- running */

static int running_table(const struct vz_host *host, const char *ctid, const struct ct_run *run,
			 struct lock_source *locks, struct bc_table *t, vz_err *err)
{
	_cleanup_cgroup_ bc_cgroup *cg = NULL;
	int r = bc_cg_open(host, ctid, &cg, err);

	if (r < 0)
		return r;
	memory_and_pids(cg, t);
	memory_stat(cg, t);
	tasks(cg, run->init, locks, t);
	keep_maxheld(host, ctid, run, t);
	/* What no source above gives is said to be so, never shown as a zero. */
	for (int id = 0; id < UB_KERNEL_COUNT; id++)
		if (ubc_by_id(id) && !t->row[id].usage_known)
			t->row[id].cls = BC_NOT_AVAILABLE;
	return 0;
}

/* ------------------------------------------------- the configs' limits */

/* A reader that stays reads every CT's config at every table.  What it gives (each
 * row's class, barrier and limit) is kept per CT and used again while the file is the
 * same: configs are replaced whole (a new inode) or at least get a new mtime, ctime or
 * size, which one stat(2) tells.  The identity is taken before the file is read, so a
 * change in between is read again next time. */
struct limits_entry {
	unsigned long ctid;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	struct bc_row row[UB_KERNEL_COUNT]; /* cls, barrier and limit */
};


static bool same_file(const struct limits_entry *e, const struct stat *st)
{
	return e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
	       e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	       e->ctime.tv_sec == st->st_ctim.tv_sec && e->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

/* The slot of ctid in the sorted cache: its entry, or where it goes. */
static size_t limits_slot(const struct bc_cache *c, unsigned long ctid)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->v[mid].ctid < ctid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool limits_cached(struct bc_cache *c, const struct stat *st, struct bc_table *t)
{
	bool hit = false;
	size_t i;

	if (!c)
		return false;
	pthread_mutex_lock(&c->lock);
	i = limits_slot(c, t->ctid);
	if (i < c->n && c->v[i].ctid == t->ctid && same_file(&c->v[i], st)) {
		memcpy(t->row, c->v[i].row, sizeof(t->row));
		hit = true;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

static bool limits_room(struct bc_cache *c)
{
	size_t cap = c->cap ? 2 * c->cap : 64;
	struct limits_entry *nv;

	if (c->n < c->cap)
		return true;
	nv = reallocarray(c->v, cap, sizeof(*nv));
	if (!nv)
		return false; /* kept nothing: the next table reads the file again */
	c->v = nv;
	c->cap = cap;
	return true;
}

static void limits_keep(struct bc_cache *c, const struct stat *st, const struct bc_table *t)
{
	struct limits_entry e = { t->ctid, st->st_dev, st->st_ino, st->st_size, st->st_mtim,
				  st->st_ctim, { { 0 } } };
	size_t i;

	if (!c)
		return;
	memcpy(e.row, t->row, sizeof(e.row));
	pthread_mutex_lock(&c->lock);
	i = limits_slot(c, t->ctid);
	if (i < c->n && c->v[i].ctid == t->ctid) {
		c->v[i] = e;
	} else if (limits_room(c)) {
		memmove(&c->v[i + 1], &c->v[i], (c->n - i) * sizeof(e));
		c->v[i] = e;
		c->n++;
	}
	pthread_mutex_unlock(&c->lock);
}

/* t's class, barrier and limit of every row, from the CT's config. */
static int config_limits(const struct vz_host *host, struct bc_cache *cache, const char *ctid,
			 struct bc_table *t, vz_err *err)
{
	_cleanup_free_ char *path = vz_host_ct_conf_path(host, ctid);
	_cleanup_conf_ vz_conf *cf = NULL;
	struct ct_res res = { 0 };
	struct stat st;
	int r;

	if (!path)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return vz_fail(err, VZ_E_NO_CTCONF, ENOENT, "Container %s has no config (%s)",
				       ctid, path);
		return vz_fail(err, VZ_E_SYSTEM, errno, "Unable to read %s: %s", path, strerror(errno));
	}
	if (limits_cached(cache, &st, t))
		return 0;
	r = vz_conf_load(path, &cf, NULL, err);
	if (r == -ENOENT)
		return vz_fail(err, VZ_E_NO_CTCONF, ENOENT, "Container %s has no config (%s)", ctid, path);
	if (r < 0)
		return r;
	r = vz_host_ct_res(host, cf, &res, err);
	if (r < 0)
		return r;
	limits_from_conf(&res, t);
	ct_res_free(&res);
	limits_keep(cache, &st, t);
	return 0;
}

/* ----------------------------------------------------------------- API */

/* One CT's table; locks NULL: /proc/locks is read for it alone, if it runs. */
static int table_get(const struct vz_host *host, struct bc_cache *cache, const char *ctid,
		     struct lock_source *locks, struct bc_table *ret, vz_err *err)
{
	struct bc_table t = { .ctid = strtoul(ctid, NULL, 10) };
	struct ct_run run;
	int r = config_limits(host, cache, ctid, &t, err);

	if (r < 0)
		return r;
	if (ct_init_run(host, ctid, &run, NULL) == 0) {
		struct lock_source own, *ls = locks;

		t.running = true;
		if (!ls) {
			lock_source_init(&own, cache);
			ls = &own;
		}
		lock_source_begin(ls);
		r = running_table(host, ctid, &run, ls, &t, err);
		if (ls == &own)
			lock_source_end(&own);
		if (r < 0)
			return r;
	}
	*ret = t;
	return 0;
}

int bc_table_get(const struct vz_host *host, struct bc_cache *cache, const char *ctid,
		 struct bc_table *ret, vz_err *err)
{
	return table_get(host, cache, ctid, NULL, ret, err);
}

int bc_table_all(const struct vz_host *host, struct bc_cache *cache, struct bc_table **ret,
		 size_t *count, vz_err *err)
{
	_cleanup_free_ unsigned long *ids = NULL;
	_cleanup_free_ struct bc_table *v = NULL;
	struct lock_source locks;
	size_t nids = 0, n = 0;
	int r = vz_host_list_cts(host, &ids, &nids, err);

	if (r < 0)
		return r;
	if (nids && !(v = calloc(nids, sizeof(*v))))
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	lock_source_init(&locks, cache);
	for (size_t i = 0; i < nids; i++) {
		char id[32];

		snprintf(id, sizeof(id), "%lu", ids[i]);
		r = table_get(host, cache, id, &locks, &v[n], err);
		if (r == -ENOENT) /* destroyed while listed */
			continue;
		if (r < 0)
			break;
		n++;
	}
	lock_source_end(&locks);
	if (r < 0 && r != -ENOENT)
		return r;
	*ret = v;
	v = NULL;
	*count = n;
	return 0;
}
