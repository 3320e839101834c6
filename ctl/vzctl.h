/* vzctl's commands, each in ctl/vzctl-<command>.c. */
#ifndef VZ_VZCTL_H
#define VZ_VZCTL_H

#include <stdbool.h>

#include "core/acct/acct.h"
#include "core/ct/ct.h"

/* What every command gets: the host settings, the CT it acts on, the global flags. */
struct vzctl_ctx {
	struct vz_host host;
	unsigned long ctid;
	char ctid_str[16];
	bool skiplock;
};

/* Opens the command's CT under its lock (status: "set", "starting", ...; none with
 * --skiplock), the warnings of reading its config to warn (may be NULL); prints why
 * not and returns the exit code, else 0.  ctl/vzctl.c. */
int vzctl_open(struct vzctl_ctx *ctx, const char *status, const vz_warn *warn,
	       struct ct_handle *ct);

/* `vzctl set CTID [options]`: argv[0] is "set"; returns the exit code. */
int vzctl_set(struct vzctl_ctx *ctx, int argc, char **argv);
/* ctl/vzctl-create.c: create, destroy|delete. */
int vzctl_create(struct vzctl_ctx *ctx, int argc, char **argv);
int vzctl_destroy(struct vzctl_ctx *ctx, int argc, char **argv);
/* ctl/vzctl-mount.c: mount, umount, status. */
int vzctl_mount(struct vzctl_ctx *ctx, int argc, char **argv);
int vzctl_umount(struct vzctl_ctx *ctx, int argc, char **argv);
int vzctl_status(struct vzctl_ctx *ctx, int argc, char **argv);
/* ctl/vzctl-start.c: start, stop, restart. */
int vzctl_start(struct vzctl_ctx *ctx, int argc, char **argv);
int vzctl_stop(struct vzctl_ctx *ctx, int argc, char **argv);
int vzctl_restart(struct vzctl_ctx *ctx, int argc, char **argv);
/* ctl/vzctl-exec.c: exec, exec2, runscript, enter (no lock, as vzctl). */
int vzctl_exec(struct vzctl_ctx *ctx, int argc, char **argv);
int vzctl_exec2(struct vzctl_ctx *ctx, int argc, char **argv);
int vzctl_runscript(struct vzctl_ctx *ctx, int argc, char **argv);
int vzctl_enter(struct vzctl_ctx *ctx, int argc, char **argv);
/* ctl/vzctl-console.c: console (no lock, as exec). */
int vzctl_console(struct vzctl_ctx *ctx, int argc, char **argv);

#endif
