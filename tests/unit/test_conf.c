/* Config files (conf/file.c): vzctl's reading rules, the line-preserving writer, the
 * atomic save, the sample configs, and a save killed at random moments.
 *
 * Longer than 900 lines: one case per rule of reference §4, each a few lines of input
 * and the expected text, kept beside the others of its section so that a rule and its
 * neighbours are read together; its sections share this file's fixtures. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "tests/unit/conf-test.h"

static vz_conf *parse_buf(const char *buf, size_t len, struct ct_warnings *ws)
{
	vz_warn w = ct_warn(ws);
	vz_conf *cf = NULL;
	vz_err err = { 0 };

	cr_assert_eq(vz_conf_parse(buf, len, "t.conf", &cf, &w, &err), 0, "%s", err.msg);
	cr_assert_not_null(cf);
	return cf;
}

static vz_conf *parse_str(const char *s, struct ct_warnings *ws)
{
	return parse_buf(s, strlen(s), ws);
}

static void assert_get(const vz_conf *cf, const char *key, const char *expected)
{
	const char *v = vz_conf_get(cf, key);

	if (!expected) {
		cr_assert_null(v, "%s should be unset, is \"%s\"", key, v);
		return;
	}
	cr_assert_not_null(v, "%s is unset, expected \"%s\"", key, expected);
	cr_assert_str_eq(v, expected, "%s", key);
}

/* What a save would write, compared byte for byte. */
static void assert_render(const vz_conf *cf, const char *expected, size_t expected_len, int changes)
{
	char *out = NULL;
	size_t len = 0;

	cr_assert_eq(vz_conf_render(cf, &out, &len), changes);
	cr_assert_eq(len, expected_len, "rendered %zu bytes, expected %zu:\n%s", len, expected_len, out);
	cr_assert(memcmp(out, expected, len) == 0, "rendered:\n%s\nexpected:\n%s", out, expected);
	cr_assert_eq(out[len], '\0');
	free(out);
}

static void assert_render_str(const vz_conf *cf, const char *expected, int changes)
{
	assert_render(cf, expected, strlen(expected), changes);
}

/* ------------------------------------------------------------ reading rules */

Test(conf_parse, basic_forms)
{
	struct ct_warnings ws;
	vz_conf *cf = parse_str("# comment\n"
				"\n"
				"A=1\n"
				"B=\"two words\"\n"
				"   C=indented\n"
				"\tD=\"tab\"\n"
				"E=\n"
				"F=\"\"\n"
				"G=  spaced value  \n"
				"H = x\n"
				"   # indented comment\n"
				"I=a=b=c\n",
				&ws);

	cr_assert_eq(ws.count, 0, "%s", ws.msg[0]);
	assert_get(cf, "A", "1");
	assert_get(cf, "B", "two words");
	assert_get(cf, "C", "indented");
	assert_get(cf, "D", "tab");
	assert_get(cf, "E", "");
	assert_get(cf, "F", "");
	/* Trailing blanks go; everything after '=' stays verbatim. */
	assert_get(cf, "G", "  spaced value");
	/* vzctl takes the name up to '=' as is: "H " is not H. */
	assert_get(cf, "H", NULL);
	assert_get(cf, "H ", " x");
	assert_get(cf, "I", "a=b=c");
	assert_get(cf, "# comment", NULL);
	vz_conf_free(cf);
}

Test(conf_parse, keys_are_case_sensitive)
{
	struct ct_warnings ws;
	vz_conf *cf = parse_str("Name=lower\nNAME=upper\n", &ws);

	cr_assert_eq(ws.count, 0);
	assert_get(cf, "Name", "lower");
	assert_get(cf, "NAME", "upper");
	assert_get(cf, "name", NULL);
	vz_conf_free(cf);
}

Test(conf_parse, unquoted_value_keeps_hash)
{
	struct ct_warnings ws;
	vz_conf *cf = parse_str("NAMESERVER=inherit # Copy from host\nX=a#b\n", &ws);

	assert_get(cf, "NAMESERVER", "inherit # Copy from host");
	assert_get(cf, "X", "a#b");
	cr_assert_eq(ws.count, 0);
	vz_conf_free(cf);
}

Test(conf_parse, quoted_value_runs_to_the_last_quote)
{
	struct ct_warnings ws;
	vz_conf *cf = parse_str("A=\"x \"y\" z\"\n"
				"B=\"kept\" dropped\n"
				"C=\"a\" # comment\n"
				"D=\"#not a comment\"\n"
				"E=not \"quoted\"\n"
				"F=\"\"\"\n",
				&ws);

	cr_assert_eq(ws.count, 0, "%s", ws.msg[0]);
	assert_get(cf, "A", "x \"y\" z");
	assert_get(cf, "B", "kept");
	assert_get(cf, "C", "a");
	assert_get(cf, "D", "#not a comment");
	assert_get(cf, "E", "not \"quoted\"");
	assert_get(cf, "F", "\"");
	vz_conf_free(cf);
}

/* Decision: a value with an opening quote and no closing one keeps the rest of the
 * line without the quote (what vzctl reads), with a warning. */
Test(conf_parse, lone_opening_quote)
{
	struct ct_warnings ws;
	vz_conf *cf = parse_str("A=\"no end\nB=\"\n", &ws);

	assert_get(cf, "A", "no end");
	assert_get(cf, "B", "");
	cr_assert_eq(ws.count, 2);
	cr_assert_str_eq(ws.msg[0], "t.conf:1: no closing quote in the value of A, using the rest of the line");
	cr_assert_str_eq(ws.msg[1], "t.conf:2: no closing quote in the value of B, using the rest of the line");
	vz_conf_free(cf);
}

