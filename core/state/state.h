/* core/state: what is kept under RUNDIR about running CTs, and so the one notion of a
 * running CT: the pid file naming each CT's init, the kept maxheld of the counters, and
 * the load average file the CT's monitor writes.  Uses host, model and base.
 *
 * A CT runs when <RUNDIR>/<ctid>.pid names a process that lives (not a zombie) and
 * sits in the CT's cgroup: every command, the counters and the export ask this, and
 * nothing else.  A CT whose init died is down, even when a process it left sits in
 * its cgroup (the next start or stop removes that).
 *
 * Errors follow conf/conf.h: negative errno plus a filled vz_err; outputs are
 * untouched on failure; nothing here prints. */
#ifndef VZ_CORE_STATE_H
#define VZ_CORE_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf/conf.h"
#include "core/host/host.h"
#include "core/model/model.h"

/* --------------------------------------------------------------- run state */

/* A run of a CT: its init's host pid, and the init's start time (clock ticks after
 * boot, /proc/<pid>/stat field 22), which tells this run from a later one whose init
 * got the same pid. */
struct ct_run {
	pid_t init;
	uint64_t start;
};
/* The run of a running CT; -ESRCH with VZ_E_NOT_RUNNING when the CT does not run. */
int ct_init_run(const struct vz_host *host, const char *ctid, struct ct_run *ret, vz_err *err);
/* The same, the pid alone. */
int ct_init_pid(const struct vz_host *host, const char *ctid, pid_t *ret, vz_err *err);
/* Whether the CT runs (ct_init_run succeeds).  Reads only. */
bool ct_is_running(const struct vz_host *host, const char *ctid);
/* Where a process is from the text of its /proc/<pid>/cgroup (cgroup v2: "0::<path>")
 * against the CT's cgroup as vz_host_ct_cgroup names it: the rest of the path when it is
 * the CT's cgroup or one the CT made below it ("" or "/sub", up to the newline), NULL
 * when it is elsewhere.  Pure. */
const char *ct_cgroup_below(const char *proc_cgroup, const char *ct_cgroup);
/* Whether pid is that CT's live init; *start (may be NULL) its start time. */
bool ct_pid_is_init(const struct vz_host *host, const char *ctid, pid_t pid, uint64_t *start);

/* The start's side: records init as the CT's (the pid file, written whole), forgets
 * it, tells whether a record is there (a CT that was started and whose init died has
 * one), and the pid a record names, unchecked (-errno). */
int ct_run_record(const struct vz_host *host, const char *ctid, pid_t init, vz_err *err);
void ct_run_forget(const struct vz_host *host, const char *ctid);
bool ct_run_recorded(const struct vz_host *host, const char *ctid);
int ct_run_named(const struct vz_host *host, const char *ctid, pid_t *ret);

/* --------------------------------------------------------- kept maxheld */

/* The kept maxheld (core/state/maxheld.c): a state file whose first line, the tag, names
 * what its values belong to (a CT's run: "run <init pid> <start time>"; the host's
 * boot: "boot <boot_id>"), then "<row id> <maxheld>" lines.  Values of another tag are
 * another run's and count for nothing.  bc_maxheld_merge raises each known row's
 * maxheld in t to the one kept in state (NULL when none) and returns 1 with *ret the
 * text to keep (malloc'd) when it differs from state, 0 when state holds it already,
 * -ENOMEM.  Pure. */
int bc_maxheld_merge(const char *state, const char *tag, struct bc_table *t, char **ret);
/* The same on <dir>/<name> (dir made when missing), under the flock of <name>.lock,
 * replaced whole (temporary file and rename) only when a value rose: a failed write
 * leaves the kept values as they were.  A symlink, a FIFO or another user's file under
 * the name is not read. */
void bc_maxheld_keep(const char *dir, const char *name, const char *tag, struct bc_table *t);

/* ---------------------------------------------------------- load average */

/* A stock kernel keeps no load average per cgroup: the CT's monitor samples it every
 * CT_LA_PERIOD s (core/acct/sampler.c) with the kernel's arithmetic
 * (kernel/sched/loadavg.c) and publishes it in <RUNDIR>/<ctid>.loadavg for this run of the CT. */
#define CT_LA_PERIOD 5 /* seconds, the kernel's LOAD_FREQ */
#define CT_LA_FSHIFT 11
#define CT_LA_FIXED_1 (1UL << CT_LA_FSHIFT)

/* Writes the file for this run of the CT (init, start) with avenrun, whole (written
 * beside it and renamed into place), and removes it.  -errno. */
int ct_la_publish(const char *rundir, const char *ctid, pid_t init, uint64_t start,
		  const unsigned long avenrun[3]);
void ct_la_remove(const char *rundir, const char *ctid);

/* The CT's 1, 5 and 15 minute averages as /proc/loadavg would print them (hundredths).
 * -ENOENT, with no message, when there is no current sample: the CT does not run, it
 * was restored by CRIU (no monitor), or it started less than CT_LA_PERIOD s ago. */
int ct_loadavg(const struct vz_host *host, const char *ctid, double la[3], vz_err *err);

/* The kernel's calc_load() for the three averages (avenrun, fixed point): periods
 * periods of nr_active tasks (calc_load_n() when more than one).  Pure. */
void ct_la_update(unsigned long avenrun[3], unsigned long nr_active, unsigned int periods);
/* A fixed-point average as /proc/loadavg prints it: rounded to hundredths.  Pure. */
double ct_la_value(unsigned long fixed);
/* The file's text, and reading it back: la as ct_loadavg gives it, -ENOENT when it is
 * about another run (init pid and start time) or older than a few periods at now
 * (CLOCK_BOOTTIME seconds), -EBADMSG when it is no such file.  Pure. */
int ct_la_format(char *buf, size_t size, pid_t init, uint64_t start, uint64_t at,
		 const unsigned long avenrun[3]);
int ct_la_parse(const char *text, pid_t init, uint64_t start, uint64_t now, double la[3]);
#endif
