/* Monitoring over the counter tables (proc-export/export.h, "Monitoring"): the
 * Prometheus text exposition and the decisions of the Nagios-style check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc-export/export.h"

static bool is_unlimited(uint64_t v)
{
	return v >= VZ_UNLIMITED;
}

/* ------------------------------------------------------------ Prometheus */

enum fam_value { F_HELD, F_MAXHELD, F_BARRIER, F_LIMIT, F_FAILCNT };

static const struct family {
	const char *name, *type, *help;
	enum fam_value v;
	bool usage; /* a usage value: only rows whose usage is known */
} families[] = {
	{ "openvz_bc_held", "gauge",
	  "Current usage of a beancounter resource, in its own unit (pages, bytes or items).",
	  F_HELD, true },
	{ "openvz_bc_maxheld", "gauge",
	  "Largest usage of a beancounter resource seen since the CT started.", F_MAXHELD, true },
	{ "openvz_bc_barrier", "gauge",
	  "Barrier of a beancounter resource in force (+Inf: unlimited).", F_BARRIER, false },
	{ "openvz_bc_limit", "gauge",
	  "Limit of a beancounter resource in force (+Inf: unlimited).", F_LIMIT, false },
	{ "openvz_bc_failcnt_total", "counter",
	  "Allocations of a beancounter resource refused since the CT started.", F_FAILCNT, true },
};

static uint64_t row_value(const struct bc_row *r, enum fam_value v)
{
	switch (v) {
	case F_HELD: return r->held;
	case F_MAXHELD: return r->maxheld;
	case F_BARRIER: return r->barrier;
	case F_LIMIT: return r->limit;
	case F_FAILCNT: return r->failcnt;
	}
	return 0;
}

static void prom_family(FILE *f, const struct family *fam, const struct bc_table *cts, size_t n)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", fam->name, fam->help, fam->name, fam->type);
	for (size_t c = 0; c < n; c++) {
		const struct bc_table *t = &cts[c];

		for (int i = 0; i < UB_KERNEL_COUNT; i++) {
			const struct ubc_res *u = ubc_by_id(i);
			const struct bc_row *r = &t->row[i];
			uint64_t v;

			if (!u || (fam->usage && (!t->running || !r->usage_known)))
				continue;
			v = row_value(r, fam->v);
			fprintf(f, "%s{ctid=\"%lu\",resource=\"%s\",class=\"%s\"} ", fam->name, t->ctid,
				u->name, bc_class_name(r->cls));
			if (is_unlimited(v))
				fputs("+Inf\n", f);
			else
				fprintf(f, "%llu\n", (unsigned long long)v);
		}
	}
}

char *bcx_prometheus(const struct bc_table *cts, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs("# HELP openvz_ct_running Whether the CT runs (1) or not (0).\n"
	      "# TYPE openvz_ct_running gauge\n", f);
	for (size_t c = 0; c < n; c++)
		fprintf(f, "openvz_ct_running{ctid=\"%lu\"} %d\n", cts[c].ctid, cts[c].running ? 1 : 0);
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		prom_family(f, &families[i], cts, n);
	/* open_memstream sets the buffer at fclose: it is read only after. */
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ------------------------------------------------------------------ check */

static const struct bcx_failcnt *prev_find(const struct bcx_failcnt *prev, size_t n,
					   unsigned long ctid, int res)
{
	for (size_t i = 0; i < n; i++)
		if (prev[i].ctid == ctid && prev[i].res == res)
			return &prev[i];
	return NULL;
}

/* What held is measured against: the barrier, else (0 or unlimited) the limit; a
 * guarantee's barrier is no cap, so it is measured against its limit.  0: none. */
static uint64_t share_base(int res, const struct bc_row *r)
{
	const struct ubc_res *u = ubc_by_id(res);
	uint64_t base = r->barrier;

	if ((u && u->cls == BC_GUARANTEE) || base == 0 || is_unlimited(base))
		base = r->limit;
	return base == 0 || is_unlimited(base) ? 0 : base;
}

enum bcx_status bcx_check(const struct bc_table *cts, size_t n, const struct bcx_failcnt *prev,
			  size_t n_prev, const struct bcx_check_opts *o, struct bcx_alarm **ret,
			  size_t *n_ret)
{
	enum bcx_status worst = BCX_OK;
	struct bcx_alarm *alarms = NULL;
	size_t count = 0, cap = 0;

	for (size_t c = 0; c < n; c++) {
		const struct bc_table *t = &cts[c];

		if (!t->running)
			continue;
		for (int i = 0; i < UB_KERNEL_COUNT; i++) {
			const struct bc_row *r = &t->row[i];
			const struct bcx_failcnt *p = prev_find(prev, n_prev, t->ctid, i);
			struct bcx_alarm a = { .ctid = t->ctid, .res = i, .held = r->held };

			if (!ubc_by_id(i) || !r->usage_known)
				continue;
			a.base = share_base(i, r);
			if (p && r->failcnt > p->failcnt) {
				a.status = BCX_CRITICAL;
				a.growth = r->failcnt - p->failcnt;
			}
			/* held > share × base, in doubles: a share is a fraction */
			if (a.base && (double)r->held > o->crit * (double)a.base)
				a.status = BCX_CRITICAL;
			else if (a.base && (double)r->held > o->warn * (double)a.base &&
				 a.status < BCX_WARNING)
				a.status = BCX_WARNING;
			if (a.status == BCX_OK)
				continue;
			if (count == cap) {
				struct bcx_alarm *m;

				cap = cap ? 2 * cap : 8;
				m = realloc(alarms, cap * sizeof(*alarms));
				if (!m) {
					free(alarms);
					return BCX_UNKNOWN;
				}
				alarms = m;
			}
			alarms[count++] = a;
			if (a.status > worst)
				worst = a.status;
		}
	}
	*ret = alarms;
	*n_ret = count;
	return worst;
}

static const char *status_name(enum bcx_status s)
{
	static const char *const names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

	return s <= BCX_UNKNOWN ? names[s] : "UNKNOWN";
}

char *bcx_check_line(enum bcx_status status, size_t n_cts, const struct bcx_alarm *a, size_t n,
		     const struct bcx_check_opts *o)
{
	char *buf = NULL;
	size_t len = 0, crit = 0, warn = 0;
	unsigned long long growth = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		crit += a[i].status == BCX_CRITICAL;
		warn += a[i].status == BCX_WARNING;
		growth += a[i].growth;
	}
	fprintf(f, "BEANCOUNTERS %s - %zu CT%s", status_name(status), n_cts, n_cts == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		const char *name = ubc_by_id(a[i].res)->name;

		fprintf(f, "%s %lu %s", i ? "," : ":", a[i].ctid, name);
		if (a[i].growth)
			fprintf(f, " failcnt +%llu", (unsigned long long)a[i].growth);
		if (a[i].base && (double)a[i].held > o->warn * (double)a[i].base)
			fprintf(f, " held %llu%% of %llu",
				(unsigned long long)((unsigned __int128)a[i].held * 100 / a[i].base),
				(unsigned long long)a[i].base);
	}
	fprintf(f, " | cts=%zu critical=%zu warning=%zu failcnt_growth=%llu", n_cts, crit, warn,
		growth);
	for (size_t i = 0; i < n; i++)
		if (a[i].base)
			fprintf(f, " '%lu_%s'=%llu;%.0f;%.0f;0;%llu", a[i].ctid,
				ubc_by_id(a[i].res)->name, (unsigned long long)a[i].held,
				o->warn * (double)a[i].base, o->crit * (double)a[i].base,
				(unsigned long long)a[i].base);
	fputc('\n', f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
