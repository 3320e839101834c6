/* The consistency rules of reference §1.5 (core/model/validate.c). */
#include <criterion/criterion.h>
#include <limits.h>
#include <string.h>

#include "core/acct/acct.h"
#include "core/base/base.h"
#include "core/ct/ct.h"
#include "core/limits/limits.h"

#define UNL VZ_UNLIMITED
#define MAX_SEEN 64

struct seen {
	int n;
	struct bc_finding f[MAX_SEEN];
};

static void collect(void *ctx, const struct bc_finding *f)
{
	struct seen *s = ctx;

	cr_assert(s->n < MAX_SEEN, "too many findings");
	s->f[s->n++] = *f;
}

static void set(struct ct_res *r, enum ubc_id id, unsigned long bar, unsigned long lim)
{
	r->ub[id] = (struct ubc_pair){ bar, lim, true };
}

/* legacy-vzctl etc/conf/ve-basic.conf-sample (reference §1.1). */
static struct ct_res basic(void)
{
	struct ct_res r = { 0 };

	set(&r, UB_KMEMSIZE, 14372700, 14790164);
	set(&r, UB_LOCKEDPAGES, 2048, 2048);
	set(&r, UB_PRIVVMPAGES, 65536, 69632);
	set(&r, UB_SHMPAGES, 21504, 21504);
	set(&r, UB_NUMPROC, 240, 240);
	set(&r, UB_PHYSPAGES, 0, UNL);
	set(&r, UB_VMGUARPAGES, 33792, UNL);
	set(&r, UB_OOMGUARPAGES, 26112, UNL);
	set(&r, UB_NUMTCPSOCK, 360, 360);
	set(&r, UB_NUMFLOCK, 188, 206);
	set(&r, UB_NUMPTY, 16, 16);
	set(&r, UB_NUMSIGINFO, 256, 256);
	set(&r, UB_TCPSNDBUF, 1720320, 2703360);
	set(&r, UB_TCPRCVBUF, 1720320, 2703360);
	set(&r, UB_OTHERSOCKBUF, 1126080, 2097152);
	set(&r, UB_DGRAMRCVBUF, 262144, 262144);
	set(&r, UB_NUMOTHERSOCK, 360, 360);
	set(&r, UB_DCACHESIZE, 3409920, 3624960);
	set(&r, UB_NUMFILE, 9312, 9312);
	set(&r, UB_NUMIPTENT, 128, 128);
	set(&r, UB_AVNUMPROC, 180, 180);
	return r;
}

/* legacy-vzctl etc/conf/ve-light.conf-sample. */
static struct ct_res light(void)
{
	struct ct_res r = { 0 };

	set(&r, UB_KMEMSIZE, 1740800, 1847296);
	set(&r, UB_LOCKEDPAGES, 4, 4);
	set(&r, UB_PRIVVMPAGES, 7680, 8448);
	set(&r, UB_SHMPAGES, 1152, 1152);
	set(&r, UB_NUMPROC, 40, 40);
	set(&r, UB_PHYSPAGES, 0, UNL);
	set(&r, UB_VMGUARPAGES, 1725, UNL);
	set(&r, UB_OOMGUARPAGES, 1725, UNL);
	set(&r, UB_NUMTCPSOCK, 40, 40);
	set(&r, UB_NUMFLOCK, 50, 60);
	set(&r, UB_NUMPTY, 4, 4);
	set(&r, UB_NUMSIGINFO, 256, 256);
	set(&r, UB_TCPSNDBUF, 159744, 262144);
	set(&r, UB_TCPRCVBUF, 159744, 262144);
	set(&r, UB_OTHERSOCKBUF, 135168, 237568);
	set(&r, UB_DGRAMRCVBUF, 135168, 196608);
	set(&r, UB_NUMOTHERSOCK, 40, 40);
	set(&r, UB_DCACHESIZE, 196608, 202752);
	set(&r, UB_NUMFILE, 512, 512);
	set(&r, UB_NUMIPTENT, 16, 16);
	set(&r, UB_AVNUMPROC, 15, 15);
	return r;
}

