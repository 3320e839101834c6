/* vzlist's fields: their names, headers and widths as legacy vzlist had them (reference
 * §5), and how each is printed in a column, put in JSON and sorted.
 *
 * Every field reads one value per CT (struct value); the three outputs are written
 * from that value alone, so a column, its JSON key and its sort order cannot disagree.
 * A value nothing can give (usage of a stopped CT, the load average before the CT's
 * monitor has sampled it) is V_NONE: "-" in a column, null in JSON, never a 0. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/vzlist.h"

struct value {
	enum {
		V_NONE,   /* no data */
		V_U64,
		V_ENUM,   /* printed as s, sorted by u (status) */
		V_STR,
		V_LIST,   /* blank-separated words: the first one in a cut column */
		V_BOOL,   /* yes/no, true/false */
		V_DOUBLE,
		V_UPTIME, /* seconds, printed as OpenVZ's 000d00h:00m:00s */
		V_LOAD,   /* three load averages, a/b/c */
	} type;
	uint64_t u;
	const char *s;
	bool b;
	double d;
	double la[3];
};

/* Which of a beancounter's five numbers a field shows: no suffix, .m, .b, .l, .f. */
enum ubc_part { PART_HELD, PART_MAXHELD, PART_BARRIER, PART_LIMIT, PART_FAILCNT, PART_COUNT };

typedef struct value getter(const struct ct_info *ct, const struct field *f);

struct field {
	char name[32];
	char header[16];
	int width;       /* the column's printf width; negative: left-aligned */
	bool cut;        /* a long field: cut to its width unless it is the last column */
	getter *get;
	const char *key; /* config key, for the fields that show one as it is */
	int ubc;         /* the beancounter id; -1 for other fields */
	int part;        /* enum ubc_part */
};

/* ------------------------------------------------------------- values */

static struct value none(void)
{
	return (struct value){ .type = V_NONE };
}

static struct value u64(uint64_t v)
{
	return (struct value){ .type = V_U64, .u = v };
}

static struct value str_or_none(const char *s)
{
	return s ? (struct value){ .type = V_STR, .s = s } : none();
}

static struct value get_ctid(const struct ct_info *ct, const struct field *f)
{
	(void)f;
	return u64(ct->ctid);
}

static struct value get_private(const struct ct_info *ct, const struct field *f)
{
	(void)f;
	return str_or_none(ct->private);
}

static struct value get_root(const struct ct_info *ct, const struct field *f)
{
	(void)f;
	return str_or_none(ct->root);
}

/* A key of the CT's own config, shown as it is written there. */
static struct value get_conf_str(const struct ct_info *ct, const struct field *f)
{
	return str_or_none(vz_conf_get(ct->conf, f->key));
}

static struct value get_conf_list(const struct ct_info *ct, const struct field *f)
{
	const char *s = vz_conf_get(ct->conf, f->key);

	return (struct value){ .type = V_LIST, .s = s };
}

static struct value get_hostname(const struct ct_info *ct, const struct field *f)
{
	(void)f;
	return str_or_none(ct->res.hostname);
}

/* The name when the CT has one, else its id. */
static struct value get_smart_name(const struct ct_info *ct, const struct field *f)
{
	const char *name = vz_conf_get(ct->conf, "NAME");

	(void)f;
	return name && *name ? str_or_none(name) : u64(ct->ctid);
}

/* No addresses yet: a CT's network is not set up by this project so far. */
static struct value get_ip(const struct ct_info *ct, const struct field *f)
{
	(void)ct;
	(void)f;
	return (struct value){ .type = V_LIST, .s = NULL };
}

static struct value get_status(const struct ct_info *ct, const struct field *f)
{
	static const char *const names[] = {
		[CT_RUNNING] = "running",
		[CT_STOPPED] = "stopped",
		[CT_MOUNTED] = "mounted",
		[CT_SUSPENDED] = "suspended",
	};

	(void)f;
	return (struct value){ .type = V_ENUM, .u = ct->status, .s = names[ct->status] };
}

/* held, maxheld and failcnt exist only while the CT runs and a source gives them;
 * barrier and limit are what is in force (the config's for a stopped CT). */
