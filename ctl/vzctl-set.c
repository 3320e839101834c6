/* vzctl set: parse the options, check every value, then write the CT's config. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/cli.h"
#include "ctl/vzctl.h"

enum {
	OPT_UBC = 1000, /* OPT_UBC + resource id */
	OPT_SAVE = 2000,
	OPT_FORCE,
	OPT_SETMODE,
	OPT_RESET_UB,
	OPT_APPLYCONFIG,
	OPT_HOSTNAME,
	OPT_NAME,
	OPT_RAM,
	OPT_SWAP,
	OPT_VM_OVERCOMMIT,
	OPT_CPUUNITS,
	OPT_CPULIMIT,
	OPT_CPUS,
	OPT_CPUMASK,
	OPT_IOPRIO,
	OPT_IOLIMIT,
	OPT_IOPSLIMIT,
	OPT_DISABLED,
	OPT_LOCAL_UID,
	OPT_LOCAL_GID,
};

enum setmode { SETMODE_NONE, SETMODE_RESTART, SETMODE_IGNORE };

/* Everything the command line asked for; only what was given is written. */
struct set_req {
	struct ct_res res;
	bool has_ram, has_swap;
	unsigned long ram_pages, swap_pages;
	bool save, force, reset_ub;
	enum setmode setmode;
	const char *applyconfig;
	const char *name;
	int changes; /* options that change something */
};

static const struct option fixed_options[] = {
	{ "save", no_argument, NULL, OPT_SAVE },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "setmode", required_argument, NULL, OPT_SETMODE },
	{ "reset_ub", no_argument, NULL, OPT_RESET_UB },
	{ "applyconfig", required_argument, NULL, OPT_APPLYCONFIG },
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "ram", required_argument, NULL, OPT_RAM },
	{ "swap", required_argument, NULL, OPT_SWAP },
	{ "vm_overcommit", required_argument, NULL, OPT_VM_OVERCOMMIT },
	{ "cpuunits", required_argument, NULL, OPT_CPUUNITS },
	{ "cpulimit", required_argument, NULL, OPT_CPULIMIT },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "cpumask", required_argument, NULL, OPT_CPUMASK },
	{ "ioprio", required_argument, NULL, OPT_IOPRIO },
	{ "iolimit", required_argument, NULL, OPT_IOLIMIT },
	{ "iopslimit", required_argument, NULL, OPT_IOPSLIMIT },
	{ "disabled", required_argument, NULL, OPT_DISABLED },
	{ "local_uid", required_argument, NULL, OPT_LOCAL_UID },
	{ "local_gid", required_argument, NULL, OPT_LOCAL_GID },
};
#define N_FIXED (sizeof(fixed_options) / sizeof(fixed_options[0]))

/* The long options: the fixed ones, then one per beancounter, from the table. */
static void build_options(struct option *opts, char *shortopts, size_t shortlen)
{
	size_t n = 0, s = 0;

	memcpy(opts, fixed_options, sizeof(fixed_options));
	n = N_FIXED;
	for (int id = 0; id < UB_PARAM_COUNT; id++) {
		const struct ubc_res *res = ubc_by_id(id);

		if (!res)
			continue;
		opts[n++] = (struct option){ res->name, required_argument, NULL, OPT_UBC + id };
		if (res->short_opt && s + 3 < shortlen) {
			shortopts[s++] = res->short_opt;
			shortopts[s++] = ':';
		}
	}
	opts[n] = (struct option){ 0 };
	shortopts[s] = '\0';
}

static int bad_value(const char *opt, const char *value, const vz_err *why)
{
	fprintf(stderr, "Bad parameter for --%s: %s (%s)\n", opt, value, why->msg);
	return VZ_E_VALUE;
}

static int parse_ubc(struct set_req *req, int id, const char *value)
{
	const struct ubc_res *res = ubc_by_id(id);
	struct ubc_pair *p = &req->res.ub[id];
	vz_err why;

	if (vz_parse_barlim(value, res->unit, &p->bar, &p->lim, &cli_warn, &why) < 0)
		return bad_value(res->name, value, &why);
	p->set = true;
	return 0;
}

static int parse_pages_of_bytes(const char *opt, const char *value, unsigned long *ret)
{
	unsigned long bytes;
	vz_err why;

	if (vz_parse_value(value, VZ_UNIT_BYTES, &bytes, &cli_warn, &why) < 0)
		return bad_value(opt, value, &why);
	/* vzctl rounds --ram and --swap up to whole pages. */
	*ret = bytes >= VZ_UNLIMITED ? VZ_UNLIMITED : (bytes + VZ_PAGE_SIZE - 1) / VZ_PAGE_SIZE;
	return 0;
}

static unsigned long host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned long)n : 1;
}

