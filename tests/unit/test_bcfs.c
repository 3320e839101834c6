/* bcfs without a mount: the tree its paths name, what each directory lists, the text
 * each file shows over given tables, the mount table parser its restart relies on,
 * where it serves, and its command line.  (Mounting is for the guest: 70-bcfs.sh.) */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc-export/export.h"
#include "testutil.h"

static void expect_path(const char *path, enum bcfs_node node, unsigned long ctid)
{
	struct bcfs_path p = { BCFS_NONE, 0 };

	cr_assert_eq(bcfs_path_parse(path, &p), 0, "%s", path);
	cr_expect_eq(p.node, node, "%s: node %d", path, p.node);
	if (ctid)
		cr_expect_eq(p.ctid, ctid, "%s: ctid %lu", path, p.ctid);
}

static void expect_no_path(const char *path, int want)
{
	struct bcfs_path p = { BCFS_NONE, 7 };

	cr_expect_eq(bcfs_path_parse(path, &p), want, "%s", path);
	cr_expect_eq(p.ctid, 7, "%s: output touched on failure", path);
}

Test(bcfs, paths_name_the_tree)
{
	expect_path("/", BCFS_D_ROOT, 0);
	expect_path("/proc", BCFS_D_PROC, 0);
	expect_path("/proc/", BCFS_D_PROC, 0);
	expect_path("/proc/user_beancounters", BCFS_F_UBC, 0);
	expect_path("/proc/bc", BCFS_D_BC, 0);
	expect_path("/proc/bc/resources", BCFS_F_BC_RESOURCES, 0);
	expect_path("/proc/bc/101", BCFS_D_BC_CT, 101);
	expect_path("/proc/bc/2147483644/resources", BCFS_F_BC_CT_RESOURCES, 2147483644UL);
	expect_path("/proc/vz", BCFS_D_VZ, 0);
	expect_path("/proc/vz/veinfo", BCFS_F_VEINFO, 0);
	expect_path("/proc/vz/vswap", BCFS_F_VSWAP, 0);
	expect_path("/ct", BCFS_D_CT, 0);
	expect_path("/ct/1060", BCFS_D_CT_ID, 1060);
	expect_path("/ct/1060/proc", BCFS_D_CT_PROC, 1060);
	expect_path("/ct/1060/proc/user_beancounters", BCFS_F_CT_UBC, 1060);
	expect_path("/ct/1060/proc/vz", BCFS_D_CT_VZ, 1060);
	expect_path("/ct/1060/proc/vz/veinfo", BCFS_F_CT_VEINFO, 1060);
}

Test(bcfs, other_names_do_not_exist)
{
	expect_no_path("", -ENOENT);
	expect_no_path("proc", -ENOENT);
	expect_no_path("/sys", -ENOENT);
	expect_no_path("/proc/bc/100", -ENOENT);        /* below CT_ID_MIN */
	expect_no_path("/proc/bc/0101", -ENOENT);       /* leading zero */
	expect_no_path("/proc/bc/..", -ENOENT);
	expect_no_path("/proc/bc/101/meminfo", -ENOENT);
	expect_no_path("/proc/vz/101", -ENOENT);        /* ids only where ids are listed */
	expect_no_path("/ct/resources", -ENOENT);
	expect_no_path("/ct/99999999999999999999", -ENOENT);
	expect_no_path("/proc/user_beancounters/x", -ENOTDIR);
	expect_no_path("/ct/101/proc/user_beancounters/x", -ENOTDIR);
	/* A CT's view has OpenVZ's in-CT shape: no bc/ (systemd), no flat files. */
	expect_no_path("/ct/101/proc/bc", -ENOENT);
	expect_no_path("/ct/101/proc/bc/resources", -ENOENT);
	expect_no_path("/ct/101/user_beancounters", -ENOENT);
	expect_no_path("/ct/101/resources", -ENOENT);
	expect_no_path("/ct/101/proc/vz/vswap", -ENOENT);
	expect_no_path("/ct/101/proc/101", -ENOENT);
}

struct names {
	char text[512];
	int count, stop_after;
};

static int add_name(void *ctx, const char *name)
{
	struct names *n = ctx;

	strcat(n->text, name);
	strcat(n->text, " ");
	return ++n->count == n->stop_after;
}

static const char *list(enum bcfs_node dir, const unsigned long *ids, size_t n)
{
	static struct names names;

	memset(&names, 0, sizeof(names));
	cr_assert_eq(bcfs_list(dir, ids, n, add_name, &names), 0);
	return names.text;
}