static struct value get_ubc(const struct ct_info *ct, const struct field *f)
{
	const struct bc_row *row = &ct->bc.row[f->ubc];
	bool usage = ct->bc.running && row->usage_known;

	switch (f->part) {
	case PART_HELD:
		return usage ? u64(row->held) : none();
	case PART_MAXHELD:
		return usage ? u64(row->maxheld) : none();
	case PART_BARRIER:
		return u64(row->barrier);
	case PART_LIMIT:
		return u64(row->limit);
	default:
		return usage ? u64(row->failcnt) : none();
	}
}

/* Sampled by the CT's monitor (core/acct/sampler.c): none for a stopped CT, one restored by
 * CRIU (it has no monitor) or in its first seconds. */
static struct value get_laverage(const struct ct_info *ct, const struct field *f)
{
	struct value v = { .type = V_LOAD };

	(void)f;
	if (!ct->has_laverage)
		return none();
	memcpy(v.la, ct->laverage, sizeof(v.la));
	return v;
}

static struct value get_uptime(const struct ct_info *ct, const struct field *f)
{
	(void)f;
	return ct->has_uptime ? (struct value){ .type = V_UPTIME, .d = ct->uptime } : none();
}

static struct value get_cpulimit(const struct ct_info *ct, const struct field *f)
{
	(void)f;
	return ct->res.has_cpulimit ? u64(ct->res.cpulimit) : none();
}

static struct value get_cpuunits(const struct ct_info *ct, const struct field *f)
{
	(void)f;
	return ct->res.has_cpuunits ? u64(ct->res.cpuunits) : none();
}

/* 0 means every CPU of the host: no number to show, as legacy vzlist. */
static struct value get_cpus(const struct ct_info *ct, const struct field *f)
{
	(void)f;
	return ct->res.has_cpus && ct->res.cpus > 0 ? u64(ct->res.cpus) : none();
}

static struct value get_ioprio(const struct ct_info *ct, const struct field *f)
{
	(void)f;
	return ct->res.has_ioprio ? u64(ct->res.ioprio) : none();
}

static struct value get_onboot(const struct ct_info *ct, const struct field *f)
{
	const char *text = vz_conf_get(ct->conf, "ONBOOT");
	bool v;

	(void)f;
	if (!text || ct_parse_yesno(text, &v, NULL) < 0)
		return none();
	return (struct value){ .type = V_BOOL, .b = v };
}

static struct value get_bootorder(const struct ct_info *ct, const struct field *f)
{
	const char *text = vz_conf_get(ct->conf, "BOOTORDER");
	char *end;
	unsigned long v;

	(void)f;
	if (!text || !*text || *text == '-')
		return none();
	errno = 0;
	v = strtoul(text, &end, 10);
	return errno || *end ? none() : u64(v);
}

static struct value get_vswap(const struct ct_info *ct, const struct field *f)
{
	(void)f;
	return (struct value){ .type = V_BOOL, .b = ct_res_is_vswap(&ct->res) };
}

static struct value get_disabled(const struct ct_info *ct, const struct field *f)
{
	(void)f;
	return (struct value){ .type = V_BOOL, .b = ct->res.has_disabled && ct->res.disabled };
}

static struct value get_overcommit(const struct ct_info *ct, const struct field *f)
{
	(void)f;
	return ct->res.has_vm_overcommit ? (struct value){ .type = V_DOUBLE, .d = ct->res.vm_overcommit }
					 : none();
}

/* -------------------------------------------------------------- the table */

struct field_def {
	const char *name, *header;
	int width;
	bool cut;
	getter *get;
	const char *key;
};

