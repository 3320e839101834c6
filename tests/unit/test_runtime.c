/* The CT's capability bounding set: OpenVZ's default and the CAPABILITY items. */
#include <criterion/criterion.h>
#include <linux/capability.h>
#include <string.h>

#include "core/acct/acct.h"
#include "core/base/base.h"
#include "core/ct/ct.h"
#include "core/limits/limits.h"

#define BIT(c) (UINT64_C(1) << (c))

Test(caps, default_denies_what_openvz_denied)
{
	uint64_t m = ct_cap_default();
	static const int denied[] = {
		CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_PACCT, CAP_SYS_ADMIN, CAP_SYS_BOOT,
		CAP_SYS_TIME, CAP_MKNOD, CAP_AUDIT_CONTROL, CAP_MAC_OVERRIDE, CAP_MAC_ADMIN,
		CAP_SYSLOG, CAP_WAKE_ALARM, CAP_BLOCK_SUSPEND, CAP_AUDIT_READ, CAP_PERFMON, CAP_BPF,
		CAP_CHECKPOINT_RESTORE,
		/* Checked in the host's user namespace, where a privileged CT's root lives:
		 * open_by_handle_at, and tracing the host's processes entering the CT. */
		CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE,
	};
	static const int allowed[] = {
		CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL,
		CAP_SETGID, CAP_SETUID, CAP_SETPCAP, CAP_LINUX_IMMUTABLE, CAP_NET_BIND_SERVICE,
		CAP_NET_BROADCAST, CAP_NET_ADMIN, CAP_NET_RAW, CAP_IPC_LOCK, CAP_IPC_OWNER,
		CAP_SYS_CHROOT, CAP_SYS_NICE, CAP_SYS_RESOURCE, CAP_SYS_TTY_CONFIG,
		CAP_LEASE, CAP_AUDIT_WRITE, CAP_SETFCAP,
	};

	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
		cr_expect_eq(m & BIT(denied[i]), 0, "capability %d is in the default set", denied[i]);
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		cr_expect_neq(m & BIT(allowed[i]), 0, "capability %d is not in the default", allowed[i]);
	/* Nothing beyond what the list names (no bit of a future capability). */
	cr_expect_eq(__builtin_popcountll(m), (int)(sizeof(allowed) / sizeof(allowed[0])));
}

Test(caps, items_turn_capabilities_on_and_off)
{
	uint64_t m = ct_cap_default();
	vz_err err;

	cr_assert_eq(ct_cap_apply("sys_time:on,chown:off", &m, &err), 0, "%s", err.msg);
	cr_expect_neq(m & BIT(CAP_SYS_TIME), 0);
	cr_expect_eq(m & BIT(CAP_CHOWN), 0);
	/* vzctl's configs write the names in upper case and separate items by blanks. */
	cr_assert_eq(ct_cap_apply("SYS_TIME:off  CHOWN:ON\tcap_mknod:on", &m, &err), 0, "%s", err.msg);
	cr_expect_eq(m & BIT(CAP_SYS_TIME), 0);
	cr_expect_neq(m & BIT(CAP_CHOWN), 0);
	cr_expect_neq(m & BIT(CAP_MKNOD), 0);
}

Test(caps, later_items_win)
{
	uint64_t m = 0;

	cr_assert_eq(ct_cap_apply("net_raw:on,net_raw:off", &m, NULL), 0);
	cr_expect_eq(m, 0);
	cr_assert_eq(ct_cap_apply("net_raw:off,net_raw:on", &m, NULL), 0);
	cr_expect_eq(m, BIT(CAP_NET_RAW));
}

Test(caps, openvz_names)
{
	uint64_t m = 0;

	cr_assert_eq(ct_cap_apply("ve_admin:on", &m, NULL), 0);
	cr_expect_eq(m, BIT(CAP_SYS_ADMIN) | BIT(CAP_NET_ADMIN));
	cr_assert_eq(ct_cap_apply("setveid:on", &m, NULL), 0);
	cr_expect_eq(m, BIT(CAP_SYS_ADMIN) | BIT(CAP_NET_ADMIN), "setveid means nothing here");
	cr_assert_eq(ct_cap_apply("ve_admin:off", &m, NULL), 0);
	cr_expect_eq(m, 0);
}

Test(caps, empty_is_no_change)
{
	uint64_t m = ct_cap_default();

	cr_expect_eq(ct_cap_apply(NULL, &m, NULL), 0);
	cr_expect_eq(ct_cap_apply("", &m, NULL), 0);
	cr_expect_eq(ct_cap_apply(" , ", &m, NULL), 0);
	cr_expect_eq(m, ct_cap_default());
}

Test(caps, bad_items_are_refused_and_change_nothing)
{
	static const char *const bad[] = {
		"sys_time", "sys_time:", "sys_time:yes", "sys_time:onn", ":on", "nosuchcap:on",
		"12:on", "sys-time:on", "chown:on,bogus:off", "cap_:on", "all:on",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t m = 42;
		vz_err err = { 0 };

		cr_expect_lt(ct_cap_apply(bad[i], &m, &err), 0, "'%s' was accepted", bad[i]);
		cr_expect_eq(err.exit_code, VZ_E_VALUE, "'%s'", bad[i]);
		cr_expect_eq(m, 42, "'%s' changed the mask", bad[i]);
		cr_expect_neq(err.msg[0], '\0');
	}
}