Test(conf_parse, backslash_escapes_over_the_whole_line)
{
	struct ct_warnings ws;
	vz_conf *cf = parse_str("A=\"a\\\"b\"\n"      /* A="a\"b"  -> a"b */
				"B=a\\\\b\n"          /* B=a\\b    -> a\b */
				"C=\\x\\y\n"          /* C=\x\y    -> xy */
				"D=end\\\n"           /* D=end\    -> end (lone backslash dropped) */
				"E\\=x=1\n"           /* E\=x=1   -> E=x=1: name E */
				"\\#F=1\n"            /* \# starts a comment once unescaped */
				"G=\"a\\\\\"\n",      /* G="a\\"   -> a\ */
				&ws);

	assert_get(cf, "A", "a\"b");
	assert_get(cf, "B", "a\\b");
	assert_get(cf, "C", "xy");
	assert_get(cf, "D", "end");
	/* Escapes are resolved before the '=' is looked for. */
	assert_get(cf, "E", "x=1");
	assert_get(cf, "#F", NULL);
	assert_get(cf, "G", "a\\");
	cr_assert_eq(ws.count, 0, "%s", ws.msg[0]);
	vz_conf_free(cf);
}

Test(conf_parse, line_without_equals_is_skipped_with_a_warning)
{
	struct ct_warnings ws;
	vz_conf *cf = parse_str("A=1\njunk line\nB=2\n[section]\n", &ws);

	assert_get(cf, "A", "1");
	assert_get(cf, "B", "2");
	cr_assert_eq(ws.count, 2);
	cr_assert_str_eq(ws.msg[0], "t.conf:2: can't parse line ('=' not found), skipping");
	cr_assert_str_eq(ws.msg[1], "t.conf:4: can't parse line ('=' not found), skipping");
	vz_conf_free(cf);
}

Test(conf_parse, empty_name_is_skipped_with_a_warning)
{
	struct ct_warnings ws;
	vz_conf *cf = parse_str("=value\n  =x\n", &ws);

	cr_assert_eq(ws.count, 2);
	cr_assert_str_eq(ws.msg[0], "t.conf:1: can't parse line (bad parameter name), skipping");
	assert_get(cf, "", NULL);
	vz_conf_free(cf);
}

Test(conf_parse, duplicate_key_first_wins)
{
	struct ct_warnings ws;
	vz_conf *cf = parse_str("A=first\nB=x\nA=second\nA=\"third\"\n", &ws);

	assert_get(cf, "A", "first");
	cr_assert_eq(ws.count, 2);
	cr_assert_str_eq(ws.msg[0], "t.conf:3: duplicate parameter A, ignored");
	cr_assert_str_eq(ws.msg[1], "t.conf:4: duplicate parameter A, ignored");
	vz_conf_free(cf);
}

Test(conf_parse, crlf_line_ends)
{
	struct ct_warnings ws;
	const char *text = "# dos file\r\nA=1\r\nB=\"two\"\r\n\r\nC=x y \r\n";
	vz_conf *cf = parse_str(text, &ws);

	cr_assert_eq(ws.count, 0, "%s", ws.msg[0]);
	assert_get(cf, "A", "1");
	assert_get(cf, "B", "two");
	assert_get(cf, "C", "x y");
	assert_render_str(cf, text, 0);
	vz_conf_free(cf);
}

Test(conf_parse, missing_final_newline)
{
	struct ct_warnings ws;
	vz_conf *cf = parse_str("A=1\nB=\"last\"", &ws);

	assert_get(cf, "B", "last");
	assert_render_str(cf, "A=1\nB=\"last\"", 0);
	cr_assert_eq(vz_conf_set(cf, "C", "new"), 0);
	assert_render_str(cf, "A=1\nB=\"last\"\nC=\"new\"\n", 1);
	vz_conf_free(cf);
}

Test(conf_parse, empty_and_blank_input)
{
	struct ct_warnings ws;
	vz_conf *cf = parse_buf(NULL, 0, &ws);

	cr_assert_eq(ws.count, 0);
	assert_get(cf, "A", NULL);
	assert_render_str(cf, "", 0);
	cr_assert_eq(vz_conf_set(cf, "A", "1"), 0);
	assert_render_str(cf, "A=\"1\"\n", 1);
	vz_conf_free(cf);

	cf = parse_str("\n\n   \n\t\n", &ws);
	cr_assert_eq(ws.count, 0);
	assert_render_str(cf, "\n\n   \n\t\n", 0);
	vz_conf_free(cf);
}

/* Decision: a NUL is an ordinary byte of the raw line (a save keeps it), but values
 * are C strings, so a value is cut at its first NUL, with a warning.  A NUL in a
 * name makes the line unparsable.  Other lines are never affected. */
Test(conf_parse, nul_bytes)
{
	static const char text[] = "A=ab\0cd\nB=2\nC=\"x\0y\"\nN\0M=1\n\0\nD=4\n";
	struct ct_warnings ws;
	vz_conf *cf = parse_buf(text, sizeof(text) - 1, &ws);

	assert_get(cf, "A", "ab");
	assert_get(cf, "B", "2");
	assert_get(cf, "C", "x");
	assert_get(cf, "N", NULL);
	assert_get(cf, "D", "4");
	cr_assert_eq(ws.count, 4);
	cr_assert_str_eq(ws.msg[0], "t.conf:1: NUL byte in the value of A, value cut there");
	cr_assert_str_eq(ws.msg[1], "t.conf:3: NUL byte in the value of C, value cut there");
	cr_assert_str_eq(ws.msg[2], "t.conf:4: can't parse line (bad parameter name), skipping");
	cr_assert_str_eq(ws.msg[3], "t.conf:5: can't parse line ('=' not found), skipping");
	/* Saved byte for byte, NULs included. */
	assert_render(cf, text, sizeof(text) - 1, 0);

	/* Setting a cut value replaces its whole line; the other NULs stay. */
	cr_assert_eq(vz_conf_set(cf, "A", "abcd"), 0);
	{
		static const char expected[] = "A=\"abcd\"\nB=2\nC=\"x\0y\"\nN\0M=1\n\0\nD=4\n";

		assert_render(cf, expected, sizeof(expected) - 1, 1);
	}
	vz_conf_free(cf);
}

