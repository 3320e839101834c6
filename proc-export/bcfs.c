/* bcfs: the counters export served live through FUSE (proc-export/export.h "bcfs").
 *
 * As LXCFS serves /proc files, each file is rendered from the core's counters when it
 * is opened, into a buffer of that open (fi->fh); reads at any offset are served from
 * it and release frees it.  So every reader sees one consistent snapshot however it
 * splits its reads, and two readers never share state.  Files are opened direct_io:
 * the size getattr reports (0, as procfs reports) is not what a reader gets, and the
 * kernel must not cache pages of a file that changes at every open.
 *
 * Nothing here keeps counter state: maxheld lives in the core's <RUNDIR>/<ctid>.bcstate
 * (under flock, taken per open file, so concurrent worker threads serialize on it) and
 * failcnt in the kernel, so a restarted daemon serves what the one before it served. */
#define FUSE_USE_VERSION 312

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse3/fuse.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "core/base/base.h"
#include "proc-export/export.h"

const char *bcfs_dir(const struct vz_host *host)
{
	return ct_view_dir(host);
}

/* --------------------------------------------------------- live sources */

struct host_helper;

struct bcfs_ctx {
	const struct vz_host *host;
	struct bc_cache *cache;     /* what the tables keep between reads */
	struct host_helper *helper; /* NULL until the loop serves */
};

static struct bcfs_ctx *ctx_get(void)
{
	return fuse_get_context()->private_data;
}

static const struct vz_host *ctx_host(void)
{
	return ctx_get()->host;
}

/* The CTs with a config (<id>.conf in VE_CONFDIR), by id; running_only keeps those
 * whose init lives.  *ret is malloc'd. */
static int list_ids(const struct vz_host *host, bool running_only, unsigned long **ret, size_t *count)
{
	unsigned long *v = NULL;
	size_t n = 0, kept = 0;
	int r = vz_host_list_cts(host, &v, &n, NULL);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		char id[24];

		snprintf(id, sizeof(id), "%lu", v[i]);
		if (!running_only || ct_is_running(host, id))
			v[kept++] = v[i];
	}
	*ret = v;
	*count = kept;
	return 0;
}

/* Who owns a CT's view: the CT's root, as the host knows it (LOCAL_UID and
 * LOCAL_GID, as the runtime reads them), so that the root of a CT in a user namespace
 * reads its view and nobody else but the host's root does.  -ENOENT without a config. */
static int view_owner(const struct vz_host *host, const char *id, uid_t *uid, gid_t *gid)
{
	_cleanup_conf_ vz_conf *cf = NULL;
	struct ct_res res = { 0 };
	unsigned long u, g;
	int r;

	r = vz_host_ct_conf(host, id, &cf, NULL);
	if (r < 0)
		return r == -ENOMEM ? r : r == -ENOENT ? -ENOENT : -EIO;
	r = vz_host_ct_res(host, cf, &res, NULL);
	if (r < 0)
		return -ENOMEM;
	ct_res_userns_ids(&res, &u, &g);
	ct_res_free(&res);
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return 0;
}

/* Whether the entry a path names exists now, and its owner: a CT's directory in
 * proc/bc while the CT runs, its view in ct while it has a config (so that a runtime
 * can bind it before the CT's init is up). */
static int node_lookup(const struct vz_host *host, const struct bcfs_path *p, uid_t *uid,
		       gid_t *gid)
{
	char id[24];
	pid_t pid;

	*uid = 0;
	*gid = 0;
	snprintf(id, sizeof(id), "%lu", p->ctid);
	if (bcfs_node_in_ct_view(p->node))
		return view_owner(host, id, uid, gid);
	if (p->node == BCFS_D_BC_CT || p->node == BCFS_F_BC_CT_RESOURCES)
		return ct_init_pid(host, id, &pid, NULL) == 0 ? 0 : -ENOENT;
	return 0;
}

static int node_exists(const struct vz_host *host, const struct bcfs_path *p)
{
	uid_t uid;
	gid_t gid;

	return node_lookup(host, p, &uid, &gid);
}

