/* The system-call filter every CT process carries (core/runtime/runtime.h): a deny list
 * on top of the capability bounding set, for what reaches the host whatever the
 * namespaces.  Each refused call fails with EPERM, as the kernel answers a process
 * without the capability, so programs that probe for a feature take their usual
 * fallback.  The filter is loaded without no_new_privs: setuid programs inside keep
 * working, and the kernel allows that because the process holds CAP_SYS_ADMIN in its
 * user namespace when it loads the filter.
 *
 * Deliberately not refused: reboot (in a pid namespace the kernel turns it into a
 * signal to the CT's init and refuses every other command), mount, umount, unshare,
 * setns and pivot_root (systemd in a user namespace mounts and sandboxes its units),
 * name_to_handle_at (systemd tells mount points apart with it; a handle is worthless
 * without open_by_handle_at), ptrace and process_vm_* (bounded by the CT's pid
 * namespace and ptrace's own checks), clock_settime, settimeofday, acct, quotactl,
 * syslog, fanotify_init (each bounded by a capability the CT's configuration grants
 * or not), io_uring (programs use it, and it reaches nothing the CT could not reach
 * through ordinary calls). */
#include <errno.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mount.h>

#include "core/runtime/runtime.h"

struct refusal {
	const char *name;
	uint64_t arg1_flags; /* 0: always refused; else only when arg 1 has these bits */
};

static const struct refusal refused[] = {
	/* LXC's default list.  open_by_handle_at opens any file of a mounted file system
	 * from a guessed handle, past the CT's root and mounts ("shocker": the ext4 root
	 * is {type 1, inode 2}); the kernel checks CAP_DAC_READ_SEARCH in the host's
	 * user namespace, which a privileged CT may hold. */
	{ "open_by_handle_at", 0 },
	/* Load a new kernel to boot into: the host's. */
	{ "kexec_load", 0 },
	{ "kexec_file_load", 0 },
	/* Kernel modules are the host's kernel. */
	{ "init_module", 0 },
	{ "finit_module", 0 },
	{ "delete_module", 0 },
	/* umount -f (MNT_FORCE) aborts every pending request of a file system (NFS,
	 * FUSE) whose superblock the host and other CTs share. */
	{ "umount2", MNT_FORCE },
	/* The keyrings are no namespace of their own: a privileged CT's root is uid 0,
	 * whose user keyring is the host root's, and keys sit in kernel memory no CT
	 * limit counts.  systemd takes EPERM here as "no keyring" and goes on. */
	{ "add_key", 0 },
	{ "keyctl", 0 },
	{ "request_key", 0 },
	/* Programs run by the host's kernel; a user namespace never gets them (the
	 * kernel checks CAP_BPF or CAP_SYS_ADMIN in the host's), a privileged CT given
	 * sys_admin would, and with them read kernel memory. */
	{ "bpf", 0 },
	/* Host-wide counters and kernel tracepoints, a large attack surface; Debian's
	 * perf_event_paranoid=3 refuses it to all but CAP_PERFMON holders anyway. */
	{ "perf_event_open", 0 },
	/* Stalls a kernel page fault at will: the tool for winning kernel races.  The
	 * kernel gives that mode to CAP_SYS_PTRACE holders of the host's namespace. */
	{ "userfaultfd", 0 },
	/* oprofile's: a kernel cookie to a host path. */
	{ "lookup_dcookie", 0 },
	/* x86 port I/O: the host's hardware (CAP_SYS_RAWIO, should a CT be given it). */
	{ "iopl", 0 },
	{ "ioperm", 0 },
	/* The host's swap (CAP_SYS_ADMIN of the host's namespace). */
	{ "swapon", 0 },
	{ "swapoff", 0 },
};

/* The other system-call tables a process of the native architecture can use: a
 * filter for the native one alone would let a 32-bit (or x32) call pass unseen. */
static const struct {
	uint32_t native;
	uint32_t compat[2];
} compat_arches[] = {
	{ SCMP_ARCH_X86_64, { SCMP_ARCH_X86, SCMP_ARCH_X32 } },
	{ SCMP_ARCH_AARCH64, { SCMP_ARCH_ARM, 0 } },
};

const char *ct_seccomp_refused(size_t i)
{
	return i < sizeof(refused) / sizeof(refused[0]) ? refused[i].name : NULL;
}

static int add_compat_arches(scmp_filter_ctx ctx)
{
	uint32_t native = seccomp_arch_native();

	for (size_t i = 0; i < sizeof(compat_arches) / sizeof(compat_arches[0]); i++) {
		if (compat_arches[i].native != native)
			continue;
		for (size_t j = 0; j < 2 && compat_arches[i].compat[j]; j++) {
			int r = seccomp_arch_add(ctx, compat_arches[i].compat[j]);

			if (r < 0 && r != -EEXIST)
				return r;
		}
	}
	return 0;
}

static int add_refusal(scmp_filter_ctx ctx, const struct refusal *f)
{
	int nr = seccomp_syscall_resolve_name(f->name);

	/* A name this libseccomp does not know: no such call to refuse here. */
	if (nr == __NR_SCMP_ERROR)
		return 0;
	if (f->arg1_flags)
		return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
					SCMP_A1(SCMP_CMP_MASKED_EQ, f->arg1_flags, f->arg1_flags));
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
}

int ct_seccomp_build(scmp_filter_ctx *ret)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r;

	if (!ctx)
		return -ENOMEM;
	/* no_new_privs would break setuid programs inside; the real errno on failure. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	if (r == 0)
		r = add_compat_arches(ctx);
	for (size_t i = 0; r == 0 && i < sizeof(refused) / sizeof(refused[0]); i++)
		r = add_refusal(ctx, &refused[i]);
	if (r < 0) {
		seccomp_release(ctx);
		return r;
	}
	*ret = ctx;
	return 0;
}
