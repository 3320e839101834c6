/* The mapping of a CT's resources onto cgroup v2 files (core/limits/plan.c): the plan
 * of kernel writes, which grows as needed and never cuts a value. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/limits/limits.h"

/* The value the plan writes to file, or NULL when it leaves the file alone. */
static const char *planned(const struct bc_plan *p, const char *file)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->s[i].file, file) == 0)
			return p->s[i].value;
	return NULL;
}

/* bc_plan_make into p, whose earlier plan is freed first when a new one is made. */
static int make(const struct ct_res *r, const char *io_dev, struct bc_plan *p, vz_err *err)
{
	struct bc_plan fresh;
	int rc = bc_plan_make(r, io_dev, &fresh, err);

	if (rc == 0) {
		bc_plan_free(p);
		*p = fresh;
	}
	return rc;
}

static void set_ub(struct ct_res *r, enum ubc_id id, unsigned long bar, unsigned long lim)
{
	r->ub[id] = (struct ubc_pair){ bar, lim, true };
}

Test(plan, nothing_set_writes_nothing)
{
	struct ct_res r = { 0 };
	_cleanup_plan_ struct bc_plan p = { 0 };

	make(&r, NULL, &p, NULL);
	cr_expect_eq(p.n, 0);
}

Test(plan, numproc_to_pids_max)
{
	struct ct_res r = { 0 };
	_cleanup_plan_ struct bc_plan p = { 0 };

	set_ub(&r, UB_NUMPROC, 240, 240);
	make(&r, NULL, &p, NULL);
	cr_expect_str_eq(planned(&p, "pids.max"), "240");
	set_ub(&r, UB_NUMPROC, VZ_UNLIMITED, VZ_UNLIMITED);
	make(&r, NULL, &p, NULL);
	cr_expect_str_eq(planned(&p, "pids.max"), "max");
	/* Above the kernel's PID_MAX_LIMIT, as libvzctl does. */
	set_ub(&r, UB_NUMPROC, 5000000, 5000000);
	make(&r, NULL, &p, NULL);
	cr_expect_str_eq(planned(&p, "pids.max"), "max");
}

Test(plan, vswap_ram_and_swap)
{
	struct ct_res r = { 0 };
	_cleanup_plan_ struct bc_plan p = { 0 };

	set_ub(&r, UB_PHYSPAGES, 0, 16384); /* --ram 64M */
	set_ub(&r, UB_SWAPPAGES, 0, 0);     /* --swap 0 */
	make(&r, NULL, &p, NULL);
	cr_expect_str_eq(planned(&p, "memory.max"), "67108864");
	cr_expect_str_eq(planned(&p, "memory.high"), "max");
	cr_expect_str_eq(planned(&p, "memory.swap.max"), "0");
	/* The fill rules give oomguarpages ram:unlimited: memory.low is the ram. */
	cr_expect_str_eq(planned(&p, "memory.low"), "67108864");
	/* The caller's parameters are not changed by the fill. */
	cr_expect_not(r.ub[UB_OOMGUARPAGES].set);
}

Test(plan, physpages_barrier_below_limit_is_memory_high)
{
	struct ct_res r = { 0 };
	_cleanup_plan_ struct bc_plan p = { 0 };

	set_ub(&r, UB_PHYSPAGES, 1000, 2000);
	make(&r, NULL, &p, NULL);
	cr_expect_str_eq(planned(&p, "memory.high"), "4096000");
	cr_expect_str_eq(planned(&p, "memory.max"), "8192000");
	set_ub(&r, UB_PHYSPAGES, 0, VZ_UNLIMITED);
	make(&r, NULL, &p, NULL);
	cr_expect_str_eq(planned(&p, "memory.max"), "max");
}

