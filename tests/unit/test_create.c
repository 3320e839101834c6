/* create, destroy, status and the refusals of mount/umount that happen before any
 * mount: everything here runs without mounting (the mounts themselves are tested in the
 * guest, tests/integration/20-create-mount.sh). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/acct/acct.h"
#include "core/base/base.h"
#include "core/ct/ct.h"
#include "core/limits/limits.h"
#include "testutil.h"

#define HPATH(...) tu_host_path(&tu_suite_host, __VA_ARGS__)


TestSuite(create, .init = tu_vzctl_setup, .fini = tu_vzctl_teardown, .timeout = 60);

#define RUN TU_VZCTL


static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void mkdirs(const char *path)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	cr_assert_eq(system(cmd), 0);
}

/* A small template: <TEMPLATE>/cache/<name>.tar.gz with bin/sh and etc/hostname. */
static void make_template(const char *name)
{
	char *tree = HPATH("tree-%s", name), *cache = HPATH("template/cache");
	char *file, *p, cmd[8192];

	mkdirs(cache);
	p = HPATH("tree-%s/bin", name);
	mkdirs(p);
	free(p);
	p = HPATH("tree-%s/etc", name);
	mkdirs(p);
	free(p);
	p = HPATH("tree-%s/bin/sh", name);
	tu_write(p, "#!/bin/true\n");
	free(p);
	p = HPATH("tree-%s/etc/hostname", name);
	tu_write(p, "localhost\n");
	free(p);
	cr_assert(asprintf(&file, "%s/%s.tar.gz", cache, name) > 0);
	snprintf(cmd, sizeof(cmd), "tar --numeric-owner -C '%s' -czf '%s' .", tree, file);
	cr_assert_eq(system(cmd), 0);
	free(file);
	free(tree);
	free(cache);
}

static void write_sample(const char *name, const char *content)
{
	char *p = HPATH("conf/ve-%s.conf-sample", name);

	tu_write(p, content);
	free(p);
}

/* Names in dir that start with '.': temporary directories create and destroy leave. */
static int hidden_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

