/* vzctl exec, exec2, runscript and enter: running something inside a running CT.
 *
 * No lock, as vzctl: they change nothing of the CT.  The command never gets vzctl's own
 * stdin, stdout or stderr: a host file handed over would be the CT's to reopen through
 * /proc/self/fd for writing or to chmod, a terminal the CT's to type into (TIOCSTI).
 * Each stream is a pipe that vzctl pumps to or from its own fd, as OpenVZ's vzctl did:
 * the end of vzctl's input closes the command's stdin, and the command's exit status
 * is vzctl's.  `enter` relays a pty of the CT's own devpts instead.  Once the command
 * has ended, what is left in its pipes is shown, but a process it left behind holding
 * them open does not keep vzctl waiting. */
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
#include <time.h>
#include <unistd.h>

#include "core/base/base.h"
#include "ctl/cli.h"
#include "ctl/vzctl.h"

#define RELAY_BUF 65536
#define CTRL_D 4
#define DRAIN_MS 1000

/* ------------------------------------------------------------ signals */

static volatile sig_atomic_t command_pid;
static int winch_pipe[2] = { -1, -1 };

/* vzctl's Ctrl-C, Ctrl-\, SIGTERM and SIGHUP go to the command's process group (it
 * leads a session of its own in the CT): a `sh -c` that forked its command must not
 * leave that command running.  vzctl itself stays to report the command's status. */
static void forward_to_command(int sig)
{
	if (command_pid > 0)
		kill(-command_pid, sig);
}

static void note_winch(int sig)
{
	int e = errno;

	(void)sig;
	(void)!write(winch_pipe[1], "w", 1);
	errno = e;
}

static void setup_signals(void)
{
	static const int forwarded[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };
	struct sigaction fwd = { .sa_handler = forward_to_command, .sa_flags = SA_RESTART };

	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaction(forwarded[i], &fwd, NULL);
}

/* ------------------------------------------------------------- relaying */

/* Bytes from one fd to another until end of file, through a buffer: the command's side
 * is non-blocking, so that a command that reads no input never stalls its output. */
struct pump {
	int from, to;
	bool input;   /* the user's input: at its end the command's side is closed */
	bool pty;     /* `to` is a pty master: its end is sent as ^D instead */
	bool eof;     /* `from` has ended; what is buffered still goes out */
	bool done;
	size_t off, len;
	char buf[RELAY_BUF];
};

static void pump_finish(struct pump *p)
{
	p->done = true;
	p->len = 0;
	if (!p->input)
		return;
	if (p->pty) {
		char eof = CTRL_D;

		(void)!write(p->to, &eof, 1);
	} else {
		close(p->to);
		p->to = -1;
	}
}