static int parse_string_opt(struct set_req *req, int code, const char *value)
{
	vz_err why;

	switch (code) {
	case OPT_SETMODE:
		if (!strcmp(value, "restart"))
			req->setmode = SETMODE_RESTART;
		else if (!strcmp(value, "ignore"))
			req->setmode = SETMODE_IGNORE;
		else
			return bad_value("setmode", value,
					 &(vz_err){ .msg = "use restart or ignore" });
		return 0;
	case OPT_APPLYCONFIG:
		if (!*value || strchr(value, '/'))
			return bad_value("applyconfig", value,
					 &(vz_err){ .msg = "a sample name such as basic, without '/'" });
		req->applyconfig = value;
		return 0;
	case OPT_HOSTNAME:
		if (!ct_hostname_valid(value))
			return bad_value("hostname", value,
					 &(vz_err){ .msg = "letters, digits, '-' and '.' only" });
		free(req->res.hostname);
		req->res.hostname = strdup(value);
		return req->res.hostname ? 0 : VZ_E_NOMEM;
	case OPT_NAME:
		if (!ct_name_valid(value))
			return bad_value("name", value,
					 &(vz_err){ .msg = "1 to 64 of A-Z a-z 0-9 . _ -, not all digits" });
		req->name = value;
		return 0;
	case OPT_CPUMASK:
		free(req->res.cpumask);
		req->res.cpumask = NULL;
		if (ct_parse_cpumask(value, &req->res.cpumask, &why) < 0)
			return bad_value("cpumask", value, &why);
		return 0;
	}
	return VZ_E_SYNTAX;
}

/* One option; returns 0 or the exit code. */
static int parse_one(struct set_req *req, int code, const char *value)
{
	struct ct_res *r = &req->res;
	vz_err why;

	if (code >= OPT_UBC && code < OPT_UBC + UB_PARAM_COUNT)
		return parse_ubc(req, code - OPT_UBC, value);
	switch (code) {
	case OPT_RAM:
		req->has_ram = true;
		return parse_pages_of_bytes("ram", value, &req->ram_pages);
	case OPT_SWAP:
		req->has_swap = true;
		return parse_pages_of_bytes("swap", value, &req->swap_pages);
	case OPT_VM_OVERCOMMIT:
		r->has_vm_overcommit = true;
		return ct_parse_overcommit(value, &r->vm_overcommit, &why) < 0
			       ? bad_value("vm_overcommit", value, &why) : 0;
	case OPT_CPUUNITS:
		r->has_cpuunits = true;
		return ct_parse_cpuunits(value, &r->cpuunits, &why) < 0
			       ? bad_value("cpuunits", value, &why) : 0;
	case OPT_CPULIMIT:
		r->has_cpulimit = true;
		return ct_parse_cpulimit(value, host_cpus(), &r->cpulimit, &why) < 0
			       ? bad_value("cpulimit", value, &why) : 0;
	case OPT_CPUS:
		r->has_cpus = true;
		return ct_parse_cpus(value, &r->cpus, &why) < 0 ? bad_value("cpus", value, &why) : 0;
	case OPT_IOPRIO:
		r->has_ioprio = true;
		return ct_parse_ioprio(value, &r->ioprio, &why) < 0 ? bad_value("ioprio", value, &why) : 0;
	case OPT_IOLIMIT:
		r->has_iolimit = true;
		return ct_parse_iolimit(value, &r->iolimit, &why) < 0
			       ? bad_value("iolimit", value, &why) : 0;
	case OPT_IOPSLIMIT:
		r->has_iopslimit = true;
		return ct_parse_count(value, &r->iopslimit, &why) < 0
			       ? bad_value("iopslimit", value, &why) : 0;
	case OPT_DISABLED:
		r->has_disabled = true;
		return ct_parse_yesno(value, &r->disabled, &why) < 0
			       ? bad_value("disabled", value, &why) : 0;
	case OPT_LOCAL_UID:
		r->has_local_uid = true;
		return ct_parse_local_id(value, &r->local_uid, &why) < 0
			       ? bad_value("local_uid", value, &why) : 0;
	case OPT_LOCAL_GID:
		r->has_local_gid = true;
		return ct_parse_local_id(value, &r->local_gid, &why) < 0
			       ? bad_value("local_gid", value, &why) : 0;
	}
	return parse_string_opt(req, code, value);
}

