/* vzcfgvalidate run as a process on temporary files. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const char ve_basic[] =
	"# ve-basic, with the comments and oddities of a real file\n"
	"ONBOOT=\"no\"\n"
	"\n"
	"KMEMSIZE=\"14372700:14790164\"\n"
	"LOCKEDPAGES=\"2048:2048\"\n"
	"PRIVVMPAGES=\"65536:69632\"\n"
	"SHMPAGES=\"21504:21504\"\n"
	"NUMPROC=\"240:240\"\n"
	"PHYSPAGES=\"0:unlimited\"\n"
	"VMGUARPAGES=\"33792:unlimited\"\n"
	"OOMGUARPAGES=\"26112:unlimited\"\n"
	"NUMTCPSOCK=\"360:360\"\n"
	"NUMFLOCK=\"188:206\"\n"
	"NUMPTY=16\n"
	"NUMSIGINFO=\"256:256\"\n"
	"TCPSNDBUF=\"1720320:2703360\"\n"
	"TCPRCVBUF=\"1720320:2703360\"\n"
	"   # an indented comment\n"
	"OTHERSOCKBUF=\"1126080:2097152\"\n"
	"DGRAMRCVBUF=\"256K:256K\"\n"
	"NUMOTHERSOCK=\"360:360\"\n"
	"DCACHESIZE=\"3409920:3624960\"\n"
	"NUMFILE=\"9312:9312\"\n"
	"AVNUMPROC=\"180:180\"\n"
	"NUMIPTENT=\"128:128\"\n"
	"SOME_UNKNOWN_KEY=\"kept as is\"\n"
	"DISKSPACE=\"2G:2.2G\"\n"
	"CPUUNITS=\"1000\"\n";

struct fixture {
	char *dir;
	char *conf;
	char *bin;
};

static void fx_make(struct fixture *fx, const char *content)
{
	fx->dir = tu_mkdtemp();
	cr_assert(asprintf(&fx->conf, "%s/101.conf", fx->dir) > 0);
	fx->bin = tu_build_path("bin/vzcfgvalidate");
	if (content)
		tu_write(fx->conf, content);
}

static void fx_free(struct fixture *fx)
{
	tu_rmtree(fx->dir);
	free(fx->dir);
	free(fx->conf);
	free(fx->bin);
}

/* ve_basic with the line starting with `key=` replaced by `line`. */
static char *basic_with(const char *key, const char *line)
{
	const char *at = strstr(ve_basic, key);
	const char *end;
	char *out;

	cr_assert(at, "%s not in the sample", key);
	end = strchr(at, '\n') + 1;
	cr_assert(asprintf(&out, "%.*s%s%s", (int)(at - ve_basic), ve_basic, line, end) > 0);
	return out;
}

static struct run_result run(const struct fixture *fx, const char *opt1, const char *opt2,
			     const char *opt3)
{
	char *argv[] = { fx->bin, (char *)opt1, (char *)opt2, (char *)opt3, NULL };

	return tu_run(NULL, argv);
}

/* The changed lines of after against before: both must have the same number of lines,
 * and every line must be equal byte for byte except those listed in want. */
static void assert_only_lines_changed(const char *before, const char *after, const char *const want[])
{
	const char *b = before, *a = after;
	size_t changed = 0, nwant = 0;

	while (want[nwant])
		nwant++;
	while (*b && *a) {
		size_t bl = strcspn(b, "\n"), al = strcspn(a, "\n");

		if (bl != al || memcmp(a, b, al) != 0) {
			bool expected = false;

			for (size_t i = 0; i < nwant; i++)
				if (strlen(want[i]) == al && memcmp(a, want[i], al) == 0)
					expected = true;
			cr_assert(expected, "unexpected line \"%.*s\" (was \"%.*s\")", (int)al, a, (int)bl, b);
			changed++;
		}
		b += bl + (b[bl] == '\n');
		a += al + (a[al] == '\n');
	}
	cr_assert(!*b && !*a, "line count changed");
	cr_assert_eq(changed, nwant, "%zu lines changed, want %zu", changed, nwant);
}