/* Reads what is there into the empty buffer. */
static void pump_in(struct pump *p)
{
	ssize_t n;

	do
		n = read(p->from, p->buf, sizeof(p->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return;
	/* A pty master reads EIO once no slave is left. */
	if (n <= 0) {
		p->eof = true;
		pump_finish(p);
		return;
	}
	p->off = 0;
	p->len = (size_t)n;
}

/* Writes what the buffer holds, as much as `to` takes now.  A user's output that is
 * gone (a closed pipe) closes the command's side, which then gets EPIPE as it would. */
static void pump_out(struct pump *p)
{
	while (p->len > 0) {
		ssize_t n = write(p->to, p->buf + p->off, p->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			if (!p->input) {
				close(p->from);
				p->from = -1;
			}
			pump_finish(p);
			return;
		}
		p->off += (size_t)n;
		p->len -= (size_t)n;
	}
	if (p->eof)
		pump_finish(p);
}

/* What the pump waits for: its input while the buffer is empty, else its output. */
static struct pollfd pump_poll(const struct pump *p)
{
	if (p->len > 0)
		return (struct pollfd){ p->to, POLLOUT, 0 };
	return (struct pollfd){ p->from, POLLIN, 0 };
}

static void pump_step(struct pump *p, short revents)
{
	if (!revents)
		return;
	if (p->len == 0)
		pump_in(p);
	if (!p->done)
		pump_out(p);
}

/* After the command's end: what its outputs hold now is shown, without waiting for
 * more (a process it left behind may keep them open for good, or keep writing: then
 * DRAIN_MS is all it gets). */
static void drain(struct pump *p, size_t n)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (size_t i = 0; i < n; i++) {
		if (p[i].input || p[i].done)
			continue;
		while (!p[i].done && elapsed_ms(&start) < DRAIN_MS) {
			struct pollfd pf = { p[i].from, POLLIN, 0 };

			if (p[i].len == 0 && poll(&pf, 1, 0) <= 0)
				break;
			pump_step(&p[i], POLLIN);
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

/* Runs the pumps until the command has ended (its pidfd), then drains its outputs;
 * its status goes to *status.  master: the pty whose size follows the user's
 * terminal, or -1.  Returns 0, or the error of a command stopped too long. */
static int relay(struct pump *p, size_t n, struct ct_exec_proc *proc, int master, int *status,
		 vz_err *err)
{
	_cleanup_close_ int pidfd = pidfd_open(proc->pid, 0);
	struct pollfd pf[8];
	size_t idx[8];
	int r;

	while ((r = ct_exec_check(proc, status, err)) == 0) {
		size_t k = 0;

		for (size_t i = 0; i < n; i++)
			if (!p[i].done) {
				pf[k] = pump_poll(&p[i]);
				idx[k++] = i;
			}
		pf[k++] = (struct pollfd){ pidfd, POLLIN, 0 };
		if (master >= 0)
			pf[k++] = (struct pollfd){ winch_pipe[0], POLLIN, 0 };
		if (poll(pf, k, CT_EXEC_TICK_MS) <= 0)
			continue;
		if (master >= 0 && pf[k - 1].revents)
			pass_winsize(master);
		for (size_t j = 0; j < k - 1 - (master >= 0); j++)
			pump_step(&p[idx[j]], pf[j].revents);
	}
	/* Reaped: its pid, and so its group's, may be another's from now on. */
	command_pid = 0;
	if (r > 0)
		drain(p, n);
	return r < 0 ? r : 0;
}

/* ---------------------------------------------------------- running */

/* 0..2 open, so that the pipes made for the command never take their numbers. */
static void stdio_open(void)
{
	for (int i = 0; i < 3; i++)
		if (fcntl(i, F_GETFD) < 0) {
			int fd = open("/dev/null", O_RDWR);

			if (fd >= 0 && fd != i) {
				dup2(fd, i);
				close(fd);
			}
		}
}

/* Each of 0, 1, 2 becomes a pipe for the command; vzctl's end goes into a pump, made
 * non-blocking (it is vzctl's own; the user's fds stay as they are). */
static int stream_pipes(int fds[3], struct pump *p, size_t *np)
{
	for (int i = 0; i < 3; i++) {
		int pp[2];

		fds[i] = -1;
		if (pipe2(pp, O_CLOEXEC) < 0)
			return -errno;
		if (i == 0) {
			fds[i] = pp[0];
			p[(*np)++] = (struct pump){ .from = 0, .to = pp[1], .input = true };
			fcntl(pp[1], F_SETFL, O_NONBLOCK);
		} else {
			fds[i] = pp[1];
			p[(*np)++] = (struct pump){ .from = pp[0], .to = i };
			fcntl(pp[0], F_SETFL, O_NONBLOCK);
		}
	}
	return 0;
}

static void close_pumps(struct pump *p, size_t n, int fds[3])
{
	for (size_t i = 0; i < n; i++) {
		if (p[i].from > 2)
			close(p[i].from);
		if (p[i].to > 2)
			close(p[i].to);
	}
	for (int i = 0; i < 3; i++)
		if (fds[i] > 2) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* Runs argv in the CT; returns its status (0..255) or, negated, vzctl's exit code. */
static int run_in_ct(struct vzctl_ctx *ctx, char *const argv[])
{
	struct ct_exec_opts o = { .argv = argv, .term = getenv("TERM") };
	struct ct_exec_proc proc;
	static struct pump p[3];
	size_t np = 0;
	int status = 0, r;
	vz_err err;

	setup_signals();
	stdio_open();
	if (stream_pipes(o.fds, p, &np) < 0) {
		fprintf(stderr, "Error: cannot make a pipe: %s\n", strerror(errno));
		close_pumps(p, np, o.fds);
		return -VZ_E_SYSTEM;
	}
	r = ct_exec_start(&ctx->host, ctx->ctid_str, &o, &proc, &err);
	/* The command's ends of the pipes are its own now. */
	for (int i = 0; i < 3; i++) {
		close(o.fds[i]);
		o.fds[i] = -1;
	}
	if (r == 0) {
		command_pid = proc.pid;
		r = relay(p, np, &proc, -1, &status, &err);
		command_pid = 0;
	}
	close_pumps(p, np, o.fds);
	return r < 0 ? -cli_report(&err) : status;
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
	static struct pump p[2];
	struct termios saved;
	bool raw;
	int status = 0, r;
	vz_err err;

	p[0] = (struct pump){ .from = STDIN_FILENO, .to = proc->pty_master, .input = true,
			      .pty = true };
	p[1] = (struct pump){ .from = proc->pty_master, .to = STDOUT_FILENO };
	fcntl(proc->pty_master, F_SETFL, O_NONBLOCK);
	command_pid = proc->pid;
	cli_info("entered into CT %s", ctx->ctid_str);
	raw = raw_mode(&saved);
	r = relay(p, 2, proc, winch_pipe[0] >= 0 ? proc->pty_master : -1, &status, &err);
	command_pid = 0;
	close(proc->pty_master);
	if (raw)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
	if (r < 0)
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
