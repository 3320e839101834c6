/* The cgroup v2 backend (core/cgroup/cgroup.h): where a CT's cgroup lives, creating and
 * removing it, moving processes into it, and reading and writing its files.
 *
 * Longer than 900 lines on purpose: this file is the one door to cgroup files, and the
 * checks every path goes through (names, the walk below the mount with no symlink,
 * the file open) are static here, so that no other file can reach a cgroup file
 * without them.
 *
 * libcgroup finds the cgroup2 mount, creates cgroups and moves processes into them.
 * Removal is rmdir(2) (see bc_cg_destroy for why).  Single files go through
 * cg_file_open() on the cgroup's directory fd, opened once: libcgroup's value API
 * passes through a controller object (cgroup_get_cgroup() reads every file of every
 * controller to hand back one value, cgroup_modify_cgroup() writes back every value the
 * object holds) and resolves the path again on each call, where openat() on a held
 * O_PATH fd with O_NOFOLLOW cannot be sent elsewhere by a rename or a symlink in
 * between.  So there is one way to read and write a cgroup file. */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <libcgroup.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "core/base/base.h"
#include "core/cgroup/cgroup.h"

#define KILL_WAIT_MS 10000 /* after cgroup.kill: the kernel needs no more than that */
#define CG_CTRL_MAX 64 /* longest controller name we take from the kernel */

struct bc_cgroup {
	char *rel;          /* <parent>/<name>, relative to the cgroup2 mount */
	char *path;         /* the absolute path, for messages */
	int dirfd;          /* O_PATH fd of the cgroup directory */
};

static void lcg_freep(struct cgroup **p)
{
	if (*p)
		cgroup_free(p);
}
#define _cleanup_lcg_ __attribute__((cleanup(lcg_freep)))

/* ------------------------------------------------------- kernel values */

/* Parses exactly len bytes: decimal digits, or `max`. */
static int parse_u64_n(const char *s, size_t len, uint64_t *ret)
{
	uint64_t v = 0;

	if (len == 3 && memcmp(s, "max", 3) == 0) {
		*ret = UINT64_MAX;
		return 0;
	}
	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

int bc_parse_kernel_u64(const char *text, uint64_t *ret)
{
	size_t len;

	if (!text)
		return -EINVAL;
	len = strlen(text);
	/* Files end their value with a newline; callers may hand it over as read. */
	if (len > 0 && text[len - 1] == '\n')
		len--;
	return parse_u64_n(text, len, ret);
}

/* ------------------------------------------------ libcgroup and the mount */

static pthread_once_t cg_once = PTHREAD_ONCE_INIT;
static int cg_init_errno; /* 0 once the backend is usable */
static char cg_init_msg[VZ_ERR_MSG_MAX];
static char *cg_mount;     /* where cgroup2 is mounted */
static int cg_rootfd = -1; /* O_PATH fd of that mount, kept for the process's life */

/* libcgroup's default logger prints on stdout, and library code never prints: its last
 * error message is kept per thread instead, to be quoted in ours. */
static __thread char lcg_msg[256];

__attribute__((format(printf, 3, 0)))
static void lcg_logger(void *ctx, int level, const char *fmt, va_list ap)
{
	(void)ctx;
	(void)level;
	vsnprintf(lcg_msg, sizeof(lcg_msg), fmt, ap);
	lcg_msg[strcspn(lcg_msg, "\n")] = '\0';
}

/* The errno behind a libcgroup error code. */
static int lcg_errno(int code)
{
	int e = cgroup_get_last_errno();

	switch (code) {
	case 0:
		return 0;
	case ECGROUPNOTEXIST:
		return ENOENT;
	case ECGROUPNOTMOUNTED:
	case ECGROUPSUBSYSNOTMOUNTED:
		return ENODEV;
	case ECGROUPNOTOWNER:
		return EPERM;
	case ECGNONEMPTY:
		return EBUSY;
	case ECGINVAL:
		return EINVAL;
	default:
		return e > 0 ? e : EIO;
	}
}

/* "<libcgroup's text>[: <its last log line>]" */
static const char *lcg_describe(int code, char *buf, size_t len)
{
	if (code == ECGOTHER)
		snprintf(buf, len, "%s", strerror(lcg_errno(code)));
	else
		snprintf(buf, len, "%s", cgroup_strerror(code));
	if (lcg_msg[0]) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, " (libcgroup: %s)", lcg_msg);
	}
	return buf;
}

