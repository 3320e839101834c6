/* core/runtime: a CT's processes and files on the host.  The one spawn engine every
 * process that enters a CT is started by (spawn.c), the init, its monitor, start and
 * stop, exec and enter, the in-CT action scripts, the CT's filesystem (create, destroy,
 * mount), its user namespace, its devices and its view of the export.  Uses limits,
 * acct (the load average sampler), state, cgroup, host, model and base.
 *
 * Errors follow conf/conf.h: negative errno plus a filled vz_err; outputs are
 * untouched on failure; nothing here prints. */
#ifndef VZ_CORE_RUNTIME_H
#define VZ_CORE_RUNTIME_H

#include <linux/filter.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "conf/conf.h"
#include "core/cgroup/cgroup.h"
#include "core/host/host.h"
#include "core/model/model.h"
#include "core/state/state.h"

/* `vzctl status`: CTID <id> exist|deleted mounted|unmounted running|down [suspended] */
struct ct_state {
	bool exist;     /* private area and config are there */
	bool mounted;   /* the root area is mounted */
	bool running;   /* the CT's init lives */
	bool suspended; /* a dump file exists for a stopped CT */
};
int ct_state_get(const struct vz_host *host, const char *ctid, struct ct_state *ret, vz_err *err);

/* Mounting the private area on the root area (a bind mount, as OpenVZ did on
 * upstream kernels).  VZ_E_MOUNTED / VZ_E_NOT_MOUNTED when already so.
 * (core/runtime/fs.c) The mount is private (nothing propagates either way) and made between
 * directory fds.  mount runs the action scripts <confdir>/vps.premount,
 * <ctid>.premount, then vps.mount, <ctid>.mount; umount runs vps.umount, <ctid>.umount,
 * then vps.postumount, <ctid>.postumount (VEID and VE_CONFFILE set; a failure is
 * VZ_E_ACTION_SCRIPT, and a failed mount script takes the mount back).  mount: 43 no
 * private area, 49/50 mkdir or mount failed.  umount: 32 running, 51 busy; it also
 * unmounts whatever is still mounted below the root area.  Mounted means a mount on
 * exactly the resolved VE_ROOT in /proc/self/mountinfo. */
int ct_mount(const struct vz_host *host, const char *ctid, vz_err *err);
int ct_umount(const struct vz_host *host, const char *ctid, vz_err *err);
bool ct_is_mounted(const struct vz_host *host, const char *ctid);

/* Starting and stopping (core/runtime/start.c).  The caller holds the CT's lock; the
 * front ends go through the CT handle (core/ct: ct_start, ct_stop). */
struct ct_run_opts {
	bool wait;          /* start: return once init has run its start script */
	bool fast;          /* stop: skip the stop script and asking init, kill at once */
	bool force;         /* start: even a CT whose config says DISABLED=yes */
	long timeout;       /* seconds; < 0: STOP_TIMEOUT of the config (120), for --wait too */
	const vz_warn *note; /* progress ("Container is mounted", "Container was stopped"), may be NULL */
	const vz_conf *conf; /* the CT's config as the caller read it (the CT handle); NULL: read here */
};
/* Mounts the root area when needed, creates the CT's cgroup and starts /sbin/init in it
 * in new pid, mount, uts, ipc, net and cgroup namespaces, pivoted into the root area,
 * with the capability bounding set of ct_cap_bound(); returns once init runs and
 * <RUNDIR>/<ctid>.pid names it.  Errors: 32 running, 43 no private area, 47 no
 * /sbin/init or /bin/sh, 133 --wait timed out; a failure leaves no process, cgroup
 * or mount that this start made.  init's parent is the CT's monitor ("vzmon <ctid>"),
 * a host process that outlives the caller and, when a reboot(2) inside the CT ends
 * init, starts the CT again under its lock. */
int ct_rt_start(const struct vz_host *host, const char *ctid, const struct ct_run_opts *o,
		vz_err *err);
