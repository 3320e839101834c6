#include <criterion/criterion.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/acct/acct.h"
#include "core/base/base.h"
#include "core/ct/ct.h"
#include "core/limits/limits.h"
#include "testutil.h"

char *tu_mkdtemp(void)
{
	char *dir = strdup("/tmp/vztest.XXXXXX");

	cr_assert(dir && mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	return dir;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void tu_rmtree(const char *dir)
{
	if (dir)
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void tu_write(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");

	cr_assert(f, "open %s: %s", path, strerror(errno));
	fputs(content, f);
	cr_assert(fclose(f) == 0);
}

char *tu_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t size = 0;

	if (!f)
		return NULL;
	FILE *m = open_memstream(&buf, &size);
	char chunk[8192];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(f);
	fclose(m);
	if (len)
		*len = size;
	return buf;
}

char *tu_build_path(const char *rel)
{
	const char *build = getenv("BUILD");
	char *p;

	cr_assert(build, "BUILD is not set: run the unit tests through 'make unit'");
	cr_assert(asprintf(&p, "%s/%s", build, rel) > 0);
	return p;
}

static char *slurp_fd(int fd)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&buf, &size);
	char chunk[8192];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		fwrite(chunk, 1, (size_t)n, m);
	fclose(m);
	close(fd);
	return buf;
}

struct run_result tu_run(const char *vzconf, char *const argv[])
{
	int out[2], err[2];
	struct run_result r = { 0 };
	pid_t pid;
	int st;

	cr_assert(pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		dup2(devnull, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		if (vzconf)
			setenv("VZ_CONF", vzconf, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	/* stderr is small; read stdout first, then stderr. */
	r.out = slurp_fd(out[0]);
	r.err = slurp_fd(err[0]);
	cr_assert(waitpid(pid, &st, 0) == pid);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return r;
}

void tu_run_free(struct run_result *r)
{
	free(r->out);
	free(r->err);
}

void tu_host_make(struct tu_host *h)
{
	char *conf;

	h->dir = tu_mkdtemp();
	cr_assert(asprintf(&h->vzconf, "%s/vz.conf", h->dir) > 0);
	cr_assert(asprintf(&h->confdir, "%s/conf", h->dir) > 0);
	cr_assert(asprintf(&h->lockdir, "%s/lock", h->dir) > 0);
	cr_assert(mkdir(h->confdir, 0755) == 0);
	cr_assert(asprintf(&conf,
			   "VIRTUOZZO=yes\n"
			   "LOCKDIR=%s\n"
			   "VE_CONFDIR=%s\n"
			   "DUMPDIR=%s/dump\n"
			   "RUNDIR=%s/run\n"
			   "TEMPLATE=%s/template\n"
			   "VE_ROOT=%s/root/$VEID\n"
			   "VE_PRIVATE=%s/private/$VEID\n"
			   "CT_CGROUP_PARENT=vz-unit-test-nonexistent.slice\n",
			   h->lockdir, h->confdir, h->dir, h->dir, h->dir, h->dir, h->dir) > 0);
	tu_write(h->vzconf, conf);
	free(conf);
}

void tu_host_free(struct tu_host *h)
{
	tu_rmtree(h->dir);
	free(h->dir);
	free(h->vzconf);
	free(h->confdir);
	free(h->lockdir);
}

char *tu_ct_conf(const struct tu_host *h, const char *ctid)
{
	char *p;

	cr_assert(asprintf(&p, "%s/%s.conf", h->confdir, ctid) > 0);
	return p;
}

char *tu_host_path(const struct tu_host *h, const char *fmt, ...)
{
	char *rel, *p;
	va_list ap;

	va_start(ap, fmt);
	cr_assert(vasprintf(&rel, fmt, ap) > 0);
	va_end(ap);
	cr_assert(asprintf(&p, "%s/%s", h->dir, rel) > 0);
	free(rel);
	return p;
}

static bool no_source(int i)
{
	return (i >= 12 && i <= 16) || i == 23;
}

void tu_bc_fixture(struct bc_table *t, unsigned long ctid, bool running)
{
	memset(t, 0, sizeof(*t));
	t->ctid = ctid;
	t->running = running;
	for (int i = 0; i < UB_KERNEL_COUNT; i++) {
		struct bc_row *r = &t->row[i];

		if (!ubc_by_id(i))
			continue;
		r->held = ctid * 1000 + (unsigned long)i;
		r->maxheld = r->held + 7;
		r->barrier = i % 3 == 0 ? VZ_UNLIMITED : 100UL * (unsigned long)(i + 1);
		r->limit = r->barrier == VZ_UNLIMITED ? VZ_UNLIMITED : r->barrier + 50;
		r->failcnt = (unsigned long)i % 4;
		r->usage_known = !no_source(i);
		r->cls = no_source(i) ? BC_NOT_AVAILABLE : ubc_by_id(i)->cls;
		if (no_source(i)) /* what an unknown row holds must not show */
			r->held = r->maxheld = r->failcnt = 12345;
	}
}

struct tu_host tu_suite_host;
char *tu_vzctl;

void tu_vzctl_setup(void)
{
	tu_host_make(&tu_suite_host);
	tu_vzctl = tu_build_path("bin/vzctl");
}

void tu_vzctl_teardown(void)
{
	tu_host_free(&tu_suite_host);
	free(tu_vzctl);
	tu_vzctl = NULL;
}
