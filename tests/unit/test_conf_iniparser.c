/* Why conf/file.c has its own line parser instead of iniparser.
 *
 * Each test feeds the same bytes to iniparser 4.1 (iniparser_load on a temporary file)
 * and to vz_conf_parse, and asserts what each one reads.  Where they agree, iniparser
 * would do; where they differ, vzctl's rules (reference §4.2) are the contract, since
 * existing CTID.conf files and tools depend on them.  iniparser also cannot write a
 * file back with every other line kept (§4.4): its dictionary has no comments, no
 * order of unknown lines, no duplicates. */
#include <criterion/criterion.h>
#include <iniparser/iniparser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "tests/unit/conf-test.h"

/* Both readers on one input. */
struct both {
	char *dir;
	dictionary *ini; /* NULL when iniparser refused the whole file */
	vz_conf *ours;
	struct ct_warnings ws;
};

static int quiet_iniparser(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

static void read_both(struct both *b, const char *data, size_t len)
{
	char *path;
	vz_warn w = ct_warn(&b->ws);
	vz_err err = { 0 };

	b->dir = ct_tmpdir();
	path = ct_path(b->dir, "ct.conf");
	ct_write_file(path, data, len);
	iniparser_set_error_callback(quiet_iniparser);
	b->ini = iniparser_load(path);
	cr_assert_eq(vz_conf_parse(data, len, "ct.conf", &b->ours, &w, &err), 0, "%s", err.msg);
	free(path);
}

static void read_both_str(struct both *b, const char *text)
{
	read_both(b, text, strlen(text));
}

static void free_both(struct both *b)
{
	if (b->ini)
		iniparser_freedict(b->ini);
	vz_conf_free(b->ours);
	ct_rmtree(b->dir);
	free(b->dir);
}

/* iniparser files section-less keys under ":<key in lower case>". */
static const char *ini_get(const struct both *b, const char *key)
{
	char ikey[256];

	cr_assert_not_null(b->ini, "iniparser refused the file");
	snprintf(ikey, sizeof(ikey), ":%s", key);
	return iniparser_getstring(b->ini, ikey, NULL);
}

static void assert_str(const char *got, const char *expected, const char *who)
{
	if (!expected) {
		cr_assert_null(got, "%s: expected unset, got \"%s\"", who, got);
		return;
	}
	cr_assert_not_null(got, "%s: unset, expected \"%s\"", who, expected);
	cr_assert_str_eq(got, expected, "%s", who);
}

/* key as iniparser reads it, and as we read it. */
static void assert_reads(const struct both *b, const char *key, const char *ini_value,
			 const char *our_value)
{
	assert_str(ini_get(b, key), ini_value, "iniparser");
	assert_str(vz_conf_get(b->ours, key), our_value, "vz_conf");
}

/* ------------------------------------------------------ where both agree */

Test(conf_iniparser, agree_on_plain_files)
{
	struct both b;

	read_both_str(&b, "# comment\n"
			  "\n"
			  "ONBOOT=yes\n"
			  "HOSTNAME=\"ct101.example.com\"\n"
			  "DESCRIPTION=\"two words\"\n"
			  "KMEMSIZE=\"14372700:14790164\"\r\n"
			  "EMPTY=\"\"\n"
			  "LAST=\"no newline\"");
	assert_reads(&b, "ONBOOT", "yes", "yes");
	assert_reads(&b, "HOSTNAME", "ct101.example.com", "ct101.example.com");
	assert_reads(&b, "DESCRIPTION", "two words", "two words");
	assert_reads(&b, "KMEMSIZE", "14372700:14790164", "14372700:14790164");
	assert_reads(&b, "EMPTY", "", "");
	assert_reads(&b, "LAST", "no newline", "no newline");
	cr_assert_eq(b.ws.count, 0);
	free_both(&b);
}

/* ------------------------------------------------------ where they differ */

/* vzctl keeps an unquoted value verbatim, '#' included (vz.conf ships
 * `NAMESERVER=inherit # …`); iniparser strips it as an inline comment. */
Test(conf_iniparser, inline_hash_comment)
{
	struct both b;

	read_both_str(&b, "KEY=v # note\n");
	assert_reads(&b, "KEY", "v", "v # note");
	free_both(&b);
}

/* iniparser also ends an unquoted value at ';', which would cut an unquoted
 * NETIF list of interfaces. */
Test(conf_iniparser, semicolon)
{
	struct both b;

	read_both_str(&b, "NETIF=ifname=eth0;ifname=eth1\n");
	assert_reads(&b, "NETIF", "ifname=eth0", "ifname=eth0;ifname=eth1");
	free_both(&b);
}

/* vzctl resolves backslash escapes over the whole line; iniparser ends a quoted
 * value at the first quote, escaped or not, so the writer's escaping would not read
 * back. */
Test(conf_iniparser, escaped_quote)
{
	struct both b;

	read_both_str(&b, "Q=\"a\\\"b\"\n");
	assert_reads(&b, "Q", "a\\", "a\"b");
	free_both(&b);
}

Test(conf_iniparser, backslash_outside_quotes)
{
	struct both b;

	read_both_str(&b, "BS=a\\\\b\n");
	assert_reads(&b, "BS", "a\\\\b", "a\\b");
	free_both(&b);
}

/* vzctl's quoted value runs to the last quote of the line. */
Test(conf_iniparser, embedded_quotes)
{
	struct both b;

	read_both_str(&b, "R=\"x \"y\" z\"\n");
	assert_reads(&b, "R", "x ", "x \"y\" z");
	free_both(&b);
}

/* iniparser strips single quotes too; vzctl treats them as ordinary characters. */
Test(conf_iniparser, single_quotes)
{
	struct both b;

	read_both_str(&b, "S='x'\n");
	assert_reads(&b, "S", "x", "'x'");
	free_both(&b);
}

/* vzctl reads the first setting of a key (and warns); iniparser keeps the last. */
Test(conf_iniparser, duplicate_key)
{
	struct both b;

	read_both_str(&b, "D=1\nD=2\n");
	assert_reads(&b, "D", "2", "1");
	cr_assert_eq(b.ws.count, 1);
	cr_assert_str_eq(b.ws.msg[0], "ct.conf:2: duplicate parameter D, ignored");
	free_both(&b);
}

/* Names are case-sensitive for vzctl; iniparser lower-cases them, so two keys that
 * differ in case become one (the last). */
Test(conf_iniparser, key_case)
{
	struct both b;

	read_both_str(&b, "Name=lower\nNAME=upper\n");
	cr_assert_str_eq(iniparser_getstring(b.ini, ":name", "?"), "upper");
	cr_assert_eq(b.ini->n, 1, "iniparser holds %d entries", b.ini->n);
	assert_reads(&b, "Name", "upper", "lower");
	assert_reads(&b, "NAME", "upper", "upper");
	assert_str(vz_conf_get(b.ours, "name"), NULL, "vz_conf");
	free_both(&b);
}

/* vzctl takes the name up to '=' verbatim; iniparser trims blanks around both. */
Test(conf_iniparser, blanks_around_equals)
{
	struct both b;

	read_both_str(&b, "A = 1\n");
	assert_reads(&b, "A", "1", NULL);
	assert_str(vz_conf_get(b.ours, "A "), " 1", "vz_conf");
	free_both(&b);
}

/* A line without '=' makes iniparser refuse the whole file; vzctl skips the line
 * with a warning and reads the rest. */
Test(conf_iniparser, line_without_equals)
{
	struct both b;

	read_both_str(&b, "A=1\nnot a setting\nB=2\n");
	cr_assert_null(b.ini, "iniparser read a file with a bad line");
	assert_str(vz_conf_get(b.ours, "A"), "1", "vz_conf");
	assert_str(vz_conf_get(b.ours, "B"), "2", "vz_conf");
	cr_assert_eq(b.ws.count, 1);
	free_both(&b);
}

/* iniparser reads lines into a 1024-byte buffer and refuses longer ones. */
Test(conf_iniparser, long_line)
{
	size_t n = 100 * 1024;
	char *text = malloc(n + 16);
	struct both b;

	memcpy(text, "A=", 2);
	memset(text + 2, 'x', n);
	memcpy(text + 2 + n, "\nB=2\n", 6);
	read_both(&b, text, strlen(text));
	cr_assert_null(b.ini, "iniparser read a 100 kB line");
	cr_assert_eq(strlen(vz_conf_get(b.ours, "A")), n);
	assert_str(vz_conf_get(b.ours, "B"), "2", "vz_conf");
	free_both(&b);
	free(text);
}

/* A NUL byte makes iniparser refuse the file; we cut that one value and warn. */
Test(conf_iniparser, nul_byte)
{
	static const char text[] = "A=ab\0cd\nB=2\n";
	struct both b;

	read_both(&b, text, sizeof(text) - 1);
	cr_assert_null(b.ini, "iniparser read a file with a NUL byte");
	assert_str(vz_conf_get(b.ours, "A"), "ab", "vz_conf");
	assert_str(vz_conf_get(b.ours, "B"), "2", "vz_conf");
	free_both(&b);
}

/* iniparser files the keys after a [section] line under that section; vzctl has no
 * sections: the line is skipped with a warning and the keys stay top-level. */
Test(conf_iniparser, section_line)
{
	struct both b;

	read_both_str(&b, "[s]\nA=1\n");
	assert_reads(&b, "A", NULL, "1");
	cr_assert_str_eq(iniparser_getstring(b.ini, "s:a", "?"), "1");
	cr_assert_eq(b.ws.count, 1);
	free_both(&b);
}
