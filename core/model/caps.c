/* The CT's capability bounding set: OpenVZ's defaults on a stock kernel and the
 * CAPABILITY config key (core/runtime/runtime.h). */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

#include "core/model/model.h"

#define CAPBIT(c) (UINT64_C(1) << (c))

/* OpenVZ's CAPDEFAULTMASK (legacy vzctl src/lib/cap.c) on a stock kernel.  OpenVZ gave
 * CTs CAP_VE_ADMIN, a kernel-side sys_admin/net_admin limited to the CT; a stock kernel
 * has no such thing, and without a user namespace sys_admin would let the CT mount a
 * devtmpfs and reach the host's disks, so only its network half (net_admin, which acts
 * on the CT's own network namespace) is in by default.  Not in: sys_module,
 * sys_rawio, sys_pacct, sys_admin, sys_boot, sys_time, mknod (cgroup v2 has no device
 * files, so the bounding set is what keeps device nodes out), and everything newer
 * than OpenVZ (audit_control and _read, mac_*, syslog, wake_alarm, block_suspend,
 * perfmon, bpf, checkpoint_restore).  Nor two that OpenVZ's kernel confined and a
 * stock one checks in the host's user namespace, where a privileged CT's root lives:
 * dac_read_search (open_by_handle_at opens any file of the file system holding the
 * CT, past its root; dac_override still lets root read every file inside) and
 * sys_ptrace (it would let the CT's root trace the host's own processes that enter
 * the CT, such as vzctl exec's, before they drop what they hold of the host). */
static const int cap_default_on[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL,
	CAP_SETGID, CAP_SETUID, CAP_SETPCAP, CAP_LINUX_IMMUTABLE, CAP_NET_BIND_SERVICE,
	CAP_NET_BROADCAST, CAP_NET_ADMIN, CAP_NET_RAW, CAP_IPC_LOCK, CAP_IPC_OWNER,
	CAP_SYS_CHROOT, CAP_SYS_NICE, CAP_SYS_RESOURCE, CAP_SYS_TTY_CONFIG,
	CAP_LEASE, CAP_AUDIT_WRITE, CAP_SETFCAP,
};

uint64_t ct_cap_default(void)
{
	uint64_t m = 0;

	for (size_t i = 0; i < sizeof(cap_default_on) / sizeof(cap_default_on[0]); i++)
		m |= CAPBIT(cap_default_on[i]);
	return m;
}

/* The bits a name stands for: a Linux capability (any case, with or without cap_), or
 * OpenVZ's own names.  0 when unknown. */
static uint64_t cap_bits_of(const char *name, size_t len)
{
	char buf[64] = "cap_";
	size_t skip = 0;
	cap_value_t v;

	if (len >= 4 && strncasecmp(name, "cap_", 4) == 0)
		skip = 4;
	if (len - skip == 0 || len - skip >= sizeof(buf) - 5)
		return 0;
	for (size_t i = skip; i < len; i++) {
		char c = name[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || c == '_'))
			return 0;
		buf[4 + i - skip] = c;
	}
	if (strcmp(buf + 4, "ve_admin") == 0)
		return CAPBIT(CAP_SYS_ADMIN) | CAPBIT(CAP_NET_ADMIN);
	if (strcmp(buf + 4, "setveid") == 0)
		return CAPBIT(63); /* known, stands for nothing: masked off by the caller */
	if (cap_from_name(buf, &v) < 0 || v < 0 || v > 62)
		return 0;
	return CAPBIT(v);
}

int ct_cap_apply(const char *items, uint64_t *mask, vz_err *err)
{
	uint64_t m = *mask;

	for (const char *p = items ? items : ""; *p;) {
		size_t n = strcspn(p, ", \t"), name_len;
		const char *colon = memchr(p, ':', n);
		uint64_t bits;
		bool on;

		if (n == 0) {
			p++;
			continue;
		}
		name_len = colon ? (size_t)(colon - p) : n;
		if (colon && (size_t)(p + n - colon - 1) == 2 && strncasecmp(colon + 1, "on", 2) == 0)
			on = true;
		else if (colon && (size_t)(p + n - colon - 1) == 3 && strncasecmp(colon + 1, "off", 3) == 0)
			on = false;
		else
			return vz_fail(err, VZ_E_VALUE, EINVAL,
				       "invalid capability item '%.*s': use name:on or name:off, such "
				       "as sys_time:on", (int)n, p);
		bits = cap_bits_of(p, name_len);
		if (!bits)
			return vz_fail(err, VZ_E_VALUE, EINVAL,
				       "unknown capability '%.*s' in '%.*s': use a lower-case Linux "
				       "capability name such as net_admin (see capabilities(7))",
				       (int)name_len, p, (int)n, p);
		bits &= ~CAPBIT(63);
		m = on ? m | bits : m & ~bits;
		p += n;
	}
	*mask = m;
	return 0;
}

/* What a CT in a user namespace has besides the default: there the kernel checks each
 * of them against the CT's own namespaces, so they reach nothing of the host's, and a
 * distribution's init needs them.  sys_admin: mounts in the CT's own mount namespace
 * (systemd mounts /run/lock, its units' sandboxes, tmpfs and bind mounts) and the
 * CT's hostname; sys_boot: reboot(2) ends the CT's init (the CT restarts or stops);
 * mknod: devices stay refused by the kernel in a user namespace, this allows only
 * overlayfs whiteouts; sys_ptrace: root's strace, gdb and its reads of other users'
 * /proc/<pid>/exe, fd and environ (start-stop-daemon, lsof, systemd), over processes
 * of the CT's namespace only; dac_read_search: open_by_handle_at stays refused by the
 * kernel (it wants the host's namespace), what is left is reading the CT's files.  Still out, with their reasons: sys_module, sys_rawio, sys_time,
 * sys_pacct, syslog, wake_alarm, block_suspend, audit_*, mac_*, bpf, perfmon: each acts
 * on the whole host and the kernel checks it in the host's namespace, so inside it
 * gives nothing but a unit that tries and fails (systemd skips the units that need
 * them when the bounding set lacks them); checkpoint_restore: nothing inside needs it. */
static const int cap_userns_on[] = {
	CAP_SYS_ADMIN, CAP_SYS_BOOT, CAP_MKNOD, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH,
};

uint64_t ct_cap_userns_default(void)
{
	uint64_t m = ct_cap_default();

	for (size_t i = 0; i < sizeof(cap_userns_on) / sizeof(cap_userns_on[0]); i++)
		m |= CAPBIT(cap_userns_on[i]);
	return m;
}

int ct_cap_bound(const vz_conf *global, const vz_conf *ct, bool userns, uint64_t *ret,
		 vz_err *err)
{
	uint64_t m = userns ? ct_cap_userns_default() : ct_cap_default();
	const vz_conf *layers[] = { global, ct };
	int r;

	for (size_t i = 0; i < 2; i++) {
		if (!layers[i])
			continue;
		r = ct_cap_apply(vz_conf_get(layers[i], "CAPABILITY"), &m, err);
		if (r < 0) {
			vz_err_prefix(err, "CAPABILITY");
			return r;
		}
	}
	*ret = m;
	return 0;
}
