/* core/ct: what the front ends act on a CT through.  Uses every layer below; its
 * functions decide, and hand back what to tell the user as notes; nothing here prints.
 * The commands that change a CT's state (set, start, stop, restart) go through the
 * handle; the others (exec and enter, create and destroy, mount, status) are the
 * runtime's, which this header hands on to the front ends (core/runtime/runtime.h).
 *
 * Errors follow conf/conf.h: negative errno plus a filled vz_err; outputs are
 * untouched on failure. */
#ifndef VZ_CORE_CT_H
#define VZ_CORE_CT_H

#include <stdbool.h>

#include "conf/conf.h"
#include "core/host/host.h"
#include "core/model/model.h"
#include "core/runtime/runtime.h"
#include "core/state/state.h"

/* --------------------------------------------------------------- the handle */

/* What a command that acts on one CT holds while it does. */
struct ct_handle {
	const struct vz_host *host;
	unsigned long id;
	char ctid[16];
	struct ct_lock lock; /* held when the CT was opened with a lock status */
	vz_conf *conf;       /* its config, read once under the lock; NULL when it has none */
	bool running;        /* the run state (core/state), as of the last command */
	struct ct_run run;   /* with running: which run */
};
/* Opens the CT: takes its lock with lock_status ("set", "starting"; NULL: no lock, as
 * --skiplock), reads its config (warnings to warn) and its run state.  VZ_E_LOCKED
 * when another holds the lock; a CT without a config opens with conf NULL. */
int ct_open(const struct vz_host *host, unsigned long id, const char *lock_status,
	    const vz_warn *warn, struct ct_handle *ret, vz_err *err);
/* Frees the config and releases the lock; safe on a handle whose lock was never taken
 * and on one zeroed but for its lock's fd of -1. */
void ct_close(struct ct_handle *ct);

/* The lifecycle through the handle, with its config; progress and vzctl's lines
 * ("Starting container...", "Container start in progress...", "Stopping container...",
 * "Restarting container") go to o->note.  start and stop are the runtime's
 * (core/runtime/runtime.h ct_rt_start, ct_rt_stop: what they do and their errors);
 * restart stops a running CT, then starts it.  The handle's run state follows. */
int ct_start(struct ct_handle *ct, const struct ct_run_opts *o, vz_err *err);
int ct_stop(struct ct_handle *ct, const struct ct_run_opts *o, vz_err *err);
int ct_restart(struct ct_handle *ct, const struct ct_run_opts *o, vz_err *err);

/* What a command tells the user, in order: out the lines of its progress (stdout,
 * silenced by --quiet), err the lines of warnings that go with its result (stderr), and
 * warn the warnings of reading configs.  Each may be NULL. */
struct ct_notes {
	const vz_warn *out, *err, *warn;
};

/* ------------------------------------------------------------------ set */

/* What `vzctl set` asks: only what is given is written. */
struct ct_set_req {
	struct ct_res res;            /* the values given (their set flags) */
	bool has_ram, has_swap;       /* --ram, --swap: PHYSPAGES and SWAPPAGES 0:pages */
	unsigned long ram_pages, swap_pages;
	const char *applyconfig;      /* sample ve-<name>.conf-sample, NULL: none */
	const char *name;             /* NAME, NULL: none */
	bool save, reset_ub;          /* --save, --reset_ub */
	bool restart;                 /* --setmode restart */
};
/* The request on an open CT, in vzctl's order: the sample, then the options merged into
 * the config; a running CT's cgroup moved from the saved config to the new one (or, with
 * reset_ub, written from the saved one) all or nothing, before anything is saved; then
 * the save with save; then, with restart, a stop and start when the request holds what
 * a running CT takes only at its next start.  Errors: 31 reset_ub on a stopped CT,
 * 1 (VZ_E_SETUBC) a value the kernel refused (nothing saved), 131 a name in use,
 * 139 the save, 109 no such sample. */
int ct_set(struct ct_handle *ct, const struct ct_set_req *req, const struct ct_notes *n,
	   vz_err *err);
/* What of the request a running CT takes only at its next start ("numpty", "hostname",
 * ...), NULL when nothing.  Pure. */
const char *ct_set_needs_restart(const struct ct_set_req *req);

/* A running CT's cgroup moved from what old asks to what new asks (every setting of new
 * when old is NULL, as --reset_ub does), through one transactional plan: all or
 * nothing. */
int ct_apply_running(const struct vz_host *host, const char *ctid, const struct ct_res *old,
		     const struct ct_res *new, vz_err *err);

#endif
