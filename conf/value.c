/* The OpenVZ value syntax (reference §1.3, §3.2): `N` or `N:M`, each side a number,
 * a number with a suffix, or `unlimited`.
 *
 * Numbers are read digit by digit instead of with strtod/strtoul, which would accept
 * blanks, signs, "inf", "nan", hex and exponents.  The arithmetic is exact: a side is
 * (integer part + decimal fraction) x 2^shift, evaluated in 128 bits, so `2.2G` is
 * floor(2.2 x 1024^3) = 2362232012 bytes and never suffers from binary rounding. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"

typedef unsigned __int128 u128;

/* How much of the text an error or warning quotes: enough to recognise it. */
#define QUOTE_MAX 64

/* One side of a value, split into its parts (pointers into the text). */
struct number {
	const char *int_digits;
	size_t n_int;
	const char *frac_digits;
	size_t n_frac;
	bool has_point;
	char suffix; /* 0 when none */
};

/* Each unit as a power of two of bytes, and how a result in it is rounded. */
struct unit_rule {
	unsigned base_shift;    /* log2 of the unit in bytes */
	unsigned default_shift; /* log2 of what a plain number counts, in bytes */
	bool round_up;
	bool suffix_ok;
	bool unlimited_ok;
	bool int_max_is_unlimited;
};

static const struct unit_rule unit_rules[] = {
	[VZ_UNIT_ITEMS] = { 0, 0, false, false, true, true },
	/* vzctl rounds --ram and --swap up to whole pages: a page limit never ends
	 * below the bytes asked for. */
	[VZ_UNIT_PAGES] = { 12, 12, true, true, true, true },
	[VZ_UNIT_BYTES] = { 0, 0, false, true, true, true },
	/* DISKSPACE: vzctl divides by 1024 and drops the rest.  INT_MAX KiB is a real
	 * quota of 2 TiB, not the 32-bit kernel's "unlimited". */
	[VZ_UNIT_KBYTES] = { 10, 10, false, true, false, false },
};

static int suffix_shift(char c)
{
	switch (c) {
	case 'T': case 't': return 40;
	case 'G': case 'g': return 30;
	case 'M': case 'm': return 20;
	case 'K': case 'k': return 10;
	case 'P': case 'p': return 12;
	case 'B': case 'b': return 0;
	default: return -1;
	}
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static size_t count_digits(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && is_digit(s[n]))
		n++;
	return n;
}

/* digits [. digits] [suffix], nothing else.  Returns false on any other shape. */
static bool split_number(const char *s, size_t len, struct number *ret)
{
	struct number n = { .int_digits = s };
	size_t pos;

	n.n_int = count_digits(s, len);
	if (n.n_int == 0)
		return false;
	pos = n.n_int;
	if (pos < len && s[pos] == '.') {
		n.has_point = true;
		n.frac_digits = s + pos + 1;
		n.n_frac = count_digits(n.frac_digits, len - pos - 1);
		if (n.n_frac == 0)
			return false;
		pos += 1 + n.n_frac;
	}
	if (pos < len) {
		if (suffix_shift(s[pos]) < 0)
			return false;
		n.suffix = s[pos++];
	}
	if (pos != len)
		return false;
	*ret = n;
	return true;
}

/* The integer part, or false when it exceeds LONG_MAX (however many digits). */
static bool integer_part(const struct number *n, u128 *ret)
{
	u128 v = 0;

	for (size_t i = 0; i < n->n_int; i++) {
		v = v * 10 + (unsigned)(n->int_digits[i] - '0');
		if (v > (u128)LONG_MAX)
			return false;
	}
	*ret = v;
	return true;
}

/* floor(0.<digits> x 2^shift), evaluated from the last digit back:
 * q_i = (d_i x 2^shift + q_(i+1)) / 10, and floor may be taken at every step
 * because floor((m + x) / 10) = floor((m + floor(x)) / 10) for whole m.
 * q stays below 2^shift, so nothing overflows for shift <= 40. */
static u128 scale_fraction(const char *digits, size_t n, unsigned shift, bool *inexact)
{
	u128 q = 0;

	for (size_t i = n; i-- > 0;) {
		u128 t = ((u128)(unsigned)(digits[i] - '0') << shift) + q;

		if (t % 10)
			*inexact = true;
		q = t / 10;
	}
	return q;
}

/* (integer + fraction) x 2^(to_shift - from_shift), rounded as the unit says. */
static u128 scale_number(const struct number *n, u128 integer, int shift, bool round_up)
{
	unsigned up = shift > 0 ? (unsigned)shift : 0;
	unsigned down = shift < 0 ? (unsigned)-shift : 0;
	bool inexact = false;
	u128 v, q;

	v = (integer << up) + scale_fraction(n->frac_digits, n->n_frac, up, &inexact);
	q = v >> down;
	if (down && (v & (((u128)1 << down) - 1)))
		inexact = true;
	if (round_up && inexact)
		q++;
	return q;
}

