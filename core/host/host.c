/* Host settings from vz.conf (core/host/host.h), and CT names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/host/host.h"

#define DEFAULT_VZ_CONF "/etc/vz/vz.conf"

static int host_path(const vz_conf *cf, const char *key, const char *def, char **ret)
{
	const char *v = vz_conf_get(cf, key);

	*ret = strdup(v && *v ? v : def);
	return *ret ? 0 : -ENOMEM;
}

int vz_host_load(struct vz_host *ret, const vz_warn *w, vz_err *err)
{
	const char *path = getenv("VZ_CONF");
	struct vz_host h = { 0 };
	int r;

	if (!path || !*path)
		path = DEFAULT_VZ_CONF;
	r = vz_conf_load(path, &h.conf, w, err);
	if (r == -ENOENT)
		return vz_fail(err, VZ_E_NO_VZCONF, ENOENT,
			       "Global configuration file %s not found; install one with "
			       "'make install' or point VZ_CONF at it", path);
	if (r < 0)
		return r;
	h.conf_path = strdup(path);
	if (!h.conf_path ||
	    host_path(h.conf, "VE_CONFDIR", "/etc/vz/conf", &h.confdir) < 0 ||
	    host_path(h.conf, "LOCKDIR", "/vz/lock", &h.lockdir) < 0 ||
	    host_path(h.conf, "DUMPDIR", "/vz/dump", &h.dumpdir) < 0 ||
	    host_path(h.conf, "RUNDIR", "/var/run/vz", &h.rundir) < 0 ||
	    host_path(h.conf, "TEMPLATE", "/vz/template", &h.templatedir) < 0 ||
	    host_path(h.conf, "VE_ROOT", "/vz/root/$VEID", &h.ve_root) < 0 ||
	    host_path(h.conf, "VE_PRIVATE", "/vz/private/$VEID", &h.ve_private) < 0 ||
	    host_path(h.conf, "CT_CGROUP_PARENT", VZ_CGROUP_PARENT_DEFAULT, &h.cgroup_parent) < 0) {
		vz_host_free(&h);
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory reading %s", path);
	}
	*ret = h;
	return 0;
}

void vz_host_free(struct vz_host *host)
{
	if (!host)
		return;
	vz_conf_free(host->conf);
	free(host->conf_path);
	free(host->confdir);
	free(host->lockdir);
	free(host->dumpdir);
	free(host->rundir);
	free(host->templatedir);
	free(host->ve_root);
	free(host->ve_private);
	free(host->cgroup_parent);
	memset(host, 0, sizeof(*host));
}

char *vz_host_ct_conf_path(const struct vz_host *host, const char *ctid)
{
	char *p;

	if (asprintf(&p, "%s/%s.conf", host->confdir, ctid) < 0)
		return NULL;
	return p;
}

char *vz_host_ct_cgroup(const struct vz_host *host, const char *ctid)
{
	const char *p = host->cgroup_parent ? host->cgroup_parent : VZ_CGROUP_PARENT_DEFAULT;
	size_t len;
	char *s;

	p += strspn(p, "/");
	len = strlen(p);
	while (len > 0 && p[len - 1] == '/')
		len--;
	if (asprintf(&s, "/%.*s%s%s", (int)len, p, len ? "/" : "", ctid) < 0)
		return NULL;
	return s;
}

char *vz_host_ct_path(const struct vz_host *host, const char *tmpl, const char *ctid)
{
	(void)host;
	return tmpl ? vz_subst_veid(tmpl, ctid) : NULL;
}

/* Reads NAME from one CT config; configs that do not parse are skipped, since the
 * lookup must not fail because some other CT's file is broken. */
static bool conf_has_name(const char *path, const char *name)
{
	_cleanup_conf_ vz_conf *cf = NULL;
	const char *v;

	if (vz_conf_load(path, &cf, NULL, NULL) < 0)
		return false;
	v = vz_conf_get(cf, "NAME");
	return v && strcmp(v, name) == 0;
}

unsigned long ct_find_name(const struct vz_host *host, const char *name)
{
	_cleanup_free_ unsigned long *ids = NULL;
	unsigned long found = 0;
	size_t n = 0;

	if (vz_host_list_cts(host, &ids, &n, NULL) < 0)
		return 0;
	for (size_t i = 0; i < n && !found; i++) {
		_cleanup_free_ char *path = NULL;

		if (asprintf(&path, "%s/%lu.conf", host->confdir, ids[i]) < 0)
			return 0;
		if (conf_has_name(path, name))
			found = ids[i];
	}
	return found;
}

int ct_resolve(const struct vz_host *host, const char *text, unsigned long *ret, vz_err *err)
{
	unsigned long id;

	if (ct_id_parse(text, &id, NULL) == 0) {
		*ret = id;
		return 0;
	}
	if (!ct_name_valid(text))
		return ct_id_parse(text, &id, err);
	id = ct_find_name(host, text);
	if (!id)
		return vz_fail(err, VZ_E_SYNTAX, ENOENT,
			       "No CT with the name \"%s\"; give a CT ID (101..%lu) or a name set "
			       "with 'vzctl set CTID --name NAME --save'", text, CT_ID_MAX);
	*ret = id;
	return 0;
}