Test(conf_parse, long_lines)
{
	size_t n = 100 * 1024;
	char *value = malloc(n + 1);
	char *text = malloc(2 * n + 64);
	struct ct_warnings ws;
	vz_conf *cf;
	int len;

	memset(value, 'v', n);
	value[n] = '\0';
	len = sprintf(text, "# %s\nLONG=\"%s\"\nAFTER=1\n", value, value);
	cf = parse_buf(text, (size_t)len, &ws);
	cr_assert_eq(ws.count, 0);
	assert_get(cf, "LONG", value);
	assert_get(cf, "AFTER", "1");
	assert_render(cf, text, (size_t)len, 0);
	vz_conf_free(cf);

	/* A long name too. */
	len = sprintf(text, "%s=1\n", value);
	cf = parse_buf(text, (size_t)len, &ws);
	assert_get(cf, value, "1");
	vz_conf_free(cf);
	free(text);
	free(value);
}

Test(conf_parse, origin_defaults_when_null)
{
	struct ct_warnings ws;
	vz_warn w = ct_warn(&ws);
	vz_conf *cf = NULL;

	cr_assert_eq(vz_conf_parse("junk\n", 5, NULL, &cf, &w, NULL), 0);
	cr_assert_eq(ws.count, 1);
	cr_assert_str_eq(ws.msg[0], "(config):1: can't parse line ('=' not found), skipping");
	vz_conf_free(cf);
}

/* --------------------------------------------------------- get, set, foreach */

struct collected {
	char text[4096];
	size_t count;
};

static void collect_pair(void *ctx, const char *key, const char *value)
{
	struct collected *c = ctx;
	size_t len = strlen(c->text);

	c->count++;
	snprintf(c->text + len, sizeof(c->text) - len, "%s=%s;", key, value);
}

Test(conf_set, get_sees_pending_changes_and_foreach_order)
{
	struct ct_warnings ws;
	vz_conf *cf = parse_str("B=1\nA=2\nC=3\nA=dup\n", &ws);
	struct collected c = { "", 0 };

	vz_conf_foreach(cf, collect_pair, &c);
	cr_assert_str_eq(c.text, "B=1;A=2;C=3;");

	cr_assert_eq(vz_conf_set(cf, "A", "20"), 0);
	cr_assert_eq(vz_conf_set(cf, "C", NULL), 0);
	cr_assert_eq(vz_conf_set(cf, "Z", "new"), 0);
	cr_assert_eq(vz_conf_set(cf, "Y", "gone"), 0);
	cr_assert_eq(vz_conf_set(cf, "Y", NULL), 0);
	assert_get(cf, "A", "20");
	assert_get(cf, "C", NULL);
	assert_get(cf, "Z", "new");
	assert_get(cf, "Y", NULL);
	c.text[0] = '\0';
	vz_conf_foreach(cf, collect_pair, &c);
	cr_assert_str_eq(c.text, "B=1;A=20;Z=new;");
	vz_conf_free(cf);
}

Test(conf_set, refuses_bad_keys_and_multiline_values)
{
	vz_conf *cf = vz_conf_new();

	cr_assert_eq(vz_conf_set(cf, "", "x"), -EINVAL);
	cr_assert_eq(vz_conf_set(cf, NULL, "x"), -EINVAL);
	cr_assert_eq(vz_conf_set(cf, "1A", "x"), -EINVAL);
	cr_assert_eq(vz_conf_set(cf, "A B", "x"), -EINVAL);
	cr_assert_eq(vz_conf_set(cf, "A=B", "x"), -EINVAL);
	cr_assert_eq(vz_conf_set(cf, "#A", "x"), -EINVAL);
	cr_assert_eq(vz_conf_set(cf, "A", "two\nlines"), -EINVAL);
	cr_assert_eq(vz_conf_set(cf, "_a1", "ok"), 0);
	assert_get(cf, "A", NULL);
	vz_conf_free(cf);
}

Test(conf_set, render_rules)
{
	struct ct_warnings ws;
	const char *text = "# header\n"
			   "\n"
			   "KMEMSIZE=\"1:2\"\n"
			   "UNKNOWN_KEY=\"keep me\"\n"
			   "  INDENTED=old\n"
			   "export EXPORTED=1\n"
			   "#NUMPROC=\"commented\"\n"
			   "NUMPROC=\"100\"\r\n"
			   "GONE=1\n"
			   "NUMPROC=\"dup\"\n"
			   "GONE=2\n"
			   "# trailer";
	vz_conf *cf = parse_str(text, &ws);

	cr_assert_eq(vz_conf_set(cf, "KMEMSIZE", "14372700:14790164"), 0);
	cr_assert_eq(vz_conf_set(cf, "INDENTED", "new"), 0);
	cr_assert_eq(vz_conf_set(cf, "NUMPROC", "240"), 0);
	cr_assert_eq(vz_conf_set(cf, "GONE", NULL), 0);
	cr_assert_eq(vz_conf_set(cf, "NEW_ONE", "1"), 0);
	cr_assert_eq(vz_conf_set(cf, "EXPORTED", "2"), 0);
	/* The first line setting the key is replaced (CRLF kept); a duplicate stays;
	 * removal drops every line naming the key; an indented line is replaced (vzctl
	 * would append, and its reader would then ignore the new line as a duplicate);
	 * `export X=` is not X. */
	assert_render_str(cf,
			  "# header\n"
			  "\n"
			  "KMEMSIZE=\"14372700:14790164\"\n"
			  "UNKNOWN_KEY=\"keep me\"\n"
			  "INDENTED=\"new\"\n"
			  "export EXPORTED=1\n"
			  "#NUMPROC=\"commented\"\n"
			  "NUMPROC=\"240\"\r\n"
			  "NUMPROC=\"dup\"\n"
			  "# trailer\n"
			  "NEW_ONE=\"1\"\n"
			  "EXPORTED=\"2\"\n",
			  6);
	vz_conf_free(cf);
}

