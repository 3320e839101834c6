/* A CT's console (core/runtime/start.h, runtime.h): /dev/console and /dev/tty1..N of the
 * CT are ptys of its own devpts whose masters its monitor holds.
 *
 *   init      makes each pty in the CT's devpts, binds its slave onto dev/console or
 *             dev/ttyN and sends the master over a socket to the monitor (init.c)
 *   monitor   keeps each tty's last CT_CONSOLE_RING bytes, writes the console's to
 *             $RUNDIR/console/<ctid>.log and serves $RUNDIR/console/<ctid>.sock, where
 *             one `vzctl console` at a time attaches to one tty
 *   vzctl     ct_console_attach: connects, gets the backlog, then the live output
 *
 * The CT writes what it likes, as fast as it likes, and may hang its ttys up: the
 * monitor never blocks on it, on the log or on the attached client.  Every fd is
 * non-blocking; what the client cannot take stays in the ring, and a client slower than
 * the ring loses the oldest bytes.  The monitor keeps an fd of each slave open, so that
 * a master does not read end of file each time the CT closes its last one.
 *
 * After a reboot inside the CT the next monitor is a fork of this one (monitor.c):
 * the rings, the log, the socket and an attached client go on to it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/base/base.h"
#include "core/runtime/start.h"

#define CONSOLE_MAGIC 0x767a636fU   /* "vzco" */
#define CONSOLE_LOG_MAX (2L << 20)  /* then the log moves to <ctid>.log.1 */
#define CONSOLE_RECV_MS 60000       /* for init to hand its ptys over */
#define CONSOLE_REQ_MS 5000         /* for a client to say which tty it wants */
#define CONSOLE_HUP_MS 250          /* a hung-up tty is looked at again after this */
#define CONSOLE_READ 16384

/* What a client sends once connected, and what it gets back before the bytes. */
struct console_req {
	uint32_t magic;
	uint32_t tty;
};
struct console_reply {
	int32_t err;   /* 0, or an errno: EBUSY, ENOENT (no such tty), EACCES */
	uint32_t ttys; /* how many ttys the CT has besides its console */
};

struct console_tty {
	struct byte_ring ring; /* lasts across a reboot */
	int master, peer;      /* this boot's; -1 when none */
	struct timespec quiet; /* hung up: not polled before this */
};

struct ct_console {
	char ctid[16];
	unsigned ttys;    /* this boot's, besides the console */
	struct console_tty tty[CT_CONSOLE_TTYS_MAX + 1];
	int dir;          /* $RUNDIR/console */
	int log;
	long log_size;
	int listen;
	dev_t sock_dev;   /* the socket file this monitor bound */
	ino_t sock_ino;
	char *sock_path;
	int pending;      /* connected, its request not read yet */
	struct timespec pending_since;
	int client;       /* attached */
	unsigned client_tty;
	uint64_t cursor;  /* its place in the tty's ring */
	char in[4096];    /* its input not yet taken by the tty */
	size_t in_off, in_len;
	/* What each pollfd of the last console_poll_fill stands for. */
	int role[2 * (CT_CONSOLE_TTYS_MAX + 1) + 3];
};

enum { ROLE_LISTEN = -1, ROLE_PENDING = -2, ROLE_CLIENT = -3, ROLE_MASTER = 0 };

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ------------------------------------------------------------------ paths */

char *ct_console_path(const struct vz_host *host, const char *ctid, const char *suffix)
{
	char *p;

	if (asprintf(&p, "%s/" CT_CONSOLE_DIR "%s%s%s", host->rundir, ctid ? "/" : "",
		     ctid ? ctid : "", suffix ? suffix : "") < 0)
		return NULL;
	return p;
}

/* $RUNDIR/console: root's alone (0700), since what a CT printed may be private and the
 * socket types into the CT as root.  A symlink or a directory of anyone else's is
 * refused. */
