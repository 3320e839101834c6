/* vzubc, check_bc and bcmetrics driven as processes.  vzubc's tables are the ones
 * OpenVZ's vzubc printed for the same input (its -r and -i stores included); check_bc
 * is run over export files with a state file; bcmetrics over a host tree of stopped
 * CTs. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define HPATH(...) tu_host_path(&host, __VA_ARGS__)

static struct tu_host host;
static char *vzubc, *check_bc, *bcmetrics;

#define HDR "       uid  resource                     held              maxheld              barrier                limit              failcnt\n"
#define UNL "9223372036854775807"

/* Two CTs: 101 with a failing privvmpages over its barrier, 102 near numproc's. */
static const char export_a[] =
	"Version: 2.5\n" HDR
	"       101: kmemsize                  2752512              3145728             14372700             14790164                    0\n"
	"            lockedpages                     0                    0                 2048                 2048                    0\n"
	"            privvmpages                 70000                71000                65536                69632                    3\n"
	"            dummy                           0                    0                    0                    0                    0\n"
	"            numproc                        22                   31                  240                  240                    0\n"
	"            physpages                    4043                10606                    0               262144                    0\n"
	"            oomguarpages                 4043                10606               262144  " UNL "                    0\n"
	"       102: kmemsize                  1048576              2097152  " UNL "  " UNL "                    0\n"
	"            numproc                       200                  230                  240                  240                    1\n";
/* The same later: privvmpages failed twice more, 102's numproc fell and failed 3 more. */
static const char export_b[] =
	"Version: 2.5\n" HDR
	"       101: kmemsize                  2752512              3145728             14372700             14790164                    0\n"
	"            lockedpages                     0                    0                 2048                 2048                    0\n"
	"            privvmpages                 70000                71000                65536                69632                    5\n"
	"            dummy                           0                    0                    0                    0                    0\n"
	"            numproc                        22                   31                  240                  240                    0\n"
	"            physpages                    4043                10606                    0               262144                    0\n"
	"            oomguarpages                 4043                10606               262144  " UNL "                    0\n"
	"       102: kmemsize                  1048576              2097152  " UNL "  " UNL "                    0\n"
	"            numproc                       180                  230                  240                  240                    4\n";

#define LINE "----------------------------------------------------------------\n"
#define HEAD(id) LINE "CT " id "       | HELD Bar% Lim%| MAXH Bar% Lim%| BAR | LIM | FAIL\n" \
		 "-------------+---------------+---------------+-----+-----+------\n"


static void setup(void)
{
	char *a, *b;

	tu_host_make(&host);
	a = HPATH("a");
	b = HPATH("b");
	tu_write(a, export_a);
	tu_write(b, export_b);
	free(a);
	free(b);
	vzubc = tu_build_path("bin/vzubc");
	check_bc = tu_build_path("bin/check_bc");
	bcmetrics = tu_build_path("bin/bcmetrics");
}

static void teardown(void)
{
	tu_host_free(&host);
	free(vzubc);
	free(check_bc);
	free(bcmetrics);
}

TestSuite(vzubc, .init = setup, .fini = teardown, .timeout = 60);

/* Runs a tool with argv relative names ("@a") made paths in the host tree. */
static struct run_result run(char *prog, const char *const *args)
{
	char *argv[16] = { prog };
	char *owned[16] = { 0 };
	struct run_result r;
	size_t n = 1;

	for (; *args; args++, n++) {
		cr_assert(n < 15);
		argv[n] = (char *)*args;
		if ((*args)[0] == '@')
			argv[n] = owned[n] = HPATH("%s", *args + 1);
	}
	argv[n] = NULL;
	r = tu_run(host.vzconf, argv);
	for (size_t i = 0; i < 16; i++)
		free(owned[i]);
	return r;
}

#define RUN(prog, ...) run(prog, (const char *const[]){ __VA_ARGS__, NULL })

static void expect(struct run_result r, int status, const char *out)
{
	cr_expect_eq(r.status, status, "exit %d, stderr: %s", r.status, r.err);
	cr_expect_str_eq(r.out, out);
	tu_run_free(&r);
}