static bool is_cgroup2(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

__attribute__((format(printf, 2, 3)))
static void cg_init_fail(int e, const char *fmt, ...)
{
	va_list ap;

	cg_init_errno = e;
	va_start(ap, fmt);
	vsnprintf(cg_init_msg, sizeof(cg_init_msg), fmt, ap);
	va_end(ap);
}

static const char cg_v1_hint[] =
	"this host runs cgroup v1 or a hybrid layout; the project needs pure cgroup v2: boot "
	"with systemd.unified_cgroup_hierarchy=1 (or mount cgroup2 on /sys/fs/cgroup with no "
	"controller bound to v1)";

/* libcgroup lists every mounted controller with its mount point; on a pure v2 host they
 * all share the cgroup2 mount.  *ret_v1 names a controller bound to a v1 hierarchy (named
 * hierarchies such as name=systemd carry no controller and do not count). */
static char *cg_find_v2_mount(char *ret_v1, size_t len)
{
	struct cgroup_mount_point info;
	void *handle = NULL;
	char *found = NULL;
	int r;

	ret_v1[0] = '\0';
	for (r = cgroup_get_controller_begin(&handle, &info); r == 0;
	     r = cgroup_get_controller_next(&handle, &info)) {
		if (!is_cgroup2(info.path)) {
			if (strncmp(info.name, "name=", 5) != 0 && !ret_v1[0])
				snprintf(ret_v1, len, "%.64s controller is bound to cgroup v1 at %.200s",
					 info.name, info.path);
		} else if (!found) {
			found = strdup(info.path);
		}
	}
	cgroup_get_controller_end(&handle);
	return found;
}

/* A cgroup2 mount whose root offers no controller (all disabled on the kernel command
 * line, say) could limit nothing: refuse it before anything is written. */
static void cg_check_controllers(void)
{
	_cleanup_close_ int fd = openat(cg_rootfd, "cgroup.controllers", O_RDONLY | O_CLOEXEC);
	char buf[64];
	ssize_t n;

	if (fd < 0) {
		cg_init_fail(errno, "cannot open %s/cgroup.controllers: %s", cg_mount, strerror(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		cg_init_fail(errno, "cannot read %s/cgroup.controllers: %s", cg_mount, strerror(errno));
	else if (n == 0 || buf[0] == '\n')
		cg_init_fail(ENODEV, "the cgroup2 mount %s offers no controller: %s", cg_mount,
			     cg_v1_hint);
}

static void cg_init_once(void)
{
	char msg[512], v1[320];
	int r;

	cgroup_set_logger(lcg_logger, CGROUP_LOG_ERROR, NULL);
	r = cgroup_init();
	if (r) {
		cg_init_fail(lcg_errno(r), "cannot find the cgroup hierarchy: %s; %s",
			     lcg_describe(r, msg, sizeof(msg)), cg_v1_hint);
		return;
	}
	/* Refused before anything is written: on a hybrid host the cgroup2 tree belongs to
	 * the host's supervisor and most controllers are out of its reach. */
	cg_mount = cg_find_v2_mount(v1, sizeof(v1));
	if (v1[0]) {
		cg_init_fail(ENODEV, "the %s: %s", v1, cg_v1_hint);
		return;
	}
	if (!cg_mount) {
		cg_init_fail(ENODEV, "no cgroup2 mount offers a controller: %s", cg_v1_hint);
		return;
	}
	cg_rootfd = open(cg_mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cg_rootfd < 0) {
		cg_init_fail(errno, "cannot open the cgroup2 mount %s: %s", cg_mount, strerror(errno));
		return;
	}
	cg_check_controllers();
}

static int cg_ready(vz_err *err)
{
	pthread_once(&cg_once, cg_init_once);
	if (cg_init_errno)
		return vz_fail(err, VZ_E_SYSTEM, cg_init_errno, "%s", cg_init_msg);
	return 0;
}

/* ------------------------------------------------------------- names */

/* One path component a cgroup may have: what a CT id or name gives. */
static bool cg_component_ok(const char *s, size_t len)
{
	if (len == 0 || len > NAME_MAX || memchr(s, '/', len))
		return false;
	return !(len == 1 && s[0] == '.') && !(len == 2 && s[0] == '.' && s[1] == '.');
}

/* The parent from vz.conf, without leading or trailing slashes ("" is the root).  Every
 * component must be a plain name: the parent is joined under the mount. */
static int cg_parent_of(const struct vz_host *host, char **ret, vz_err *err)
{
	const char *p = host && host->cgroup_parent ? host->cgroup_parent : VZ_CGROUP_PARENT_DEFAULT;
	_cleanup_free_ char *s = NULL;
	size_t len;

	while (*p == '/')
		p++;
	s = strdup(p);
	if (!s)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "out of memory");
	len = strlen(s);
	while (len > 0 && s[len - 1] == '/')
		s[--len] = '\0';
	for (const char *c = s; *c;) {
		size_t n = strcspn(c, "/");

		if (!cg_component_ok(c, n))
			return vz_fail(err, VZ_E_VALUE, EINVAL,
				       "invalid cgroup parent '%s' (CT_CGROUP_PARENT in vz.conf): use "
				       "names separated by '/', such as vz.slice", p);
		c += n;
		c += *c == '/';
	}
	*ret = s;
	s = NULL;
	return 0;
}

static int cg_check_name(const char *name, vz_err *err)
{
	if (!name || !cg_component_ok(name, strlen(name)))
		return vz_fail(err, VZ_E_VALUE, EINVAL,
			       "invalid cgroup name '%s': it must be one path component",
			       name ? name : "(null)");
	return 0;
}

/* "<a>/<b>", or b alone when a is empty (the root). */
static char *join(const char *a, const char *b)
{
	char *s;

	if (asprintf(&s, "%s%s%s", a, *a && *b ? "/" : "", b) < 0)
		return NULL;
	return s;
}

/* Opens rel below dirfd, refusing a symlink at any step. */
static int cg_walk(int dirfd, const char *rel, int *ret)
{
	/* One system call where the kernel has openat2 (5.6), which the export makes for
	 * every CT at every read; the walk below is the same rule by hand. */
	struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	_cleanup_close_ int fd = -1;
	long direct;

	for (const char *c = rel; *c;) {
		size_t n = strcspn(c, "/");

		if (!cg_component_ok(c, n))
			return -EINVAL;
		c += n;
		c += *c == '/';
	}
	direct = syscall(SYS_openat2, dirfd, *rel ? rel : ".", &how, sizeof(how));
	if (direct >= 0) {
		*ret = (int)direct;
		return 0;
	}
	if (errno != ENOSYS && errno != EPERM) /* EPERM: a seccomp filter that knows no openat2 */
		return -errno;
	fd = openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (const char *c = rel; *c;) {
		size_t n = strcspn(c, "/");
		char comp[NAME_MAX + 1];
		int next;

		if (!cg_component_ok(c, n))
			return -EINVAL;
		memcpy(comp, c, n);
		comp[n] = '\0';
		next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			return -errno;
		close(fd);
		fd = next;
		c += n;
		c += *c == '/';
	}
	*ret = fd;
	fd = -1;
	return 0;
}

/* ------------------------------------------------------------- files */

/* The one way in to a cgroup file: relative to the cgroup's directory fd, no symlinks. */
static int cg_file_open(int dirfd, const char *file, int flags)
{
	int fd;

	if (!file || !cg_component_ok(file, strlen(file)))
		return -EINVAL;
	fd = openat(dirfd, file, flags | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

/* Fills err for a file that could not be opened.  Files are named <controller>.<what>
 * and exist only where the parent enables the controller: say which one and where. */
static int cg_fail_open(vz_err *err, int e, int dirfd, const char *verb, const char *where,
			const char *file)
{
	size_t n = file ? strcspn(file, ".") : 0;
	struct stat st;

	if (e == EINVAL)
		return vz_fail(err, VZ_E_SYSTEM, e, "cannot %s '%s' in %s: not a cgroup file name",
			       verb, file ? file : "(null)", where);
	/* Every cgroup has cgroup.procs: without it, the directory we hold was removed. */
	if (e == ENOENT && fstatat(dirfd, "cgroup.procs", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return vz_fail(err, VZ_E_SYSTEM, e, "cannot %s %s/%s: the cgroup %s no longer exists",
			       verb, where, file, where);
	if (e == ENOENT && file[n] == '.' && n < CG_CTRL_MAX &&
	    !(n == 6 && memcmp(file, "cgroup", 6) == 0)) {
		const char *slash = strrchr(where, '/');
		int plen = slash ? (int)(slash - where) : 0;

		return vz_fail(err, VZ_E_SYSTEM, e,
			       "cannot %s %s/%s: no such file, so the %.*s controller is not enabled "
			       "for this cgroup: check that the kernel has it (%s/cgroup.controllers) "
			       "and enable it with 'echo +%.*s > %.*s/cgroup.subtree_control'",
			       verb, where, file, (int)n, file, cg_mount, (int)n, file, plen, where);
	}
	return vz_fail(err, VZ_E_SYSTEM, e, "cannot %s %s/%s: %s", verb, where, file, strerror(e));
}

/* Reads a whole file; a trailing newline is dropped. */
static int cg_read_fd(int fd, char **ret)
{
	size_t len;
	int r = vz_read_fd(fd, ret, &len);

	if (r == 0 && len > 0 && (*ret)[len - 1] == '\n')
		(*ret)[len - 1] = '\0';
	return r;
}

static int cg_read_at(int dirfd, const char *where, const char *file, char **ret, vz_err *err)
{
	_cleanup_close_ int fd = cg_file_open(dirfd, file, O_RDONLY);
	int r;

	if (fd < 0)
		return cg_fail_open(err, -fd, dirfd, "read", where, file);
	r = cg_read_fd(fd, ret);
	if (r == -ENOMEM)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "out of memory reading %s/%s", where, file);
	if (r < 0)
		return vz_fail(err, VZ_E_SYSTEM, -r, "cannot read %s/%s: %s", where, file, strerror(-r));
	return 0;
}

static int cg_write_at(int dirfd, const char *where, const char *file, const char *value,
		       vz_err *err)
{
	_cleanup_close_ int fd = -1;
	size_t len = value ? strlen(value) : 0;
	ssize_t n;

	if (!value)
		return vz_fail(err, VZ_E_SYSTEM, EINVAL, "no value to write to %s/%s", where, file);
	fd = cg_file_open(dirfd, file, O_WRONLY);
	if (fd < 0)
		return cg_fail_open(err, -fd, dirfd, "write", where, file);
	/* A cgroup file takes a value in one write(); a short one is a failure. */
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EINVAL)
		return vz_fail(err, VZ_E_SYSTEM, EINVAL,
			       "the kernel refused '%s' for %s/%s: check the value and its unit",
			       value, where, file);
	if (n < 0)
		return vz_fail(err, VZ_E_SYSTEM, errno, "cannot write '%s' to %s/%s: %s", value,
			       where, file, strerror(errno));
	if ((size_t)n != len)
		return vz_fail(err, VZ_E_SYSTEM, EIO, "short write of '%s' to %s/%s", value, where,
			       file);
	return 0;
}

/* Whether a space-separated list ("cpu io memory pids") holds word. */
static bool list_has(const char *list, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " \n");

		if (n == wl && memcmp(p, word, n) == 0)
			return true;
		p += n;
		p += strspn(p, " \n");
	}
	return false;
}

/* ---------------------------------------------------------- the parent */

/* Enables in <dir>/cgroup.subtree_control every controller <dir> offers, one write each,
 * so that a failure names its controller. */
static int cg_enable_all(int dirfd, const char *where, bool is_root, vz_err *err)
{
	_cleanup_free_ char *offered = NULL, *enabled = NULL, *procs = NULL;
	int r;

	/* Below the root, cgroup v2 keeps processes in leaves only: with processes here the
	 * kernel refuses some controllers (EBUSY) after taking others, or turns the cgroup
	 * threaded (then EOPNOTSUPP).  Say so before anything is written. */
	if (!is_root) {
		r = cg_read_at(dirfd, where, "cgroup.procs", &procs, err);
		if (r < 0)
			return r;
		if (procs[0])
			return vz_fail(err, VZ_E_SYSTEM, EBUSY,
				       "%s holds processes itself, so no CT cgroup can be made below "
				       "it (cgroup v2 puts processes only in leaves): move them out, or "
				       "set CT_CGROUP_PARENT in vz.conf to another cgroup", where);
	}
	r = cg_read_at(dirfd, where, "cgroup.controllers", &offered, err);
	if (r < 0)
		return r;
	r = cg_read_at(dirfd, where, "cgroup.subtree_control", &enabled, err);
	if (r < 0)
		return r;
	for (const char *p = offered + strspn(offered, " "); *p;) {
		size_t n = strcspn(p, " ");
		char op[CG_CTRL_MAX + 2];

		if (n <= CG_CTRL_MAX) {
			op[0] = '+';
			memcpy(op + 1, p, n);
			op[n + 1] = '\0';
			if (!list_has(enabled, op + 1)) {
				r = cg_write_at(dirfd, where, "cgroup.subtree_control", op, err);
				if (r < 0)
					return r;
			}
		}
		p += n;
		p += strspn(p, " ");
	}
	return 0;
}

/* libcgroup reaches a v2 cgroup through one of its controllers (every controller maps to
 * the same directory there).  pids when the list has it, else the first. */
static int cg_anchor(const char *controllers, char *buf, size_t len)
{
	size_t n = strcspn(controllers, " ");

	if (list_has(controllers, "pids")) {
		snprintf(buf, len, "pids");
		return 0;
	}
	if (n == 0 || n >= len)
		return -ENOENT;
	memcpy(buf, controllers, n);
	buf[n] = '\0';
	return 0;
}

/* A libcgroup handle for rel, through the anchor controller. */
static int cg_lcg_new(const char *rel, const char *controllers, struct cgroup **ret,
		      vz_err *err)
{
	_cleanup_lcg_ struct cgroup *lcg = NULL;
	char anchor[CG_CTRL_MAX + 1];

	if (cg_anchor(controllers, anchor, sizeof(anchor)) < 0)
		return vz_fail(err, VZ_E_SYSTEM, ENOENT,
			       "no controller is enabled for %s/%s: enable them in the parent's "
			       "cgroup.subtree_control", cg_mount, rel);
	lcg = cgroup_new_cgroup(rel);
	if (!lcg || !cgroup_add_controller(lcg, anchor))
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "out of memory");
	*ret = lcg;
	lcg = NULL;
	return 0;
}

/* Creates rel (whose parent is parentfd, with the controllers it hands down in
 * subtree) through libcgroup.  An existing cgroup is fine. */
static int cg_mkdir(int parentfd, const char *where_parent, const char *rel, vz_err *err)
{
	_cleanup_free_ char *subtree = NULL;
	_cleanup_lcg_ struct cgroup *lcg = NULL;
	char msg[512];
	int r;

	r = cg_read_at(parentfd, where_parent, "cgroup.subtree_control", &subtree, err);
	if (r < 0)
		return r;
	r = cg_lcg_new(rel, subtree, &lcg, err);
	if (r < 0)
		return r;
	lcg_msg[0] = '\0';
	/* ignore_ownership: the cgroup stays root's, as the mount made it. */
	r = cgroup_create_cgroup(lcg, 1);
	if (r)
		return vz_fail(err, VZ_E_SYSTEM, lcg_errno(r), "cannot create the cgroup %s/%s: %s",
			       cg_mount, rel, lcg_describe(r, msg, sizeof(msg)));
	return 0;
}

/* Makes sure every cgroup on the parent's path exists and hands down every controller,
 * from the root to the parent itself.  Returns the parent's fd in *ret. */
static int cg_prepare_parent(const char *parent, int *ret, vz_err *err)
{
	_cleanup_close_ int fd = openat(cg_rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *rel = strdup("");
	int r;

	if (fd < 0)
		return vz_fail(err, VZ_E_SYSTEM, errno, "cannot open %s: %s", cg_mount, strerror(errno));
	if (!rel)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "out of memory");
	for (const char *c = parent;; ) {
		_cleanup_free_ char *where = join(cg_mount, rel);
		size_t n = strcspn(c, "/");
		char comp[NAME_MAX + 1];
		char *next_rel;
		int next;

		if (!where)
			return vz_fail(err, VZ_E_NOMEM, ENOMEM, "out of memory");
		r = cg_enable_all(fd, where, !*rel, err);
		if (r < 0)
			return r;
		if (!*c)
			break;
		memcpy(comp, c, n);
		comp[n] = '\0';
		next_rel = join(rel, comp);
		if (!next_rel)
			return vz_fail(err, VZ_E_NOMEM, ENOMEM, "out of memory");
		free(rel);
		rel = next_rel;
		next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT) {
			r = cg_mkdir(fd, where, rel, err);
			if (r < 0)
				return r;
			next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0)
			return vz_fail(err, VZ_E_SYSTEM, errno, "cannot open the cgroup %s/%s: %s",
				       cg_mount, rel, strerror(errno));
		close(fd);
		fd = next;
		c += n;
		c += *c == '/';
	}
	*ret = fd;
	fd = -1;
	return 0;
}

/* ------------------------------------------------------------- handles */

void bc_cg_free(bc_cgroup *cg)
{
	if (!cg)
		return;
	if (cg->dirfd >= 0)
		close(cg->dirfd);
	free(cg->rel);
	free(cg->path);
	free(cg);
}

static int cg_open_rel(const char *parent, const char *name, bc_cgroup **ret, vz_err *err)
{
	_cleanup_cgroup_ bc_cgroup *cg = calloc(1, sizeof(*cg));
	int r;

	if (!cg)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "out of memory");
	cg->dirfd = -1;
	cg->rel = join(parent, name);
	cg->path = cg->rel ? join(cg_mount, cg->rel) : NULL;
	if (!cg->path)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "out of memory");
	r = cg_walk(cg_rootfd, cg->rel, &cg->dirfd);
	if (r == -ENOENT || r == -ENOTDIR)
		return vz_fail(err, VZ_E_SYSTEM, ENOENT, "no cgroup %s", cg->path);
	if (r < 0)
		return vz_fail(err, VZ_E_SYSTEM, -r, "cannot open the cgroup %s: %s", cg->path,
			       strerror(-r));
	*ret = cg;
	cg = NULL;
	return 0;
}