static int console_dir_open(const char *path)
{
	_cleanup_free_ char *parent = strdup(path);
	char *slash = parent ? strrchr(parent, '/') : NULL;
	struct stat st;
	int fd;

	/* RUNDIR itself, at the first start on this host, as the run state makes it. */
	if (slash && slash != parent) {
		*slash = '\0';
		mkdir(parent, 0755);
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() ||
	    ((st.st_mode & 077) && fchmod(fd, 0700) < 0)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* ----------------------------------------------------------------- the log */

static int log_open(struct ct_console *con)
{
	char name[32];
	struct stat st;

	snprintf(name, sizeof(name), "%s.log", con->ctid);
	con->log = openat(con->dir, name, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK |
			  O_CLOEXEC, 0600);
	if (con->log < 0)
		return -errno;
	if (fstat(con->log, &st) < 0 || !S_ISREG(st.st_mode)) {
		close_fd(&con->log);
		return -EINVAL;
	}
	con->log_size = st.st_size;
	return 0;
}

/* The log so far becomes <ctid>.log.1 and a new one starts: at each fresh start, and
 * when it reaches CONSOLE_LOG_MAX. */
static void log_rotate(struct ct_console *con)
{
	char name[32], old[32];

	close_fd(&con->log);
	snprintf(name, sizeof(name), "%s.log", con->ctid);
	snprintf(old, sizeof(old), "%s.log.1", con->ctid);
	renameat(con->dir, name, con->dir, old);
	log_open(con);
}

/* A full disk or a slow one never holds the monitor up: what cannot be written is
 * dropped (the ring still has it). */
static void log_write(struct ct_console *con, const char *buf, size_t len)
{
	ssize_t n;

	if (con->log >= 0 && con->log_size + (long)len > CONSOLE_LOG_MAX)
		log_rotate(con);
	if (con->log < 0)
		return;
	n = write(con->log, buf, len);
	if (n > 0)
		con->log_size += n;
}

/* --------------------------------------------------------------- the socket */

static int listen_open(struct ct_console *con, const char *dir_path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char name[32];
	struct stat st;
	mode_t old;
	int r;

	snprintf(name, sizeof(name), "%s.sock", con->ctid);
	if (asprintf(&con->sock_path, "%s/%s", dir_path, name) < 0) {
		con->sock_path = NULL;
		return -ENOMEM;
	}
	if (strlen(con->sock_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, con->sock_path, strlen(con->sock_path) + 1);
	con->listen = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (con->listen < 0)
		return -errno;
	/* A socket left by a monitor that died: the CT is being started under its lock, so
	 * nobody else serves it. */
	unlinkat(con->dir, name, 0);
	old = umask(0177); /* a socket is made 0777 less the umask: 0600 */
	r = bind(con->listen, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(con->listen, 4) < 0 || fstatat(con->dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		r = -errno;
		close_fd(&con->listen);
		return r;
	}
	con->sock_dev = st.st_dev;
	con->sock_ino = st.st_ino;
	return 0;
}

/* ------------------------------------------------------------- life cycle */

struct ct_console *console_new(const char *ctid, const char *dir_path)
{
	struct ct_console *con = calloc(1, sizeof(*con));

	if (!con)
		return NULL;
	snprintf(con->ctid, sizeof(con->ctid), "%s", ctid);
	con->dir = con->log = con->listen = con->pending = con->client = -1;
	for (unsigned i = 0; i <= CT_CONSOLE_TTYS_MAX; i++)
		con->tty[i].master = con->tty[i].peer = -1;
	if (!dir_path)
		return con;
	/* Without its directory the CT still runs: its console then goes nowhere. */
	con->dir = console_dir_open(dir_path);
	if (con->dir < 0)
		return con;
	log_rotate(con);
	listen_open(con, dir_path);
	return con;
}

/* The tty's master as the monitor holds it: non-blocking, with the monitor's own fd of
 * the slave (got from the master, no path looked up in the CT). */
static void tty_take(struct console_tty *t, int master)
{
	t->master = master;
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	t->peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	t->quiet = (struct timespec){ 0, 0 };
	if (!t->ring.buf && byte_ring_init(&t->ring, CT_CONSOLE_RING) < 0)
		close_fd(&t->master);
}

void console_receive(struct ct_console *con, int sock, unsigned ttys)
{
	struct timespec start;

	con->ttys = ttys;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { sock, POLLIN, 0 };
		long left = CONSOLE_RECV_MS - elapsed_ms(&start);
		unsigned char idx;
		int fd = -1;
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return;
		n = vz_recv_fd(sock, &idx, 1, &fd);
		if (n <= 0)
			return;
		if (n != 1 || fd < 0 || idx > ttys || con->tty[idx].master >= 0) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		tty_take(&con->tty[idx], fd);
	}
}

void console_keep_fds(const struct ct_console *con, int *fds, size_t *n)
{
	const int one[] = { con->dir, con->log, con->listen, con->pending, con->client };

	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++)
		if (one[i] >= 0)
			fds[(*n)++] = one[i];
	for (unsigned i = 0; i <= CT_CONSOLE_TTYS_MAX; i++) {
		if (con->tty[i].master >= 0)
			fds[(*n)++] = con->tty[i].master;
		if (con->tty[i].peer >= 0)
			fds[(*n)++] = con->tty[i].peer;
	}
}

void console_end_boot(struct ct_console *con)
{
	for (unsigned i = 0; i <= CT_CONSOLE_TTYS_MAX; i++) {
		close_fd(&con->tty[i].master);
		close_fd(&con->tty[i].peer);
	}
	close_fd(&con->pending);
}

void console_free(struct ct_console *con)
{
	struct stat st;

	if (!con)
		return;
	console_end_boot(con);
	/* Only the socket this monitor bound: a later start may have bound its own. */
	if (con->listen >= 0 && con->sock_path && lstat(con->sock_path, &st) == 0 &&
	    st.st_dev == con->sock_dev && st.st_ino == con->sock_ino)
		unlink(con->sock_path);
	close_fd(&con->listen);
	close_fd(&con->client);
	close_fd(&con->log);
	close_fd(&con->dir);
	for (unsigned i = 0; i <= CT_CONSOLE_TTYS_MAX; i++)
		byte_ring_free(&con->tty[i].ring);
	free(con->sock_path);
	free(con);
}

/* ---------------------------------------------------------- the client */

static void client_drop(struct ct_console *con)
{
	close_fd(&con->client);
	con->in_off = con->in_len = 0;
}

/* Whether the attached client still has a tty of this boot to follow. */
static bool client_tty_ok(const struct ct_console *con)
{
	return con->client_tty <= con->ttys && con->tty[con->client_tty].ring.buf;
}

static void reply(int fd, int err, unsigned ttys)
{
	struct console_reply rep = { err, ttys };

	/* A fresh socket's buffer takes these bytes at once. */
	(void)!send(fd, &rep, sizeof(rep), MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Only root on the host: the console types into the CT as its root. */
static bool peer_is_root(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == 0;
}

static void accept_one(struct ct_console *con)
{
	int fd = accept4(con->listen, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (!peer_is_root(fd)) {
		reply(fd, EACCES, 0);
		close(fd);
		return;
	}
	/* One connection waits for its request at a time; a newer one takes its place. */
	close_fd(&con->pending);
	con->pending = fd;
	clock_gettime(CLOCK_MONOTONIC, &con->pending_since);
}

/* A second client is refused, as lxc-console refuses a tty in use: taking it over would
 * let anyone who runs vzctl console cut another admin's session off mid-command. */
static void read_request(struct ct_console *con)
{
	struct console_req req;
	ssize_t n = recv(con->pending, &req, sizeof(req), MSG_DONTWAIT);
	int err = 0;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n != sizeof(req) || req.magic != CONSOLE_MAGIC)
		err = EPROTO;
	else if (req.tty > con->ttys || con->tty[req.tty].master < 0)
		err = ENOENT;
	else if (con->client >= 0)
		err = EBUSY;
	reply(con->pending, err, con->ttys);
	if (err) {
		close_fd(&con->pending);
		return;
	}
	con->client = con->pending;
	con->pending = -1;
	con->client_tty = req.tty;
	con->cursor = byte_ring_start(&con->tty[req.tty].ring);
	con->in_off = con->in_len = 0;
}

/* What the ring holds for the client, as much as its socket takes now. */
static void client_flush(struct ct_console *con)
{
	const struct byte_ring *r = &con->tty[con->client_tty].ring;
	const char *p;
	size_t len;

	while (con->client >= 0 && (len = byte_ring_peek(r, &con->cursor, &p)) > 0) {
		ssize_t n = send(con->client, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			client_drop(con);
			return;
		}
		con->cursor += (uint64_t)n;
	}
}

/* The client's input goes to its tty; while the CT does not read it, the client's
 * socket is not read either (its own writes then wait, not the monitor). */
static void client_input(struct ct_console *con)
{
	ssize_t n;

	if (con->in_off == con->in_len) {
		n = recv(con->client, con->in, sizeof(con->in), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			client_drop(con);
			return;
		}
		con->in_off = 0;
		con->in_len = (size_t)n;
	}
	n = write(con->tty[con->client_tty].master, con->in + con->in_off,
		  con->in_len - con->in_off);
	if (n > 0)
		con->in_off += (size_t)n;
}

/* ------------------------------------------------------------ the ttys */

static bool quiet_now(const struct console_tty *t)
{
	struct timespec now;

	if (!t->quiet.tv_sec && !t->quiet.tv_nsec)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec < t->quiet.tv_sec ||
	       (now.tv_sec == t->quiet.tv_sec && now.tv_nsec < t->quiet.tv_nsec);
}

/* Hung up (vhangup, or every slave closed despite ours): a new fd of the slave makes
 * the master readable again; until then it reads EIO and polls POLLHUP without end, so
 * it rests for CONSOLE_HUP_MS. */
static void tty_hung(struct console_tty *t)
{
	close_fd(&t->peer);
	t->peer = ioctl(t->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	clock_gettime(CLOCK_MONOTONIC, &t->quiet);
	t->quiet.tv_nsec += CONSOLE_HUP_MS * 1000000L;
	if (t->quiet.tv_nsec >= 1000000000L) {
		t->quiet.tv_sec++;
		t->quiet.tv_nsec -= 1000000000L;
	}
}

/* One read of what the CT wrote: into the ring, the console's into the log too.  False
 * when there was nothing. */
static bool tty_read(struct ct_console *con, unsigned i)
{
	struct console_tty *t = &con->tty[i];
	char buf[CONSOLE_READ];
	ssize_t n = read(t->master, buf, sizeof(buf));

	if (n < 0 && errno == EIO) {
		tty_hung(t);
		return false;
	}
	if (n <= 0)
		return false;
	t->quiet = (struct timespec){ 0, 0 };
	byte_ring_write(&t->ring, buf, (size_t)n);
	if (i == 0)
		log_write(con, buf, (size_t)n);
	return true;
}

void console_drain(struct ct_console *con)
{
	for (unsigned i = 0; i <= con->ttys; i++)
		for (int k = 0; k < 64 && con->tty[i].master >= 0 && tty_read(con, i); k++)
			;
	if (con->client >= 0)
		client_flush(con);
}

/* ------------------------------------------------------------------ poll */

size_t console_poll_fill(struct ct_console *con, struct pollfd *pf)
{
	size_t n = 0;

	if (con->client >= 0 && !client_tty_ok(con))
		client_drop(con);
	for (unsigned i = 0; i <= con->ttys; i++) {
		struct console_tty *t = &con->tty[i];
		short ev = POLLIN;

		if (t->master < 0 || quiet_now(t))
			continue;
		if (con->client >= 0 && con->client_tty == i && con->in_off < con->in_len)
			ev |= POLLOUT;
		pf[n] = (struct pollfd){ t->master, ev, 0 };
		con->role[n++] = ROLE_MASTER + (int)i;
	}
	if (con->listen >= 0) {
		pf[n] = (struct pollfd){ con->listen, POLLIN, 0 };
		con->role[n++] = ROLE_LISTEN;
	}
	if (con->pending >= 0) {
		pf[n] = (struct pollfd){ con->pending, POLLIN, 0 };
		con->role[n++] = ROLE_PENDING;
	}
	if (con->client >= 0) {
		const struct byte_ring *r = &con->tty[con->client_tty].ring;
		short ev = con->in_off < con->in_len ? 0 : POLLIN;

		if (con->cursor < r->end)
			ev |= POLLOUT;
		pf[n] = (struct pollfd){ con->client, ev, 0 };
		con->role[n++] = ROLE_CLIENT;
	}
	return n;
}

long console_timeout_ms(const struct ct_console *con)
{
	long t = -1;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (con->pending >= 0) {
		long left = CONSOLE_REQ_MS - elapsed_ms(&con->pending_since);

		t = left > 0 ? left : 0;
	}
	for (unsigned i = 0; i <= con->ttys; i++) {
		const struct console_tty *t2 = &con->tty[i];
		long left;

		if (t2->master < 0 || (!t2->quiet.tv_sec && !t2->quiet.tv_nsec))
			continue;
		left = (t2->quiet.tv_sec - now.tv_sec) * 1000 +
		       (t2->quiet.tv_nsec - now.tv_nsec) / 1000000 + 1;
		if (left < 0)
			left = 0;
		if (t < 0 || left < t)
			t = left;
	}
	return t;
}

void console_poll_handle(struct ct_console *con, const struct pollfd *pf, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		int role = con->role[k];
		short re = pf[k].revents;

		if (!re)
			continue;
		if (role >= ROLE_MASTER) {
			struct console_tty *t = &con->tty[role];

			if (re & POLLIN)
				tty_read(con, (unsigned)role);
			else if (re & (POLLHUP | POLLERR))
				tty_hung(t);
			if ((re & POLLOUT) && con->client >= 0 && con->client_tty == (unsigned)role)
				client_input(con);
		} else if (role == ROLE_LISTEN) {
			accept_one(con);
		} else if (role == ROLE_PENDING && con->pending >= 0) {
			read_request(con);
		} else if (role == ROLE_CLIENT && con->client >= 0) {
			if (re & POLLIN)
				client_input(con);
			else if (re & (POLLHUP | POLLERR))
				client_drop(con); /* gone with input the CT did not take */
		}
	}
	if (con->pending >= 0 && elapsed_ms(&con->pending_since) >= CONSOLE_REQ_MS)
		close_fd(&con->pending);
	if (con->client >= 0)
		client_flush(con);
}

/* ------------------------------------------------------ vzctl's side */

static int attach_fail(int code, int e, const char *ctid, const char *what, vz_err *err)
{
	return vz_fail(err, code, e, "Unable to attach to the console of CT %s: %s", ctid, what);
}

static int attach_answer(int fd, const char *ctid, unsigned tty, vz_err *err)
{
	struct console_reply rep;
	struct pollfd p = { fd, POLLIN, 0 };
	char what[160];
	ssize_t n;

	if (poll(&p, 1, CONSOLE_REQ_MS) <= 0)
		return attach_fail(VZ_E_SYSTEM, ETIMEDOUT, ctid, "its monitor does not answer", err);
	n = recv(fd, &rep, sizeof(rep), MSG_WAITALL);
	if (n != sizeof(rep))
		return attach_fail(VZ_E_SYSTEM, EPROTO, ctid, "its monitor closed the connection",
				   err);
	switch (rep.err) {
	case 0:
		return 0;
	case EBUSY:
		return attach_fail(VZ_E_LOCKED, EBUSY, ctid, "another vzctl console is attached to "
				   "it; detach that one first (Esc .)", err);
	case ENOENT:
		if (rep.ttys)
			snprintf(what, sizeof(what), "it has no tty%u (its ttys are 1..%u, "
				 "CONSOLE_TTYS in its config)", tty, rep.ttys);
		else
			snprintf(what, sizeof(what), "it has no tty%u (it has only its console: set "
				 "CONSOLE_TTYS in its config and restart it)", tty);
		return attach_fail(VZ_E_VALUE, ENOENT, ctid, what, err);
	case EACCES:
		return attach_fail(VZ_E_PERM, EACCES, ctid, "only root may attach", err);
	default:
		return attach_fail(VZ_E_SYSTEM, rep.err, ctid, strerror(rep.err), err);
	}
}

int ct_console_attach(const struct vz_host *host, const char *ctid, unsigned tty, int *ret,
		      vz_err *err)
{
	_cleanup_free_ char *path = ct_console_path(host, ctid, ".sock");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct console_req req = { CONSOLE_MAGIC, tty };
	_cleanup_close_ int fd = -1;
	pid_t init;
	int r;

	if (ct_init_pid(host, ctid, &init, NULL) < 0)
		return vz_fail(err, VZ_E_NOT_RUNNING, ESRCH, "Container is not running");
	if (!path)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	if (strlen(path) >= sizeof(sa.sun_path))
		return attach_fail(VZ_E_SYSTEM, ENAMETOOLONG, ctid, "the path of its socket is "
				   "too long; choose a shorter RUNDIR in vz.conf", err);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return attach_fail(VZ_E_RESOURCE, errno, ctid, strerror(errno), err);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			return vz_fail(err, VZ_E_SYSTEM, errno, "Container %s runs without a monitor "
				       "holding its console (it was restored by CRIU, or started by "
				       "an older vzctl): it has no console to attach to until it is "
				       "restarted", ctid);
		if (errno == EACCES)
			return attach_fail(VZ_E_PERM, EACCES, ctid, "only root may attach", err);
		return attach_fail(VZ_E_SYSTEM, errno, ctid, strerror(errno), err);
	}
	if (send(fd, &req, sizeof(req), MSG_NOSIGNAL) != sizeof(req))
		return attach_fail(VZ_E_SYSTEM, errno, ctid, strerror(errno), err);
	r = attach_answer(fd, ctid, tty, err);
	if (r < 0)
		return r;
	*ret = fd;
	fd = -1;
	return 0;
}