Test(vzubc, table)
{
	expect(RUN(vzubc, "-f", "@a"), 0,
	       HEAD("101")
	       "     kmemsize|2.62M  19%  18%|   3M  21%  21%|13.7M|14.1M|    - \n"
	       "  lockedpages|   -    -    - |   -    -    - |   8M|   8M|    - \n"
	       "  privvmpages| 273M 106% 100%| 277M 108% 102%| 256M| 272M|    3 \n"
	       "      numproc|  22    9%   9%|  31   12%  12%| 240 | 240 |    - \n"
	       "    physpages|15.8M   -    2%|41.4M   -    4%|   - |   1G|    - \n"
	       " oomguarpages|15.8M   2%   - |41.4M   4%   - |   1G|   - |    - \n"
	       "\n" HEAD("102")
	       "      numproc| 200   83%  83%| 230   95%  95%| 240 | 240 |    1 \n" LINE);
}

Test(vzubc, quiet_verbose_and_ct_filter)
{
	expect(RUN(vzubc, "-q", "-f", "@a"), 0,
	       HEAD("101")
	       "  privvmpages| 273M 106% 100%| 277M 108% 102%| 256M| 272M|    3 \n"
	       "\n" HEAD("102")
	       "      numproc| 200   83%  83%| 230   95%  95%| 240 | 240 |    1 \n" LINE);
	expect(RUN(vzubc, "-v", "-f", "@a", "102"), 0,
	       HEAD("102")
	       "     kmemsize|   1M   -    - |   2M   -    - |   - |   - |    - \n"
	       "      numproc| 200   83%  83%| 230   95%  95%| 240 | 240 |    1 \n" LINE);
	expect(RUN(vzubc, "-f", "@a", "999"), 0, "");
}

Test(vzubc, names_are_resolved)
{
	char *conf = tu_ct_conf(&host, "102");

	tu_write(conf, "NAME=\"db\"\nNUMPROC=\"240\"\n");
	free(conf);
	expect(RUN(vzubc, "-f", "@a", "db"), 0,
	       HEAD("102") "      numproc| 200   83%  83%| 230   95%  95%| 240 | 240 |    1 \n" LINE);
}

Test(vzubc, relative_failcnt_store)
{
	struct run_result r = RUN(vzubc, "-r", "-rd", "@store", "-f", "@a");
	struct stat st;
	char *f, *text;

	cr_expect_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	f = HPATH("store/ubc.101.privvmpages.failcnt");
	text = tu_read(f, NULL);
	cr_expect_str_eq(text, "3\n");
	free(text);
	free(f);
	f = HPATH("store");
	cr_assert_eq(stat(f, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0700, "the store is made the caller's alone");
	free(f);
	expect(RUN(vzubc, "-r", "-rd", "@store", "-f", "@b", "-q"), 0,
	       LINE "CT 101       | HELD Bar% Lim%| MAXH Bar% Lim%| BAR | LIM |+FAIL\n"
	       "-------------+---------------+---------------+-----+-----+------\n"
	       "  privvmpages| 273M 106% 100%| 277M 108% 102%| 256M| 272M|    2 \n"
	       "\n" LINE "CT 102       | HELD Bar% Lim%| MAXH Bar% Lim%| BAR | LIM |+FAIL\n"
	       "-------------+---------------+---------------+-----+-----+------\n"
	       "      numproc| 180   75%  75%| 230   95%  95%| 240 | 240 |    3 \n" LINE);
	/* -rc clears the failcnt store */
	expect(RUN(vzubc, "-rd", "@store", "-rc", "-f", "@b", "102"), 0,
	       HEAD("102") "      numproc| 180   75%  75%| 230   95%  95%| 240 | 240 |    4 \n" LINE);
	f = HPATH("store/ubc.101.privvmpages.failcnt");
	cr_expect_null(tu_read(f, NULL));
	free(f);
}

Test(vzubc, incremental_held_store)
{
	struct run_result r = RUN(vzubc, "-i", "-q", "-rd", "@store", "-f", "@a");

	cr_expect_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	expect(RUN(vzubc, "-i", "-q", "-rd", "@store", "-f", "@b"), 0,
	       "-----------------------------------------------------------------------\n"
	       "CT 101       | HELD  +/-   Bar% Lim%| MAXH Bar% Lim%| BAR | LIM | FAIL\n"
	       "-------------+----------------------+---------------+-----+-----+------\n"
	       "  privvmpages| 273M        106% 100%| 277M 108% 102%| 256M| 272M|    5 \n"
	       "\n"
	       "-----------------------------------------------------------------------\n"
	       "CT 102       | HELD  +/-   Bar% Lim%| MAXH Bar% Lim%| BAR | LIM | FAIL\n"
	       "-------------+----------------------+---------------+-----+-----+------\n"
	       "      numproc| 180    -20   75%  75%| 230   95%  95%| 240 | 240 |    4 \n"
	       "-----------------------------------------------------------------------\n");
}

Test(vzubc, refusals)
{
	char *f = HPATH("v26");
	struct run_result r;

	tu_write(f, "Version: 2.6\n" HDR);
	free(f);
	r = RUN(vzubc, "-f", "@v26");
	cr_expect_eq(r.status, 1);
	cr_expect_str_eq(r.err, "Error: unknown version: 2.6\n");
	tu_run_free(&r);
	f = HPATH("crlf");
	tu_write(f, "Version: 2.5\r\n");
	free(f);
	r = RUN(vzubc, "-f", "@crlf");
	cr_expect_eq(r.status, 1, "a CR makes the version another one");
	tu_run_free(&r);
	r = RUN(vzubc, "-q", "-v", "-f", "@a");
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "--quiet and --verbose"));
	tu_run_free(&r);
	r = RUN(vzubc, "-f", "@missing");
	cr_expect_eq(r.status, 1);
	tu_run_free(&r);
	r = RUN(vzubc, "-x");
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "Unrecognized option: -x"));
	tu_run_free(&r);
}