/* The checks every entry point makes, in this order: a bad name never reaches the
 * filesystem, and libcgroup is started only for a name that could be used. */
static int cg_begin(const struct vz_host *host, const char *name, char **ret_parent, vz_err *err)
{
	int r = cg_check_name(name, err);

	if (r == 0)
		r = cg_parent_of(host, ret_parent, err);
	if (r == 0 && (r = cg_ready(err)) < 0) {
		free(*ret_parent);
		*ret_parent = NULL;
	}
	return r;
}

int bc_cg_open(const struct vz_host *host, const char *name, bc_cgroup **ret, vz_err *err)
{
	_cleanup_free_ char *parent = NULL;
	int r = cg_begin(host, name, &parent, err);

	return r < 0 ? r : cg_open_rel(parent, name, ret, err);
}

int bc_cg_open_below(const struct vz_host *host, const char *name, const char *below,
		     bc_cgroup **ret, vz_err *err)
{
	_cleanup_free_ char *parent = NULL, *rel = NULL;
	int r = cg_begin(host, name, &parent, err);

	if (r < 0)
		return r;
	below += strspn(below, "/");
	if (!*below)
		return cg_open_rel(parent, name, ret, err);
	rel = join(parent, name);
	if (!rel)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "out of memory");
	/* cg_walk checks each component of below: no "..", no symlink. */
	return cg_open_rel(rel, below, ret, err);
}

