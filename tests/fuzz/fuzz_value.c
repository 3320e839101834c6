/* libFuzzer target: the value syntax (conf/value.c) on arbitrary text, in every unit.
 *
 * Beyond "no crash", it checks properties: a parse either succeeds with values no
 * larger than LONG_MAX or fails with VZ_E_VALUE; a formatted result reads back to the
 * same values; and a suffixed value means the same amount in pages as in bytes. */
#include <errno.h>
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

static const enum vz_unit units[] = { VZ_UNIT_ITEMS, VZ_UNIT_PAGES, VZ_UNIT_BYTES, VZ_UNIT_KBYTES };

static void check_round_trip(enum vz_unit unit, unsigned long bar, unsigned long lim)
{
	unsigned long b2 = 0, l2 = 0;
	char buf[64];

	/* `unlimited` is refused in KiB, so LONG_MAX KiB cannot be written as a value
	 * (callers format DISKSPACE with %lu). */
	if (unit == VZ_UNIT_KBYTES && (bar == VZ_UNLIMITED || lim == VZ_UNLIMITED))
		return;
	vz_format_barlim(bar, lim, buf, sizeof(buf));
	CHECK(vz_parse_barlim(buf, unit, &b2, &l2, NULL, NULL) == 0);
	CHECK(b2 == bar && l2 == lim);
}

static bool has_suffix(const char *text)
{
	size_t n = strlen(text);

	return n && strchr("TtGgMmKkPpBb", text[n - 1]) && !strchr(text, ':');
}

/* pages = ceil(exact bytes / 4096) and bytes = floor(exact bytes), so
 * (pages - 1) x 4096 <= bytes <= pages x 4096. */
static void check_pages_against_bytes(const char *text)
{
	unsigned long pages, bytes;

	if (!has_suffix(text))
		return;
	if (vz_parse_value(text, VZ_UNIT_PAGES, &pages, NULL, NULL) < 0 ||
	    vz_parse_value(text, VZ_UNIT_BYTES, &bytes, NULL, NULL) < 0)
		return;
	if (pages == VZ_UNLIMITED || bytes == VZ_UNLIMITED)
		return;
	CHECK(bytes <= pages * VZ_PAGE_SIZE);
	CHECK(pages == 0 || (pages - 1) * VZ_PAGE_SIZE <= bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		unsigned long bar = 1, lim = 2;
		vz_err err = { 0 };
		int r = vz_parse_barlim(text, units[i], &bar, &lim, NULL, &err);

		if (r < 0) {
			CHECK(r == -EINVAL && err.exit_code == VZ_E_VALUE);
			CHECK(bar == 1 && lim == 2);
			continue;
		}
		CHECK(bar <= VZ_UNLIMITED && lim <= VZ_UNLIMITED);
		check_round_trip(units[i], bar, lim);
	}
	check_pages_against_bytes(text);
	free(text);
	return 0;
}