Test(caps, conf_layers_ct_over_global)
{
	vz_conf *global = NULL, *ct = NULL;
	uint64_t m = 0;
	vz_err err;
	static const char g[] = "CAPABILITY=\"sys_time:on mknod:on\"\n";
	static const char c[] = "CAPABILITY=\"mknod:off\"\n";

	cr_assert_eq(vz_conf_parse(g, sizeof(g) - 1, "vz.conf", &global, NULL, &err), 0);
	cr_assert_eq(vz_conf_parse(c, sizeof(c) - 1, "101.conf", &ct, NULL, &err), 0);
	cr_assert_eq(ct_cap_bound(global, ct, false, &m, &err), 0, "%s", err.msg);
	cr_expect_eq(m, ct_cap_default() | BIT(CAP_SYS_TIME));
	cr_assert_eq(ct_cap_bound(NULL, NULL, false, &m, &err), 0);
	cr_expect_eq(m, ct_cap_default());
	/* In a user namespace sys_admin, sys_boot, mknod, sys_ptrace and dac_read_search
	 * act on the CT alone: in by default, still off-able; what acts on the whole host
	 * stays out. */
	cr_assert_eq(ct_cap_bound(NULL, NULL, true, &m, &err), 0);
	cr_expect_eq(m, ct_cap_default() | BIT(CAP_SYS_BOOT) | BIT(CAP_SYS_ADMIN) | BIT(CAP_MKNOD) |
			BIT(CAP_SYS_PTRACE) | BIT(CAP_DAC_READ_SEARCH));
	cr_expect_eq(m, ct_cap_userns_default());
	cr_expect_eq(m & (BIT(CAP_SYS_MODULE) | BIT(CAP_SYS_RAWIO) | BIT(CAP_SYS_TIME) |
			  BIT(CAP_SYSLOG) | BIT(CAP_BPF) | BIT(CAP_AUDIT_CONTROL)), 0);
	static const char off[] = "CAPABILITY=\"sys_boot:off sys_admin:off mknod:off "
				  "sys_ptrace:off dac_read_search:off\"\n";
	vz_conf *no_boot = NULL;

	cr_assert_eq(vz_conf_parse(off, sizeof(off) - 1, "102.conf", &no_boot, NULL, &err), 0);
	cr_assert_eq(ct_cap_bound(NULL, no_boot, true, &m, &err), 0);
	cr_expect_eq(m, ct_cap_default());
	vz_conf_free(no_boot);
	vz_conf_free(global);
	vz_conf_free(ct);
}

/* The two dropped from OpenVZ's default come back for a CT whose admin asks. */
Test(caps, dropped_ones_can_be_turned_back_on)
{
	vz_conf *ct = NULL;
	uint64_t m = 0;
	vz_err err;
	static const char c[] = "CAPABILITY=\"DAC_READ_SEARCH:on sys_ptrace:on\"\n";

	cr_assert_eq(vz_conf_parse(c, sizeof(c) - 1, "101.conf", &ct, NULL, &err), 0);
	cr_assert_eq(ct_cap_bound(NULL, ct, false, &m, &err), 0, "%s", err.msg);
	cr_expect_eq(m, ct_cap_default() | BIT(CAP_DAC_READ_SEARCH) | BIT(CAP_SYS_PTRACE));
	vz_conf_free(ct);
}

Test(caps, bad_conf_names_the_key)
{
	vz_conf *ct = NULL;
	uint64_t m = 7;
	vz_err err;
	static const char c[] = "CAPABILITY=\"sys_time=on\"\n";

	cr_assert_eq(vz_conf_parse(c, sizeof(c) - 1, "101.conf", &ct, NULL, &err), 0);
	cr_expect_lt(ct_cap_bound(NULL, ct, false, &m, &err), 0);
	cr_expect_eq(err.exit_code, VZ_E_VALUE);
	cr_expect_not_null(strstr(err.msg, "CAPABILITY"), "%s", err.msg);
	cr_expect_eq(m, 7);
	vz_conf_free(ct);
}

Test(runtime, init_pid_of_a_ct_without_run_state)
{
	struct vz_host host = { .rundir = "/nonexistent/run", .cgroup_parent = "vz.slice" };
	vz_err err;
	pid_t pid = 77;

	cr_expect_lt(ct_init_pid(&host, "101", &pid, &err), 0);
	cr_expect_eq(err.exit_code, VZ_E_NOT_RUNNING);
	cr_expect_eq(pid, 77);
}

/* Where a process is, from its /proc/<pid>/cgroup: the CT's cgroup, one below it, or
 * elsewhere (a sibling whose name begins the same is elsewhere). */
Test(runtime, cgroup_below_the_ct)
{
	cr_expect_str_eq(ct_cgroup_below("0::/vz.slice/101\n", "/vz.slice/101"), "\n");
	cr_expect_str_eq(ct_cgroup_below("0::/vz.slice/101/init.scope\n", "/vz.slice/101"),
			 "/init.scope\n");
	cr_expect_str_eq(ct_cgroup_below("0::/vz.slice/101", "/vz.slice/101"), "");
	cr_expect_null(ct_cgroup_below("0::/vz.slice/1010\n", "/vz.slice/101"));
	cr_expect_null(ct_cgroup_below("0::/vz.slice\n", "/vz.slice/101"));
	cr_expect_null(ct_cgroup_below("1:name=systemd:/vz.slice/101\n", "/vz.slice/101"));
}
