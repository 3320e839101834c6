/* The CT handle (core/ct/ct.h): what a command that acts on one CT holds while it
 * does: its lock, its config read once under that lock, and its run state as the
 * command found it; and the lifecycle commands that act through it. */
#include <errno.h>
#include <stdio.h>

#include "core/ct/ct.h"

int ct_open(const struct vz_host *host, unsigned long id, const char *lock_status,
	    const vz_warn *warn, struct ct_handle *ret, vz_err *err)
{
	struct ct_handle ct = { .host = host, .id = id, .lock = { NULL, -1 } };
	_cleanup_free_ char *path = NULL;
	int r;

	snprintf(ct.ctid, sizeof(ct.ctid), "%lu", id);
	path = vz_host_ct_conf_path(host, ct.ctid);
	if (!path)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	if (lock_status) {
		r = ct_lock_take(host->lockdir, ct.ctid, lock_status, &ct.lock, err);
		if (r < 0)
			return r;
	}
	/* Read under the lock, so that what a command decides on is what it saves over. */
	r = vz_conf_load(path, &ct.conf, warn, err);
	if (r < 0 && r != -ENOENT) {
		ct_lock_release(&ct.lock);
		return r;
	}
	ct.running = ct_init_run(host, ct.ctid, &ct.run, NULL) == 0;
	*ret = ct;
	return 0;
}

void ct_close(struct ct_handle *ct)
{
	vz_conf_free(ct->conf);
	ct->conf = NULL;
	ct_lock_release(&ct->lock);
	ct->lock = (struct ct_lock){ NULL, -1 };
}

/* The runtime's options with the handle's config. */
static struct ct_run_opts with_conf(const struct ct_handle *ct, const struct ct_run_opts *o)
{
	struct ct_run_opts r = o ? *o : (struct ct_run_opts){ .timeout = -1 };

	r.conf = ct->conf;
	return r;
}

static void update_run(struct ct_handle *ct)
{
	ct->running = ct_init_run(ct->host, ct->ctid, &ct->run, NULL) == 0;
}

int ct_start(struct ct_handle *ct, const struct ct_run_opts *o, vz_err *err)
{
	struct ct_run_opts ro = with_conf(ct, o);
	int r;

	vz_warnf(ro.note, "Starting container...");
	r = ct_rt_start(ct->host, ct->ctid, &ro, err);
	update_run(ct);
	if (r == 0)
		vz_warnf(ro.note, "Container start in progress...");
	return r;
}

int ct_stop(struct ct_handle *ct, const struct ct_run_opts *o, vz_err *err)
{
	struct ct_run_opts ro = with_conf(ct, o);
	int r;

	vz_warnf(ro.note, "Stopping container...");
	r = ct_rt_stop(ct->host, ct->ctid, &ro, err);
	update_run(ct);
	return r;
}

int ct_restart(struct ct_handle *ct, const struct ct_run_opts *o, vz_err *err)
{
	int r = 0;

	vz_warnf(o ? o->note : NULL, "Restarting container");
	if (ct->running)
		r = ct_stop(ct, o, err);
	return r < 0 ? r : ct_start(ct, o, err);
}
