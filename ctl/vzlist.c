/* vzlist [-a|-S] [-n] [-H] [-t] [-j] [-o FIELDS | -1] [-s [-]FIELD] [-h PAT] [-N PAT]
 *        [-d PAT] [CTID|NAME ...];  vzlist -L
 *
 * Lists CTs and their parameters as OpenVZ's vzlist did (reference §5): the same
 * options, fields, columns and messages, and exit 1 on every error, as it had.  The
 * beancounter rows come from core (bc_table_get / bc_table_all), everything else from
 * the CT's config and run state. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/cli.h"
#include "ctl/vzlist.h"

#define PROG "vzlist"

static const char default_fields[] = "ctid,numproc,status,ip,hostname";
static const char default_name_fields[] = "smart_name,numproc,status,ip,hostname";

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: vzlist [-a | -S] [-n] [-H] [-t] [-j] [-o field[,field...] | -1]\n"
		"              [-s [-]field] [-h pattern] [-N pattern] [-d pattern] [CTID ...]\n"
		"       vzlist -L | --list\n"
		"\n"
		"Options:\n"
		"  -a, --all               list all containers (default: running ones)\n"
		"  -S, --stopped           list containers that are not running\n"
		"  -n, --name              show names instead of CT ids\n"
		"  -H, --no-header         no header line\n"
		"  -t, --no-trim           do not cut long values\n"
		"  -j, --json              JSON output (every field without a suffix by default)\n"
		"  -o, --output            show only these fields\n"
		"  -1                      the same as -H -octid\n"
		"  -s, --sort              sort by a field ('-field': reverse order)\n"
		"  -h, --hostname          only CTs whose hostname matches the pattern\n"
		"  -N, --name_filter       only CTs whose name matches the pattern\n"
		"  -d, --description       only CTs whose description matches the pattern\n"
		"  -L, --list              list the field names\n"
		"\n"
		"Beancounter fields show held; the suffixes .m .b .l .f show maxheld, barrier,\n"
		"limit and failcnt.  '-' means the value is not known (a stopped CT's usage).\n");
}

/* ------------------------------------------------------------- options */

