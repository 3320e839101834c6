/* core/host: the host's settings and the CTs it knows: vz.conf and the paths it gives,
 * each CT's config read over it, listing the CTs, names, where a CT's files are, and
 * the CT's lock.  Uses model and base.
 *
 * Errors follow conf/conf.h: negative errno plus a filled vz_err; outputs are
 * untouched on failure; nothing here prints. */
#ifndef VZ_CORE_HOST_H
#define VZ_CORE_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf/conf.h"
#include "core/model/model.h"

struct vz_host;

/* The host settings that come from vz.conf.  The file is $VZ_CONF when that is set
 * (so a test or a second host on one machine points the whole tool elsewhere), else
 * /etc/vz/vz.conf.  Paths not set in it take the OpenVZ defaults. */
struct vz_host {
	vz_conf *conf;       /* the parsed vz.conf */
	char *conf_path;     /* where it was read from */
	char *confdir;       /* VE_CONFDIR, default /etc/vz/conf: CTID.conf, samples */
	char *lockdir;       /* LOCKDIR, default /vz/lock */
	char *dumpdir;       /* DUMPDIR, default /vz/dump */
	char *rundir;        /* RUNDIR, default /var/run/vz: run state (init pids) */
	char *templatedir;   /* TEMPLATE, default /vz/template (cache/ below it) */
	char *ve_root;       /* VE_ROOT with $VEID unreplaced, default /vz/root/$VEID */
	char *ve_private;    /* VE_PRIVATE, default /vz/private/$VEID */
	char *cgroup_parent; /* CT_CGROUP_PARENT, default vz.slice: CTs live at
			      * <cgroup2 mount>/<parent>/<ctid> */
};

/* Loads vz.conf.  A missing file is VZ_E_NO_VZCONF. */
int vz_host_load(struct vz_host *ret, const vz_warn *w, vz_err *err);
void vz_host_free(struct vz_host *host);
/* Path of the CT's config: <confdir>/<ctid>.conf (malloc'd, NULL when out of memory). */
char *vz_host_ct_conf_path(const struct vz_host *host, const char *ctid);
/* A value of vz.conf with $VEID replaced (malloc'd); NULL when the key is unset. */
char *vz_host_ct_path(const struct vz_host *host, const char *tmpl, const char *ctid);

/* Turns what the user typed into a CT id: a valid numeric id as is, else a name
 * looked up among the NAME= keys of <confdir>/<id>.conf.  Unknown or invalid:
 * VZ_E_SYNTAX, before any file is written. */
int ct_resolve(const struct vz_host *host, const char *text, unsigned long *ret, vz_err *err);
/* The id of the CT whose config holds NAME="name", or 0 when none. */
unsigned long ct_find_name(const struct vz_host *host, const char *name);

/* The default of CT_CGROUP_PARENT: the one place that names it. */
#define VZ_CGROUP_PARENT_DEFAULT "vz.slice"
/* "/<parent>/<ctid>": the CT's cgroup as /proc/<pid>/cgroup names it from the host
 * (malloc'd; NULL when out of memory). */
char *vz_host_ct_cgroup(const struct vz_host *host, const char *ctid);

/* The ids of every CT with a config (<id>.conf in VE_CONFDIR; samples, .destroyed and
 * other files are not CTs), ascending; *ret is malloc'd (NULL when there is none). */
int vz_host_list_cts(const struct vz_host *host, unsigned long **ret, size_t *count,
		     vz_err *err);
/* The CT's own config, parsed (no warnings).  -ENOENT with VZ_E_NO_CTCONF when it has
 * none. */
int vz_host_ct_conf(const struct vz_host *host, const char *ctid, vz_conf **ret, vz_err *err);
/* The CT's resource settings: its config (cf, NULL for none) layered over vz.conf.
 * Invalid values are skipped, as vzctl does. */
int vz_host_ct_res(const struct vz_host *host, const vz_conf *cf, struct ct_res *ret,
		   vz_err *err);

/* ------------------------------------------------------- CT user namespaces */

/* USERNS=yes in vz.conf: a new CT gets a user namespace and an id range of its own. */
bool vz_host_userns_default(const struct vz_host *host);
/* The host-wide lock of that allocation, $LOCKDIR/userns.lck (an flock, fd in *ret_fd,
 * close-on-exec): held from the choice of a range until the config that takes it is
 * saved, so that two creates never take the same range.  Waits 30 s at most, then
 * VZ_E_LOCKED. */
int vz_host_userns_lock(const struct vz_host *host, int *ret_fd, vz_err *err);
/* The first host id of a range no CT config's LOCAL_UID or LOCAL_GID range touches,
 * from USERNS_ID_BASE of vz.conf (default CT_USERNS_BASE_DEFAULT) up; the caller holds
 * the lock.  VZ_E_RESOURCE when the ids are all taken. */
int vz_host_userns_pick(const struct vz_host *host, unsigned long *ret, vz_err *err);

/* -------------------------------------------------------------- CT paths */

/* Where a CT's files are, from vz.conf layered under its CTID.conf (VE_ROOT,
 * VE_PRIVATE with $VEID replaced).  Strings are malloc'd; free with ct_paths_free. */
struct ct_paths {
	char *conf;    /* <confdir>/<ctid>.conf */
	char *root;    /* VE_ROOT: where the CT's root is mounted */
	char *private; /* VE_PRIVATE: the CT's files */
};
int ct_paths_get(const struct vz_host *host, const vz_conf *ct_conf, const char *ctid,
		 struct ct_paths *ret, vz_err *err);
void ct_paths_free(struct ct_paths *p);
/* The same from the CT's own config; a CT without a config takes vz.conf's. */
int ct_load_paths(const struct vz_host *host, const char *ctid, struct ct_paths *ret,
		  vz_err *err);

/* --------------------------------------------------------------- locking */

/* $LOCKDIR/<ctid>.lck holding "<pid>\n<status>\n" (reference §4.5).  It is written
 * whole in a temporary file and link(2)ed into place, so it appears whole or not at
 * all.  The holder also keeps an flock on it: the kernel drops that when the holder
 * dies, which tells a stale lock from a live one even when the pid was reused. */
struct ct_lock {
	char *path;
	int fd;
};

/* Takes the lock.  A lock whose pid is alive gives VZ_E_LOCKED with "Locked by: pid N,
 * cmdline …"; a stale one is removed and taking it is retried (3 times). */
int ct_lock_take(const char *lockdir, const char *ctid, const char *status,
		 struct ct_lock *ret, vz_err *err);
/* Removes the lock file; safe on a lock that was never taken. */
void ct_lock_release(struct ct_lock *lock);

/* A host-wide lock: an flock on $LOCKDIR/<name> (made when missing), its fd in *ret_fd
 * (close-on-exec; closing it releases the lock).  Waits wait_ms at most, then
 * VZ_E_LOCKED saying that `what` holds it. */
int vz_host_flock(const struct vz_host *host, const char *name, const char *what, int wait_ms,
		  int *ret_fd, vz_err *err);
/* $LOCKDIR/names.lck: held from the check that a CT name is free until the config that
 * takes it is saved, so that two commands never give one name to two CTs. */
int vz_host_names_lock(const struct vz_host *host, int *ret_fd, vz_err *err);

#endif
