/* The texts of OpenVZ's /proc files (proc-export/export.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc-export/export.h"

#define HEADER_FMT "%10s  %-12s %20s %20s %20s %20s %20s\n"
/* VZ7's row: the id right-aligned in 10 with its colon glued, or blanks. */
#define ROW_FMT "%10s%c %-12s %20llu %20llu %20llu %20llu %20llu\n"

static unsigned long long clamp(uint64_t v)
{
	return v >= VZ_UNLIMITED ? VZ_UNLIMITED : (unsigned long long)v;
}

static char *put_spaces(char *p, size_t n)
{
	memset(p, ' ', n);
	return p + n;
}

/* text right-aligned in width (never cut, as printf's %*s), at p; returns the end. */
static char *put_right(char *p, const char *text, size_t len, size_t width)
{
	p = put_spaces(p, len < width ? width - len : 0);
	memcpy(p, text, len);
	return p + len;
}

static char *put_number(char *p, unsigned long long v, size_t width)
{
	char digits[24];
	size_t n = 0;

	do
		digits[sizeof(digits) - ++n] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return put_right(p, digits + sizeof(digits) - n, n, width);
}

/* One row as ROW_FMT prints it.  Written out by hand: an export of many CTs is tens of
 * thousands of rows at each read, and fprintf took half of the export's time outside
 * the kernel. */
static void print_row(FILE *f, const char *id, const char *name, const struct bc_row *r)
{
	bool known = r->usage_known;
	const unsigned long long v[5] = { known ? clamp(r->held) : 0, known ? clamp(r->maxheld) : 0,
					  clamp(r->barrier), clamp(r->limit),
					  known ? clamp(r->failcnt) : 0 };
	size_t id_len = id ? strlen(id) : 0, name_len = strlen(name);
	/* The widest row handled here: an id of 24 characters, its colon and a blank, a
	 * name of 64, five numbers of up to 20 digits each after a blank, the newline. */
	char row[24 + 2 + 64 + 5 * 21 + 1], *p = row;

	if (id_len > 24 || name_len > 64) { /* longer than any id or name can be */
		fprintf(f, ROW_FMT, id ? id : "", id ? ':' : ' ', name, v[0], v[1], v[2], v[3], v[4]);
		return;
	}
	p = id ? put_right(p, id, id_len, 10) : put_spaces(p, 10);
	*p++ = id ? ':' : ' ';
	*p++ = ' ';
	memcpy(p, name, name_len);
	p = put_spaces(p + name_len, name_len < 12 ? 12 - name_len : 0);
	for (int i = 0; i < 5; i++) {
		*p++ = ' ';
		p = put_number(p, v[i], 20);
	}
	*p++ = '\n';
	fwrite(row, 1, (size_t)(p - row), f);
}

/* Rows of one block: ids 0..last-1, dummies printed or skipped; the id on the first. */
static void print_block(FILE *f, const struct bc_table *t, bool with_id, bool dummies, int last)
{
	char id[24];
	bool first = with_id;

	snprintf(id, sizeof(id), "%lu", t->ctid);
	for (int i = 0; i < last; i++) {
		const struct ubc_res *u = ubc_by_id(i);
		static const struct bc_row zero;

		if (!u && !dummies)
			continue;
		print_row(f, first ? id : NULL, u ? u->name : "dummy", u ? &t->row[i] : &zero);
		first = false;
	}
}

/* open_memstream sets the buffer at fclose: it is read only after. */
static char *finish(FILE *f, char **buf)
{
	if (fclose(f) != 0) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

static char *table_text(const struct bc_table *cts, size_t n, const struct bc_table *host,
			bool dummies, int last)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs("Version: 2.5\n", f);
	fprintf(f, HEADER_FMT, "uid", "resource", "held", "maxheld", "barrier", "limit", "failcnt");
	for (size_t i = 0; i < n; i++)
		if (cts[i].running)
			print_block(f, &cts[i], true, dummies, last);
	/* OpenVZ's kernel added each beancounter at the head of its list, so the host's,
	 * made first, came last. */
	if (host)
		print_block(f, host, true, dummies, last);
	return finish(f, &buf);
}

char *bcx_user_beancounters(const struct bc_table *cts, size_t n, const struct bc_table *host)
{
	return table_text(cts, n, host, true, UB_COMPAT_COUNT);
}

char *bcx_bc_resources(const struct bc_table *cts, size_t n, const struct bc_table *host)
{
	return table_text(cts, n, host, false, UB_KERNEL_COUNT);
}

char *bcx_bc_ct_resources(const struct bc_table *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	print_block(f, t, false, false, UB_KERNEL_COUNT);
	return finish(f, &buf);
}

static void veinfo_line(FILE *f, const struct bc_table *t)
{
	const struct bc_row *np = &t->row[UB_NUMPROC];

	fprintf(f, "%10lu %5u %5llu\n", t->ctid, 0U, np->usage_known ? clamp(np->held) : 0);
}

char *bcx_veinfo(const struct bc_table *cts, size_t n, const struct bc_table *host)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (cts[i].running)
			veinfo_line(f, &cts[i]);
	/* The host's VE came last there too (the list was walked from its head). */
	if (host)
		veinfo_line(f, host);
	return finish(f, &buf);
}

char *bcx_vswap(void)
{
	char *s;

	return asprintf(&s, "Version: 1.0\n") < 0 ? NULL : s;
}

char *bcx_classes(const struct bc_table *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (int i = 0; i < UB_KERNEL_COUNT; i++) {
		const struct ubc_res *u = ubc_by_id(i);

		if (u)
			fprintf(f, "%s %s\n", u->name, bc_class_name(t->row[i].cls));
	}
	return finish(f, &buf);
}