static int parse_options(int argc, char **argv, struct set_req *req)
{
	struct option opts[N_FIXED + UB_PARAM_COUNT + 1];
	char shortopts[2 * UB_PARAM_COUNT + 2];
	int c, r;

	build_options(opts, shortopts, sizeof(shortopts));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return cli_usage_error("vzctl set", "invalid or incomplete option '%s'",
					       argv[optind - 1]);
		for (int id = 0; id < UB_PARAM_COUNT; id++) {
			const struct ubc_res *res = ubc_by_id(id);

			if (res && res->short_opt == c)
				c = OPT_UBC + id;
		}
		switch (c) {
		case OPT_SAVE:
			req->save = true;
			continue;
		case OPT_FORCE:
			req->force = true;
			continue;
		case OPT_RESET_UB:
			req->reset_ub = true;
			continue;
		}
		r = parse_one(req, c, optarg);
		if (r)
			return r;
		if (c != OPT_SETMODE)
			req->changes++;
	}
	if (optind < argc)
		return cli_usage_error("vzctl set", "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* Combinations OpenVZ refuses (reference §3.3). */
static int check_combinations(const struct set_req *req)
{
	if (req->reset_ub && (req->changes || req->save || req->setmode))
		return cli_usage_error("vzctl set", "--reset_ub cannot be combined with other options");
	if (req->force && !req->save)
		return cli_usage_error("vzctl set", "--force makes sense only with --save");
	if (req->setmode == SETMODE_RESTART && !req->save)
		return cli_usage_error("vzctl set",
				       "--setmode restart doesn't make sense without --save flag");
	if (req->name && !req->save) {
		fprintf(stderr, "Error: unable to use --name option without --save\n");
		return VZ_E_CT_NAME;
	}
	if (!req->reset_ub && !req->changes)
		return cli_usage_error("vzctl set", "nothing to set: give at least one parameter");
	return 0;
}

static void copy_sample_key(void *ctx, const char *key, const char *value)
{
	static const char *const kept[] = { "HOSTNAME", "IP_ADDRESS", "OSTEMPLATE",
					    "VE_ROOT", "VE_PRIVATE", "NAME" };
	struct { vz_conf *cf; int rc; } *c = ctx;

	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (!strcmp(key, kept[i]))
			return;
	if (c->rc == 0)
		c->rc = vz_conf_set(c->cf, key, value);
}

/* --applyconfig: every key of ve-<name>.conf-sample but the CT's own identity. */
static int apply_sample(const struct vzctl_ctx *ctx, const char *name, vz_conf *cf, vz_err *err)
{
	_cleanup_conf_ vz_conf *sample = NULL;
	struct { vz_conf *cf; int rc; } c = { cf, 0 };
	char path[4096];
	int r;

	snprintf(path, sizeof(path), "%s/ve-%s.conf-sample", ctx->host.confdir, name);
	r = vz_conf_load(path, &sample, &cli_warn, err);
	if (r < 0)
		return vz_fail(err, VZ_E_APPLY_CONFIG, -r,
			       "Sample config %s not found: %s; see the ve-*.conf-sample files in %s",
			       path, strerror(-r), ctx->host.confdir);
	vz_conf_foreach(sample, copy_sample_key, &c);
	return c.rc < 0 ? vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory") : 0;
}

static int set_pages_pair(vz_conf *cf, const char *key, unsigned long pages)
{
	char buf[64];

	return vz_conf_set(cf, key, vz_format_barlim(0, pages, buf, sizeof(buf)));
}

static int check_name_free(const struct vzctl_ctx *ctx, const char *name, vz_err *err)
{
	unsigned long owner = ct_find_name(&ctx->host, name);

	if (owner && owner != ctx->ctid)
		return vz_fail(err, VZ_E_CT_NAME, EEXIST,
			       "Name %s is already in use by CT %lu; pick another name", name, owner);
	return 0;
}

/* Puts the request into the config, in the order vzctl does: sample first, then
 * the options, which win over it. */
static int merge_into_conf(const struct vzctl_ctx *ctx, const struct set_req *req, vz_conf *cf,
			   vz_err *err)
{
	int r = 0;

	if (req->applyconfig && (r = apply_sample(ctx, req->applyconfig, cf, err)) < 0)
		return r;
	if ((r = ct_res_to_conf(&req->res, cf, err)) < 0)
		return r;
	if (req->has_ram)
		r = set_pages_pair(cf, "PHYSPAGES", req->ram_pages);
	if (r == 0 && req->has_swap)
		r = set_pages_pair(cf, "SWAPPAGES", req->swap_pages);
	if (r == 0 && req->name) {
		if ((r = check_name_free(ctx, req->name, err)) < 0)
			return r;
		r = vz_conf_set(cf, "NAME", req->name);
	}
	return r < 0 ? vz_fail(err, VZ_E_NOMEM, -r, "Out of memory") : 0;
}

static int load_ct_conf(const char *path, bool save, vz_conf **ret, vz_err *err)
{
	int r = vz_conf_load(path, ret, &cli_warn, err);

	if (r != -ENOENT)
		return r;
	if (save)
		fprintf(stderr, "WARNING: %s not found\n", path);
	*ret = vz_conf_new();
	return *ret ? 0 : vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
}

/* What a running CT cannot take until its next start (its namespaces were made with
 * them); NULL when the request has none. */
static const char *needs_restart(const struct set_req *req)
{
	const struct ct_res *r = &req->res;

	if (r->ub[UB_NUMPTY].set)
		return "numpty";
	if (r->ub[UB_SHMPAGES].set)
		return "shmpages";
	if (r->hostname)
		return "hostname";
	if (r->has_local_uid || r->has_local_gid)
		return "local_uid/local_gid";
	if (req->applyconfig)
		return "applyconfig";
	return NULL;
}

/* Reads the resources of a config layered over vz.conf. */
static int conf_res(const struct vzctl_ctx *ctx, const vz_conf *cf, struct ct_res *ret, vz_err *err)
{
	return ct_res_from_conf(ctx->host.conf, cf, ret, NULL, err);
}

/* A running CT: the cgroup moves from the saved config to the new one (or, with
 * --reset_ub, to the saved one) before anything is written; OpenVZ's messages. */
static int apply_running(const struct vzctl_ctx *ctx, const struct set_req *req,
			 const vz_conf *old_cf, const vz_conf *new_cf)
{
	struct ct_res old = { 0 }, new = { 0 };
	const char *later;
	vz_err err;
	int r;

	r = conf_res(ctx, old_cf, &old, &err);
	if (r == 0)
		r = conf_res(ctx, new_cf, &new, &err);
	if (r == 0)
		r = ct_apply_running(&ctx->host, ctx->ctid_str, req->reset_ub ? NULL : &old, &new, &err);
	ct_res_free(&old);
	ct_res_free(&new);
	if (r < 0) {
		cli_report(&err);
		if (req->save)
			fprintf(stderr, "Error: failed to apply some parameters, not saving "
				"configuration file!\n");
		return err.exit_code;
	}
	cli_info("UB limits were set successfully");
	later = needs_restart(req);
	if (later && req->setmode != SETMODE_RESTART)
		cli_info("WARNING: %s takes effect at the next start of the container "
			 "(or use --setmode restart)", later);
	return 0;
}

static int save_conf(vz_conf *cf, const char *path)
{
	bool changed = false;
	vz_err err;

	if (vz_conf_save(cf, path, &changed, &err) < 0)
		return cli_report(&err);
	cli_info(changed ? "CT configuration saved to %s" : "No changes in CT configuration, not saving",
		 path);
	return 0;
}

/* --setmode restart: a running CT takes what only a start can give. */
static int restart_ct(struct vzctl_ctx *ctx)
{
	struct ct_run_opts o = { .timeout = -1 };
	vz_err err;

	cli_info("Restarting container");
	if (ct_stop(&ctx->host, ctx->ctid_str, &o, &err) < 0 ||
	    ct_start(&ctx->host, ctx->ctid_str, &o, &err) < 0)
		return cli_report(&err);
	return 0;
}

static int set_ct(struct vzctl_ctx *ctx, const struct set_req *req, bool running)
{
	_cleanup_conf_ vz_conf *cf = NULL, *old_cf = NULL;
	_cleanup_free_ char *path = vz_host_ct_conf_path(&ctx->host, ctx->ctid_str);
	vz_err err;
	int r;

	if (!path)
		return VZ_E_NOMEM;
	if (load_ct_conf(path, req->save, &cf, &err) < 0 ||
	    (running && load_ct_conf(path, false, &old_cf, &err) < 0) ||
	    merge_into_conf(ctx, req, cf, &err) < 0)
		return cli_report(&err);
	if (running && (r = apply_running(ctx, req, old_cf, cf)))
		return r;
	if (req->reset_ub)
		return 0;
	if (!req->save) {
		cli_info("WARNING: Settings were not saved to config (use --save flag)");
		return 0;
	}
	r = save_conf(cf, path);
	if (r == 0 && running && req->setmode == SETMODE_RESTART && needs_restart(req))
		r = restart_ct(ctx);
	return r;
}

static int run_set(struct vzctl_ctx *ctx, const struct set_req *req)
{
	bool running = ct_is_running(&ctx->host, ctx->ctid_str);

	if (req->reset_ub && !running) {
		fprintf(stderr, "Container is not running\n");
		return VZ_E_NOT_RUNNING;
	}
	return set_ct(ctx, req, running);
}

int vzctl_set(struct vzctl_ctx *ctx, int argc, char **argv)
{
	struct set_req req = { 0 };
	struct ct_lock lock = { NULL, -1 };
	vz_err err;
	int r;

	r = parse_options(argc, argv, &req);
	if (r == 0)
		r = check_combinations(&req);
	if (r == 0 && !ctx->skiplock &&
	    ct_lock_take(ctx->host.lockdir, ctx->ctid_str, "set", &lock, &err) < 0)
		r = cli_report(&err);
	if (r == 0)
		r = run_set(ctx, &req);
	ct_lock_release(&lock);
	ct_res_free(&req.res);
	return r;
}
