/* The export's texts, byte for byte against golden files written from the formats of
 * reference §2 by tests/unit/golden/make-export-golden.py, from the fixture that
 * tu_bc_fixture builds: 0, 1 and 3 CTs (one of them stopped), with and without the host's
 * block, limited and unlimited rows, rows without a source. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc-export/export.h"
#include "testutil.h"


static char *golden(const char *name)
{
	char *path, *text;

	cr_assert(asprintf(&path, "%s/tests/unit/golden/%s", getenv("SRCDIR"), name) > 0);
	text = tu_read(path, NULL);
	cr_assert_not_null(text, "no golden file %s", path);
	free(path);
	return text;
}

static void expect_golden(char *got, const char *name)
{
	char *want = golden(name);

	cr_assert_not_null(got);
	cr_expect_str_eq(got, want, "%s differs:\n--- got\n%s--- want\n%s", name, got, want);
	free(want);
	free(got);
}

typedef char *formatter(const struct bc_table *, size_t, const struct bc_table *);

static void every_set(formatter *fmt, const char *base)
{
	struct bc_table cts[3], host;
	static const struct { const char *name; size_t n; } sets[] = { { "0", 0 }, { "1", 1 }, { "3", 3 } };
	char name[64];

	tu_bc_fixture(&cts[0], 101, true);
	tu_bc_fixture(&cts[1], 102, false);
	tu_bc_fixture(&cts[2], 103, true);
	tu_bc_fixture(&host, 0, true);
	for (size_t i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "%s.%s", base, sets[i].name);
		expect_golden(fmt(cts, sets[i].n, NULL), name);
		snprintf(name, sizeof(name), "%s.%s-host", base, sets[i].name);
		expect_golden(fmt(cts, sets[i].n, &host), name);
	}
}

Test(export, user_beancounters)
{
	every_set(bcx_user_beancounters, "user_beancounters");
}

Test(export, bc_resources)
{
	every_set(bcx_bc_resources, "bc_resources");
}

Test(export, veinfo)
{
	every_set(bcx_veinfo, "veinfo");
}

Test(export, per_ct_resources)
{
	struct bc_table t;

	tu_bc_fixture(&t, 101, true);
	expect_golden(bcx_bc_ct_resources(&t), "bc_101_resources");
}

Test(export, shape_of_user_beancounters)
{
	struct bc_table t;
	char *text;
	int rows = 0, with_id = 0;

	tu_bc_fixture(&t, 101, true);
	text = bcx_user_beancounters(&t, 1, NULL);
	for (char *l = strchr(text, '\n') + 1; (l = strchr(l, '\n')) && l[1]; l++) {
		rows++;
		with_id += strncmp(l + 1, "       101: ", 12) == 0;
	}
	cr_expect_eq(rows, 24, "24 rows per block with the dummies, no swappages");
	cr_expect_eq(with_id, 1, "the id on the first row only");
	cr_expect_null(strstr(text, "swappages"));
	cr_expect(!strstr(text, " max ") && !strstr(text, " max\n"), "the word max as a value");
	cr_expect_null(strstr(text, "12345"), "an unknown value showed");
	free(text);
}

Test(export, vswap_and_classes)
{
	struct bc_table t;
	char *s = bcx_vswap(), *c;

	cr_expect_str_eq(s, "Version: 1.0\n");
	free(s);
	tu_bc_fixture(&t, 101, true);
	c = bcx_classes(&t);
	cr_expect(strstr(c, "numproc enforced\n"));
	cr_expect(strstr(c, "tcpsndbuf not available\n"));
	cr_expect(strstr(c, "oomguarpages guarantee\n"));
	free(c);
}