Test(vzcfgvalidate, valid_config_exits_0)
{
	struct fixture fx;

	fx_make(&fx, ve_basic);
	struct run_result r = run(&fx, fx.conf, NULL, NULL);

	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert(strstr(r.out, "Validation completed: success"));
	tu_run_free(&r);
	fx_free(&fx);
}

Test(vzcfgvalidate, invalid_config_exits_2_and_is_not_changed)
{
	struct fixture fx;
	char *conf = basic_with("NUMPROC=", "NUMPROC=\"240:300\"\n");

	fx_make(&fx, conf);
	struct run_result r = run(&fx, fx.conf, NULL, NULL);

	cr_assert_eq(r.status, 2, "stdout: %s\nstderr: %s", r.out, r.err);
	cr_assert(strstr(r.err, "Error: barrier should be equal to limit for NUMPROC (currently 240:300); "
				"set NUMPROC=\"300:300\""), "stderr: %s", r.err);
	char *after = tu_read(fx.conf, NULL);

	cr_assert_str_eq(after, conf);
	free(after);
	free(conf);
	tu_run_free(&r);
	fx_free(&fx);
}

Test(vzcfgvalidate, program_errors_exit_1)
{
	struct fixture fx;
	struct run_result r;

	fx_make(&fx, ve_basic);
	char *missing;

	cr_assert(asprintf(&missing, "%s/nonexistent.conf", fx.dir) > 0);
	r = run(&fx, missing, NULL, NULL);
	cr_assert_eq(r.status, 1, "missing file: %d", r.status);
	cr_assert(strstr(r.err, "nonexistent.conf"), "stderr: %s", r.err);
	tu_run_free(&r);

	r = run(&fx, "-x", fx.conf, NULL);
	cr_assert_eq(r.status, 1, "bad option: %d", r.status);
	tu_run_free(&r);

	r = run(&fx, "-v", "maybe", fx.conf);
	cr_assert_eq(r.status, 1, "bad -v: %d", r.status);
	tu_run_free(&r);

	r = run(&fx, "-v", NULL, NULL);
	cr_assert_eq(r.status, 1, "-v without argument: %d", r.status);
	tu_run_free(&r);

	r = run(&fx, NULL, NULL, NULL);
	cr_assert_eq(r.status, 1, "no file: %d", r.status);
	tu_run_free(&r);

	r = run(&fx, fx.conf, fx.conf, NULL);
	cr_assert_eq(r.status, 1, "two files: %d", r.status);
	tu_run_free(&r);

	free(missing);
	fx_free(&fx);
}

Test(vzcfgvalidate, help_exits_0)
{
	struct fixture fx;

	fx_make(&fx, NULL);
	struct run_result r = run(&fx, "--help", NULL, NULL);

	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "Usage: vzcfgvalidate [-r|-i] [-v yes|no]"), "stdout: %s", r.out);
	tu_run_free(&r);
	fx_free(&fx);
}

Test(vzcfgvalidate, repair_changes_only_the_broken_lines)
{
	struct fixture fx;
	char *step = basic_with("NUMPROC=", "NUMPROC=\"240:300\"\n");
	char *conf;
	static const char *const want[] = {
		"NUMPROC=\"300\"",
		"OOMGUARPAGES=\"26112:unlimited\"",
		NULL,
	};

	/* basic_with works on ve_basic only: splice the second change by hand */
	char *at = strstr(step, "OOMGUARPAGES=");

	cr_assert(asprintf(&conf, "%.*sOOMGUARPAGES=\"26112:26112\"%s", (int)(at - step), step,
			   strchr(at, '\n')) > 0);
	fx_make(&fx, conf);

	struct run_result r = run(&fx, "-r", fx.conf, NULL);

	cr_assert_eq(r.status, 0, "stdout: %s\nstderr: %s", r.out, r.err);
	cr_assert(strstr(r.out, "Validation completed: success"));
	char *after = tu_read(fx.conf, NULL);

	cr_assert(after);
	assert_only_lines_changed(conf, after, want);
	tu_run_free(&r);

	r = run(&fx, fx.conf, NULL, NULL);
	cr_assert_eq(r.status, 0, "the repaired file does not validate: %s", r.err);
	tu_run_free(&r);
	free(after);
	free(step);
	free(conf);
	fx_free(&fx);
}