Test(conf_set, same_value_or_absent_removal_is_no_change)
{
	struct ct_warnings ws;
	const char *text = "A=1\nB=\"two\"\n";
	vz_conf *cf = parse_str(text, &ws);

	cr_assert_eq(vz_conf_set(cf, "A", "1"), 0);
	cr_assert_eq(vz_conf_set(cf, "B", "two"), 0);
	cr_assert_eq(vz_conf_set(cf, "C", NULL), 0);
	assert_render_str(cf, text, 0);
	vz_conf_free(cf);
}

Test(conf_set, written_values_read_back_the_same)
{
	static const char *const values[] = {
		"plain", "", "two words", "a \"quoted\" word", "\"", "\"\"", "back\\slash", "\\",
		"ends with backslash\\", "\\\"", "# not a comment", "  lead and trail  ", "$VEID",
		"tab\there", "cr\rinside", "semi;colon", "x=y", "'single'", "unicode é ✓",
	};
	struct ct_warnings ws;

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		vz_conf *cf = parse_str("# c\nDESCRIPTION=\"old\"\n", &ws);
		vz_conf *back;
		char *out;
		size_t len;

		cr_assert_eq(vz_conf_set(cf, "DESCRIPTION", values[i]), 0);
		cr_assert_geq(vz_conf_render(cf, &out, &len), 0);
		back = parse_buf(out, len, &ws);
		cr_assert_eq(ws.count, 0, "value [%s]: %s", values[i], ws.msg[0]);
		assert_get(back, "DESCRIPTION", values[i]);
		free(out);
		vz_conf_free(back);
		vz_conf_free(cf);
	}
}

Test(conf_set, escaping_is_pinned)
{
	vz_conf *cf = vz_conf_new();

	cr_assert_eq(vz_conf_set(cf, "DESCRIPTION", "say \"hi\" to C:\\"), 0);
	assert_render_str(cf, "DESCRIPTION=\"say \\\"hi\\\" to C:\\\\\"\n", 1);
	vz_conf_free(cf);
}

/* --------------------------------------------------------------- $VEID */

Test(conf_veid, substitution)
{
	static const char *const cases[][2] = {
		{ "/vz/root/$VEID", "/vz/root/101" },
		{ "/vz/private/${VEID}", "/vz/private/101" },
		{ "$VEID/$VEID-${VEID}", "101/101-101" },
		{ "no variable", "no variable" },
		{ "", "" },
		{ "$VE", "$VE" },
		{ "${VEID", "${VEID" },
		{ "$VEIDX", "101X" },
		{ "$$VEID", "$101" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = vz_subst_veid(cases[i][0], "101");

		cr_assert_not_null(s);
		cr_assert_str_eq(s, cases[i][1], "%s", cases[i][0]);
		free(s);
	}
	cr_assert_null(vz_subst_veid(NULL, "101"));
}

/* ------------------------------------------------------------------ load */

Test(conf_load, missing_file_and_directory)
{
	char *dir = ct_tmpdir();
	char *path = ct_path(dir, "none.conf");
	vz_conf *cf = (vz_conf *)0x1;
	vz_err err = { 0 };

	cr_assert_eq(vz_conf_load(path, &cf, NULL, &err), -ENOENT);
	cr_assert_eq(err.exit_code, VZ_E_NO_CTCONF);
	cr_assert(strstr(err.msg, path), "%s", err.msg);
	cr_assert_eq(cf, (vz_conf *)0x1, "output touched on failure");

	cr_assert_eq(vz_conf_load(dir, &cf, NULL, &err), -EISDIR);
	cr_assert_eq(err.exit_code, VZ_E_SYSTEM);
	cr_assert_eq(cf, (vz_conf *)0x1);
	ct_rmtree(dir);
	free(path);
	free(dir);
}

Test(conf_load, warnings_name_the_file)
{
	char *dir = ct_tmpdir();
	char *path = ct_path(dir, "101.conf");
	struct ct_warnings ws;
	vz_warn w = ct_warn(&ws);
	vz_conf *cf = NULL;
	char expected[4200];

	ct_write_file(path, "A=1\nA=2\n", 8);
	cr_assert_eq(vz_conf_load(path, &cf, &w, NULL), 0);
	cr_assert_eq(ws.count, 1);
	snprintf(expected, sizeof(expected), "%s:2: duplicate parameter A, ignored", path);
	cr_assert_str_eq(ws.msg[0], expected);
	assert_get(cf, "A", "1");
	vz_conf_free(cf);
	ct_rmtree(dir);
	free(path);
	free(dir);
}

/* ------------------------------------------------------------------ save */

static vz_conf *load_ok(const char *path)
{
	vz_conf *cf = NULL;
	vz_err err = { 0 };

	cr_assert_eq(vz_conf_load(path, &cf, NULL, &err), 0, "%s", err.msg);
	return cf;
}

static void save_ok(vz_conf *cf, const char *path, bool expect_changed)
{
	vz_err err = { 0 };
	bool changed = !expect_changed;

	cr_assert_eq(vz_conf_save(cf, path, &changed, &err), 0, "%s", err.msg);
	cr_assert_eq(changed, expect_changed);
}

/* Only the config is left in the directory: no temporary file. */
static void assert_dir_holds_only(const char *dir, int expected_entries)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	cr_assert_eq(n, expected_entries);
}

