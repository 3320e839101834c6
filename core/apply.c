/* A CT's resources on the kernel (core/bc.h "Applying resources"): which cgroup v2
 * file each setting becomes (a pure plan, unit-tested), and writing a plan so that a
 * refusal leaves the CT as it was.
 *
 *   numproc       pids.max        = limit (PID_MAX_LIMIT at most)
 *   physpages     memory.max      = limit pages; memory.high = a barrier below the limit
 *   swappages     memory.swap.max = limit pages (swap only, as cgroup v2 counts it)
 *   oomguarpages  memory.low      = barrier pages: memory kept from reclaim (best effort)
 *   cpuunits      cpu.weight      = cpuunits / 10, clamped to 1..10000 (1000 -> 100)
 *   cpulimit/cpus cpu.max         = 100000 x min(cpulimit, 100 x cpus) / 100, per 100000 us
 *   cpumask       cpuset.cpus     = the list ("" for all: the parent's CPUs)
 *   ioprio        io.weight       = 100 x 2^(ioprio - 4): 4 (the default) is the kernel's 100
 *   iolimit       io.max          rbps and wbps = bytes/s, on the disk of the private area
 *   iopslimit     io.max          riops and wiops = operations/s, on the same disk
 *
 * The kernel takes a memory.max below what the CT uses and then OOM-kills inside it
 * until it fits.  A limit the CT cannot shrink to is refused instead: the memory is
 * reclaimed first (memory.reclaim), and when that fails nothing is written. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/bc.h"

#define PAGE_BYTES 4096ULL
#define PID_MAX_LIMIT 4194304UL
#define CPU_PERIOD_US 100000UL

static bool unlimited(unsigned long v)
{
	return v >= VZ_UNLIMITED;
}

static void add(struct bc_plan *p, const char *file, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(struct bc_plan *p, const char *file, const char *what, const char *fmt, ...)
{
	struct bc_setting *s = &p->s[p->n++];
	va_list ap;

	s->file = file;
	s->what = what;
	va_start(ap, fmt);
	vsnprintf(s->value, sizeof(s->value), fmt, ap);
	va_end(ap);
}

/* Pages as bytes for a memory file; unlimited (or more than the kernel counts) is max. */
static void add_pages(struct bc_plan *p, const char *file, const char *what, unsigned long pages)
{
	if (unlimited(pages) || pages > UINT64_MAX / PAGE_BYTES / 2)
		add(p, file, what, "max");
	else
		add(p, file, what, "%llu", (unsigned long long)pages * PAGE_BYTES);
}

static void plan_memory(const struct ct_res *r, struct bc_plan *p)
{
	const struct ubc_pair *phys = &r->ub[UB_PHYSPAGES], *swap = &r->ub[UB_SWAPPAGES],
			      *oom = &r->ub[UB_OOMGUARPAGES];

	if (phys->set) {
		add_pages(p, "memory.max", "physpages (--ram)", phys->lim);
		/* vswap configs have barrier 0: no high mark then. */
		add_pages(p, "memory.high", "physpages barrier",
			  phys->bar > 0 && phys->bar < phys->lim ? phys->bar : VZ_UNLIMITED);
	}
	if (swap->set)
		add_pages(p, "memory.swap.max", "swappages (--swap)", swap->lim);
	if (oom->set)
		add_pages(p, "memory.low", "oomguarpages", oom->bar);
}

static void plan_cpu(const struct ct_res *r, struct bc_plan *p)
{
	unsigned long pct = r->has_cpulimit ? r->cpulimit : 0;

	if (r->has_cpuunits) {
		unsigned long w = r->cpuunits / 10;

		add(p, "cpu.weight", "cpuunits", "%lu", w < 1 ? 1 : w > 10000 ? 10000 : w);
	}
	if (r->has_cpus && r->cpus > 0 && (pct == 0 || r->cpus * 100 < pct))
		pct = r->cpus * 100;
	if (r->has_cpulimit || r->has_cpus) {
		if (pct == 0)
			add(p, "cpu.max", "cpulimit", "max %lu", CPU_PERIOD_US);
		else
			add(p, "cpu.max", "cpulimit", "%lu %lu", CPU_PERIOD_US * pct / 100, CPU_PERIOD_US);
	}
	if (r->cpumask)
		add(p, "cpuset.cpus", "cpumask", "%s",
		    strcmp(r->cpumask, "all") == 0 || strcmp(r->cpumask, "auto") == 0 ? "" : r->cpumask);
}

