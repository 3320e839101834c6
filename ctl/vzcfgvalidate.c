/* vzcfgvalidate [-r|-i] [-v yes|no] FILE: checks a CT config against the consistency
 * rules of reference §1.5 and optionally repairs it.
 *
 * Exit status, as legacy vzctl's vzcfgvalidate: 0 valid (after repairs, when asked
 * for), 1 a program error (bad option, unreadable file, failed save), 2 broken rules
 * remain.  Repairs are saved even when other rules stay broken, so that the fixes the
 * user accepted are not lost; only the lines of the changed keys are rewritten. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "core/base/base.h"
#include "core/model/model.h"
#include "ctl/cli.h"

#define PROG "vzcfgvalidate"
#define EXIT_INVALID 2

struct opts {
	bool repair;
	bool interactive;
	int vswap; /* -1: from the config */
	const char *path;
};

/* What the findings callbacks share. */
struct session {
	bool asked;    /* the finding being reported was shown by the question already */
	bool eof;      /* stdin ended: every further question is answered no */
	int repaired;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [-r|-i] [-v yes|no] <configfile>\n"
		"\t-r\t\trepair mode\n"
		"\t-i\t\tinteractive repair mode\n"
		"\t-v yes|no\tforce VSwap/non-VSwap mode (auto-detect by default)\n"
		"Exit status: 0 valid, 1 error, 2 validation failed.\n",
		PROG);
}

/* Returns 0 to go on, 1 on a usage error (printed), -1 when --help was printed. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .vswap = -1 };
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":rihv:", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->repair = true;
			break;
		case 'i':
			o->interactive = true;
			break;
		case 'v':
			if (strcmp(optarg, "yes") == 0) {
				o->vswap = 1;
			} else if (strcmp(optarg, "no") == 0) {
				o->vswap = 0;
			} else {
				cli_usage_error(PROG, "invalid argument for -v: %s (yes or no)", optarg);
				return 1;
			}
			break;
		case 'h':
			usage(stdout);
			return -1;
		case ':':
			cli_usage_error(PROG, "option -%c needs an argument", optopt);
			return 1;
		default:
			if (optopt)
				cli_usage_error(PROG, "invalid option -%c", optopt);
			else
				cli_usage_error(PROG, "invalid option %s", argv[optind - 1]);
			return 1;
		}
	}
	if (optind != argc - 1) {
		cli_usage_error(PROG, optind >= argc ? "no config file given" : "only one config file is taken");
		return 1;
	}
	o->path = argv[optind];
	return 0;
}

static unsigned long bytes_to_pages(unsigned long units, unsigned long unit_size)
{
	unsigned long bytes;

	if (__builtin_mul_overflow(units, unit_size, &bytes))
		return VZ_UNLIMITED;
	return pages_floor(bytes);
}

/* Host RAM and swap in pages; 0 (unknown) when sysinfo fails, which skips the checks. */
static void host_memory(unsigned long *ram, unsigned long *swap)
{
	struct sysinfo si;

	*ram = *swap = 0;
	if (sysinfo(&si) != 0)
		return;
	*ram = bytes_to_pages(si.totalram, si.mem_unit ? si.mem_unit : 1);
	*swap = bytes_to_pages(si.totalswap, si.mem_unit ? si.mem_unit : 1);
}

static void report(void *ctx, const struct bc_finding *f)
{
	struct session *s = ctx;

	if (f->repaired)
		s->repaired++;
	if (s->asked) {
		s->asked = false;
		return;
	}
	if (f->repaired)
		cli_info("Fixed: %s", f->msg);
	else
		fprintf(stderr, "Error: %s\n", f->msg);
}

/* Returns true for yes; anything but y or n asks again. */
static bool ask(void *ctx, const struct bc_finding *f)
{
	struct session *s = ctx;
	char line[64];

	if (s->eof)
		return false;
	s->asked = true;
	fprintf(stderr, "Error: %s\n", f->msg);
	for (;;) {
		fprintf(stderr, "Fix? [y/n] ");
		fflush(stderr);
		if (!fgets(line, sizeof(line), stdin)) {
			fputc('\n', stderr);
			s->eof = true;
			return false;
		}
		if (line[0] == 'y' || line[0] == 'Y')
			return true;
		if (line[0] == 'n' || line[0] == 'N')
			return false;
	}
}

/* Writes only the pairs that changed, so every other line stays byte for byte. */
static int save_changes(const struct ubc_pair *before, const struct ct_res *after, vz_conf *cf,
			const char *path)
{
	struct ct_res changed = { 0 };
	bool written;
	vz_err err;

	for (int id = 0; id < UB_PARAM_COUNT; id++)
		if (after->ub[id].bar != before[id].bar || after->ub[id].lim != before[id].lim)
			changed.ub[id] = after->ub[id];
	if (ct_res_to_conf(&changed, cf, &err) < 0 || vz_conf_save(cf, path, &written, &err) < 0) {
		cli_report(&err);
		return 1;
	}
	if (written)
		cli_info("CT configuration saved to %s", path);
	return 0;
}

static void ct_res_freep(struct ct_res *r)
{
	ct_res_free(r);
}

int main(int argc, char **argv)
{
	struct ct_res res __attribute__((cleanup(ct_res_freep))) = { 0 };
	_cleanup_conf_ vz_conf *cf = NULL;
	struct ubc_pair before[UB_PARAM_COUNT];
	struct session s = { 0 };
	unsigned long ram, swap;
	struct opts o;
	vz_err err;
	int rc, broken;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : 1;
	if (vz_conf_load(o.path, &cf, &cli_warn, &err) < 0 ||
	    ct_res_from_conf(NULL, cf, &res, &cli_warn, &err) < 0) {
		cli_report(&err);
		return 1;
	}
	memcpy(before, res.ub, sizeof(before));
	host_memory(&ram, &swap);
	if (o.interactive)
		broken = bc_validate_ask(&res, o.vswap, ram, swap, ask, report, &s);
	else
		broken = bc_validate(&res, o.vswap, o.repair, ram, swap, report, &s);
	if (s.repaired && save_changes(before, &res, cf, o.path) != 0)
		return 1;
	if (broken) {
		fprintf(stderr, "Validation failed: %d problem%s left\n", broken, broken == 1 ? "" : "s");
		return EXIT_INVALID;
	}
	cli_info("Validation completed: success");
	return 0;
}
