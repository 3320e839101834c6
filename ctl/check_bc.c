/* check_bc [-w SHARE] [-c SHARE] [-s STATEFILE] [-f FILE|-] [CTID|NAME ...]
 *
 * A Nagios-style check of the beancounters: one status line with perfdata, and the
 * exit code 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.  CRITICAL when a failcnt grew since
 * the last run (the failcnts are kept in STATEFILE, default /var/lib/vzbc/check_bc.state,
 * in a directory nobody but the caller may write)
 * or held passed -c (default 0.95) of the barrier; WARNING when it passed -w (default
 * 0.8).  As check_beancounter did, the limit stands in for a barrier of 0 or
 * unlimited (and for a guarantee's barrier, which is no cap); the decisions are
 * bcx_check's (proc-export/export.h).  The counters come from the core's live tables
 * (running CTs, rows whose usage is known), or with -f from an export file
 * (user_beancounters or bc/resources text, `-` stdin).  CT arguments limit the check
 * to those CTs. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/acct/acct.h"
#include "core/ct/ct.h"
#include "proc-export/export.h"

#define DEFAULT_STATE "/var/lib/vzbc/check_bc.state"

__attribute__((format(printf, 1, 2))) static int unknown(const char *fmt, ...)
{
	va_list ap;

	printf("BEANCOUNTERS UNKNOWN - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return BCX_UNKNOWN;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: check_bc [-w SHARE] [-c SHARE] [-s STATEFILE] [-f FILE|-] [CTID ...]\n"
		"  -w SHARE   WARNING when held passes this share of the barrier (default 0.8)\n"
		"  -c SHARE   CRITICAL when held passes this share of the barrier (default 0.95)\n"
		"  -s FILE    failcnts of the last run (default " DEFAULT_STATE ")\n"
		"  -f FILE    read an export file (- for stdin) instead of the live counters\n"
		"A failcnt that grew since the last run is CRITICAL.\n"
		"Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n");
}

static bool parse_share(const char *s, double *ret)
{
	char *end;

	errno = 0;
	*ret = strtod(s, &end);
	return s[0] && !*end && !errno && *ret > 0;
}

static int res_by_name(const char *name)
{
	for (int i = 0; i < UB_KERNEL_COUNT; i++) {
		const struct ubc_res *u = ubc_by_id(i);

		if (u && strcmp(u->name, name) == 0)
			return i;
	}
	return -1;
}

static uint64_t export_value(const char *s, bool *ok)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	*ok = *s >= '0' && *s <= '9' && !*end && !errno;
	return v >= VZ_UNLIMITED32 && (v == VZ_UNLIMITED32 || v >= VZ_UNLIMITED) ? VZ_UNLIMITED : v;
}

/* Reads an export text (reference §2.1/§2.2) into tables: a block per `<id>:` row. */
static const char *parse_export(FILE *in, struct bc_table **ret, size_t *n_ret)
{
	_cleanup_free_ char *line = NULL;
	struct bc_table *t = NULL;
	size_t n = 0, cap = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, in)) >= 0) {
		char *f[8] = { 0 }, *save = NULL;
		size_t nf = 0;
		int res;
		bool ok = true;

		if (len && line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (strncmp(line, "Version:", 8) == 0) {
			if (strcmp(line, "Version: 2.5") != 0)
				goto bad_version;
			continue;
		}
		for (char *tok = strtok_r(line, " \t", &save); tok && nf < 8;
		     tok = strtok_r(NULL, " \t", &save))
			f[nf++] = tok;
		if (nf == 0 || strcmp(f[0], "uid") == 0)
			continue;
		if (nf == 7 && f[0][strlen(f[0]) - 1] == ':') {
			struct bc_table *m = reallocarray(t, n + 1, sizeof(*t));
			unsigned long id;
			char *end;

			if (!m)
				goto nomem;
			t = m;
			errno = 0;
			id = strtoul(f[0], &end, 10);
			if (errno || end == f[0] || *end != ':')
				goto bad;
			memset(&t[n], 0, sizeof(t[n]));
			t[n].ctid = id;
			t[n].running = true;
			n++;
			memmove(f, f + 1, 6 * sizeof(*f));
			nf = 6;
		}
		if (nf != 6 || n == 0)
			goto bad;
		if (strcmp(f[0], "dummy") == 0)
			continue;
		res = res_by_name(f[0]);
		if (res < 0)
			continue;
		t[n - 1].row[res] = (struct bc_row){
			.held = export_value(f[1], &ok),
			.cls = ubc_by_id(res)->cls,
			.usage_known = true,
		};
		t[n - 1].row[res].maxheld = ok ? export_value(f[2], &ok) : 0;
		t[n - 1].row[res].barrier = ok ? export_value(f[3], &ok) : 0;
		t[n - 1].row[res].limit = ok ? export_value(f[4], &ok) : 0;
		t[n - 1].row[res].failcnt = ok ? export_value(f[5], &ok) : 0;
		if (!ok)
			goto bad;
	}
	*ret = t;
	*n_ret = n;
	return NULL;
nomem:
	free(t);
	return "out of memory";
bad_version:
	free(t);
	return "the export is not Version: 2.5";
bad:
	free(t);
	return "the export has a row that is not <id>: name held maxheld barrier limit failcnt";
}

