/* vzctl: the OpenVZ command, on a stock kernel. */
#include <stdio.h>
#include <string.h>

#include "ctl/cli.h"
#include "ctl/vzctl.h"

#define VZCTL_VERSION "0.1"

struct command {
	const char *name;
	int (*run)(struct vzctl_ctx *ctx, int argc, char **argv);
};

static const struct command commands[] = {
	{ "set", vzctl_set },
	{ "create", vzctl_create },
	{ "destroy", vzctl_destroy },
	{ "delete", vzctl_destroy },
	{ "mount", vzctl_mount },
	{ "umount", vzctl_umount },
	{ "status", vzctl_status },
	{ "start", vzctl_start },
	{ "stop", vzctl_stop },
	{ "restart", vzctl_restart },
	{ "exec", vzctl_exec },
	{ "exec2", vzctl_exec2 },
	{ "runscript", vzctl_runscript },
	{ "enter", vzctl_enter },
	{ "console", vzctl_console },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vzctl [--quiet|--verbose] [--skiplock] COMMAND CTID [options]\n"
		"       vzctl --help | --version\n"
		"\n"
		"Commands:\n"
		"  set CTID [--save] [--force] [--setmode restart|ignore] [--reset_ub]\n"
		"      [--applyconfig NAME] [--hostname NAME] [--name NAME]\n"
		"      [--ram BYTES] [--swap BYTES] [--vm_overcommit FLOAT]\n"
		"      [--cpuunits 8..500000] [--cpulimit N[%%]] [--cpus N] [--cpumask LIST|all]\n"
		"      [--ioprio 0..7]\n"
		"      [--<ubc> BARRIER[:LIMIT]] for every beancounter: kmemsize (-k),\n"
		"      lockedpages (-l), privvmpages, shmpages, numproc (-p), physpages,\n"
		"      vmguarpages, oomguarpages, numtcpsock, numflock (-f), numpty (-t),\n"
		"      numsiginfo (-i), tcpsndbuf, tcprcvbuf (-b), othersockbuf, dgramrcvbuf,\n"
		"      numothersock, dcachesize (-x), numfile (-n), numiptent (-e),\n"
		"      avnumproc, swappages\n"
		"  create CTID [--ostemplate NAME] [--config SAMPLE] [--private PATH]\n"
		"      [--root PATH] [--hostname NAME] [--name NAME]\n"
		"      [--local_uid ID] [--local_gid ID]   (0: privileged; unset with USERNS=yes:\n"
		"      a host id range of its own)\n"
		"  destroy | delete CTID\n"
		"  mount | umount | status CTID\n"
		"  start CTID [--wait] [--force]\n"
		"  stop CTID [--fast]\n"
		"  restart CTID\n"
		"  exec | exec2 CTID COMMAND [ARG ...] | -   (exec: 8 when it fails; exec2: its status)\n"
		"  runscript CTID SCRIPT\n"
		"  enter CTID [--exec COMMAND [ARG ...]]\n"
		"  console CTID [ttynum]   (attach to /dev/console, or /dev/ttyN; Esc . detaches)\n"
		"\n"
		"Values: N or BARRIER:LIMIT; suffixes K M G T (x1024), P (pages), B (bytes);\n"
		"'unlimited'.  The global config is /etc/vz/vz.conf, or $VZ_CONF.\n");
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* Global flags stand before the command (reference §3.1). */
static int parse_global_flags(int argc, char **argv, struct vzctl_ctx *ctx, int *ret_index)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--quiet")) {
			cli_verbosity = -1;
		} else if (!strcmp(argv[i], "--verbose")) {
			cli_verbosity++;
		} else if (!strcmp(argv[i], "--skiplock")) {
			ctx->skiplock = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return -1;
		} else if (!strcmp(argv[i], "--version")) {
			printf("vzctl version %s\n", VZCTL_VERSION);
			return -1;
		} else {
			return cli_usage_error("vzctl", "invalid option '%s'", argv[i]);
		}
	}
	*ret_index = i;
	return 0;
}

int vzctl_open(struct vzctl_ctx *ctx, const char *status, const vz_warn *warn,
	       struct ct_handle *ct)
{
	vz_err err;

	if (ct_open(&ctx->host, ctx->ctid, ctx->skiplock ? NULL : status, warn, ct, &err) < 0)
		return cli_report(&err);
	return 0;
}

int main(int argc, char **argv)
{
	struct vzctl_ctx ctx = { 0 };
	const struct command *cmd;
	vz_err err;
	int i = 1, r;

	r = parse_global_flags(argc, argv, &ctx, &i);
	if (r != 0)
		return r < 0 ? 0 : r;
	if (i >= argc) {
		usage(stderr);
		return VZ_E_SYNTAX;
	}
	cmd = find_command(argv[i]);
	if (!cmd)
		return cli_usage_error("vzctl", "Bad command: %s", argv[i]);
	if (i + 1 >= argc)
		return cli_usage_error("vzctl", "CT ID missing after '%s'", argv[i]);
	if (vz_host_load(&ctx.host, &cli_warn, &err) < 0)
		return cli_report(&err);
	/* The id becomes file names: it is checked before anything else is done. */
	if (ct_resolve(&ctx.host, argv[i + 1], &ctx.ctid, &err) < 0) {
		vz_host_free(&ctx.host);
		return cli_report(&err);
	}
	snprintf(ctx.ctid_str, sizeof(ctx.ctid_str), "%lu", ctx.ctid);
	/* The command sees its own name in argv[0] and its options after the CT id. */
	argv[i + 1] = argv[i];
	r = cmd->run(&ctx, argc - i - 1, argv + i + 1);
	vz_host_free(&ctx.host);
	return r;
}
