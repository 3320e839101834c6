/* The kept maxheld (core/state/state.h): the kernel keeps no peak for most rows, so
 * the largest value any read saw is kept in a small state file per run of a CT (and
 * per boot for the host), never going backwards while that run lasts. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/state/state.h"

/* A state line, "ID VALUE" in decimal: parsed by hand, as sscanf's cost was the
 * largest part of a table outside the kernel. */
static bool state_line(const char *l, unsigned *id, uint64_t *v)
{
	unsigned long long i, x;
	char *end;

	if (!isdigit((unsigned char)*l))
		return false;
	errno = 0;
	i = strtoull(l, &end, 10);
	if (*end != ' ' || !isdigit((unsigned char)end[1]) || i > UINT_MAX)
		return false;
	x = strtoull(end + 1, &end, 10);
	if (errno == ERANGE || (*end != '\n' && *end != '\0'))
		return false;
	*id = (unsigned)i;
	*v = x;
	return true;
}

int bc_maxheld_merge(const char *state, const char *tag, struct bc_table *t, char **ret)
{
	bool kept[UB_KERNEL_COUNT] = { false }, rose = false;
	size_t taglen = strlen(tag), len = 0;
	char *buf = NULL;
	FILE *f;

	*ret = NULL;
	if (state && strncmp(state, tag, taglen) == 0) {
		for (const char *l = state + taglen; l && *l;) {
			unsigned id;
			uint64_t v;

			if (state_line(l, &id, &v) && id < UB_KERNEL_COUNT &&
			    t->row[id].usage_known) {
				kept[id] = true;
				rose |= t->row[id].maxheld > v;
				if (v > t->row[id].maxheld)
					t->row[id].maxheld = v;
			}
			l = strchr(l, '\n');
			if (l)
				l++;
		}
	}
	for (int id = 0; id < UB_KERNEL_COUNT; id++)
		rose |= t->row[id].usage_known && !kept[id];
	if (!rose) /* the state holds these values already */
		return 0;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	fputs(tag, f);
	for (int id = 0; id < UB_KERNEL_COUNT; id++)
		if (t->row[id].usage_known)
			fprintf(f, "%d %" PRIu64 "\n", id, t->row[id].maxheld);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 1;
}

/* The lock is a file of its own, never replaced: a lock on the state file would be
 * lost with the inode the rename takes away. */
static int lock_state(int dirfd, const char *name)
{
	_cleanup_free_ char *lock = NULL;
	int fd;

	if (asprintf(&lock, "%s.lock", name) < 0)
		return -ENOMEM;
	fd = openat(dirfd, lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

void bc_maxheld_keep(const char *dir, const char *name, const char *tag, struct bc_table *t)
{
	_cleanup_free_ char *text = NULL, *next = NULL;
	_cleanup_close_ int dirfd = -1, lock = -1;

	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* RUNDIR comes with the first CT start; the host's block may be read before. */
	if (dirfd < 0 && errno == ENOENT && vz_mkdir_p(dir, 0755) == 0)
		dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return;
	lock = lock_state(dirfd, name);
	if (lock < 0)
		return;
	if (vz_read_own_at(dirfd, name, &text, NULL) < 0)
		text = NULL;
	if (bc_maxheld_merge(text, tag, t, &next) <= 0)
		return;
	/* Replaced whole: a failed write leaves the kept values as they were. */
	(void)vz_replace_at(dirfd, name, next, strlen(next), 0600);
}
