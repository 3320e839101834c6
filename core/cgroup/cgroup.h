/* core/cgroup: the only door to cgroup files.  Finds the cgroup2 mount (libcgroup),
 * creates, opens, reads, writes, attaches to, kills, waits for and removes a CT's
 * cgroup, the CTs' parent and the root; walks the threads of a cgroup tree.  Every
 * path is resolved below the mount with no symlink followed.  Uses host (for
 * CT_CGROUP_PARENT) and base.
 *
 * Errors follow conf/conf.h: negative errno plus a filled vz_err; outputs are
 * untouched on failure; nothing here prints. */
#ifndef VZ_CORE_CGROUP_H
#define VZ_CORE_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf/conf.h"
#include "core/host/host.h"

/* A CT's cgroup: <cgroup2 mount>/<parent>/<name>.  Every read and write of a cgroup
 * file in the project goes through these functions. */
typedef struct bc_cgroup bc_cgroup;

/* Creates the cgroup (and the parent when missing), enabling in the parent's
 * cgroup.subtree_control every controller the parent offers. */
int bc_cg_create(const struct vz_host *host, const char *name, bc_cgroup **ret, vz_err *err);
/* Opens an existing cgroup; -ENOENT when it does not exist. */
int bc_cg_open(const struct vz_host *host, const char *name, bc_cgroup **ret, vz_err *err);
/* A cgroup below it: <parent>/<name>/<below> (below: "a/b", each component a plain
 * name; "" is the cgroup itself).  -ENOENT when it does not exist. */
int bc_cg_open_below(const struct vz_host *host, const char *name, const char *below,
		     bc_cgroup **ret, vz_err *err);
void bc_cg_free(bc_cgroup *cg);
static inline void bc_cg_freep(bc_cgroup **p) { bc_cg_free(*p); }
#define _cleanup_cgroup_ __attribute__((cleanup(bc_cg_freep)))
/* The O_PATH fd of the cgroup's directory (owned by the handle), for clone3's
 * CLONE_INTO_CGROUP. */
int bc_cg_dirfd(const bc_cgroup *cg);
/* The O_PATH fd of the cgroup2 mount that the backend opens on first use and keeps for
 * the process's life (-1 before): a process that closes its fds keeps this one. */
int bc_cg_root_fd(void);

/* Writes one file ("pids.max", "memory.max"). The message names the file, the value
 * and, for a missing file, the controller that is not enabled. */
int bc_cg_write(bc_cgroup *cg, const char *file, const char *value, vz_err *err);
/* Reads one file whole (malloc'd, trailing newline removed). */
int bc_cg_read(bc_cgroup *cg, const char *file, char **ret, vz_err *err);
/* Reads a single-value file as a number: `max` gives UINT64_MAX. */
int bc_cg_read_u64(bc_cgroup *cg, const char *file, uint64_t *ret, vz_err *err);
/* Reads one key of a flat-keyed file ("pids.events" "max"); -ENOENT for a missing key. */
int bc_cg_read_key(bc_cgroup *cg, const char *file, const char *key, uint64_t *ret, vz_err *err);
/* Moves a process into the cgroup. */
int bc_cg_attach(bc_cgroup *cg, pid_t pid, vz_err *err);
/* Number of processes in the cgroup (cgroup.procs), 0 for an empty one. */
int bc_cg_nprocs(bc_cgroup *cg, vz_err *err);
/* Removes the cgroup, with the cgroups made below it, deepest first; they hold no
 * process (after a kill).  The handle is still to be freed. */
int bc_cg_destroy(bc_cgroup *cg, vz_err *err);

/* Parses a value as the kernel prints it: decimal, or `max` as UINT64_MAX. */
int bc_parse_kernel_u64(const char *text, uint64_t *ret);

/* The CTs' parent (CT_CGROUP_PARENT) for reading the host's figures; *is_root says
 * whether it is the cgroup2 root itself (then *ret is NULL: nothing to subtract from).
 * -ENOENT when it does not exist yet (no CT ever ran); *is_root is set even then. */
int bc_cg_open_parent(const struct vz_host *host, bc_cgroup **ret, bool *is_root, vz_err *err);
/* The cgroup2 root, for reading the whole system's figures. */
int bc_cg_open_root(bc_cgroup **ret, vz_err *err);

/* Waits up to ms for the cgroup (and its children) to hold no process; true when it
 * emptied. */
bool bc_cg_wait_empty(bc_cgroup *cg, long ms);
/* Kills everything in the cgroup (cgroup.kill), waits for it to empty and removes it. */
int bc_cg_kill_destroy(bc_cgroup *cg, vz_err *err);

/* How deep the cgroups a CT makes below its own may go: start sets it as the CT's
 * cgroup.max.depth (bc_cg_bound_depth), which the CT cannot raise (nsdelegate), so the
 * walks below see every one of them. */
#define BC_CG_DEPTH_MAX 32
int bc_cg_bound_depth(bc_cgroup *cg, vz_err *err);

/* The sum of key in the flat-keyed file over the cgroup and every cgroup below it
 * (pids.events' max before Linux 6.8, which counts a refused fork only in the cgroup
 * that forked); -errno when the cgroup's own file cannot be read. */
int bc_cg_sum_key_below(bc_cgroup *cg, const char *file, const char *key, uint64_t *ret);

/* fn with each pid of the cgroup and of every cgroup below it (cgroup.procs). */
int bc_cg_walk_procs(bc_cgroup *cg, void (*fn)(void *ctx, pid_t pid), void *ctx);

/* Hands the cgroup to a CT's root (uid, gid: host ids), as systemd's Delegate= does: its
 * directory (to make cgroups below it) and its cgroup.procs, cgroup.threads and
 * cgroup.subtree_control.  Its own limits stay the host's. */
int bc_cg_delegate(bc_cgroup *cg, uid_t uid, gid_t gid, vz_err *err);
/* 0 when the cgroup2 mount has nsdelegate: a cgroup namespace is then a delegation
 * boundary, and inside it the files of its root other than those three refuse writes.
 * Without it, VZ_E_MOUNT with a message that names the remount that fixes it. */
int bc_cg_check_nsdelegate(vz_err *err);

/* Calls fn with each thread id listed in cgroup.threads of the cgroup rel below dirfd
 * (bc_cg_root_fd(), or a directory laid out the same way) and of every cgroup below
 * it.  Cgroups that go away meanwhile are skipped; -errno when rel itself cannot be
 * read. */
int bc_cg_walk_threads(int dirfd, const char *rel, void (*fn)(void *ctx, pid_t tid), void *ctx);

#endif
