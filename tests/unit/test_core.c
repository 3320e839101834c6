/* The resource table, CT ids and names, typed parameters and the vswap fill rules. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/acct/acct.h"
#include "core/base/base.h"
#include "core/ct/ct.h"
#include "core/limits/limits.h"

Test(ubc, kernel_order_and_dummies)
{
	static const char *const order[UB_KERNEL_COUNT] = {
		"kmemsize", "lockedpages", "privvmpages", "shmpages", NULL, "numproc",
		"physpages", "vmguarpages", "oomguarpages", "numtcpsock", "numflock", "numpty",
		"numsiginfo", "tcpsndbuf", "tcprcvbuf", "othersockbuf", "dgramrcvbuf",
		"numothersock", "dcachesize", "numfile", NULL, NULL, NULL, "numiptent", "swappages",
	};

	for (int id = 0; id < UB_KERNEL_COUNT; id++) {
		const struct ubc_res *r = ubc_by_id(id);

		if (!order[id]) {
			cr_expect_null(r, "id %d is a dummy slot", id);
			continue;
		}
		cr_assert_not_null(r, "id %d", id);
		cr_expect_str_eq(r->name, order[id]);
		cr_expect_eq((int)r->id, id);
	}
	cr_expect_null(ubc_by_id(-1));
	cr_expect_null(ubc_by_id(UB_PARAM_COUNT));
	cr_expect_str_eq(ubc_by_id(UB_AVNUMPROC)->name, "avnumproc");
	cr_expect_eq(ubc_by_id(UB_AVNUMPROC)->cls, BC_CONFIG_ONLY);
}

Test(ubc, units_follow_the_names)
{
	for (int id = 0; id < UB_PARAM_COUNT; id++) {
		const struct ubc_res *r = ubc_by_id(id);

		if (!r)
			continue;
		if (strstr(r->name, "pages"))
			cr_expect_eq(r->unit, VZ_UNIT_PAGES, "%s", r->name);
		else if (!strncmp(r->name, "num", 3) || !strcmp(r->name, "avnumproc"))
			cr_expect_eq(r->unit, VZ_UNIT_ITEMS, "%s", r->name);
		else
			cr_expect_eq(r->unit, VZ_UNIT_BYTES, "%s", r->name);
	}
}

Test(ubc, lookup_by_name_key_alias_and_short_option)
{
	cr_expect_eq(ubc_find("numproc")->id, UB_NUMPROC);
	cr_expect_eq(ubc_find("NUMPROC")->id, UB_NUMPROC);
	cr_expect_eq(ubc_find("DCACHE")->id, UB_DCACHESIZE);
	cr_expect_eq(ubc_find("IPTENTRIES")->id, UB_NUMIPTENT);
	cr_expect_eq(ubc_find("TCPSENDBUF")->id, UB_TCPSNDBUF);
	cr_expect_null(ubc_find("dummy"));
	cr_expect_null(ubc_find(""));
	cr_expect_null(ubc_find(NULL));

	static const struct { char opt; enum ubc_id id; } shorts[] = {
		{ 'k', UB_KMEMSIZE }, { 'l', UB_LOCKEDPAGES }, { 'p', UB_NUMPROC },
		{ 'f', UB_NUMFLOCK }, { 't', UB_NUMPTY }, { 'i', UB_NUMSIGINFO },
		{ 'b', UB_TCPRCVBUF }, { 'n', UB_NUMFILE }, { 'x', UB_DCACHESIZE },
		{ 'e', UB_NUMIPTENT },
	};
	for (size_t i = 0; i < sizeof(shorts) / sizeof(shorts[0]); i++)
		cr_expect_eq(ubc_by_id(shorts[i].id)->short_opt, shorts[i].opt);
}

Test(ubc, classes_have_names)
{
	cr_expect_str_eq(bc_class_name(BC_ENFORCED), "enforced");
	cr_expect_str_eq(bc_class_name(BC_NOT_AVAILABLE), "not available");
	cr_expect_eq(ubc_find("numproc")->cls, BC_ENFORCED);
	cr_expect_eq(ubc_find("oomguarpages")->cls, BC_GUARANTEE);
}

Test(ctid, accepts_the_valid_range)
{
	unsigned long id = 0;

	cr_expect_eq(ct_id_parse("101", &id, NULL), 0);
	cr_expect_eq(id, 101);
	cr_expect_eq(ct_id_parse("2147483644", &id, NULL), 0);
	cr_expect_eq(id, 2147483644UL);
}

Test(ctid, refuses_everything_else)
{
	static const char *const bad[] = {
		"", "0", "100", "-1", "+101", " 101", "101 ", "0101", "../x", "101/..",
		"2147483645", "4294967397", "12345678901234567890", "1e3", "abc", "10a1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned long id = 77;
		vz_err err = { 0 };

		cr_expect_lt(ct_id_parse(bad[i], &id, &err), 0, "\"%s\" accepted", bad[i]);
		cr_expect_eq(id, 77, "output touched for \"%s\"", bad[i]);
		cr_expect_eq(err.exit_code, VZ_E_SYNTAX);
	}
	cr_expect_lt(ct_id_parse(NULL, &(unsigned long){ 0 }, NULL), 0);
}

Test(ctid, names)
{
	cr_expect(ct_name_valid("web1"));
	cr_expect(ct_name_valid("my.ct-1_a"));
	cr_expect_not(ct_name_valid("101"));
	cr_expect_not(ct_name_valid("../x"));
	cr_expect_not(ct_name_valid("a/b"));
	cr_expect_not(ct_name_valid(".hidden"));
	cr_expect_not(ct_name_valid("-x"));
	cr_expect_not(ct_name_valid(""));
	cr_expect_not(ct_name_valid("a b"));
	char long_name[80];
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	cr_expect_not(ct_name_valid(long_name));
}

static vz_conf *parse(const char *text)
{
	vz_conf *cf = NULL;

	cr_assert_eq(vz_conf_parse(text, strlen(text), "test", &cf, NULL, NULL), 0);
	return cf;
}

static void collect(void *ctx, const char *msg)
{
	int *n = ctx;

	(void)msg;
	(*n)++;
}

Test(params, reads_ubc_keys_and_aliases)
{
	_cleanup_conf_ vz_conf *cf = parse("NUMPROC=\"240:250\"\nDCACHE=\"100:200\"\nPRIVVMPAGES=\"256M\"\n");
	struct ct_res r;

	cr_assert_eq(ct_res_from_conf(NULL, cf, &r, NULL, NULL), 0);
	cr_expect(r.ub[UB_NUMPROC].set);
	cr_expect_eq(r.ub[UB_NUMPROC].bar, 240);
	cr_expect_eq(r.ub[UB_NUMPROC].lim, 250);
	cr_expect_eq(r.ub[UB_DCACHESIZE].lim, 200);
	cr_expect_eq(r.ub[UB_PRIVVMPAGES].bar, 65536);
	cr_expect_not(r.ub[UB_KMEMSIZE].set);
	ct_res_free(&r);
}

Test(params, ct_config_overrides_global_and_bad_values_are_skipped_with_a_warning)
{
	_cleanup_conf_ vz_conf *global = parse("NUMPROC=\"100\"\nCPUUNITS=\"1000\"\nKMEMSIZE=\"5\"\n");
	_cleanup_conf_ vz_conf *ct = parse("NUMPROC=\"200\"\nCPUUNITS=\"7\"\nNUMFILE=\"abc\"\n");
	int warnings = 0;
	vz_warn w = { collect, &warnings };
	struct ct_res r;

	cr_assert_eq(ct_res_from_conf(global, ct, &r, &w, NULL), 0);
	cr_expect_eq(r.ub[UB_NUMPROC].lim, 200);
	cr_expect_eq(r.ub[UB_KMEMSIZE].lim, 5);
	cr_expect_not(r.has_cpuunits, "cpuunits 7 is below the minimum of 8");
	cr_expect_not(r.ub[UB_NUMFILE].set);
	cr_expect_eq(warnings, 2);
	ct_res_free(&r);
}

Test(params, round_trip_through_a_config)
{
	_cleanup_conf_ vz_conf *cf = vz_conf_new();
	struct ct_res r = { 0 }, back;

	r.ub[UB_NUMPROC] = (struct ubc_pair){ 240, 240, true };
	r.ub[UB_PHYSPAGES] = (struct ubc_pair){ 0, VZ_UNLIMITED, true };
	r.cpuunits = 1000;
	r.has_cpuunits = true;
	r.vm_overcommit = 1.5;
	r.has_vm_overcommit = true;
	r.cpumask = strdup("0-3,6");
	cr_assert_eq(ct_res_to_conf(&r, cf, NULL), 0);
	cr_expect_str_eq(vz_conf_get(cf, "NUMPROC"), "240");
	cr_expect_str_eq(vz_conf_get(cf, "PHYSPAGES"), "0:unlimited");
	cr_expect_str_eq(vz_conf_get(cf, "VM_OVERCOMMIT"), "1.5");
	cr_expect_null(vz_conf_get(cf, "KMEMSIZE"), "unset values are not written");
	cr_assert_eq(ct_res_from_conf(NULL, cf, &back, NULL, NULL), 0);
	cr_expect_eq(back.ub[UB_PHYSPAGES].lim, VZ_UNLIMITED);
	cr_expect_str_eq(back.cpumask, "0-3,6");
	cr_expect(back.vm_overcommit == 1.5);
	ct_res_free(&r);
	ct_res_free(&back);
}

Test(params, value_checks)
{
	unsigned long v;
	char *mask = NULL;
	double d;

	cr_expect_eq(ct_parse_cpuunits("8", &v, NULL), 0);
	cr_expect_eq(ct_parse_cpuunits("500000", &v, NULL), 0);
	cr_expect_lt(ct_parse_cpuunits("7", &v, NULL), 0);
	cr_expect_lt(ct_parse_cpuunits("500001", &v, NULL), 0);
	cr_expect_lt(ct_parse_cpuunits("-8", &v, NULL), 0);
	cr_expect_lt(ct_parse_cpuunits("", &v, NULL), 0);
	cr_expect_eq(ct_parse_cpulimit("50", 4, &v, NULL), 0);
	cr_expect_eq(v, 50);
	cr_expect_eq(ct_parse_cpulimit("50%", 4, &v, NULL), 0);
	cr_expect_eq(v, 200, "N%% is of the whole host");
	cr_expect_lt(ct_parse_cpulimit("101%", 4, &v, NULL), 0);
	cr_expect_lt(ct_parse_cpulimit("%", 4, &v, NULL), 0);
	cr_expect_lt(ct_parse_cpulimit("5x", 4, &v, NULL), 0);
	cr_expect_eq(ct_parse_ioprio("7", &v, NULL), 0);
	cr_expect_lt(ct_parse_ioprio("8", &v, NULL), 0);
	cr_expect_eq(ct_parse_cpumask("0-3,6", &mask, NULL), 0);
	free(mask);
	cr_expect_eq(ct_parse_cpumask("all", &mask, NULL), 0);
	free(mask);
	mask = NULL;
	cr_expect_lt(ct_parse_cpumask("3-1", &mask, NULL), 0);
	cr_expect_lt(ct_parse_cpumask("1,,2", &mask, NULL), 0);
	cr_expect_lt(ct_parse_cpumask("1-", &mask, NULL), 0);
	cr_expect_lt(ct_parse_cpumask("a", &mask, NULL), 0);
	cr_expect_null(mask);
	cr_expect_eq(ct_parse_overcommit("1.5", &d, NULL), 0);
	cr_expect_lt(ct_parse_overcommit("inf", &d, NULL), 0);
	cr_expect_lt(ct_parse_overcommit("nan", &d, NULL), 0);
	cr_expect_lt(ct_parse_overcommit("0x10", &d, NULL), 0);
	cr_expect_lt(ct_parse_overcommit("-1", &d, NULL), 0);
	cr_expect(ct_hostname_valid("ct101.example.org"));
	cr_expect_not(ct_hostname_valid("bad host"));
	cr_expect_not(ct_hostname_valid("-x"));
}

static struct ct_res vswap(unsigned long ram, unsigned long swap)
{
	struct ct_res r = { 0 };

	r.ub[UB_PHYSPAGES] = (struct ubc_pair){ 0, ram, true };
	r.ub[UB_SWAPPAGES] = (struct ubc_pair){ 0, swap, true };
	return r;
}

Test(vswap, mode_detection)
{
	struct ct_res r = vswap(65536, 0);

	cr_expect(ct_res_is_vswap(&r));
	r.ub[UB_PHYSPAGES].lim = VZ_UNLIMITED;
	cr_expect_not(ct_res_is_vswap(&r));
	r.ub[UB_PHYSPAGES].lim = VZ_UNLIMITED32;
	cr_expect_not(ct_res_is_vswap(&r), "INT_MAX is unlimited too");
	r.ub[UB_PHYSPAGES].set = false;
	cr_expect_not(ct_res_is_vswap(&r));
}

Test(vswap, fill_rules_of_the_code)
{
	struct ct_res r = vswap(65536, 131072);

	ct_res_vswap_fill(&r);
	cr_expect_eq(r.ub[UB_LOCKEDPAGES].bar, 65536);
	cr_expect_eq(r.ub[UB_LOCKEDPAGES].lim, 65536);
	cr_expect_eq(r.ub[UB_OOMGUARPAGES].bar, 65536);
	cr_expect_eq(r.ub[UB_OOMGUARPAGES].lim, VZ_UNLIMITED);
	cr_expect_eq(r.ub[UB_VMGUARPAGES].bar, 196608);
	cr_expect_eq(r.ub[UB_VMGUARPAGES].lim, VZ_UNLIMITED);
	cr_expect_eq(r.ub[UB_PRIVVMPAGES].bar, VZ_UNLIMITED, "no overcommit: unlimited");
	cr_expect_eq(r.ub[UB_PRIVVMPAGES].lim, VZ_UNLIMITED);
}

Test(vswap, overcommit_and_explicit_values_win)
{
	struct ct_res r = vswap(1000, 500);

	r.vm_overcommit = 1.5;
	r.has_vm_overcommit = true;
	r.ub[UB_LOCKEDPAGES] = (struct ubc_pair){ 10, 20, true };
	ct_res_vswap_fill(&r);
	cr_expect_eq(r.ub[UB_PRIVVMPAGES].bar, 2250);
	cr_expect_eq(r.ub[UB_PRIVVMPAGES].lim, 2250);
	cr_expect_eq(r.ub[UB_LOCKEDPAGES].lim, 20, "explicit values are kept");
}

Test(vswap, no_fill_outside_vswap_and_no_overflow)
{
	struct ct_res r = { 0 };

	ct_res_vswap_fill(&r);
	cr_expect_not(r.ub[UB_LOCKEDPAGES].set);
	r = vswap(VZ_UNLIMITED - 1, VZ_UNLIMITED - 1);
	r.vm_overcommit = 1000;
	r.has_vm_overcommit = true;
	ct_res_vswap_fill(&r);
	cr_expect_eq(r.ub[UB_VMGUARPAGES].bar, VZ_UNLIMITED);
	cr_expect_eq(r.ub[UB_PRIVVMPAGES].bar, VZ_UNLIMITED);
}