Test(create, paths_come_from_vz_conf_and_the_ct_config)
{
	const char *root_line = "VE_ROOT=/srv/ct/$VEID/root\n";
	const char *rel_line = "VE_PRIVATE=relative/$VEID\n";
	const char *dots_line = "VE_ROOT=/vz/root/../../etc/$VEID\n";
	const char *slash_line = "VE_PRIVATE=/srv/.hidden/$VEID//\n";
	struct vz_host h;
	struct ct_paths p;
	vz_conf *cf;
	vz_err err;

	setenv("VZ_CONF", tu_suite_host.vzconf, 1);
	cr_assert_eq(vz_host_load(&h, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(ct_paths_get(&h, NULL, "101", &p, &err), 0, "%s", err.msg);
	char *want_root = HPATH("root/101"), *want_priv = HPATH("private/101");
	cr_expect_str_eq(p.root, want_root);
	cr_expect_str_eq(p.private, want_priv);
	cr_expect(strstr(p.conf, "/conf/101.conf"));
	ct_paths_free(&p);

	cr_assert_eq(vz_conf_parse(root_line, strlen(root_line), "t", &cf, NULL, &err), 0);
	cr_assert_eq(ct_paths_get(&h, cf, "102", &p, &err), 0, "%s", err.msg);
	cr_expect_str_eq(p.root, "/srv/ct/102/root");
	ct_paths_free(&p);
	vz_conf_free(cf);

	cr_assert_eq(vz_conf_parse(rel_line, strlen(rel_line), "t", &cf, NULL, &err), 0);
	cr_expect_lt(ct_paths_get(&h, cf, "102", &p, &err), 0);
	cr_expect_eq(err.exit_code, VZ_E_NO_VE_PRIVATE);
	vz_conf_free(cf);

	cr_assert_eq(vz_conf_parse(dots_line, strlen(dots_line), "t", &cf, NULL, &err), 0);
	cr_expect_lt(ct_paths_get(&h, cf, "102", &p, &err), 0);
	cr_expect_eq(err.exit_code, VZ_E_NO_VE_ROOT);
	vz_conf_free(cf);

	cr_assert_eq(vz_conf_parse(slash_line, strlen(slash_line), "t", &cf, NULL, &err), 0);
	cr_assert_eq(ct_paths_get(&h, cf, "102", &p, &err), 0, "%s", err.msg);
	cr_expect_str_eq(p.private, "/srv/.hidden/102");
	ct_paths_free(&p);
	vz_conf_free(cf);
	free(want_root);
	free(want_priv);
	vz_host_free(&h);
}

Test(create, unpacks_the_template_and_writes_the_config_from_the_sample)
{
	make_template("tiny");
	write_sample("small", "# a sample\nNUMPROC=\"100\"\nX=y # kept as is\n");
	struct run_result r = RUN("create", "101", "--ostemplate", "tiny", "--config", "small",
				  "--hostname", "ct.example", "--name", "web");
	char *sh = HPATH("private/101/bin/sh"), *conf = tu_ct_conf(&tu_suite_host, "101");
	char *c = tu_read(conf, NULL);

	cr_expect_eq(r.status, 0, "%s", r.err);
	char *saved;
	cr_assert(asprintf(&saved, "Creating container private area (tiny)\n"
			   "CT configuration saved to %s\nContainer private area was created\n",
			   conf) > 0);
	cr_expect_str_eq(r.out, saved);
	free(saved);
	cr_expect(exists(sh));
	char *hn_path = HPATH("private/101/etc/hostname"), *hn = tu_read(hn_path, NULL);
	cr_expect_str_eq(hn, "ct.example\n");
	free(hn_path);
	free(hn);
	cr_assert_not_null(c);
	cr_expect_str_eq(c, "# a sample\nNUMPROC=\"100\"\nX=y # kept as is\nOSTEMPLATE=\"tiny\"\n"
			    "HOSTNAME=\"ct.example\"\nNAME=\"web\"\nORIGIN_SAMPLE=\"small\"\n");
	tu_run_free(&r);

	r = RUN("status", "web");
	cr_expect_eq(r.status, 0);
	cr_expect_str_eq(r.out, "CTID 101 exist unmounted down\n");
	tu_run_free(&r);
	free(sh);
	free(conf);
	free(c);
}

Test(create, defaults_come_from_vz_conf_and_private_root_are_saved)
{
	char *vz = tu_read(tu_suite_host.vzconf, NULL), *more, *priv = HPATH("elsewhere/$VEID");

	cr_assert(asprintf(&more, "%sDEF_OSTEMPLATE=\"tiny\"\nCONFIGFILE=\"small\"\n", vz) > 0);
	tu_write(tu_suite_host.vzconf, more);
	make_template("tiny");
	write_sample("small", "NUMPROC=\"100\"\n");
	struct run_result r = RUN("create", "101", "--private", priv, "--root", "/srv/root/$VEID");
	char *conf = tu_ct_conf(&tu_suite_host, "101"), *c = tu_read(conf, NULL);
	char *sh = HPATH("elsewhere/101/bin/sh");

	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(exists(sh));
	cr_assert_not_null(c);
	cr_expect(strstr(c, "OSTEMPLATE=\"tiny\"\n"), "%s", c);
	cr_expect(strstr(c, "ORIGIN_SAMPLE=\"small\"\n"), "%s", c);
	cr_expect(strstr(c, "VE_ROOT=\"/srv/root/$VEID\"\n"), "%s", c);
	cr_expect(strstr(c, "VE_PRIVATE=\""), "%s", c);
	tu_run_free(&r);
	free(vz);
	free(more);
	free(priv);
	free(conf);
	free(c);
	free(sh);
}

Test(create, existing_private_area_is_44_and_untouched)
{
	char *priv = HPATH("private/101"), *keep = HPATH("private/101/keep");
	char *conf = tu_ct_conf(&tu_suite_host, "101");

	make_template("tiny");
	mkdirs(priv);
	tu_write(keep, "mine\n");
	struct run_result r = RUN("create", "101", "--ostemplate", "tiny");

	cr_expect_eq(r.status, 44, "%s", r.err);
	cr_expect(strstr(r.err, "Private area already exists in"), "%s", r.err);
	cr_expect(exists(keep));
	cr_expect_not(exists(conf));
	tu_run_free(&r);
	free(priv);
	free(keep);
	free(conf);
}

Test(create, missing_template_is_91_and_leaves_nothing)
{
	char *priv = HPATH("private/101"), *conf = tu_ct_conf(&tu_suite_host, "101");
	struct run_result r = RUN("create", "101", "--ostemplate", "nosuch");

	cr_expect_eq(r.status, 91, "%s", r.err);
	cr_expect(strstr(r.err, "nosuch"), "%s", r.err);
	cr_expect_not(exists(priv));
	cr_expect_not(exists(conf));
	tu_run_free(&r);
	free(priv);
	free(conf);
}

Test(create, no_template_named_is_29)
{
	struct run_result r = RUN("create", "101");

	cr_expect_eq(r.status, 29, "%s", r.err);
	tu_run_free(&r);
}

Test(create, a_broken_template_leaves_no_private_area_no_config_no_temporary)
{
	char *cache = HPATH("template/cache"), *bad = HPATH("template/cache/bad.tar.gz");
	char *privdir = HPATH("private"), *priv = HPATH("private/101");
	char *conf = tu_ct_conf(&tu_suite_host, "101");

	mkdirs(cache);
	tu_write(bad, "this is not a tarball\n");
	struct run_result r = RUN("create", "101", "--ostemplate", "bad");

	cr_expect_eq(r.status, 48, "%s", r.err);
	cr_expect_not(exists(priv));
	cr_expect_not(exists(conf));
	cr_expect_eq(hidden_entries(privdir), 0);
	tu_run_free(&r);
	free(cache);
	free(bad);
	free(privdir);
	free(priv);
	free(conf);
}

Test(create, missing_sample_is_82_and_leaves_nothing)
{
	char *priv = HPATH("private/101"), *conf = tu_ct_conf(&tu_suite_host, "101");

	make_template("tiny");
	struct run_result r = RUN("create", "101", "--ostemplate", "tiny", "--config", "nosuch");

	cr_expect_eq(r.status, 82, "%s", r.err);
	cr_expect(strstr(r.err, "ve-nosuch.conf-sample"), "%s", r.err);
	cr_expect_not(exists(priv));
	cr_expect_not(exists(conf));
	tu_run_free(&r);
	free(priv);
	free(conf);
}

Test(create, bad_options_are_refused_before_anything_is_written)
{
	char *priv = HPATH("private/101");
	struct run_result r;

	make_template("tiny");
	r = RUN("create", "101", "--ostemplate", "../tiny");
	cr_expect_eq(r.status, 21, "%s", r.err);
	tu_run_free(&r);
	r = RUN("create", "101", "--ostemplate", "tiny", "--hostname", "bad host");
	cr_expect_eq(r.status, 70, "%s", r.err);
	tu_run_free(&r);
	r = RUN("create", "101", "--ostemplate", "tiny", "--name", "123");
	cr_expect_eq(r.status, 131, "%s", r.err);
	tu_run_free(&r);
	r = RUN("create", "101", "--ostemplate", "tiny", "--private", "rel/101");
	cr_expect_eq(r.status, 23, "%s", r.err);
	tu_run_free(&r);
	r = RUN("create", "101", "--bogus");
	cr_expect_eq(r.status, 20, "%s", r.err);
	tu_run_free(&r);
	cr_expect_not(exists(priv));
	free(priv);
}

Test(create, destroy_removes_the_private_area_and_renames_the_config)
{
	char *priv = HPATH("private/101"), *privdir = HPATH("private");
	char *conf = tu_ct_conf(&tu_suite_host, "101"), *gone;
	struct run_result r;

	make_template("tiny");
	r = RUN("create", "101", "--ostemplate", "tiny");
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);

	r = RUN("destroy", "101");
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.out, "Destroying container private area: "), "%s", r.out);
	cr_expect(strstr(r.out, "Container private area was destroyed\n"), "%s", r.out);
	cr_expect_not(exists(priv));
	cr_expect_not(exists(conf));
	cr_assert(asprintf(&gone, "%s.destroyed", conf) > 0);
	cr_expect(exists(gone));
	cr_expect_eq(hidden_entries(privdir), 0);
	tu_run_free(&r);

	r = RUN("status", "101");
	cr_expect_str_eq(r.out, "CTID 101 deleted unmounted down\n");
	tu_run_free(&r);

	r = RUN("delete", "101");
	cr_expect_eq(r.status, 43, "%s", r.err);
	tu_run_free(&r);
	free(priv);
	free(privdir);
	free(conf);
	free(gone);
}