static bool per_ct(enum bcfs_node node)
{
	return node == BCFS_F_BC_CT_RESOURCES || bcfs_node_in_ct_view(node);
}

/* The counter tables a file shows: its CT's alone, or every CT's. */
static int tables_for(const struct vz_host *host, struct bc_cache *cache,
		      const struct bcfs_path *p, struct bc_table **ret, size_t *n)
{
	char id[24];
	int r;

	if (p->node == BCFS_F_VSWAP) {
		*ret = NULL;
		*n = 0;
		return 0;
	}
	if (!per_ct(p->node)) {
		r = bc_table_all(host, cache, ret, n, NULL);
		return r == -ENOMEM ? r : r < 0 ? -EIO : 0;
	}
	*ret = malloc(sizeof(**ret));
	if (!*ret)
		return -ENOMEM;
	snprintf(id, sizeof(id), "%lu", p->ctid);
	r = bc_table_get(host, cache, id, *ret, NULL);
	if (r < 0) {
		free(*ret);
		/* A CT destroyed since the lookup has no file; anything else is an error,
		 * never numbers that are not the CT's. */
		return r == -ENOENT ? -ENOENT : r == -ENOMEM ? r : -EIO;
	}
	*n = 1;
	return 0;
}

/* The host's files show the host's block `0:` after the CTs', as OpenVZ's host saw
 * them; a CT's own view never does. */
static bool shows_host(enum bcfs_node node)
{
	return node == BCFS_F_UBC || node == BCFS_F_BC_RESOURCES || node == BCFS_F_VEINFO;
}

/* The host's block is computed by a helper thread while the thread that opened the
 * file computes the CTs' tables: the two read different kernel files, and at a few CTs
 * the host's takes as long as theirs.  One helper stays for the daemon's life, as a
 * thread made and ended at each open cost more than it saved; when it is busy with
 * another open's block, an opener computes its own. */
struct host_job {
	struct bc_table t;
	int r;
	bool handed, finished;
};

struct host_helper {
	pthread_mutex_t lock;
	pthread_cond_t wake, done;
	const struct vz_host *host;
	struct host_job *job; /* handed over and not finished */
	bool running, stop;
	pthread_t thread;
};

static void *host_helper_run(void *arg)
{
	struct host_helper *hh = arg;

	pthread_mutex_lock(&hh->lock);
	for (;;) {
		struct host_job *j;

		while (!hh->job && !hh->stop)
			pthread_cond_wait(&hh->wake, &hh->lock);
		if (!hh->job)
			break;
		j = hh->job;
		pthread_mutex_unlock(&hh->lock);
		j->r = bc_table_host(hh->host, &j->t, NULL);
		pthread_mutex_lock(&hh->lock);
		j->finished = true;
		hh->job = NULL;
		pthread_cond_broadcast(&hh->done);
	}
	pthread_mutex_unlock(&hh->lock);
	return NULL;
}

/* Without a thread (none can be made), every opener computes its own block. */
static void host_helper_start(struct host_helper *hh, const struct vz_host *host)
{
	*hh = (struct host_helper){ .host = host };
	pthread_mutex_init(&hh->lock, NULL);
	pthread_cond_init(&hh->wake, NULL);
	pthread_cond_init(&hh->done, NULL);
	hh->running = pthread_create(&hh->thread, NULL, host_helper_run, hh) == 0;
}

static void host_helper_stop(struct host_helper *hh)
{
	pthread_mutex_lock(&hh->lock);
	hh->stop = true;
	pthread_cond_signal(&hh->wake);
	pthread_mutex_unlock(&hh->lock);
	if (hh->running)
		pthread_join(hh->thread, NULL);
	hh->running = false;
	pthread_cond_destroy(&hh->done);
	pthread_cond_destroy(&hh->wake);
	pthread_mutex_destroy(&hh->lock);
}