/* legacy-vzctl etc/conf/ve-vswap-256m.conf-sample. */
static struct ct_res vswap256(void)
{
	struct ct_res r = { 0 };

	set(&r, UB_PHYSPAGES, 0, 65536);
	set(&r, UB_SWAPPAGES, 0, 131072);
	return r;
}

static const struct bc_finding *find(const struct seen *s, enum ubc_id id, const char *needle)
{
	for (int i = 0; i < s->n; i++)
		if (s->f[i].id == id && (!needle || strstr(s->f[i].msg, needle)))
			return &s->f[i];
	return NULL;
}

/* Runs the rules on r; returns what bc_validate returned. */
static int check(struct ct_res *r, int vswap, bool repair, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	return bc_validate(r, vswap, repair, 0, 0, collect, s);
}

static void assert_valid(struct ct_res *r, int vswap)
{
	struct seen s;
	int n = check(r, vswap, false, &s);

	cr_assert_eq(n, 0, "%d rules broken, first: %s", n, s.n ? s.f[0].msg : "(none reported)");
	cr_assert_eq(s.n, 0);
}

/* Exactly one finding, about id, that mentions needle. */
static void assert_only(struct ct_res *r, enum ubc_id id, const char *needle)
{
	struct seen s;
	int n = check(r, 0, false, &s);

	cr_assert_eq(s.n, 1, "want 1 finding, got %d (first: %s)", s.n, s.n ? s.f[0].msg : "-");
	cr_assert_eq(n, 1);
	cr_assert_eq(s.f[0].id, id, "finding about id %d, want %d: %s", s.f[0].id, id, s.f[0].msg);
	cr_assert_not(s.f[0].repaired);
	cr_assert(strstr(s.f[0].msg, needle), "message \"%s\" lacks \"%s\"", s.f[0].msg, needle);
}

/* Repairs r: every finding repaired, and r valid afterwards. */
static void assert_repairs(struct ct_res *r, int vswap)
{
	struct seen s;
	int n = check(r, vswap, true, &s);

	cr_assert_eq(n, 0, "%d rules left broken after repair", n);
	cr_assert_gt(s.n, 0, "nothing was found to repair");
	for (int i = 0; i < s.n; i++)
		cr_assert(s.f[i].repaired, "not repaired: %s", s.f[i].msg);
	assert_valid(r, vswap);
}

static void assert_pair(const struct ct_res *r, enum ubc_id id, unsigned long bar, unsigned long lim)
{
	cr_assert_eq(r->ub[id].bar, bar, "id %d barrier %lu, want %lu", id, r->ub[id].bar, bar);
	cr_assert_eq(r->ub[id].lim, lim, "id %d limit %lu, want %lu", id, r->ub[id].lim, lim);
}

/* ------------------------------------------------------------- the samples */

Test(validate, ve_basic_sample_is_valid)
{
	struct ct_res r = basic();

	assert_valid(&r, 0);
	assert_valid(&r, -1);
}

Test(validate, ve_light_sample_is_valid)
{
	struct ct_res r = light();

	assert_valid(&r, 0);
}

Test(validate, vswap_sample_is_valid)
{
	struct ct_res r = vswap256();

	assert_valid(&r, -1);
	cr_assert_eq(bc_validate(&r, 1, false, 1UL << 20, 1UL << 20, NULL, NULL), 0);
}

/* ------------------------------------------------------ per-parameter rules */

static const enum ubc_id equal_ids[] = {
	UB_NUMPROC, UB_NUMTCPSOCK, UB_NUMOTHERSOCK, UB_SHMPAGES,
	UB_NUMFILE, UB_NUMPTY, UB_NUMSIGINFO, UB_NUMIPTENT,
};

Test(validate, barrier_must_equal_limit)
{
	for (size_t i = 0; i < sizeof(equal_ids) / sizeof(equal_ids[0]); i++) {
		enum ubc_id id = equal_ids[i];
		struct ct_res r = basic();
		unsigned long lim = r.ub[id].bar + 1;

		r.ub[id].lim = lim;
		assert_only(&r, id, "barrier should be equal to limit for ");
		assert_repairs(&r, 0);
		assert_pair(&r, id, lim, lim);
	}
}

