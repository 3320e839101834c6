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
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "core/base/base.h"
#include "core/runtime/runtime.h"

#define LINE_MAX_SHOWN 1024
#define ACTION_TIMEOUT_SECS 300
#define DRAIN_MS 1000

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

/* Relays the script's output until the script has ended, and gives its status.  A
 * daemon the script left behind may hold the pipe open for good: the end of the
 * script, not the end of the pipe, ends the relay.  The script is the CT's to hang
 * (its /bin/sh is the CT's), and vzctl holds the CT's lock meanwhile: past
 * ACTION_TIMEOUT_SECS it is killed. */
static int relay_output(struct ct_exec_proc *proc, int out, const char *path,
			const vz_warn *note, int *status, vz_err *err)
{
	_cleanup_close_ int pidfd = pidfd_open(proc->pid, 0);
	struct line_buf l = { .note = note };
	struct timespec start;
	bool open_out = true;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while ((r = ct_exec_check(proc, status, err)) == 0) {
		struct pollfd p[2] = { { open_out ? out : -1, POLLIN, 0 }, { pidfd, POLLIN, 0 } };

		if (elapsed_ms(&start) >= ACTION_TIMEOUT_SECS * 1000L) {
			kill(-proc->pid, SIGKILL);
			kill(proc->pid, SIGKILL);
			while ((r = ct_exec_check(proc, status, err)) == 0)
				sleep_ms(10);
			line_flush(&l);
			return vz_fail(err, VZ_E_ACTION_SCRIPT, ETIMEDOUT, "Action script %s did not "
				       "finish within %d s inside the container; it was killed", path,
				       ACTION_TIMEOUT_SECS);
		}
		if (poll(p, 2, CT_EXEC_TICK_MS) > 0 && p[0].revents)
			open_out = drain(out, &l);
	}
	/* What the script left in the pipe, not what a daemon it started writes later. */
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (r > 0 && open_out && elapsed_ms(&start) < DRAIN_MS) {
		struct pollfd p = { out, POLLIN, 0 };

		if (poll(&p, 1, 0) <= 0)
			break;
		open_out = drain(out, &l);
	}
	line_flush(&l);
	return r < 0 ? r : 0;
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

static int no_pipe(const char *path, vz_err *err)
{
	return vz_fail(err, VZ_E_ACTION_SCRIPT, errno, "Unable to run the action script %s: %s",
		       path, strerror(errno));
}

int ct_run_inside_action(const struct vz_host *host, const char *ctid, const char *event,
			 const vz_warn *note, vz_err *err)
{
	_cleanup_free_ char *path = NULL, *script = NULL, *conf = NULL, *veid = NULL,
			    *conffile = NULL;
	_cleanup_close_ int in_r = -1, out_r = -1;
	int in[2], out[2], status = 0, r;
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
	/* Pipes both ways, nothing of the host's: its stdin ends at once. */
	if (pipe2(in, O_CLOEXEC) < 0)
		return no_pipe(path, err);
	in_r = in[0];
	close(in[1]);
	if (pipe2(out, O_CLOEXEC) < 0)
		return no_pipe(path, err);
	out_r = out[0];
	fcntl(out_r, F_SETFL, O_NONBLOCK);
	char *argv[] = { "/bin/sh", "-c", script, path, NULL };
	char *env[] = { veid, conffile, NULL };
	struct ct_exec_opts o = { .argv = argv, .fds = { in_r, out[1], out[1] }, .env = env };

	r = ct_exec_start(host, ctid, &o, &proc, err);
	close(out[1]);
	if (r < 0) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		return vz_fail(err, VZ_E_ACTION_SCRIPT, err->sys_errno,
			       "Unable to run the action script %s in the container: %s", path, why);
	}
	r = relay_output(&proc, out_r, path, note, &status, err);
	if (r < 0)
		return r;
	return script_status(path, status, err);
}
