/* Helpers shared by the unit tests: temporary trees, files, and running the built
 * tools as processes (env BUILD names the build directory). */
#ifndef VZ_TESTUTIL_H
#define VZ_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

struct run_result {
	int status;  /* exit code, or 128 + signal */
	char *out;   /* stdout, NUL-terminated */
	char *err;   /* stderr, NUL-terminated */
};

/* A fresh directory under /tmp; the caller removes it with tu_rmtree. */
char *tu_mkdtemp(void);
void tu_rmtree(const char *dir);
/* Writes a whole file (creating it) or aborts the test. */
void tu_write(const char *path, const char *content);
/* Reads a whole file, NULL when it does not exist. */
char *tu_read(const char *path, size_t *len);
/* Path of a built program: $BUILD/<rel>, e.g. "bin/vzctl". */
char *tu_build_path(const char *rel);
/* Runs argv with VZ_CONF=<vzconf> (when not NULL) and stdin from /dev/null. */
struct run_result tu_run(const char *vzconf, char *const argv[]);
void tu_run_free(struct run_result *r);

/* A host tree for the tools: <dir>/vz.conf pointing VE_CONFDIR, LOCKDIR and the
 * other paths inside <dir>, and a cgroup parent that exists nowhere. */
struct tu_host {
	char *dir;
	char *vzconf;
	char *confdir;
	char *lockdir;
};
void tu_host_make(struct tu_host *h);
void tu_host_free(struct tu_host *h);
/* <confdir>/<ctid>.conf */
char *tu_ct_conf(const struct tu_host *h, const char *ctid);

/* The fixture of the suites that run the built vzctl as a process on a host tree of
 * their own: TestSuite(name, .init = tu_vzctl_setup, .fini = tu_vzctl_teardown); the
 * tree is tu_suite_host, the binary tu_vzctl, and TU_VZCTL(args...) runs it. */
extern struct tu_host tu_suite_host;
extern char *tu_vzctl;
void tu_vzctl_setup(void);
void tu_vzctl_teardown(void);
#define TU_VZCTL(...) tu_run(tu_suite_host.vzconf, (char *const[]){ tu_vzctl, __VA_ARGS__, NULL })

/* <h->dir>/<printf of fmt>, malloc'd. */
char *tu_host_path(const struct tu_host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The counter table the export tests share (their golden files are written from the
 * same rules by tests/unit/golden/make-export-golden.py): CT ctid, row i: held
 * ctid*1000+i, maxheld held+7, barrier unlimited when i%3 == 0 else 100*(i+1), limit
 * barrier+50 (or unlimited), failcnt i%4; rows 12..16 and 23 have no source (their
 * usage unknown, holding 12345 that must never show). */
struct bc_table;
void tu_bc_fixture(struct bc_table *t, unsigned long ctid, bool running);

#endif
