/* vzlist driven as a process against a host tree of stopped CTs (configs and private
 * areas only): columns byte for byte, suffixes, sorting, filters, JSON parsed back. */
#include <criterion/criterion.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define HPATH(...) tu_host_path(&host, __VA_ARGS__)

static struct tu_host host;
static char *vzlist;

/* The CTs every test starts with. */
static const char conf101[] =
	"NUMPROC=\"240\"\n"
	"PHYSPAGES=\"0:65536\"\n"
	"SWAPPAGES=\"0:32768\"\n"
	"KMEMSIZE=\"14372700:14790164\"\n"
	"HOSTNAME=\"ct101.example.org\"\n"
	"NAME=\"web\"\n"
	"DESCRIPTION=\"front end\"\n"
	"CPUUNITS=\"1500\"\n"
	"CPULIMIT=\"50\"\n"
	"CPUS=\"2\"\n"
	"IOPRIO=\"6\"\n"
	"ONBOOT=\"yes\"\n"
	"BOOTORDER=\"10\"\n"
	"VM_OVERCOMMIT=\"1.5\"\n"
	"NAMESERVER=\"192.0.2.1 192.0.2.2\"\n";
static const char conf102[] =
	"NUMPROC=\"64\"\n"
	"HOSTNAME=\"a-very-long-hostname-that-goes-on-and-on.example.org\"\n"
	"DISABLED=\"yes\"\n"
	"ONBOOT=\"no\"\n";
static const char conf1000000[] =
	"NUMPROC=\"1000\"\n"
	"HOSTNAME=\"db.example.org\"\n"
	"DESCRIPTION=\"database\"\n";


/* A stopped CT: its config (unless conf is NULL) and its private area. */
static void add_ct(const char *ctid, const char *conf)
{
	char *path = tu_ct_conf(&host, ctid), *priv = HPATH("private/%s", ctid);

	if (conf)
		tu_write(path, conf);
	cr_assert(mkdir(priv, 0700) == 0 || errno == EEXIST);
	free(path);
	free(priv);
}

static void setup(void)
{
	char *dir;

	tu_host_make(&host);
	vzlist = tu_build_path("bin/vzlist");
	dir = HPATH("private");
	cr_assert(mkdir(dir, 0700) == 0);
	free(dir);
	add_ct("101", conf101);
	add_ct("102", conf102);
	add_ct("1000000", conf1000000);
}

static void teardown(void)
{
	tu_host_free(&host);
	free(vzlist);
}

TestSuite(vzlist, .init = setup, .fini = teardown, .timeout = 60);

#define RUN(...) tu_run(host.vzconf, (char *const[]){ vzlist, __VA_ARGS__, NULL })

static void expect_out(struct run_result *r, const char *want)
{
	cr_expect_eq(r->status, 0, "exit %d, stderr: %s", r->status, r->err);
	cr_expect_str_eq(r->out, want);
	tu_run_free(r);
}

#define EXPECT(want, ...)                                 \
	do {                                              \
		struct run_result r_ = RUN(__VA_ARGS__);  \
		expect_out(&r_, want);                    \
	} while (0)

static void expect_error(int code, const char *msg, struct run_result r)
{
	cr_expect_eq(r.status, code, "exit %d, stderr: %s", r.status, r.err);
	cr_expect(strstr(r.err, msg), "'%s' not in: %s", msg, r.err);
	cr_expect_str_eq(r.out, "");
	tu_run_free(&r);
}

/* ------------------------------------------------------------- columns */

#define HEADER "      CTID      NPROC STATUS    IP_ADDR         HOSTNAME\n"

Test(vzlist, default_columns_byte_for_byte)
{
	EXPECT(HEADER
	       "       101          - stopped   -               ct101.example.org\n"
	       "       102          - stopped   -               a-very-long-hostname-that-goes-on-and-on.example.org\n"
	       "   1000000          - stopped   -               db.example.org\n",
	       "-a");
}