Test(validate, equal_rule_message_names_value_to_set)
{
	struct ct_res r = basic();
	struct seen s;

	set(&r, UB_NUMPROC, 240, 300);
	check(&r, 0, false, &s);
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(s.f[0].msg, "barrier should be equal to limit for NUMPROC (currently 240:300); "
				     "set NUMPROC=\"300:300\"");
}

static const enum ubc_id le_ids[] = {
	UB_KMEMSIZE, UB_TCPSNDBUF, UB_TCPRCVBUF, UB_OTHERSOCKBUF, UB_DGRAMRCVBUF,
	UB_PRIVVMPAGES, UB_LOCKEDPAGES, UB_NUMFLOCK, UB_DCACHESIZE,
};

Test(validate, barrier_must_not_exceed_limit)
{
	for (size_t i = 0; i < sizeof(le_ids) / sizeof(le_ids[0]); i++) {
		enum ubc_id id = le_ids[i];
		struct ct_res r = basic();
		unsigned long bar = r.ub[id].lim + 1;
		struct seen s;

		r.ub[id].bar = bar;
		check(&r, 0, false, &s);
		cr_assert(find(&s, id, "barrier should be <= limit for "), "no <= finding for id %d", id);
		assert_repairs(&r, 0);
		cr_assert_geq(r.ub[id].lim, r.ub[id].bar);
		cr_assert_geq(r.ub[id].bar, bar, "the repair lowered the barrier of id %d", id);
	}
}

Test(validate, barrier_equal_to_limit_is_fine_where_le_is_asked)
{
	struct ct_res r = basic();

	set(&r, UB_NUMFLOCK, 206, 206);
	set(&r, UB_LOCKEDPAGES, 2048, 2048);
	assert_valid(&r, 0);
}

Test(validate, guarantee_limits_must_be_unlimited)
{
	static const enum ubc_id ids[] = { UB_VMGUARPAGES, UB_OOMGUARPAGES };

	for (size_t i = 0; i < 2; i++) {
		struct ct_res r = basic();
		unsigned long bar = r.ub[ids[i]].bar;

		r.ub[ids[i]].lim = bar;
		assert_only(&r, ids[i], "limit should be unlimited for ");
		assert_repairs(&r, 0);
		assert_pair(&r, ids[i], bar, UNL);
	}
}

Test(validate, int_max_counts_as_unlimited)
{
	struct ct_res r = basic();

	r.ub[UB_VMGUARPAGES].lim = VZ_UNLIMITED32;
	r.ub[UB_PHYSPAGES].lim = VZ_UNLIMITED32;
	assert_valid(&r, 0);
}

Test(validate, physpages_outside_vswap_is_zero_unlimited)
{
	struct ct_res r = basic();

	set(&r, UB_PHYSPAGES, 0, 65536);
	assert_only(&r, UB_PHYSPAGES, "should be 0:unlimited outside vswap mode");
	assert_repairs(&r, 0);
	assert_pair(&r, UB_PHYSPAGES, 0, UNL);

	set(&r, UB_PHYSPAGES, 5, UNL);
	assert_only(&r, UB_PHYSPAGES, "should be 0:unlimited");
	assert_repairs(&r, 0);
	assert_pair(&r, UB_PHYSPAGES, 0, UNL);
}

/* ------------------------------------------------------ cross-parameter rules */

Test(validate, dcachesize_covers_numfile)
{
	struct ct_res r = basic();

	set(&r, UB_DCACHESIZE, 3409920, 3500000);
	assert_only(&r, UB_DCACHESIZE, "384 x NUMFILE barrier 9312 = 3575808");
	assert_repairs(&r, 0);
	assert_pair(&r, UB_DCACHESIZE, 3409920, 3575808);
}