Test(vzubc, default_file_from_bcfs_dir)
{
	char *conf = tu_read(host.vzconf, NULL), *more, *d;

	cr_assert(asprintf(&more, "%sBCFS_DIR=\"%s/bcfs\"\n", conf, host.dir) > 0);
	tu_write(host.vzconf, more);
	free(conf);
	free(more);
	d = HPATH("bcfs");
	cr_assert(mkdir(d, 0755) == 0);
	free(d);
	d = HPATH("bcfs/proc");
	cr_assert(mkdir(d, 0755) == 0);
	free(d);
	d = HPATH("bcfs/proc/user_beancounters");
	tu_write(d, export_a);
	free(d);
	expect(RUN(vzubc, "102"), 0,
	       HEAD("102") "      numproc| 200   83%  83%| 230   95%  95%| 240 | 240 |    1 \n" LINE);
	d = HPATH("bcfs/proc/bc");
	cr_assert(mkdir(d, 0755) == 0);
	free(d);
	d = HPATH("bcfs/proc/bc/resources");
	tu_write(d, export_b);
	free(d);
	expect(RUN(vzubc, "102"), 0,
	       HEAD("102") "      numproc| 180   75%  75%| 230   95%  95%| 240 | 240 |    4 \n" LINE);
}

/* ------------------------------------------------------------- check_bc */

Test(vzubc, check_bc_over_export_files)
{
	struct run_result r = RUN(check_bc, "-s", "@state", "-f", "@a");

	/* privvmpages 70000 of 65536: CRITICAL by held; failcnts are seen a first time */
	cr_expect_eq(r.status, 2, "%s", r.out);
	cr_expect(strstr(r.out, "BEANCOUNTERS CRITICAL - 2 CTs: 101 privvmpages held 106% of 65536, "
				"102 numproc held 83% of 240 |"), "%s", r.out);
	tu_run_free(&r);
	r = RUN(check_bc, "-s", "@state", "-f", "@b", "102");
	cr_expect_eq(r.status, 2);
	cr_expect(strstr(r.out, "102 numproc failcnt +3 |"), "%s", r.out);
	tu_run_free(&r);
	r = RUN(check_bc, "-s", "@state", "-f", "@b", "102");
	cr_expect_eq(r.status, 0, "no growth since: %s", r.out);
	cr_expect_str_eq(r.out, "BEANCOUNTERS OK - 1 CT | cts=1 critical=0 warning=0 failcnt_growth=0\n");
	tu_run_free(&r);
	r = RUN(check_bc, "-s", "@state", "-w", "0.7", "-c", "0.9", "-f", "@b", "102");
	cr_expect_eq(r.status, 1, "180 of 240 is above 0.7: %s", r.out);
	tu_run_free(&r);
}