/* The state file's directory, which must be the caller's alone: anyone else who
 * could write there could plant a link to have a file overwritten, or failcnts of
 * their own to silence the alarms.  *ret_base points into *ret_copy. */
static int state_dir(const char *path, char **ret_copy, const char **ret_base)
{
	_cleanup_free_ char *d = strdup(path);
	char *b = strdup(path);
	int fd;

	if (!d || !b) {
		free(b);
		return -ENOMEM;
	}
	fd = vz_open_own_dir(dirname(d));
	if (fd < 0) {
		free(b);
		return fd;
	}
	*ret_copy = b;
	*ret_base = basename(b);
	return fd;
}

/* The state file: `<ctid> <resource> <failcnt>` per line.  A missing file is a first
 * run; lines that do not parse are ignored. */
static int state_load(int dirfd, const char *name, struct bcx_failcnt **ret, size_t *n_ret)
{
	_cleanup_free_ char *text = NULL;
	struct bcx_failcnt *p = NULL;
	size_t n = 0, len = 0;
	unsigned long ctid;
	unsigned long long fc;
	char rname[32];
	int r = vz_read_own_at(dirfd, name, &text, &len);
	FILE *f;

	*ret = NULL;
	*n_ret = 0;
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	f = fmemopen(text, len, "r");
	if (!f)
		return len ? -ENOMEM : 0;
	while (fscanf(f, "%lu %31s %llu", &ctid, rname, &fc) == 3) {
		int res = res_by_name(rname);
		struct bcx_failcnt *m;

		if (res < 0)
			continue;
		m = reallocarray(p, n + 1, sizeof(*p));
		if (!m) {
			free(p);
			fclose(f);
			return -ENOMEM;
		}
		p = m;
		p[n++] = (struct bcx_failcnt){ ctid, res, fc };
	}
	fclose(f);
	*ret = p;
	*n_ret = n;
	return 0;
}

/* Written whole: a temporary file beside it, renamed over it. */
static int state_save(int dirfd, const char *name, const struct bc_table *t, size_t n)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return -ENOMEM;
	for (size_t c = 0; c < n; c++)
		for (int i = 0; i < UB_KERNEL_COUNT; i++)
			if (t[c].running && ubc_by_id(i) && t[c].row[i].usage_known)
				fprintf(f, "%lu %s %llu\n", t[c].ctid, ubc_by_id(i)->name,
					(unsigned long long)t[c].row[i].failcnt);
	if (fclose(f) != 0)
		return -ENOMEM;
	return vz_replace_at(dirfd, name, text, len, 0600);
}

/* Keeps the running CTs named on the command line (all running ones when none).  A
 * name that resolves to nothing, or a CT that is not running (not in the export),
 * is put in *bad. */
