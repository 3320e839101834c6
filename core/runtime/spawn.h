/* The one spawn engine (core/runtime, internal): every process that enters a CT, its
 * init and whatever exec, enter, runscript and the action scripts run there, is
 * created and finished here, so that a fix to any of these steps lands everywhere.
 *
 *   spawn_channel   the report channel: each failing step hands back its exit code,
 *                   errno and a message; end of file means the program runs
 *   spawn_clone     a process born in the CT's cgroup (clone3 CLONE_INTO_CGROUP), with
 *                   new namespaces when asked
 *   spawn_exec      the last steps inside the CT: 0..2 (a pty, given fds, or the CT's
 *                   /dev/null), the capability bounding set with nothing inheritable
 *                   or ambient, every other fd closed, signals reset, the system-call
 *                   filter, then exec
 *   spawn_collect   the caller's side: the first failure, or an fd handed back */
#ifndef VZ_CORE_RUNTIME_SPAWN_H
#define VZ_CORE_RUNTIME_SPAWN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf/conf.h"
#include "core/cgroup/cgroup.h"

#define SPAWN_FAILED 127 /* the exit status of a process that reported a failure */

/* A SOCK_SEQPACKET pair, close-on-exec: sv[0] the caller's end, sv[1] the end the new
 * processes report on.  A seqpacket socket keeps each report whole whoever sends it,
 * and carries an fd with it. */
int spawn_channel(int sv[2], vz_err *err);

/* Reports a failure (code: the OpenVZ exit code) on sock and exits SPAWN_FAILED. */
__attribute__((noreturn, format(printf, 4, 5)))
void spawn_fail(int sock, int code, int e, const char *fmt, ...);
/* Hands fd to the caller (spawn_collect's ret_fd).  -errno. */
int spawn_send_fd(int sock, int fd);

/* The caller's side, once its own copy of the other end is closed: reads reports until
 * end of file.  The first failure fills err (its code, errno and message) and is
 * returned as -errno; an fd handed over goes to *ret_fd (closed when ret_fd is NULL);
 * 0 when the program runs.  No end of file within timeout_ms: -ETIMEDOUT, with
 * VZ_E_TIMEOUT (the caller kills what it started). */
int spawn_collect(int sock, int *ret_fd, long timeout_ms, vz_err *err);

/* A new process born in cg (clone3 with CLONE_INTO_CGROUP), with the namespaces of
 * flags (CLONE_NEW*), the caller's child.  Returns as fork does.  On kernels without
 * CLONE_INTO_CGROUP (before 5.7) a process of a moment joins cg and creates it with
 * CLONE_PARENT, so that it is still born in cg and still the caller's child while the
 * caller stays out of cg; that process reports its own failure on sock. */
pid_t spawn_clone(bc_cgroup *cg, uint64_t flags, int sock);

/* fds[0..2] (in any order, 0..2 among them) as 0, 1, 2, for a process that must hold
 * no other stream from the moment it exists.  -errno. */
int spawn_install_fds(const int fds[3]);

/* Every signal to its default disposition and the mask to mask (NULL: none blocked):
 * what a process of ours starts from, before it runs code of its own. */
void spawn_signals_default(const sigset_t *mask);

/* The last steps of every process that enters a CT, once it is in the CT's namespaces
 * and root. */
struct spawn_exec {
	int sock;               /* the report channel (close-on-exec) */
	uint64_t capbnd;        /* the capability bounding set to keep */
	int pty_master;         /* >= 0: its slave becomes 0..2 and the controlling terminal */
	const int *fds;         /* else, when not NULL: the fds for 0..2, in any order */
				/* else: 0..2 on the CT's /dev/null */
	const sigset_t *mask;   /* the program's signal mask; NULL: none blocked */
	const char *path;       /* the program; NULL: argv[0] looked up in envp's PATH */
	char *const *argv;
	char *const *envp;
	int exec_code;          /* the exit code a failed exec reports */
	const char *ctid;       /* for messages */
};
/* Sets the process up as x says, in this order: a session of its own (kept when it
 * leads one already), 0..2, the bounding set dropped to x->capbnd and the inheritable
 * and ambient sets cleared, every fd but 0..2 and the channel closed, every signal to
 * its default and the mask set, the system-call filter loaded, then exec.  Any failure
 * is reported on x->sock. */
__attribute__((noreturn))
void spawn_exec(const struct spawn_exec *x);

#endif