/* Asks init to power off (SIGUSR2) unless fast, kills what is left after the timeout
 * through cgroup.kill, removes the cgroup and the run state and unmounts the root area.
 * It then waits (2 s at most) for the CT's monitor to exit.  Leftovers of a CT whose
 * init died are cleaned, then 31 (not running) is returned. */
int ct_rt_stop(const struct vz_host *host, const char *ctid, const struct ct_run_opts *o,
	       vz_err *err);

/* The console (core/runtime/console.c): the CT's /dev/console and /dev/tty1..N
 * (CONSOLE_TTYS in its config or vz.conf, 0..CT_CONSOLE_TTYS_MAX, default
 * CT_CONSOLE_TTYS_DEFAULT) are ptys whose masters the CT's monitor holds, keeping each
 * one's last CT_CONSOLE_RING bytes across reboots inside the CT.  What the CT writes to
 * its console also goes to $RUNDIR/console/<ctid>.log (0600; at 2 MiB, and at each
 * start, it moves to <ctid>.log.1).  Root on the host attaches through the socket
 * $RUNDIR/console/<ctid>.sock (its directory 0700, the peer checked to be uid 0). */
#define CT_CONSOLE_TTYS_MAX 12
#define CT_CONSOLE_TTYS_DEFAULT 2
#define CT_CONSOLE_RING (128 * 1024)
#define CT_CONSOLE_DIR "console"
/* $RUNDIR/console, or with ctid $RUNDIR/console/<ctid><suffix>; NULL: out of memory. */
char *ct_console_path(const struct vz_host *host, const char *ctid, const char *suffix);
/* Connects to the CT's console: tty 0 is /dev/console, N /dev/ttyN.  On success *ret is
 * a stream socket that first gives the tty's backlog, then what the CT writes; what is
 * written to it is typed into the tty.  Errors: 31 the CT does not run, 3 it runs
 * without a monitor (restored by CRIU) or its monitor does not answer, 9 another
 * client is attached (one at a time), 21 no such tty, 12 not root. */
int ct_console_attach(const struct vz_host *host, const char *ctid, unsigned tty, int *ret,
		      vz_err *err);

/* A CT in a user namespace (LOCAL_UID/LOCAL_GID; core/runtime/userns.c).  The host side writes
 * the maps of the CT's init pid (ids 0..CT_USERNS_IDS-1 from uid and gid) and makes a
 * detached copy of the root area mounted with that namespace's idmapping, so that the
 * private area keeps the CT's own ids on disk.  The init then takes uid and gid 0 of
 * its namespace.  -errno on failure. */
int ct_userns_map(pid_t pid, unsigned long uid, unsigned long gid);
int ct_userns_idmapped_tree(pid_t pid, const char *root, int *ret);
int ct_userns_become_root(void);

/* The counters view of a CT (core/runtime/ctview.c).  bcfs serves <dir>/ct/<id>/ as the tree
 * that CT sees; it is bound read-only, nosuid, nodev, noexec onto the same path <dir>
 * inside the CT, so that <dir>/proc/user_beancounters names the CT's own block there as
 * it names every CT's on the host.  dir is BCFS_DIR of vz.conf, else
 * CT_VIEW_DIR_DEFAULT. */
#define CT_VIEW_DIR_DEFAULT "/var/lib/bcfs"
const char *ct_view_dir(const struct vz_host *host);
/* A detached read-only copy (open_tree) of <dir>/ct/<ctid> into *ret (close-on-exec).
 * -ENOENT when no FUSE file system serves it there (bcfs does not run), -ENOTCONN when
 * its daemon died. */
int ct_view_open(const char *dir, const char *ctid, int *ret);
/* The directory path (absolute, as the CT names it) below root, a directory fd of the
 * CT's root, as an O_PATH fd in *ret: each component resolved inside root (openat2
 * RESOLVE_IN_ROOT: a symlink leads somewhere inside the CT, never out of it), the
 * missing ones made 0755.  -errno. */
int ct_view_target(int root, const char *path, int *ret);
/* Moves tree onto that directory.  The caller is in the CT's mount namespace (and user
 * namespace).  -errno. */
