/* The console's pure parts (core/base/ring.c): the ring that keeps a console's backlog
 * and the scanner of the `Esc .` that detaches `vzctl console`.  The monitor holding a
 * CT's console and the command attached to it are covered by the guest test
 * 38-console. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/base/base.h"

/* Everything a reader at *pos gets, as vzctl console gets it, into out. */
static size_t ring_read_all(const struct byte_ring *r, uint64_t *pos, char *out, size_t cap)
{
	size_t got = 0, n;
	const char *p;

	while ((n = byte_ring_peek(r, pos, &p)) > 0) {
		cr_assert_leq(got + n, cap);
		memcpy(out + got, p, n);
		got += n;
		*pos += n;
	}
	return got;
}

Test(ring, keeps_everything_below_its_size)
{
	struct byte_ring r;
	uint64_t pos = 0;
	char out[16];

	cr_assert_eq(byte_ring_init(&r, 8), 0);
	byte_ring_write(&r, "abc", 3);
	byte_ring_write(&r, "de", 2);
	cr_assert_eq(byte_ring_start(&r), 0);
	cr_assert_eq(ring_read_all(&r, &pos, out, sizeof(out)), 5);
	cr_assert_arr_eq(out, "abcde", 5);
	cr_assert_eq(pos, 5);
	byte_ring_free(&r);
}

Test(ring, keeps_the_last_bytes_across_the_wrap)
{
	struct byte_ring r;
	uint64_t pos = 0;
	char out[16];

	cr_assert_eq(byte_ring_init(&r, 8), 0);
	byte_ring_write(&r, "0123456", 7);
	byte_ring_write(&r, "789ab", 5);
	cr_assert_eq(r.end, 12);
	cr_assert_eq(byte_ring_start(&r), 4);
	/* A reader from the beginning has lost 0..3 and gets the rest in two pieces. */
	cr_assert_eq(ring_read_all(&r, &pos, out, sizeof(out)), 8);
	cr_assert_arr_eq(out, "456789ab", 8);
	cr_assert_eq(pos, 12);
	byte_ring_free(&r);
}

Test(ring, a_write_longer_than_the_ring_keeps_its_tail)
{
	struct byte_ring r;
	uint64_t pos = 0;
	char out[16];

	cr_assert_eq(byte_ring_init(&r, 4), 0);
	byte_ring_write(&r, "x", 1);
	byte_ring_write(&r, "abcdefghij", 10);
	cr_assert_eq(r.end, 11);
	cr_assert_eq(ring_read_all(&r, &pos, out, sizeof(out)), 4);
	cr_assert_arr_eq(out, "ghij", 4);
	byte_ring_free(&r);
}

Test(ring, a_reader_keeps_its_place_and_one_past_the_end_is_brought_back)
{
	struct byte_ring r;
	uint64_t pos = 0;
	const char *p;
	char out[16];

	cr_assert_eq(byte_ring_init(&r, 8), 0);
	byte_ring_write(&r, "abc", 3);
	cr_assert_eq(ring_read_all(&r, &pos, out, sizeof(out)), 3);
	cr_assert_eq(byte_ring_peek(&r, &pos, &p), 0);
	byte_ring_write(&r, "de", 2);
	cr_assert_eq(ring_read_all(&r, &pos, out, sizeof(out)), 2);
	cr_assert_arr_eq(out, "de", 2);
	pos = 100;
	cr_assert_eq(byte_ring_peek(&r, &pos, &p), 0);
	cr_assert_eq(pos, 5);
	byte_ring_free(&r);
}

Test(ring, a_slow_reader_skips_what_was_pushed_out)
{
	struct byte_ring r;
	uint64_t pos = 0;
	char out[4096];

	cr_assert_eq(byte_ring_init(&r, 1024), 0);
	for (int i = 0; i < 1000; i++)
		byte_ring_write(&r, "0123456789", 10);
	cr_assert_eq(ring_read_all(&r, &pos, out, sizeof(out)), 1024);
	cr_assert_eq(pos, 10000);
	cr_assert_arr_eq(out + 1024 - 10, "0123456789", 10);
	byte_ring_free(&r);
}

Test(ring, size_zero_is_refused)
{
	struct byte_ring r;

	cr_assert_lt(byte_ring_init(&r, 0), 0);
}

/* -------------------------------------------------------------- the escape */

struct scanned {
	char out[64];
	size_t len;
	bool detach;
};

static struct scanned scan(struct console_escape *e, const char *in)
{
	struct scanned s = { .len = 0 };

	s.len = console_escape_scan(e, in, strlen(in), s.out, &s.detach);
	return s;
}

static struct scanned scan_fresh(const char *in)
{
	struct console_escape e;

	console_escape_init(&e);
	return scan(&e, in);
}

Test(escape, esc_dot_first_detaches)
{
	struct scanned s = scan_fresh("\033.");

	cr_assert(s.detach);
	cr_assert_eq(s.len, 0);
}

Test(escape, esc_dot_after_a_newline_or_cr_detaches_and_what_came_before_goes_on)
{
	struct scanned s = scan_fresh("ls\r\033.rest");

	cr_assert(s.detach);
	cr_assert_eq(s.len, 3);
	cr_assert_arr_eq(s.out, "ls\r", 3);
	s = scan_fresh("ls\n\033.");
	cr_assert(s.detach);
}

Test(escape, esc_dot_in_the_middle_of_a_line_passes)
{
	/* Alt-. in a shell: the last argument, not a detach. */
	struct scanned s = scan_fresh("echo x\033.");

	cr_assert_not(s.detach);
	cr_assert_eq(s.len, 8);
	cr_assert_arr_eq(s.out, "echo x\033.", 8);
}

Test(escape, esc_esc_dot_detaches_anywhere)
{
	struct scanned s = scan_fresh("abc\033\033.");

	cr_assert(s.detach);
	cr_assert_eq(s.len, 4);
	cr_assert_arr_eq(s.out, "abc\033", 4);
}

Test(escape, a_held_esc_followed_by_something_else_goes_on_with_it)
{
	struct scanned s = scan_fresh("\033[A");

	cr_assert_not(s.detach);
	cr_assert_eq(s.len, 3);
	cr_assert_arr_eq(s.out, "\033[A", 3);
}

Test(escape, the_escape_split_across_reads)
{
	struct console_escape e;
	struct scanned s;

	console_escape_init(&e);
	s = scan(&e, "\r\033");
	cr_assert_not(s.detach);
	cr_assert_eq(s.len, 1); /* the Esc is held */
	s = scan(&e, ".");
	cr_assert(s.detach);
	cr_assert_eq(s.len, 0);
}

Test(escape, a_held_esc_then_another_esc_keeps_one_held)
{
	struct console_escape e;
	struct scanned s;

	console_escape_init(&e);
	s = scan(&e, "\033\033");
	cr_assert_not(s.detach);
	cr_assert_eq(s.len, 1);
	cr_assert_eq(s.out[0], '\033');
	s = scan(&e, "x");
	cr_assert_not(s.detach);
	cr_assert_eq(s.len, 2);
	cr_assert_arr_eq(s.out, "\033x", 2);
	s = scan(&e, "\033.");
	cr_assert_not(s.detach); /* mid-line again */
}

Test(escape, a_dot_alone_passes)
{
	struct scanned s = scan_fresh(".\r.");

	cr_assert_not(s.detach);
	cr_assert_eq(s.len, 3);
}
