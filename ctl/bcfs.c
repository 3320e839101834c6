/* bcfs [-f] [-d DIR | DIR];  bcfs -u [-d DIR | DIR]
 *
 * Serves the counters export (proc-export/export.h "bcfs") on the export directory:
 * BCFS_DIR of vz.conf ($VZ_CONF when set), else /var/lib/bcfs, unless DIR is given.
 * Daemonizes once mounted, unless -f.  Serving BCFS_DIR, it binds each running CT's
 * view (DIR/ct/<id>) onto DIR inside that CT afresh.  -u lazily unmounts a bcfs mount
 * there (what the systemd unit runs after the daemon stopped). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/cli.h"
#include "proc-export/export.h"

#define PROG "bcfs"

struct bcfs_args {
	struct bcfs_opts run;
	const char *dir; /* -d or the positional DIR, NULL: from vz.conf */
	bool unmount;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: bcfs [-f] [-d DIR | DIR]\n"
		"       bcfs -u [-d DIR | DIR]\n"
		"\n"
		"Serves user_beancounters, bc/resources, bc/<id>/resources, vz/veinfo and\n"
		"vz/vswap, computed from the live counters at each open, under DIR/proc, and\n"
		"each CT's own view under DIR/ct/<id>, which a running CT sees at DIR (bcfs\n"
		"binds it into the CTs that run when it starts, vzctl start into each CT it\n"
		"starts).  DIR is BCFS_DIR of vz.conf, else %s.\n"
		"\n"
		"Options:\n"
		"  -f, --foreground   stay in the foreground (default: daemonize once mounted)\n"
		"  -d, --dir DIR      serve on DIR\n"
		"  -t, --threads N    serve with at most N threads (default %u)\n"
		"  -u, --unmount      lazily unmount a bcfs mount on DIR and exit\n",
		BCFS_DIR_DEFAULT, BCFS_THREADS_DEFAULT);
}

static int parse_threads(const char *text, unsigned *ret)
{
	char *end;
	unsigned long v = strtoul(text, &end, 10);

	if (*text < '1' || *text > '9' || *end || v > 1024)
		return cli_usage_error(PROG, "invalid thread count '%s' (1..1024)", text);
	*ret = (unsigned)v;
	return 0;
}

/* 0 to go on, -1 when --help was printed, else the exit code. */
static int parse_args(int argc, char **argv, struct bcfs_args *a)
{
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "dir", required_argument, NULL, 'd' },
		{ "threads", required_argument, NULL, 't' },
		{ "unmount", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	*a = (struct bcfs_args){ 0 };
	while ((c = getopt_long(argc, argv, "fd:t:uh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': a->run.foreground = true; break;
		case 'd': a->dir = optarg; break;
		case 't':
			r = parse_threads(optarg, &a->run.max_threads);
			if (r)
				return r;
			break;
		case 'u': a->unmount = true; break;
		case 'h': usage(stdout); return -1;
		default: return cli_usage_error(PROG, "invalid option");
		}
	}
	if (optind < argc) {
		if (a->dir || argc - optind > 1)
			return cli_usage_error(PROG, "one export directory at most");
		a->dir = argv[optind];
	}
	if (a->dir && !*a->dir)
		return cli_usage_error(PROG, "empty export directory");
	return 0;
}

int main(int argc, char **argv)
{
	struct bcfs_args a;
	struct vz_host host;
	vz_err err;
	int r;

	r = parse_args(argc, argv, &a);
	if (r)
		return r < 0 ? 0 : r;
	/* Mounting and reading every CT's counters are root's. */
	if (geteuid() != 0) {
		fprintf(stderr, "%s: must be run as root\n", PROG);
		return VZ_E_PERM;
	}
	if (vz_host_load(&host, &cli_warn, &err) < 0)
		return cli_report(&err);
	a.run.dir = a.dir ? a.dir : bcfs_dir(&host);
	r = a.unmount ? bcfs_unmount(a.run.dir, &err) : bcfs_run(&host, &a.run, &err);
	vz_host_free(&host);
	return r < 0 ? cli_report(&err) : 0;
}