Test(bcfs, directories_list_their_names_and_ids)
{
	static const unsigned long ids[] = { 101, 1060 };

	cr_expect_str_eq(list(BCFS_D_ROOT, ids, 2), "proc ct ");
	cr_expect_str_eq(list(BCFS_D_PROC, ids, 2), "user_beancounters bc vz ");
	cr_expect_str_eq(list(BCFS_D_BC, ids, 2), "resources 101 1060 ");
	cr_expect_str_eq(list(BCFS_D_BC_CT, ids, 2), "resources ");
	cr_expect_str_eq(list(BCFS_D_VZ, ids, 2), "veinfo vswap ");
	cr_expect_str_eq(list(BCFS_D_CT, ids, 2), "101 1060 ");
	cr_expect_str_eq(list(BCFS_D_CT_ID, ids, 2), "proc ");
	cr_expect_str_eq(list(BCFS_D_CT_PROC, ids, 2), "user_beancounters vz ");
	cr_expect_str_eq(list(BCFS_D_CT_VZ, ids, 2), "veinfo ");
	cr_expect_str_eq(list(BCFS_D_CT, NULL, 0), "");
}

Test(bcfs, a_full_filler_stops_the_listing)
{
	static const unsigned long ids[] = { 101, 102, 103 };
	struct names names = { .stop_after = 2 };

	cr_expect_eq(bcfs_list(BCFS_D_BC, ids, 3, add_name, &names), 0);
	cr_expect_str_eq(names.text, "resources 101 ");
	cr_expect_eq(bcfs_list(BCFS_F_UBC, ids, 3, add_name, &names), -ENOTDIR);
}

Test(bcfs, every_node_is_a_directory_or_a_file)
{
	cr_expect(bcfs_node_is_dir(BCFS_D_ROOT));
	cr_expect(bcfs_node_is_dir(BCFS_D_CT_ID));
	cr_expect(bcfs_node_is_dir(BCFS_D_CT_VZ));
	cr_expect_not(bcfs_node_is_dir(BCFS_NONE));
	cr_expect_not(bcfs_node_is_dir(BCFS_F_UBC));
	cr_expect_not(bcfs_node_is_dir(BCFS_F_CT_VEINFO));
}

/* What a CT's root owns (and alone may read): ct/<id>/ and everything below it. */
Test(bcfs, the_ct_view_is_ct_id_and_below)
{
	static const enum bcfs_node in[] = { BCFS_D_CT_ID, BCFS_D_CT_PROC, BCFS_D_CT_VZ,
					     BCFS_F_CT_UBC, BCFS_F_CT_VEINFO };
	static const enum bcfs_node out[] = { BCFS_NONE, BCFS_D_ROOT, BCFS_D_PROC, BCFS_D_BC,
					      BCFS_D_BC_CT, BCFS_D_VZ, BCFS_D_CT, BCFS_F_UBC,
					      BCFS_F_BC_RESOURCES, BCFS_F_BC_CT_RESOURCES,
					      BCFS_F_VEINFO, BCFS_F_VSWAP };

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		cr_expect(bcfs_node_in_ct_view(in[i]), "node %d", in[i]);
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++)
		cr_expect_not(bcfs_node_in_ct_view(out[i]), "node %d", out[i]);
}

static void table(struct bc_table *t, unsigned long ctid, bool running)
{
	memset(t, 0, sizeof(*t));
	t->ctid = ctid;
	t->running = running;
	for (int i = 0; i < UB_KERNEL_COUNT; i++) {
		if (!ubc_by_id(i))
			continue;
		t->row[i] = (struct bc_row){ ctid + (unsigned)i, ctid + (unsigned)i + 1, 100, 200,
					     (unsigned)i % 2, ubc_by_id(i)->cls, running };
	}
}

static char *render(enum bcfs_node node, const struct bc_table *cts, size_t n)
{
	char *text = NULL;

	cr_assert_eq(bcfs_render(node, cts, n, &text), 0, "node %d", node);
	return text;
}

/* Each file is the formatter's text over the same tables, without the host's block. */
Test(bcfs, files_are_the_formatters_texts)
{
	struct bc_table cts[3];
	char *got, *want;

	table(&cts[0], 101, true);
	table(&cts[1], 102, false);
	table(&cts[2], 103, true);
	struct { enum bcfs_node node; char *want; } cases[] = {
		{ BCFS_F_UBC, bcx_user_beancounters(cts, 3, NULL) },
		{ BCFS_F_BC_RESOURCES, bcx_bc_resources(cts, 3, NULL) },
		{ BCFS_F_VEINFO, bcx_veinfo(cts, 3, NULL) },
		{ BCFS_F_VSWAP, bcx_vswap() },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = render(cases[i].node, cts, 3);
		cr_expect_str_eq(got, cases[i].want, "node %d", cases[i].node);
		free(got);
		free(cases[i].want);
	}
	got = render(BCFS_F_CT_UBC, &cts[2], 1);
	want = bcx_user_beancounters(&cts[2], 1, NULL);
	cr_expect_str_eq(got, want);
	cr_expect(strstr(got, "       103: kmemsize"));
	cr_expect_null(strstr(got, "101:"));
	free(got);
	free(want);
	got = render(BCFS_F_CT_VEINFO, &cts[0], 1);
	want = bcx_veinfo(&cts[0], 1, NULL);
	cr_expect_str_eq(got, want);
	cr_expect_eq(strchr(got, '\n') - got + 1, (long)strlen(got), "one line: %s", got);
	cr_expect(strstr(got, "       101 "), "%s", got);
	free(got);
	free(want);
	got = render(BCFS_F_BC_CT_RESOURCES, &cts[0], 1);
	want = bcx_bc_ct_resources(&cts[0]);
	cr_expect_str_eq(got, want);
	free(got);
	free(want);
}