static size_t select_cts(struct bc_table *t, size_t n, char **ids, size_t n_ids,
			 const struct vz_host *host, const char **bad)
{
	size_t k = 0;

	for (size_t i = 0; i < n_ids; i++) {
		unsigned long id;
		vz_err err;
		char *end;
		bool found = false;

		errno = 0;
		id = strtoul(ids[i], &end, 10);
		if ((errno || *end || end == ids[i]) &&
		    (!host || ct_resolve(host, ids[i], &id, &err) < 0)) {
			*bad = ids[i];
			return 0;
		}
		for (size_t c = 0; c < n; c++)
			found |= t[c].ctid == id && t[c].running;
		if (!found) {
			*bad = ids[i];
			return 0;
		}
	}
	for (size_t c = 0; c < n; c++) {
		bool want = n_ids == 0;

		for (size_t i = 0; i < n_ids && !want; i++) {
			unsigned long id;
			vz_err err;
			char *end;

			id = strtoul(ids[i], &end, 10);
			if (*end)
				ct_resolve(host, ids[i], &id, &err);
			want = id == t[c].ctid;
		}
		if (want && t[c].running)
			t[k++] = t[c];
	}
	return k;
}

int main(int argc, char **argv)
{
	struct bcx_check_opts o = { .warn = 0.8, .crit = 0.95 };
	const char *state = DEFAULT_STATE, *file = NULL, *bad = NULL, *msg, *state_name = NULL;
	_cleanup_free_ char *state_copy = NULL;
	_cleanup_close_ int dirfd = -1;
	_cleanup_free_ struct bc_table *t = NULL;
	_cleanup_free_ struct bcx_failcnt *prev = NULL;
	_cleanup_free_ struct bcx_alarm *alarms = NULL;
	_cleanup_free_ char *text = NULL;
	struct vz_host host;
	bool have_host = false;
	size_t n = 0, n_prev = 0, n_alarms = 0;
	enum bcx_status st;
	vz_err err;
	int c, r;

	while ((c = getopt(argc, argv, "w:c:s:f:h")) != -1) {
		switch (c) {
		case 'w':
		case 'c':
			if (!parse_share(optarg, c == 'w' ? &o.warn : &o.crit))
				return unknown("-%c needs a share above 0, not %s", c, optarg);
			break;
		case 's': state = optarg; break;
		case 'f': file = optarg; break;
		case 'h': usage(stdout); return BCX_OK;
		default: usage(stderr); return BCX_UNKNOWN;
		}
	}
	if (o.warn > o.crit)
		return unknown("-w %g is above -c %g", o.warn, o.crit);
	if (!file || optind < argc)
		have_host = vz_host_load(&host, NULL, &err) == 0;
	if (file) {
		FILE *in = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");

		if (!in) {
			int e = errno;

			if (have_host)
				vz_host_free(&host);
			return unknown("cannot read %s: %s", file, strerror(e));
		}
		msg = parse_export(in, &t, &n);
		if (in != stdin)
			fclose(in);
		if (msg) {
			if (have_host)
				vz_host_free(&host);
			return unknown("%s: %s", file, msg);
		}
	} else {
		if (!have_host)
			return unknown("%s", err.msg);
		r = bc_table_all(&host, NULL, &t, &n, &err);
		if (r < 0) {
			vz_host_free(&host);
			return unknown("%s", err.msg);
		}
	}
	n = select_cts(t, n, argv + optind, (size_t)(argc - optind), have_host ? &host : NULL,
		       &bad);
	if (have_host)
		vz_host_free(&host);
	if (bad)
		return unknown("no running CT %s", bad);
	dirfd = state_dir(state, &state_copy, &state_name);
	if (dirfd == -EPERM)
		return unknown("the directory of the state file %s is a symlink, another user's or "
			       "writable by others: name a file in a directory of yours with -s", state);
	if (dirfd < 0)
		return unknown("cannot open the directory of the state file %s: %s", state,
			       strerror(-dirfd));
	r = state_load(dirfd, state_name, &prev, &n_prev);
	if (r == -EPERM)
		return unknown("the state file %s is a symlink or not yours: remove it", state);
	if (r < 0)
		return unknown("cannot read the state file %s: %s", state, strerror(-r));
	st = bcx_check(t, n, prev, n_prev, &o, &alarms, &n_alarms);
	if (st == BCX_UNKNOWN)
		return unknown("out of memory");
	r = state_save(dirfd, state_name, t, n);
	if (r < 0)
		return unknown("cannot write the state file %s: %s", state, strerror(-r));
	text = bcx_check_line(st, n, alarms, n_alarms, &o);
	if (!text)
		return unknown("out of memory");
	fputs(text, stdout);
	return st;
}