/* A CT's root could plant a symlink to a host directory: destroy removes the link, never
 * what it points to. */
Test(create, destroy_never_follows_symlinks_out_of_the_private_area)
{
	char *outside = HPATH("outside"), *victim = HPATH("outside/victim");
	char *link = HPATH("private/101/etc/escape");
	struct run_result r;

	make_template("tiny");
	r = RUN("create", "101", "--ostemplate", "tiny");
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	mkdirs(outside);
	tu_write(victim, "host file\n");
	cr_assert_eq(symlink(outside, link), 0);

	r = RUN("destroy", "101");
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(exists(victim));
	tu_run_free(&r);
	free(outside);
	free(victim);
	free(link);
}

/* A CT's root can make a chain of directories deeper than destroy's fd limit (or any
 * recursion): destroy still removes all of it, with a file at every level. */
Test(create, destroy_removes_a_chain_deeper_than_the_fd_limit)
{
	char *priv = HPATH("private/101"), *privdir = HPATH("private");
	struct rlimit few = { 64, 64 };
	struct run_result r;
	int fd;

	make_template("tiny");
	r = RUN("create", "101", "--ostemplate", "tiny");
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	fd = open(priv, O_RDONLY | O_DIRECTORY);
	cr_assert(fd >= 0);
	for (int i = 0; i < 1500; i++) {
		int sub, f;

		cr_assert_eq(mkdirat(fd, "d", 0755), 0, "level %d", i);
		f = openat(fd, "f", O_WRONLY | O_CREAT, 0644);
		cr_assert(f >= 0);
		close(f);
		sub = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		cr_assert(sub >= 0);
		close(fd);
		fd = sub;
	}
	close(fd);
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &few), 0);
	r = RUN("destroy", "101");
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_not(exists(priv));
	cr_expect_eq(hidden_entries(privdir), 0, "a part is left under a hidden name");
	tu_run_free(&r);
	free(priv);
	free(privdir);
}

