/* vzubc [-f FILE] [-q] [-qh R] [-qm R] [-v] [-r] [-rd DIR] [-rc] [-i] [-ic] [-c]
 *       [-w] [-wd] [-wt] [-wn SEC] [CTID|NAME ...]
 *
 * Prints the beancounters of the export as OpenVZ's vzubc did (reference §8.1): per CT
 * the table `CT <id> | HELD Bar% Lim%| MAXH Bar% Lim%| BAR | LIM | FAIL`, values scaled
 * to K/M/G (a `*pages` value counts 4 KiB pages), 0 and unlimited as `-`.  It reads
 * `-f FILE` (`-` stdin), by default <BCFS_DIR>/proc/bc/resources, else
 * <BCFS_DIR>/proc/user_beancounters (BCFS_DIR from vz.conf, default /var/lib/bcfs).
 * Exit 0 on success, 1 otherwise.
 *
 * OpenVZ's vzubc was sh + awk.  This one is C so that vz.conf is read by the project's
 * own parser (vzctl's quoting rules), CT names are resolved by the core as vzlist
 * resolves them, its output does not depend on which awk the host has (gawk and mawk
 * disagree on non-numeric values), and the sanitizer runs cover it.  It keeps awk's
 * arithmetic (every value a double) and its printf formats, so its tables are the old
 * ones character for character, including one quirk: the percentage is formatted
 * with one significant digit only when its "%.1f" text sorts before "10" as a string
 * (awk compared the text, not the number), so 1.5 % prints as 2 % and 5.5 % as 5 %.
 * Departures, each where the old script was plainly wrong: a value that is not a
 * number is an error (exit 1) rather than a division by zero or garbage; a store file
 * that does not exist means no earlier value (the old script kept the previous row's);
 * a failcnt delta store file is read and written once per row. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/acct/acct.h"
#include "core/ct/ct.h"

#define PROG "vzubc"
#define DEFAULT_BCFS_DIR "/var/lib/bcfs"
#define DEFAULT_STOREDIR "/tmp/vzubc.store"
#define UNL64 9223372036854775807.0 /* what awk's 9223372036854775807 is: a double */
#define UNL32 2147483647.0
#define DASHES "----------------------------------------------------------------"
#define DASH7 "-------"

static const char C_BRIGHT[] = "\033[1;32m", C_ERROR[] = "\033[1;31m",
		  C_WARNING[] = "\033[1;33m", C_NORMAL[] = "\033[0;39m";

struct opts {
	bool quiet, verbose, rel, inc, color, watch, thr, internal;
	double qheld, qmaxheld;
	const char *storedir;
	int storefd; /* the store, once checked to be the caller's alone */
	const char *file;
	char **ctids; /* as given, names resolved to ids */
	size_t n_ctids;
	char **watch_args;
	size_t n_watch_args;
};

struct state {
	const struct opts *o;
	const char *c_h, *c_n, *c_w, *c_e;
	bool have_bcid, skip, printed;
	char bcid[32];
	char *header; /* the header to print before the next row shown, or NULL */
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: vzubc [option ...] [<ctid> ...]\n"
		"\n"
		" -w, --watch:\n"
		"     Run itself under watch(1) (a la top mode, Ctrl-C to exit).\n"
		"     -wd: show differences between runs\n"
		"     -wt: do not show watch title\n"
		"     -wn <time>: refresh every <time> seconds\n"
		" -q, --quiet:\n"
		"     Quiet mode (only show beancounters with fails and close to limits).\n"
		"     -qh <ratio>: quiet threshold for held/limit ratio (default: 0.5)\n"
		"     -qm <ratio>: quiet threshold for maxheld/limit ratio (default: 0.8)\n"
		" -v, --verbose:\n"
		"     Verbose mode (show unlimited beancounters as well).\n"
		" -r, --relative:\n"
		"     Relative mode, show fail counters delta compared to previous run.\n"
		"     -rc: clear all saved fail counter data for relative mode\n"
		"     -rd <dir>: directory for storing data (default: " DEFAULT_STOREDIR ")\n"
		" -i, --incremental:\n"
		"     Incremental mode, add held value delta compared to previous run.\n"
		"     If used together with -q, beancounters with changed values are also shown.\n"
		"     -ic: clear all saved held data for incremental mode\n"
		"     -id <dir>: synonym for -rd\n"
		" -c, --color:\n"
		"     Enable color highlighting (using same thresholds as for --quiet).\n"
		"     Color mode is not compatible with --watch.\n"
		" -f, --file <file>:\n"
		"     File to read UBC values from. Defaults are <BCFS_DIR>/proc/bc/resources\n"
		"     or <BCFS_DIR>/proc/user_beancounters (BCFS_DIR of vz.conf, default\n"
		"     " DEFAULT_BCFS_DIR "). Use - to read from stdin.\n"
		"\n"
		" <ctid>: container name/ID to show info about (can be used multiple times)\n");
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	return 1;
}

