/* The value syntax of conf/value.c: N[:M], suffixes per unit, unlimited, clamping. */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "conf/conf.h"
#include "tests/unit/conf-test.h"

struct value_case {
	const char *text;
	enum vz_unit unit;
	unsigned long expected;
};

static const char *unit_name(enum vz_unit u)
{
	switch (u) {
	case VZ_UNIT_ITEMS: return "items";
	case VZ_UNIT_PAGES: return "pages";
	case VZ_UNIT_BYTES: return "bytes";
	case VZ_UNIT_KBYTES: return "kbytes";
	}
	return "?";
}

static void check_values(const struct value_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ct_warnings ws;
		vz_warn w = ct_warn(&ws);
		vz_err err = { 0 };
		unsigned long v = 42;
		int r = vz_parse_value(cases[i].text, cases[i].unit, &v, &w, &err);

		cr_assert_eq(r, 0, "\"%s\" as %s: %d %s", cases[i].text, unit_name(cases[i].unit), r,
			     err.msg);
		cr_assert_eq(v, cases[i].expected, "\"%s\" as %s gave %lu, expected %lu", cases[i].text,
			     unit_name(cases[i].unit), v, cases[i].expected);
		cr_assert_eq(ws.count, 0, "\"%s\" warned: %s", cases[i].text, ws.msg[0]);
	}
}

static void check_error(const char *text, enum vz_unit unit)
{
	unsigned long bar = 42, lim = 43;
	vz_err err = { 0 };
	char quoted[256];
	int r = vz_parse_barlim(text, unit, &bar, &lim, NULL, &err);

	cr_assert_eq(r, -EINVAL, "\"%s\" as %s should fail, gave %d (%lu:%lu)", text, unit_name(unit), r,
		     bar, lim);
	cr_assert_eq(err.exit_code, VZ_E_VALUE, "\"%s\": exit code %d", text, err.exit_code);
	snprintf(quoted, sizeof(quoted), "invalid value \"%s\"", text);
	cr_assert(strstr(err.msg, quoted), "\"%s\": message \"%s\" does not name the text", text,
		  err.msg);
	/* Outputs untouched on failure. */
	cr_assert_eq(bar, 42);
	cr_assert_eq(lim, 43);
}

