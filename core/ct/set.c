/* `vzctl set` decided in core (core/ct/ct.h): the request merged into the CT's config
 * in vzctl's order, a running CT's cgroup moved first (all or nothing), then the save,
 * then a restart for what only a start can give.  What to tell the user goes out as
 * notes; the front end parses and prints. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/ct/ct.h"

/* --applyconfig takes every key of the sample but the CT's own identity. */
static const char *const sample_kept[] = { "HOSTNAME", "IP_ADDRESS", "OSTEMPLATE",
					   "VE_ROOT", "VE_PRIVATE", "NAME" };

struct sample_copy {
	vz_conf *cf;
	int rc;
};

static void copy_sample_key(void *ctx, const char *key, const char *value)
{
	struct sample_copy *c = ctx;

	for (size_t i = 0; i < sizeof(sample_kept) / sizeof(sample_kept[0]); i++)
		if (!strcmp(key, sample_kept[i]))
			return;
	if (c->rc == 0)
		c->rc = vz_conf_set(c->cf, key, value);
}

static int apply_sample(const struct vz_host *host, const char *name, vz_conf *cf,
			const vz_warn *warn, vz_err *err)
{
	_cleanup_conf_ vz_conf *sample = NULL;
	_cleanup_free_ char *path = NULL;
	struct sample_copy c = { cf, 0 };
	int r;

	if (asprintf(&path, "%s/ve-%s.conf-sample", host->confdir, name) < 0)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	r = vz_conf_load(path, &sample, warn, err);
	if (r < 0)
		return vz_fail(err, VZ_E_APPLY_CONFIG, -r,
			       "Sample config %s not found: %s; see the ve-*.conf-sample files in %s",
			       path, strerror(-r), host->confdir);
	vz_conf_foreach(sample, copy_sample_key, &c);
	return c.rc < 0 ? vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory") : 0;
}

/* --ram and --swap are vswap's PHYSPAGES and SWAPPAGES, 0:pages. */
static int set_pages_pair(vz_conf *cf, const char *key, unsigned long pages)
{
	char buf[64];

	return vz_conf_set(cf, key, vz_format_barlim(0, pages, buf, sizeof(buf)));
}

static int check_name_free(const struct ct_handle *ct, const char *name, vz_err *err)
{
	unsigned long owner = ct_find_name(ct->host, name);

	if (owner && owner != ct->id)
		return vz_fail(err, VZ_E_CT_NAME, EEXIST,
			       "Name %s is already in use by CT %lu; pick another name", name, owner);
	return 0;
}

/* The request put into the config, in the order vzctl does: the sample first, then the
 * options, which win over it. */
static int merge_into_conf(const struct ct_handle *ct, const struct ct_set_req *req, vz_conf *cf,
			   const vz_warn *warn, vz_err *err)
{
	int r = 0;

	if (req->applyconfig && (r = apply_sample(ct->host, req->applyconfig, cf, warn, err)) < 0)
		return r;
	if ((r = ct_res_to_conf(&req->res, cf, err)) < 0)
		return r;
	if (req->has_ram)
		r = set_pages_pair(cf, "PHYSPAGES", req->ram_pages);
	if (r == 0 && req->has_swap)
		r = set_pages_pair(cf, "SWAPPAGES", req->swap_pages);
	if (r == 0 && req->name) {
		if ((r = check_name_free(ct, req->name, err)) < 0)
			return r;
		r = vz_conf_set(cf, "NAME", req->name);
	}
	return r < 0 ? vz_fail(err, VZ_E_NOMEM, -r, "Out of memory") : 0;
}

/* What the request is merged into: a copy of the config the handle read, or an empty
 * one when the CT has none yet (set --save writes a new one, as vzctl does). */
static int conf_copy(const struct ct_handle *ct, vz_conf **ret, vz_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r;

	if (!ct->conf) {
		*ret = vz_conf_new();
		return *ret ? 0 : vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	}
	r = vz_conf_render(ct->conf, &text, &len);
	if (r < 0)
		return vz_fail(err, VZ_E_NOMEM, -r, "Out of memory");
	return vz_conf_parse(text, len, "config", ret, NULL, err);
}