Test(bcfs, a_stopped_ct_has_no_block_and_no_bc_file)
{
	struct bc_table t;
	char *text = (char *)"untouched";

	table(&t, 102, false);
	cr_expect_eq(bcfs_render(BCFS_F_BC_CT_RESOURCES, &t, 1, &text), -ENOENT);
	cr_expect_str_eq(text, "untouched");
	text = render(BCFS_F_CT_UBC, &t, 1);
	cr_expect_null(strstr(text, "102:"), "%s", text);
	cr_expect(strncmp(text, "Version: 2.5\n", 13) == 0);
	free(text);
	text = render(BCFS_F_CT_VEINFO, &t, 1);
	cr_expect_str_eq(text, "");
	free(text);
	cr_expect_eq(bcfs_render(BCFS_D_PROC, &t, 1, &text), -EISDIR);
}

static const char mountinfo[] =
	"22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
	"40 22 0:35 / /var/lib/bcfs rw,nosuid,nodev,relatime shared:20 - fuse.bcfs bcfs rw,user_id=0,group_id=0,default_permissions\n"
	"41 22 0:36 / /tmp/with\\040blank rw shared:21 - tmpfs tmpfs rw\n"
	"42 40 0:37 / /var/lib/bcfs rw,relatime shared:22 master:3 - tmpfs none rw\n"
	"43 22 0:38 / /srv/bcfs rw - fuse.bcfs bcfs rw\n";

Test(bcfs, mountinfo_finds_the_top_mount)
{
	char type[32] = "";

	cr_expect(bcfs_mountinfo_find(mountinfo, "/srv/bcfs", type, sizeof(type)));
	cr_expect_str_eq(type, "fuse.bcfs");
	/* Two mounts on one path: the later one is on top. */
	cr_expect(bcfs_mountinfo_find(mountinfo, "/var/lib/bcfs", type, sizeof(type)));
	cr_expect_str_eq(type, "tmpfs");
	cr_expect(bcfs_mountinfo_find(mountinfo, "/tmp/with blank", type, sizeof(type)));
	cr_expect_str_eq(type, "tmpfs");
	strcpy(type, "untouched");
	cr_expect_not(bcfs_mountinfo_find(mountinfo, "/var/lib", type, sizeof(type)));
	cr_expect_not(bcfs_mountinfo_find(mountinfo, "/tmp/with\\040blank", type, sizeof(type)));
	cr_expect_not(bcfs_mountinfo_find("", "/", type, sizeof(type)));
	cr_expect_not(bcfs_mountinfo_find("garbage\n\n1 2 3\n", "/", type, sizeof(type)));
	cr_expect_str_eq(type, "untouched");
}

Test(bcfs, serves_on_bcfs_dir_of_vz_conf)
{
	vz_conf *cf = NULL;
	struct vz_host host = { 0 };
	static const char text[] = "LOCKDIR=/x\nBCFS_DIR=\"/srv/bc fs\"\n";

	cr_expect_str_eq(bcfs_dir(&host), "/var/lib/bcfs");
	cr_assert_eq(vz_conf_parse(text, sizeof(text) - 1, "vz.conf", &cf, NULL, NULL), 0);
	host.conf = cf;
	cr_expect_str_eq(bcfs_dir(&host), "/srv/bc fs");
	vz_conf_free(cf);
}

static struct run_result bcfs(char *const argv[])
{
	char *bin = tu_build_path("bin/bcfs");
	char *full[8] = { bin };
	struct run_result r;

	for (int i = 0; i < 6 && argv[i]; i++)
		full[i + 1] = argv[i];
	r = tu_run(NULL, full);
	free(bin);
	return r;
}

/* Only option errors and --help: every other run of bcfs mounts. */
Test(bcfs, command_line, .timeout = 30)
{
	struct run_result r = bcfs((char *const[]){ "--help", NULL });

	cr_expect_eq(r.status, 0);
	cr_expect(strstr(r.out, "Usage: bcfs [-f] [-d DIR | DIR]"), "%s", r.out);
	tu_run_free(&r);
	static const char *const bad[][3] = {
		{ "-x" }, { "a", "b" }, { "-d", "a", "b" }, { "-t", "0" }, { "-t", "x" }, { "" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = bcfs((char *const *)bad[i]);
		cr_expect_eq(r.status, 20, "%s %s: %d", bad[i][0], bad[i][1] ? bad[i][1] : "", r.status);
		cr_expect(strstr(r.err, "Run 'bcfs --help'"), "%s", r.err);
		tu_run_free(&r);
	}
}
