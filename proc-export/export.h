/* The counters export: OpenVZ's /proc texts over the core's counter tables
 * (core/acct/acct.h), served by bcfs and read by vzubc and monitoring.
 *
 * Formatters are pure: each returns a malloc'd NUL-terminated text (NULL when out of
 * memory) for the tables given, in the order given.  Only running CTs have blocks: a
 * stopped OpenVZ CT had no beancounter.  host, when not NULL, is the host's block
 * `0:`, printed after the CTs' as OpenVZ's host printed it.  Values the core marks
 * unknown print as 0, since every consumer of these files needs a number in each
 * column; which rows those are is published beside them (see bcx_classes) and vzlist
 * shows them as "-". */
#ifndef VZ_EXPORT_H
#define VZ_EXPORT_H

#include <stddef.h>

#include "core/acct/acct.h"
#include "core/runtime/runtime.h"

/* /proc/user_beancounters: `Version: 2.5`, the header, 24 rows per block in kernel
 * order with the dummy rows and without swappages, the id glued to its colon on a
 * block's first row only, 20-wide columns (reference §2.1). */
char *bcx_user_beancounters(const struct bc_table *cts, size_t n, const struct bc_table *host);
/* /proc/bc/resources: the same header, no dummy rows, swappages last (§2.2). */
char *bcx_bc_resources(const struct bc_table *cts, size_t n, const struct bc_table *host);
/* /proc/bc/<id>/resources: one block's rows without header and without id. */
char *bcx_bc_ct_resources(const struct bc_table *t);
/* /proc/vz/veinfo: `%10lu %5u %5lu` id, class 0, numproc, one line per running CT,
 * the host's line last when given. */
char *bcx_veinfo(const struct bc_table *cts, size_t n, const struct bc_table *host);
/* /proc/vz/vswap: `Version: 1.0`, what vzctl looks for to know vswap is there. */
char *bcx_vswap(void);
/* The class of every resource of one CT, `<name> <class>` per line ("not available"
 * for a row whose usage no source gives), so that a reader can tell a real 0. */
char *bcx_classes(const struct bc_table *t);

/* ------------------------------------------------------------ Monitoring */
/* proc-export/metrics.c. */

/* The Prometheus text exposition (format 0.0.4) of every counter of the tables given:
 * openvz_ct_running{ctid} (gauge), then the families openvz_bc_held, openvz_bc_maxheld,
 * openvz_bc_barrier, openvz_bc_limit (gauges) and openvz_bc_failcnt_total (counter),
 * each with its HELP and TYPE lines and one sample per CT and resource (dummies
 * excluded, swappages included), labelled {ctid, resource, class}.  Unlimited is +Inf.
 * held, maxheld and failcnt are left out for a row whose usage is unknown and for a
 * stopped CT (never a made-up 0); barrier and limit are kept for both, a stopped CT's
 * being its config's.  malloc'd; NULL when out of memory. */
char *bcx_prometheus(const struct bc_table *cts, size_t n);

/* The decisions of the Nagios-style check (check_bc). */
enum bcx_status { BCX_OK = 0, BCX_WARNING = 1, BCX_CRITICAL = 2, BCX_UNKNOWN = 3 };
struct bcx_check_opts {
	double warn, crit; /* shares of the barrier: held above crit × it is CRITICAL,
			    * above warn × it WARNING */
};
/* A failcnt seen by an earlier run. */
struct bcx_failcnt {
	unsigned long ctid;
	int res; /* enum ubc_id */
	uint64_t failcnt;
};
struct bcx_alarm {
	unsigned long ctid;
	int res;
	enum bcx_status status;
	uint64_t growth;     /* failcnt growth since the earlier run, 0 when none */
	uint64_t held, base; /* base: what held is measured against, 0 when nothing */
};
/* Every row of every running CT whose usage is known: CRITICAL when its failcnt grew
 * past the one in prev (a row absent from prev is a first sight, no alarm), CRITICAL
 * when held > crit × base, WARNING when held > warn × base.  base is the barrier; the
 * limit stands in for a barrier of 0 or unlimited, and for a guarantee's barrier
 * (vmguarpages, oomguarpages), which is no cap; an unlimited or 0 limit checks
 * nothing.  Returns the worst status (BCX_UNKNOWN when out of memory) and the alarms
 * in table order (*ret malloc'd, NULL when none). */
enum bcx_status bcx_check(const struct bc_table *cts, size_t n, const struct bcx_failcnt *prev,
			  size_t n_prev, const struct bcx_check_opts *o, struct bcx_alarm **ret,
			  size_t *n_ret);
/* The check's one status line with perfdata:
 *   BEANCOUNTERS CRITICAL - 3 CTs: 101 numproc failcnt +2 held 100% of 240 | cts=3
 *   critical=1 warning=0 failcnt_growth=2 '101_numproc'=240;192;228;0;240
 * malloc'd; NULL when out of memory. */
char *bcx_check_line(enum bcx_status status, size_t n_cts, const struct bcx_alarm *a, size_t n,
		     const struct bcx_check_opts *o);


