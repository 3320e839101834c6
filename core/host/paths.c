/* A CT's config and files as the host names them (core/host/host.h): the config read
 * over vz.conf, the CTs there are, and where each one's root and private areas are.
 * Paths come from vz.conf layered under CTID.conf and are checked once, from what the
 * administrator configured. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/host/host.h"

/* ---------------------------------------------------------------- configs */

int vz_host_ct_conf(const struct vz_host *host, const char *ctid, vz_conf **ret, vz_err *err)
{
	_cleanup_free_ char *path = vz_host_ct_conf_path(host, ctid);
	int r;

	if (!path)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	r = vz_conf_load(path, ret, NULL, err);
	if (r == -ENOENT)
		return vz_fail(err, VZ_E_NO_CTCONF, ENOENT, "Container %s has no config (%s)", ctid,
			       path);
	return r;
}

int vz_host_ct_res(const struct vz_host *host, const vz_conf *cf, struct ct_res *ret,
		   vz_err *err)
{
	return ct_res_from_conf(host->conf, cf, ret, NULL, err);
}

static int id_cmp(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

int vz_host_list_cts(const struct vz_host *host, unsigned long **ret, size_t *count,
		     vz_err *err)
{
	__attribute__((cleanup(closedirp))) DIR *d = opendir(host->confdir);
	_cleanup_free_ unsigned long *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;

	if (!d)
		return vz_fail(err, VZ_E_SYSTEM, errno, "Unable to read %s: %s", host->confdir,
			       strerror(errno));
	while ((e = readdir(d))) {
		char id[32];

		if (!ct_conf_file_id(e->d_name, id, sizeof(id)))
			continue;
		if (n == cap) {
			unsigned long *nv = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof(*v));

			if (!nv)
				return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
			v = nv;
		}
		v[n++] = strtoul(id, NULL, 10);
	}
	if (n)
		qsort(v, n, sizeof(*v), id_cmp);
	*ret = v;
	v = NULL;
	*count = n;
	return 0;
}

/* ------------------------------------------------------------------ paths */

static bool has_dot_component(const char *path)
{
	for (const char *c = path; (c = strstr(c, "/.")); c++)
		if (c[2] == '/' || c[2] == '\0' || (c[2] == '.' && (c[3] == '/' || c[3] == '\0')))
			return true;
	return false;
}

/* A private or root area is a plain absolute path below /: its last component names the
 * hidden siblings create and destroy work in, and no `..` may lead elsewhere.  Trailing
 * slashes are dropped. */
static int abs_path(char *path, const char *key, int code, const char *conf_path, vz_err *err)
{
	size_t len = strlen(path);

	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	if (path[0] != '/' || len == 1 || has_dot_component(path))
		return vz_fail(err, code, EINVAL,
			       "%s (%s) must be an absolute path below / without . or .. in it; fix "
			       "it in %s or vz.conf", key, path, conf_path);
	return 0;
}

int ct_paths_get(const struct vz_host *host, const vz_conf *ct_conf, const char *ctid,
		 struct ct_paths *ret, vz_err *err)
{
	const char *root_tmpl = ct_conf ? vz_conf_get(ct_conf, "VE_ROOT") : NULL;
	const char *private_tmpl = ct_conf ? vz_conf_get(ct_conf, "VE_PRIVATE") : NULL;
	struct ct_paths p = { 0 };
	int r;

	p.conf = vz_host_ct_conf_path(host, ctid);
	p.root = vz_subst_veid(root_tmpl && *root_tmpl ? root_tmpl : host->ve_root, ctid);
	p.private = vz_subst_veid(private_tmpl && *private_tmpl ? private_tmpl : host->ve_private,
				  ctid);
	if (!p.conf || !p.root || !p.private) {
		ct_paths_free(&p);
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	}
	if ((r = abs_path(p.root, "VE_ROOT", VZ_E_NO_VE_ROOT, p.conf, err)) < 0 ||
	    (r = abs_path(p.private, "VE_PRIVATE", VZ_E_NO_VE_PRIVATE, p.conf, err)) < 0) {
		ct_paths_free(&p);
		return r;
	}
	*ret = p;
	return 0;
}

void ct_paths_free(struct ct_paths *p)
{
	if (!p)
		return;
	free(p->conf);
	free(p->root);
	free(p->private);
	memset(p, 0, sizeof(*p));
}

int ct_load_paths(const struct vz_host *host, const char *ctid, struct ct_paths *ret,
		  vz_err *err)
{
	_cleanup_conf_ vz_conf *cf = NULL;
	int r = vz_host_ct_conf(host, ctid, &cf, err);

	if (r < 0 && r != -ENOENT)
		return r;
	return ct_paths_get(host, cf, ctid, ret, err);
}
