/* vzlist's CTs: which ones a listing shows and what it knows of each, from core (the
 * beancounter tables, the run state, the paths) and from each CT's config. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/cli.h"
#include "ctl/vzlist.h"

/* Seconds since the CT's init started: its start time (field 22 of /proc/<pid>/stat,
 * clock ticks since boot) against the host's /proc/uptime. */
static bool init_uptime(pid_t pid, double *ret)
{
	char path[64], line[1024], up[128];
	_cleanup_close_ int sfd = -1, ufd = -1;
	long tck = sysconf(_SC_CLK_TCK);
	ssize_t n, m;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	sfd = open(path, O_RDONLY | O_CLOEXEC);
	ufd = open("/proc/uptime", O_RDONLY | O_CLOEXEC);
	if (sfd < 0 || ufd < 0 || tck <= 0)
		return false;
	n = read(sfd, line, sizeof(line) - 1);
	m = read(ufd, up, sizeof(up) - 1);
	if (n <= 0 || m <= 0)
		return false;
	line[n] = up[m] = '\0';
	/* The command name (field 2) may hold blanks and ')': count from its last ')'. */
	p = strrchr(line, ')');
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return false;
	*ret = strtod(up, NULL) - (double)strtoull(p + 1, NULL, 10) / (double)tck;
	if (*ret < 0)
		*ret = 0;
	return true;
}

static enum ct_status status_of(const struct ct_state *s)
{
	if (s->running)
		return CT_RUNNING;
	if (s->mounted)
		return CT_MOUNTED;
	return s->suspended ? CT_SUSPENDED : CT_STOPPED;
}

static void ct_info_free(struct ct_info *ct)
{
	vz_conf_free(ct->conf);
	ct_res_free(&ct->res);
	free(ct->private);
	free(ct->root);
}

/* Everything but the beancounters, which t already holds.  -ENOENT when the CT's config
 * went away meanwhile. */
static int ct_info_load(const struct vz_host *host, const struct bc_table *t, struct ct_info *ret,
			bool *ret_exist, vz_err *err)
{
	char id[24];
	struct ct_info ct = { .ctid = t->ctid, .bc = *t };
	struct ct_state st;
	struct ct_paths paths;
	pid_t init;
	int r;

	snprintf(id, sizeof(id), "%lu", t->ctid);
	r = vz_host_ct_conf(host, id, &ct.conf, err);
	if (r < 0)
		return r;
	r = vz_host_ct_res(host, ct.conf, &ct.res, err);
	if (r < 0) {
		vz_conf_free(ct.conf);
		return r;
	}
	if (ct_paths_get(host, ct.conf, id, &paths, NULL) == 0) {
		ct.private = paths.private;
		ct.root = paths.root;
		free(paths.conf);
	}
	/* A CT whose paths are broken is still listed, by what its beancounters say. */
	if (ct_state_get(host, id, &st, NULL) < 0)
		st = (struct ct_state){ .exist = true, .running = t->running };
	ct.status = status_of(&st);
	if (st.running && ct_init_pid(host, id, &init, NULL) == 0)
		ct.has_uptime = init_uptime(init, &ct.uptime);
	if (st.running)
		ct.has_laverage = ct_loadavg(host, id, ct.laverage, NULL) == 0;
	*ret_exist = st.exist || st.running;
	*ret = ct;
	return 0;
}

/* Which CTs a listing shows before the patterns: running ones by default, the ones
 * named, all with -a, the others with -S.  A CT without its private area is not shown
 * unless it runs, as legacy vzlist did. */
static bool selected(const struct vzlist_opts *o, const struct ct_info *ct, bool exist)
{
	bool running = ct->status == CT_RUNNING;

	if (!exist)
		return false;
	if (o->stopped)
		return !running;
	return o->all || o->n_ids > 0 || running;
}

static bool matches(const char *pattern, const char *s)
{
	return !pattern || (s && fnmatch(pattern, s, 0) == 0);
}

