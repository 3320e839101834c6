/* vzctl console CTID [ttynum]: the user's terminal on the CT's /dev/console (or
 * /dev/ttyN), which the CT's monitor holds (core/runtime/console.c).  The backlog comes
 * first, then both ways until `Esc .` (core/base console_escape_scan) or the CT's end.
 * The terminal is in raw mode meanwhile and put back on every way out, signals
 * included.  No lock, as exec: attaching changes nothing of the CT. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "core/base/base.h"
#include "ctl/cli.h"
#include "ctl/vzctl.h"

#define RELAY_BUF 16384

static struct termios saved_tty;
static volatile sig_atomic_t tty_raw;

static void tty_restore(void)
{
	if (tty_raw) {
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tty);
		tty_raw = 0;
	}
}

/* A signal that ends vzctl leaves the terminal as it found it, then ends it as the
 * signal would have. */
static void on_fatal_signal(int sig)
{
	tty_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void tty_make_raw(void)
{
	static const int fatal[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT };
	struct sigaction sa = { .sa_handler = on_fatal_signal };
	struct termios raw;

	signal(SIGPIPE, SIG_IGN);
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty) < 0)
		return;
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
	raw = saved_tty;
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0)
		tty_raw = 1;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

enum relay_end { END_DETACH, END_CLOSED, END_INPUT, END_ERROR };

/* The user's input through the escape scanner to the console. */
static int relay_input(int sock, struct console_escape *esc, enum relay_end *end)
{
	char in[RELAY_BUF], out[RELAY_BUF + 1];
	bool detach;
	ssize_t n = read(STDIN_FILENO, in, sizeof(in));
	size_t len;

	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0) {
		*end = n == 0 ? END_INPUT : END_ERROR;
		return -1;
	}
	len = console_escape_scan(esc, in, (size_t)n, out, &detach);
	if (len && write_all(sock, out, len) < 0) {
		*end = END_CLOSED;
		return -1;
	}
	if (detach) {
		*end = END_DETACH;
		return -1;
	}
	return 0;
}

static int relay_output(int sock, enum relay_end *end)
{
	char buf[RELAY_BUF];
	ssize_t n = read(sock, buf, sizeof(buf));

	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0) {
		*end = END_CLOSED;
		return -1;
	}
	if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0) {
		*end = END_ERROR;
		return -1;
	}
	return 0;
}

static enum relay_end relay(int sock)
{
	struct console_escape esc;
	enum relay_end end = END_ERROR;

	console_escape_init(&esc);
	for (;;) {
		struct pollfd pf[2] = { { sock, POLLIN, 0 }, { STDIN_FILENO, POLLIN, 0 } };

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return END_ERROR;
		}
		/* The console's output first: the backlog before anything typed. */
		if (pf[0].revents && relay_output(sock, &end) < 0)
			return end;
		if (pf[1].revents && relay_input(sock, &esc, &end) < 0)
			return end;
	}
}

static int parse_tty(const char *s, unsigned *ret)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < 0 || n > CT_CONSOLE_TTYS_MAX)
		return cli_usage_error("vzctl console", "ttynum must be a number from 1 to %d "
				       "(0 or none: /dev/console), not '%s'", CT_CONSOLE_TTYS_MAX,
				       s);
	*ret = (unsigned)n;
	return 0;
}

int vzctl_console(struct vzctl_ctx *ctx, int argc, char **argv)
{
	_cleanup_close_ int sock = -1;
	enum relay_end end;
	unsigned tty = 0;
	vz_err err;
	int r;

	if (argc > 2)
		return cli_usage_error("vzctl console", "usage: vzctl console CTID [ttynum]");
	if (argc == 2 && (r = parse_tty(argv[1], &tty)) != 0)
		return r;
	if (ct_console_attach(&ctx->host, ctx->ctid_str, tty, &sock, &err) < 0)
		return cli_report(&err);
	fprintf(stderr, "Attached to CT %s%s%.0u (ESC . to detach)\n", ctx->ctid_str,
		tty ? " tty" : "", tty);
	tty_make_raw();
	end = relay(sock);
	tty_restore();
	switch (end) {
	case END_DETACH:
		fprintf(stderr, "\nDetached from CT %s\n", ctx->ctid_str);
		return 0;
	case END_INPUT:
		return 0;
	case END_CLOSED:
		fprintf(stderr, "\nThe console of CT %s was closed: the container stopped\n",
			ctx->ctid_str);
		return 0;
	default:
		fprintf(stderr, "\nError: the console of CT %s was lost: %s\n", ctx->ctid_str,
			strerror(errno));
		return VZ_E_SYSTEM;
	}
}