static void host_job_start(struct host_helper *hh, struct host_job *j)
{
	*j = (struct host_job){ 0 };
	if (!hh)
		return;
	pthread_mutex_lock(&hh->lock);
	if (hh->running && !hh->job) {
		hh->job = j;
		j->handed = true;
		pthread_cond_signal(&hh->wake);
	}
	pthread_mutex_unlock(&hh->lock);
}

static int host_job_end(struct host_helper *hh, const struct vz_host *host, struct host_job *j,
			const struct bc_table **ret)
{
	if (j->handed) {
		pthread_mutex_lock(&hh->lock);
		while (!j->finished)
			pthread_cond_wait(&hh->done, &hh->lock);
		pthread_mutex_unlock(&hh->lock);
	} else {
		j->r = bc_table_host(host, &j->t, NULL);
	}
	if (j->r < 0)
		return j->r == -ENOMEM ? j->r : -EIO;
	*ret = &j->t;
	return 0;
}

/* A file's text over the tables of tables_for, with the host's block (h) where it
 * belongs. */
static int render_file(enum bcfs_node node, const struct bc_table *cts, size_t n,
		       const struct bc_table *h, char **ret)
{
	char *text;

	if (!shows_host(node))
		return bcfs_render(node, cts, n, ret);
	if (node == BCFS_F_UBC)
		text = bcx_user_beancounters(cts, n, h);
	else if (node == BCFS_F_BC_RESOURCES)
		text = bcx_bc_resources(cts, n, h);
	else
		text = bcx_veinfo(cts, n, h);
	if (!text)
		return -ENOMEM;
	*ret = text;
	return 0;
}

/* The text of the file at p, from counters read now. */
static int file_text(const struct vz_host *host, struct host_helper *hh, const struct bcfs_path *p,
		     char **ret)
{
	_cleanup_free_ struct bc_table *cts = NULL;
	const struct bc_table *h = NULL;
	struct host_job job;
	size_t n = 0;
	int r, rh = 0;

	if (shows_host(p->node))
		host_job_start(hh, &job);
	r = tables_for(host, ctx_get()->cache, p, &cts, &n);
	if (shows_host(p->node))
		rh = host_job_end(hh, host, &job, &h);
	if (r < 0)
		return r;
	if (rh < 0)
		return rh;
	return render_file(p->node, cts, n, h, ret);
}

/* ------------------------------------------------------ FUSE operations */

/* What one open holds: the whole text, rendered at open. */
struct snapshot {
	char *text;
	size_t len;
};

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	/* The kernel keeps names and attributes for a second, which saves two round trips
	 * of every open; no number is kept, as files are direct_io and rendered at each
	 * open.  A stopped CT's directory may then still be found for that second, but
	 * its files fail to open (node_exists), as OpenVZ's beancounter outlived its CT
	 * for a while.  A name not found is never kept: a started CT shows at once. */
	cfg->entry_timeout = 1.0;
	cfg->attr_timeout = 1.0;
	cfg->negative_timeout = 0;
	cfg->direct_io = 1;
	cfg->kernel_cache = 0;
	/* nullpath_ok stays off: readdir works from the path, which it would then lose. */
	return fuse_get_context()->private_data;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct bcfs_path p;
	uid_t uid;
	gid_t gid;
	int r;

	(void)fi;
	r = bcfs_path_parse(path, &p);
	if (r < 0)
		return r;
	r = node_lookup(ctx_host(), &p, &uid, &gid);
	if (r < 0)
		return r;
	memset(st, 0, sizeof(*st));
	/* OpenVZ's modes: root alone reads the counters, a CT's root its own. */
	if (bcfs_node_is_dir(p.node)) {
		st->st_mode = S_IFDIR | 0500;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0400;
		st->st_nlink = 1;
	}
	st->st_uid = uid;
	st->st_gid = gid;
	st->st_atime = st->st_mtime = st->st_ctime = time(NULL);
	return 0;
}

struct filler_ctx {
	void *buf;
	fuse_fill_dir_t fill;
};