Test(conf_save, keeps_every_other_line_byte_for_byte)
{
	char *dir = ct_tmpdir();
	char *path = ct_path(dir, "101.conf");
	const char *text = "# OpenVZ CT config\n"
			   "#   written by hand\n"
			   "\n"
			   "ONBOOT=\"yes\"\n"
			   "MY_OWN_KEY=whatever # my note\n"
			   "KMEMSIZE=\"14372700:14790164\"\n"
			   "   \n"
			   "\tweird line without equals\n"
			   "NUMPROC=\"240:240\"\r\n"
			   "DESCRIPTION=\"old\"\n"
			   "# end\n";
	vz_conf *cf;

	ct_write_file(path, text, strlen(text));
	cf = load_ok(path);
	cr_assert_eq(vz_conf_set(cf, "NUMPROC", "300"), 0);
	cr_assert_eq(vz_conf_set(cf, "DESCRIPTION", "my \"quoted\" CT"), 0);
	cr_assert_eq(vz_conf_set(cf, "PHYSPAGES", "0:65536"), 0);
	save_ok(cf, path, true);
	ct_assert_file_is(path, "# OpenVZ CT config\n"
				"#   written by hand\n"
				"\n"
				"ONBOOT=\"yes\"\n"
				"MY_OWN_KEY=whatever # my note\n"
				"KMEMSIZE=\"14372700:14790164\"\n"
				"   \n"
				"\tweird line without equals\n"
				"NUMPROC=\"300\"\r\n"
				"DESCRIPTION=\"my \\\"quoted\\\" CT\"\n"
				"# end\n"
				"PHYSPAGES=\"0:65536\"\n");
	assert_dir_holds_only(dir, 1);
	vz_conf_free(cf);

	/* Read back: the quoted DESCRIPTION survives the round trip. */
	cf = load_ok(path);
	assert_get(cf, "DESCRIPTION", "my \"quoted\" CT");
	assert_get(cf, "NUMPROC", "300");
	assert_get(cf, "MY_OWN_KEY", "whatever # my note");
	vz_conf_free(cf);
	ct_rmtree(dir);
	free(path);
	free(dir);
}

Test(conf_save, no_change_does_not_write)
{
	char *dir = ct_tmpdir();
	char *path = ct_path(dir, "101.conf");
	struct stat before, after;
	vz_conf *cf;

	ct_write_file(path, "A=1\n", 4);
	cr_assert_eq(stat(path, &before), 0);
	cf = load_ok(path);
	save_ok(cf, path, false);
	cr_assert_eq(vz_conf_set(cf, "A", "1"), 0);
	save_ok(cf, path, false);
	cr_assert_eq(stat(path, &after), 0);
	cr_assert_eq(before.st_ino, after.st_ino, "the file was replaced");
	/* A NULL ret_changed is allowed. */
	cr_assert_eq(vz_conf_save(cf, path, NULL, NULL), 0);
	vz_conf_free(cf);
	ct_rmtree(dir);
	free(path);
	free(dir);
}

Test(conf_save, object_follows_the_saved_file)
{
	char *dir = ct_tmpdir();
	char *path = ct_path(dir, "101.conf");
	vz_conf *cf;

	ct_write_file(path, "A=1\n", 4);
	cf = load_ok(path);
	cr_assert_eq(vz_conf_set(cf, "B", "2"), 0);
	save_ok(cf, path, true);
	assert_get(cf, "B", "2");
	/* The second save starts from the first one's result. */
	cr_assert_eq(vz_conf_set(cf, "A", "10"), 0);
	save_ok(cf, path, true);
	save_ok(cf, path, false);
	ct_assert_file_is(path, "A=\"10\"\nB=\"2\"\n");
	vz_conf_free(cf);
	ct_rmtree(dir);
	free(path);
	free(dir);
}

Test(conf_save, new_file_gets_0644_and_old_file_keeps_its_mode)
{
	char *dir = ct_tmpdir();
	char *path = ct_path(dir, "new.conf");
	mode_t old_umask = umask(077);
	vz_conf *cf = vz_conf_new();
	struct stat st;

	cr_assert_eq(vz_conf_set(cf, "A", "1"), 0);
	save_ok(cf, path, true);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0644, "mode %o", st.st_mode & 07777);
	ct_assert_file_is(path, "A=\"1\"\n");
	vz_conf_free(cf);

	cr_assert_eq(chmod(path, 0600), 0);
	cf = load_ok(path);
	cr_assert_eq(vz_conf_set(cf, "A", "2"), 0);
	save_ok(cf, path, true);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);
	umask(old_umask);
	vz_conf_free(cf);
	ct_rmtree(dir);
	free(path);
	free(dir);
}

Test(conf_save, through_a_symlink_replaces_the_target)
{
	char *dir = ct_tmpdir();
	char *target = ct_path(dir, "real.conf");
	char *link = ct_path(dir, "101.conf");
	char buf[256];
	struct stat st;
	vz_conf *cf;
	ssize_t n;

	ct_write_file(target, "A=1\n", 4);
	cr_assert_eq(symlink("real.conf", link), 0);
	cf = load_ok(link);
	cr_assert_eq(vz_conf_set(cf, "A", "2"), 0);
	save_ok(cf, link, true);
	cr_assert_eq(lstat(link, &st), 0);
	cr_assert(S_ISLNK(st.st_mode), "the link was replaced by a file");
	n = readlink(link, buf, sizeof(buf) - 1);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	cr_assert_str_eq(buf, "real.conf");
	ct_assert_file_is(target, "A=\"2\"\n");
	assert_dir_holds_only(dir, 2);
	vz_conf_free(cf);
	ct_rmtree(dir);
	free(target);
	free(link);
	free(dir);
}

Test(conf_save, through_a_dangling_symlink_creates_the_target)
{
	char *dir = ct_tmpdir();
	char *sub = ct_path(dir, "sub");
	char *target = ct_path(dir, "sub/real.conf");
	char *link = ct_path(dir, "101.conf");
	char *link2 = ct_path(dir, "102.conf");
	struct stat st;
	vz_conf *cf = vz_conf_new();

	cr_assert_eq(mkdir(sub, 0755), 0);
	/* A chain: 102.conf -> 101.conf -> sub/real.conf (missing). */
	cr_assert_eq(symlink("sub/real.conf", link), 0);
	cr_assert_eq(symlink(link, link2), 0);
	cr_assert_eq(vz_conf_set(cf, "A", "1"), 0);
	save_ok(cf, link2, true);
	cr_assert_eq(lstat(link, &st), 0);
	cr_assert(S_ISLNK(st.st_mode));
	cr_assert_eq(lstat(link2, &st), 0);
	cr_assert(S_ISLNK(st.st_mode));
	ct_assert_file_is(target, "A=\"1\"\n");
	vz_conf_free(cf);
	ct_rmtree(dir);
	free(sub);
	free(target);
	free(link);
	free(link2);
	free(dir);
}

