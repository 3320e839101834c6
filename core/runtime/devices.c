/* Device access of a CT (core/runtime/runtime.h ct_dev_limit).  cgroup v2 has no devices.allow:
 * the kernel asks a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup instead.
 * The program is a dozen instructions built here and loaded with bpf(2): no compiler,
 * no object file, nothing to install.  It allows what OpenVZ gave a CT by default and
 * refuses the rest (every block device included), for open, read, write and mknod. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/base/base.h"
#include "core/runtime/runtime.h"

#define ANY_MINOR (-1)

/* Character devices a CT may use.  Not 5:1, the host's console: a CT's /dev/console
 * is a pty of its own devpts (136:N), and a node of 5:1 made with mknod:on would
 * write on the host's. */
static const struct { int major, minor; } ct_devices[] = {
	{ 1, 3 },           /* null */
	{ 1, 5 },           /* zero */
	{ 1, 7 },           /* full */
	{ 1, 8 },           /* random */
	{ 1, 9 },           /* urandom */
	{ 5, 0 },           /* tty */
	{ 5, 2 },           /* ptmx */
	{ 136, ANY_MINOR }, /* pts/N of the CT's own devpts */
};

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
						.off = (o), .imm = (i) })
#define LDX_W(d, s, o)   INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define AND_K(d, k)      INSN(BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, k)
#define MOV_K(d, k)      INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define JEQ_K(d, k, o)   INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, k)
#define JNE_K(d, k, o)   INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, k)
#define EXIT()           INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* r1 is struct bpf_cgroup_dev_ctx { access_type (access << 16 | type), major, minor }.
 * Returns the number of instructions (at most max). */
static size_t dev_prog_build(struct bpf_insn *p, size_t max)
{
	size_t n = 0;

#define EMIT(x) do { if (n < max) p[n] = (x); n++; } while (0)
	EMIT(LDX_W(2, 1, 0));
	EMIT(AND_K(2, 0xffff));
	EMIT(LDX_W(3, 1, 4));
	EMIT(LDX_W(4, 1, 8));
	EMIT(JEQ_K(2, BPF_DEVCG_DEV_CHAR, 2));
	EMIT(MOV_K(0, 0));
	EMIT(EXIT());
	for (size_t i = 0; i < sizeof(ct_devices) / sizeof(ct_devices[0]); i++) {
		if (ct_devices[i].minor == ANY_MINOR) {
			EMIT(JNE_K(3, ct_devices[i].major, 2));
		} else {
			EMIT(JNE_K(3, ct_devices[i].major, 3));
			EMIT(JNE_K(4, ct_devices[i].minor, 2));
		}
		EMIT(MOV_K(0, 1));
		EMIT(EXIT());
	}
	EMIT(MOV_K(0, 0));
	EMIT(EXIT());
#undef EMIT
	return n;
}

static int bpf_call(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* Loads the program; on a refusal, once more with the verifier's log, whose last line
 * says why. */
static int dev_prog_load(vz_err *err)
{
	static char log[16384];
	struct bpf_insn prog[64];
	size_t len = dev_prog_build(prog, sizeof(prog) / sizeof(prog[0]));
	union bpf_attr attr;
	const char *last;
	int fd, e;

	if (len > sizeof(prog) / sizeof(prog[0]))
		return vz_fail(err, VZ_E_SYSTEM, E2BIG, "device program too long");
	for (int verbose = 0; verbose < 2; verbose++) {
		memset(&attr, 0, sizeof(attr));
		attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
		attr.insns = (uint64_t)(uintptr_t)prog;
		attr.insn_cnt = (uint32_t)len;
		attr.license = (uint64_t)(uintptr_t)"GPL";
		if (verbose) {
			log[0] = '\0';
			attr.log_buf = (uint64_t)(uintptr_t)log;
			attr.log_size = sizeof(log);
			attr.log_level = 1;
		}
		fd = bpf_call(BPF_PROG_LOAD, &attr);
		if (fd >= 0 && !verbose)
			return fd;
		if (fd >= 0)
			close(fd);
		e = errno;
	}
	log[sizeof(log) - 1] = '\0';
	while (strlen(log) > 0 && log[strlen(log) - 1] == '\n')
		log[strlen(log) - 1] = '\0';
	last = strrchr(log, '\n');
	last = last ? last + 1 : log;
	return vz_fail(err, VZ_E_SYSTEM, e,
		       "Unable to load the CT's device program: %s%s%.200s (the kernel needs "
		       "CONFIG_CGROUP_BPF)", strerror(e), *last ? ": " : "", last);
}

int ct_dev_limit(bc_cgroup *cg, vz_err *err)
{
	_cleanup_close_ int pfd = -1, cgfd = -1;
	char path[64];
	union bpf_attr attr;

	pfd = dev_prog_load(err);
	if (pfd < 0)
		return pfd;
	/* The handle's fd is O_PATH, which bpf(2) does not take: a real open of the same
	 * directory, through the held fd (no path lookup again). */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", bc_cg_dirfd(cg));
	cgfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return vz_fail(err, VZ_E_SYSTEM, errno, "Unable to open the CT's cgroup: %s",
			       strerror(errno));
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgfd;
	attr.attach_bpf_fd = (uint32_t)pfd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	/* The attachment holds the program for the cgroup's life: the fd can go. */
	if (bpf_call(BPF_PROG_ATTACH, &attr) < 0)
		return vz_fail(err, VZ_E_SYSTEM, errno,
			       "Unable to attach the device program to the CT's cgroup: %s",
			       strerror(errno));
	return 0;
}