int bc_cg_create(const struct vz_host *host, const char *name, bc_cgroup **ret, vz_err *err)
{
	_cleanup_free_ char *parent = NULL, *rel = NULL, *where = NULL;
	_cleanup_close_ int pfd = -1;
	int r = cg_begin(host, name, &parent, err);

	if (r < 0)
		return r;
	r = cg_prepare_parent(parent, &pfd, err);
	if (r < 0)
		return r;
	rel = join(parent, name);
	where = join(cg_mount, parent);
	if (!rel || !where)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "out of memory");
	r = cg_mkdir(pfd, where, rel, err);
	if (r < 0)
		return r;
	return cg_open_rel(parent, name, ret, err);
}

/* ------------------------------------------------------------- files */

int bc_cg_dirfd(const bc_cgroup *cg)
{
	return cg->dirfd;
}

int bc_cg_root_fd(void)
{
	return cg_rootfd;
}

int bc_cg_write(bc_cgroup *cg, const char *file, const char *value, vz_err *err)
{
	return cg_write_at(cg->dirfd, cg->path, file, value, err);
}

int bc_cg_read(bc_cgroup *cg, const char *file, char **ret, vz_err *err)
{
	return cg_read_at(cg->dirfd, cg->path, file, ret, err);
}

int bc_cg_read_u64(bc_cgroup *cg, const char *file, uint64_t *ret, vz_err *err)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = bc_cg_read(cg, file, &text, err);
	if (r < 0)
		return r;
	r = bc_parse_kernel_u64(text, ret);
	if (r < 0)
		return vz_fail(err, VZ_E_SYSTEM, -r, "unexpected content '%.64s' in %s/%s: not a number",
			       text, cg->path, file);
	return 0;
}