int ct_view_place(int root, const char *path, int tree);
/* Binds a fresh view into the running CT, in place of the views of a bcfs that died
 * (detached first): a child joins the CT's user namespace (as its root) when it has
 * one, then its mount namespace.  VZ_E_NOT_RUNNING when the CT does not run,
 * VZ_E_MOUNT when bcfs does not serve or the CT has no directory to mount on. */
int ct_view_attach(const struct vz_host *host, const char *ctid, vz_err *err);

/* The action script <confdir>/<ctid>.<event> ("start", "stop"), run inside the running
 * CT by its /bin/sh -c with VEID and VE_CONFFILE set, stdin /dev/null; each line it
 * prints goes to note.  0 when there is no such script; VZ_E_ACTION_SCRIPT when it
 * cannot be read or run or exits non-zero (core/runtime/action.c). */
int ct_run_inside_action(const struct vz_host *host, const char *ctid, const char *event,
			 const vz_warn *note, vz_err *err);
/* The longest script handed to sh -c: one argv string (MAX_ARG_STRLEN less the NUL). */
#define CT_SCRIPT_MAX (32 * 4096 - 1)

/* Lets the cgroup's processes use only the CT's devices (null, zero, full, random,
 * urandom, tty, console, ptmx, pts/N; no block device), through a cgroup device BPF
 * program (cgroup v2 has no devices files); core/runtime/devices.c. */
int ct_dev_limit(bc_cgroup *cg, vz_err *err);

/* Getting in (core/runtime/exec.c): a process that joins every namespace of the CT's
 * init, the CT's cgroup (clone3 CLONE_INTO_CGROUP where the kernel has it), its root and its
 * capability bounding set, born with no host fd but its streams (as given: pipes the
 * caller pumps, never the caller's own files or terminal) and a clean environment,
 * then executes a program resolved inside the CT (never a host binary). */
#define CT_EXEC_START_SECS 15   /* from the call to the command's exec */
#define CT_EXEC_STOPPED_SECS 15 /* a command kept stopped (SIGSTOP) longer is killed */
#define CT_EXEC_TICK_MS 1000    /* how often a wait looks for a stopped command */
struct ct_exec_opts {
	char *const *argv; /* argv[0] looked up in the CT's PATH; NULL: the user's shell
			    * (/bin/bash if the CT has it, else /bin/sh) as a login shell */
	const char *term;  /* TERM to pass on (when sane), NULL for none */
	bool pty;          /* a pty of the CT's own devpts becomes the command's terminal */
	unsigned short rows, cols; /* with pty: its size (0: leave the default) */
	int fds[3];        /* what the command gets as 0, 1, 2 (without pty): pipes, so
			    * that nothing of the host is the CT's; fds[0] < 0: the CT's
			    * own /dev/null on all three */
	char *const *env;  /* NAME=value added to the environment, NULL-terminated; may be NULL */
};
struct ct_exec_proc {
	pid_t pid;      /* the command, a child of the caller (0 once it is reaped) */
	int pty_master; /* with pty: the master side, owned by the caller; else -1 */
	bool stopped;   /* seen stopped, since stopped_at */
	struct timespec stopped_at;
	char ctid[64];  /* for messages */
};
/* Returns once the command runs (or failed to start: VZ_E_SYSTEM with the step that
 * failed; VZ_E_NOT_RUNNING when the CT does not run; VZ_E_TIMEOUT when it did not
 * start within CT_EXEC_START_SECS, and was killed). */
int ct_exec_start(const struct vz_host *host, const char *ctid, const struct ct_exec_opts *o,
		  struct ct_exec_proc *ret, vz_err *err);
/* Without blocking: 1 once the command has ended (*ret_status as ct_exec_wait's), 0
 * while it runs.  A command kept stopped for CT_EXEC_STOPPED_SECS is killed with its
 * process group: VZ_E_TIMEOUT.  A caller polling the command's pidfd (readable at its
 * end) calls it every CT_EXEC_TICK_MS too, for a stop wakes nothing. */