Test(value, plain_numbers_per_unit)
{
	static const struct value_case cases[] = {
		{ "0", VZ_UNIT_ITEMS, 0 },     { "0", VZ_UNIT_PAGES, 0 },
		{ "0", VZ_UNIT_BYTES, 0 },     { "0", VZ_UNIT_KBYTES, 0 },
		{ "240", VZ_UNIT_ITEMS, 240 }, { "65536", VZ_UNIT_PAGES, 65536 },
		{ "14372700", VZ_UNIT_BYTES, 14372700 },
		{ "2097152", VZ_UNIT_KBYTES, 2097152 },
		{ "007", VZ_UNIT_ITEMS, 7 },
		/* Leading zeros never count towards "too large". */
		{ "000000000000000000000000000000042", VZ_UNIT_ITEMS, 42 },
		{ "0000000000000000000000000000000.5K", VZ_UNIT_BYTES, 512 },
		{ "2147483646", VZ_UNIT_ITEMS, 2147483646 },
		{ "2147483648", VZ_UNIT_PAGES, 2147483648UL },
		{ "9223372036854775806", VZ_UNIT_BYTES, 9223372036854775806UL },
	};

	check_values(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(value, unlimited_spellings)
{
	static const struct value_case cases[] = {
		{ "unlimited", VZ_UNIT_ITEMS, VZ_UNLIMITED },
		{ "unlimited", VZ_UNIT_PAGES, VZ_UNLIMITED },
		{ "unlimited", VZ_UNIT_BYTES, VZ_UNLIMITED },
		{ "9223372036854775807", VZ_UNIT_ITEMS, VZ_UNLIMITED },
		{ "9223372036854775807", VZ_UNIT_PAGES, VZ_UNLIMITED },
		{ "9223372036854775807", VZ_UNIT_KBYTES, VZ_UNLIMITED },
		/* 32-bit kernels printed INT_MAX for unlimited. */
		{ "2147483647", VZ_UNIT_ITEMS, VZ_UNLIMITED },
		{ "2147483647", VZ_UNIT_PAGES, VZ_UNLIMITED },
		{ "2147483647", VZ_UNIT_BYTES, VZ_UNLIMITED },
		/* A result of exactly INT_MAX through a suffix reads the same way, so that
		 * formatting and reading back always agree. */
		{ "8796093018112B", VZ_UNIT_PAGES, VZ_UNLIMITED },
		/* LONG_MAX pages through P is unlimited, not an overflow. */
		{ "9223372036854775807P", VZ_UNIT_PAGES, VZ_UNLIMITED },
		{ "2147483647P", VZ_UNIT_PAGES, VZ_UNLIMITED },
		/* ...but INT_MAX KiB is a real disk quota (2 TiB), not a 32-bit relic. */
		{ "2147483647", VZ_UNIT_KBYTES, 2147483647UL },
		{ "2147483647K", VZ_UNIT_KBYTES, 2147483647UL },
	};

	check_values(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(value, suffixes_in_pages)
{
	static const struct value_case cases[] = {
		{ "256M", VZ_UNIT_PAGES, 65536 },
		{ "256m", VZ_UNIT_PAGES, 65536 },
		{ "1G", VZ_UNIT_PAGES, 262144 },
		{ "1g", VZ_UNIT_PAGES, 262144 },
		{ "1T", VZ_UNIT_PAGES, 268435456 },
		{ "1t", VZ_UNIT_PAGES, 268435456 },
		{ "8K", VZ_UNIT_PAGES, 2 },
		{ "8k", VZ_UNIT_PAGES, 2 },
		{ "5P", VZ_UNIT_PAGES, 5 },
		{ "5p", VZ_UNIT_PAGES, 5 },
		{ "4096B", VZ_UNIT_PAGES, 1 },
		{ "8192b", VZ_UNIT_PAGES, 2 },
		{ "0B", VZ_UNIT_PAGES, 0 },
		{ "0G", VZ_UNIT_PAGES, 0 },
	};

	check_values(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Pages round up, as vzctl rounds --ram and --swap up to whole pages: the limit
 * never ends below the bytes that were asked for. */
Test(value, pages_round_up_to_whole_pages)
{
	static const struct value_case cases[] = {
		{ "1B", VZ_UNIT_PAGES, 1 },
		{ "4095B", VZ_UNIT_PAGES, 1 },
		{ "4097B", VZ_UNIT_PAGES, 2 },
		{ "1K", VZ_UNIT_PAGES, 1 },
		{ "5K", VZ_UNIT_PAGES, 2 },
		{ "0.5P", VZ_UNIT_PAGES, 1 },
		{ "1.5P", VZ_UNIT_PAGES, 2 },
		{ "2.0P", VZ_UNIT_PAGES, 2 },
		/* 2.2 GiB = 2362232012.8 bytes = 576716.8 pages */
		{ "2.2G", VZ_UNIT_PAGES, 576717 },
		{ "0.5G", VZ_UNIT_PAGES, 131072 },
		{ "0.25M", VZ_UNIT_PAGES, 64 },
		/* A fraction of a byte still needs a page. */
		{ "0.1B", VZ_UNIT_PAGES, 1 },
		/* Far digits count: exact arithmetic, no binary rounding. */
		{ "1.0000000000000000000000000000000000000000001P", VZ_UNIT_PAGES, 2 },
		{ "1.99999999999999999999999999999999999999999999P", VZ_UNIT_PAGES, 2 },
	};

	check_values(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Bytes round down: the exact value is floor(number x multiplier). */
Test(value, suffixes_and_fractions_in_bytes)
{
	static const struct value_case cases[] = {
		{ "1K", VZ_UNIT_BYTES, 1024 },
		{ "1k", VZ_UNIT_BYTES, 1024 },
		{ "1M", VZ_UNIT_BYTES, 1048576 },
		{ "1G", VZ_UNIT_BYTES, 1073741824 },
		{ "1T", VZ_UNIT_BYTES, 1099511627776UL },
		{ "1P", VZ_UNIT_BYTES, 4096 },
		{ "17B", VZ_UNIT_BYTES, 17 },
		{ "2.2G", VZ_UNIT_BYTES, 2362232012UL },
		{ "2.2g", VZ_UNIT_BYTES, 2362232012UL },
		{ "0.1K", VZ_UNIT_BYTES, 102 },
		{ "1.5B", VZ_UNIT_BYTES, 1 },
		{ "0.5P", VZ_UNIT_BYTES, 2048 },
		{ "1.5T", VZ_UNIT_BYTES, 1649267441664UL },
		{ "0.999999999999999999999999999999T", VZ_UNIT_BYTES, 1099511627775UL },
		{ "8388607T", VZ_UNIT_BYTES, 9223370937343148032UL },
	};

	check_values(cases, sizeof(cases) / sizeof(cases[0]));
}

/* DISKSPACE: a plain number is KiB, suffixes convert to KiB, the rest is dropped as
 * vzctl drops it. */
Test(value, suffixes_in_kbytes)
{
	static const struct value_case cases[] = {
		{ "100", VZ_UNIT_KBYTES, 100 },
		{ "1K", VZ_UNIT_KBYTES, 1 },
		{ "1M", VZ_UNIT_KBYTES, 1024 },
		{ "2G", VZ_UNIT_KBYTES, 2097152 },
		{ "2.2G", VZ_UNIT_KBYTES, 2306867 },
		{ "1T", VZ_UNIT_KBYTES, 1073741824 },
		{ "1P", VZ_UNIT_KBYTES, 4 },
		{ "1B", VZ_UNIT_KBYTES, 0 },
		{ "1025B", VZ_UNIT_KBYTES, 1 },
		{ "2048b", VZ_UNIT_KBYTES, 2 },
	};

	check_values(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(value, kbytes_refuses_unlimited)
{
	check_error("unlimited", VZ_UNIT_KBYTES);
	check_error("2G:unlimited", VZ_UNIT_KBYTES);
}

Test(value, items_take_no_suffix_and_no_fraction)
{
	static const char *const bad[] = { "5K", "5k", "1M", "1G", "1T", "1P", "1B", "2.5", "2.5K", "1.0" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_error(bad[i], VZ_UNIT_ITEMS);
}

Test(value, fraction_needs_a_suffix)
{
	check_error("2.5", VZ_UNIT_PAGES);
	check_error("2.5", VZ_UNIT_BYTES);
	check_error("2.5", VZ_UNIT_KBYTES);
}

Test(value, malformed_text_is_an_error_in_every_unit)
{
	static const char *const bad[] = {
		"", "-5", "-0", "+5", "abc", "5x", "5 ", " 5", "\t5", "5\n", "1:2:3", ":5", "5:", ":",
		"nan", "NaN", "inf", "infinity", "0x10", "0X1F", "1e3", "1E3", "5KK", "5KB", "5.G", ".5G",
		"5..5K", "5.5.5K", "unlimitedx", "Unlimited", "UNLIMITED", "unlim", "5 K", "1 : 2",
		"1:-2", "1;2", "１２", "5\xc2\xa0",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (enum vz_unit u = VZ_UNIT_ITEMS; u <= VZ_UNIT_KBYTES; u++)
			check_error(bad[i], u);
}

Test(value, larger_than_long_max_is_clamped_with_a_warning)
{
	static const struct value_case cases[] = {
		{ "9223372036854775808", VZ_UNIT_ITEMS, VZ_UNLIMITED },  /* LONG_MAX + 1 */
		{ "18446744073709551615", VZ_UNIT_PAGES, VZ_UNLIMITED }, /* ULONG_MAX */
		{ "18446744073709551616", VZ_UNIT_BYTES, VZ_UNLIMITED },
		{ "99999999999999999999999", VZ_UNIT_ITEMS, VZ_UNLIMITED },
		{ "99999999999999999999999", VZ_UNIT_KBYTES, VZ_UNLIMITED },
		{ "9999999999999999999999999999999999999999999999999999999999", VZ_UNIT_PAGES, VZ_UNLIMITED },
		{ "99999999999999999999999.5G", VZ_UNIT_BYTES, VZ_UNLIMITED },
		/* Overflow by the suffix. */
		{ "8388608T", VZ_UNIT_BYTES, VZ_UNLIMITED },
		{ "9223372036854775807T", VZ_UNIT_BYTES, VZ_UNLIMITED },
		{ "9223372036854775807K", VZ_UNIT_BYTES, VZ_UNLIMITED },
		{ "2251799813685248T", VZ_UNIT_PAGES, VZ_UNLIMITED },
		{ "36028797018963968G", VZ_UNIT_PAGES, VZ_UNLIMITED },
		{ "9007199254740992M", VZ_UNIT_KBYTES, VZ_UNLIMITED },
		{ "9223372036854775807.5K", VZ_UNIT_BYTES, VZ_UNLIMITED },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ct_warnings ws;
		vz_warn w = ct_warn(&ws);
		vz_err err = { 0 };
		unsigned long v = 42;

		cr_assert_eq(vz_parse_value(cases[i].text, cases[i].unit, &v, &w, &err), 0, "%s: %s",
			     cases[i].text, err.msg);
		cr_assert_eq(v, VZ_UNLIMITED, "%s gave %lu", cases[i].text, v);
		cr_assert_eq(ws.count, 1, "%s: %d warnings", cases[i].text, ws.count);
		cr_assert(strstr(ws.msg[0], "too large value"), "%s", ws.msg[0]);
		cr_assert(strstr(ws.msg[0], "truncated"), "%s", ws.msg[0]);
	}
}

Test(value, clamping_warning_names_the_text)
{
	struct ct_warnings ws;
	vz_warn w = ct_warn(&ws);
	unsigned long bar, lim;

	cr_assert_eq(vz_parse_barlim("99999999999999999999999:9223372036854775808", VZ_UNIT_PAGES, &bar,
				     &lim, &w, NULL),
		     0);
	cr_assert_eq(bar, VZ_UNLIMITED);
	cr_assert_eq(lim, VZ_UNLIMITED);
	cr_assert_eq(ws.count, 2);
	cr_assert_str_eq(ws.msg[0],
			 "too large value \"99999999999999999999999\", truncated to 9223372036854775807");
	cr_assert_str_eq(ws.msg[1],
			 "too large value \"9223372036854775808\", truncated to 9223372036854775807");
}

Test(value, no_warning_callback_is_fine)
{
	unsigned long v;

	cr_assert_eq(vz_parse_value("99999999999999999999999", VZ_UNIT_ITEMS, &v, NULL, NULL), 0);
	cr_assert_eq(v, VZ_UNLIMITED);
	cr_assert_eq(vz_parse_value("junk", VZ_UNIT_ITEMS, &v, NULL, NULL), -EINVAL);
}

Test(value, barrier_and_limit)
{
	unsigned long bar = 0, lim = 0;
	vz_err err = { 0 };

	cr_assert_eq(vz_parse_barlim("240", VZ_UNIT_ITEMS, &bar, &lim, NULL, &err), 0);
	cr_assert_eq(bar, 240);
	cr_assert_eq(lim, 240);
	cr_assert_eq(vz_parse_barlim("14372700:14790164", VZ_UNIT_BYTES, &bar, &lim, NULL, &err), 0);
	cr_assert_eq(bar, 14372700);
	cr_assert_eq(lim, 14790164);
	cr_assert_eq(vz_parse_barlim("0:unlimited", VZ_UNIT_PAGES, &bar, &lim, NULL, &err), 0);
	cr_assert_eq(bar, 0);
	cr_assert_eq(lim, VZ_UNLIMITED);
	cr_assert_eq(vz_parse_barlim("0:256M", VZ_UNIT_PAGES, &bar, &lim, NULL, &err), 0);
	cr_assert_eq(bar, 0);
	cr_assert_eq(lim, 65536);
	cr_assert_eq(vz_parse_barlim("2G:2.2G", VZ_UNIT_KBYTES, &bar, &lim, NULL, &err), 0);
	cr_assert_eq(bar, 2097152);
	cr_assert_eq(lim, 2306867);
	/* Barrier above limit is for the validator to judge, not the parser. */
	cr_assert_eq(vz_parse_barlim("10:5", VZ_UNIT_ITEMS, &bar, &lim, NULL, &err), 0);
	cr_assert_eq(bar, 10);
	cr_assert_eq(lim, 5);
	cr_assert_eq(vz_parse_barlim("unlimited:2147483647", VZ_UNIT_ITEMS, &bar, &lim, NULL, &err), 0);
	cr_assert_eq(bar, VZ_UNLIMITED);
	cr_assert_eq(lim, VZ_UNLIMITED);
}

Test(value, error_on_one_side_leaves_both_outputs)
{
	check_error("5:abc", VZ_UNIT_ITEMS);
	check_error("abc:5", VZ_UNIT_ITEMS);
	check_error("1G:5K", VZ_UNIT_ITEMS);
}

Test(value, null_text_and_bad_unit)
{
	unsigned long v = 7, l = 8;
	vz_err err = { 0 };

	cr_assert_eq(vz_parse_value(NULL, VZ_UNIT_ITEMS, &v, NULL, &err), -EINVAL);
	cr_assert_eq(err.exit_code, VZ_E_VALUE);
	cr_assert_eq(vz_parse_barlim(NULL, VZ_UNIT_ITEMS, &v, &l, NULL, &err), -EINVAL);
	cr_assert_eq(vz_parse_value("5", (enum vz_unit)99, &v, NULL, &err), -EINVAL);
	cr_assert_eq(v, 7);
	cr_assert_eq(l, 8);
}

Test(value, long_garbage_is_quoted_shortly)
{
	size_t n = 100 * 1024;
	char *text = malloc(n + 1);
	vz_err err = { 0 };
	unsigned long v;

	memset(text, 'x', n);
	text[n] = '\0';
	cr_assert_eq(vz_parse_value(text, VZ_UNIT_BYTES, &v, NULL, &err), -EINVAL);
	cr_assert(strncmp(err.msg, "invalid value \"xxxx", 19) == 0, "%s", err.msg);
	cr_assert(strstr(err.msg, "...\""), "%s", err.msg);
	cr_assert_lt(strlen(err.msg), 128);
	free(text);

	/* A 100 kB number is still a number: too large, clamped. */
	text = malloc(n + 1);
	memset(text, '9', n);
	text[n] = '\0';
	cr_assert_eq(vz_parse_value(text, VZ_UNIT_BYTES, &v, NULL, &err), 0);
	cr_assert_eq(v, VZ_UNLIMITED);
	free(text);
}

Test(value, error_messages)
{
	vz_err err = { 0 };
	unsigned long v;

	vz_parse_value("abc", VZ_UNIT_PAGES, &v, NULL, &err);
	cr_assert_str_eq(err.msg, "invalid value \"abc\"");
	vz_parse_value("5K", VZ_UNIT_ITEMS, &v, NULL, &err);
	cr_assert_str_eq(err.msg, "invalid value \"5K\": a count takes no suffix");
	vz_parse_value("2.5", VZ_UNIT_ITEMS, &v, NULL, &err);
	cr_assert_str_eq(err.msg, "invalid value \"2.5\": a count must be a whole number");
	vz_parse_value("2.5", VZ_UNIT_BYTES, &v, NULL, &err);
	cr_assert_str_eq(err.msg, "invalid value \"2.5\": a fraction needs a suffix (K, M, G, T, P, B)");
	vz_parse_value("unlimited", VZ_UNIT_KBYTES, &v, NULL, &err);
	cr_assert_str_eq(err.msg, "invalid value \"unlimited\": `unlimited` is not accepted here");
	cr_assert_eq(err.exit_code, VZ_E_VALUE);
	cr_assert_eq(err.sys_errno, 0);
}

Test(value, format)
{
	char buf[64];

	cr_assert_str_eq(vz_format_value(0, buf, sizeof(buf)), "0");
	cr_assert_str_eq(vz_format_value(240, buf, sizeof(buf)), "240");
	cr_assert_str_eq(vz_format_value(VZ_UNLIMITED, buf, sizeof(buf)), "unlimited");
	cr_assert_str_eq(vz_format_value(VZ_UNLIMITED - 1, buf, sizeof(buf)), "9223372036854775806");
	cr_assert_str_eq(vz_format_value(VZ_UNLIMITED32, buf, sizeof(buf)), "2147483647");
	cr_assert_str_eq(vz_format_barlim(240, 240, buf, sizeof(buf)), "240");
	cr_assert_str_eq(vz_format_barlim(1, 2, buf, sizeof(buf)), "1:2");
	cr_assert_str_eq(vz_format_barlim(0, VZ_UNLIMITED, buf, sizeof(buf)), "0:unlimited");
	cr_assert_str_eq(vz_format_barlim(VZ_UNLIMITED, VZ_UNLIMITED, buf, sizeof(buf)), "unlimited");
	cr_assert_str_eq(vz_format_barlim(14372700, 14790164, buf, sizeof(buf)), "14372700:14790164");
	/* A short buffer is cut, never overrun. */
	cr_assert_str_eq(vz_format_barlim(14372700, 14790164, buf, 6), "14372");
}

Test(value, format_then_parse_gives_the_same_values)
{
	static const unsigned long vals[] = { 0, 1, 4096, 65536, 2147483646, 2147483648UL,
					      VZ_UNLIMITED - 1, VZ_UNLIMITED };

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		for (size_t j = 0; j < sizeof(vals) / sizeof(vals[0]); j++)
			for (enum vz_unit u = VZ_UNIT_ITEMS; u <= VZ_UNIT_BYTES; u++) {
				char buf[64];
				unsigned long b, l;

				vz_format_barlim(vals[i], vals[j], buf, sizeof(buf));
				cr_assert_eq(vz_parse_barlim(buf, u, &b, &l, NULL, NULL), 0, "%s", buf);
				cr_assert_eq(b, vals[i], "%s", buf);
				cr_assert_eq(l, vals[j], "%s", buf);
			}
}