/* The line of key in a flat-keyed file's text ("key value"), its value's length in
 * *vlen; NULL when there is none. */
static const char *key_value(const char *text, const char *key, size_t *vlen)
{
	size_t klen = key ? strlen(key) : 0;

	for (const char *line = text; klen && *line;) {
		size_t len = strcspn(line, "\n");

		if (len > klen && memcmp(line, key, klen) == 0 && line[klen] == ' ') {
			*vlen = len - klen - 1;
			return line + klen + 1;
		}
		line += len;
		line += *line == '\n';
	}
	return NULL;
}

int bc_cg_read_key(bc_cgroup *cg, const char *file, const char *key, uint64_t *ret, vz_err *err)
{
	_cleanup_free_ char *text = NULL;
	const char *v;
	size_t vlen;
	int r;

	r = bc_cg_read(cg, file, &text, err);
	if (r < 0)
		return r;
	v = key_value(text, key, &vlen);
	if (v) {
		r = parse_u64_n(v, vlen, ret);
		if (r < 0)
			return vz_fail(err, VZ_E_SYSTEM, -r, "unexpected value for %s in %s/%s: '%.*s'",
				       key, cg->path, file, (int)vlen, v);
		return 0;
	}
	return vz_fail(err, VZ_E_SYSTEM, ENOENT, "no key '%s' in %s/%s", key ? key : "(null)",
		       cg->path, file);
}

