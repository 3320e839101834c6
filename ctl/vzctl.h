/* vzctl's commands, each in ctl/vzctl-<command>.c. */
#ifndef VZ_VZCTL_H
#define VZ_VZCTL_H

#include <stdbool.h>

#include "core/bc.h"

/* What every command gets: the host settings, the CT it acts on, the global flags. */
struct vzctl_ctx {
	struct vz_host host;
	unsigned long ctid;
	char ctid_str[16];
	bool skiplock;
};

/* `vzctl set CTID [options]`: argv[0] is "set"; returns the exit code. */
int vzctl_set(struct vzctl_ctx *ctx, int argc, char **argv);

#endif