/* "max" for 0 (unlimited) and the word unlimited. */
static void limit_word(char *buf, size_t size, unsigned long v)
{
	if (v == 0 || unlimited(v))
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%lu", v);
}

static int plan_io(const struct ct_res *r, const char *io_dev, struct bc_plan *p, vz_err *err)
{
	char bps[24], iops[24];
	unsigned long b = r->has_iolimit ? r->iolimit : 0, o = r->has_iopslimit ? r->iopslimit : 0;

	if (r->has_ioprio)
		add(p, "io.weight", "ioprio", "%lu",
		    r->ioprio >= 4 ? 100UL << (r->ioprio - 4) : 100UL >> (4 - r->ioprio));
	if (!r->has_iolimit && !r->has_iopslimit)
		return 0;
	if (!io_dev) {
		if ((b == 0 || unlimited(b)) && (o == 0 || unlimited(o)))
			return 0; /* nothing to limit, nowhere to write it */
		return vz_fail(err, VZ_E_VALUE, ENODEV,
			       "iolimit and iopslimit need the private area on a block device: its "
			       "file system has none to limit");
	}
	limit_word(bps, sizeof(bps), b);
	limit_word(iops, sizeof(iops), o);
	add(p, "io.max", "iolimit/iopslimit", "%s rbps=%s wbps=%s riops=%s wiops=%s", io_dev, bps,
	    bps, iops, iops);
	return 0;
}

int bc_plan_make(const struct ct_res *res, const char *io_dev, struct bc_plan *ret, vz_err *err)
{
	struct ct_res r = *res;
	struct bc_plan p = { .n = 0 };
	const struct ubc_pair *np = &r.ub[UB_NUMPROC];
	int rc;

	ct_res_vswap_fill(&r);
	if (np->set) {
		if (unlimited(np->lim) || np->lim >= PID_MAX_LIMIT)
			add(&p, "pids.max", "numproc", "max");
		else
			add(&p, "pids.max", "numproc", "%lu", np->lim);
	}
	plan_memory(&r, &p);
	plan_cpu(&r, &p);
	rc = plan_io(&r, io_dev, &p, err);
	if (rc < 0)
		return rc;
	*ret = p;
	return 0;
}

/* The whole disk under path's file system: io.max takes disks, not partitions. */
int bc_io_device(const char *path, char *buf, size_t size)
{
	char sys[64], real[PATH_MAX], devfile[PATH_MAX + 8];
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (major(st.st_dev) == 0)
		return -ENODEV; /* tmpfs, overlay, 9p: no block device */
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(st.st_dev), minor(st.st_dev));
	snprintf(devfile, sizeof(devfile), "%s/partition", sys);
	if (access(devfile, F_OK) < 0) {
		snprintf(buf, size, "%u:%u", major(st.st_dev), minor(st.st_dev));
		return 0;
	}
	if (!realpath(sys, real))
		return -errno;
	snprintf(devfile, sizeof(devfile), "%s/../dev", real);
	fd = open(devfile, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || vz_read_fd(fd, &text, NULL) < 0)
		return -ENODEV;
	text[strcspn(text, "\n")] = '\0';
	snprintf(buf, size, "%s", text);
	return 0;
}

/* ------------------------------------------------------------- applying */

/* What a file held before: io.weight and cpu.weight read "default 100" or "100". */
static int read_old(bc_cgroup *cg, const char *file, char *buf, size_t size, vz_err *err)
{
	_cleanup_free_ char *text = NULL;
	int r = bc_cg_read(cg, file, &text, err);
	const char *v = text;

	if (r < 0)
		return r;
	if (strcmp(file, "io.weight") == 0 && strncmp(v, "default ", 8) == 0)
		v += 8;
	v = v ? v : "";
	snprintf(buf, size, "%.*s", (int)strcspn(v, "\n"), v);
	return 0;
}

static bool is_max(const char *v)
{
	return strcmp(v, "max") == 0;
}