Test(vzubc, check_bc_unknown)
{
	char *f = HPATH("v26");
	struct run_result r;

	tu_write(f, "Version: 2.6\n");
	free(f);
	r = RUN(check_bc, "-s", "@state", "-f", "@v26");
	cr_expect_eq(r.status, 3);
	cr_expect(strstr(r.out, "BEANCOUNTERS UNKNOWN - "));
	tu_run_free(&r);
	r = RUN(check_bc, "-s", "@state", "-w", "0.99", "-f", "@a");
	cr_expect_eq(r.status, 3, "-w above -c");
	tu_run_free(&r);
	r = RUN(check_bc, "-s", "@state", "-f", "@a", "999");
	cr_expect_eq(r.status, 3, "a CT that is not there: %s", r.out);
	cr_expect_str_eq(r.out, "BEANCOUNTERS UNKNOWN - no running CT 999\n");
	tu_run_free(&r);
	r = RUN(check_bc, "-s", "@nodir/sub/state", "-f", "@a");
	cr_expect_eq(r.status, 3, "the state cannot be saved: %s", r.out);
	tu_run_free(&r);
}

/* check_bc's state and vzubc's store live where nobody else can write: a directory
 * others may write, or a link planted under the state's name, is refused (UNKNOWN,
 * exit 1), and nothing is written through it. */
Test(vzubc, state_only_in_a_directory_of_the_callers)
{
	char *open_dir = HPATH("open"), *victim = HPATH("victim"), *link = HPATH("mine/state");
	char *mine = HPATH("mine"), *linked = HPATH("linked"), *text;
	struct run_result r;

	cr_assert_eq(mkdir(open_dir, 0777), 0);
	cr_assert_eq(chmod(open_dir, 01777), 0); /* as /tmp and /var/tmp are */
	r = RUN(check_bc, "-s", "@open/state", "-f", "@a");
	cr_expect_eq(r.status, 3, "a state in a directory anyone writes: %s", r.out);
	cr_expect(strstr(r.out, "writable by others"), "%s", r.out);
	tu_run_free(&r);
	r = RUN(vzubc, "-r", "-rd", "@open", "-f", "@a");
	cr_expect_eq(r.status, 1, "a store anyone writes: %s", r.err);
	cr_expect(strstr(r.err, "others may write"), "%s", r.err);
	tu_run_free(&r);

	cr_assert_eq(symlink(mine, linked), 0);
	r = RUN(vzubc, "-r", "-rd", "@linked", "-f", "@a");
	cr_expect_eq(r.status, 1, "a store that is a symlink: %s", r.err);
	cr_expect(strstr(r.err, "is a symlink"), "%s", r.err);
	tu_run_free(&r);

	tu_write(victim, "keep me\n");
	cr_assert_eq(mkdir(mine, 0700), 0);
	cr_assert_eq(symlink(victim, link), 0);
	r = RUN(check_bc, "-s", "@mine/state", "-f", "@a");
	cr_expect_eq(r.status, 3, "a planted link: %s", r.out);
	tu_run_free(&r);
	text = tu_read(victim, NULL);
	cr_expect_str_eq(text, "keep me\n");
	free(text);
	free(open_dir);
	free(victim);
	free(link);
	free(mine);
	free(linked);
}

/* ------------------------------------------------------------ bcmetrics */

Test(vzubc, bcmetrics_stopped_ct)
{
	char *conf = tu_ct_conf(&host, "101"), *priv = HPATH("private");
	struct run_result r;

	tu_write(conf, "NUMPROC=\"240\"\nPHYSPAGES=\"0:65536\"\nSWAPPAGES=\"0:32768\"\n");
	free(conf);
	cr_assert(mkdir(priv, 0700) == 0);
	free(priv);
	priv = HPATH("private/101");
	cr_assert(mkdir(priv, 0700) == 0);
	free(priv);
	r = RUN(bcmetrics, "-o", "@metrics");
	cr_expect_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	r = RUN(bcmetrics, "-h");
	tu_run_free(&r);
	conf = HPATH("metrics");
	{
		char *m = tu_read(conf, NULL);

		cr_assert_not_null(m);
		cr_expect(strstr(m, "openvz_ct_running{ctid=\"101\"} 0\n"), "%s", m);
		cr_expect(strstr(m, "openvz_bc_limit{ctid=\"101\",resource=\"numproc\",class=\"enforced\"} 240\n"), "%s", m);
		cr_expect(strstr(m, "openvz_bc_limit{ctid=\"101\",resource=\"physpages\",class=\"enforced\"} 65536\n"), "%s", m);
		cr_expect_null(strstr(m, "openvz_bc_held{ctid=\"101\""), "a stopped CT has no usage");
		free(m);
	}
	free(conf);
}