const char *ct_set_needs_restart(const struct ct_set_req *req)
{
	const struct ct_res *r = &req->res;

	if (r->ub[UB_NUMPTY].set)
		return "numpty";
	if (r->ub[UB_SHMPAGES].set)
		return "shmpages";
	if (r->hostname)
		return "hostname";
	if (r->has_local_uid || r->has_local_gid)
		return "local_uid/local_gid";
	if (req->applyconfig)
		return "applyconfig";
	return NULL;
}

/* A running CT: its cgroup moves from the saved config to the new one (to the saved
 * one with --reset_ub) before anything is written. */
static int apply_running(const struct ct_handle *ct, const struct ct_set_req *req,
			 const vz_conf *old_cf, const vz_conf *new_cf, const struct ct_notes *n,
			 vz_err *err)
{
	struct ct_res old = { 0 }, new = { 0 };
	const char *later;
	int r;

	r = vz_host_ct_res(ct->host, old_cf, &old, err);
	if (r == 0)
		r = vz_host_ct_res(ct->host, new_cf, &new, err);
	if (r == 0)
		r = ct_apply_running(ct->host, ct->ctid, req->reset_ub ? NULL : &old, &new, err);
	ct_res_free(&old);
	ct_res_free(&new);
	if (r < 0) {
		if (req->save)
			vz_err_append(err, "\nError: failed to apply some parameters, not saving "
				      "configuration file!");
		return r;
	}
	vz_warnf(n->out, "UB limits were set successfully");
	later = ct_set_needs_restart(req);
	if (later && !req->restart)
		vz_warnf(n->out, "WARNING: %s takes effect at the next start of the "
		     "container (or use --setmode restart)", later);
	return 0;
}

static int save_conf(vz_conf *cf, const char *path, const struct ct_notes *n, vz_err *err)
{
	bool changed = false;
	int r = vz_conf_save(cf, path, &changed, err);

	if (r < 0)
		return r;
	vz_warnf(n->out, changed ? "CT configuration saved to %s"
					: "No changes in CT configuration, not saving", path);
	return 0;
}

/* --setmode restart: a running CT takes what only a start can give, from the config
 * just saved. */
static int restart(struct ct_handle *ct, const struct ct_notes *n, vz_err *err)
{
	const struct ct_run_opts o = { .timeout = -1 };

	vz_warnf(n->out, "Restarting container");
	return ct_restart(ct, &o, err);
}

int ct_set(struct ct_handle *ct, const struct ct_set_req *req, const struct ct_notes *notes,
	   vz_err *err)
{
	static const struct ct_notes none = { NULL, NULL, NULL };
	const struct ct_notes *n = notes ? notes : &none;
	_cleanup_free_ char *path = vz_host_ct_conf_path(ct->host, ct->ctid);
	_cleanup_conf_ vz_conf *cf = NULL;
	_cleanup_close_ int names_lock = -1;
	int r;

	if (!path)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	/* Held from the check that the name is free until the config is saved. */
	if (req->name && (r = vz_host_names_lock(ct->host, &names_lock, err)) < 0)
		return r;
	if (req->reset_ub && !ct->running)
		return vz_fail(err, VZ_E_NOT_RUNNING, ESRCH, "Container is not running");
	if (!ct->conf && req->save)
		vz_warnf(n->err, "WARNING: %s not found", path);
	if ((r = conf_copy(ct, &cf, err)) < 0 ||
	    (r = merge_into_conf(ct, req, cf, n->warn, err)) < 0)
		return r;
	if (ct->running && (r = apply_running(ct, req, ct->conf, cf, n, err)) < 0)
		return r;
	if (req->reset_ub)
		return 0;
	if (!req->save) {
		vz_warnf(n->out, "WARNING: Settings were not saved to config (use --save flag)");
		return 0;
	}
	r = save_conf(cf, path, n, err);
	if (r < 0)
		return r;
	/* What is saved is the CT's config now. */
	vz_conf_free(ct->conf);
	ct->conf = cf;
	cf = NULL;
	if (ct->running && req->restart && ct_set_needs_restart(req))
		r = restart(ct, n, err);
	return r;
}
