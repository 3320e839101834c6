/* vzctl create and destroy|delete: a CT's private area and config come and go. */
#include <getopt.h>
#include <stdio.h>

#include "ctl/cli.h"
#include "ctl/vzctl.h"

enum {
	OPT_OSTEMPLATE = 1000, OPT_CONFIG, OPT_PRIVATE, OPT_ROOT, OPT_HOSTNAME, OPT_NAME,
	OPT_LOCAL_UID, OPT_LOCAL_GID,
};

static const struct option create_options[] = {
	{ "ostemplate", required_argument, NULL, OPT_OSTEMPLATE },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "private", required_argument, NULL, OPT_PRIVATE },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "local_uid", required_argument, NULL, OPT_LOCAL_UID },
	{ "local_gid", required_argument, NULL, OPT_LOCAL_GID },
	{ 0 },
};

static void print_note(void *ctx, const char *msg)
{
	(void)ctx;
	cli_info("%s", msg);
}

static const vz_warn cli_note = { print_note, NULL };

/* --local_uid N, --local_gid N: nonzero when N is no host id a CT's root may have. */
static int parse_id(const char *opt, const char *value, unsigned long *ret)
{
	vz_err why;

	if (ct_parse_local_id(value, ret, &why) == 0)
		return 0;
	fprintf(stderr, "Bad parameter for --%s: %s (%s)\n", opt, value, why.msg);
	return 1;
}

static int parse_create(int argc, char **argv, struct ct_create_opts *o)
{
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", create_options, NULL)) != -1) {
		switch (c) {
		case OPT_OSTEMPLATE: o->ostemplate = optarg; break;
		case OPT_CONFIG: o->config = optarg; break;
		case OPT_PRIVATE: o->private = optarg; break;
		case OPT_ROOT: o->root = optarg; break;
		case OPT_HOSTNAME: o->hostname = optarg; break;
		case OPT_NAME: o->name = optarg; break;
		case OPT_LOCAL_UID:
			o->has_local_uid = true;
			if (parse_id("local_uid", optarg, &o->local_uid))
				return VZ_E_VALUE;
			break;
		case OPT_LOCAL_GID:
			o->has_local_gid = true;
			if (parse_id("local_gid", optarg, &o->local_gid))
				return VZ_E_VALUE;
			break;
		default:
			return cli_usage_error("vzctl create", "invalid or incomplete option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("vzctl create", "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* Runs fn under the CT lock (unless --skiplock); returns the exit code. */
static int locked(struct vzctl_ctx *ctx, const char *status,
		  int (*fn)(struct vzctl_ctx *ctx, void *arg, vz_err *err), void *arg)
{
	struct ct_handle ct;
	vz_err err;
	int r = vzctl_open(ctx, status, NULL, &ct);

	if (r)
		return r;
	if (fn(ctx, arg, &err) < 0)
		r = cli_report(&err);
	ct_close(&ct);
	return r;
}

static int do_create(struct vzctl_ctx *ctx, void *arg, vz_err *err)
{
	int r = ct_create(&ctx->host, ctx->ctid_str, arg, err);
	_cleanup_free_ char *conf = NULL;

	if (r < 0)
		return r;
	conf = vz_host_ct_conf_path(&ctx->host, ctx->ctid_str);
	if (conf)
		cli_info("CT configuration saved to %s", conf);
	cli_info("Container private area was created");
	return 0;
}

int vzctl_create(struct vzctl_ctx *ctx, int argc, char **argv)
{
	struct ct_create_opts o = { .note = &cli_note };
	int r = parse_create(argc, argv, &o);

	return r ? r : locked(ctx, "create", do_create, &o);
}

static int do_destroy(struct vzctl_ctx *ctx, void *arg, vz_err *err)
{
	int r;

	(void)arg;
	r = ct_destroy(&ctx->host, ctx->ctid_str, &cli_note, err);
	if (r == 0)
		cli_info("Container private area was destroyed");
	return r;
}

int vzctl_destroy(struct vzctl_ctx *ctx, int argc, char **argv)
{
	if (argc > 1)
		return cli_usage_error("vzctl destroy", "unexpected argument '%s'", argv[1]);
	return locked(ctx, "destroying", do_destroy, NULL);
}
