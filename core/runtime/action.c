/* The action scripts that run inside a CT (reference §4.1): <confdir>/<ctid>.start
 * after the CT has started and <ctid>.stop before it is stopped.  The script lives on
 * the host; its text is handed to the CT's own /bin/sh -c, as `vzctl runscript` does,
 * so nothing of the host is executed in the CT.  Its output comes back line by line
 * as notes for the caller to print. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/base/base.h"
#include "core/runtime/runtime.h"

#define LINE_MAX_SHOWN 1024

/* Collects output into lines; a line longer than the buffer is cut. */
struct line_buf {
	char buf[LINE_MAX_SHOWN];
	size_t len;
	const vz_warn *note;
};

static void line_flush(struct line_buf *l)
{
	if (l->len > 0)
		vz_warnf(l->note, "%.*s", (int)l->len, l->buf);
	l->len = 0;
}

static void line_feed(struct line_buf *l, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\n') {
			line_flush(l);
		} else if (l->len < sizeof(l->buf)) {
			l->buf[l->len++] = data[i];
		}
	}
}

/* Reads what is there now; false at end of file or on error. */
static bool drain(int fd, struct line_buf *l)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	line_feed(l, buf, (size_t)n);
	return true;
}

/* Relays the script's output until the helper (whose status is the script's) is gone.
 * A daemon the script left behind may hold the pipe open for good: the end of the
 * helper, not the end of the pipe, ends the relay. */
static void relay_output(pid_t helper, int out, const vz_warn *note)
{
	struct line_buf l = { .note = note };
	int pidfd = (int)syscall(SYS_pidfd_open, helper, 0);
	bool open_out = true;

	while (open_out && pidfd >= 0) {
		struct pollfd p[2] = { { out, POLLIN, 0 }, { pidfd, POLLIN, 0 } };

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			open_out = drain(out, &l);
		if (p[1].revents)
			break;
	}
	while (open_out && drain(out, &l))
		;
	line_flush(&l);
	if (pidfd >= 0)
		close(pidfd);
}

static int read_script(const char *path, char **ret, vz_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len;
	int r;

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return vz_fail(err, VZ_E_ACTION_SCRIPT, errno, "Unable to open the action script %s: %s",
			       path, strerror(errno));
	r = vz_read_fd(fd, ret, &len);
	if (r < 0)
		return vz_fail(err, VZ_E_ACTION_SCRIPT, -r, "Unable to read the action script %s: %s",
			       path, strerror(-r));
	if (len > CT_SCRIPT_MAX || memchr(*ret, '\0', len)) {
		free(*ret);
		*ret = NULL;
		return vz_fail(err, VZ_E_ACTION_SCRIPT, EINVAL,
			       "Action script %s must be a text script of at most %d bytes",
			       path, CT_SCRIPT_MAX);
	}
	return 1;
}

static int script_status(const char *path, int status, vz_err *err)
{
	if (status == 0)
		return 0;
	if (status == 127)
		return vz_fail(err, VZ_E_ACTION_SCRIPT, ENOENT,
			       "Action script %s failed inside the container: a command it runs was "
			       "not found there (exit status 127); fix it or remove it", path);
	return vz_fail(err, VZ_E_ACTION_SCRIPT, 0,
		       "Action script %s failed inside the container (%s %d); fix it or remove it",
		       path, status > 128 ? "signal" : "exit status", status > 128 ? status - 128 : status);
}

int ct_run_inside_action(const struct vz_host *host, const char *ctid, const char *event,
			 const vz_warn *note, vz_err *err)
{
	_cleanup_free_ char *path = NULL, *script = NULL, *conf = NULL, *veid = NULL,
			    *conffile = NULL;
	_cleanup_close_ int devnull = -1, out_r = -1;
	int out[2], status = 0, r;
	struct ct_exec_proc proc;

	if (asprintf(&path, "%s/%s.%s", host->confdir, ctid, event) < 0)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	r = read_script(path, &script, err);
	if (r <= 0)
		return r;
	conf = vz_host_ct_conf_path(host, ctid);
	if (!conf || asprintf(&veid, "VEID=%s", ctid) < 0 ||
	    asprintf(&conffile, "VE_CONFFILE=%s", conf) < 0)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || pipe2(out, O_CLOEXEC) < 0)
		return vz_fail(err, VZ_E_ACTION_SCRIPT, errno, "Unable to run the action script %s: %s",
			       path, strerror(errno));
	out_r = out[0];
	char *argv[] = { "/bin/sh", "-c", script, path, NULL };
	char *env[] = { veid, conffile, NULL };
	struct ct_exec_opts o = { .argv = argv, .fds = { devnull, out[1], out[1] }, .env = env };

	r = ct_exec_start(host, ctid, &o, &proc, err);
	close(out[1]);
	if (r < 0) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		return vz_fail(err, VZ_E_ACTION_SCRIPT, err->sys_errno,
			       "Unable to run the action script %s in the container: %s", path, why);
	}
	relay_output(proc.pid, out_r, note);
	r = ct_exec_wait(&proc, &status, err);
	if (r < 0)
		return r;
	return script_status(path, status, err);
}