Test(validate, kmemsize_covers_processes_and_dcache)
{
	struct ct_res r = basic();

	set(&r, UB_KMEMSIZE, 10000000, 11000000);
	/* 40 KiB x 180 + 3624960 */
	assert_only(&r, UB_KMEMSIZE, "= 10997760");
	assert_repairs(&r, 0);
	/* the barrier goes up to the minimum and the limit keeps its gap */
	assert_pair(&r, UB_KMEMSIZE, 10997760, 11997760);
}

Test(validate, privvmpages_covers_vmguarpages)
{
	struct ct_res r = basic();

	set(&r, UB_VMGUARPAGES, 70000, UNL);
	assert_only(&r, UB_PRIVVMPAGES, "VMGUARPAGES barrier 70000");
	assert_repairs(&r, 0);
	assert_pair(&r, UB_PRIVVMPAGES, 70000, 74096);
}

Test(validate, socket_buffer_gaps)
{
	static const struct {
		enum ubc_id id;
		unsigned long bar, lim, need;
	} cases[] = {
		{ UB_TCPSNDBUF, 1720320, 2000000, 921600 },   /* 2.5 KiB x 360 NUMTCPSOCK */
		{ UB_TCPRCVBUF, 1720320, 2000000, 921600 },
		{ UB_OTHERSOCKBUF, 1126080, 1200000, 921600 }, /* 2.5 KiB x 360 NUMOTHERSOCK */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ct_res r = basic();

		set(&r, cases[i].id, cases[i].bar, cases[i].lim);
		assert_only(&r, cases[i].id, "limit - barrier should be at least 2560 x ");
		assert_repairs(&r, 0);
		assert_pair(&r, cases[i].id, cases[i].bar, cases[i].bar + cases[i].need);
	}
}

Test(validate, gap_exactly_met_is_fine)
{
	struct ct_res r = basic();

	set(&r, UB_TCPSNDBUF, 1720320, 1720320 + 921600);
	assert_valid(&r, 0);
}