Test(vzlist, without_a_only_running_cts)
{
	struct run_result r = RUN("-H");

	cr_expect_eq(r.status, 0, "no CT named: not an error");
	cr_expect_str_eq(r.out, "");
	cr_expect_str_eq(r.err, "Container(s) not found\n");
	tu_run_free(&r);
	/* JSON stays JSON for its reader. */
	EXPECT("[]\n", "-j");
}

Test(vzlist, stopped_option_lists_the_others)
{
	EXPECT("      CTID\n       101\n       102\n   1000000\n", "-S", "-o", "ctid");
}

Test(vzlist, named_cts_are_shown_whatever_their_state)
{
	EXPECT(HEADER "       101          - stopped   -               ct101.example.org\n", "101");
	EXPECT("       101\n", "-1", "web");
	EXPECT("       101\n       102\n", "-1", "102", "web", "101");
	expect_error(1, "Container(s) not found", RUN("999"));
	expect_error(1, "CT ID nosuch is invalid.", RUN("nosuch"));
}

Test(vzlist, ubc_suffixes_and_their_headers)
{
	EXPECT("      CTID      NPROC    NPROC.M    NPROC.B    NPROC.L    NPROC.F   KMEMSIZE KMEMSIZE.B KMEMSIZE.L\n"
	       "       101          -          -        240        240          -          -   14372700   14790164\n"
	       "       102          -          -         64         64          -          - 9223372036854775807 9223372036854775807\n",
	       "-a", "-o", "ctid,numproc,numproc.m,numproc.b,numproc.l,numproc.f,kmemsize,kmemsize.b,kmemsize.l",
	       "101", "102");
	/* Pages for *pages, as the config keeps them. */
	EXPECT("   PHYSP.B    PHYSP.L    SWAPP.L\n"
	       "         0      65536      32768\n",
	       "-o", "physpages.b,physpages.l,swappages.l", "101");
}

Test(vzlist, other_fields_from_the_config)
{
	EXPECT(" CPUUNI  CPULIM  CPUS IOP ONBOOT  BOOTORDER VSWAP DISABL OVERCOMMIT       LAVERAGE          UPTIME\n"
	       "   1500      50     2   6    yes         10   yes     no        1.5              -               -\n"
	       "      -       -     -   -     no          -    no    yes          -              -               -\n"
	       "      -       -     -   -      -          -    no     no          -              -               -\n",
	       "-a", "-o", "cpuunits,cpulimit,cpus,ioprio,onboot,bootorder,vswap,disabled,vm_overcommit,laverage,uptime");
}

Test(vzlist, identity_fields)
{
	char *want;

	cr_assert(asprintf(&want,
			   " SMARTNAME NAME                             DESCRIPTION                      PRIVATE\n"
			   "       web web                              front end                        %s/private/101\n"
			   "       102 -                                -                                %s/private/102\n",
			   host.dir, host.dir) > 0);
	EXPECT(want, "-o", "smart_name,name,description,private", "101", "102");
	free(want);
	EXPECT(" SMARTNAME      NPROC STATUS    IP_ADDR         HOSTNAME\n"
	       "       web          - stopped   -               ct101.example.org\n",
	       "-n", "101");
}

Test(vzlist, no_header_and_one)
{
	EXPECT("       101          - stopped   -               ct101.example.org\n", "-H", "101");
	EXPECT("       101\n       102\n   1000000\n", "-a", "-1");
}

