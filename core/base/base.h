/* core/base: small helpers every layer may use, with no knowledge of CTs, configs or
 * cgroups: the text of /proc/<pid>/stat, mountinfo paths, counting a devpts, waiting
 * for a child, monotonic time, pages and bytes, a ring of the last bytes of a stream and
 * the detach escape of a console (ring.c).
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

/* Closes every fd from 3 up but those of keep (n of them; sorted in place). */
void close_all_but(int *keep, size_t n);

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

/* The last size bytes of a stream (a console's backlog).  Positions count every byte
 * ever written, so that a reader keeps its place as a number: one that fell behind by
 * more than size bytes has lost the oldest and goes on from the oldest kept. */
struct byte_ring {
	char *buf;
	size_t size;
	uint64_t end; /* bytes ever written: the position after the newest */
};
/* -ENOMEM (also for size 0). */
int byte_ring_init(struct byte_ring *r, size_t size);
void byte_ring_free(struct byte_ring *r);
/* Never fails and never blocks: what does not fit pushes the oldest bytes out. */
void byte_ring_write(struct byte_ring *r, const void *data, size_t len);
/* The position of the oldest byte kept. */
uint64_t byte_ring_start(const struct byte_ring *r);
/* The bytes from *pos on that lie in one piece in the buffer: *ret and their count (0
 * when *pos is the end).  *pos is first moved to the oldest kept byte when those before
 * it were pushed out, and to the end when it lies past it. */
size_t byte_ring_peek(const struct byte_ring *r, uint64_t *pos, const char **ret);

/* `Esc .` detaches from a console: an Esc typed at the start of a line (the first
 * input, or after CR or LF) or right after another Esc is held back until the next
 * byte; a '.' then detaches, anything else goes on after the Esc.  An Esc in the middle
 * of a line goes on at once (escape sequences of keys and editors pass untouched). */
enum console_esc_state {
	CONSOLE_ESC_LINE_START,
	CONSOLE_ESC_MID_LINE,
	CONSOLE_ESC_AFTER_ESC,
	CONSOLE_ESC_HELD,
};
struct console_escape {
	enum console_esc_state state;
};
void console_escape_init(struct console_escape *e);
/* Scans len bytes of the user's input: what goes to the console is written to out
 * (room for len + 1 bytes) and its length returned; *detach tells whether the escape
 * was typed, in which case what followed it in `in` is not looked at.  Pure. */
size_t console_escape_scan(struct console_escape *e, const char *in, size_t len, char *out,
			   bool *detach);

#endif
