/* make install: puts what `make` built in place, keeps an existing vz.conf, builds nothing. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

static struct run_result make_install(const char *destdir, const char *build)
{
	char *dest, *bld, *dir;
	struct run_result r;

	cr_assert(getenv("SRCDIR"), "SRCDIR is not set: run the unit tests through 'make unit'");
	cr_assert(asprintf(&dest, "DESTDIR=%s", destdir) > 0);
	cr_assert(asprintf(&bld, "BUILD=%s", build) > 0);
	cr_assert(asprintf(&dir, "%s", getenv("SRCDIR")) > 0);
	r = tu_run(NULL, (char *const[]){ "/usr/bin/make", "-s", "-C", dir, dest, bld,
					  "PREFIX=/usr", "install", NULL });
	free(dest);
	free(bld);
	free(dir);
	return r;
}

static bool exists(const char *dir, const char *rel)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return stat(path, &st) == 0;
}

Test(install, installs_tools_samples_and_a_default_vz_conf, .timeout = 120)
{
	char *dest = tu_mkdtemp();
	char *bin = tu_build_path("bin/vzctl");
	struct stat before, after;

	cr_assert_eq(stat(bin, &before), 0);
	struct run_result r = make_install(dest, getenv("BUILD"));
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_null(strstr(r.out, " -c "), "install compiled something: %s", r.out);
	cr_assert_eq(stat(bin, &after), 0);
	cr_expect_eq(before.st_mtime, after.st_mtime, "the built tool was rebuilt");
	cr_expect(exists(dest, "usr/sbin/vzctl"));
	cr_expect(exists(dest, "usr/sbin/vzcfgvalidate"));
	cr_expect(exists(dest, "usr/sbin/vztmpl-busybox"));
	cr_expect(exists(dest, "etc/vz/vz.conf"));
	cr_expect(exists(dest, "etc/vz/conf/ve-basic.conf-sample"));
	cr_expect(exists(dest, "etc/vz/conf/ve-vswap-256m.conf-sample"));
	cr_expect(exists(dest, "usr/sbin/bcfs"));
	tu_run_free(&r);

	/* The systemd unit, pointing at the installed daemon. */
	char unit[4096];
	struct stat ust;
	snprintf(unit, sizeof(unit), "%s/lib/systemd/system/bcfs.service", dest);
	char *u = tu_read(unit, NULL);
	cr_assert_not_null(u, "no %s", unit);
	cr_expect(strstr(u, "\nType=simple\n"), "%s", u);
	cr_expect(strstr(u, "\nExecStart=/usr/sbin/bcfs -f\n"), "%s", u);
	cr_expect(strstr(u, "\nExecStopPost=-/usr/sbin/bcfs -u\n"), "%s", u);
	cr_expect(strstr(u, "\nWantedBy=multi-user.target\n"), "%s", u);
	free(u);
	cr_assert_eq(stat(unit, &ust), 0);
	cr_expect_eq(ust.st_mode & 07777, 0644, "mode %o", ust.st_mode & 07777);

	/* A second install keeps the administrator's vz.conf. */
	char conf[4096];
	snprintf(conf, sizeof(conf), "%s/etc/vz/vz.conf", dest);
	tu_write(conf, "LOCKDIR=/mine\n");
	r = make_install(dest, getenv("BUILD"));
	cr_expect_eq(r.status, 0, "%s", r.err);
	char *c = tu_read(conf, NULL);
	cr_expect_str_eq(c, "LOCKDIR=/mine\n");
	free(c);
	tu_run_free(&r);
	tu_rmtree(dest);
	free(dest);
	free(bin);
}

Test(install, refuses_when_nothing_was_built, .timeout = 60)
{
	char *dest = tu_mkdtemp();
	char *empty = tu_mkdtemp();
	struct run_result r = make_install(dest, empty);

	cr_expect_neq(r.status, 0);
	cr_expect(strstr(r.err, "run 'make' first"), "%s", r.err);
	cr_expect_not(exists(dest, "usr/sbin/vzctl"));
	tu_run_free(&r);
	tu_rmtree(dest);
	tu_rmtree(empty);
	free(dest);
	free(empty);
}