Test(vzlist, long_fields_are_cut_unless_last_or_no_trim)
{
	EXPECT("HOSTNAME                               CTID\n"
	       "a-very-long-hostname-that-goes-o        102\n",
	       "-o", "hostname,ctid", "102");
	EXPECT("HOSTNAME                               CTID\n"
	       "a-very-long-hostname-that-goes-on-and-on.example.org        102\n",
	       "-t", "-o", "hostname,ctid", "102");
	/* A list shows its first value when cut, all of them when last. */
	EXPECT("NAMESERVER            CTID\n"
	       "192.0.2.1              101\n",
	       "-o", "nameserver,ctid", "101");
	EXPECT("      CTID NAMESERVER\n"
	       "       101 192.0.2.1 192.0.2.2\n",
	       "-o", "ctid,nameserver", "101");
}

Test(vzlist, field_list)
{
	struct run_result r = RUN("-L");

	cr_expect_eq(r.status, 0);
	cr_expect(strncmp(r.out, "ctid            CTID           \n", 32) == 0, "%s", r.out);
	cr_expect(strstr(r.out, "\nnumproc.m       NPROC.M        \n"), "%s", r.out);
	cr_expect(strstr(r.out, "\nkmemsize.f      KMEMSIZE.F     \n"), "%s", r.out);
	cr_expect(strstr(r.out, "\nswappages.l     SWAPP.L        \n"), "%s", r.out);
	cr_expect(strstr(r.out, "\nlaverage        LAVERAGE       \n"), "%s", r.out);
	cr_expect_null(strstr(r.out, "dummy"));
	tu_run_free(&r);
}

/* ---------------------------------------------------- sorting, filters */

Test(vzlist, sort_by_a_field_and_reversed)
{
	EXPECT("       102\n       101\n   1000000\n", "-a", "-1", "-s", "hostname");
	EXPECT("   1000000\n       101\n       102\n", "-a", "-1", "-s", "-hostname");
	EXPECT("       102\n       101\n   1000000\n", "-a", "-1", "-s", "numproc.l");
	EXPECT("   1000000\n       101\n       102\n", "-a", "-1", "-s", "-numproc.b");
	EXPECT("   1000000\n       102\n       101\n", "-a", "-1", "-s", "-ctid");
	/* No data sorts first; ties keep the CT id order. */
	EXPECT("       102\n   1000000\n       101\n", "-a", "-1", "-s", "cpuunits");
}

Test(vzlist, filters_by_pattern)
{
	EXPECT("       101\n       102\n   1000000\n", "-a", "-1", "-h", "*.example.org");
	EXPECT("       101\n", "-a", "-1", "-h", "ct1??.*");
	EXPECT("       101\n", "-a", "-1", "-N", "w*");
	EXPECT("   1000000\n", "-a", "-1", "-d", "data*");
	EXPECT("", "-a", "-1", "-d", "front*", "-h", "db*");
	/* A CT without a name never matches a name pattern. */
	EXPECT("", "-a", "-1", "-N", "*", "102");
}

Test(vzlist, states_suspended_and_hidden)
{
	char *dump = HPATH("dump"), *file = HPATH("dump/Dump.102"), *priv = HPATH("private/1000000");

	cr_assert(mkdir(dump, 0755) == 0);
	tu_write(file, "");
	/* Without its private area a stopped CT is gone, as legacy vzlist had it. */
	cr_assert(rmdir(priv) == 0);
	EXPECT("      CTID STATUS\n"
	       "       101 stopped\n"
	       "       102 suspended\n",
	       "-a", "-o", "ctid,status");
	free(dump);
	free(file);
	free(priv);
}

/* ------------------------------------------------------------ refusals */

Test(vzlist, bad_input_exits_1_naming_it)
{
	expect_error(1, "Unknown field: nosuch\n", RUN("-a", "-o", "ctid,nosuch"));
	expect_error(1, "Unknown field: numproc.x\n", RUN("-a", "-o", "numproc.x"));
	expect_error(1, "Unknown field: \n", RUN("-a", "-o", ""));
	EXPECT("       101\n", "-H", "-o", "ctid,", "101");
	expect_error(1, "Invalid sort field name: -nosuch\n", RUN("-a", "-s", "-nosuch"));
	expect_error(1, "Field `numproc.l' is not available in JSON output\n",
		     RUN("-a", "-j", "-o", "ctid,numproc.l"));
	expect_error(1, "invalid option", RUN("-x"));
	expect_error(1, "requires an argument", RUN("-o"));
}