static bool filtered_in(const struct vzlist_opts *o, const struct ct_info *ct)
{
	return matches(o->host_pat, ct->res.hostname) &&
	       matches(o->name_pat, vz_conf_get(ct->conf, "NAME")) &&
	       matches(o->desc_pat, vz_conf_get(ct->conf, "DESCRIPTION"));
}

void ct_list_free(struct ct_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		ct_info_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* The ids the arguments name (numeric ids, or names looked up among the configs),
 * sorted, without repeats.  An argument that is neither: "CT ID x is invalid.". */
static int resolve_ids(const struct vz_host *host, const struct vzlist_opts *o, unsigned long **ret,
		       size_t *ret_n)
{
	_cleanup_free_ unsigned long *ids = calloc((size_t)o->n_ids, sizeof(*ids));
	size_t n = 0;

	if (!ids) {
		fprintf(stderr, "Error: out of memory\n");
		return EXIT_FAIL;
	}
	for (int i = 0; i < o->n_ids; i++) {
		unsigned long id;

		if (ct_id_parse(o->ids[i], &id, NULL) < 0 && !(id = ct_find_name(host, o->ids[i]))) {
			fprintf(stderr, "CT ID %s is invalid.\n", o->ids[i]);
			return EXIT_FAIL;
		}
		ids[n++] = id;
	}
	qsort(ids, n, sizeof(*ids), cmp_ulong);
	*ret_n = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || ids[i] != ids[i - 1])
			ids[(*ret_n)++] = ids[i];
	*ret = ids;
	ids = NULL;
	return 0;
}

/* The beancounter tables of the CTs named, or of every CT with a config. */
static int read_tables(const struct vz_host *host, const struct vzlist_opts *o, struct bc_table **ret,
		       size_t *ret_n, vz_err *err)
{
	_cleanup_free_ unsigned long *ids = NULL;
	struct bc_table *v;
	size_t n_ids, n = 0;
	int r;

	if (o->n_ids == 0)
		return bc_table_all(host, NULL, ret, ret_n, err) < 0 ? cli_report(err) : 0;
	r = resolve_ids(host, o, &ids, &n_ids);
	if (r)
		return r;
	v = calloc(n_ids ? n_ids : 1, sizeof(*v));
	if (!v) {
		fprintf(stderr, "Error: out of memory\n");
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < n_ids; i++) {
		char id[24];

		snprintf(id, sizeof(id), "%lu", ids[i]);
		r = bc_table_get(host, NULL, id, &v[n], err);
		if (r == -ENOENT) /* no such CT: legacy vzlist skipped it */
			continue;
		if (r < 0) {
			free(v);
			return cli_report(err);
		}
		n++;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* The CTs to show, in CT id order.  0, or the exit code after a printed message. */
int vzlist_collect(const struct vz_host *host, const struct vzlist_opts *o, struct ct_list *ret)
{
	_cleanup_free_ struct bc_table *tables = NULL;
	struct ct_list l = { 0 };
	size_t n = 0, found = 0;
	vz_err err;
	int r = read_tables(host, o, &tables, &n, &err);

	if (r)
		return r;
	l.v = calloc(n ? n : 1, sizeof(*l.v));
	if (!l.v) {
		fprintf(stderr, "Error: out of memory\n");
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < n; i++) {
		struct ct_info ct;
		bool exist = false;

		r = ct_info_load(host, &tables[i], &ct, &exist, &err);
		if (r == -ENOENT) /* destroyed while listed */
			continue;
		if (r < 0) {
			ct_list_free(&l);
			return cli_report(&err);
		}
		if (!selected(o, &ct, exist)) {
			ct_info_free(&ct);
			continue;
		}
		found++;
		if (filtered_in(o, &ct))
			l.v[l.n++] = ct;
		else
			ct_info_free(&ct);
	}
	if (found == 0) {
		/* Not an error when no CT was named (legacy vzlist's bug #2149). */
		fprintf(stderr, "Container(s) not found\n");
		free(l.v);
		return o->n_ids > 0 ? EXIT_FAIL : -1;
	}
	*ret = l;
	return 0;
}
