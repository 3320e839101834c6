/* A running CT's limits changed in place (core/ct/ct.h): the plan of the saved config
 * against the plan of the new one, and only the difference written, all or nothing. */
#include <errno.h>
#include <stdio.h>

#include "core/ct/ct.h"
#include "core/limits/limits.h"

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
	_cleanup_plan_ struct bc_plan before = { 0 }, after = { 0 }, diff = { 0 };
	_cleanup_cgroup_ bc_cgroup *cg = NULL;
	char dev[32];
	int r;

	ct_io_device(host, ctid, dev, sizeof(dev));
	r = bc_plan_make(new, dev[0] ? dev : NULL, &after, err);
	if (r < 0)
		return r;
	if (old && bc_plan_make(old, dev[0] ? dev : NULL, &before, NULL) < 0)
		old = NULL;
	if (bc_plan_diff(old ? &before : NULL, &after, &diff) < 0)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	if (diff.n == 0)
		return 0;
	r = bc_cg_open(host, ctid, &cg, err);
	if (r < 0)
		return r;
	return bc_plan_apply(cg, &diff, err);
}