/* Before the beancounters, in legacy vzlist's order. */
static const struct field_def identity[] = {
	{ "ctid", "CTID", 10, false, get_ctid, NULL },
	{ "veid", "CTID", 10, false, get_ctid, NULL },
	{ "vpsid", "CTID", 10, false, get_ctid, NULL },
	{ "private", "PRIVATE", -32, true, get_private, NULL },
	{ "root", "ROOT", -32, true, get_root, NULL },
	{ "mount_opts", "MOUNT_OPTS", -16, true, get_conf_str, "MOUNT_OPTS" },
	{ "origin_sample", "ORIGIN_SAMPLE", -32, true, get_conf_str, "ORIGIN_SAMPLE" },
	{ "hostname", "HOSTNAME", -32, true, get_hostname, NULL },
	{ "name", "NAME", -32, true, get_conf_str, "NAME" },
	{ "smart_name", "SMARTNAME", 10, true, get_smart_name, NULL },
	{ "description", "DESCRIPTION", -32, true, get_conf_str, "DESCRIPTION" },
	{ "ostemplate", "OSTEMPLATE", -32, true, get_conf_str, "OSTEMPLATE" },
	{ "ip", "IP_ADDR", -15, true, get_ip, NULL },
	{ "nameserver", "NAMESERVER", -15, true, get_conf_list, "NAMESERVER" },
	{ "searchdomain", "SEARCHDOMAIN", -15, true, get_conf_list, "SEARCHDOMAIN" },
	{ "status", "STATUS", -9, false, get_status, NULL },
};

/* After the beancounters. */
static const struct field_def others[] = {
	{ "laverage", "LAVERAGE", 14, false, get_laverage, NULL },
	{ "uptime", "UPTIME", 15, false, get_uptime, NULL },
	{ "cpulimit", "CPULIM", 7, false, get_cpulimit, NULL },
	{ "cpuunits", "CPUUNI", 7, false, get_cpuunits, NULL },
	{ "cpus", "CPUS", 5, false, get_cpus, NULL },
	{ "ioprio", "IOP", 3, false, get_ioprio, NULL },
	{ "onboot", "ONBOOT", 6, false, get_onboot, NULL },
	{ "bootorder", "BOOTORDER", 10, false, get_bootorder, NULL },
	{ "vswap", "VSWAP", 5, false, get_vswap, NULL },
	{ "disabled", "DISABL", 6, false, get_disabled, NULL },
	{ "vm_overcommit", "OVERCOMMIT", 10, false, get_overcommit, NULL },
};

#define N_IDENTITY (sizeof(identity) / sizeof(identity[0]))
#define N_OTHERS (sizeof(others) / sizeof(others[0]))
#define MAX_FIELDS (N_IDENTITY + UB_KERNEL_COUNT * PART_COUNT + N_OTHERS)

static struct field table[MAX_FIELDS];
static size_t n_fields;

static void add_def(const struct field_def *d)
{
	struct field *f = &table[n_fields++];

	snprintf(f->name, sizeof(f->name), "%s", d->name);
	snprintf(f->header, sizeof(f->header), "%s", d->header);
	f->width = d->width;
	f->cut = d->cut;
	f->get = d->get;
	f->key = d->key;
	f->ubc = -1;
}

/* numproc, numproc.m, .b, .l, .f with the headers NPROC, NPROC.M, ... */
static void add_ubc(const struct ubc_res *u)
{
	static const char suffix[PART_COUNT] = { 0, 'm', 'b', 'l', 'f' };

	for (int part = 0; part < PART_COUNT; part++) {
		struct field *f = &table[n_fields++];
		char s = suffix[part];

		if (s) {
			snprintf(f->name, sizeof(f->name), "%s.%c", u->name, s);
			snprintf(f->header, sizeof(f->header), "%s.%c", u->header, s - 'a' + 'A');
		} else {
			snprintf(f->name, sizeof(f->name), "%s", u->name);
			snprintf(f->header, sizeof(f->header), "%s", u->header);
		}
		f->width = 10;
		f->get = get_ubc;
		f->ubc = (int)u->id;
		f->part = part;
	}
}

void fields_init(void)
{
	n_fields = 0;
	for (size_t i = 0; i < N_IDENTITY; i++)
		add_def(&identity[i]);
	for (int id = 0; id < UB_KERNEL_COUNT; id++)
		if (ubc_by_id(id))
			add_ubc(ubc_by_id(id));
	for (size_t i = 0; i < N_OTHERS; i++)
		add_def(&others[i]);
}

