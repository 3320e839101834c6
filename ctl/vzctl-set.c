/* vzctl set: parse the options and check every value; core/ct decides and does the
 * rest (ct_set), and this prints what it says. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/base.h"
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
	struct ct_set_req ct; /* what core acts on */
	bool force;
	enum setmode setmode;
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
	struct ubc_pair *p = &req->ct.res.ub[id];
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
	*ret = bytes >= VZ_UNLIMITED ? VZ_UNLIMITED : pages_ceil(bytes);
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
		req->ct.applyconfig = value;
		return 0;
	case OPT_HOSTNAME:
		if (!ct_hostname_valid(value))
			return bad_value("hostname", value,
					 &(vz_err){ .msg = "letters, digits, '-' and '.' only" });
		free(req->ct.res.hostname);
		req->ct.res.hostname = strdup(value);
		return req->ct.res.hostname ? 0 : VZ_E_NOMEM;
	case OPT_NAME:
		if (!ct_name_valid(value))
			return bad_value("name", value,
					 &(vz_err){ .msg = "1 to 64 of A-Z a-z 0-9 . _ -, not all digits" });
		req->ct.name = value;
		return 0;
	case OPT_CPUMASK:
		free(req->ct.res.cpumask);
		req->ct.res.cpumask = NULL;
		if (ct_parse_cpumask(value, &req->ct.res.cpumask, &why) < 0)
			return bad_value("cpumask", value, &why);
		return 0;
	}
	return VZ_E_SYNTAX;
}

/* One option; returns 0 or the exit code. */
static int parse_one(struct set_req *req, int code, const char *value)
{
	struct ct_res *r = &req->ct.res;
	vz_err why;

	if (code >= OPT_UBC && code < OPT_UBC + UB_PARAM_COUNT)
		return parse_ubc(req, code - OPT_UBC, value);
	switch (code) {
	case OPT_RAM:
		req->ct.has_ram = true;
		return parse_pages_of_bytes("ram", value, &req->ct.ram_pages);
	case OPT_SWAP:
		req->ct.has_swap = true;
		return parse_pages_of_bytes("swap", value, &req->ct.swap_pages);
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
			req->ct.save = true;
			continue;
		case OPT_FORCE:
			req->force = true;
			continue;
		case OPT_RESET_UB:
			req->ct.reset_ub = true;
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
	if (req->ct.reset_ub && (req->changes || req->ct.save || req->setmode))
		return cli_usage_error("vzctl set", "--reset_ub cannot be combined with other options");
	if (req->force && !req->ct.save)
		return cli_usage_error("vzctl set", "--force makes sense only with --save");
	if (req->setmode == SETMODE_RESTART && !req->ct.save)
		return cli_usage_error("vzctl set",
				       "--setmode restart doesn't make sense without --save flag");
	if (req->ct.name && !req->ct.save) {
		fprintf(stderr, "Error: unable to use --name option without --save\n");
		return VZ_E_CT_NAME;
	}
	if (!req->ct.reset_ub && !req->changes)
		return cli_usage_error("vzctl set", "nothing to set: give at least one parameter");
	return 0;
}

static void print_out(void *ctx, const char *msg)
{
	(void)ctx;
	cli_info("%s", msg);
}

static void print_err(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s\n", msg);
}

static const vz_warn out_note = { print_out, NULL }, err_note = { print_err, NULL };

int vzctl_set(struct vzctl_ctx *ctx, int argc, char **argv)
{
	const struct ct_notes notes = { &out_note, &err_note, &cli_warn };
	struct set_req req = { 0 };
	struct ct_handle ct = { .lock = { NULL, -1 } };
	vz_err err;
	int r;

	r = parse_options(argc, argv, &req);
	if (r == 0)
		r = check_combinations(&req);
	req.ct.restart = req.setmode == SETMODE_RESTART;
	if (r == 0)
		r = vzctl_open(ctx, "set", &cli_warn, &ct);
	if (r == 0 && ct_set(&ct, &req.ct, &notes, &err) < 0)
		r = cli_report(&err);
	ct_close(&ct);
	ct_res_free(&req.ct.res);
	return r;
}