static int add_entry(void *ctx, const char *name)
{
	struct filler_ctx *f = ctx;

	return f->fill(f->buf, name, NULL, 0, 0);
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	const struct vz_host *host = ctx_host();
	struct filler_ctx f = { buf, fill };
	_cleanup_free_ unsigned long *ids = NULL;
	struct bcfs_path p;
	size_t n = 0;
	int r;

	(void)off;
	(void)fi;
	(void)flags;
	r = bcfs_path_parse(path, &p);
	if (r < 0)
		return r;
	if (!bcfs_node_is_dir(p.node))
		return -ENOTDIR;
	r = node_exists(host, &p);
	if (r < 0)
		return r;
	if (bcfs_node_lists_cts(p.node)) {
		r = list_ids(host, p.node == BCFS_D_BC, &ids, &n);
		if (r < 0)
			return r == -ENOMEM ? r : -EIO;
	}
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	return bcfs_list(p.node, ids, n, add_entry, &f);
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
	const struct vz_host *host = ctx_host();
	struct snapshot *s;
	struct bcfs_path p;
	char *text;
	int r;

	r = bcfs_path_parse(path, &p);
	if (r < 0)
		return r;
	if (bcfs_node_is_dir(p.node))
		return -EISDIR;
	/* Read-only files: even root may not write them (as OpenVZ's). */
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	r = node_exists(host, &p);
	if (r < 0)
		return r;
	r = file_text(host, ctx_get()->helper, &p, &text);
	if (r < 0)
		return r;
	s = malloc(sizeof(*s));
	if (!s) {
		free(text);
		return -ENOMEM;
	}
	*s = (struct snapshot){ text, strlen(text) };
	fi->fh = (uint64_t)(uintptr_t)s;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	return 0;
}

static int op_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	const struct snapshot *s = (const struct snapshot *)(uintptr_t)fi->fh;
	size_t n;

	(void)path;
	if (off < 0)
		return -EINVAL;
	if ((uint64_t)off >= s->len)
		return 0;
	n = s->len - (size_t)off;
	if (n > size)
		n = size;
	/* A FUSE read returns an int: the kernel never asks for more than INT_MAX. */
	if (n > INT_MAX)
		n = INT_MAX;
	memcpy(buf, s->text + off, n);
	return (int)n;
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
	struct snapshot *s = (struct snapshot *)(uintptr_t)fi->fh;

	(void)path;
	if (s)
		free(s->text);
	free(s);
	return 0;
}

static const struct fuse_operations bcfs_ops = {
	.init = op_init,
	.getattr = op_getattr,
	.readdir = op_readdir,
	.open = op_open,
	.read = op_read,
	.release = op_release,
};

/* ------------------------------------------------------------ the daemon */

/* The absolute path of dir without touching dir itself: a dead FUSE mount there
 * answers every lookup with ENOTCONN, so only its parent is resolved. */
static int absolute_dir(const char *dir, char **ret, vz_err *err)
{
	_cleanup_free_ char *copy = strdup(dir), *parent = NULL;
	char *slash, *base;

	if (!copy)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	while (strlen(copy) > 1 && copy[strlen(copy) - 1] == '/')
		copy[strlen(copy) - 1] = '\0';
	slash = strrchr(copy, '/');
	base = slash ? slash + 1 : copy;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return vz_fail(err, VZ_E_VALUE, EINVAL,
			       "Invalid export directory %s: name a directory, such as %s", dir,
			       BCFS_DIR_DEFAULT);
	if (slash == copy)
		parent = strdup("/");
	else {
		if (slash)
			*slash = '\0';
		parent = realpath(slash ? copy : ".", NULL);
		if (!parent)
			return vz_fail(err, VZ_E_SYSTEM, errno, "Unable to resolve the parent of %s: %s",
				       dir, strerror(errno));
	}
	if (asprintf(ret, "%s%s%s", parent, strcmp(parent, "/") == 0 ? "" : "/", base) < 0)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	return 0;
}

