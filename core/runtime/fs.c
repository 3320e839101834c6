/* A CT's files on the host: where they are, create and destroy, mounting the private
 * area on the root area, the host-side action scripts, and `status`.
 *
 * Paths come from vz.conf layered under CTID.conf and are resolved once, from what the
 * administrator configured; nothing inside a private area (which the CT's root
 * controls) is ever followed: trees are walked and removed with openat/unlinkat and
 * O_NOFOLLOW, and the bind mount is made between directory fds. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/base.h"
#include "core/runtime/runtime.h"

#define TAR_PROGRAM "tar"

static bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 || errno != ENOENT;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Directories of the host's own that others must keep using: an area directly in one
 * is refused rather than the directory closed. */
static bool shared_dir(const char *real)
{
	static const char *const shared[] = {
		"/", "/home", "/mnt", "/media", "/opt", "/root", "/run", "/srv", "/tmp", "/usr",
		"/var", "/var/lib", "/var/tmp",
	};

	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		if (strcmp(real, shared[i]) == 0)
			return true;
	return false;
}

/* Creates the missing parents of a private or root area 0700, and takes group's and
 * others' access away from the immediate parent when it already existed with more: a
 * CT's files include setuid programs of its root (the host's root in a privileged CT,
 * and in an idmapped one on disk), which host users must not reach, whatever mode the
 * parent was given.  A parent that is one of the host's shared directories (/srv,
 * /home, ...) is not changed: -EPERM, the area must go one level down. */
static int mkdir_parent(const char *path)
{
	_cleanup_free_ char *parent = strndup(path, (size_t)(strrchr(path, '/') - path));
	_cleanup_free_ char *real = NULL;
	struct stat st;
	int r;

	if (!parent)
		return -ENOMEM;
	r = *parent ? vz_mkdir_p(parent, 0700) : 0;
	if (r < 0)
		return r;
	real = realpath(*parent ? parent : "/", NULL);
	if (!real)
		return -errno;
	if (stat(real, &st) < 0)
		return -errno;
	if (!(st.st_mode & 0077))
		return 0;
	if (shared_dir(real))
		return -EPERM;
	return chmod(real, st.st_mode & 07700) < 0 ? -errno : 0;
}

/* "<dir of path>/.<base of path>.<what>.XXXXXX": a name beside path, on its file system,
 * that listings of the parent do not take for a CT. */
static char *sibling_template(const char *path, const char *what)
{
	const char *slash = strrchr(path, '/');
	char *s;

	if (asprintf(&s, "%.*s/.%s.%s.XXXXXX", (int)(slash - path), path, slash + 1, what) < 0)
		return NULL;
	return s;
}

/* ------------------------------------------------------- removing trees */

/* A directory on the way down: its name in its parent and who it is, to tell that the
 * ".." climbed back to is the directory left, not one a rename put there. */
struct rm_level {
	char *name;
	dev_t dev;
	ino_t ino;
};

struct rm_walk {
	struct rm_level *v;
	size_t n, cap;
	dev_t dev; /* the tree's file system: nothing below is removed across a mount */
};

static void rm_walk_free(struct rm_walk *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i].name);
	free(w->v);
}

static int rm_push(struct rm_walk *w, const char *name, const struct stat *st)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 64;
		struct rm_level *v = reallocarray(w->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n].name = strdup(name);
	if (!w->v[w->n].name)
		return -ENOMEM;
	w->v[w->n].dev = st->st_dev;
	w->v[w->n].ino = st->st_ino;
	w->n++;
	return 0;
}

/* An open directory that is still the one recorded at level i. */
static int rm_check(const struct rm_walk *w, size_t i, int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_dev != w->v[i].dev || st.st_ino != w->v[i].ino)
		return -ESTALE;
	return 0;
}

/* Removes the entries of dfd that are no directories up to the first directory, whose
 * name is returned in sub (its stat in *sst) to go down into: 1; 0 when dfd is empty. */
