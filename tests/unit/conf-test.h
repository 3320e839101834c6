/* Helpers shared by the conf tests: a warning collector and temporary files. */
#ifndef VZ_TESTS_CONF_TEST_H
#define VZ_TESTS_CONF_TEST_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

#define CT_MAX_WARNINGS 16

/* Warnings a parse gave, kept so a test can assert each one. */
struct ct_warnings {
	int count;
	char msg[CT_MAX_WARNINGS][VZ_ERR_MSG_MAX];
};

static inline void ct_collect(void *ctx, const char *msg)
{
	struct ct_warnings *ws = ctx;

	if (ws->count < CT_MAX_WARNINGS)
		snprintf(ws->msg[ws->count], VZ_ERR_MSG_MAX, "%s", msg);
	ws->count++;
}

static inline vz_warn ct_warn(struct ct_warnings *ws)
{
	memset(ws, 0, sizeof(*ws));
	return (vz_warn){ ct_collect, ws };
}

/* A fresh directory for one test; removed by ct_rmtree. */
static inline char *ct_tmpdir(void)
{
	char *dir = strdup("/tmp/vz-conf-test.XXXXXX");

	cr_assert_not_null(dir);
	cr_assert_not_null(mkdtemp(dir), "mkdtemp failed");
	return dir;
}

static inline void ct_rmtree(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", dir, dir);
	cr_assert_eq(system(cmd), 0);
}

static inline char *ct_path(const char *dir, const char *name)
{
	char *p;

	cr_assert_geq(asprintf(&p, "%s/%s", dir, name), 0);
	return p;
}

static inline void ct_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "cannot create %s", path);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

/* The whole file; *ret_len gets its size. NULL when it cannot be read. */
static inline char *ct_read_file(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len = 0, n;
	char chunk[4096];

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		data = realloc(data, len + n + 1);
		cr_assert_not_null(data);
		memcpy(data + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (!data)
		data = calloc(1, 1);
	data[len] = '\0';
	*ret_len = len;
	return data;
}

static inline void ct_assert_file_is(const char *path, const char *expected)
{
	size_t len;
	char *data = ct_read_file(path, &len);

	cr_assert_not_null(data, "cannot read %s", path);
	cr_assert_eq(len, strlen(expected), "size %zu, expected %zu; got:\n%s", len,
		     strlen(expected), data);
	cr_assert(memcmp(data, expected, len) == 0, "got:\n%s\nexpected:\n%s", data, expected);
	free(data);
}

#endif