/* Whether a bcfs mount sits on dir (the top one). */
static bool bcfs_mounted(const char *dir)
{
	_cleanup_close_ int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	char type[64];

	if (fd < 0 || vz_read_fd(fd, &text, NULL) < 0)
		return false;
	return bcfs_mountinfo_find(text, dir, type, sizeof(type)) && strcmp(type, BCFS_FSTYPE) == 0;
}

int bcfs_unmount(const char *dir, vz_err *err)
{
	_cleanup_free_ char *abs = NULL;
	int r = absolute_dir(dir, &abs, err);

	if (r < 0)
		return r;
	/* Lazily: a reader still inside keeps its files, new lookups see the directory
	 * underneath at once.  Stacked mounts (of crashed daemons) go one by one. */
	for (int i = 0; i < 64 && bcfs_mounted(abs); i++)
		if (umount2(abs, MNT_DETACH) < 0)
			return vz_fail(err, VZ_E_UMOUNT, errno, "Unable to unmount %s: %s", abs,
				       strerror(errno));
	return 0;
}

/* A bcfs mount on dir whose daemon died (it answers ENOTCONN) is detached so that
 * this daemon can mount; one whose daemon lives is left alone.  statfs always asks the
 * daemon, where stat may be answered from the attributes the kernel keeps. */
static int clear_stale_mount(const char *dir, vz_err *err)
{
	struct statfs sf;

	if (!bcfs_mounted(dir))
		return 0;
	if (statfs(dir, &sf) == 0)
		return vz_fail(err, VZ_E_MOUNTED, EBUSY,
			       "bcfs already serves %s: stop that daemon first", dir);
	return bcfs_unmount(dir, err);
}

/* The FUSE handle: the mount options, then the operations. */
static struct fuse *bcfs_new(struct bcfs_ctx *ctx, vz_err *err)
{
	/* default_permissions: the kernel checks the modes (0400, 0500) and owners itself.
	 * allow_other: without it the kernel lets in only processes whose ids are all the
	 * mounting user's (root), and the root of a CT with LOCAL_UID is another host uid;
	 * with it, the owners and modes alone decide (the top directory is root's, 0500).
	 * No auto_unmount: when the daemon dies the kernel aborts the connection at once
	 * (its /dev/fuse fd is close-on-exec, held by no other process), so every access
	 * fails with ENOTCONN instead of waiting; the next start detaches that mount. */
	char *argv[] = { "bcfs", "-o",
			 "fsname=bcfs,subtype=bcfs,default_permissions,allow_other,nosuid,nodev,noexec",
			 NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	struct fuse *f = fuse_new(&args, &bcfs_ops, sizeof(bcfs_ops), ctx);

	fuse_opt_free_args(&args);
	if (!f)
		vz_fail(err, VZ_E_SYSTEM, EINVAL, "Unable to set up FUSE (libfuse refused the options)");
	return f;
}

static void fuse_destroyp(struct fuse **f)
{
	if (*f)
		fuse_destroy(*f);
}

static void loop_cfg_destroyp(struct fuse_loop_config **c)
{
	if (*c)
		fuse_loop_cfg_destroy(*c);
}

/* Binds each running CT's view afresh.  The views a CT had lead to the connection of
 * the daemon before, which is dead (or, for a CT started while none served, there is
 * none); each lookup this makes is served by the loop, so it runs beside it. */
static void *rebind_views(void *arg)
{
	const struct vz_host *host = arg;
	_cleanup_free_ unsigned long *ids = NULL;
	size_t n = 0;

	if (list_ids(host, true, &ids, &n) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char id[24];
		vz_err e;

		snprintf(id, sizeof(id), "%lu", ids[i]);
		if (ct_view_attach(host, id, &e) < 0 && e.exit_code != VZ_E_NOT_RUNNING)
			fprintf(stderr, "bcfs: CT %s keeps no counters view: %s\n", id, e.msg);
	}
	return NULL;
}

static void start_rebind(const struct vz_host *host)
{
	pthread_attr_t attr;
	pthread_t t;

	if (pthread_attr_init(&attr) != 0)
		return;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, rebind_views, (void *)host) != 0)
		fprintf(stderr, "bcfs: unable to bind the views into running CTs: out of threads\n");
	pthread_attr_destroy(&attr);
}