static void store_refused(const char *dir, int r)
{
	if (r == -EPERM)
		fprintf(stderr, "Error: the store %s is a symlink, another user's directory or one "
			"that others may write: remove it, or name another with -rd DIR\n", dir);
	else
		fprintf(stderr, "mkdir: cannot create directory '%s': %s\n", dir, strerror(-r));
}

/* Removes <dir>/ubc.*.<suffix> (-rc, -ic), in a store that is the caller's alone. */
static void clear_store(const char *dir, const char *suffix)
{
	int fd = vz_open_own_dir(dir);
	size_t sl = strlen(suffix);
	struct dirent *e;
	DIR *d;

	if (fd < 0) {
		if (fd != -ENOENT)
			store_refused(dir, fd);
		return;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (strncmp(e->d_name, "ubc.", 4) == 0 && l > 4 + sl + 1 &&
		    e->d_name[l - sl - 1] == '.' && strcmp(e->d_name + l - sl, suffix) == 0)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

/* A ratio of -qh/-qm: a number, as awk took it. */
static bool parse_ratio(const char *s, double *ret)
{
	char *end;

	errno = 0;
	*ret = strtod(s, &end);
	return s[0] && !*end && !errno;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .qheld = 0.5, .qmaxheld = 0.8, .storedir = DEFAULT_STOREDIR, .storefd = -1 };
	o->ctids = calloc((size_t)argc, sizeof(*o->ctids));
	o->watch_args = calloc((size_t)argc * 2, sizeof(*o->watch_args));
	if (!o->ctids || !o->watch_args) {
		fprintf(stderr, "Error: out of memory\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool needs = !strcmp(a, "-wn") || !strcmp(a, "-qh") || !strcmp(a, "-qm") ||
			     !strcmp(a, "-rd") || !strcmp(a, "-id") || !strcmp(a, "-f") ||
			     !strcmp(a, "--file");
		const char *val = needs ? (i + 1 < argc ? argv[i + 1] : "") : NULL;

		if (needs && !*val)
			return usage_error("Error: option %s requires an argument", a);
		if (needs)
			i++;
		if (!strcmp(a, "-W")) {
			o->internal = true;
		} else if (!strcmp(a, "-w") || !strcmp(a, "--watch")) {
			o->watch = true;
		} else if (!strcmp(a, "-wd") || !strcmp(a, "-wt")) {
			o->watch = true;
			o->watch_args[o->n_watch_args++] = a[2] == 'd' ? "-d" : "-t";
		} else if (!strcmp(a, "-wn")) {
			o->watch = true;
			o->watch_args[o->n_watch_args++] = "-n";
			o->watch_args[o->n_watch_args++] = (char *)val;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			o->quiet = true;
		} else if (!strcmp(a, "-qh") || !strcmp(a, "-qm")) {
			o->thr = true;
			if (!parse_ratio(val, a[2] == 'h' ? &o->qheld : &o->qmaxheld))
				return usage_error("Error: option %s requires a number", a);
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			o->verbose = true;
		} else if (!strcmp(a, "-r") || !strcmp(a, "--relative")) {
			o->rel = true;
		} else if (!strcmp(a, "-rc")) {
			clear_store(o->storedir, "failcnt");
		} else if (!strcmp(a, "-rd") || !strcmp(a, "-id")) {
			o->storedir = val;
		} else if (!strcmp(a, "-i") || !strcmp(a, "--incremental")) {
			o->inc = true;
		} else if (!strcmp(a, "-ic")) {
			clear_store(o->storedir, "held");
		} else if (!strcmp(a, "-c") || !strcmp(a, "--color")) {
			o->color = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return -1;
		} else if (!strcmp(a, "-f") || !strcmp(a, "--file")) {
			o->file = val;
		} else if (a[0] == '-') {
			return usage_error("Unrecognized option: %s", a);
		} else {
			o->ctids[o->n_ctids++] = argv[i];
		}
	}
	if (o->watch && o->color)
		return usage_error("Error: can't use --watch and --color together");
	if (o->thr && !o->color && !o->quiet)
		return usage_error("Error: -qh and -qm only make sense with --quiet or --color");
	if (o->quiet && o->verbose)
		return usage_error("Error: options --quiet and --verbose can't be used together");
	return 0;
}

/* CT names become ids as the core resolves them; what it cannot resolve stays as
 * given (and matches no block), as the old vzubc kept what vzlist did not know. */
static int resolve_ctids(struct opts *o, const struct vz_host *host, char **owned)
{
	for (size_t i = 0; i < o->n_ctids; i++) {
		unsigned long id;
		vz_err err;

		if (!host || ct_resolve(host, o->ctids[i], &id, &err) < 0)
			continue;
		if (asprintf(&owned[i], "%lu", id) < 0)
			return -ENOMEM;
		o->ctids[i] = owned[i];
	}
	return 0;
}

/* The default file: <BCFS_DIR>/proc/bc/resources when it is a regular file, else
 * <BCFS_DIR>/proc/user_beancounters. */
static char *default_file(const struct vz_host *host)
{
	const char *dir = host ? vz_conf_get(host->conf, "BCFS_DIR") : NULL;
	struct stat st;
	char *p;

	if (!dir || !*dir)
		dir = DEFAULT_BCFS_DIR;
	if (asprintf(&p, "%s/proc/bc/resources", dir) < 0)
		return NULL;
	if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
		return p;
	free(p);
	return asprintf(&p, "%s/proc/user_beancounters", dir) < 0 ? NULL : p;
}

/* ----------------------------------------------------- awk's arithmetic */

/* A field as a number.  A field that is not a plain decimal is refused. */
static bool field_num(const char *s, double *ret)
{
	const char *p = s;

	if (!*p) { /* a missing field is awk's "": 0 */
		*ret = 0;
		return true;
	}
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p || p == s)
		return false;
	*ret = strtod(s, NULL);
	return true;
}

static bool is_unl(double v)
{
	return v == UNL64 || v == UNL32;
}

static bool ends_with_pages(const char *res)
{
	size_t l = strlen(res);

	return l >= 5 && strcmp(res + l - 5, "pages") == 0;
}

/* A value scaled to K, M, G…: `*pages` values count 4 KiB; 0 and unlimited are "- ". */
static void hr(char *buf, size_t len, const char *res, double v)
{
	static const char units[] = " KMGTPEZY";
	int i = 0;

	if (is_unl(v) || v == 0) {
		snprintf(buf, len, "- ");
		return;
	}
	if (ends_with_pages(res)) {
		v *= 4;
		i++;
	}
	while (v >= 1024) {
		v /= 1024;
		i++;
	}
	if (i > 8)
		i = 8;
	if (v < 100)
		snprintf(buf, len, "%.3g%c", v, units[i]);
	else
		snprintf(buf, len, "%ld%c", (long)v, units[i]);
}

/* p as a percentage of d: "- " when d is 0 or unlimited or the result shows as 0.
 * awk compared the "%.1f" text with 10 as strings: kept. */
static void dp(char *buf, size_t len, double p, double d)
{
	char r[64];

	if (d == 0 || is_unl(d)) {
		snprintf(buf, len, "- ");
		return;
	}
	snprintf(r, sizeof(r), "%.1f", p / d * 100);
	if (strcmp(r, "10") < 0)
		snprintf(buf, len, "%.1g", strtod(r, NULL));
	else
		snprintf(buf, len, "%ld", (long)strtod(r, NULL));
	if (strcmp(buf, "0") == 0)
		snprintf(buf, len, "- ");
	else
		strncat(buf, "%", len - strlen(buf) - 1);
}

/* 2: failing or over the barrier, 1: near it, 0: neither (the limit stands in for a
 * barrier of 0). */
static int important(const struct opts *o, double held, double maxheld, double barrier,
		     double limit, double failcnt)
{
	if (failcnt > 0)
		return 2;
	if (barrier == 0)
		barrier = limit;
	if (held > barrier)
		return 2;
	if (held > barrier * o->qheld)
		return 1;
	if (maxheld > barrier * o->qmaxheld)
		return 1;
	return 0;
}

/* ----------------------------------------------------------- the table */

static int set_header(struct state *s)
{
	const struct opts *o = s->o;

	free(s->header);
	s->header = NULL;
	if (asprintf(&s->header,
		     "%s" DASHES "%s\n"
		     "CT %-10s| HELD%s Bar%% Lim%%| MAXH Bar%% Lim%%| BAR | LIM |%cFAIL\n"
		     "-------------+-%s--------------+---------------+-----+-----+------%s",
		     s->c_h, o->inc ? DASH7 : "", s->have_bcid ? s->bcid : "",
		     o->inc ? "  +/-  " : "", o->rel ? '+' : ' ', o->inc ? DASH7 : "", s->c_n) < 0) {
		s->header = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* The first line of a store file as a number; false when there is none (or it is a
 * link or not the caller's file). */
static bool store_read(int storefd, const char *name, double *ret)
{
	_cleanup_free_ char *text = NULL;

	if (vz_read_own_at(storefd, name, &text, NULL) < 0 || !*text)
		return false;
	*ret = strtod(text, NULL);
	return true;
}

static void store_write(const struct opts *o, const char *name, const char *value)
{
	_cleanup_free_ char *line = NULL;
	int r;

	if (asprintf(&line, "%s\n", value) < 0)
		r = -ENOMEM;
	else
		r = vz_replace_at(o->storefd, name, line, strlen(line), 0600);
	if (r < 0)
		fprintf(stderr, "Error: cannot write %s/%s: %s\n", o->storedir, name, strerror(-r));
}

/* One resource row: fields f[0] name, f[1..5] held maxheld barrier limit failcnt. */
static int show_row(struct state *s, char *const f[6], size_t lineno)
{
	const struct opts *o = s->o;
	double v[5], failcnt, newfc, dh = 0;
	char h[5][32], pc[4][32], fc[32], d_held[40] = "";
	_cleanup_free_ char *store = NULL;
	_cleanup_free_ char *f_file = NULL;
	_cleanup_free_ char *h_file = NULL;
	bool save_held = false;
	int imp;

	for (int i = 0; i < 5; i++)
		if (!field_num(f[i + 1], &v[i])) {
			fprintf(stderr, "Error: not a number in line %zu: %s\n", lineno, f[i + 1]);
			return 1;
		}
	if (!s->have_bcid && (o->rel || o->inc)) {
		fprintf(stderr, "Error: can not use relative/incremental modes: BCID is unknown\n");
		return 1;
	}
	failcnt = newfc = v[4];
	if ((o->rel || o->inc) &&
	    (asprintf(&store, "ubc.%s.%s", s->bcid, f[0]) < 0 ||
	     asprintf(&f_file, "%s.failcnt", store) < 0 || asprintf(&h_file, "%s.held", store) < 0))
		return -ENOMEM;
	if (o->rel && failcnt > 0) {
		double old;

		if (store_read(o->storefd, f_file, &old) && old > 0)
			failcnt -= old;
		if (failcnt < 0)
			failcnt = newfc;
	}
	if (o->inc) {
		double old = 0;

		snprintf(d_held, sizeof(d_held), "       ");
		store_read(o->storefd, h_file, &old);
		dh = v[0] - old;
		if (dh != 0) {
			char t[32], sig[40];

			hr(t, sizeof(t), f[0], dh < 0 ? -dh : dh);
			snprintf(sig, sizeof(sig), "%c%s", dh < 0 ? '-' : '+', t);
			snprintf(d_held, sizeof(d_held), "%7s", sig);
			save_held = true;
		}
	}
	imp = important(o, v[0], v[1], v[2], v[3], failcnt);
	if (((o->quiet && !imp) || (!o->verbose && is_unl(v[2]))) && dh == 0)
		return 0;
	if (s->header) {
		if (s->printed)
			putchar('\n');
		printf("%s\n", s->header);
		s->printed = true;
		free(s->header);
		s->header = NULL;
	}
	hr(h[0], sizeof(h[0]), f[0], v[0]);
	dp(pc[0], sizeof(pc[0]), v[0], v[2]);
	dp(pc[1], sizeof(pc[1]), v[0], v[3]);
	hr(h[1], sizeof(h[1]), f[0], v[1]);
	dp(pc[2], sizeof(pc[2]), v[1], v[2]);
	dp(pc[3], sizeof(pc[3]), v[1], v[3]);
	hr(h[2], sizeof(h[2]), f[0], v[2]);
	hr(h[3], sizeof(h[3]), f[0], v[3]);
	hr(fc, sizeof(fc), "", failcnt);
	printf("%s%13s|%5s%s %4s %4s|%5s %4s %4s|%5s|%5s| %5s\n%s",
	       imp == 2 ? s->c_e : imp == 1 ? s->c_w : s->c_n, f[0], h[0], d_held, pc[0], pc[1],
	       h[1], pc[2], pc[3], h[2], h[3], fc, s->c_n);
	if (o->rel && newfc > 0)
		store_write(o, f_file, f[5]);
	if (save_held)
		store_write(o, h_file, f[1]);
	return 0;
}

static bool starts(const char *line, const char *word)
{
	line += strspn(line, " \t");
	return strncmp(line, word, strlen(word)) == 0;
}

/* Splits on blanks and tabs as awk does, up to max fields (the rest are ""). */
static size_t split(char *line, char *f[], size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < max; i++)
		f[i] = "";
	for (char *t = strtok(line, " \t"); t; t = strtok(NULL, " \t"))
		if (n < max)
			f[n++] = t;
	return n;
}

static bool wanted(const struct opts *o, const char *bcid)
{
	if (o->n_ctids == 0)
		return true;
	for (size_t i = 0; i < o->n_ctids; i++)
		if (strcmp(o->ctids[i], bcid) == 0)
			return true;
	return false;
}

/* One line of the input.  >0: the exit code to leave with. */
static int line_in(struct state *s, char *line, size_t lineno)
{
	char *f[8];
	const char *p = line + strspn(line, " \t");

	if (strncmp(line, "Version: ", 9) == 0) {
		split(line, f, 8);
		if (strcmp(f[1], "2.5") != 0) {
			fprintf(stderr, "Error: unknown version: %s\n", f[1]);
			return 1;
		}
		return 0;
	}
	if (starts(line, "uid ") || starts(line, "dummy"))
		return 0;
	if (*p >= '0' && *p <= '9' && p[strspn(p, "0123456789")] == ':') {
		split(line, f, 8);
		snprintf(s->bcid, sizeof(s->bcid), "%lu", strtoul(f[0], NULL, 10));
		s->have_bcid = true;
		free(s->header);
		s->header = NULL;
		s->skip = !wanted(s->o, s->bcid);
		if (s->skip)
			return 0;
		if (set_header(s) < 0)
			return -ENOMEM;
		if (!*f[1])
			return 0;
		return show_row(s, f + 1, lineno);
	}
	if (*p >= 'a' && *p <= 'z') {
		split(line, f, 8);
		return s->skip ? 0 : show_row(s, f, lineno);
	}
	return 0;
}

static int print_table(const struct opts *o, FILE *in)
{
	struct state s = { .o = o, .c_h = "", .c_n = "", .c_w = "", .c_e = "" };
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int r = 0;

	if (o->color) {
		s.c_h = C_BRIGHT;
		s.c_n = C_NORMAL;
		s.c_w = C_WARNING;
		s.c_e = C_ERROR;
	}
	if (set_header(&s) < 0)
		r = -ENOMEM;
	while (r == 0 && (len = getline(&line, &cap, in)) >= 0) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		r = line_in(&s, line, lineno);
	}
	free(s.header);
	if (r < 0) {
		fprintf(stderr, "Error: out of memory\n");
		r = 1;
	}
	if (s.printed)
		printf(DASHES "%s\n", o->inc ? DASH7 : "");
	return r;
}

/* Re-runs itself under watch(1): watch [args] -- <argv0> <args> -W. */
static int run_watch(const struct opts *o, int argc, char **argv)
{
	char **wv = calloc(o->n_watch_args + (size_t)argc + 4, sizeof(*wv));
	size_t n = 0;

	if (!wv) {
		fprintf(stderr, "Error: out of memory\n");
		return 1;
	}
	wv[n++] = "watch";
	for (size_t i = 0; i < o->n_watch_args; i++)
		wv[n++] = o->watch_args[i];
	wv[n++] = "--";
	for (int i = 0; i < argc; i++)
		wv[n++] = argv[i];
	wv[n++] = "-W";
	execvp("watch", wv);
	fprintf(stderr, "Error: watch binary not found\n");
	free(wv);
	return 1;
}

/* The store of -r and -i: the caller's alone, since another user who could plant a
 * link or a file in it would have the next run overwrite or believe it. */
static int prepare_store(struct opts *o)
{
	int fd = vz_open_own_dir(o->storedir);

	if (fd < 0) {
		store_refused(o->storedir, fd);
		return 1;
	}
	o->storefd = fd;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct vz_host host;
	bool have_host;
	_cleanup_free_ char **owned = NULL;
	_cleanup_free_ char *deffile = NULL;
	FILE *in;
	vz_err err;
	int r;

	umask(0077);
	r = parse_args(argc, argv, &o);
	if (r)
		goto out_opts;
	if (o.watch && !o.internal) {
		r = run_watch(&o, argc, argv);
		goto out_opts;
	}
	/* vz.conf only names the default file and the CTs: without one, the defaults. */
	have_host = vz_host_load(&host, NULL, &err) == 0;
	owned = calloc(o.n_ctids + 1, sizeof(*owned));
	if (!owned || resolve_ctids(&o, have_host ? &host : NULL, owned) < 0) {
		fprintf(stderr, "Error: out of memory\n");
		r = 1;
		goto out_host;
	}
	if (!o.file) {
		deffile = default_file(have_host ? &host : NULL);
		if (!deffile) {
			fprintf(stderr, "Error: out of memory\n");
			r = 1;
			goto out_host;
		}
		o.file = deffile;
	}
	in = strcmp(o.file, "-") == 0 ? stdin : fopen(o.file, "r");
	if (!in) {
		fprintf(stderr, "%s: %s: %s\n", PROG, o.file, strerror(errno));
		r = 1;
		goto out_host;
	}
	r = (o.rel || o.inc) ? prepare_store(&o) : 0;
	if (r == 0)
		r = print_table(&o, in);
	if (in != stdin)
		fclose(in);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write: %s\n", PROG, strerror(errno));
		r = 1;
	}
out_host:
	for (size_t i = 0; owned && i < o.n_ctids; i++)
		free(owned[i]);
	if (have_host)
		vz_host_free(&host);
out_opts:
	if (o.storefd >= 0)
		close(o.storefd);
	free(o.ctids);
	free(o.watch_args);
	return r < 0 ? 0 : r;
}