static void quoted(const char *s, size_t len, char *buf, size_t size)
{
	if (len > QUOTE_MAX)
		snprintf(buf, size, "\"%.*s...\"", QUOTE_MAX, s);
	else
		snprintf(buf, size, "\"%.*s\"", (int)len, s);
}

static int value_error(vz_err *err, const char *text, const char *why)
{
	char q[QUOTE_MAX + 8];

	quoted(text, strlen(text), q, sizeof(q));
	return vz_fail(err, VZ_E_VALUE, 0, "invalid value %s%s", q, why);
}

static unsigned long clamp_too_large(const char *s, size_t len, const vz_warn *w)
{
	char q[QUOTE_MAX + 8];

	quoted(s, len, q, sizeof(q));
	vz_warnf(w, "too large value %s, truncated to %ld", q, LONG_MAX);
	return VZ_UNLIMITED;
}

static bool is_unlimited_word(const char *s, size_t len)
{
	return len == 9 && memcmp(s, "unlimited", 9) == 0;
}

/* One side: s[0..len), which is part of `text` (named in errors). */
static int parse_side(const char *s, size_t len, enum vz_unit unit, const char *text,
		      unsigned long *ret, const vz_warn *w, vz_err *err)
{
	const struct unit_rule *rule = &unit_rules[unit];
	struct number n;
	u128 integer, v;
	int from;

	if (is_unlimited_word(s, len)) {
		if (!rule->unlimited_ok)
			return value_error(err, text, ": `unlimited` is not accepted here");
		*ret = VZ_UNLIMITED;
		return 0;
	}
	if (!split_number(s, len, &n))
		return value_error(err, text, "");
	if (n.suffix && !rule->suffix_ok)
		return value_error(err, text, ": a count takes no suffix");
	if (n.has_point && !n.suffix)
		return value_error(err, text,
				   rule->suffix_ok ? ": a fraction needs a suffix (K, M, G, T, P, B)"
						   : ": a count must be a whole number");
	if (!integer_part(&n, &integer)) {
		*ret = clamp_too_large(s, len, w);
		return 0;
	}
	from = n.suffix ? suffix_shift(n.suffix) : (int)rule->default_shift;
	v = scale_number(&n, integer, from - (int)rule->base_shift, rule->round_up);
	if (v > (u128)LONG_MAX) {
		*ret = clamp_too_large(s, len, w);
		return 0;
	}
	if (rule->int_max_is_unlimited && v == (u128)INT_MAX)
		v = VZ_UNLIMITED;
	*ret = (unsigned long)v;
	return 0;
}

static bool unit_is_valid(enum vz_unit unit)
{
	return (unsigned)unit < sizeof(unit_rules) / sizeof(unit_rules[0]);
}

int vz_parse_value(const char *text, enum vz_unit unit, unsigned long *ret,
		   const vz_warn *w, vz_err *err)
{
	unsigned long v;
	int r;

	if (!text)
		return vz_fail(err, VZ_E_VALUE, 0, "invalid value (none given)");
	if (!unit_is_valid(unit))
		return vz_fail(err, VZ_E_SYSTEM, EINVAL, "internal error: unknown unit %d", (int)unit);
	r = parse_side(text, strlen(text), unit, text, &v, w, err);
	if (r < 0)
		return r;
	*ret = v;
	return 0;
}

int vz_parse_barlim(const char *text, enum vz_unit unit, unsigned long *ret_bar,
		    unsigned long *ret_lim, const vz_warn *w, vz_err *err)
{
	const char *colon;
	unsigned long bar, lim;
	size_t len;
	int r;

	if (!text)
		return vz_fail(err, VZ_E_VALUE, 0, "invalid value (none given)");
	if (!unit_is_valid(unit))
		return vz_fail(err, VZ_E_SYSTEM, EINVAL, "internal error: unknown unit %d", (int)unit);
	len = strlen(text);
	colon = memchr(text, ':', len);
	if (!colon) {
		r = parse_side(text, len, unit, text, &bar, w, err);
		if (r < 0)
			return r;
		lim = bar;
	} else {
		/* ":5", "5:" and "1:2:3" fail here: the empty side, or a colon inside
		 * the limit, is not a number. */
		r = parse_side(text, (size_t)(colon - text), unit, text, &bar, w, err);
		if (r < 0)
			return r;
		r = parse_side(colon + 1, len - (size_t)(colon - text) - 1, unit, text, &lim, w, err);
		if (r < 0)
			return r;
	}
	*ret_bar = bar;
	*ret_lim = lim;
	return 0;
}

const char *vz_format_value(unsigned long v, char *buf, size_t len)
{
	if (v == VZ_UNLIMITED)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%lu", v);
	return buf;
}

const char *vz_format_barlim(unsigned long bar, unsigned long lim, char *buf, size_t len)
{
	char b[32], l[32];

	vz_format_value(bar, b, sizeof(b));
	if (bar == lim)
		snprintf(buf, len, "%s", b);
	else
		snprintf(buf, len, "%s:%s", b, vz_format_value(lim, l, sizeof(l)));
	return buf;
}
