/* vzctl mount, umount and status. */
#include <stdio.h>

#include "ctl/cli.h"
#include "ctl/vzctl.h"

static int no_options(const char *prog, int argc, char **argv)
{
	if (argc > 1)
		return cli_usage_error(prog, "unexpected argument '%s'", argv[1]);
	return 0;
}

static int under_lock(struct vzctl_ctx *ctx, const char *status,
		      int (*fn)(const struct vz_host *host, const char *ctid, vz_err *err),
		      const char *done)
{
	struct ct_handle ct;
	vz_err err;
	int r = vzctl_open(ctx, status, NULL, &ct);

	if (r)
		return r;
	if (fn(&ctx->host, ctx->ctid_str, &err) < 0)
		r = cli_report(&err);
	else
		cli_info("%s", done);
	ct_close(&ct);
	return r;
}

int vzctl_mount(struct vzctl_ctx *ctx, int argc, char **argv)
{
	int r = no_options("vzctl mount", argc, argv);

	return r ? r : under_lock(ctx, "mounting", ct_mount, "Container is mounted");
}

int vzctl_umount(struct vzctl_ctx *ctx, int argc, char **argv)
{
	int r = no_options("vzctl umount", argc, argv);

	return r ? r : under_lock(ctx, "unmounting", ct_umount, "Container is unmounted");
}

/* Exactly OpenVZ's line: scripts parse it.  No lock: it only reads. */
int vzctl_status(struct vzctl_ctx *ctx, int argc, char **argv)
{
	struct ct_state s;
	vz_err err;
	int r = no_options("vzctl status", argc, argv);

	if (r)
		return r;
	if (ct_state_get(&ctx->host, ctx->ctid_str, &s, &err) < 0)
		return cli_report(&err);
	printf("CTID %s %s %s %s%s\n", ctx->ctid_str, s.exist ? "exist" : "deleted",
	       s.mounted ? "mounted" : "unmounted", s.running ? "running" : "down",
	       s.suspended ? " suspended" : "");
	return 0;
}