Test(vzcfgvalidate, repair_of_a_valid_file_writes_nothing)
{
	struct fixture fx;

	fx_make(&fx, ve_basic);
	struct run_result r = run(&fx, "-r", fx.conf, NULL);

	cr_assert_eq(r.status, 0);
	char *after = tu_read(fx.conf, NULL);

	cr_assert_str_eq(after, ve_basic);
	free(after);
	tu_run_free(&r);
	fx_free(&fx);
}

Test(vzcfgvalidate, repair_cannot_invent_a_missing_parameter)
{
	struct fixture fx;
	char *step = basic_with("NUMPROC=", "NUMPROC=\"240:300\"\n");
	char *conf, *at = strstr(step, "NUMFLOCK=");

	/* NUMFLOCK missing and NUMPROC broken */
	cr_assert(asprintf(&conf, "%.*s%s", (int)(at - step), step, strchr(at, '\n') + 1) > 0);
	fx_make(&fx, conf);

	struct run_result r = run(&fx, "-r", fx.conf, NULL);

	cr_assert_eq(r.status, 2, "stderr: %s", r.err);
	cr_assert(strstr(r.err, "parameter NUMFLOCK not found"), "stderr: %s", r.err);
	/* the repair that could be made is kept */
	char *after = tu_read(fx.conf, NULL);

	cr_assert(strstr(after, "\nNUMPROC=\"300\"\n"), "file: %s", after);
	free(after);
	free(step);
	free(conf);
	tu_run_free(&r);
	fx_free(&fx);
}

Test(vzcfgvalidate, vswap_mode_from_config_and_forced)
{
	struct fixture fx;
	struct run_result r;

	/* small enough for any host; no swap at all */
	fx_make(&fx, "PHYSPAGES=\"0:1000\"\nSWAPPAGES=\"0:0\"\n");
	r = run(&fx, fx.conf, NULL, NULL);
	cr_assert_eq(r.status, 0, "vswap config: %s", r.err);
	tu_run_free(&r);

	r = run(&fx, "-v", "no", fx.conf);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "parameter NUMPROC not found"), "stderr: %s", r.err);
	tu_run_free(&r);

	tu_write(fx.conf, ve_basic);
	r = run(&fx, "-v", "yes", fx.conf);
	cr_assert_eq(r.status, 2, "-v yes on a classic config");
	cr_assert(strstr(r.err, "parameter SWAPPAGES not found"), "stderr: %s", r.err);
	tu_run_free(&r);

	r = run(&fx, "-v", "no", fx.conf);
	cr_assert_eq(r.status, 0);
	tu_run_free(&r);
	fx_free(&fx);
}

Test(vzcfgvalidate, interactive_repairs_accepted_findings_only)
{
	struct fixture fx;
	char *step = basic_with("NUMPROC=", "NUMPROC=\"240:300\"\n");
	char *conf, *cmd, *at = strstr(step, "NUMFLOCK=");

	cr_assert(asprintf(&conf, "%.*sNUMFLOCK=\"300:206\"%s", (int)(at - step), step,
			   strchr(at, '\n')) > 0);
	fx_make(&fx, conf);
	/* a stray answer is asked again; then yes for NUMPROC, no for NUMFLOCK */
	cr_assert(asprintf(&cmd, "printf 'what\\ny\\nn\\n' | '%s' -i '%s'", fx.bin, fx.conf) > 0);
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	struct run_result r = tu_run(NULL, argv);

	cr_assert_eq(r.status, 2, "stdout: %s\nstderr: %s", r.out, r.err);
	cr_assert(strstr(r.err, "Fix? [y/n]"), "stderr: %s", r.err);
	char *after = tu_read(fx.conf, NULL);
	static const char *const want[] = { "NUMPROC=\"300\"", NULL };

	assert_only_lines_changed(conf, after, want);
	free(after);
	free(cmd);
	free(step);
	free(conf);
	tu_run_free(&r);
	fx_free(&fx);
}
