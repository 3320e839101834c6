/* A CT's resources on the kernel (core/limits/limits.h): which cgroup v2
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

#include "core/base/base.h"
#include "core/limits/limits.h"

#define PID_MAX_LIMIT 4194304UL
#define CPU_PERIOD_US 100000UL

static bool unlimited(unsigned long v)
{
	return v >= VZ_UNLIMITED;
}

/* ------------------------------------------------------------- the plan */

void bc_plan_free(struct bc_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->s[i].value);
	free(p->s);
	*p = (struct bc_plan){ 0 };
}

static int plan_push(struct bc_plan *p, const char *file, const char *what, char *value)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 8;
		struct bc_setting *s = reallocarray(p->s, cap, sizeof(*s));

		if (!s) {
			free(value);
			return -ENOMEM;
		}
		p->s = s;
		p->cap = cap;
	}
	p->s[p->n++] = (struct bc_setting){ file, what, value };
	return 0;
}

static int plan_vadd(struct bc_plan *p, const char *file, const char *what, const char *fmt,
		     va_list ap) __attribute__((format(printf, 4, 0)));

/* vasprintf sizes the value to what it formats: a value is never cut. */
static int plan_vadd(struct bc_plan *p, const char *file, const char *what, const char *fmt,
		     va_list ap)
{
	char *value;

	if (vasprintf(&value, fmt, ap) < 0)
		return -ENOMEM;
	return plan_push(p, file, what, value);
}

int bc_plan_add(struct bc_plan *p, const char *file, const char *what, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = plan_vadd(p, file, what, fmt, ap);
	va_end(ap);
	return r;
}

/* The plan as it is made: the first failure to add is kept and reported at the end,
 * so that the mapping below reads as a list of settings. */
struct builder {
	struct bc_plan p;
	int error;
};

static void add(struct builder *b, const char *file, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(struct builder *b, const char *file, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (b->error)
		return;
	va_start(ap, fmt);
	b->error = plan_vadd(&b->p, file, what, fmt, ap);
	va_end(ap);
}

/* Pages as bytes for a memory file; unlimited (or more than the kernel counts) is max. */
static void add_pages(struct builder *p, const char *file, const char *what, unsigned long pages)
{
	if (unlimited(pages) || pages > UINT64_MAX / VZ_PAGE_SIZE / 2)
		add(p, file, what, "max");
	else
		add(p, file, what, "%llu", (unsigned long long)pages_bytes(pages));
}

static void plan_memory(const struct ct_res *r, struct builder *p)
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

static void plan_cpu(const struct ct_res *r, struct builder *p)
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

static int plan_io(const struct ct_res *r, const char *io_dev, struct builder *p, vz_err *err)
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
	struct builder p = { { 0 }, 0 };
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
	if (rc == 0 && p.error)
		rc = vz_fail(err, VZ_E_NOMEM, -p.error, "Out of memory");
	if (rc < 0) {
		bc_plan_free(&p.p);
		return rc;
	}
	*ret = p.p;
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

/* The value that puts back what the file holds now, malloc'd.  io.weight may read
 * "default 100"; io.max lists a line per disk that has a limit, and none for a disk
 * without one, which "<disk> rbps=max wbps=max riops=max wiops=max" gives back. */
static int read_old(bc_cgroup *cg, const struct bc_setting *s, char **ret, vz_err *err)
{
	_cleanup_free_ char *text = NULL;
	int r = bc_cg_read(cg, s->file, &text, err);
	const char *v = text;
	size_t len;

	if (r < 0)
		return r;
	if (strcmp(s->file, "io.weight") == 0 && strncmp(v, "default ", 8) == 0)
		v += 8;
	len = strcspn(v, "\n");
	if (strcmp(s->file, "io.max") == 0) {
		size_t dev = strcspn(s->value, " ");

		for (v = text; *v; v += strcspn(v, "\n"), v += *v == '\n')
			if (strncmp(v, s->value, dev) == 0 && v[dev] == ' ')
				break;
		len = strcspn(v, "\n");
		if (!*v)
			r = asprintf(ret, "%.*s rbps=max wbps=max riops=max wiops=max", (int)dev,
				     s->value);
		else
			r = asprintf(ret, "%.*s", (int)len, v);
	} else {
		r = asprintf(ret, "%.*s", (int)len, v);
	}
	return r < 0 ? vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory") : 0;
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

/* Puts the old values back, newest first.  A value the kernel refuses back is named
 * in err's message after the reason the apply failed: the CT is then neither as it was
 * nor as asked, and the user must know which file to look at. */
static void roll_back(bc_cgroup *cg, const struct bc_plan *p, char **old, size_t upto, vz_err *err)
{
	while (upto-- > 0) {
		vz_err e;

		if (bc_cg_write(cg, p->s[upto].file, old[upto], &e) < 0 && err)
			vz_err_append(err, "; and %s could not be set back to \"%s\" (%s): check "
				      "the container's %s", p->s[upto].what, old[upto], e.msg,
				      p->s[upto].file);
	}
}

static void strv_freep(char ***v)
{
	if (!*v)
		return;
	for (size_t i = 0; (*v)[i]; i++)
		free((*v)[i]);
	free(*v);
}

int bc_plan_apply(bc_cgroup *cg, const struct bc_plan *p, vz_err *err)
{
	__attribute__((cleanup(strv_freep))) char **old = calloc(p->n + 1, sizeof(char *));
	size_t i;
	int r = 0;

	if (!old)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	for (i = 0; i < p->n; i++) {
		r = read_old(cg, &p->s[i], &old[i], err);
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
	roll_back(cg, p, old, i, err);
	return r;
}

/* ------------------------------------------------------------- the diff */

static const char *value_in(const struct bc_plan *p, const char *file)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->s[i].file, file) == 0)
			return p->s[i].value;
	return NULL;
}

int bc_plan_diff(const struct bc_plan *old, const struct bc_plan *new, struct bc_plan *ret)
{
	struct bc_plan d = { 0 };

	for (size_t i = 0; i < new->n; i++) {
		const char *was = old ? value_in(old, new->s[i].file) : NULL;

		if (was && strcmp(was, new->s[i].value) == 0)
			continue;
		if (bc_plan_add(&d, new->s[i].file, new->s[i].what, "%s", new->s[i].value) < 0) {
			bc_plan_free(&d);
			return -ENOMEM;
		}
	}
	*ret = d;
	return 0;
}
