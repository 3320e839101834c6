/* The system-call filter of every CT process (core/runtime/seccomp.c), built and read
 * back as libseccomp's pseudo filter code; never loaded here (that is the guest test
 * 74-seccomp's part). */
#include <criterion/criterion.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/runtime/runtime.h"

/* The filter as pseudo filter code, a string the caller frees. */
static char *filter_text(void)
{
	scmp_filter_ctx ctx;
	int fd = memfd_create("pfc", MFD_CLOEXEC);
	off_t len;
	char *text;

	cr_assert_geq(fd, 0);
	cr_assert_eq(ct_seccomp_build(&ctx), 0);
	cr_assert_eq(seccomp_export_pfc(ctx, fd), 0);
	seccomp_release(ctx);
	len = lseek(fd, 0, SEEK_END);
	cr_assert_gt(len, 0);
	text = calloc(1, (size_t)len + 1);
	cr_assert_not_null(text);
	cr_assert_eq(pread(fd, text, (size_t)len, 0), len);
	close(fd);
	return text;
}

/* From the line that begins with head to the next that begins with end, in a buffer
 * the caller frees; NULL when no line begins with head. */
static char *slice(const char *text, const char *head, const char *end)
{
	const char *from = strstr(text, head), *to;

	if (!from)
		return NULL;
	to = strstr(from + 1, end);
	return strndup(from, to ? (size_t)(to - from) : strlen(from));
}

/* The part of text that filters for one architecture ("x86_64", "x86", "x32"): each
 * begins with a comment in the first column. */
static char *arch_section(const char *text, const char *arch)
{
	char head[64];

	snprintf(head, sizeof(head), "\n# filter for arch %s (", arch);
	return slice(text, head, "\n# ");
}

/* The action lines of one call's filter in an architecture's section: each call's
 * begins with an indented comment. */
static char *call_rule(const char *section, const char *name)
{
	char head[96];

	snprintf(head, sizeof(head), "  # filter for syscall \"%s\" (", name);
	return slice(section, head, "  # ");
}

static bool refused(const char *name)
{
	for (size_t i = 0; ct_seccomp_refused(i); i++)
		if (strcmp(ct_seccomp_refused(i), name) == 0)
			return true;
	return false;
}

Test(seccomp, refuses_at_least_lxcs_list)
{
	static const char *const lxc[] = {
		"open_by_handle_at", "kexec_load", "kexec_file_load", "init_module",
		"finit_module", "delete_module",
	};

	for (size_t i = 0; i < sizeof(lxc) / sizeof(lxc[0]); i++)
		cr_expect(refused(lxc[i]), "%s is not refused", lxc[i]);
}

/* What a distribution's init needs inside stays out of the list. */
Test(seccomp, leaves_what_inits_need)
{
	static const char *const needed[] = {
		"reboot", "mount", "umount", "unshare", "setns", "pivot_root",
		"name_to_handle_at", "ptrace", "clone", "clone3", "execve",
	};

	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		cr_expect(!refused(needed[i]), "%s is refused", needed[i]);
}

/* A misspelt name would refuse nothing: each is a call of x86_64, and listed once. */
Test(seccomp, every_name_is_a_call_listed_once)
{
	for (size_t i = 0; ct_seccomp_refused(i); i++) {
		const char *name = ct_seccomp_refused(i);

		cr_expect_geq(seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name), 0,
			      "%s is no system call", name);
		for (size_t j = i + 1; ct_seccomp_refused(j); j++)
			cr_expect_str_neq(ct_seccomp_refused(j), name, "%s listed twice", name);
	}
}

/* Each table of x86_64 (64-bit, i386, x32) refuses each call with EPERM, so a 32-bit
 * program cannot reach by the other table what the 64-bit one refuses. */
Test(seccomp, every_table_refuses_with_eperm)
{
	static const struct { const char *pfc; uint32_t arch; } arches[] = {
		{ "x86_64", SCMP_ARCH_X86_64 }, { "x86", SCMP_ARCH_X86 }, { "x32", SCMP_ARCH_X32 },
	};
	char *text;

	if (seccomp_arch_native() != SCMP_ARCH_X86_64)
		cr_skip_test("the compat tables checked here are x86_64's");
	text = filter_text();
	for (size_t a = 0; a < sizeof(arches) / sizeof(arches[0]); a++) {
		char *section = arch_section(text, arches[a].pfc);

		cr_assert_not_null(section, "no filter for %s", arches[a].pfc);
		cr_expect_not_null(strstr(section, "# default action\n  action ALLOW;"),
				   "%s does not allow the rest", arches[a].pfc);
		for (size_t i = 0; ct_seccomp_refused(i); i++) {
			const char *name = ct_seccomp_refused(i);
			char *rule;

			/* i386 has no kexec_file_load: nothing to refuse there. */
			if (seccomp_syscall_resolve_name_arch(arches[a].arch, name) < 0)
				continue;
			rule = call_rule(section, name);
			cr_expect_not_null(rule, "%s: %s is not filtered", arches[a].pfc, name);
			if (rule)
				cr_expect_not_null(strstr(rule, "action ERRNO(1);"),
						   "%s: %s is not refused with EPERM:\n%s",
						   arches[a].pfc, name, rule);
			free(rule);
		}
		free(section);
	}
	free(text);
}

/* umount2 is refused only with MNT_FORCE (bit 0 of its flags): inits unmount. */
Test(seccomp, umount2_refused_only_when_forced)
{
	char *text = filter_text();
	char *section = arch_section(text, "x86_64");
	char *rule;

	cr_assert(refused("umount2"));
	cr_assert_not_null(section);
	rule = call_rule(section, "umount2");
	cr_assert_not_null(rule);
	cr_expect_not_null(strstr(rule, "if ($a1.lo32 & 0x00000001 == 1)"), "%s", rule);
	free(rule);
	free(section);
	free(text);
}

/* Without no_new_privs: setuid programs inside must keep working. */
Test(seccomp, keeps_setuid_working)
{
	scmp_filter_ctx ctx;
	uint32_t nnp = 1;

	cr_assert_eq(ct_seccomp_build(&ctx), 0);
	cr_assert_eq(seccomp_attr_get(ctx, SCMP_FLTATR_CTL_NNP, &nnp), 0);
	cr_expect_eq(nnp, 0);
	seccomp_release(ctx);
}

/* What the spawn engine loads is the program the build made: the same instructions
 * libseccomp makes of the table now. */
Test(seccomp, the_loaded_program_is_the_table_built)
{
	scmp_filter_ctx ctx;
	int fd = memfd_create("bpf", MFD_CLOEXEC);
	size_t n = ct_seccomp_prog_len();
	unsigned char *now;
	off_t len;

	cr_assert_geq(fd, 0);
	cr_assert_eq(ct_seccomp_build(&ctx), 0);
	cr_assert_eq(seccomp_export_bpf(ctx, fd), 0);
	seccomp_release(ctx);
	len = lseek(fd, 0, SEEK_END);
	cr_assert_eq((size_t)len, n * sizeof(struct sock_filter), "%zu instructions built in, %lld now",
		     n, (long long)len / 8);
	now = malloc((size_t)len);
	cr_assert_not_null(now);
	cr_assert_eq(pread(fd, now, (size_t)len, 0), len);
	cr_expect_eq(memcmp(now, ct_seccomp_prog_get(), (size_t)len), 0);
	free(now);
	close(fd);
}