int bc_cg_nprocs(bc_cgroup *cg, vz_err *err)
{
	_cleanup_free_ char *text = NULL;
	int n = 0;
	int r;

	r = bc_cg_read(cg, "cgroup.procs", &text, err);
	if (r < 0)
		return r;
	for (const char *p = text; *p; p++)
		if (*p == '\n' || p[1] == '\0')
			n += n < INT_MAX;
	return n;
}

/* ------------------------------------------------------ attach, destroy */

int bc_cg_attach(bc_cgroup *cg, pid_t pid, vz_err *err)
{
	_cleanup_free_ char *controllers = NULL;
	_cleanup_lcg_ struct cgroup *lcg = NULL;
	int r;

	if (pid <= 0)
		return vz_fail(err, VZ_E_SYSTEM, EINVAL, "cannot move pid %d into %s: not a process",
			       (int)pid, cg->path);
	r = cg_read_at(cg->dirfd, cg->path, "cgroup.controllers", &controllers, err);
	if (r < 0)
		return r;
	r = cg_lcg_new(cg->rel, controllers, &lcg, err);
	if (r < 0)
		return r;
	lcg_msg[0] = '\0';
	r = cgroup_attach_task_pid(lcg, pid);
	if (r == 0)
		return 0;
	r = lcg_errno(r);
	if (r == EBUSY)
		return vz_fail(err, VZ_E_SYSTEM, r,
			       "cannot move pid %d into %s: it has child cgroups with controllers "
			       "(cgroup v2 puts processes only in leaves)", (int)pid, cg->path);
	if (r == ESRCH)
		return vz_fail(err, VZ_E_SYSTEM, r, "cannot move pid %d into %s: no such process",
			       (int)pid, cg->path);
	return vz_fail(err, VZ_E_SYSTEM, r, "cannot move pid %d into %s: %s", (int)pid, cg->path,
		       strerror(r));
}

/* rmdir(2) itself, not cgroup_delete_cgroup_ext(): with CGFLAG_DELETE_EMPTY_ONLY,
 * libcgroup 2.0.2 reports success for a cgroup it left in place because it was not
 * empty (measured in the guest), and without the flag it first moves the processes out
 * to the parent, which is not what removing a stopped CT's cgroup means. */
/* A cgroup a CT made below its own (systemd's units) and those below it, deepest first:
 * a cgroup goes only once it has no child.  They are empty once the CT's processes are
 * gone.  ctx: the directory fd name is in. */
static int each_child(int dirfd, int depth, int (*fn)(void *ctx, int fd, const char *name,
						      int depth), void *ctx);