const struct field *field_find(const char *name)
{
	for (size_t i = 0; i < n_fields; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

bool field_has_suffix(const struct field *f)
{
	return f->ubc >= 0 && f->part != PART_HELD;
}

size_t field_count(void)
{
	return n_fields;
}

const struct field *field_at(size_t i)
{
	return &table[i];
}

void fields_list(FILE *out)
{
	for (size_t i = 0; i < n_fields; i++)
		fprintf(out, "%-15s %-15s\n", table[i].name, table[i].header);
}

/* ------------------------------------------------------------- columns */

static int abs_width(const struct field *f)
{
	return f->width < 0 ? -f->width : f->width;
}

/* A string column: cut to exactly its width, or whole when it may run on. */
static void put_str(FILE *out, const struct field *f, const char *s, size_t len, bool cut)
{
	int w = abs_width(f);

	if (cut && len > (size_t)w)
		len = (size_t)w;
	fprintf(out, "%*.*s", f->width, (int)len, s);
}

static void put_uptime(FILE *out, double up)
{
	unsigned long long t = (unsigned long long)up;
	unsigned long long days = t / 86400, hours = t / 3600 % 24, min = t / 60 % 60, secs = t % 60;

	fprintf(out, "%.3llud%.2lluh:%.2llum:%.2llus", days, hours, min, secs);
}

/* Legacy vzlist's "%1.2f/%1.2f/%1.2f", right-aligned in the column: the shortest,
 * 0.00/0.00/0.00, fills it, so the bytes are legacy's. */
static void put_load(FILE *out, const struct field *f, const double la[3])
{
	char text[96];

	snprintf(text, sizeof(text), "%1.2f/%1.2f/%1.2f", la[0], la[1], la[2]);
	fprintf(out, "%*s", f->width, text);
}

static void put_value(FILE *out, const struct field *f, const struct value *v, bool cut)
{
	static const char blanks[] = " \t";
	const char *s;

	switch (v->type) {
	case V_NONE:
		fprintf(out, "%*s", f->width, "-");
		break;
	case V_U64:
		fprintf(out, "%*" PRIu64, f->width, v->u);
		break;
	case V_ENUM:
		fprintf(out, "%*s", f->width, v->s);
		break;
	case V_STR:
		put_str(out, f, v->s, strlen(v->s), cut);
		break;
	case V_LIST:
		/* A cut column shows the first word only, as legacy vzlist. */
		s = v->s ? v->s + strspn(v->s, blanks) : "";
		if (!*s)
			put_str(out, f, "-", 1, cut);
		else
			put_str(out, f, s, cut ? strcspn(s, blanks) : strlen(s), cut);
		break;
	case V_BOOL:
		fprintf(out, "%*s", f->width, v->b ? "yes" : "no");
		break;
	case V_DOUBLE:
		fprintf(out, "%*g", f->width, v->d);
		break;
	case V_UPTIME:
		put_uptime(out, v->d);
		break;
	case V_LOAD:
		put_load(out, f, v->la);
		break;
	}
}

/* Prints a line with its trailing blanks removed, as legacy vzlist. */
static void put_line(FILE *out, char *buf, size_t len)
{
	while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		len--;
	fwrite(buf, 1, len, out);
	fputc('\n', out);
}

void fields_header(FILE *out, const struct field *const *cols, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return;
	for (size_t i = 0; i < n; i++)
		fprintf(m, "%*s%s", cols[i]->width, cols[i]->header, i + 1 < n ? " " : "");
	if (fclose(m) == 0)
		put_line(out, buf, len);
	free(buf);
}

void fields_row(FILE *out, const struct ct_info *ct, const struct field *const *cols, size_t n,
		const struct vzlist_fmt *fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return;
	for (size_t i = 0; i < n; i++) {
		bool last = i + 1 == n;
		struct value v = cols[i]->get(ct, cols[i]);

		put_value(m, cols[i], &v, cols[i]->cut && fmt->trim && !last);
		if (!last)
			fputc(' ', m);
	}
	if (fclose(m) == 0)
		put_line(out, buf, len);
	free(buf);
}

/* ---------------------------------------------------------------- JSON */

static struct json_object *json_list(const char *s)
{
	static const char blanks[] = " \t";
	struct json_object *a = json_object_new_array();

	while (a && s && *(s += strspn(s, blanks))) {
		size_t n = strcspn(s, blanks);

		if (json_object_array_add(a, json_object_new_string_len(s, (int)n)) < 0) {
			json_object_put(a);
			return NULL;
		}
		s += n;
	}
	return a;
}

static struct json_object *json_uptime(double up)
{
	char text[64];

	snprintf(text, sizeof(text), "%.3f", up);
	return json_object_new_double_s(up, text);
}

/* [a, b, c], each with the two decimals legacy vzlist printed. */
static struct json_object *json_load(const double la[3])
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; a && i < 3; i++) {
		char text[64];
		struct json_object *n;

		snprintf(text, sizeof(text), "%.2f", la[i]);
		n = json_object_new_double_s(la[i], text);
		if (!n || json_object_array_add(a, n) < 0) {
			json_object_put(n);
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

/* The value as JSON; *ok turns false when out of memory (null is a valid result). */
static struct json_object *json_value(const struct value *v, bool *ok)
{
	struct json_object *o;

	switch (v->type) {
	case V_NONE:
		return NULL;
	case V_U64:
		o = json_object_new_uint64(v->u);
		break;
	case V_ENUM:
	case V_STR:
		o = json_object_new_string(v->s);
		break;
	case V_LIST:
		o = json_list(v->s);
		break;
	case V_BOOL:
		o = json_object_new_boolean(v->b);
		break;
	case V_DOUBLE:
		o = json_object_new_double(v->d);
		break;
	case V_LOAD:
		o = json_load(v->la);
		break;
	default:
		o = json_uptime(v->d);
		break;
	}
	if (!o)
		*ok = false;
	return o;
}

/* A beancounter as {held, maxheld, barrier, limit, failcnt}. */
static struct json_object *json_ubc(const struct ct_info *ct, const struct field *f, bool *ok)
{
	static const char *const keys[PART_COUNT] = { "held", "maxheld", "barrier", "limit", "failcnt" };
	struct json_object *o = json_object_new_object();

	for (int part = 0; o && part < PART_COUNT; part++) {
		struct field one = *f;
		struct value v;
		struct json_object *val;

		one.part = part;
		v = get_ubc(ct, &one);
		val = json_value(&v, ok);
		if (json_object_object_add(o, keys[part], val) < 0) {
			json_object_put(val);
			*ok = false;
		}
	}
	if (!o)
		*ok = false;
	return o;
}

struct json_object *fields_json(const struct ct_info *ct, const struct field *const *cols, size_t n)
{
	struct json_object *obj = json_object_new_object();
	bool ok = obj != NULL;

	for (size_t i = 0; ok && i < n; i++) {
		const struct field *f = cols[i];
		struct value v;
		struct json_object *val;

		if (f->ubc >= 0) {
			val = json_ubc(ct, f, &ok);
		} else {
			v = f->get(ct, f);
			val = json_value(&v, &ok);
		}
		if (json_object_object_add(obj, f->name, val) < 0) {
			json_object_put(val);
			ok = false;
		}
	}
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/* ------------------------------------------------------------- sorting */

static int cmp_num(double a, double b)
{
	return a < b ? -1 : a > b;
}

static int cmp_value(const struct value *a, const struct value *b)
{
	/* No data first; a CT shown by its id before one shown by its name. */
	if (a->type != b->type)
		return (int)a->type - (int)b->type;
	switch (a->type) {
	case V_NONE:
		return 0;
	case V_U64:
	case V_ENUM:
		return a->u < b->u ? -1 : a->u > b->u;
	case V_STR:
	case V_LIST:
		return strcmp(a->s ? a->s : "", b->s ? b->s : "");
	case V_BOOL:
		return (int)a->b - (int)b->b;
	case V_LOAD:
		/* By the last minute, then the longer averages. */
		for (int i = 0; i < 3; i++)
			if (a->la[i] != b->la[i])
				return cmp_num(a->la[i], b->la[i]);
		return 0;
	default:
		return cmp_num(a->d, b->d);
	}
}

int fields_cmp(const struct field *f, const struct ct_info *a, const struct ct_info *b)
{
	struct value va = f->get(a, f), vb = f->get(b, f);
	int r = cmp_value(&va, &vb);

	if (r)
		return r;
	return a->ctid < b->ctid ? -1 : a->ctid > b->ctid;
}