/* ---------------------------------------------------------------- JSON */

static struct json_object *parse_json(const char *text)
{
	struct json_object *o = json_tokener_parse(text);

	cr_assert_not_null(o, "not JSON: %s", text);
	cr_assert(json_object_is_type(o, json_type_array), "not an array: %s", text);
	return o;
}

static struct json_object *key(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	cr_assert(json_object_object_get_ex(o, k, &v), "no key %s in %s", k,
		  json_object_to_json_string(o));
	return v;
}

/* The n-th line of `vzlist -H -o <fields>` for the same CTs, split on blanks. */
static void columns_of(char *fields, size_t line, char words[][64], size_t n)
{
	struct run_result r = RUN("-a", "-H", "-o", fields);
	char *save = NULL, *l = r.out, *w;

	cr_assert_eq(r.status, 0, "%s", r.err);
	for (size_t i = 0; i < line; i++) {
		l = strchr(l, '\n');
		cr_assert_not_null(l);
		l++;
	}
	l[strcspn(l, "\n")] = '\0';
	w = strtok_r(l, " ", &save);
	for (size_t i = 0; i < n; i++, w = strtok_r(NULL, " ", &save)) {
		cr_assert_not_null(w, "line %zu of -o %s is short", line, fields);
		snprintf(words[i], 64, "%s", w);
	}
	tu_run_free(&r);
}

static void expect_number_or_dash(struct json_object *v, const char *col, const char *what)
{
	if (strcmp(col, "-") == 0) {
		cr_expect(json_object_is_type(v, json_type_null), "%s: '-' in columns, %s in JSON", what,
			  json_object_to_json_string(v));
		return;
	}
	cr_expect(json_object_is_type(v, json_type_int), "%s: not a number", what);
	cr_expect_eq(json_object_get_uint64(v), strtoull(col, NULL, 10), "%s: %s in columns", what, col);
}

Test(vzlist, json_matches_the_columns)
{
	struct run_result r = RUN("-a", "-j");
	struct json_object *arr = parse_json(r.out);
	static char fields[] = "ctid,numproc,numproc.m,numproc.b,numproc.l,numproc.f,status,cpuunits";

	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(json_object_array_length(arr), 3);
	for (size_t i = 0; i < 3; i++) {
		struct json_object *ct = json_object_array_get_idx(arr, i), *np = key(ct, "numproc");
		char col[8][64];

		columns_of(fields, i, col, 8);
		expect_number_or_dash(key(ct, "ctid"), col[0], "ctid");
		expect_number_or_dash(key(np, "held"), col[1], "held");
		expect_number_or_dash(key(np, "maxheld"), col[2], "maxheld");
		expect_number_or_dash(key(np, "barrier"), col[3], "barrier");
		expect_number_or_dash(key(np, "limit"), col[4], "limit");
		expect_number_or_dash(key(np, "failcnt"), col[5], "failcnt");
		cr_expect_str_eq(json_object_get_string(key(ct, "status")), col[6]);
		expect_number_or_dash(key(ct, "cpuunits"), col[7], "cpuunits");
		/* The CTs here do not run: no monitor, no load average. */
		cr_expect(json_object_is_type(key(ct, "laverage"), json_type_null));
		cr_expect_eq(json_object_array_length(key(ct, "ip")), 0);
		cr_expect(!json_object_object_get_ex(ct, "numproc.m", NULL), "a suffixed field in JSON");
	}
	json_object_put(arr);
	tu_run_free(&r);
}

