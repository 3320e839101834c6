/* vzctl exec, exec2, runscript and enter: running something inside a running CT.
 *
 * No lock, as vzctl: they change nothing of the CT.  The command gets vzctl's own
 * stdin, stdout and stderr when they are pipes or files, so bytes pass unchanged and
 * unbuffered.  A terminal is never handed into the CT (a CT process could type into
 * the host's shell with TIOCSTI): such an fd is replaced by a pipe that vzctl relays,
 * and `enter` relays a pty of the CT's own devpts instead. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <termios.h>
#include <unistd.h>

#include "ctl/cli.h"
#include "ctl/vzctl.h"

#define RELAY_BUF 65536
#define CTRL_D 4

/* ------------------------------------------------------------ signals */

static volatile sig_atomic_t helper_pid;
static int winch_pipe[2] = { -1, -1 };

/* vzctl's own SIGTERM/SIGHUP go to the helper, which hands them to the command. */
static void forward_to_helper(int sig)
{
	if (helper_pid > 0)
		kill(helper_pid, sig);
}

static void note_winch(int sig)
{
	int e = errno;

	(void)sig;
	(void)!write(winch_pipe[1], "w", 1);
	errno = e;
}

/* Ctrl-C and Ctrl-\ reach the helper directly (same process group), which passes them
 * on: vzctl itself stays to report the command's status. */
static void setup_signals(void)
{
	struct sigaction fwd = { .sa_handler = forward_to_helper, .sa_flags = SA_RESTART };

	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGTERM, &fwd, NULL);
	sigaction(SIGHUP, &fwd, NULL);
}

/* ------------------------------------------------------------- relaying */

/* Bytes from one fd to another until end of file. */
struct pump {
	int from, to;
	bool input;   /* the user's input: at its end the command's side is closed */
	bool pty;     /* `to` is a pty master: its end is sent as ^D instead */
	bool done;
};

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void pump_finish(struct pump *p)
{
	p->done = true;
	if (!p->input)
		return;
	if (p->pty) {
		char eof = CTRL_D;

		(void)write_all(p->to, &eof, 1);
	} else {
		close(p->to);
		p->to = -1;
	}
}

/* Moves what is there; returns false at the end of the stream. */
static bool pump_step(struct pump *p)
{
	char buf[RELAY_BUF];
	ssize_t n;

	do
		n = read(p->from, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return true;
	/* A pty master reads EIO once no slave is left. */
	if (n <= 0 || write_all(p->to, buf, (size_t)n) < 0) {
		pump_finish(p);
		return false;
	}
	return true;
}

/* Whether there is an output and all of them have ended.  With the user's input
 * alone, only the helper's exit ends the relay. */
static bool outputs_done(const struct pump *p, size_t n)
{
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		if (!p[i].input && !p[i].done)
			return false;
		any |= !p[i].input;
	}
	return any;
}

/* After the command is gone, what it left in the pipes is still shown, but a process
 * it left behind holding them open does not keep vzctl waiting. */
static void drain(struct pump *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i].input || p[i].done)
			continue;
		fcntl(p[i].from, F_SETFL, fcntl(p[i].from, F_GETFL) | O_NONBLOCK);
		while (pump_step(&p[i])) {
			struct pollfd pf = { p[i].from, POLLIN, 0 };

			if (poll(&pf, 1, 0) <= 0)
				break;
		}
	}
}

