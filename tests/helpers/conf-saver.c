/* conf-saver PATH KEY COUNT: COUNT times, load PATH, set KEY to one more than the
 * number it holds, and save.  The crash test (tests/unit/test_conf.c) kills it with
 * SIGKILL at random moments and checks that PATH is never left torn.
 *
 * It prints "ready" before the first save so that the test can start its random
 * delay there: process start-up (slow under sanitizers) must not eat the window. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf/conf.h"

static int save_next(const char *path, const char *key)
{
	_cleanup_conf_ vz_conf *cf = NULL;
	char value[32];
	vz_err err = { 0 };
	const char *old;
	int r;

	r = vz_conf_load(path, &cf, NULL, &err);
	if (r < 0) {
		fprintf(stderr, "conf-saver: %s\n", err.msg);
		return r;
	}
	old = vz_conf_get(cf, key);
	snprintf(value, sizeof(value), "%lu", (old ? strtoul(old, NULL, 10) : 0) + 1);
	r = vz_conf_set(cf, key, value);
	if (r < 0) {
		fprintf(stderr, "conf-saver: cannot set %s\n", key);
		return r;
	}
	r = vz_conf_save(cf, path, NULL, &err);
	if (r < 0)
		fprintf(stderr, "conf-saver: %s\n", err.msg);
	return r;
}

int main(int argc, char **argv)
{
	long count;

	if (argc != 4) {
		fprintf(stderr, "usage: conf-saver PATH KEY COUNT\n");
		return 2;
	}
	count = strtol(argv[3], NULL, 10);
	printf("ready\n");
	fflush(stdout);
	for (long i = 0; i < count; i++)
		if (save_next(argv[1], argv[2]) < 0)
			return 1;
	return 0;
}