/* Serves until a signal (SIGTERM, SIGINT, SIGHUP) or an unmount ends the loop; rebind,
 * when given, is the host whose running CTs get their views from this mount. */
static int serve(struct fuse *f, struct bcfs_ctx *ctx, unsigned max_threads,
		 const struct vz_host *rebind, vz_err *err)
{
	struct host_helper helper;
	__attribute__((cleanup(loop_cfg_destroyp))) struct fuse_loop_config *cfg = fuse_loop_cfg_create();
	struct fuse_session *se = fuse_get_session(f);
	int r;

	if (!cfg)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	/* A bounded pool: a flood of readers queues in the kernel instead of growing
	 * threads without end, and each open renders at most this many tables at once. */
	fuse_loop_cfg_set_max_threads(cfg, max_threads);
	fuse_loop_cfg_set_idle_threads(cfg, max_threads / 2 ? max_threads / 2 : 1);
	if (fuse_set_signal_handlers(se) < 0)
		return vz_fail(err, VZ_E_SYSTEM, errno, "Unable to set signal handlers");
	if (rebind)
		start_rebind(rebind);
	/* After fuse_daemonize: its fork keeps no thread. */
	host_helper_start(&helper, ctx->host);
	ctx->helper = &helper;
	r = fuse_loop_mt(f, cfg);
	ctx->helper = NULL;
	host_helper_stop(&helper);
	fuse_remove_signal_handlers(se);
	if (r < 0)
		return vz_fail(err, VZ_E_SYSTEM, -r, "bcfs: the FUSE loop failed: %s", strerror(-r));
	return 0;
}

/* Whether dir (absolute) is where CTs take their views from: BCFS_DIR of vz.conf. */
static bool serves_views(const struct vz_host *host, const char *dir)
{
	_cleanup_free_ char *views = NULL;

	return absolute_dir(bcfs_dir(host), &views, NULL) == 0 && strcmp(views, dir) == 0;
}

static void ctx_free(struct bcfs_ctx *c)
{
	bc_cache_free(c->cache);
}

int bcfs_run(const struct vz_host *host, const struct bcfs_opts *o, vz_err *err)
{
	__attribute__((cleanup(fuse_destroyp))) struct fuse *f = NULL;
	_cleanup_free_ char *dir = NULL;
	__attribute__((cleanup(ctx_free))) struct bcfs_ctx ctx = { .host = host,
								     .cache = bc_cache_new() };
	int r;

	r = absolute_dir(o->dir, &dir, err);
	if (r < 0)
		return r;
	r = clear_stale_mount(dir, err);
	if (r < 0)
		return r;
	r = vz_mkdir_p(dir, 0755);
	if (r < 0)
		return vz_fail(err, VZ_E_MKDIR, -r, "Unable to create %s: %s", dir, strerror(-r));
	/* Reads within a second share one reading of /proc/locks: numflock is then up to a
	 * second old, and a reader never waits for the grace period that reading may cost
	 * more than once a second (see bc_cache_share_locks). */
	if (!ctx.cache)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	bc_cache_share_locks(ctx.cache, BCFS_LOCKS_SHARE_MS);
	f = bcfs_new(&ctx, err);
	if (!f)
		return -EINVAL;
	if (fuse_mount(f, dir) < 0)
		return vz_fail(err, VZ_E_MOUNT, EIO,
			       "Unable to mount bcfs on %s (is the fuse module loaded? "
			       "try 'modprobe fuse')", dir);
	/* The parent returns once the child serves, so `bcfs && cat …` works. */
	if (fuse_daemonize(o->foreground) < 0) {
		fuse_unmount(f);
		return vz_fail(err, VZ_E_SYSTEM, errno, "Unable to daemonize");
	}
	r = serve(f, &ctx, o->max_threads ? o->max_threads : BCFS_THREADS_DEFAULT,
		  serves_views(host, dir) ? host : NULL, err);
	fuse_unmount(f);
	return r;
}
