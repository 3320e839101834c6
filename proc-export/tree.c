/* bcfs's tree and mount table (proc-export/export.h "bcfs"): the names it serves, a
 * path parsed into what it names, a directory's entries, a file's text from the
 * tables, and the search of mountinfo for a mount on the export directory.  Pure: the
 * daemon (bcfs.c) feeds them the core's tables and the kernel's texts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/base.h"
#include "proc-export/export.h"

/* ------------------------------------------------------------ the tree */

/* The fixed names under each directory; CT ids are added to the listed ones. */
struct child {
	const char *name;
	enum bcfs_node node;
};

static const struct child root_children[] = { { "proc", BCFS_D_PROC }, { "ct", BCFS_D_CT }, { 0 } };
static const struct child proc_children[] = {
	{ "user_beancounters", BCFS_F_UBC }, { "bc", BCFS_D_BC }, { "vz", BCFS_D_VZ }, { 0 }
};
static const struct child bc_children[] = { { "resources", BCFS_F_BC_RESOURCES }, { 0 } };
static const struct child bc_ct_children[] = { { "resources", BCFS_F_BC_CT_RESOURCES }, { 0 } };
static const struct child vz_children[] = {
	{ "veinfo", BCFS_F_VEINFO }, { "vswap", BCFS_F_VSWAP }, { 0 }
};
/* A CT's view: what OpenVZ showed inside a CT under /proc, with no bc/ (systemd takes
 * /proc/bc for the host's, and in-CT readers then read user_beancounters). */
static const struct child ct_id_children[] = { { "proc", BCFS_D_CT_PROC }, { 0 } };
static const struct child ct_proc_children[] = {
	{ "user_beancounters", BCFS_F_CT_UBC }, { "vz", BCFS_D_CT_VZ }, { 0 }
};
static const struct child ct_vz_children[] = { { "veinfo", BCFS_F_CT_VEINFO }, { 0 } };
static const struct child no_children[] = { { 0 } };

static const struct child *children_of(enum bcfs_node dir)
{
	switch (dir) {
	case BCFS_D_ROOT: return root_children;
	case BCFS_D_PROC: return proc_children;
	case BCFS_D_BC: return bc_children;
	case BCFS_D_BC_CT: return bc_ct_children;
	case BCFS_D_VZ: return vz_children;
	case BCFS_D_CT_ID: return ct_id_children;
	case BCFS_D_CT_PROC: return ct_proc_children;
	case BCFS_D_CT_VZ: return ct_vz_children;
	default: return no_children;
	}
}

bool bcfs_node_is_dir(enum bcfs_node node)
{
	return node >= BCFS_D_ROOT && node <= BCFS_D_CT_VZ;
}

bool bcfs_node_in_ct_view(enum bcfs_node node)
{
	switch (node) {
	case BCFS_D_CT_ID:
	case BCFS_D_CT_PROC:
	case BCFS_D_CT_VZ:
	case BCFS_F_CT_UBC:
	case BCFS_F_CT_VEINFO:
		return true;
	default:
		return false;
	}
}

/* Directories whose entries are CT ids besides their fixed names: proc/bc holds one
 * per running CT, ct one per CT with a config. */
static enum bcfs_node id_child(enum bcfs_node dir)
{
	return dir == BCFS_D_BC ? BCFS_D_BC_CT : dir == BCFS_D_CT ? BCFS_D_CT_ID : BCFS_NONE;
}

bool bcfs_node_lists_cts(enum bcfs_node dir)
{
	return id_child(dir) != BCFS_NONE;
}

/* One path component: a fixed name of dir, or a CT id where dir lists ids. */
static int step(enum bcfs_node dir, const char *name, size_t len, struct bcfs_path *p)
{
	char id[24];

	for (const struct child *c = children_of(dir); c->name; c++)
		if (strlen(c->name) == len && memcmp(c->name, name, len) == 0) {
			p->node = c->node;
			return 0;
		}
	if (id_child(dir) == BCFS_NONE || len >= sizeof(id))
		return -ENOENT;
	memcpy(id, name, len);
	id[len] = '\0';
	if (ct_id_parse(id, &p->ctid, NULL) < 0)
		return -ENOENT;
	p->node = id_child(dir);
	return 0;
}

int bcfs_path_parse(const char *path, struct bcfs_path *ret)
{
	struct bcfs_path p = { BCFS_D_ROOT, 0 };

	if (path[0] != '/')
		return -ENOENT;
	for (const char *s = path; *s;) {
		size_t len;

		while (*s == '/')
			s++;
		len = strcspn(s, "/");
		if (!len)
			break;
		if (!bcfs_node_is_dir(p.node))
			return -ENOTDIR;
		if (step(p.node, s, len, &p) < 0)
			return -ENOENT;
		s += len;
	}
	*ret = p;
	return 0;
}

int bcfs_list(enum bcfs_node dir, const unsigned long *ids, size_t n,
	      int (*add)(void *ctx, const char *name), void *ctx)
{
	char id[24];

	if (!bcfs_node_is_dir(dir))
		return -ENOTDIR;
	for (const struct child *c = children_of(dir); c->name; c++)
		if (add(ctx, c->name))
			return 0;
	if (id_child(dir) == BCFS_NONE)
		return 0;
	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%lu", ids[i]);
		if (add(ctx, id))
			return 0;
	}
	return 0;
}

int bcfs_render(enum bcfs_node node, const struct bc_table *cts, size_t n, char **ret)
{
	char *text;

	switch (node) {
	case BCFS_F_UBC:
	case BCFS_F_CT_UBC:
		text = bcx_user_beancounters(cts, n, NULL);
		break;
	case BCFS_F_BC_RESOURCES:
		text = bcx_bc_resources(cts, n, NULL);
		break;
	case BCFS_F_BC_CT_RESOURCES:
		/* A beancounter lives while its CT runs: one that stopped has no file. */
		if (n != 1 || !cts[0].running)
			return -ENOENT;
		text = bcx_bc_ct_resources(&cts[0]);
		break;
	case BCFS_F_VEINFO:
	case BCFS_F_CT_VEINFO:
		text = bcx_veinfo(cts, n, NULL);
		break;
	case BCFS_F_VSWAP:
		text = bcx_vswap();
		break;
	default:
		return -EISDIR;
	}
	if (!text)
		return -ENOMEM;
	*ret = text;
	return 0;
}

/* --------------------------------------------------------- mount table */

/* Field 5 (the mount point) and the field after the " - " separator (the type). */
static bool mountinfo_line(char *line, char **point, char **type)
{
	char *save = NULL, *tok;
	int field = 0;

	*point = *type = NULL;
	for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (++field == 5)
			*point = tok;
		else if (field > 6 && strcmp(tok, "-") == 0) {
			*type = strtok_r(NULL, " ", &save);
			break;
		}
	}
	return *point && *type;
}

bool bcfs_mountinfo_find(const char *mountinfo, const char *dir, char *type, size_t size)
{
	bool found = false;

	for (const char *l = mountinfo; *l;) {
		size_t len = strcspn(l, "\n");
		char *line = strndup(l, len), *point, *t;

		if (line && mountinfo_line(line, &point, &t)) {
			mountinfo_unescape(point);
			/* The last mount on a path is the one on top, the one a path reaches. */
			if (strcmp(point, dir) == 0) {
				snprintf(type, size, "%s", t);
				found = true;
			}
		}
		free(line);
		l += len;
		if (*l)
			l++;
	}
	return found;
}