static int remove_tree(void *ctx, int dirfd, const char *name, int depth)
{
	int parent = *(const int *)ctx;
	int r = each_child(dirfd, depth, remove_tree, &dirfd);

	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
		r = -errno;
	return r;
}

int bc_cg_destroy(bc_cgroup *cg, vz_err *err)
{
	_cleanup_free_ char *parent = strdup(cg->rel);
	_cleanup_close_ int pfd = -1;
	char *slash;
	int r;

	if (!parent)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "out of memory");
	slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	else
		parent[0] = '\0';
	r = each_child(cg->dirfd, 0, remove_tree, &cg->dirfd);
	if (r < 0)
		return vz_fail(err, VZ_E_SYSTEM, -r, "cannot remove the cgroups below %s: %s; see "
			       "their cgroup.procs", cg->path, strerror(-r));
	r = cg_walk(cg_rootfd, parent, &pfd);
	if (r < 0)
		return vz_fail(err, VZ_E_SYSTEM, -r, "cannot remove the cgroup %s: its parent: %s",
			       cg->path, strerror(-r));
	if (unlinkat(pfd, cg->rel + (slash ? (size_t)(slash - parent) + 1 : 0), AT_REMOVEDIR) == 0)
		return 0;
	if (errno == EBUSY || errno == ENOTEMPTY)
		return vz_fail(err, VZ_E_SYSTEM, EBUSY,
			       "cannot remove the cgroup %s: it still holds processes or child "
			       "cgroups (see its cgroup.procs): stop them first", cg->path);
	return vz_fail(err, VZ_E_SYSTEM, errno, "cannot remove the cgroup %s: %s", cg->path,
		       strerror(errno));
}

/* ---------------------------------------------------- parent, root, trees */

int bc_cg_open_parent(const struct vz_host *host, bc_cgroup **ret, bool *is_root, vz_err *err)
{
	_cleanup_free_ char *parent = NULL;
	int r = cg_parent_of(host, &parent, err);

	if (r == 0)
		r = cg_ready(err);
	if (r < 0)
		return r;
	*is_root = !*parent;
	if (*is_root) {
		*ret = NULL;
		return 0;
	}
	return cg_open_rel("", parent, ret, err);
}

int bc_cg_open_root(bc_cgroup **ret, vz_err *err)
{
	int r = cg_ready(err);

	return r < 0 ? r : cg_open_rel("", "", ret, err);
}

bool bc_cg_wait_empty(bc_cgroup *cg, long ms)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		uint64_t populated = 1;

		if (bc_cg_read_key(cg, "cgroup.events", "populated", &populated, NULL) < 0 ||
		    populated == 0)
			return true;
		if (elapsed_ms(&start) >= ms)
			return false;
		sleep_ms(20);
	}
}

int bc_cg_kill_destroy(bc_cgroup *cg, vz_err *err)
{
	int r = bc_cg_write(cg, "cgroup.kill", "1", err);

	if (r < 0)
		return r;
	if (!bc_cg_wait_empty(cg, KILL_WAIT_MS))
		return vz_fail(err, VZ_E_STOP, EBUSY,
			       "Unable to stop the container: processes are left in its cgroup %s "
			       "after cgroup.kill (see its cgroup.procs)", cg->path);
	return bc_cg_destroy(cg, err);
}

/* The ids (pids or tids) one cgroup's file lists. */
static int walk_ids_at(int dirfd, const char *file, void (*fn)(void *ctx, pid_t id), void *ctx)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = cg_file_open(dirfd, file, O_RDONLY);
	char *p, *end;

	if (fd < 0)
		return fd;
	if (cg_read_fd(fd, &text) < 0)
		return -EIO;
	for (p = text; *p; p = end) {
		long id;

		errno = 0;
		id = strtol(p, &end, 10);
		if (errno || end == p || id <= 0)
			break;
		fn(ctx, (pid_t)id);
		end += strspn(end, "\n");
	}
	return 0;
}

/* fn(ctx, the child's directory fd, its name, depth + 1) for each cgroup right below
 * dirfd (depth deep), up to BC_CG_DEPTH_MAX: the one walk of the cgroups below a CT's,
 * which the kernel keeps that shallow (cgroup.max.depth, set at start).  The first
 * failure of fn is returned; a child removed meanwhile is skipped. */
static int each_child(int dirfd, int depth, int (*fn)(void *ctx, int fd, const char *name,
						      int depth), void *ctx)
{
	int sub = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;
	struct dirent *de;
	DIR *d = sub < 0 ? NULL : fdopendir(sub);

	if (!d) {
		if (sub >= 0)
			close(sub);
		return -errno;
	}
	while ((de = readdir(d))) {
		_cleanup_close_ int child = -1;
		int rc;

		if (de->d_type != DT_DIR || !cg_component_ok(de->d_name, strlen(de->d_name)))
			continue;
		if (depth >= BC_CG_DEPTH_MAX) {
			r = r ? r : -ELOOP;
			continue;
		}
		child = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (child < 0)
			continue;
		rc = fn(ctx, child, de->d_name, depth + 1);
		if (rc < 0 && r == 0)
			r = rc;
	}
	closedir(d);
	return r;
}

