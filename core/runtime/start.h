/* Starting a CT, inside core/runtime (internal): what start.c, monitor.c and init.c
 * share.
 *
 *   start.c    reads the config, makes the cgroup, the plan and the view, runs the
 *              start; stop
 *   monitor.c  vzctl --fork--> helper --fork--> monitor --spawn_clone--> init; the
 *              monitor waits for init, samples its load and restarts it after a reboot
 *   init.c     pid 1 of the CT up to the exec of /sbin/init: mounts, pivot, hostname */
#ifndef VZ_CORE_RUNTIME_START_H
#define VZ_CORE_RUNTIME_START_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/limits/limits.h"
#include "core/runtime/runtime.h"

#define STOP_TIMEOUT_DEFAULT 120L

/* Everything start needs from the config, read before anything is touched. */
struct start_conf {
	char *root;       /* the root area, resolved */
	char *hostname;   /* HOSTNAME or NULL */
	unsigned long numpty;
	uint64_t caps;
	long stop_timeout;
	bool disabled;    /* DISABLED=yes */
	unsigned long uid, gid; /* host ids of the CT's root; 0: no user namespace */
	unsigned long shm_pages; /* SHMPAGES limit for the CT's IPC namespace; 0: as is */
	struct bc_plan plan;     /* the cgroup's settings */
	int view;                /* the CT's counters view (ct_view_open), -1: none */
	const char *view_dir;    /* where it goes, inside the CT: BCFS_DIR */
};

/* What the processes of a start are handed. */
struct init_args {
	const struct start_conf *c;
	int rep;  /* the spawn engine's report channel */
	int sync; /* with a user namespace: init's end of the socket to the monitor; else -1 */
	int sync_peer; /* the monitor's end, which init closes */
	const char *ctid;
};

/* pid 1 of the CT (init.c): everything up to the exec of its /sbin/init. */
__attribute__((noreturn))
void ct_init_main(const struct init_args *a);

/* Forks the helper (monitor.c) and returns init's host pid once init runs its
 * /sbin/init; a failure of any of them comes back in err. */
int start_spawn_init(const char *ctid, const struct start_conf *c, bc_cgroup *cg, pid_t *ret,
		     vz_err *err);

/* Asks the CT to shut down the way its init understands (shutdown.c) and waits up to
 * timeout_ms for the CT's end: its cgroup empty, or its init left alone, its shutdown
 * done but unable to end itself.  True when it ended either way; the caller then kills
 * what is left at once, as after a timeout.  What could not be asked goes to note. */
bool ct_shutdown(const struct vz_host *host, const char *ctid, pid_t init, bc_cgroup *cg,
		 long timeout_ms, const vz_warn *note);

#endif
