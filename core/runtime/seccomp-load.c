/* Loads the system-call filter (core/runtime/runtime.h) from the program made at build
 * time (seccomp-gen.c): no libseccomp work in the process that enters a CT. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/runtime/runtime.h"
#include "seccomp-bpf.h"

size_t ct_seccomp_prog_len(void)
{
	return sizeof(ct_seccomp_prog) / sizeof(ct_seccomp_prog[0]);
}

const struct sock_filter *ct_seccomp_prog_get(void)
{
	return ct_seccomp_prog;
}

int ct_seccomp_load(void)
{
	struct sock_fprog prog = {
		.len = (unsigned short)ct_seccomp_prog_len(),
		.filter = (struct sock_filter *)ct_seccomp_prog,
	};

	/* Without no_new_privs, as seccomp.c says: the caller holds CAP_SYS_ADMIN. */
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 ? -errno : 0;
}