/* ------------------------------------------------------------------ bcfs */

/* bcfs (proc-export/bcfs.c): a FUSE file system, mounted on the export directory,
 * serving the texts above computed at each open from the core's counters:
 *   proc/user_beancounters, proc/bc/resources, proc/bc/<id>/resources (one directory
 *   per running CT), proc/vz/veinfo, proc/vz/vswap, and per CT with a config the view
 *   that is bound onto the export directory inside it (core/runtime/runtime.h "counters view"):
 *   ct/<id>/proc/user_beancounters and ct/<id>/proc/vz/veinfo (its block and its line
 *   alone, none while it is stopped), so that the same paths work on the host and in
 *   a CT.
 * Files are mode 0400, directories 0500, owned by root; a CT's view is owned by the
 * CT's root (LOCAL_UID/LOCAL_GID, else root), the only user who may read it.  Mounted
 * allow_other, so that a CT's root that is not the host's reaches its view at all. */

#define BCFS_DIR_DEFAULT CT_VIEW_DIR_DEFAULT
#define BCFS_FSTYPE "fuse.bcfs" /* the type its mounts show in mountinfo */
#define BCFS_THREADS_DEFAULT 8U
#define BCFS_LOCKS_SHARE_MS 1000U /* numflock may be this old (bc_cache_share_locks) */

enum bcfs_node {
	BCFS_NONE = 0,
	BCFS_D_ROOT,  /* directories first (bcfs_node_is_dir) */
	BCFS_D_PROC,
	BCFS_D_BC,
	BCFS_D_BC_CT, /* proc/bc/<id> */
	BCFS_D_VZ,
	BCFS_D_CT,
	BCFS_D_CT_ID, /* ct/<id> */
	BCFS_D_CT_PROC,
	BCFS_D_CT_VZ, /* the last directory */
	BCFS_F_UBC,
	BCFS_F_BC_RESOURCES,
	BCFS_F_BC_CT_RESOURCES,
	BCFS_F_VEINFO,
	BCFS_F_VSWAP,
	BCFS_F_CT_UBC,
	BCFS_F_CT_VEINFO,
};

struct bcfs_path {
	enum bcfs_node node;
	unsigned long ctid; /* for the nodes of one CT */
};

/* What a path under the mount point names ("/proc/bc/101/resources"), by its shape
 * alone: -ENOENT for a name the tree never has (ids must pass ct_id_parse), -ENOTDIR
 * below a file.  Whether that CT exists now is the caller's question.  Pure. */
int bcfs_path_parse(const char *path, struct bcfs_path *ret);
bool bcfs_node_is_dir(enum bcfs_node node);
/* Whether node lies in a CT's view, ct/<id>/ and below. */
bool bcfs_node_in_ct_view(enum bcfs_node node);
/* Whether the directory holds one entry per CT (bc/ and ct/). */
bool bcfs_node_lists_cts(enum bcfs_node dir);
/* Calls add with each name of directory dir: its fixed names, then ids (the running
 * CTs for proc/bc, the CTs for ct; ignored elsewhere), until add returns non-zero.
 * -ENOTDIR for a file.  Pure. */
int bcfs_list(enum bcfs_node dir, const unsigned long *ids, size_t n,
	      int (*add)(void *ctx, const char *name), void *ctx);
/* The text of a file over the tables given (every CT's, or the one CT's for the
 * per-CT files), without the host's block; *ret malloc'd.  -ENOENT for
 * proc/bc/<id>/resources of a CT that does not run, -EISDIR for a directory.  Pure. */
int bcfs_render(enum bcfs_node node, const struct bc_table *cts, size_t n, char **ret);
/* Whether /proc/self/mountinfo text has a mount on dir (an absolute path, as the
 * kernel prints it unescaped); type gets the file system type of the top one.  Pure. */
bool bcfs_mountinfo_find(const char *mountinfo, const char *dir, char *type, size_t size);
/* BCFS_DIR of vz.conf, else BCFS_DIR_DEFAULT (ct_view_dir). */
const char *bcfs_dir(const struct vz_host *host);

struct bcfs_opts {
	const char *dir;      /* the export directory: the mount point */
	bool foreground;      /* false: daemonize once mounted */
	unsigned max_threads; /* worker threads at most, 0: BCFS_THREADS_DEFAULT */
};
/* Mounts bcfs on o->dir (created when missing) and serves until SIGTERM, SIGINT or
 * SIGHUP, then unmounts.  Once it serves, when o->dir is the host's BCFS_DIR, it binds
 * each running CT's view into that CT afresh (ct_view_attach), in place of the dead
 * views of a daemon before.  A bcfs mount left there by a daemon that died is detached
 * first; one whose daemon still serves is VZ_E_MOUNTED.  Without foreground the
 * caller's process returns only in the daemon (the parent exits once it serves). */
int bcfs_run(const struct vz_host *host, const struct bcfs_opts *o, vz_err *err);
/* Lazily detaches every bcfs mount stacked on dir (nothing else); 0 when none. */
int bcfs_unmount(const char *dir, vz_err *err);

#endif