static void assert_save_fails(const char *path, int expected_errno)
{
	vz_conf *cf = vz_conf_new();
	bool changed = true;
	vz_err err = { 0 };

	cr_assert_eq(vz_conf_set(cf, "A", "1"), 0);
	cr_assert_eq(vz_conf_save(cf, path, &changed, &err), -expected_errno, "%s", err.msg);
	cr_assert_eq(err.exit_code, VZ_E_CONFIG_SAVE);
	cr_assert_eq(err.sys_errno, expected_errno);
	cr_assert(strstr(err.msg, "Unable to write "), "%s", err.msg);
	cr_assert(strstr(err.msg, path), "%s", err.msg);
	cr_assert(strstr(err.msg, "check that the directory exists and is writable"), "%s", err.msg);
	cr_assert(changed, "output touched on failure");
	/* The change is still pending: a later save can succeed. */
	assert_get(cf, "A", "1");
	vz_conf_free(cf);
}

Test(conf_save, missing_directory)
{
	char *dir = ct_tmpdir();
	char *path = ct_path(dir, "no/such/dir/101.conf");

	assert_save_fails(path, ENOENT);
	ct_rmtree(dir);
	free(path);
	free(dir);
}

#define CHILD_CANNOT_DROP_ROOT 100

/* Root writes into a 0555 directory anyway, so the check runs as nobody then.
 * Returns false when this system cannot drop to nobody (a user namespace without
 * that uid). */
static bool save_into_readonly_dir_as_unprivileged(const char *path)
{
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		assert_save_fails(path, EACCES);
		return true;
	}
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		vz_conf *cf = vz_conf_new();
		vz_err err = { 0 };
		int r;

		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(CHILD_CANNOT_DROP_ROOT);
		vz_conf_set(cf, "A", "1");
		r = vz_conf_save(cf, path, NULL, &err);
		_exit(r == -EACCES && err.exit_code == VZ_E_CONFIG_SAVE ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == CHILD_CANNOT_DROP_ROOT)
		return false;
	cr_assert_eq(WEXITSTATUS(status), 0, "save into a read-only directory: child status %d",
		     WEXITSTATUS(status));
	return true;
}

/* sysfs refuses new files even to root: the save reports what the kernel said. */
static void save_into_sysfs(void)
{
	const char *probe = "/sys/vz-conf-test.probe";
	int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int expected = errno;

	if (fd >= 0) {
		close(fd);
		unlink(probe);
		return;
	}
	if (expected == ENOENT)
		return; /* no sysfs here */
	assert_save_fails("/sys/vz-conf-test.conf", expected);
}

Test(conf_save, readonly_directory)
{
	char *dir = ct_tmpdir();
	char *ro = ct_path(dir, "ro");
	char *path = ct_path(dir, "ro/101.conf");
	bool checked;

	cr_assert_eq(chmod(dir, 0755), 0);
	cr_assert_eq(mkdir(ro, 0555), 0);
	cr_assert_eq(chmod(ro, 0555), 0);
	checked = save_into_readonly_dir_as_unprivileged(path);
	assert_dir_holds_only(ro, 0);
	save_into_sysfs();
	ct_rmtree(dir);
	free(ro);
	free(path);
	free(dir);
	if (!checked)
		cr_skip_test("cannot drop to uid 65534 to test a read-only directory as root");
}

Test(conf_save, stale_tmp_of_our_pid_is_replaced)
{
	char *dir = ct_tmpdir();
	char *path = ct_path(dir, "101.conf");
	char *tmp;
	vz_conf *cf = vz_conf_new();

	cr_assert_geq(asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()), 0);
	ct_write_file(tmp, "stale", 5);
	cr_assert_eq(vz_conf_set(cf, "A", "1"), 0);
	save_ok(cf, path, true);
	ct_assert_file_is(path, "A=\"1\"\n");
	assert_dir_holds_only(dir, 1);
	vz_conf_free(cf);
	ct_rmtree(dir);
	free(tmp);
	free(path);
	free(dir);
}

/* --------------------------------------------------------------- samples */

struct sample_value {
	const char *key;
	const char *value;
};

static const char *samples_dir(void)
{
	const char *src = getenv("SRCDIR");

	return src ? src : ".";
}

static vz_conf *load_sample(const char *name)
{
	struct ct_warnings ws;
	vz_warn w = ct_warn(&ws);
	vz_conf *cf = NULL;
	vz_err err = { 0 };
	char path[4096];

	snprintf(path, sizeof(path), "%s/conf/samples/%s", samples_dir(), name);
	cr_assert_eq(vz_conf_load(path, &cf, &w, &err), 0, "%s", err.msg);
	cr_assert_eq(ws.count, 0, "%s: %s", name, ws.msg[0]);
	return cf;
}