static void pass_winsize(int master)
{
	struct winsize ws;
	char c;

	while (read(winch_pipe[0], &c, 1) > 0)
		;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

/* Runs the pumps until every output has ended or the helper (pidfd) is gone.  master:
 * the pty whose size follows the user's terminal, or -1. */
static void relay(struct pump *p, size_t n, int pidfd, int master)
{
	struct pollfd pf[8];
	size_t idx[8];

	while (!outputs_done(p, n)) {
		size_t k = 0;
		int r;

		for (size_t i = 0; i < n && k < 6; i++)
			if (!p[i].done) {
				pf[k] = (struct pollfd){ p[i].from, POLLIN, 0 };
				idx[k++] = i;
			}
		pf[k++] = (struct pollfd){ pidfd, POLLIN, 0 };
		if (master >= 0)
			pf[k++] = (struct pollfd){ winch_pipe[0], POLLIN, 0 };
		r = poll(pf, k, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (master >= 0 && pf[k - 1].revents)
			pass_winsize(master);
		for (size_t j = 0; j < k - 1 - (master >= 0); j++)
			if (pf[j].revents & (POLLIN | POLLHUP | POLLERR))
				pump_step(&p[idx[j]]);
		if (pf[k - 1 - (master >= 0)].revents) {
			drain(p, n);
			break;
		}
	}
}

/* ---------------------------------------------------------- running */

/* The helper's pidfd, for poll(): readable once it has exited. */
static int helper_pidfd(pid_t pid)
{
	return pidfd_open(pid, 0);
}

/* Every terminal among 0, 1, 2 becomes a pipe end for the command; the other end goes
 * into a pump. */
static int tty_pipes(int fds[3], struct pump *p, size_t *np)
{
	for (int i = 0; i < 3; i++) {
		int pp[2];

		fds[i] = i;
		if (!isatty(i))
			continue;
		if (pipe2(pp, O_CLOEXEC) < 0)
			return -errno;
		if (i == 0) {
			fds[i] = pp[0];
			p[(*np)++] = (struct pump){ .from = 0, .to = pp[1], .input = true };
		} else {
			fds[i] = pp[1];
			p[(*np)++] = (struct pump){ .from = pp[0], .to = i };
		}
	}
	return 0;
}

static void close_pumps(struct pump *p, size_t n, const int fds[3])
{
	for (size_t i = 0; i < n; i++) {
		if (p[i].from > 2)
			close(p[i].from);
		if (p[i].to > 2)
			close(p[i].to);
	}
	for (int i = 0; i < 3; i++)
		if (fds[i] > 2)
			close(fds[i]);
}

/* Runs argv in the CT; returns its status (0..255) or, negated, vzctl's exit code. */
static int run_in_ct(struct vzctl_ctx *ctx, char *const argv[])
{
	struct ct_exec_opts o = { .argv = argv, .term = getenv("TERM") };
	struct ct_exec_proc proc;
	struct pump p[3];
	size_t np = 0;
	int status = 0, pidfd, r;
	vz_err err;

	setup_signals();
	if (tty_pipes(o.fds, p, &np) < 0) {
		fprintf(stderr, "Error: cannot make a pipe: %s\n", strerror(errno));
		close_pumps(p, np, o.fds);
		return -VZ_E_SYSTEM;
	}
	r = ct_exec_start(&ctx->host, ctx->ctid_str, &o, &proc, &err);
	/* The command's ends of the pipes are its own now. */
	for (int i = 0; i < 3; i++)
		if (o.fds[i] > 2) {
			close(o.fds[i]);
			o.fds[i] = i;
		}
	if (r < 0) {
		close_pumps(p, np, o.fds);
		return -cli_report(&err);
	}
	helper_pid = proc.pid;
	if (np > 0) {
		pidfd = helper_pidfd(proc.pid);
		if (pidfd >= 0) {
			relay(p, np, pidfd, -1);
			close(pidfd);
		}
	}
	close_pumps(p, np, o.fds);
	if (ct_exec_wait(&proc, &status, &err) < 0)
		return -cli_report(&err);
	return status;
}

static int run_sh(struct vzctl_ctx *ctx, const char *script, const char *name)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, (char *)name, NULL };

	return run_in_ct(ctx, argv);
}

/* A script for sh -c: one argv string, so no NUL byte and below MAX_ARG_STRLEN. */
static int read_script(int fd, const char *what, char **ret)
{
	size_t len;
	int r = vz_read_fd(fd, ret, &len);

	if (r < 0) {
		fprintf(stderr, "Error: cannot read %s: %s\n", what, strerror(-r));
		return VZ_E_SYSTEM;
	}
	if (len > CT_SCRIPT_MAX || memchr(*ret, '\0', len)) {
		fprintf(stderr, "Error: %s is %s: a script must be text of at most %d bytes\n",
			what, len > CT_SCRIPT_MAX ? "too long" : "binary", CT_SCRIPT_MAX);
		free(*ret);
		*ret = NULL;
		return VZ_E_VALUE;
	}
	return 0;
}

/* exec and exec2: the words joined, or the script on stdin for "-". */
static int exec_common(struct vzctl_ctx *ctx, int argc, char **argv, bool own_status)
{
	_cleanup_free_ char *cmd = NULL;
	int r;

	if (argc < 2)
		return cli_usage_error("vzctl exec", "no command given: vzctl %s CTID command "
				       "[arg ...] (or - to read it from stdin)", argv[0]);
	if (argc == 2 && strcmp(argv[1], "-") == 0) {
		r = read_script(STDIN_FILENO, "the command on stdin", &cmd);
		if (r)
			return r;
	} else {
		cmd = ct_exec_join(argc - 1, argv + 1);
		if (!cmd) {
			fprintf(stderr, "Error: out of memory\n");
			return VZ_E_NOMEM;
		}
	}
	r = run_sh(ctx, cmd, NULL);
	if (r < 0)
		return -r;
	return own_status ? r : r ? VZ_E_EXEC : 0;
}