Test(create, status_says_suspended_when_a_dump_exists)
{
	char *dumpdir = HPATH("dump"), *dump = HPATH("dump/Dump.101");
	struct run_result r;

	mkdirs(dumpdir);
	tu_write(dump, "");
	r = RUN("status", "101");
	cr_expect_eq(r.status, 0);
	cr_expect_str_eq(r.out, "CTID 101 deleted unmounted down suspended\n");
	tu_run_free(&r);
	free(dumpdir);
	free(dump);
}

/* These refusals come before any mount call, so they are safe outside the guest. */
Test(create, mount_refusals_before_mounting)
{
	struct run_result r = RUN("mount", "101");

	cr_expect_eq(r.status, 43, "%s", r.err);
	tu_run_free(&r);
	r = RUN("umount", "101");
	cr_expect_eq(r.status, 40, "%s", r.err);
	cr_expect(strstr(r.err, "Container is not mounted"), "%s", r.err);
	tu_run_free(&r);
	r = RUN("status", "101", "extra");
	cr_expect_eq(r.status, 20);
	tu_run_free(&r);
}

/* A failing premount script stops mount before anything is mounted (exit 79); it ran with
 * VEID and VE_CONFFILE set. */
Test(create, failing_premount_script_is_79)
{
	char *script = HPATH("conf/vps.premount"), *marker = HPATH("marker");
	char *body, *got;
	struct run_result r;

	make_template("tiny");
	r = RUN("create", "101", "--ostemplate", "tiny");
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	cr_assert(asprintf(&body, "#!/bin/sh\necho \"$VEID $VE_CONFFILE\" >'%s'\nexit 3\n", marker) > 0);
	tu_write(script, body);
	cr_assert_eq(chmod(script, 0755), 0);

	r = RUN("mount", "101");
	cr_expect_eq(r.status, 79, "%s", r.err);
	cr_expect(strstr(r.err, "vps.premount"), "%s", r.err);
	got = tu_read(marker, NULL);
	cr_assert_not_null(got);
	cr_expect(strncmp(got, "101 ", 4) == 0, "%s", got);
	cr_expect(strstr(got, "/conf/101.conf\n"), "%s", got);
	tu_run_free(&r);
	r = RUN("status", "101");
	cr_expect_str_eq(r.out, "CTID 101 exist unmounted down\n");
	tu_run_free(&r);
	free(script);
	free(marker);
	free(body);
	free(got);
}

