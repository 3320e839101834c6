/* core/base: small helpers every layer may use, with no knowledge of CTs, configs or
 * cgroups: the text of /proc/<pid>/stat, mountinfo paths, counting a devpts, waiting
 * for a child, monotonic time, pages and bytes.
 *
 * Errors: negative errno; outputs untouched on failure; nothing here prints. */
#ifndef VZ_CORE_BASE_H
#define VZ_CORE_BASE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "conf/conf.h"

/* From the text of /proc/<pid>/stat: the state letter (field 3) and the start time
 * (field 22, clock ticks since boot); either may be NULL.  Pure. */
int proc_stat_parse(const char *text, char *state, uint64_t *start);

/* Undoes the octal escapes (\040 for a blank) mountinfo writes into paths, in place. */
void mountinfo_unescape(char *s);

/* The numbered entries (open ptys) of the devpts at dev/pts below root, a directory that
 * may belong to a CT: the path is resolved inside root (openat2 RESOLVE_IN_ROOT), so a
 * symlink planted there never leads to the host's files.  -errno. */
long devpts_count(const char *root);

/* waitpid() until it is not interrupted: the wait status, or -errno. */
int wait_pid(pid_t pid);

/* Milliseconds of CLOCK_MONOTONIC since *since. */
long elapsed_ms(const struct timespec *since);
/* Sleeps ms, through signals. */
void sleep_ms(long ms);

/* The one page size of the project's arithmetic (VZ_PAGE_SIZE): bytes as pages rounded
 * up (what is charged: a page partly used is used) or down (what fits: a capacity), and
 * pages as bytes, saturating at UINT64_MAX.  Pure. */
uint64_t pages_ceil(uint64_t bytes);
uint64_t pages_floor(uint64_t bytes);
uint64_t pages_bytes(uint64_t pages);

#endif