struct id_walk {
	const char *file;
	void (*fn)(void *ctx, pid_t id);
	void *ctx;
};

static int walk_tree(void *ctx, int dirfd, const char *name, int depth)
{
	const struct id_walk *w = ctx;
	int r = walk_ids_at(dirfd, w->file, w->fn, w->ctx);

	(void)name;
	/* A cgroup that went meanwhile has no process left: only the top's failure counts. */
	if (r == 0)
		each_child(dirfd, depth, walk_tree, ctx);
	return r;
}

int bc_cg_walk_threads(int dirfd, const char *rel, void (*fn)(void *ctx, pid_t tid), void *ctx)
{
	struct id_walk w = { "cgroup.threads", fn, ctx };
	_cleanup_close_ int fd = -1;
	int r = cg_walk(dirfd, rel, &fd);

	if (r < 0)
		return r;
	return walk_tree(&w, fd, rel, 0);
}

int bc_cg_walk_procs(bc_cgroup *cg, void (*fn)(void *ctx, pid_t pid), void *ctx)
{
	struct id_walk w = { "cgroup.procs", fn, ctx };

	return walk_tree(&w, cg->dirfd, cg->rel, 0);
}

struct key_sum {
	const char *file, *key;
	uint64_t sum;
};

static int sum_tree(void *ctx, int dirfd, const char *name, int depth)
{
	struct key_sum *k = ctx;
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = cg_file_open(dirfd, k->file, O_RDONLY);
	const char *v;
	uint64_t n;
	size_t vlen;

	(void)name;
	if (fd < 0 || cg_read_fd(fd, &text) < 0)
		return fd < 0 ? fd : -EIO;
	v = key_value(text, k->key, &vlen);
	if (v && parse_u64_n(v, vlen, &n) == 0)
		k->sum += n;
	/* A cgroup that went meanwhile took its count with it: only the top's failure counts. */
	each_child(dirfd, depth, sum_tree, ctx);
	return 0;
}

int bc_cg_sum_key_below(bc_cgroup *cg, const char *file, const char *key, uint64_t *ret)
{
	struct key_sum k = { file, key, 0 };
	int r = sum_tree(&k, cg->dirfd, cg->rel, 0);

	if (r == 0)
		*ret = k.sum;
	return r;
}

/* ------------------------------------------------------------- delegation */

/* The files a delegated cgroup's owner writes (as systemd's Delegate= hands them over):
 * the rest, its own limits among them, stay the host's. */
static const char *const delegated_files[] = { "cgroup.procs", "cgroup.threads",
					       "cgroup.subtree_control" };

int bc_cg_bound_depth(bc_cgroup *cg, vz_err *err)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", BC_CG_DEPTH_MAX);
	return bc_cg_write(cg, "cgroup.max.depth", v, err);
}

int bc_cg_delegate(bc_cgroup *cg, uid_t uid, gid_t gid, vz_err *err)
{
	if (fchownat(cg->dirfd, "", uid, gid, AT_EMPTY_PATH) < 0)
		return vz_fail(err, VZ_E_SYSTEM, errno, "cannot hand the cgroup %s to uid %u: %s",
			       cg->path, (unsigned)uid, strerror(errno));
	for (size_t i = 0; i < sizeof(delegated_files) / sizeof(delegated_files[0]); i++)
		if (fchownat(cg->dirfd, delegated_files[i], uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			return vz_fail(err, VZ_E_SYSTEM, errno, "cannot hand %s/%s to uid %u: %s",
				       cg->path, delegated_files[i], (unsigned)uid, strerror(errno));
	return 0;
}

int bc_cg_check_nsdelegate(vz_err *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	int r = cg_ready(err);

	if (r < 0)
		return r;
	fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || vz_read_fd(fd, &text, NULL) < 0)
		return vz_fail(err, VZ_E_SYSTEM, errno ? errno : EIO,
			       "cannot read /proc/self/mountinfo: %s", strerror(errno ? errno : EIO));
	for (char *l = text, *next; l && *l; l = next) {
		char *point = NULL, *rest, *save = NULL, *tok;
		int field = 0;

		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		rest = strstr(l, " - ");
		if (!rest)
			continue;
		*rest = '\0';
		for (tok = strtok_r(l, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			if (++field == 5)
				point = tok;
		if (!point)
			continue;
		mountinfo_unescape(point);
		/* " - cgroup2 <source> <super options>" */
		rest += 3;
		if (strcmp(point, cg_mount) != 0 || strncmp(rest, "cgroup2 ", 8) != 0)
			continue;
		rest = strchr(rest + 8, ' ');
		if (rest && (strstr(rest, ",nsdelegate") || strstr(rest, " nsdelegate")))
			return 0;
	}
	return vz_fail(err, VZ_E_MOUNT, EPERM,
		       "The cgroup2 file system on %s is mounted without nsdelegate, so a "
		       "container's root could change its own limits through the cgroup it is "
		       "given; remount it: 'mount -o remount,nsdelegate %s' (systemd mounts it so "
		       "by default)", cg_mount, cg_mount);
}
