/* vzctl start, stop and restart. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl/cli.h"
#include "ctl/vzctl.h"

enum { OPT_WAIT = 1, OPT_FORCE, OPT_FAST, OPT_SKIP_FSCK, OPT_SKIP_REMOUNT, OPT_SKIP_UMOUNT };

static void print_note(void *ctx, const char *msg)
{
	(void)ctx;
	cli_info("%s", msg);
}

static const vz_warn start_note = { print_note, NULL };

/* Options of start and stop (reference §3.1).  --force starts a CT marked DISABLED; the
 * --skip-* options of vzctl are accepted: nothing here checks a filesystem or
 * remounts. */
static int parse_run_opts(const char *prog, int argc, char **argv, bool is_start,
			  struct ct_run_opts *o)
{
	static const struct option start_opts[] = {
		{ "wait", no_argument, NULL, OPT_WAIT },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "skip-fsck", no_argument, NULL, OPT_SKIP_FSCK },
		{ "skip-remount", no_argument, NULL, OPT_SKIP_REMOUNT },
		{ 0 },
	};
	static const struct option stop_opts[] = {
		{ "fast", no_argument, NULL, OPT_FAST },
		{ "skip-umount", no_argument, NULL, OPT_SKIP_UMOUNT },
		{ 0 },
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", is_start ? start_opts : stop_opts, NULL)) != -1) {
		switch (c) {
		case OPT_WAIT:
			o->wait = true;
			break;
		case OPT_FAST:
			o->fast = true;
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case OPT_SKIP_FSCK:
		case OPT_SKIP_REMOUNT:
		case OPT_SKIP_UMOUNT:
			break;
		default:
			return cli_usage_error(prog, "invalid option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* Runs cmd on the CT opened under status; returns the exit code. */
static int run(struct vzctl_ctx *ctx, const char *status,
	       int (*cmd)(struct ct_handle *ct, const struct ct_run_opts *o, vz_err *err),
	       const struct ct_run_opts *o)
{
	struct ct_handle ct;
	vz_err err;
	int r = vzctl_open(ctx, status, NULL, &ct);

	if (r)
		return r;
	if (cmd(&ct, o, &err) < 0)
		r = cli_report(&err);
	ct_close(&ct);
	return r;
}

int vzctl_start(struct vzctl_ctx *ctx, int argc, char **argv)
{
	struct ct_run_opts o = { .timeout = -1, .note = &start_note };
	int r = parse_run_opts("vzctl start", argc, argv, true, &o);

	return r ? r : run(ctx, "starting", ct_start, &o);
}

int vzctl_stop(struct vzctl_ctx *ctx, int argc, char **argv)
{
	struct ct_run_opts o = { .timeout = -1, .note = &start_note };
	int r = parse_run_opts("vzctl stop", argc, argv, false, &o);

	return r ? r : run(ctx, "stopping", ct_stop, &o);
}

/* Stop when running, then start, under one lock. */
int vzctl_restart(struct vzctl_ctx *ctx, int argc, char **argv)
{
	struct ct_run_opts o = { .timeout = -1, .note = &start_note };
	int r = parse_run_opts("vzctl restart", argc, argv, true, &o);

	return r ? r : run(ctx, "restarting", ct_restart, &o);
}