static int rm_step(int dfd, const struct rm_walk *w, char *sub, size_t sublen, struct stat *sst)
{
	_cleanup_close_ int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d)
		return -errno;
	fd = -1;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, sst, AT_SYMLINK_NOFOLLOW) < 0) {
			r = errno == ENOENT ? 0 : -errno;
			if (r < 0)
				break;
			continue;
		}
		if (!S_ISDIR(sst->st_mode)) {
			if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
				r = -errno;
				break;
			}
			continue;
		}
		if (sst->st_dev != w->dev) {
			r = -EXDEV;
			break;
		}
		if (strlen(de->d_name) >= sublen) {
			r = -ENAMETOOLONG;
			break;
		}
		strcpy(sub, de->d_name);
		r = 1;
		break;
	}
	closedir(d);
	return r;
}

/* Removes path and everything below it on its own file system, depth first, holding
 * two fds whatever the depth (a CT can make a chain of directories deeper than any fd
 * limit or stack): each level is left for its child and climbed back to by "..",
 * checked to be the same directory.  Nothing is followed: no symlink, no mount. */
static int rm_tree(const char *path)
{
	struct rm_walk w = { 0 };
	char sub[NAME_MAX + 1];
	struct stat st;
	int fd = -1, r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	w.dev = st.st_dev;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	r = fd < 0 ? -errno : rm_push(&w, path, &st);
	if (r == 0)
		r = rm_check(&w, 0, fd);
	while (r == 0) {
		struct stat sst;
		int next;

		r = rm_step(fd, &w, sub, sizeof(sub), &sst);
		if (r == 1) { /* down into sub */
			next = openat(fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			r = next < 0 ? -errno : rm_push(&w, sub, &sst);
			if (r == 0)
				r = rm_check(&w, w.n - 1, next);
			if (next >= 0) {
				close(fd);
				fd = next;
			}
			continue;
		}
		if (r < 0)
			break;
		if (w.n == 1) { /* the top is empty */
			close(fd);
			fd = -1;
			r = rmdir(path) < 0 && errno != ENOENT ? -errno : 0;
			break;
		}
		/* back up to the parent, and the emptied directory goes */
		next = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		r = next < 0 ? -errno : 0;
		close(fd);
		fd = next;
		if (r == 0)
			r = rm_check(&w, w.n - 2, fd);
		if (r == 0 && unlinkat(fd, w.v[w.n - 1].name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			r = -errno;
		free(w.v[--w.n].name);
	}
	if (fd >= 0)
		close(fd);
	rm_walk_free(&w);
	return r;
}

/* ------------------------------------------------------------ mountinfo */

static void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The mount points that are dir or below it, in mountinfo order (parents before what is
 * mounted on top of them or below them). */
static int mounts_under(const char *dir, char ***ret, size_t *ret_n)
{
	__attribute__((cleanup(fclosep))) FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, n = 0, len = strlen(dir);
	char **v = NULL;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *save = NULL, *tok = strtok_r(line, " ", &save);

		for (int i = 0; tok && i < 4; i++)
			tok = strtok_r(NULL, " ", &save);
		if (!tok)
			continue;
		mountinfo_unescape(tok);
		if (strncmp(tok, dir, len) || (tok[len] && tok[len] != '/'))
			continue;
		char **nv = realloc(v, (n + 1) * sizeof(*v));

		if (!nv || !(nv[n] = strdup(tok))) {
			strv_free(nv ? nv : v, n);
			return -ENOMEM;
		}
		v = nv;
		n++;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Whether something is mounted exactly on the (already resolved) directory. */
static bool mounted_on(const char *real_root)
{
	char **v = NULL;
	size_t n = 0;
	bool found = false;

	if (mounts_under(real_root, &v, &n) < 0)
		return false;
	for (size_t i = 0; i < n; i++)
		found = found || strcmp(v[i], real_root) == 0;
	strv_free(v, n);
	return found;
}

bool ct_is_mounted(const struct vz_host *host, const char *ctid)
{
	struct ct_paths p;
	_cleanup_free_ char *real = NULL;

	if (ct_load_paths(host, ctid, &p, NULL) < 0)
		return false;
	real = realpath(p.root, NULL);
	ct_paths_free(&p);
	return real && mounted_on(real);
}

/* ------------------------------------------------------- action scripts */

/* Runs <confdir>/<name> when it exists (reference §4.1), on the host, with VEID and
 * VE_CONFFILE and nothing else of ours in its environment. */
static int run_action(const struct vz_host *host, const char *ctid, const char *conf_path,
		      const char *name, vz_err *err)
{
	_cleanup_free_ char *path = NULL, *veid = NULL, *conffile = NULL;
	struct stat st;
	pid_t pid;
	int st_wait;

	if (asprintf(&path, "%s/%s", host->confdir, name) < 0 ||
	    asprintf(&veid, "VEID=%s", ctid) < 0 ||
	    asprintf(&conffile, "VE_CONFFILE=%s", conf_path) < 0)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	if (stat(path, &st) < 0 && errno == ENOENT)
		return 0;
	char *argv[] = { path, NULL };
	char *envp[] = { veid, conffile, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			 NULL };

	pid = fork();
	if (pid < 0)
		return vz_fail(err, VZ_E_ACTION_SCRIPT, errno, "Unable to run the action script %s: %s",
			       path, strerror(errno));
	if (pid == 0) {
		if (chdir("/") == 0)
			execve(path, argv, envp);
		_exit(127);
	}
	st_wait = wait_pid(pid);
	if (st_wait < 0)
		return vz_fail(err, VZ_E_ACTION_SCRIPT, -st_wait, "Lost the action script %s: %s",
			       path, strerror(-st_wait));
	if (WIFEXITED(st_wait) && WEXITSTATUS(st_wait) == 0)
		return 0;
	if (WIFEXITED(st_wait) && WEXITSTATUS(st_wait) == 127)
		return vz_fail(err, VZ_E_ACTION_SCRIPT, ENOEXEC,
			       "Action script %s could not be run; make it executable with a #! line, "
			       "or remove it", path);
	return vz_fail(err, VZ_E_ACTION_SCRIPT, 0,
		       "Action script %s failed (%s %d); fix it or remove it", path,
		       WIFEXITED(st_wait) ? "exit status" : "signal",
		       WIFEXITED(st_wait) ? WEXITSTATUS(st_wait) : WTERMSIG(st_wait));
}

/* vps.<event> for every CT, then <ctid>.<event>. */
static int run_actions(const struct vz_host *host, const char *ctid, const char *conf_path,
		       const char *event, vz_err *err)
{
	char name[64];
	int r;

	snprintf(name, sizeof(name), "vps.%s", event);
	if ((r = run_action(host, ctid, conf_path, name, err)) < 0)
		return r;
	snprintf(name, sizeof(name), "%s.%s", ctid, event);
	return run_action(host, ctid, conf_path, name, err);
}

/* ------------------------------------------------------ mount and umount */

/* Binds src onto dst, both directory fds, as a private mount: mounts made later in the
 * CT's namespace never propagate back to the host, and the mount table stays simple
 * enough for CRIU. */
static int bind_private(int src, int dst)
{
	struct mount_attr attr = { .propagation = MS_PRIVATE };
	_cleanup_close_ int tree = open_tree(src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
						       AT_EMPTY_PATH);

	if (tree < 0)
		return -errno;
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return -errno;
	if (move_mount(tree, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

static int open_dir(const char *path)
{
	return open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static int do_mount(const struct ct_paths *p, vz_err *err)
{
	_cleanup_free_ char *rpriv = NULL, *rroot = NULL;
	_cleanup_close_ int src = -1, dst = -1;
	int r;

	/* A private area made before its parent was closed is closed here too. */
	r = mkdir_parent(p->private);
	if (r < 0)
		return vz_fail(err, VZ_E_MOUNT, -r, "Unable to close the parent of %s to host "
			       "users: %s; keep private areas in a directory of their own, such as "
			       "VE_PRIVATE=/vz/private/$VEID", p->private, strerror(-r));
	r = mkdir_parent(p->root);
	if (r == 0 && mkdir(p->root, 0755) < 0 && errno != EEXIST)
		r = -errno;
	if (r == 0 && !is_dir(p->root))
		r = -ENOTDIR;
	if (r < 0)
		return vz_fail(err, VZ_E_CREATE_ROOT, -r, "Unable to create the root area %s: %s%s",
			       p->root, strerror(-r), r == -EPERM ? " (its parent is a directory host "
			       "users share: keep root areas in one of their own, such as "
			       "VE_ROOT=/vz/root/$VEID)" : "");
	rpriv = realpath(p->private, NULL);
	rroot = realpath(p->root, NULL);
	if (!rpriv || !rroot || (src = open_dir(rpriv)) < 0 || (dst = open_dir(rroot)) < 0)
		return vz_fail(err, VZ_E_MOUNT, errno, "Unable to open %s or %s: %s", p->private,
			       p->root, strerror(errno));
	r = bind_private(src, dst);
	if (r < 0)
		return vz_fail(err, VZ_E_MOUNT, -r, "Unable to mount %s on %s: %s", rpriv, rroot,
			       strerror(-r));
	return 0;
}

/* Unmounts the root area and whatever is still mounted below it, the deepest first. */
static int unmount_all(const char *real_root, vz_err *err)
{
	char **v = NULL;
	size_t n = 0;
	int r = mounts_under(real_root, &v, &n);

	if (r < 0)
		return vz_fail(err, VZ_E_UMOUNT, -r, "Unable to read /proc/self/mountinfo: %s",
			       strerror(-r));
	for (size_t i = n; i-- > 0;) {
		if (umount2(v[i], UMOUNT_NOFOLLOW) == 0 || errno == EINVAL || errno == ENOENT)
			continue;
		r = vz_fail(err, VZ_E_UMOUNT, errno,
			    "Unable to unmount %s: %s; a process still uses files below it "
			    "(see 'fuser -vm %s')", v[i], strerror(errno), v[i]);
		break;
	}
	strv_free(v, n);
	if (r == 0 && mounted_on(real_root))
		r = vz_fail(err, VZ_E_UMOUNT, EBUSY, "%s is still mounted", real_root);
	return r;
}

int ct_mount(const struct vz_host *host, const char *ctid, vz_err *err)
{
	struct ct_paths p;
	_cleanup_free_ char *rroot = NULL;
	int r;

	if ((r = ct_load_paths(host, ctid, &p, err)) < 0)
		return r;
	if (!is_dir(p.private)) {
		r = vz_fail(err, VZ_E_NO_PRIVATE, ENOENT,
			    "Container private area %s does not exist; create the CT first "
			    "(vzctl create %s --ostemplate NAME)", p.private, ctid);
		goto out;
	}
	rroot = realpath(p.root, NULL);
	if (rroot && mounted_on(rroot)) {
		r = vz_fail(err, VZ_E_MOUNTED, EBUSY, "Container is already mounted");
		goto out;
	}
	if ((r = run_actions(host, ctid, p.conf, "premount", err)) < 0 ||
	    (r = do_mount(&p, err)) < 0)
		goto out;
	r = run_actions(host, ctid, p.conf, "mount", err);
	if (r < 0) {
		/* The mount the scripts refused is taken back, or the user is told it stays. */
		vz_err e;

		free(rroot);
		rroot = realpath(p.root, NULL);
		if (!rroot)
			vz_err_append(err, "; and %s stays mounted: %s", p.root, strerror(errno));
		else if (unmount_all(rroot, &e) < 0)
			vz_err_append(err, "; and it stays mounted: %s", e.msg);
	}
out:
	ct_paths_free(&p);
	return r;
}

/* Processes of the CT in its cgroup although no init is recorded: a start killed before
 * it wrote the pid file left them, and they still use the root area.  Only stop (or
 * start) takes them away. */
static bool processes_left(const struct vz_host *host, const char *ctid)
{
	_cleanup_cgroup_ bc_cgroup *cg = NULL;
	uint64_t populated = 0;

	return bc_cg_open(host, ctid, &cg, NULL) == 0 &&
	       bc_cg_read_key(cg, "cgroup.events", "populated", &populated, NULL) == 0 &&
	       populated;
}

static bool in_use(const struct vz_host *host, const char *ctid)
{
	return ct_is_running(host, ctid) || processes_left(host, ctid);
}

int ct_umount(const struct vz_host *host, const char *ctid, vz_err *err)
{
	struct ct_paths p;
	_cleanup_free_ char *rroot = NULL;
	int r;

	if ((r = ct_load_paths(host, ctid, &p, err)) < 0)
		return r;
	rroot = realpath(p.root, NULL);
	if (!rroot || !mounted_on(rroot)) {
		r = vz_fail(err, VZ_E_NOT_MOUNTED, EINVAL, "Container is not mounted");
		goto out;
	}
	if (in_use(host, ctid)) {
		r = vz_fail(err, VZ_E_RUNNING, EBUSY,
			    "Container is running -- stop it first (vzctl stop %s)", ctid);
		goto out;
	}
	if ((r = run_actions(host, ctid, p.conf, "umount", err)) < 0 ||
	    (r = unmount_all(rroot, err)) < 0)
		goto out;
	r = run_actions(host, ctid, p.conf, "postumount", err);
out:
	ct_paths_free(&p);
	return r;
}

/* ----------------------------------------------------------------- state */

int ct_state_get(const struct vz_host *host, const char *ctid, struct ct_state *ret, vz_err *err)
{
	struct ct_paths p;
	struct ct_state s = { 0 };
	_cleanup_free_ char *rroot = NULL, *dump = NULL;
	int r;

	if ((r = ct_load_paths(host, ctid, &p, err)) < 0)
		return r;
	s.exist = is_dir(p.private) && path_exists(p.conf);
	rroot = realpath(p.root, NULL);
	s.mounted = rroot && mounted_on(rroot);
	s.running = ct_is_running(host, ctid);
	ct_paths_free(&p);
	if (asprintf(&dump, "%s/Dump.%s", host->dumpdir, ctid) < 0)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	s.suspended = !s.running && path_exists(dump);
	*ret = s;
	return 0;
}

/* ---------------------------------------------------------------- create */

static const char *const template_suffixes[] = { ".tar.gz", ".tar.xz", ".tar.zst", ".tar" };

static bool plain_name(const char *s)
{
	return s && *s && *s != '.' && !strchr(s, '/') && strlen(s) < 256;
}

/* <TEMPLATE>/cache/<name>.tar.{gz,xz,zst} or .tar, the first that exists. */
static int find_template(const struct vz_host *host, const char *name, char **ret, vz_err *err)
{
	for (size_t i = 0; i < sizeof(template_suffixes) / sizeof(template_suffixes[0]); i++) {
		char *path;

		if (asprintf(&path, "%s/cache/%s%s", host->templatedir, name, template_suffixes[i]) < 0)
			return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
		struct stat st;

		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			*ret = path;
			return 0;
		}
		free(path);
	}
	return vz_fail(err, VZ_E_TEMPLATE_NOT_FOUND, ENOENT,
		       "OS template %s not found: there is no %s/cache/%s.tar.gz (.tar.xz, .tar.zst, "
		       ".tar); build it (vztmpl-busybox, or 'make template') or copy it there",
		       name, host->templatedir, name);
}

/* GNU tar recognizes the compression by itself; owners are kept as numbers, since
 * the CT's users are not the host's. */
static int unpack(const char *tarball, const char *dir, const char *private, vz_err *err)
{
	char *argv[] = { TAR_PROGRAM, "--numeric-owner", "-xpf", (char *)tarball, "-C", (char *)dir,
			 NULL };
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return vz_fail(err, VZ_E_CREATE_PRIVATE, errno, "Unable to run tar: %s",
			       strerror(errno));
	if (pid == 0) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd >= 0)
			dup2(fd, 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	st = wait_pid(pid);
	if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return vz_fail(err, VZ_E_CREATE_PRIVATE, ENOENT,
			       "Unable to run %s to unpack %s: install tar", TAR_PROGRAM, tarball);
	return vz_fail(err, VZ_E_CREATE_PRIVATE, EIO,
		       "Unable to unpack the OS template %s for %s (tar failed); is the tarball "
		       "damaged, or the disk full?", tarball, private);
}

/* The CT's config: the sample's lines kept, the CT's own keys set. */
static int build_conf(const struct vz_host *host, const char *tmpl, const char *sample,
		      const struct ct_create_opts *o, vz_conf **ret, vz_err *err)
{
	_cleanup_conf_ vz_conf *cf = NULL;
	int r = 0;

	if (sample) {
		_cleanup_free_ char *path = NULL;

		if (asprintf(&path, "%s/ve-%s.conf-sample", host->confdir, sample) < 0)
			return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
		r = vz_conf_load(path, &cf, NULL, err);
		if (r < 0)
			return vz_fail(err, VZ_E_CONFIG_COPY, -r,
				       "Sample config %s not found: %s; pick one of the "
				       "ve-*.conf-sample files in %s with --config",
				       path, strerror(-r), host->confdir);
	} else if (!(cf = vz_conf_new())) {
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	}
	const char *keys[][2] = {
		{ "OSTEMPLATE", tmpl },     { "VE_ROOT", o->root },     { "VE_PRIVATE", o->private },
		{ "HOSTNAME", o->hostname }, { "NAME", o->name },       { "ORIGIN_SAMPLE", sample },
	};

	for (size_t i = 0; r == 0 && i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i][1])
			r = vz_conf_set(cf, keys[i][0], keys[i][1]);
	if (r < 0)
		return vz_fail(err, VZ_E_VALUE, -r, "Invalid value for the CT config");
	*ret = cf;
	cf = NULL;
	return 0;
}

static int check_create_opts(const struct vz_host *host, const char *ctid,
			     const struct ct_create_opts *o, const char *tmpl, const char *sample,
			     vz_err *err)
{
	if (!tmpl)
		return vz_fail(err, VZ_E_NO_OSTEMPLATE, EINVAL,
			       "No OS template given: use --ostemplate NAME, or set DEF_OSTEMPLATE "
			       "in %s", host->conf_path);
	if (!plain_name(tmpl))
		return vz_fail(err, VZ_E_VALUE, EINVAL,
			       "Bad OS template name '%s': a file name in %s/cache, without "
			       "'/' and its .tar.* suffix", tmpl, host->templatedir);
	if (sample && !plain_name(sample))
		return vz_fail(err, VZ_E_VALUE, EINVAL,
			       "Bad sample config name '%s': use a name such as vswap-256m (for "
			       "ve-vswap-256m.conf-sample), without '/'", sample);
	if (o->hostname && !ct_hostname_valid(o->hostname))
		return vz_fail(err, VZ_E_BAD_HOSTNAME, EINVAL,
			       "Bad hostname '%s': letters, digits, '-' and '.' only", o->hostname);
	if (o->name) {
		unsigned long owner;

		if (!ct_name_valid(o->name))
			return vz_fail(err, VZ_E_CT_NAME, EINVAL,
				       "Bad CT name '%s': 1 to 64 of A-Z a-z 0-9 . _ -, not all "
				       "digits", o->name);
		owner = ct_find_name(host, o->name);
		if (owner && strtoul(ctid, NULL, 10) != owner)
			return vz_fail(err, VZ_E_CT_NAME, EEXIST,
				       "Name %s is already in use by CT %lu; pick another name",
				       o->name, owner);
	}
	return 0;
}

/* <tree>/etc/hostname holds the hostname, as vzctl's set_hostname did, so that the CT's
 * own start scripts agree with the runtime.  A template without /etc (or whose /etc or
 * hostname is a symlink) is left alone: nothing in a template is followed, and nothing
 * but a regular file is written (a FIFO there must not hang vzctl, a device node must
 * not take the name). */
static int write_hostname(const char *tree, const char *hostname, vz_err *err)
{
	_cleanup_close_ int root = open(tree, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int etc = -1;
	_cleanup_free_ char *line = NULL;
	int r;

	if (root < 0)
		return vz_fail(err, VZ_E_CREATE_PRIVATE, errno, "open %s: %s", tree, strerror(errno));
	etc = openat(root, "etc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (etc < 0)
		return 0;
	if (asprintf(&line, "%s\n", hostname) < 0)
		return vz_fail(err, VZ_E_CREATE_PRIVATE, ENOMEM, "Out of memory");
	r = vz_write_regular_at(etc, "hostname", line, strlen(line), 0644);
	if (r == -ELOOP)
		return 0;
	if (r < 0)
		return vz_fail(err, VZ_E_CREATE_PRIVATE, -r,
			       "Unable to write %s/etc/hostname: %s%s", tree, strerror(-r),
			       r == -EINVAL || r == -ENXIO ? " (it is not a regular file)" : "");
	return 0;
}

/* Unpacks into a temporary directory beside the private area, then writes the config
 * and renames the directory into place: a failure leaves neither. */
static int create_private(const struct ct_paths *p, const char *tarball, const char *hostname,
			  vz_conf *cf, vz_err *err)
{
	_cleanup_free_ char *tmp = sibling_template(p->private, "create");
	bool conf_saved = false;
	int r, e;

	if (!tmp)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	if ((r = mkdir_parent(p->private)) < 0)
		return vz_fail(err, VZ_E_CREATE_PRIVATE, -r, "Unable to %s the parent of %s: %s%s",
			       r == -EPERM ? "close" : "create", p->private, strerror(-r),
			       r == -EPERM ? "; it is a directory host users share: keep private "
			       "areas in one of their own, such as VE_PRIVATE=/vz/private/$VEID" : "");
	if (!mkdtemp(tmp))
		return vz_fail(err, VZ_E_CREATE_PRIVATE, errno, "Unable to create %s: %s", tmp,
			       strerror(errno));
	if (chmod(tmp, 0755) < 0) {
		r = vz_fail(err, VZ_E_CREATE_PRIVATE, errno, "chmod %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if ((r = unpack(tarball, tmp, p->private, err)) < 0 ||
	    (hostname && (r = write_hostname(tmp, hostname, err)) < 0))
		goto fail;
	if ((r = vz_conf_save(cf, p->conf, NULL, err)) < 0)
		goto fail;
	conf_saved = true;
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, p->private, RENAME_NOREPLACE) < 0) {
		r = vz_fail(err, errno == EEXIST ? VZ_E_PRIVATE_EXISTS : VZ_E_CREATE_PRIVATE, errno,
			    "Unable to move the new private area into %s: %s", p->private,
			    strerror(errno));
		goto fail;
	}
	return 0;
fail:
	if (conf_saved && unlink(p->conf) < 0)
		vz_err_append(err, "; and %s could not be removed: %s", p->conf, strerror(errno));
	e = rm_tree(tmp);
	if (e < 0)
		vz_err_append(err, "; and %s could not be removed: %s", tmp, strerror(-e));
	return r;
}

static int set_ids(vz_conf *cf, unsigned long uid, unsigned long gid, vz_err *err)
{
	char u[24], g[24];

	snprintf(u, sizeof(u), "%lu", uid);
	snprintf(g, sizeof(g), "%lu", gid);
	if (vz_conf_set(cf, "LOCAL_UID", u) < 0 || vz_conf_set(cf, "LOCAL_GID", g) < 0)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	return 0;
}

/* LOCAL_UID and LOCAL_GID of a new CT: as given (0 makes it privileged, written so),
 * as its sample says, or, with USERNS=yes in vz.conf, a range no other CT has, chosen
 * under the host-wide lock that *lock keeps until the new config is saved. */
static int give_ids(const struct vz_host *host, const struct ct_create_opts *o, vz_conf *cf,
		    int *lock, vz_err *err)
{
	unsigned long start;
	int r;

	if (o->has_local_uid || o->has_local_gid) {
		unsigned long uid = o->has_local_uid ? o->local_uid : o->local_gid;

		return set_ids(cf, uid, o->has_local_gid ? o->local_gid : uid, err);
	}
	if (vz_conf_get(cf, "LOCAL_UID") || vz_conf_get(cf, "LOCAL_GID") ||
	    !vz_host_userns_default(host))
		return 0;
	r = vz_host_userns_lock(host, lock, err);
	if (r == 0)
		r = vz_host_userns_pick(host, &start, err);
	if (r == 0)
		r = set_ids(cf, start, start, err);
	if (r == 0)
		vz_warnf(o->note, "Container gets host ids %lu to %lu for its user namespace",
			 start, start + CT_USERNS_IDS - 1);
	return r;
}

int ct_create(const struct vz_host *host, const char *ctid, const struct ct_create_opts *o,
	      vz_err *err)
{
	_cleanup_close_ int userns_lock = -1, names_lock = -1;
	const char *tmpl = o->ostemplate ? o->ostemplate : vz_conf_get(host->conf, "DEF_OSTEMPLATE");
	const char *sample = o->config ? o->config : vz_conf_get(host->conf, "CONFIGFILE");
	_cleanup_conf_ vz_conf *cf = NULL;
	_cleanup_free_ char *tarball = NULL;
	struct ct_paths p;
	int r;

	if (tmpl && !*tmpl)
		tmpl = NULL;
	if (sample && !*sample)
		sample = NULL;
	/* A name is checked free and taken under the host's names lock, held until the new
	 * config is saved (and taken before the ids' lock, as everywhere). */
	if (o->name && (r = vz_host_names_lock(host, &names_lock, err)) < 0)
		return r;
	if ((r = check_create_opts(host, ctid, o, tmpl, sample, err)) < 0 ||
	    (r = build_conf(host, tmpl, sample, o, &cf, err)) < 0)
		return r;
	/* Where the files go is where later commands will look: the new config decides. */
	if ((r = ct_paths_get(host, cf, ctid, &p, err)) < 0)
		return r;
	if (path_exists(p.private)) {
		r = vz_fail(err, VZ_E_PRIVATE_EXISTS, EEXIST,
			    "Private area already exists in %s; destroy the CT first (vzctl destroy "
			    "%s) or give another --private", p.private, ctid);
		goto out;
	}
	if (path_exists(p.conf)) {
		r = vz_fail(err, VZ_E_CONFIG_COPY, EEXIST,
			    "Container config file %s already exists; remove it (or move it away) "
			    "and create the CT again", p.conf);
		goto out;
	}
	if ((r = find_template(host, tmpl, &tarball, err)) < 0)
		goto out;
	/* The range stays this CT's from here: the lock is held until its config is saved
	 * (creates wait for each other's unpacking, which is rare enough). */
	if ((r = give_ids(host, o, cf, &userns_lock, err)) < 0)
		goto out;
	vz_warnf(o->note, "Creating container private area (%s)", tmpl);
	r = create_private(&p, tarball, o->hostname, cf, err);
out:
	ct_paths_free(&p);
	return r;
}

/* --------------------------------------------------------------- destroy */

/* Moves the private area aside under a hidden name first, so that a removal that stops
 * half way never leaves something that looks like a CT. */
static int remove_private(const char *private, vz_err *err)
{
	_cleanup_free_ char *aside = sibling_template(private, "destroyed");
	int r;

	if (!aside)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	if (!mkdtemp(aside) || rename(private, aside) < 0) {
		int e = errno;

		rmdir(aside);
		return vz_fail(err, VZ_E_DELETE, e, "Unable to move the private area %s aside: %s",
			       private, strerror(e));
	}
	r = rm_tree(aside);
	if (r < 0)
		return vz_fail(err, VZ_E_DELETE, -r,
			       "Unable to remove %s (the private area of the destroyed CT): %s; "
			       "remove it by hand%s", aside, strerror(-r),
			       r == -EXDEV ? " after unmounting what is mounted below it" : "");
	return 0;
}

int ct_destroy(const struct vz_host *host, const char *ctid, const vz_warn *note, vz_err *err)
{
	struct ct_paths p;
	_cleanup_free_ char *destroyed = NULL;
	bool has_private, has_conf;
	int r;

	if (in_use(host, ctid))
		return vz_fail(err, VZ_E_RUNNING, EBUSY,
			       "Container is currently running. Stop it first (vzctl stop %s).", ctid);
	if ((r = ct_load_paths(host, ctid, &p, err)) < 0)
		return r;
	if (ct_is_mounted(host, ctid) && (r = ct_umount(host, ctid, err)) < 0)
		goto out;
	has_private = path_exists(p.private);
	has_conf = path_exists(p.conf);
	if (!has_private && !has_conf) {
		r = vz_fail(err, VZ_E_NO_PRIVATE, ENOENT,
			    "Container %s does not exist: neither %s nor %s is there", ctid,
			    p.private, p.conf);
		goto out;
	}
	vz_warnf(note, "Destroying container private area: %s", p.private);
	if (has_private && (r = remove_private(p.private, err)) < 0)
		goto out;
	if (has_conf) {
		if (asprintf(&destroyed, "%s.destroyed", p.conf) < 0) {
			r = vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
			goto out;
		}
		if (rename(p.conf, destroyed) < 0) {
			r = vz_fail(err, VZ_E_DELETE, errno, "Unable to rename %s to %s: %s", p.conf,
				    destroyed, strerror(errno));
			goto out;
		}
	}
	if (rmdir(p.root) < 0 && errno != ENOENT)
		vz_warnf(note, "Warning: failed to remove %s: %s", p.root, strerror(errno));
out:
	ct_paths_free(&p);
	return r;
}
