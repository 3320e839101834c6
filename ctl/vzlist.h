/* vzlist's parts: options and output (ctl/vzlist.c), the CTs it lists
 * (ctl/vzlist-cts.c) and its fields (ctl/vzlist-fields.c). */
#ifndef VZ_VZLIST_H
#define VZ_VZLIST_H

#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include "core/acct/acct.h"
#include "core/ct/ct.h"

#define EXIT_FAIL 1 /* legacy vzlist's only error status */

/* In the order legacy vzlist ranks them when sorting by status. */
enum ct_status {
	CT_RUNNING,
	CT_STOPPED,
	CT_MOUNTED,
	CT_SUSPENDED,
};

/* What vzlist knows of one CT. */
struct ct_info {
	unsigned long ctid;
	enum ct_status status;
	struct bc_table bc;  /* the beancounter rows (usage only while running) */
	vz_conf *conf;       /* the CT's config: NAME, DESCRIPTION, ONBOOT, ... */
	struct ct_res res;   /* its resource settings, vz.conf layered under it */
	char *private, *root;
	bool has_uptime;     /* running, and its init's start time was read */
	double uptime;       /* seconds since the CT's init started */
	bool has_laverage;   /* running, and its monitor has a current sample */
	double laverage[3];  /* 1, 5 and 15 minute load averages */
};

/* One column of the table (and one key of the JSON objects). */
struct field;

struct vzlist_fmt {
	bool trim;           /* cut long fields that are not the last column (no -t) */
};

/* What the command line asked for. */
struct vzlist_opts {
	bool all, stopped, header, json, list_fields;
	struct vzlist_fmt fmt;
	const char *output;        /* -o, -1 or -n: the columns; NULL: the default */
	const struct field *sort;  /* -s; NULL: by CT id */
	bool sort_rev;
	const char *host_pat, *name_pat, *desc_pat;
	char **ids;                /* CT ids or names given as arguments */
	int n_ids;
};

struct ct_list {
	struct ct_info *v;
	size_t n;
};

/* The CTs to show (ctl/vzlist-cts.c), in CT id order: 0; -1 when there is none and none
 * was named ("Container(s) not found" printed; not an error); else the exit code,
 * after a printed message. */
int vzlist_collect(const struct vz_host *host, const struct vzlist_opts *o, struct ct_list *ret);
void ct_list_free(struct ct_list *l);

/* Sets the field table up; call once before anything else here. */
void fields_init(void);
/* The field of that name (`numproc.l`), NULL when unknown. */
const struct field *field_find(const char *name);
/* Whether the name carries a suffix (.m .b .l .f): not allowed in JSON. */
bool field_has_suffix(const struct field *f);
/* Every field, in the order -L and the JSON default list them. */
size_t field_count(void);
const struct field *field_at(size_t i);
/* `-L`: every name with its header. */
void fields_list(FILE *out);

/* The header line of the columns (trailing spaces trimmed). */
void fields_header(FILE *out, const struct field *const *cols, size_t n);
/* One CT's row. */
void fields_row(FILE *out, const struct ct_info *ct, const struct field *const *cols, size_t n,
		const struct vzlist_fmt *fmt);
/* One CT as a JSON object (new reference), NULL when out of memory. */
struct json_object *fields_json(const struct ct_info *ct, const struct field *const *cols, size_t n);
/* Sorting by a field: <0, 0 or >0; no data sorts first, ties by CT id. */
int fields_cmp(const struct field *f, const struct ct_info *a, const struct ct_info *b);

#endif