/* The template script: deterministic, and the tree a CT needs. */
Test(create, busybox_template_is_deterministic_and_complete, .timeout = 120)
{
	char *a = HPATH("a.tar.gz"), *b = HPATH("b.tar.gz"), *script, *list;
	char cmd[8192];
	size_t la, lb;

	if (access("/bin/busybox", X_OK) != 0)
		cr_skip_test("/bin/busybox (busybox-static) is not installed");
	cr_assert(getenv("SRCDIR"), "SRCDIR is not set: run the unit tests through 'make unit'");
	cr_assert(asprintf(&script, "%s/scripts/vztmpl-busybox", getenv("SRCDIR")) > 0);
	struct run_result r = tu_run(NULL, (char *const[]){ script, "-o", a, NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	sleep(1); /* a clock-dependent tarball would differ now */
	r = tu_run(NULL, (char *const[]){ script, "--output", b, NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	char *ca = tu_read(a, &la), *cb = tu_read(b, &lb);
	cr_expect(la == lb && memcmp(ca, cb, la) == 0, "two builds differ");

	list = HPATH("list");
	snprintf(cmd, sizeof(cmd), "tar -tvzf '%s' > '%s'", a, list);
	cr_assert_eq(system(cmd), 0);
	char *l = tu_read(list, NULL);
	const char *want[] = { " ./bin/busybox\n", " ./sbin/init -> ../bin/busybox\n",
			       " ./bin/sh -> ../bin/busybox\n", " ./etc/inittab\n", " ./etc/passwd\n",
			       " ./etc/group\n", " ./etc/hostname\n", " ./etc/init.d/rcS\n",
			       " ./proc/\n", " ./sys/\n", " ./dev/\n", " ./tmp/\n", " ./run/\n",
			       " ./var/\n", " ./root/\n" };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_expect(strstr(l, want[i]), "missing%s", want[i]);
	cr_expect_null(strstr(l, " 1000/"), "a file not owned by 0");
	free(a);
	free(b);
	free(script);
	free(list);
	free(ca);
	free(cb);
	free(l);
}

/* A template whose /etc/hostname is a symlink out of the tree: create writes nothing
 * through it. */
Test(create, hostname_is_never_written_through_a_symlink_of_the_template)
{
	char *tree = HPATH("tree-evil/etc"), *link = HPATH("tree-evil/etc/hostname");
	char *victim = HPATH("victim"), *cache = HPATH("template/cache"), *got, cmd[8192];
	struct run_result r;

	mkdirs(tree);
	mkdirs(cache);
	tu_write(victim, "host\n");
	cr_assert_eq(symlink(victim, link), 0);
	snprintf(cmd, sizeof(cmd), "tar -C '%s/tree-evil' -czf '%s/evil.tar.gz' .", tu_suite_host.dir, cache);
	cr_assert_eq(system(cmd), 0);
	r = RUN("create", "101", "--ostemplate", "evil", "--hostname", "ct.example");
	cr_expect_eq(r.status, 0, "%s", r.err);
	got = tu_read(victim, NULL);
	cr_expect_str_eq(got, "host\n");
	tu_run_free(&r);
	free(tree);
	free(link);
	free(victim);
	free(cache);
	free(got);
}

/* Every kind of tarball the template cache may hold is found and unpacked. */
Test(create, templates_in_xz_zstd_and_plain_tar)
{
	const char *kinds[][2] = { { "xz", "tar -cJf" }, { "zst", "tar --zstd -cf" }, { "", "tar -cf" } };
	char *tree = HPATH("tree-k/bin"), *cache = HPATH("template/cache"), *sh = HPATH("tree-k/bin/sh");
	char cmd[8192];

	mkdirs(tree);
	mkdirs(cache);
	tu_write(sh, "#!/bin/true\n");
	for (size_t i = 0; i < 3; i++) {
		char id[8], name[16], *priv;
		struct run_result r;

		snprintf(id, sizeof(id), "%zu", 101 + i);
		snprintf(name, sizeof(name), "k%zu", i);
		snprintf(cmd, sizeof(cmd), "%s '%s/%s.tar%s%s' -C '%s/tree-k' .", kinds[i][1], cache, name,
			 *kinds[i][0] ? "." : "", kinds[i][0], tu_suite_host.dir);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
		r = RUN("create", id, "--ostemplate", name);
		cr_expect_eq(r.status, 0, "%s: %s", name, r.err);
		priv = HPATH("private/%s/bin/sh", id);
		cr_expect(exists(priv), "%s", priv);
		tu_run_free(&r);
		free(priv);
	}
	free(tree);
	free(cache);
	free(sh);
}