int ct_exec_check(struct ct_exec_proc *p, int *ret_status, vz_err *err);
/* Waits for the command: *ret_status is its exit code, or 128 + the signal that
 * killed it.  The caller forwards signals to the command's process group (-pid). */
int ct_exec_wait(struct ct_exec_proc *p, int *ret_status, vz_err *err);
/* The words joined with single spaces, as vzctl hands `exec CT cmd…` to /bin/sh -c;
 * NULL when out of memory. */
char *ct_exec_join(int argc, char *const argv[]);
/* The environment of a command run in the CT: PATH, HOME=/root, TERM when term is a
 * plain terminal name, then the NAME=value strings of extra (NULL: none); one malloc'd
 * block (vector and strings), NULL on ENOMEM. */
char **ct_exec_env(const char *term, char *const *extra);
/* The CapBnd mask from the text of /proc/<pid>/status; -ENOENT when absent. */
int ct_parse_capbnd(const char *status, uint64_t *ret);

/* `vzctl create`: what the command line gave; NULL takes the default. */
struct ct_create_opts {
	const char *ostemplate; /* <TEMPLATE>/cache/<name>.tar.*; NULL: DEF_OSTEMPLATE of vz.conf */
	const char *config;     /* sample ve-<config>.conf-sample; NULL: CONFIGFILE of vz.conf */
	const char *private;    /* VE_PRIVATE for this CT ($VEID allowed); NULL: vz.conf's */
	const char *root;       /* VE_ROOT for this CT; NULL: vz.conf's */
	const char *hostname;   /* HOSTNAME, NULL: none */
	const char *name;       /* NAME, NULL: none */
	/* --local_uid, --local_gid: the host ids of the CT's root (0: none, a privileged CT),
	 * one given alone standing for both.  Unset: the sample's, else with USERNS=yes in
	 * vz.conf a range no other CT has (core/host vz_host_userns_pick). */
	bool has_local_uid, has_local_gid;
	unsigned long local_uid, local_gid;
	const vz_warn *note;    /* progress ("Creating container private area (NAME)"), may be NULL */
};

/* Unpacks the template into the private area and writes CTID.conf from the sample (its
 * lines kept; OSTEMPLATE, ORIGIN_SAMPLE, the options given and LOCAL_UID/LOCAL_GID set).
 * Errors: 44 the private area exists, 91 no template, 29 no template named, 82 no
 * sample or the config already exists, 48 unpacking failed, 131 name taken, 9 the id
 * allocation stayed locked, 3 no free id range.  A failure leaves neither a private
 * area nor a config. */
int ct_create(const struct vz_host *host, const char *ctid, const struct ct_create_opts *opts,
	      vz_err *err);
/* Removes a CT that is not running (VZ_E_RUNNING): unmounts it (running the umount
 * action scripts), removes the private area and the root directory, and renames
 * CTID.conf to CTID.conf.destroyed.  note gets "Destroying container private area: P"
 * and warnings.  A CT with neither private area nor config is VZ_E_NO_PRIVATE. */
int ct_destroy(const struct vz_host *host, const char *ctid, const vz_warn *note, vz_err *err);

/* The system-call filter every CT process carries (core/runtime/seccomp.c; the spawn
 * engine loads it last before the exec): the calls it refuses with EPERM, on every
 * system-call table of the host's architecture (x86_64: also i386 and x32), without
 * no_new_privs, so setuid programs inside keep working.
 *
 *   ct_seccomp_refused  the i-th refused call's name; NULL past the last
 *   ct_seccomp_build    the filter, not loaded (the caller releases it); -errno
 *   ct_seccomp_prog_get the BPF program the build made of it (seccomp-gen.c), of
 *   ct_seccomp_prog_len that many instructions
 *   ct_seccomp_load     that program loaded into the calling thread, which needs
 *                       CAP_SYS_ADMIN in its user namespace; -errno */
const char *ct_seccomp_refused(size_t i);
int ct_seccomp_build(scmp_filter_ctx *ret);
const struct sock_filter *ct_seccomp_prog_get(void);
size_t ct_seccomp_prog_len(void);
int ct_seccomp_load(void);

#endif
