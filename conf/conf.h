/* conf: the error contract, OpenVZ value syntax, and KEY="value" config files
 * (vz.conf, CTID.conf, ve-*.conf-sample).
 *
 * This is the lowest module: it uses nothing else of the project, and every other
 * module reports errors through the vz_err type declared here.
 *
 * Error contract: a function that can fail returns 0 (or a non-negative count) on
 * success and a negative errno on failure, after filling *err (which may be NULL)
 * with the OpenVZ exit code and a message that tells the user what to do.  Outputs
 * are untouched on failure.  Nothing here prints: warnings go through a vz_warn
 * callback that the front end supplies. */
#ifndef VZ_CONF_H
#define VZ_CONF_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

/* ------------------------------------------------------------------ errors */

/* OpenVZ exit codes (reference §3.4) used by the project. */
enum vz_exit {
	VZ_OK = 0,
	VZ_E_SETUBC = 1,         /* failed to set a UBC parameter */
	VZ_E_SETFSHD = 2,        /* failed to set a CPU parameter */
	VZ_E_SYSTEM = 3,         /* generic system error */
	VZ_E_NOMEM = 4,
	VZ_E_RESOURCE = 6,       /* not enough system resources */
	VZ_E_EXEC = 8,           /* command run by exec returned non-zero */
	VZ_E_LOCKED = 9,         /* CT locked by another vzctl */
	VZ_E_NO_VZCONF = 10,     /* global vz.conf not found */
	VZ_E_PERM = 12,
	VZ_E_CAP = 13,
	VZ_E_NO_CTCONF = 14,     /* CT config file not found */
	VZ_E_TIMEOUT = 15,       /* exec timeout: a process entering a CT did not start in time */
	VZ_E_SYNTAX = 20,        /* invalid command-line syntax */
	VZ_E_VALUE = 21,         /* invalid parameter value */
	VZ_E_NO_VE_ROOT = 22,
	VZ_E_NO_VE_PRIVATE = 23,
	VZ_E_NO_TEMPLATE = 24,
	VZ_E_NOT_ENOUGH_PARAMS = 27,
	VZ_E_UBC_MISSING = 28,   /* required UBC parameters missing */
	VZ_E_NO_OSTEMPLATE = 29,
	VZ_E_NOT_RUNNING = 31,
	VZ_E_RUNNING = 32,
	VZ_E_STOP = 33,
	VZ_E_VALIDATE = 35,
	VZ_E_OVERCOMMIT = 36,
	VZ_E_NOT_MOUNTED = 40,
	VZ_E_MOUNTED = 41,
	VZ_E_NO_PRIVATE = 43,
	VZ_E_PRIVATE_EXISTS = 44,
	VZ_E_NO_DISKSPACE = 46,
	VZ_E_BAD_CT = 47,
	VZ_E_CREATE_PRIVATE = 48,
	VZ_E_CREATE_ROOT = 49,
	VZ_E_MOUNT = 50,
	VZ_E_UMOUNT = 51,
	VZ_E_DELETE = 52,
	VZ_E_PRIVATE_MISSING = 53,
	VZ_E_MKDIR = 54,
	VZ_E_BAD_HOSTNAME = 70,
	VZ_E_NO_LOCKDIR = 77,
	VZ_E_ACTION_SCRIPT = 79,
	VZ_E_CONFIG_COPY = 82,
	VZ_E_INVALID_CONFIG = 85,
	VZ_E_START_DISABLED = 105, /* DISABLED=yes and no --force */
	VZ_E_APPLY_CONFIG = 109,  /* cannot apply config */
	VZ_E_TEMPLATE_NOT_FOUND = 91,
	VZ_E_CT_NAME = 131,
	VZ_E_WAIT_FAILED = 133,  /* start --wait gave up */
	VZ_E_CONFIG_SAVE = 139,
};

#define VZ_ERR_MSG_MAX 1024

/* One error type for the whole project.  It lives on the caller's stack and owns
 * no heap memory, so no error path can leak it. */
typedef struct vz_err {
	int exit_code;           /* enum vz_exit, what the front end exits with */
	int sys_errno;           /* errno behind it, 0 when none */
	char msg[VZ_ERR_MSG_MAX];
} vz_err;

/* Fills *err (when not NULL) and returns -sys_errno, or -EINVAL when sys_errno is 0.
 * Meant to be used as `return vz_fail(err, VZ_E_VALUE, 0, "…", …);`. */
