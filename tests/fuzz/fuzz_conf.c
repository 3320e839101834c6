/* libFuzzer target: config files (conf/file.c) on arbitrary bytes.
 *
 * Parses the input, then checks the writer's promises without touching the disk:
 * with no change the rendered file is the input byte for byte; after a set, a
 * removal and a new key, the rendered file parses again, the changed keys read back
 * as set, and every other key keeps its value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                          \
	do {                                 \
		if (!(cond))                 \
			__builtin_trap();    \
	} while (0)

#define NEW_KEY "FUZZ_NEW_KEY"
#define MAX_PICKED 2

/* The first keys the writer can set (plain NAMEs), to change and to remove. */
struct picked {
	const char *keys[MAX_PICKED];
	int n;
};

static bool is_name(const char *k)
{
	if (!(*k == '_' || (*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z')))
		return false;
	for (k++; *k; k++)
		if (!(*k == '_' || (*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') ||
		      (*k >= '0' && *k <= '9')))
			return false;
	return true;
}

static void pick_key(void *ctx, const char *key, const char *value)
{
	struct picked *p = ctx;

	(void)value;
	if (p->n < MAX_PICKED && is_name(key) && strcmp(key, NEW_KEY) != 0)
		p->keys[p->n++] = key;
}

/* A value made of the input's own bytes: quotes, backslashes, CRs and all. */
static char *value_from(const uint8_t *data, size_t size)
{
	size_t n = size < 48 ? size : 48;
	char *v = malloc(n + 1);

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = data[i] == '\n' ? ' ' : data[i] == '\0' ? '"' : (char)data[i];
	v[n] = '\0';
	return v;
}

struct compare {
	const vz_conf *reread;
	const struct picked *changed;
};

static void same_as_before(void *ctx, const char *key, const char *value)
{
	const struct compare *c = ctx;
	const char *now;

	for (int i = 0; i < c->changed->n; i++)
		if (strcmp(key, c->changed->keys[i]) == 0)
			return;
	if (strcmp(key, NEW_KEY) == 0)
		return;
	now = vz_conf_get(c->reread, key);
	CHECK(now && strcmp(now, value) == 0);
}

static void check_unchanged_render(const vz_conf *cf, const uint8_t *data, size_t size)
{
	char *out = NULL;
	size_t len = 0;

	CHECK(vz_conf_render(cf, &out, &len) == 0);
	CHECK(len == size && memcmp(out, data, size) == 0 && out[len] == '\0');
	free(out);
}

static void check_veid(void *ctx, const char *key, const char *value)
{
	char *s = vz_subst_veid(value, "101");

	(void)ctx;
	(void)key;
	CHECK(s != NULL);
	/* A '$' left in place is followed by what followed it before, which was not
	 * VEID or {VEID}, or by the substituted id. */
	CHECK(strstr(s, "$VEID") == NULL && strstr(s, "${VEID}") == NULL);
	free(s);
}

/* Warnings are formatted (and so fuzzed) only when someone listens. */
static void ignore_warning(void *ctx, const char *msg)
{
	(void)ctx;
	CHECK(msg != NULL);
}

static const vz_warn warn = { ignore_warning, NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vz_conf *cf = NULL, *reread = NULL;
	struct picked p = { .n = 0 };
	char *value = value_from(data, size), *out = NULL;
	size_t len = 0;

	if (!value || vz_conf_parse((const char *)data, size, "fuzz", &cf, &warn, NULL) < 0)
		goto out;
	check_unchanged_render(cf, data, size);
	vz_conf_foreach(cf, check_veid, NULL);

	vz_conf_foreach(cf, pick_key, &p);
	CHECK(vz_conf_set(cf, NEW_KEY, value) == 0);
	if (p.n > 0)
		CHECK(vz_conf_set(cf, p.keys[0], value) == 0);
	if (p.n > 1)
		CHECK(vz_conf_set(cf, p.keys[1], NULL) == 0);

	CHECK(vz_conf_render(cf, &out, &len) >= 0);
	CHECK(vz_conf_parse(out, len, "rendered", &reread, NULL, NULL) == 0);
	CHECK(strcmp(vz_conf_get(reread, NEW_KEY), value) == 0);
	if (p.n > 0)
		CHECK(strcmp(vz_conf_get(reread, p.keys[0]), value) == 0);
	if (p.n > 1)
		CHECK(vz_conf_get(reread, p.keys[1]) == NULL);
	/* The set keys are pending in cf, so compare against a fresh parse of the input. */
	{
		vz_conf *orig = NULL;
		struct compare c = { reread, &p };

		CHECK(vz_conf_parse((const char *)data, size, "fuzz", &orig, NULL, NULL) == 0);
		vz_conf_foreach(orig, same_as_before, &c);
		vz_conf_free(orig);
	}
out:
	free(out);
	free(value);
	vz_conf_free(reread);
	vz_conf_free(cf);
	return 0;
}