/* Every UBC value in a sample parses in its unit. */
static void check_ubc_units(const vz_conf *cf, const char *name)
{
	static const struct {
		const char *key;
		enum vz_unit unit;
	} ubcs[] = {
		{ "KMEMSIZE", VZ_UNIT_BYTES },    { "LOCKEDPAGES", VZ_UNIT_PAGES },
		{ "PRIVVMPAGES", VZ_UNIT_PAGES }, { "SHMPAGES", VZ_UNIT_PAGES },
		{ "NUMPROC", VZ_UNIT_ITEMS },     { "PHYSPAGES", VZ_UNIT_PAGES },
		{ "VMGUARPAGES", VZ_UNIT_PAGES }, { "OOMGUARPAGES", VZ_UNIT_PAGES },
		{ "NUMTCPSOCK", VZ_UNIT_ITEMS },  { "NUMFLOCK", VZ_UNIT_ITEMS },
		{ "NUMPTY", VZ_UNIT_ITEMS },      { "NUMSIGINFO", VZ_UNIT_ITEMS },
		{ "TCPSNDBUF", VZ_UNIT_BYTES },   { "TCPRCVBUF", VZ_UNIT_BYTES },
		{ "OTHERSOCKBUF", VZ_UNIT_BYTES }, { "DGRAMRCVBUF", VZ_UNIT_BYTES },
		{ "NUMOTHERSOCK", VZ_UNIT_ITEMS }, { "DCACHESIZE", VZ_UNIT_BYTES },
		{ "NUMFILE", VZ_UNIT_ITEMS },     { "NUMIPTENT", VZ_UNIT_ITEMS },
		{ "AVNUMPROC", VZ_UNIT_ITEMS },   { "SWAPPAGES", VZ_UNIT_PAGES },
		{ "DISKSPACE", VZ_UNIT_KBYTES },  { "DISKINODES", VZ_UNIT_ITEMS },
		{ "CPUUNITS", VZ_UNIT_ITEMS },
	};

	for (size_t i = 0; i < sizeof(ubcs) / sizeof(ubcs[0]); i++) {
		const char *v = vz_conf_get(cf, ubcs[i].key);
		unsigned long b, l;
		vz_err err = { 0 };

		if (!v)
			continue;
		cr_assert_eq(vz_parse_barlim(v, ubcs[i].unit, &b, &l, NULL, &err), 0, "%s %s: %s", name,
			     ubcs[i].key, err.msg);
	}
}

static void check_sample(const char *name, const struct sample_value *expected, size_t n,
			 size_t expected_keys)
{
	vz_conf *cf = load_sample(name);
	struct collected c = { "", 0 };

	for (size_t i = 0; i < n; i++)
		assert_get(cf, expected[i].key, expected[i].value);
	check_ubc_units(cf, name);
	vz_conf_foreach(cf, collect_pair, &c);
	cr_assert_eq(c.count, expected_keys, "%s has %zu keys: %s", name, c.count, c.text);
	vz_conf_free(cf);
}

Test(conf_samples, ve_basic)
{
	static const struct sample_value v[] = {
		{ "KMEMSIZE", "14372700:14790164" }, { "LOCKEDPAGES", "2048:2048" },
		{ "PRIVVMPAGES", "65536:69632" },    { "SHMPAGES", "21504:21504" },
		{ "NUMPROC", "240:240" },            { "PHYSPAGES", "0:unlimited" },
		{ "VMGUARPAGES", "33792:unlimited" }, { "OOMGUARPAGES", "26112:unlimited" },
		{ "NUMTCPSOCK", "360:360" },         { "NUMFLOCK", "188:206" },
		{ "NUMPTY", "16:16" },               { "NUMSIGINFO", "256:256" },
		{ "TCPSNDBUF", "1720320:2703360" },  { "TCPRCVBUF", "1720320:2703360" },
		{ "OTHERSOCKBUF", "1126080:2097152" }, { "DGRAMRCVBUF", "262144:262144" },
		{ "NUMOTHERSOCK", "360:360" },       { "DCACHESIZE", "3409920:3624960" },
		{ "NUMFILE", "9312:9312" },          { "AVNUMPROC", "180:180" },
		{ "NUMIPTENT", "128:128" },          { "DISKSPACE", "2G:2.2G" },
		{ "DISKINODES", "131072:144179" },   { "CPUUNITS", "1000" },
		{ "NETFILTER", "stateless" },
	};

	check_sample("ve-basic.conf-sample", v, sizeof(v) / sizeof(v[0]), sizeof(v) / sizeof(v[0]));
}

Test(conf_samples, ve_light)
{
	static const struct sample_value v[] = {
		{ "KMEMSIZE", "1740800:1847296" }, { "LOCKEDPAGES", "4:4" },
		{ "PRIVVMPAGES", "7680:8448" },    { "SHMPAGES", "1152:1152" },
		{ "NUMPROC", "40:40" },            { "PHYSPAGES", "0:unlimited" },
		{ "VMGUARPAGES", "1725:unlimited" }, { "OOMGUARPAGES", "1725:unlimited" },
		{ "NUMTCPSOCK", "40:40" },         { "NUMFLOCK", "50:60" },
		{ "NUMPTY", "4:4" },               { "NUMSIGINFO", "256:256" },
		{ "TCPSNDBUF", "159744:262144" },  { "TCPRCVBUF", "159744:262144" },
		{ "OTHERSOCKBUF", "135168:237568" }, { "DGRAMRCVBUF", "135168:196608" },
		{ "NUMOTHERSOCK", "40:40" },       { "DCACHESIZE", "196608:202752" },
		{ "NUMFILE", "512:512" },          { "AVNUMPROC", "15:15" },
		{ "NUMIPTENT", "16:16" },          { "CPUUNITS", "250" },
	};

	check_sample("ve-light.conf-sample", v, sizeof(v) / sizeof(v[0]), sizeof(v) / sizeof(v[0]));
}