int vz_fail(vz_err *err, int exit_code, int sys_errno, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Puts "<context>: " in front of an already filled message. */
void vz_err_prefix(vz_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds text after an already filled message (a second thing that went wrong while
 * handling the first), cut to fit; the exit code and errno stay the first failure's. */
void vz_err_append(vz_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Warnings: library code never prints; it hands each warning to this callback. */
typedef struct vz_warn {
	void (*fn)(void *ctx, const char *msg);
	void *ctx;
} vz_warn;

void vz_warnf(const vz_warn *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Cleanup attributes shared by every module: a variable so declared is released
 * when it goes out of scope, on every path. */
static inline void vz_freep(void *p) { free(*(void **)p); }
static inline void vz_closep(int *fd) { if (*fd >= 0) close(*fd); }
#define _cleanup_free_ __attribute__((cleanup(vz_freep)))
#define _cleanup_close_ __attribute__((cleanup(vz_closep)))

/* ------------------------------------------------------------ value syntax */

/* "unlimited" as the kernel and the configs spell it (LONG_MAX on x86_64). */
#define VZ_UNLIMITED ((unsigned long)LONG_MAX)
/* What 32-bit kernels printed for unlimited; read as unlimited too. */
#define VZ_UNLIMITED32 ((unsigned long)INT_MAX)

#define VZ_PAGE_SIZE 4096UL

/* The unit a value is kept in, which decides how a suffix applies (reference §3.2). */
enum vz_unit {
	VZ_UNIT_ITEMS,  /* num*: a plain count, no suffix allowed */
	VZ_UNIT_PAGES,  /* *pages: number x multiplier / page size */
	VZ_UNIT_BYTES,  /* *size, *buf, --ram, --swap: number x multiplier */
	VZ_UNIT_KBYTES, /* DISKSPACE: KiB without a suffix; `unlimited` refused */
};

/* Parses one side of a value: a number (fractions allowed with a suffix), a number
 * with a suffix T G M K P B (either case; powers of 1024; P pages, B bytes), or
 * `unlimited`.  LONG_MAX and INT_MAX read as unlimited; larger numbers are clamped to
 * LONG_MAX with a warning.  Errors: VZ_E_VALUE with a message naming the text. */
int vz_parse_value(const char *text, enum vz_unit unit, unsigned long *ret,
		   const vz_warn *w, vz_err *err);

/* Parses `N` (barrier = limit = N) or `N:M`. */
int vz_parse_barlim(const char *text, enum vz_unit unit, unsigned long *ret_bar,
		    unsigned long *ret_lim, const vz_warn *w, vz_err *err);

/* Writes a value as a config keeps it: `unlimited` for LONG_MAX, else the decimal. */
const char *vz_format_value(unsigned long v, char *buf, size_t len);
/* `N` when barrier = limit, else `B:L`, each side as vz_format_value. */
const char *vz_format_barlim(unsigned long bar, unsigned long lim, char *buf, size_t len);

/* ---------------------------------------------------------- config files */

/* A config file as vzctl sees it: the raw lines (kept byte for byte for saving) and
 * the NAME=value settings parsed from them by the rules of reference §4.2. */
typedef struct vz_conf vz_conf;

/* An empty config (a file to be created). Returns NULL only when out of memory. */
vz_conf *vz_conf_new(void);
/* Reads a file.  A missing file gives -ENOENT with VZ_E_NO_CTCONF; parse problems are
 * warnings ("can't parse …", duplicate keys), never errors: nothing is dropped. */
int vz_conf_load(const char *path, vz_conf **ret, const vz_warn *w, vz_err *err);
/* Parses a buffer (which may hold NUL bytes, CRLF, no final newline). `origin` names
 * it in warnings. */
int vz_conf_parse(const char *buf, size_t len, const char *origin, vz_conf **ret,
		  const vz_warn *w, vz_err *err);
void vz_conf_free(vz_conf *cf);
static inline void vz_conf_freep(vz_conf **p) { vz_conf_free(*p); }
#define _cleanup_conf_ __attribute__((cleanup(vz_conf_freep)))

/* The value of KEY (the first setting of it, as vzctl reads), or NULL. */
const char *vz_conf_get(const vz_conf *cf, const char *key);
/* Sets KEY (value NULL removes it). Takes effect on the next save.  Returns -ENOMEM, or
 * -EINVAL when KEY is not a NAME ([A-Za-z_][A-Za-z0-9_]*) or the value holds a newline
 * (a config value lives on one line). */
int vz_conf_set(vz_conf *cf, const char *key, const char *value);
/* Calls fn for every key in file order (first setting of each key only), with the
 * values vz_conf_get gives: pending sets applied, removed keys skipped, new keys last. */
void vz_conf_foreach(const vz_conf *cf, void (*fn)(void *ctx, const char *key, const char *value),
		     void *ctx);

/* Writes the config atomically (reference §4.4): symlinks resolved (a dangling one is
 * followed to the file to create), `<real>.tmp.<pid>` written and fsynced with the old
 * file's mode (0644 for a new file), renamed over the real path, directory fsynced.
 * Every line not being changed is kept byte for byte; a changed key replaces the line
 * its value was read from (the first line that begins with `KEY=`, or an indented
 * one), a removed key loses every line naming it, new keys are appended, values are
 * written double-quoted with `"` and `\` escaped.  A set to the value already there is
 * no change.  *ret_changed (may be NULL) tells whether the file was written (false:
 * "No changes …"); afterwards cf describes the file as written.
 * Errors carry VZ_E_CONFIG_SAVE. */
int vz_conf_save(vz_conf *cf, const char *path, bool *ret_changed, vz_err *err);

/* Renders the file as vz_conf_save would write it (every line kept, pending sets
 * applied) into a new NUL-terminated buffer the caller frees.  Returns the number of
 * changes that alter the file (0: nothing to save) or -ENOMEM.  Used by save, and by
 * the fuzz target to check the writer without touching the disk. */
int vz_conf_render(const vz_conf *cf, char **ret, size_t *ret_len);

/* Returns a new string with every `$VEID` (and `${VEID}`) replaced by veid; NULL when out
 * of memory. */
char *vz_subst_veid(const char *value, const char *veid);

/* Reads fd to its end into a new NUL-terminated buffer; 0 or a negative errno (a
 * directory gives -EISDIR).  ret_len may be NULL. */
int vz_read_fd(int fd, char **ret, size_t *ret_len);

/* One record of len bytes over a unix socket, with fd attached (SCM_RIGHTS) when
 * fd >= 0; 0 or a negative errno.  No SIGPIPE. */
int vz_send_fd(int sock, const void *data, size_t len, int fd);
/* One record into data; an attached fd (close-on-exec) goes to *ret_fd when that is
 * -1, and is closed otherwise.  The record's length, 0 at end of file, or -errno. */
ssize_t vz_recv_fd(int sock, void *data, size_t len, int *ret_fd);

/* Makes `path` hold exactly `data`, so that a reader (or a crash) sees either the old
 * file or the new one, never a mix: symlinks are resolved first (a dangling one is
 * followed to the file to create); the bytes go to `<real>.tmp.<pid>`, which is
 * fsynced, given the old file's mode (0644 for a new file) and renamed over `<real>`;
 * then the directory is fsynced.  For configs and any other state kept in files.
 * Returns 0 or a negative errno; the temporary file never outlives a failure. */
int vz_write_file_atomic(const char *path, const char *data, size_t len);

/* State a tool keeps between runs (vzubc's store, check_bc's failcnts, the kept
 * maxheld) lives in a directory nobody else can write: otherwise another user plants a
 * symlink or a file of theirs under the name read or written.
 *
 * vz_open_own_dir opens path (created 0700 when missing) as an O_DIRECTORY fd, and
 * refuses (-EPERM) a symlink, another user's directory (owner not the euid) or one its
 * group or others may write.  -ENOTDIR when it is no directory, else -errno. */
int vz_open_own_dir(const char *path);
/* Reads name in dirfd into a new NUL-terminated buffer; refuses (-EPERM) a symlink and
 * anything but a regular file of the euid's, and never blocks on a FIFO.  -ENOENT when
 * there is none. */
int vz_read_own_at(int dirfd, const char *name, char **ret, size_t *ret_len);
/* Makes name in dirfd hold exactly data with mode: written to `.<name>.tmp.<pid>`
 * (O_EXCL, no link followed) and renamed over name, so a failed write (a full disk, a
 * file size limit) leaves the old file whole.  No fsync: this is state that a crash
 * may lose, not a config.  0 or -errno; the temporary never outlives a failure. */
int vz_replace_at(int dirfd, const char *name, const char *data, size_t len, mode_t mode);

/* Writes data into name in dirfd (created with mode when missing) where a CT controls
 * the directory: a symlink is not followed (-ELOOP), and a FIFO, socket or device there
 * is neither waited on nor written (-ENXIO or -EINVAL): only a regular file is. */
int vz_write_regular_at(int dirfd, const char *name, const char *data, size_t len, mode_t mode);

/* Creates path and its missing parents with mode; existing directories are kept as
 * they are.  0, or a negative errno (-ENOTDIR when path exists but is no directory). */
int vz_mkdir_p(const char *path, mode_t mode);

#endif
