/* The id ranges of CT user namespaces (core/host/host.h): a new CT gets one no other
 * CT has, chosen under a host-wide lock from what every CT config says. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/base/base.h"
#include "core/host/host.h"

#define USERNS_LOCK "userns.lck"
#define USERNS_LOCK_WAIT_MS 30000

bool vz_host_userns_default(const struct vz_host *host)
{
	const char *v = host->conf ? vz_conf_get(host->conf, "USERNS") : NULL;
	bool yes = false;

	return v && ct_parse_yesno(v, &yes, NULL) == 0 && yes;
}

int vz_host_userns_lock(const struct vz_host *host, int *ret_fd, vz_err *err)
{
	return vz_host_flock(host, USERNS_LOCK, "another create", USERNS_LOCK_WAIT_MS, ret_fd, err);
}

/* USERNS_ID_BASE of vz.conf, else the default. */
static unsigned long userns_base(const struct vz_host *host)
{
	const char *v = host->conf ? vz_conf_get(host->conf, "USERNS_ID_BASE") : NULL;
	unsigned long base;

	if (v && ct_parse_local_id(v, &base, NULL) == 0 && base > 0)
		return base;
	return CT_USERNS_BASE_DEFAULT;
}

int vz_host_userns_pick(const struct vz_host *host, unsigned long *ret, vz_err *err)
{
	_cleanup_free_ unsigned long *ids = NULL, *used = NULL;
	size_t n = 0, nused = 0;
	int r = vz_host_list_cts(host, &ids, &n, err);

	if (r < 0)
		return r;
	if (n && !(used = calloc(2 * n, sizeof(*used))))
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	for (size_t i = 0; i < n; i++) {
		_cleanup_conf_ vz_conf *cf = NULL;
		struct ct_res res = { 0 };
		unsigned long uid, gid;
		char id[24];

		snprintf(id, sizeof(id), "%lu", ids[i]);
		if (vz_host_ct_conf(host, id, &cf, NULL) < 0)
			continue; /* destroyed while listed */
		/* Layered over vz.conf: a CT may take its LOCAL_UID from there. */
		r = vz_host_ct_res(host, cf, &res, err);
		if (r < 0)
			return r;
		ct_res_userns_ids(&res, &uid, &gid);
		ct_res_free(&res);
		used[nused++] = uid;
		used[nused++] = gid;
	}
	if (ct_userns_pick(used, nused, userns_base(host), ret) < 0)
		return vz_fail(err, VZ_E_RESOURCE, ENOSPC,
			       "No free range of %lu host ids for the container's user namespace "
			       "above %lu (USERNS_ID_BASE); destroy unused CTs, or create this one "
			       "with --local_uid", CT_USERNS_IDS, userns_base(host));
	return 0;
}