Test(conf_samples, vswap)
{
	static const struct {
		const char *name, *ram, *swap;
		unsigned long ram_pages, swap_pages;
	} s[] = {
		{ "ve-vswap-256m.conf-sample", "0:256M", "0:512M", 65536, 131072 },
		{ "ve-vswap-512m.conf-sample", "0:512M", "0:1G", 131072, 262144 },
		{ "ve-vswap-1g.conf-sample", "0:1G", "0:2G", 262144, 524288 },
		{ "ve-vswap-2g.conf-sample", "0:2G", "0:4G", 524288, 1048576 },
		{ "ve-vswap-4g.conf-sample", "0:4G", "0:8G", 1048576, 2097152 },
	};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		const struct sample_value v[] = {
			{ "PHYSPAGES", s[i].ram },
			{ "SWAPPAGES", s[i].swap },
			{ "DISKSPACE", "2G:2.2G" },
			{ "DISKINODES", "131072:144179" },
			{ "CPUUNITS", "1000" },
			{ "NETFILTER", "stateless" },
		};
		vz_conf *cf;
		unsigned long b, l;

		check_sample(s[i].name, v, sizeof(v) / sizeof(v[0]), sizeof(v) / sizeof(v[0]));
		cf = load_sample(s[i].name);
		cr_assert_eq(vz_parse_barlim(vz_conf_get(cf, "PHYSPAGES"), VZ_UNIT_PAGES, &b, &l, NULL, NULL), 0);
		cr_assert_eq(b, 0);
		cr_assert_eq(l, s[i].ram_pages, "%s", s[i].name);
		cr_assert_eq(vz_parse_barlim(vz_conf_get(cf, "SWAPPAGES"), VZ_UNIT_PAGES, &b, &l, NULL, NULL), 0);
		cr_assert_eq(l, s[i].swap_pages, "%s", s[i].name);
		vz_conf_free(cf);
	}
}

Test(conf_samples, global_vz_conf)
{
	static const struct sample_value v[] = {
		{ "VIRTUOZZO", "yes" },
		{ "LOCKDIR", "/vz/lock" },
		{ "DUMPDIR", "/vz/dump" },
		{ "TEMPLATE", "/vz/template" },
		{ "VE_ROOT", "/vz/root/$VEID" },
		{ "VE_PRIVATE", "/vz/private/$VEID" },
		{ "VE_CONFDIR", "/etc/vz/conf" },
		{ "CT_CGROUP_PARENT", "vz.slice" },
		{ "CONFIGFILE", "vswap-256m" },
		{ "DEF_OSTEMPLATE", "busybox" },
		{ "STOP_TIMEOUT", "120" },
		{ "LOGGING", "yes" },
		{ "LOG_LEVEL", "0" },
		{ "VERBOSE", "0" },
	};
	vz_conf *cf = load_sample("vz.conf");
	char *root;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_get(cf, v[i].key, v[i].value);
	root = vz_subst_veid(vz_conf_get(cf, "VE_ROOT"), "101");
	cr_assert_str_eq(root, "/vz/root/101");
	free(root);
	/* The CONFIGFILE default names a sample that exists. */
	vz_conf_free(load_sample("ve-vswap-256m.conf-sample"));
	vz_conf_free(cf);
}

/* ------------------------------------------------ a save killed at any time */

#define CRASH_ROUNDS 200
#define CRASH_PRELUDE "# CT config under a crash test\n\nONBOOT=\"yes\"\nKMEMSIZE=\"1:2\"\n"
#define CRASH_EPILOGUE "# trailing comment\nNUMPROC=\"240\"\n"

static const char *saver_path(void)
{
	static char path[4096];
	const char *build = getenv("BUILD");

	snprintf(path, sizeof(path), "%s/tests/conf-saver", build ? build : "build");
	return path;
}

static unsigned long counter_in_file(const char *path)
{
	char expected[256];
	const char *v;
	vz_conf *cf;
	unsigned long n;
	char *end;

	cf = load_ok(path);
	v = vz_conf_get(cf, "COUNTER");
	cr_assert_not_null(v, "COUNTER missing after a killed save");
	n = strtoul(v, &end, 10);
	cr_assert(*v && !*end, "torn COUNTER \"%s\"", v);
	snprintf(expected, sizeof(expected), CRASH_PRELUDE "COUNTER=\"%lu\"\n" CRASH_EPILOGUE, n);
	ct_assert_file_is(path, expected);
	vz_conf_free(cf);
	return n;
}

/* Waits for the saver's "ready" line on fd. */
static void wait_ready(int fd)
{
	char buf[8];
	ssize_t n;

	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	cr_assert_gt(n, 0, "the saver died before it was ready");
}

/* Kills the saver a random 0..3 ms after it starts saving. */
static void run_and_kill(const char *saver, const char *path, unsigned int *seed)
{
	struct timespec delay = { 0, (long)(rand_r(seed) % 3001) * 1000 };
	int status, pipefd[2];
	pid_t pid;

	cr_assert_eq(pipe2(pipefd, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		execl(saver, saver, path, "COUNTER", "1000000", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	wait_ready(pipefd[0]);
	close(pipefd[0]);
	nanosleep(&delay, NULL);
	kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0),
		  "saver failed: status %d", status);
}

static void remove_stale_tmp_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	cr_assert_not_null(d);
	while ((e = readdir(d))) {
		if (strstr(e->d_name, ".tmp.")) {
			char *p = ct_path(dir, e->d_name);

			unlink(p);
			free(p);
		}
	}
	closedir(d);
}

Test(conf_crash, killed_saver_never_leaves_a_torn_file, .timeout = 120)
{
	const char *saver = saver_path();
	char *dir = ct_tmpdir();
	char *path = ct_path(dir, "101.conf");
	unsigned int seed = 20240601;
	unsigned long last = 0, n;

	cr_assert_eq(access(saver, X_OK), 0, "%s is not built (run through `make unit`)", saver);
	ct_write_file(path, CRASH_PRELUDE "COUNTER=\"0\"\n" CRASH_EPILOGUE,
		      strlen(CRASH_PRELUDE "COUNTER=\"0\"\n" CRASH_EPILOGUE));
	for (int i = 0; i < CRASH_ROUNDS; i++) {
		run_and_kill(saver, path, &seed);
		n = counter_in_file(path);
		/* The saver counts up from what it reads: the file never goes back. */
		cr_assert_geq(n, last, "round %d: COUNTER went from %lu back to %lu", i, last, n);
		last = n;
		remove_stale_tmp_files(dir);
	}
	cr_assert_gt(last, 0, "no save ever completed in %d rounds", CRASH_ROUNDS);
	ct_rmtree(dir);
	free(path);
	free(dir);
}
