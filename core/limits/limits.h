/* core/limits: a CT's limits on the kernel.  The plan of kernel writes its resources
 * ask for (which cgroup v2 file gets which value, a pure function of the parameters)
 * and writing a plan as one transaction: all of it, or the old values back, with any
 * value that could not be put back reported.  Uses cgroup, model and base.
 *
 * Errors follow conf/conf.h: negative errno plus a filled vz_err; outputs are
 * untouched on failure; nothing here prints. */
#ifndef VZ_CORE_LIMITS_H
#define VZ_CORE_LIMITS_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/conf.h"
#include "core/cgroup/cgroup.h"
#include "core/model/model.h"

/* One kernel write (core/limits/plan.c has the mapping).  A plan grows as settings
 * are added and each value is formatted at its full length: nothing is ever cut. */
struct bc_setting {
	const char *file; /* "memory.max" */
	const char *what; /* the resource, for messages: "physpages (--ram)" */
	char *value;      /* what is written (malloc'd): "67108864", "max", "50000 100000" */
};
struct bc_plan {
	struct bc_setting *s;
	size_t n, cap;
};
void bc_plan_free(struct bc_plan *p);
static inline void bc_plan_freep(struct bc_plan *p) { bc_plan_free(p); }
#define _cleanup_plan_ __attribute__((cleanup(bc_plan_freep)))
/* Adds one setting (file and what are static strings); -ENOMEM. */
int bc_plan_add(struct bc_plan *p, const char *file, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The settings for what r sets, after the vswap fill (r itself is not changed); a
 * resource r leaves unset is left as the kernel has it.  io_dev ("254:0") is the disk
 * iolimit and iopslimit apply to, NULL when the private area has none: then a limit is
 * VZ_E_VALUE.  Pure.  Free *ret with bc_plan_free. */
int bc_plan_make(const struct ct_res *r, const char *io_dev, struct bc_plan *ret, vz_err *err);
/* The whole disk ("MAJ:MIN") under path's file system; -ENODEV when it has none. */
int bc_io_device(const char *path, char *buf, size_t size);
/* Writes the plan into the CT's cgroup.  Each file's value is read first; when a write
 * is refused, those already written get their old values back and VZ_E_SETUBC names
 * the resource; an old value the kernel refuses back is named in the message too.  A
 * memory.max below the CT's use is refused (VZ_E_SETUBC) unless reclaim alone brings
 * the CT under it. */
int bc_plan_apply(bc_cgroup *cg, const struct bc_plan *p, vz_err *err);
/* The settings of new that old does not have with the same value (all of new when old
 * is NULL), copied into *ret.  -ENOMEM. */
int bc_plan_diff(const struct bc_plan *old, const struct bc_plan *new, struct bc_plan *ret);

#endif
