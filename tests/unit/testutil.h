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

#endif