/* 0 to go on, -1 when --help was printed, else the exit code. */
static int parse_args(int argc, char **argv, struct vzlist_opts *o)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "stopped", no_argument, NULL, 'S' },
		{ "name", no_argument, NULL, 'n' },
		{ "no-header", no_argument, NULL, 'H' },
		{ "no-trim", no_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ "sort", required_argument, NULL, 's' },
		{ "hostname", required_argument, NULL, 'h' },
		{ "name_filter", required_argument, NULL, 'N' },
		{ "description", required_argument, NULL, 'd' },
		{ "list", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name;
	int c;

	*o = (struct vzlist_opts){ .header = true, .fmt.trim = true };
	while ((c = getopt_long(argc, argv, "aSnHtjo:s:h:N:d:L1", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': o->all = true; break;
		case 'S': o->stopped = true; break;
		case 'n': o->output = default_name_fields; break;
		case 'H': o->header = false; break;
		case 't': o->fmt.trim = false; break;
		case 'j': o->json = true; break;
		case 'o': o->output = optarg; break;
		case '1': o->output = "ctid"; o->header = false; break;
		case 'h': o->host_pat = optarg; break;
		case 'N': o->name_pat = optarg; break;
		case 'd': o->desc_pat = optarg; break;
		case 'L': o->list_fields = true; break;
		case 's':
			name = optarg;
			o->sort_rev = name[0] == '-';
			o->sort = field_find(name + o->sort_rev);
			if (!o->sort) {
				fprintf(stderr, "Invalid sort field name: %s\n", optarg);
				return EXIT_FAIL;
			}
			break;
		case 'e':
			usage(stdout);
			return -1;
		default: /* getopt named the bad option */
			usage(stderr);
			return EXIT_FAIL;
		}
	}
	o->ids = argv + optind;
	o->n_ids = argc - optind;
	return 0;
}

/* The columns of -o (or the default), checked: unknown names and, in JSON, suffixes are
 * refused with legacy vzlist's messages.  *ret is malloc'd. */
static int parse_fields(const char *list, bool json, const struct field ***ret, size_t *ret_n)
{
	_cleanup_free_ char *copy = strdup(list);
	_cleanup_free_ const struct field **cols = NULL;
	size_t n = 0;
	char *rest = copy, *name;

	if (!copy || !(cols = calloc(strlen(list) + 1, sizeof(*cols)))) {
		fprintf(stderr, "Error: out of memory\n");
		return EXIT_FAIL;
	}
	while ((name = strsep(&rest, ","))) {
		const struct field *f;

		if (!*name && !rest && n > 0) /* a trailing comma, as legacy vzlist allowed */
			break;
		f = field_find(name);
		if (!f) {
			fprintf(stderr, "Unknown field: %s\n", name);
			return EXIT_FAIL;
		}
		if (json && field_has_suffix(f)) {
			fprintf(stderr, "Field `%s' is not available in JSON output\n", name);
			return EXIT_FAIL;
		}
		cols[n++] = f;
	}
	*ret = cols;
	*ret_n = n;
	cols = NULL;
	return 0;
}

/* JSON without -o: every field without a suffix, in the order of -L. */
static int all_plain_fields(const struct field ***ret, size_t *ret_n)
{
	const struct field **cols = calloc(field_count(), sizeof(*cols));
	size_t n = 0;

	if (!cols) {
		fprintf(stderr, "Error: out of memory\n");
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < field_count(); i++)
		if (!field_has_suffix(field_at(i)))
			cols[n++] = field_at(i);
	*ret = cols;
	*ret_n = n;
	return 0;
}

/* -------------------------------------------------------------- output */

struct sort_by {
	const struct field *f;
	bool rev;
};

static int cmp_ct(const void *a, const void *b, void *ctx)
{
	const struct sort_by *s = ctx;
	int r = fields_cmp(s->f, a, b);

	return s->rev ? -r : r;
}

static int print_json(const struct ct_list *l, const struct field *const *cols, size_t n)
{
	struct json_object *arr;
	const char *text;

	/* json-c writes an empty array over two lines. */
	if (l->n == 0) {
		printf("[]\n");
		return 0;
	}
	arr = json_object_new_array();
	for (size_t i = 0; arr && i < l->n; i++) {
		struct json_object *o = fields_json(&l->v[i], cols, n);

		if (!o || json_object_array_add(arr, o) < 0) {
			json_object_put(o);
			json_object_put(arr);
			arr = NULL;
		}
	}
	/* Paths keep their slashes: "\/" is valid JSON, but not what people grep for. */
	text = arr ? json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_SPACED |
							  JSON_C_TO_STRING_NOSLASHESCAPE)
		   : NULL;
	if (text)
		printf("%s\n", text);
	json_object_put(arr);
	if (!text) {
		fprintf(stderr, "Error: out of memory\n");
		return EXIT_FAIL;
	}
	return 0;
}

static int print_list(const struct vzlist_opts *o, struct ct_list *l, const struct field *const *cols,
		      size_t n)
{
	if (o->sort) {
		struct sort_by s = { o->sort, o->sort_rev };

		qsort_r(l->v, l->n, sizeof(*l->v), cmp_ct, &s);
	}
	if (o->json)
		return print_json(l, cols, n);
	if (o->header)
		fields_header(stdout, cols, n);
	for (size_t i = 0; i < l->n; i++)
		fields_row(stdout, &l->v[i], cols, n, &o->fmt);
	return 0;
}

/* The columns, checked before any CT is read so that a bad -o fails at once. */
static int columns(const struct vzlist_opts *o, const struct field ***ret, size_t *ret_n)
{
	if (o->json && !o->output)
		return all_plain_fields(ret, ret_n);
	return parse_fields(o->output ? o->output : default_fields, o->json, ret, ret_n);
}

int main(int argc, char **argv)
{
	_cleanup_free_ const struct field **cols = NULL;
	struct vz_host host;
	struct ct_list l = { 0 };
	struct vzlist_opts o;
	size_t n;
	vz_err err;
	int r;

	fields_init();
	r = parse_args(argc, argv, &o);
	if (r)
		return r < 0 ? 0 : r;
	if (o.list_fields) {
		fields_list(stdout);
		return 0;
	}
	r = columns(&o, &cols, &n);
	if (r)
		return r;
	if (vz_host_load(&host, &cli_warn, &err) < 0)
		return cli_report(&err);
	r = vzlist_collect(&host, &o, &l);
	if (r == 0)
		r = print_list(&o, &l, cols, n);
	else if (r < 0 && o.json)
		printf("[]\n"); /* still valid JSON for the reader when no CT is there */
	ct_list_free(&l);
	vz_host_free(&host);
	if (r < 0)
		r = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write the list: %s\n", PROG, strerror(errno));
		return EXIT_FAIL;
	}
	return r;
}