int vzctl_exec(struct vzctl_ctx *ctx, int argc, char **argv)
{
	return exec_common(ctx, argc, argv, false);
}

int vzctl_exec2(struct vzctl_ctx *ctx, int argc, char **argv)
{
	return exec_common(ctx, argc, argv, true);
}

/* The host file is read here and handed to the CT's sh as its command text: nothing is
 * written into the CT, and the script never needs a path there. */
int vzctl_runscript(struct vzctl_ctx *ctx, int argc, char **argv)
{
	_cleanup_free_ char *script = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if (argc != 2)
		return cli_usage_error("vzctl runscript", "usage: vzctl runscript CTID SCRIPT");
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "Error: cannot open the script %s: %s\n", argv[1], strerror(errno));
		return VZ_E_SYSTEM;
	}
	r = read_script(fd, argv[1], &script);
	if (r)
		return r;
	r = run_sh(ctx, script, argv[1]);
	return r < 0 ? -r : r;
}

/* ---------------------------------------------------------------- enter */

static bool raw_mode(struct termios *saved)
{
	struct termios raw;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, saved) < 0)
		return false;
	raw = *saved;
	cfmakeraw(&raw);
	return tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0;
}

static void watch_winch(void)
{
	struct sigaction sa = { .sa_handler = note_winch, .sa_flags = SA_RESTART };

	if (pipe2(winch_pipe, O_CLOEXEC | O_NONBLOCK) == 0)
		sigaction(SIGWINCH, &sa, NULL);
}

static void term_size(struct ct_exec_opts *o)
{
	struct winsize ws;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
		o->rows = ws.ws_row;
		o->cols = ws.ws_col;
	}
}

static int enter_relay(struct vzctl_ctx *ctx, struct ct_exec_proc *proc)
{
	struct pump p[2] = {
		{ .from = STDIN_FILENO, .to = proc->pty_master, .input = true, .pty = true },
		{ .from = proc->pty_master, .to = STDOUT_FILENO },
	};
	struct termios saved;
	bool raw;
	int status = 0, pidfd;
	vz_err err;

	helper_pid = proc->pid;
	cli_info("entered into CT %s", ctx->ctid_str);
	raw = raw_mode(&saved);
	pidfd = helper_pidfd(proc->pid);
	if (pidfd >= 0) {
		relay(p, 2, pidfd, winch_pipe[0] >= 0 ? proc->pty_master : -1);
		close(pidfd);
	}
	close(proc->pty_master);
	if (raw)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
	if (ct_exec_wait(proc, &status, &err) < 0)
		return cli_report(&err);
	cli_info("exited from CT %s", ctx->ctid_str);
	/* As vzctl: the shell's own status is not enter's. */
	return 0;
}

/* --exec: the command typed into the shell as its first line, as vzctl does; the shell
 * stays for the user afterwards.  The pty queues it until the shell reads. */
static void type_command(int master, const char *cmd)
{
	size_t len = strlen(cmd), off = 0;

	while (off < len) {
		ssize_t n = write(master, cmd + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		off += (size_t)n;
	}
	(void)!write(master, "\n", 1);
}

int vzctl_enter(struct vzctl_ctx *ctx, int argc, char **argv)
{
	_cleanup_free_ char *cmd = NULL;
	struct ct_exec_opts o = { .term = getenv("TERM"), .pty = true };
	struct ct_exec_proc proc;
	vz_err err;

	if (argc >= 2 && strcmp(argv[1], "--exec") == 0) {
		if (argc < 3)
			return cli_usage_error("vzctl enter", "--exec needs a command");
		cmd = ct_exec_join(argc - 2, argv + 2);
		if (!cmd) {
			fprintf(stderr, "Error: out of memory\n");
			return VZ_E_NOMEM;
		}
		if (strchr(cmd, '\n'))
			return cli_usage_error("vzctl enter", "--exec takes one line of commands");
	} else if (argc > 1) {
		return cli_usage_error("vzctl enter", "unexpected argument '%s'", argv[1]);
	}
	setup_signals();
	watch_winch();
	term_size(&o);
	if (ct_exec_start(&ctx->host, ctx->ctid_str, &o, &proc, &err) < 0)
		return cli_report(&err);
	if (cmd)
		type_command(proc.pty_master, cmd);
	return enter_relay(ctx, &proc);
}