Test(plan, cpuunits_clamped_weight)
{
	static const struct { unsigned long units; const char *weight; } cases[] = {
		{ 1000, "100" }, { 3000, "300" }, { 8, "1" }, { 500000, "10000" }, { 250, "25" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ct_res r = { .cpuunits = cases[i].units, .has_cpuunits = true };
		_cleanup_plan_ struct bc_plan p = { 0 };

		make(&r, NULL, &p, NULL);
		cr_expect_str_eq(planned(&p, "cpu.weight"), cases[i].weight, "cpuunits %lu",
				 cases[i].units);
	}
}

Test(plan, cpulimit_and_cpus_to_cpu_max)
{
	struct ct_res r = { .cpulimit = 50, .has_cpulimit = true };
	_cleanup_plan_ struct bc_plan p = { 0 };

	make(&r, NULL, &p, NULL);
	cr_expect_str_eq(planned(&p, "cpu.max"), "50000 100000");
	/* The smaller of cpulimit and cpus x 100. */
	r.cpulimit = 300;
	r.cpus = 2;
	r.has_cpus = true;
	make(&r, NULL, &p, NULL);
	cr_expect_str_eq(planned(&p, "cpu.max"), "200000 100000");
	r.cpulimit = 0;
	make(&r, NULL, &p, NULL);
	cr_expect_str_eq(planned(&p, "cpu.max"), "200000 100000");
	r.cpus = 0;
	make(&r, NULL, &p, NULL);
	cr_expect_str_eq(planned(&p, "cpu.max"), "max 100000");
}

Test(plan, cpumask_and_ioprio)
{
	char mask[] = "0-1", all[] = "all";
	struct ct_res r = { .cpumask = mask, .ioprio = 4, .has_ioprio = true };
	_cleanup_plan_ struct bc_plan p = { 0 };

	make(&r, NULL, &p, NULL);
	cr_expect_str_eq(planned(&p, "cpuset.cpus"), "0-1");
	cr_expect_str_eq(planned(&p, "io.weight"), "100");
	r.cpumask = all;
	r.ioprio = 7;
	make(&r, NULL, &p, NULL);
	cr_expect_str_eq(planned(&p, "cpuset.cpus"), "");
	cr_expect_str_eq(planned(&p, "io.weight"), "800");
	r.ioprio = 0;
	make(&r, NULL, &p, NULL);
	cr_expect_str_eq(planned(&p, "io.weight"), "6");
}

Test(plan, everything_fits)
{
	char mask[] = "0";
	struct ct_res r = { .cpumask = mask, .cpuunits = 1000, .has_cpuunits = true, .cpulimit = 10,
			    .has_cpulimit = true, .ioprio = 2, .has_ioprio = true };
	_cleanup_plan_ struct bc_plan p = { 0 };

	for (int id = 0; id < UB_PARAM_COUNT; id++)
		if (ubc_by_id(id))
			set_ub(&r, id, 100, 200);
	make(&r, NULL, &p, NULL);
	cr_expect_eq(p.n, 9);
}

Test(plan, iolimit_and_iopslimit_on_the_disk)
{
	struct ct_res r = { .iolimit = 10 << 20, .has_iolimit = true };
	_cleanup_plan_ struct bc_plan p = { 0 };
	vz_err err;

	cr_assert_eq(make(&r, "254:0", &p, &err), 0);
	cr_expect_str_eq(planned(&p, "io.max"), "254:0 rbps=10485760 wbps=10485760 riops=max wiops=max");
	r.iopslimit = 300;
	r.has_iopslimit = true;
	r.iolimit = 0;
	cr_assert_eq(make(&r, "8:0", &p, &err), 0);
	cr_expect_str_eq(planned(&p, "io.max"), "8:0 rbps=max wbps=max riops=300 wiops=300");
	/* No disk under the private area: a limit cannot be kept, unlimited needs none. */
	cr_expect_eq(make(&r, NULL, &p, &err), -ENODEV);
	cr_expect_eq(err.exit_code, VZ_E_VALUE);
	r.iopslimit = 0;
	cr_expect_eq(make(&r, NULL, &p, &err), 0);
	cr_expect_null(planned(&p, "io.max"));
}

Test(plan, iolimit_option_units)
{
	unsigned long v;
	vz_err err;

	cr_expect_eq(ct_parse_iolimit("10", &v, &err), 0);
	cr_expect_eq(v, 10UL << 20, "a plain number is MB/s");
	cr_expect_eq(ct_parse_iolimit("512K", &v, &err), 0);
	cr_expect_eq(v, 512UL << 10);
	cr_expect_eq(ct_parse_iolimit("0", &v, &err), 0);
	cr_expect_eq(v, 0);
	cr_expect_lt(ct_parse_iolimit("fast", &v, &err), 0);
	cr_expect_lt(ct_parse_count("-3", &v, &err), 0);
}

/* The longest io.max line a CT can ask for is written whole: a plan that cut its values
 * at 63 characters turned --iopslimit 100000 into a write IOPS limit of 1000. */
Test(plan, io_max_is_never_cut)
{
	struct ct_res r = { .iolimit = 10240UL << 20, .has_iolimit = true, .iopslimit = 100000,
			    .has_iopslimit = true };
	_cleanup_plan_ struct bc_plan p = { 0 };
	vz_err err;

	cr_assert_eq(make(&r, "259:0", &p, &err), 0, "%s", err.msg);
	cr_expect_str_eq(planned(&p, "io.max"),
			 "259:0 rbps=10737418240 wbps=10737418240 riops=100000 wiops=100000");
}

Test(plan, grows_past_any_fixed_size)
{
	_cleanup_plan_ struct bc_plan p = { 0 };
	char want[64];

	for (int i = 0; i < 1000; i++)
		cr_assert_eq(bc_plan_add(&p, "pids.max", "numproc", "%d", i), 0);
	cr_assert_eq(p.n, 1000);
	snprintf(want, sizeof(want), "%d", 999);
	cr_expect_str_eq(p.s[999].value, want);
	/* A value far longer than any fixed buffer a setting once had. */
	cr_assert_eq(bc_plan_add(&p, "io.max", "io", "%0300d", 7), 0);
	cr_expect_eq(strlen(p.s[1000].value), 300);
}

Test(plan, diff_keeps_what_changed)
{
	_cleanup_plan_ struct bc_plan a = { 0 }, b = { 0 }, d = { 0 };

	cr_assert_eq(bc_plan_add(&a, "pids.max", "numproc", "100"), 0);
	cr_assert_eq(bc_plan_add(&a, "cpu.weight", "cpuunits", "100"), 0);
	cr_assert_eq(bc_plan_add(&b, "pids.max", "numproc", "200"), 0);
	cr_assert_eq(bc_plan_add(&b, "cpu.weight", "cpuunits", "100"), 0);
	cr_assert_eq(bc_plan_add(&b, "memory.max", "physpages", "%0100d", 1), 0);
	cr_assert_eq(bc_plan_diff(&a, &b, &d), 0);
	cr_assert_eq(d.n, 2);
	cr_expect_str_eq(planned(&d, "pids.max"), "200");
	cr_expect_eq(strlen(planned(&d, "memory.max")), 100);
	cr_expect_null(planned(&d, "cpu.weight"));
	bc_plan_free(&d);
	cr_assert_eq(bc_plan_diff(NULL, &b, &d), 0);
	cr_expect_eq(d.n, 3);
}