/* Before a lower memory.max: the CT must fit under it by reclaim alone. */
static int shrink_to(bc_cgroup *cg, const struct bc_setting *s, vz_err *err)
{
	uint64_t cur, want;
	char buf[32];
	int r;

	if (is_max(s->value) || sscanf(s->value, "%" SCNu64, &want) != 1)
		return 0;
	r = bc_cg_read_u64(cg, "memory.current", &cur, err);
	if (r < 0 || cur <= want)
		return r;
	snprintf(buf, sizeof(buf), "%" PRIu64, cur - want);
	r = bc_cg_write(cg, "memory.reclaim", buf, NULL);
	if (r < 0 || bc_cg_read_u64(cg, "memory.current", &cur, NULL) < 0 || cur > want)
		return vz_fail(err, VZ_E_SETUBC, EBUSY,
			       "Unable to set %s to %s bytes: the container uses %" PRIu64 " bytes "
			       "and cannot give enough back; stop something in it first, or choose "
			       "a higher limit", s->what, s->value, cur);
	return 0;
}

/* The kernel's reason, prefixed with the setting it was for. */
static int name_setting(vz_err *err, const struct bc_setting *s)
{
	char why[sizeof(err->msg)];

	snprintf(why, sizeof(why), "%s", err->msg);
	return vz_fail(err, VZ_E_SETUBC, err->sys_errno, "Unable to set %s: %s", s->what, why);
}

static void roll_back(bc_cgroup *cg, const struct bc_plan *p, char old[][BC_VALUE_MAX], size_t upto)
{
	while (upto-- > 0)
		bc_cg_write(cg, p->s[upto].file, old[upto], NULL);
}

int bc_plan_apply(bc_cgroup *cg, const struct bc_plan *p, vz_err *err)
{
	char old[BC_PLAN_MAX][BC_VALUE_MAX];
	size_t i;
	int r;

	for (i = 0; i < p->n; i++) {
		r = read_old(cg, p->s[i].file, old[i], sizeof(old[i]), err);
		if (r < 0)
			return name_setting(err, &p->s[i]);
	}
	for (i = 0; i < p->n; i++) {
		const struct bc_setting *s = &p->s[i];

		if (strcmp(s->file, "memory.max") == 0 && (r = shrink_to(cg, s, err)) < 0)
			break;
		r = bc_cg_write(cg, s->file, s->value, err);
		if (r < 0) {
			r = name_setting(err, s);
			break;
		}
	}
	if (i == p->n)
		return 0;
	roll_back(cg, p, old, i);
	return r;
}

/* ------------------------------------------------------- a running CT */

static const char *value_in(const struct bc_plan *p, const char *file)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->s[i].file, file) == 0)
			return p->s[i].value;
	return NULL;
}

void bc_plan_diff(const struct bc_plan *old, const struct bc_plan *new, struct bc_plan *ret)
{
	struct bc_plan d = { .n = 0 };

	for (size_t i = 0; i < new->n; i++) {
		const char *was = old ? value_in(old, new->s[i].file) : NULL;

		if (!was || strcmp(was, new->s[i].value) != 0)
			d.s[d.n++] = new->s[i];
	}
	*ret = d;
}

/* The disk of the CT's private area, "" when it has none. */
static void ct_io_device(const struct vz_host *host, const char *ctid, char *buf, size_t size)
{
	struct ct_paths p;

	buf[0] = '\0';
	if (ct_load_paths(host, ctid, &p, NULL) < 0)
		return;
	if (bc_io_device(p.private, buf, size) < 0)
		buf[0] = '\0';
	ct_paths_free(&p);
}

int ct_apply_running(const struct vz_host *host, const char *ctid, const struct ct_res *old,
		     const struct ct_res *new, vz_err *err)
{
	_cleanup_cgroup_ bc_cgroup *cg = NULL;
	struct bc_plan before, after, diff;
	char dev[32];
	int r;

	ct_io_device(host, ctid, dev, sizeof(dev));
	r = bc_plan_make(new, dev[0] ? dev : NULL, &after, err);
	if (r < 0)
		return r;
	if (old && bc_plan_make(old, dev[0] ? dev : NULL, &before, NULL) < 0)
		old = NULL;
	bc_plan_diff(old ? &before : NULL, &after, &diff);
	if (diff.n == 0)
		return 0;
	r = bc_cg_open(host, ctid, &cg, err);
	if (r < 0)
		return r;
	return bc_plan_apply(cg, &diff, err);
}