Test(validate, minimum_socket_buffer_barriers)
{
	static const struct {
		enum ubc_id id;
		unsigned long bar, lim, min;
	} cases[] = {
		{ UB_TCPSNDBUF, 60000, 1000000, 65536 },
		{ UB_TCPRCVBUF, 60000, 1000000, 65536 },
		{ UB_DGRAMRCVBUF, 30000, 262144, 32768 },
		{ UB_OTHERSOCKBUF, 30000, 1000000, 32768 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ct_res r = basic();
		unsigned long raise = cases[i].min - cases[i].bar;

		set(&r, cases[i].id, cases[i].bar, cases[i].lim);
		assert_only(&r, cases[i].id, "barrier should be at least ");
		assert_repairs(&r, 0);
		assert_pair(&r, cases[i].id, cases[i].min, cases[i].lim + raise);
	}
}

Test(validate, below_recommended_129k_is_not_a_failure)
{
	struct ct_res r = basic();
	struct seen s;

	set(&r, UB_DGRAMRCVBUF, 100000, 262144);
	assert_valid(&r, 0);
	set(&r, UB_DGRAMRCVBUF, 1000, 262144);
	check(&r, 0, false, &s);
	cr_assert(find(&s, UB_DGRAMRCVBUF, "at least 32768, 132096 recommended"));
}

Test(validate, numfile_covers_average_processes)
{
	struct ct_res r = basic();

	set(&r, UB_AVNUMPROC, 295, 295);
	set(&r, UB_KMEMSIZE, 20000000, 21000000);
	assert_only(&r, UB_NUMFILE, "32 x AVNUMPROC 295");
	assert_repairs(&r, 0);
	assert_pair(&r, UB_NUMFILE, 9440, 9440);
}

Test(validate, numfile_covers_sockets_and_ptys)
{
	struct ct_res r = basic();

	set(&r, UB_NUMPTY, 9000, 9000);
	assert_only(&r, UB_NUMFILE, "NUMTCPSOCK + NUMOTHERSOCK + NUMPTY 9720");
	assert_repairs(&r, 0);
	cr_assert_eq(r.ub[UB_NUMFILE].bar, 9720);
}

Test(validate, avnumproc_defaults_to_half_numproc)
{
	struct ct_res r = basic();

	r.ub[UB_AVNUMPROC].set = false;
	assert_valid(&r, 0);
	/* 600/2 x 32 = 9600 files */
	set(&r, UB_NUMPROC, 600, 600);
	set(&r, UB_KMEMSIZE, 20000000, 21000000);
	assert_only(&r, UB_NUMFILE, "avnumproc 300 (NUMPROC/2)");
}

/* ------------------------------------------------------ repairs */

Test(validate, repairs_cascade)
{
	struct ct_res r = basic();
	struct seen s;

	/* numfile up -> dcachesize limit up -> kmemsize barrier up */
	set(&r, UB_NUMFILE, 20000, 20000);
	cr_assert_eq(check(&r, 0, true, &s), 0);
	cr_assert(find(&s, UB_DCACHESIZE, NULL));
	cr_assert(find(&s, UB_KMEMSIZE, NULL));
	assert_valid(&r, 0);
	assert_pair(&r, UB_DCACHESIZE, 3409920, 7680000);
}

Test(validate, repairs_cascade_from_numproc)
{
	struct ct_res r = basic();

	r.ub[UB_AVNUMPROC].set = false;
	set(&r, UB_NUMPROC, 240, 600);
	assert_repairs(&r, 0);
	assert_pair(&r, UB_NUMPROC, 600, 600);
	cr_assert_geq(r.ub[UB_NUMFILE].bar, 9600);
}

Test(validate, everything_broken_is_repaired)
{
	struct ct_res r = basic();

	for (int id = 0; id < UB_AVNUMPROC; id++)
		if (r.ub[id].set)
			set(&r, id, r.ub[id].lim / 3 + 7, r.ub[id].bar / 5);
	set(&r, UB_PHYSPAGES, 17, 1000);
	assert_repairs(&r, 0);
}

Test(validate, repair_without_findings_changes_nothing)
{
	struct ct_res r = basic(), before = basic();
	struct seen s;

	cr_assert_eq(check(&r, 0, true, &s), 0);
	cr_assert_eq(s.n, 0);
	cr_assert(memcmp(r.ub, before.ub, sizeof(r.ub)) == 0);
}

Test(validate, without_repair_nothing_changes)
{
	struct ct_res r = basic(), before;
	struct seen s;

	set(&r, UB_NUMFILE, 20000, 1);
	set(&r, UB_KMEMSIZE, 1, 0);
	before = r;
	cr_assert_gt(check(&r, 0, false, &s), 0);
	cr_assert(memcmp(r.ub, before.ub, sizeof(r.ub)) == 0);
}

Test(validate, callback_may_be_null)
{
	struct ct_res r = basic();

	set(&r, UB_NUMPROC, 1, 2);
	cr_assert_eq(bc_validate(&r, 0, false, 0, 0, NULL, NULL), 1);
	cr_assert_eq(bc_validate(&r, 0, true, 0, 0, NULL, NULL), 0);
}

/* ------------------------------------------------------ unlimited */

Test(validate, all_unlimited_is_valid)
{
	struct ct_res r = basic();

	for (int id = 0; id <= UB_AVNUMPROC; id++)
		if (r.ub[id].set)
			set(&r, id, UNL, UNL);
	set(&r, UB_PHYSPAGES, 0, UNL);
	assert_valid(&r, 0);
}

Test(validate, unlimited_sockets_do_not_wrap)
{
	struct ct_res r = basic();
	struct seen s;

	/* 2560 x LONG_MAX wraps round to a small number in unsigned arithmetic */
	set(&r, UB_NUMTCPSOCK, UNL, UNL);
	check(&r, 0, false, &s);
	cr_assert(find(&s, UB_TCPSNDBUF, "= unlimited"));
	cr_assert(find(&s, UB_TCPRCVBUF, "= unlimited"));
	cr_assert(find(&s, UB_NUMFILE, "= unlimited"));
	assert_repairs(&r, 0);
	cr_assert_eq(r.ub[UB_TCPSNDBUF].lim, UNL);
	cr_assert_eq(r.ub[UB_NUMFILE].bar, UNL);
	cr_assert_eq(r.ub[UB_DCACHESIZE].lim, UNL);
	cr_assert_eq(r.ub[UB_KMEMSIZE].bar, UNL);
}

Test(validate, unlimited_numfile_needs_unlimited_dcache)
{
	struct ct_res r = basic();

	set(&r, UB_NUMFILE, UNL, UNL);
	assert_only(&r, UB_DCACHESIZE, "384 x NUMFILE barrier unlimited = unlimited");
}

Test(validate, huge_values_saturate)
{
	struct ct_res r = basic();

	set(&r, UB_AVNUMPROC, UNL - 1, UNL - 1);
	set(&r, UB_NUMPTY, ULONG_MAX, ULONG_MAX);
	set(&r, UB_VMGUARPAGES, ULONG_MAX - 5, UNL);
	assert_repairs(&r, 0);
	cr_assert_eq(r.ub[UB_KMEMSIZE].bar, UNL);
	cr_assert_eq(r.ub[UB_PRIVVMPAGES].bar, UNL);
}

Test(validate, unlimited_numproc_leaves_avnumproc_unknown)
{
	struct ct_res r = basic();

	r.ub[UB_AVNUMPROC].set = false;
	set(&r, UB_NUMPROC, UNL, UNL);
	assert_valid(&r, 0);
}

/* ------------------------------------------------------ vswap */

Test(validate, vswap_detected_from_physpages)
{
	struct ct_res r = vswap256();
	struct seen s;

	/* not one of the 20 classic parameters is missing in vswap mode */
	cr_assert_eq(check(&r, -1, false, &s), 0);
	cr_assert_gt(check(&r, 0, false, &s), 19);
	cr_assert(find(&s, UB_NUMFLOCK, "parameter NUMFLOCK not found"));
	cr_assert(find(&s, UB_PHYSPAGES, "0:unlimited"));
}

Test(validate, vswap_forced_on_a_classic_config)
{
	struct ct_res r = basic();
	struct seen s;

	memset(&s, 0, sizeof(s));
	cr_assert_eq(bc_validate(&r, 1, false, 1000, 1000, collect, &s), 2);
	cr_assert(find(&s, UB_SWAPPAGES, "parameter SWAPPAGES not found"));
	cr_assert(find(&s, UB_PHYSPAGES, "at most the host's RAM, 1000 pages"));
}

Test(validate, vswap_requires_physpages_and_swappages)
{
	struct ct_res r = vswap256();
	struct seen s;

	r.ub[UB_SWAPPAGES].set = false;
	cr_assert_eq(check(&r, -1, true, &s), 1);
	cr_assert_eq(s.n, 1);
	cr_assert_eq(s.f[0].id, UB_SWAPPAGES);
	cr_assert_not(s.f[0].repaired);
}

Test(validate, vswap_limits_bounded_by_host)
{
	struct ct_res r = vswap256();
	struct seen s = { 0 };

	cr_assert_eq(bc_validate(&r, -1, false, 32768, 1000, collect, &s), 2);
	cr_assert(find(&s, UB_PHYSPAGES, "host's RAM, 32768 pages"));
	cr_assert(find(&s, UB_SWAPPAGES, "host's swap, 1000 pages"));
	memset(&s, 0, sizeof(s));
	cr_assert_eq(bc_validate(&r, -1, true, 32768, 1000, collect, &s), 0);
	assert_pair(&r, UB_PHYSPAGES, 0, 32768);
	assert_pair(&r, UB_SWAPPAGES, 0, 1000);
	/* unknown host sizes skip the check */
	r = vswap256();
	cr_assert_eq(bc_validate(&r, -1, false, 0, 0, NULL, NULL), 0);
}

Test(validate, vswap_barriers_are_zero)
{
	struct ct_res r = vswap256();

	set(&r, UB_PHYSPAGES, 100, 65536);
	set(&r, UB_SWAPPAGES, 7, 131072);
	struct seen s;

	cr_assert_eq(check(&r, -1, false, &s), 2);
	cr_assert(find(&s, UB_PHYSPAGES, "barrier should be 0 for PHYSPAGES in vswap mode"));
	assert_repairs(&r, -1);
	assert_pair(&r, UB_PHYSPAGES, 0, 65536);
	assert_pair(&r, UB_SWAPPAGES, 0, 131072);
}

Test(validate, vswap_skips_formulas_but_checks_pairs)
{
	struct ct_res r = vswap256();

	set(&r, UB_NUMFILE, 10, 10);
	set(&r, UB_NUMPTY, 500, 500);
	set(&r, UB_AVNUMPROC, 100, 100);
	assert_valid(&r, -1);
	set(&r, UB_NUMPROC, 10, 20);
	struct seen s;

	cr_assert_eq(check(&r, -1, false, &s), 1);
	cr_assert_eq(s.f[0].id, UB_NUMPROC);
}

/* ------------------------------------------------------ missing parameters */

Test(validate, each_classic_parameter_is_required)
{
	for (int id = 0; id < UB_COMPAT_COUNT; id++) {
		struct ct_res r = basic();
		struct seen s;

		if (!ubc_by_id(id))
			continue;
		r.ub[id].set = false;
		/* no repair can invent a value; no other rule runs on the missing input */
		cr_assert_eq(check(&r, 0, true, &s), 1, "id %d", id);
		cr_assert_eq(s.n, 1, "id %d: %d findings, first %s", id, s.n, s.f[0].msg);
		cr_assert_eq(s.f[0].id, id);
		cr_assert_not(s.f[0].repaired);
		cr_assert(strstr(s.f[0].msg, "not found; it is required outside vswap mode"));
	}
}

Test(validate, empty_config_lists_all_twenty)
{
	struct ct_res r = { 0 };
	struct seen s;

	cr_assert_eq(check(&r, -1, true, &s), 20);
	cr_assert_eq(s.n, 20);
	cr_assert_eq(check(&r, 1, true, &s), 2);
}

/* As vzctl: without AVNUMPROC half of NUMPROC stands in, which ve-light's NUMFILE
 * (sized for AVNUMPROC 15) does not cover. */
Test(validate, missing_avnumproc_is_half_numproc_not_zero)
{
	struct ct_res r = light();

	r.ub[UB_AVNUMPROC].set = false;
	assert_only(&r, UB_NUMFILE, "32 x avnumproc 20 (NUMPROC/2)");
}

/* ------------------------------------------------------ asking */

struct answers {
	int asked;
	enum ubc_id yes; /* the one resource whose repair is accepted */
	struct seen s;
};

static bool answer(void *ctx, const struct bc_finding *f)
{
	struct answers *a = ctx;

	a->asked++;
	cr_assert_not(f->repaired);
	cr_assert(strstr(f->msg, "; set "), "a question proposes a value: %s", f->msg);
	return f->id == a->yes;
}

static void collect_answered(void *ctx, const struct bc_finding *f)
{
	collect(&((struct answers *)ctx)->s, f);
}

Test(validate, ask_repairs_only_accepted_findings)
{
	struct ct_res r = basic();
	struct answers a = { .yes = UB_NUMPROC };

	set(&r, UB_NUMPROC, 240, 300);
	set(&r, UB_NUMFLOCK, 300, 206);
	set(&r, UB_NUMFILE, 20000, 20000);
	/* numproc accepted; numflock and dcachesize declined; each asked once only */
	cr_assert_eq(bc_validate_ask(&r, 0, 0, 0, answer, collect_answered, &a), 2);
	cr_assert_eq(a.asked, 3);
	cr_assert_eq(a.s.n, 3);
	assert_pair(&r, UB_NUMPROC, 300, 300);
	assert_pair(&r, UB_NUMFLOCK, 300, 206);
	assert_pair(&r, UB_DCACHESIZE, 3409920, 3624960);
}

Test(validate, ask_null_repairs_nothing)
{
	struct ct_res r = basic();

	set(&r, UB_NUMPROC, 240, 300);
	cr_assert_eq(bc_validate_ask(&r, 0, 0, 0, NULL, NULL, NULL), 1);
	assert_pair(&r, UB_NUMPROC, 240, 300);
}
