/* core/base: the byte ring and the console's detach escape (base.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/base.h"

#define ESC '\033'

int byte_ring_init(struct byte_ring *r, size_t size)
{
	char *buf = size ? malloc(size) : NULL;

	if (!buf)
		return -ENOMEM;
	*r = (struct byte_ring){ buf, size, 0 };
	return 0;
}

void byte_ring_free(struct byte_ring *r)
{
	free(r->buf);
	*r = (struct byte_ring){ NULL, 0, 0 };
}

uint64_t byte_ring_start(const struct byte_ring *r)
{
	return r->end > r->size ? r->end - r->size : 0;
}

void byte_ring_write(struct byte_ring *r, const void *data, size_t len)
{
	const char *p = data;

	/* Only the last size bytes of a long write can survive it. */
	if (len > r->size) {
		r->end += len - r->size;
		p += len - r->size;
		len = r->size;
	}
	while (len > 0) {
		size_t at = (size_t)(r->end % r->size), n = r->size - at;

		if (n > len)
			n = len;
		memcpy(r->buf + at, p, n);
		r->end += n;
		p += n;
		len -= n;
	}
}

size_t byte_ring_peek(const struct byte_ring *r, uint64_t *pos, const char **ret)
{
	uint64_t start = byte_ring_start(r);
	size_t at, n;

	if (*pos < start)
		*pos = start;
	if (*pos > r->end)
		*pos = r->end;
	if (*pos == r->end) {
		*ret = NULL;
		return 0;
	}
	at = (size_t)(*pos % r->size);
	n = r->size - at;
	if (n > r->end - *pos)
		n = (size_t)(r->end - *pos);
	*ret = r->buf + at;
	return n;
}

/* ---------------------------------------------------------- the escape */

void console_escape_init(struct console_escape *e)
{
	e->state = CONSOLE_ESC_LINE_START;
}

size_t console_escape_scan(struct console_escape *e, const char *in, size_t len, char *out,
			   bool *detach)
{
	size_t o = 0;

	*detach = false;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (e->state == CONSOLE_ESC_HELD) {
			if (c == '.') {
				*detach = true;
				return o;
			}
			/* Not the escape: the held Esc goes on, and c is read as typed
			 * right after an Esc. */
			out[o++] = ESC;
			e->state = CONSOLE_ESC_AFTER_ESC;
		}
		if (c == ESC && e->state != CONSOLE_ESC_MID_LINE) {
			e->state = CONSOLE_ESC_HELD;
			continue;
		}
		out[o++] = c;
		if (c == ESC)
			e->state = CONSOLE_ESC_AFTER_ESC;
		else if (c == '\r' || c == '\n')
			e->state = CONSOLE_ESC_LINE_START;
		else
			e->state = CONSOLE_ESC_MID_LINE;
	}
	return o;
}