Test(vzlist, json_types_of_fields)
{
	struct run_result r = RUN("-j", "-o", "ctid,hostname,name,smart_name,onboot,vswap,vm_overcommit,nameserver,description", "101", "102");
	struct json_object *arr = parse_json(r.out), *a = json_object_array_get_idx(arr, 0),
			   *b = json_object_array_get_idx(arr, 1), *ns = key(a, "nameserver");

	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(json_object_get_int64(key(a, "ctid")), 101);
	cr_expect_str_eq(json_object_get_string(key(a, "hostname")), "ct101.example.org");
	cr_expect_str_eq(json_object_get_string(key(a, "smart_name")), "web");
	cr_expect_eq(json_object_get_int64(key(b, "smart_name")), 102);
	cr_expect(json_object_is_type(key(b, "name"), json_type_null));
	cr_expect(json_object_get_boolean(key(a, "onboot")));
	cr_expect(json_object_is_type(key(b, "onboot"), json_type_boolean) &&
		  !json_object_get_boolean(key(b, "onboot")));
	cr_expect(json_object_get_boolean(key(a, "vswap")));
	cr_expect(json_object_get_double(key(a, "vm_overcommit")) == 1.5);
	cr_assert_eq(json_object_array_length(ns), 2);
	cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(ns, 1)), "192.0.2.2");
	cr_expect(json_object_is_type(key(b, "description"), json_type_null));
	json_object_put(arr);
	tu_run_free(&r);
}

Test(vzlist, json_escapes_strings)
{
	char *path = tu_ct_conf(&host, "103");
	struct run_result r;
	struct json_object *arr, *ct;

	/* The config's own escapes: \" is a quote, \\ a backslash. */
	tu_write(path, "HOSTNAME=\"ct103.example.org\"\n"
		       "DESCRIPTION=\"say \\\"hi\\\" to C:\\\\dir\\\\\tnow\"\n"
		       "OSTEMPLATE=\"a\\\\b\"\n");
	free(path);
	add_ct("103", NULL);
	r = RUN("-j", "-o", "ctid,description,ostemplate,private", "103");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.out, "\"say \\\"hi\\\" to C:\\\\dir\\\\\\tnow\""), "%s", r.out);
	cr_expect_null(strstr(r.out, "\\/"), "slashes escaped: %s", r.out);
	arr = parse_json(r.out);
	ct = json_object_array_get_idx(arr, 0);
	cr_expect_str_eq(json_object_get_string(key(ct, "description")), "say \"hi\" to C:\\dir\\\tnow");
	cr_expect_str_eq(json_object_get_string(key(ct, "ostemplate")), "a\\b");
	json_object_put(arr);
	tu_run_free(&r);
}

Test(vzlist, json_without_o_has_every_plain_field)
{
	struct run_result r = RUN("-j", "101");
	struct json_object *arr = parse_json(r.out), *ct = json_object_array_get_idx(arr, 0);
	static const char *const want[] = {
		"ctid", "veid", "private", "root", "hostname", "name", "smart_name", "description",
		"ostemplate", "ip", "nameserver", "searchdomain", "status", "kmemsize", "numproc",
		"physpages", "swappages", "laverage", "uptime", "cpulimit", "cpuunits", "cpus",
		"ioprio", "onboot", "bootorder", "vswap", "disabled", "vm_overcommit",
	};

	cr_assert_eq(r.status, 0, "%s", r.err);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		key(ct, want[i]);
	json_object_object_foreach(ct, k, v) {
		(void)v;
		cr_expect_null(strchr(k, '.'), "suffixed key %s", k);
	}
	/* A stopped CT: usage is null, never 0; uptime too. */
	cr_expect(json_object_is_type(key(key(ct, "kmemsize"), "held"), json_type_null));
	cr_expect_eq(json_object_get_int64(key(key(ct, "kmemsize"), "barrier")), 14372700);
	cr_expect(json_object_is_type(key(ct, "uptime"), json_type_null));
	json_object_put(arr);
	tu_run_free(&r);
}
