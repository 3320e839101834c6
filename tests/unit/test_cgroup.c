/* The parts of the cgroup backend (core/cgroup/cgroup.c) that need no cgroup: the parser of
 * kernel values, and the name checks that run before anything reaches the filesystem.
 * Everything that creates or changes a cgroup is tested in the guest
 * (tests/integration/10-cgroup-pids.sh); nothing here writes to a cgroup. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/acct/acct.h"
#include "core/base/base.h"
#include "core/ct/ct.h"
#include "core/limits/limits.h"

#define UNTOUCHED UINT64_C(0x5eed5eed5eed5eed)

static void parses_to(const char *text, uint64_t expected)
{
	uint64_t v = UNTOUCHED;
	int r = bc_parse_kernel_u64(text, &v);

	cr_assert_eq(r, 0, "\"%s\": %d", text, r);
	cr_assert_eq(v, expected, "\"%s\" gave %llu, expected %llu", text, (unsigned long long)v,
		     (unsigned long long)expected);
}

static void refused(const char *text, int expected_r)
{
	uint64_t v = UNTOUCHED;
	int r = bc_parse_kernel_u64(text, &v);

	cr_assert_eq(r, expected_r, "\"%s\": got %d, expected %d", text ? text : "(null)", r,
		     expected_r);
	cr_assert_eq(v, UNTOUCHED, "\"%s\": the output was changed on failure", text ? text : "(null)");
}

Test(kernel_u64, max_is_unlimited)
{
	parses_to("max", UINT64_MAX);
	parses_to("max\n", UINT64_MAX);
}

Test(kernel_u64, decimal)
{
	parses_to("0", 0);
	parses_to("8", 8);
	parses_to("007", 7);
	parses_to("9223372036854771712", UINT64_C(9223372036854771712)); /* memory.max default */
}

Test(kernel_u64, largest_value)
{
	parses_to("18446744073709551615", UINT64_MAX);
}

Test(kernel_u64, overflow)
{
	refused("18446744073709551616", -ERANGE);
	refused("99999999999999999999", -ERANGE);
	refused("184467440737095516150", -ERANGE);
}

Test(kernel_u64, garbage)
{
	static const char *const bad[] = {
		"abc", "12a", "-1", "+1", " 1", "1 ", "0x10", "1.5", "MAX", "Max", "max1",
		"maxx", "ma", "1\n2", "1\r", "max max",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(bad[i], -EINVAL);
}

Test(kernel_u64, empty)
{
	refused("", -EINVAL);
	refused("\n", -EINVAL);
	refused(NULL, -EINVAL);
}

Test(kernel_u64, trailing_newline)
{
	parses_to("42\n", 42);
	parses_to("18446744073709551615\n", UINT64_MAX);
	/* One newline, as a file ends; anything more is not a single value. */
	refused("42\n\n", -EINVAL);
	refused("\n42", -EINVAL);
}

/* Names that would leave the parent, or are not one path component. */
Test(cgroup_names, bad_names_are_refused_before_any_lookup)
{
	static const char *const bad[] = { "", ".", "..", "a/b", "../101", "/101", "101/" };
	struct vz_host host = { 0 };
	char parent[] = "vz-unit-test-nowhere.slice";

	host.cgroup_parent = parent;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bc_cgroup *cg = (bc_cgroup *)&host; /* a sentinel: must stay as it is */
		vz_err err = { 0 };
		int r = bc_cg_open(&host, bad[i], &cg, &err);

		cr_assert_eq(r, -EINVAL, "\"%s\": %d", bad[i], r);
		cr_assert_eq(err.exit_code, VZ_E_VALUE, "\"%s\": exit code %d", bad[i], err.exit_code);
		cr_assert(strstr(err.msg, "one path component"), "\"%s\": %s", bad[i], err.msg);
		cr_assert_eq(cg, (bc_cgroup *)&host, "\"%s\": the output was changed", bad[i]);
	}
}

Test(cgroup_names, bad_parents_are_refused_before_any_lookup)
{
	static const char *const bad[] = { "..", "vz.slice/..", "a//b", "./vz", "vz/./x" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vz_host host = { 0 };
		bc_cgroup *cg = NULL;
		vz_err err = { 0 };
		char parent[32];
		int r;

		snprintf(parent, sizeof(parent), "%s", bad[i]);
		host.cgroup_parent = parent;
		r = bc_cg_open(&host, "101", &cg, &err);
		cr_assert_eq(r, -EINVAL, "parent \"%s\": %d %s", bad[i], r, err.msg);
		cr_assert_eq(err.exit_code, VZ_E_VALUE, "parent \"%s\": exit code %d", bad[i],
			     err.exit_code);
		cr_assert(strstr(err.msg, "CT_CGROUP_PARENT"), "parent \"%s\": %s", bad[i], err.msg);
		cr_assert_null(cg);
	}
}

/* Reads only: whatever the host's cgroup layout, a CT under a parent that exists nowhere
 * does not run, and a bad name is simply not running. */
Test(cgroup_names, ct_is_running_is_false_for_missing_cts)
{
	struct vz_host host = { 0 };
	char parent[] = "vz-unit-test-nowhere.slice";

	host.cgroup_parent = parent;
	cr_assert_not(ct_is_running(&host, "101"));
	cr_assert_not(ct_is_running(&host, "../101"));
	cr_assert_not(ct_is_running(&host, ""));
}
