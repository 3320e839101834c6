/* bcmetrics [-o FILE]
 *
 * Prints every beancounter of every CT with a config in the Prometheus text format
 * (bcx_prometheus, proc-export/export.h), from the core's live tables (bc_table_all):
 * unlike the /proc texts, these tables say which usage is unknown, so nothing unknown
 * is shown as 0.  -o FILE writes the file whole (a temporary file renamed over it), as
 * node_exporter's textfile collector needs.  Exit 0, or 1 on an error. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/cli.h"
#include "core/acct/acct.h"
#include "core/ct/ct.h"
#include "proc-export/export.h"

#define PROG "bcmetrics"

static void usage(FILE *out)
{
	fprintf(out, "Usage: bcmetrics [-o FILE]\n"
		     "Prints the beancounters of every CT in the Prometheus text format;\n"
		     "-o FILE writes them to FILE atomically instead.\n");
}

static int write_atomic(const char *path, const char *text)
{
	_cleanup_free_ char *tmp = NULL;
	size_t len = strlen(text);
	int fd;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0644) < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) < 0) {
		int e = errno ? errno : EIO;

		close(fd);
		unlink(tmp);
		return -e;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		return -e;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ struct bc_table *t = NULL;
	_cleanup_free_ char *text = NULL;
	const char *out = NULL;
	struct vz_host host;
	size_t n = 0;
	vz_err err;
	int c, r;

	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	if (vz_host_load(&host, &cli_warn, &err) < 0) {
		cli_report(&err);
		return 1;
	}
	r = bc_table_all(&host, NULL, &t, &n, &err);
	vz_host_free(&host);
	if (r < 0) {
		cli_report(&err);
		return 1;
	}
	text = bcx_prometheus(t, n);
	if (!text) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		return 1;
	}
	if (out) {
		r = write_atomic(out, text);
		if (r < 0) {
			fprintf(stderr, "%s: cannot write %s: %s\n", PROG, out, strerror(-r));
			return 1;
		}
		return 0;
	}
	fputs(text, stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write: %s\n", PROG, strerror(errno));
		return 1;
	}
	return 0;
}
