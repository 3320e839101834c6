/* Starting a CT, inside core/runtime (internal): what start.c, monitor.c and init.c
 * share.
 *
 *   start.c    reads the config, makes the cgroup, the plan and the view, runs the
 *              start; stop
 *   monitor.c  vzctl --fork--> helper --fork--> monitor --spawn_clone--> init; the
 *              monitor waits for init, samples its load and restarts it after a reboot
 *   init.c     pid 1 of the CT up to the exec of /sbin/init: mounts, the console's
 *              ptys, pivot, hostname
 *   masks.c    what the CT's /proc and /sys show of the host's kernel, and the lock
 *              that keeps it so in a user namespace
 *   console.c  the monitor's side of the console: the ptys' masters, their backlog,
 *              the log and the socket `vzctl console` attaches to */
#ifndef VZ_CORE_RUNTIME_START_H
#define VZ_CORE_RUNTIME_START_H

#include <poll.h>
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
	unsigned ttys;           /* CONSOLE_TTYS: /dev/tty1..ttys besides /dev/console */
	char *console_dir;       /* $RUNDIR/console */
};

/* What the processes of a start are handed. */
struct init_args {
	const struct start_conf *c;
	int rep;  /* the spawn engine's report channel */
	int sync; /* with a user namespace: init's end of the socket to the monitor; else -1 */
	int sync_peer; /* the monitor's end, which init closes */
	const char *ctid;
	int console;      /* init's end of the socket its ttys' masters go to the monitor on */
	int console_peer; /* the monitor's end, which init closes */
};

/* pid 1 of the CT (init.c): everything up to the exec of its /sbin/init. */
__attribute__((noreturn))
void ct_init_main(const struct init_args *a);

/* In init, the working directory the root area's top with the CT's proc, sysfs and
 * /dev mounted (masks.c): /proc/sys (but its net), /proc/bus, fs, irq and
 * sysrq-trigger made read-only, the host-wide rest masked. */
void ct_protect_kernel_files(int rep);
/* Then, in a user namespace: every mount so far locked against the CT's root, the
 * working directory the root area's top again. */
void ct_lock_mounts(int rep);

/* Forks the helper (monitor.c) and returns init's host pid once init runs its
 * /sbin/init; a failure of any of them comes back in err. */
int start_spawn_init(const char *ctid, const struct start_conf *c, bc_cgroup *cg, pid_t *ret,
		     vz_err *err);

/* Asks the CT to shut down the way its init understands (shutdown.c) and waits up to
 * timeout_ms for the CT's end: its cgroup empty, or its init left alone, its shutdown
 * done but unable to end itself.  The caller then kills what is left.  What could not
 * be asked (and so is not waited for) goes to note.  Signals go through init_fd, a
 * pidfd of init, never by pid: a pid may be another process's by then. */
void ct_shutdown(const struct vz_host *host, const char *ctid, pid_t init, int init_fd,
		 bc_cgroup *cg, long timeout_ms, const vz_warn *note);

/* The monitor's side of the console (console.c).  A ct_console outlives a reboot
 * inside the CT: the next monitor, a fork of this one, goes on with it. */
struct ct_console;
/* Its log and socket in dir_path ($RUNDIR/console, made 0700): the log of the last start
 * moves to <ctid>.log.1.  Without the directory the console still keeps its backlog.
 * NULL when out of memory. */
struct ct_console *console_new(const char *ctid, const char *dir_path);
/* Takes the masters init sends on sock (one record: the tty's number, 0 for the
 * console, with the fd) until init closes it by its exec, for 60 s at most. */
void console_receive(struct ct_console *con, int sock, unsigned ttys);
/* The fds it holds, appended to fds[*n] (room for 2 * CT_CONSOLE_TTYS_MAX + 7). */
void console_keep_fds(const struct ct_console *con, int *fds, size_t *n);
/* Its part of the monitor's poll: at most 2 * CT_CONSOLE_TTYS_MAX + 5 entries filled,
 * their count returned; after the poll, handle them. */
size_t console_poll_fill(struct ct_console *con, struct pollfd *pf);
void console_poll_handle(struct ct_console *con, const struct pollfd *pf, size_t n);
/* The longest the monitor may sleep in poll for the console's sake; -1: no limit. */
long console_timeout_ms(const struct ct_console *con);
/* Once init has ended: what the ttys still hold goes to the backlog and the log. */
void console_drain(struct ct_console *con);
/* This boot's ttys closed; the backlog, log, socket and client stay for the next. */
void console_end_boot(struct ct_console *con);
/* All of it, the socket file too when it is still the one it bound. */
void console_free(struct ct_console *con);

#endif
