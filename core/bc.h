/* libbc: the beancounter engine.  The resource table, the typed CT parameters
 * read from configs, the vswap fill rules and consistency rules, CT ids, host
 * settings from vz.conf, CT locking, and the cgroup v2 backend.
 *
 * Errors follow conf/conf.h: negative errno plus a filled vz_err; outputs are
 * untouched on failure; nothing here prints. */
#ifndef VZ_BC_H
#define VZ_BC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf/conf.h"

/* ---------------------------------------------------------- resource table */

/* Kernel resource ids, in the order /proc/user_beancounters prints them
 * (reference §1.1).  Ids 4 and 20..22 are the `dummy` slots. */
enum ubc_id {
	UB_KMEMSIZE = 0,
	UB_LOCKEDPAGES = 1,
	UB_PRIVVMPAGES = 2,
	UB_SHMPAGES = 3,
	UB_DUMMY4 = 4,
	UB_NUMPROC = 5,
	UB_PHYSPAGES = 6,
	UB_VMGUARPAGES = 7,
	UB_OOMGUARPAGES = 8,
	UB_NUMTCPSOCK = 9,
	UB_NUMFLOCK = 10,
	UB_NUMPTY = 11,
	UB_NUMSIGINFO = 12,
	UB_TCPSNDBUF = 13,
	UB_TCPRCVBUF = 14,
	UB_OTHERSOCKBUF = 15,
	UB_DGRAMRCVBUF = 16,
	UB_NUMOTHERSOCK = 17,
	UB_DCACHESIZE = 18,
	UB_NUMFILE = 19,
	UB_DUMMY20 = 20,
	UB_DUMMY21 = 21,
	UB_DUMMY22 = 22,
	UB_NUMIPTENT = 23,
	UB_SWAPPAGES = 24,
	UB_AVNUMPROC = 25, /* config only: the kernel never sees it */
};
#define UB_COMPAT_COUNT 24 /* ids 0..23: the rows of /proc/user_beancounters */
#define UB_KERNEL_COUNT 25 /* ids 0..24: the rows of /proc/bc/resources (less dummies) */
#define UB_PARAM_COUNT 26  /* ids 0..25: everything a config may set */

/* How a resource maps onto a stock kernel (design.md): shown to users. */
enum bc_class {
	BC_ENFORCED,      /* the kernel refuses past the limit; refusals are counted */
	BC_GUARANTEE,     /* a protection, not a cap */
	BC_ACCOUNTED,     /* held and maxheld are exact, nothing is refused */
	BC_NOT_AVAILABLE, /* the kernel cannot give it: never printed as a real value */
	BC_CONFIG_ONLY,   /* avnumproc: read by validators only */
};

struct ubc_res {
	enum ubc_id id;
	const char *name;   /* lower case, as /proc and the options spell it */
	const char *key;    /* config key, upper case */
	enum vz_unit unit;
	enum bc_class cls;
	char short_opt;     /* vzctl set short option, 0 when none */
	const char *header; /* vzlist column header */
};

/* The entry for an id, or NULL for a dummy slot or an id out of range. */
const struct ubc_res *ubc_by_id(int id);
/* Finds a resource by option name, config key or alias (DCACHE, IPTENTRIES,
 * TCPSENDBUF), case-insensitively.  NULL when unknown. */
const struct ubc_res *ubc_find(const char *name);
/* "enforced", "guarantee", "accounted", "not available", "config only". */
const char *bc_class_name(enum bc_class cls);

/* ------------------------------------------------------------- CT ids */

#define CT_ID_MIN 101UL
#define CT_ID_MAX 2147483644UL /* VEID_MAX */

/* Accepts a decimal CT id in [101, 2147483644] written without signs, blanks or
 * leading zeros.  Anything else (`../x`, empty, -1, 20 digits) is VZ_E_SYNTAX. */
int ct_id_parse(const char *text, unsigned long *ret, vz_err *err);
/* A CT name as `--name` takes: 1..64 of [A-Za-z0-9._-], not all digits, not starting
 * with '.' or '-'. */
bool ct_name_valid(const char *name);
/* Whether a file name of the config directory is <ctid>.conf with a valid id; the id
 * goes to id (size bytes).  Samples, .destroyed and other files are not. */
bool ct_conf_file_id(const char *file, char *id, size_t size);

/* --------------------------------------------------------- host settings */

struct vz_host;

/* The host settings that come from vz.conf.  The file is $VZ_CONF when that is set
 * (so a test or a second host on one machine points the whole tool elsewhere), else
 * /etc/vz/vz.conf.  Paths not set in it take the OpenVZ defaults. */
struct vz_host {
	vz_conf *conf;       /* the parsed vz.conf */
	char *conf_path;     /* where it was read from */
	char *confdir;       /* VE_CONFDIR, default /etc/vz/conf: CTID.conf, samples */
	char *lockdir;       /* LOCKDIR, default /vz/lock */
	char *dumpdir;       /* DUMPDIR, default /vz/dump */
	char *rundir;        /* RUNDIR, default /var/run/vz: run state (init pids) */
	char *templatedir;   /* TEMPLATE, default /vz/template (cache/ below it) */
	char *ve_root;       /* VE_ROOT with $VEID unreplaced, default /vz/root/$VEID */
	char *ve_private;    /* VE_PRIVATE, default /vz/private/$VEID */
	char *cgroup_parent; /* CT_CGROUP_PARENT, default vz.slice: CTs live at
			      * <cgroup2 mount>/<parent>/<ctid> */
	struct bc_cache *cache; /* what the counters keep between tables (core/counters.c) */
};

/* Loads vz.conf.  A missing file is VZ_E_NO_VZCONF. */
int vz_host_load(struct vz_host *ret, const vz_warn *w, vz_err *err);
void vz_host_free(struct vz_host *host);
/* Path of the CT's config: <confdir>/<ctid>.conf (malloc'd, NULL when out of memory). */
char *vz_host_ct_conf_path(const struct vz_host *host, const char *ctid);
/* A value of vz.conf with $VEID replaced (malloc'd); NULL when the key is unset. */
char *vz_host_ct_path(const struct vz_host *host, const char *tmpl, const char *ctid);

/* Turns what the user typed into a CT id: a valid numeric id as is, else a name
 * looked up among the NAME= keys of <confdir>/<id>.conf.  Unknown or invalid:
 * VZ_E_SYNTAX, before any file is written. */
int ct_resolve(const struct vz_host *host, const char *text, unsigned long *ret, vz_err *err);
/* The id of the CT whose config holds NAME="name", or 0 when none. */
unsigned long ct_find_name(const struct vz_host *host, const char *name);

/* ------------------------------------------------------- CT parameters */

struct ubc_pair {
	unsigned long bar, lim;
	bool set;
};

/* The resource settings of one CT, typed.  Which fields are set is tracked, so
 * that only what the user gave is written back. */
struct ct_res {
	struct ubc_pair ub[UB_PARAM_COUNT];
	double vm_overcommit;    bool has_vm_overcommit;
	unsigned long cpuunits;  bool has_cpuunits;  /* 8..500000 */
	unsigned long cpulimit;  bool has_cpulimit;  /* percent of one CPU, 0 = none */
	unsigned long cpus;      bool has_cpus;      /* 0 = all */
	char *cpumask;                               /* "0-3,6", "all"; NULL when unset */
	unsigned long ioprio;    bool has_ioprio;    /* 0..7 */
	unsigned long iolimit;   bool has_iolimit;   /* bytes/s, 0 = unlimited */
	unsigned long iopslimit; bool has_iopslimit; /* operations/s, 0 = unlimited */
	char *hostname;                              /* NULL when unset */
	bool disabled;           bool has_disabled;  /* DISABLED=yes: start needs --force */
	/* LOCAL_UID/LOCAL_GID: the host uid and gid of the CT's root; the CT runs in a user
	 * namespace mapping its ids 0..CT_USERNS_IDS-1 from there.  0: no user namespace. */
	unsigned long local_uid; bool has_local_uid;
	unsigned long local_gid; bool has_local_gid;
};

void ct_res_free(struct ct_res *r);

#define CT_CPUUNITS_MIN 8UL
#define CT_CPUUNITS_MAX 500000UL
#define CT_CPUUNITS_DEFAULT 1000UL
#define CT_CPULIMIT_MAX 100000UL /* percent of one CPU: 1000 CPUs */
#define CT_CPUS_MAX 4096UL
#define CT_CPUMASK_MAX 4096UL
#define CT_USERNS_IDS 65536UL
/* The last host id a CT's range may start at: the range ends below (uid_t)-1. */
#define CT_LOCAL_ID_MAX (4294967294UL - CT_USERNS_IDS + 1)

/* Value checks shared by the config reader and `vzctl set`: VZ_E_VALUE with a message
 * naming the value and the range; the caller names the option. */
int ct_parse_cpuunits(const char *text, unsigned long *ret, vz_err *err);
/* `N` (percent of one CPU) or `N%` (percent of the whole host, times ncpus). */
int ct_parse_cpulimit(const char *text, unsigned long ncpus, unsigned long *ret, vz_err *err);
int ct_parse_cpus(const char *text, unsigned long *ret, vz_err *err);
/* A cpuset list (`0-3,6`), `all` or `auto`; *ret is a malloc'd copy. */
int ct_parse_cpumask(const char *text, char **ret, vz_err *err);
int ct_parse_ioprio(const char *text, unsigned long *ret, vz_err *err);
int ct_parse_overcommit(const char *text, double *ret, vz_err *err);
int ct_parse_yesno(const char *text, bool *ret, vz_err *err);
/* --iolimit N[BKMG]: MB/s without a suffix, as vzctl; *ret in bytes/s (0: unlimited). */
int ct_parse_iolimit(const char *text, unsigned long *ret, vz_err *err);
/* A plain count: IOLIMIT (bytes/s) as configs keep it, --iopslimit, IOPSLIMIT. */
int ct_parse_count(const char *text, unsigned long *ret, vz_err *err);
/* LOCAL_UID or LOCAL_GID: 0 (none) to CT_LOCAL_ID_MAX. */
int ct_parse_local_id(const char *text, unsigned long *ret, vz_err *err);
/* Letters, digits, '-' and '.', at most 253 characters, not starting with '-' or '.'. */
bool ct_hostname_valid(const char *name);

/* Reads the resource keys of a config (vz.conf layered under CTID.conf: pass
 * NULL for either).  An invalid value is a warning "invalid value for X, skipped",
 * as vzctl does, not an error; errors are only out-of-memory. */
int ct_res_from_conf(const vz_conf *global, const vz_conf *ct, struct ct_res *ret,
		     const vz_warn *w, vz_err *err);
/* Writes every set field of r into cf (KEY="value"), as vzctl would. */
int ct_res_to_conf(const struct ct_res *r, vz_conf *cf, vz_err *err);

/* A config is vswap when the physpages limit is set and is neither LONG_MAX nor INT_MAX. */
bool ct_res_is_vswap(const struct ct_res *r);
/* Fills the parameters not set explicitly from ram and swap (reference §1.4, the code's
 * rules): lockedpages ram:ram, oomguarpages ram:unlimited, vmguarpages
 * (ram+swap):unlimited, privvmpages (ram+swap) x vm_overcommit, or unlimited when
 * vm_overcommit is 0 or unset.  Does nothing for a non-vswap config. */
void ct_res_vswap_fill(struct ct_res *r);

/* ------------------------------------------------------ consistency rules */

/* One broken rule of reference §1.5. */
struct bc_finding {
	enum ubc_id id;   /* the resource the rule is about (the one a repair changes) */
	bool repaired;    /* with repair: the value was changed so the rule holds */
	char msg[320];
};

/* Checks every rule of reference §1.5 on r.  vswap: 1 or 0 forces the mode, -1 takes
 * it from the config.  host_ram_pages/host_swap_pages (0 = unknown) bound the vswap
 * limits.  With repair, values are changed so each repairable rule holds.  fn is
 * called once per broken rule.  Returns the number of rules still broken afterwards
 * (0 after a complete repair). */
int bc_validate(struct ct_res *r, int vswap, bool repair, unsigned long host_ram_pages,
		unsigned long host_swap_pages, void (*fn)(void *ctx, const struct bc_finding *f),
		void *ctx);

/* Decides whether the repair f->msg proposes is made (f->repaired is still false). */
typedef bool bc_repair_ask(void *ctx, const struct bc_finding *f);

/* Like bc_validate, with ask deciding each repair (NULL: nothing is repaired), for
 * `vzcfgvalidate -i`.  A declined rule is neither asked about nor reported again.
 * Returns the number of rules still broken when it returns; bc_validate is this with
 * every repair accepted or none. */
int bc_validate_ask(struct ct_res *r, int vswap, unsigned long host_ram_pages,
		    unsigned long host_swap_pages, bc_repair_ask *ask,
		    void (*fn)(void *ctx, const struct bc_finding *f), void *ctx);

/* ---------------------------------------------------- applying resources */

/* The cgroup files a CT's resources set (core/apply.c has the mapping). */
#define BC_PLAN_MAX 12
#define BC_VALUE_MAX 64
struct bc_setting {
	const char *file;         /* "memory.max" */
	const char *what;         /* the resource, for messages: "physpages (--ram)" */
	char value[BC_VALUE_MAX]; /* what is written: "67108864", "max", "50000 100000" */
};
struct bc_plan {
	struct bc_setting s[BC_PLAN_MAX];
	size_t n;
};
struct bc_cgroup;
/* The settings for what r sets, after the vswap fill (r itself is not changed); a
 * resource r leaves unset is left as the kernel has it.  io_dev ("254:0") is the disk
 * iolimit and iopslimit apply to, NULL when the private area has none: then a limit is
 * VZ_E_VALUE.  Pure. */
int bc_plan_make(const struct ct_res *r, const char *io_dev, struct bc_plan *ret, vz_err *err);
/* The whole disk ("MAJ:MIN") under path's file system; -ENODEV when it has none. */
int bc_io_device(const char *path, char *buf, size_t size);
/* Writes the plan into the CT's cgroup.  Each file's value is read first; when a write
 * is refused, those already written get their old values back and VZ_E_SETUBC names
 * the resource.  A memory.max below the CT's use is refused (VZ_E_SETUBC) unless
 * reclaim alone brings the CT under it. */
int bc_plan_apply(struct bc_cgroup *cg, const struct bc_plan *p, vz_err *err);
/* The settings of new that old does not have with the same value (all of new when old
 * is NULL). */
void bc_plan_diff(const struct bc_plan *old, const struct bc_plan *new, struct bc_plan *ret);
/* A running CT's cgroup moved from what old asks to what new asks (every setting of new
 * when old is NULL, as --reset_ub does), through bc_plan_apply: all or nothing. */
int ct_apply_running(const struct vz_host *host, const char *ctid, const struct ct_res *old,
		     const struct ct_res *new, vz_err *err);

/* -------------------------------------------------------------- counters */

/* One row of a CT's beancounter table (core/counters.c).  held, maxheld and failcnt
 * come from the kernel, never invented; barrier and limit are what is in force (the
 * cgroup file that carries the resource, else the config after the vswap fill).
 * VZ_UNLIMITED stands for unlimited. */
struct bc_row {
	uint64_t held, maxheld, barrier, limit, failcnt;
	enum bc_class cls; /* how the row is obtained; BC_NOT_AVAILABLE when nothing gives it */
	bool usage_known;  /* false: held, maxheld and failcnt are unknown (a stopped CT, or
			    * no source): shown as "-" or null, never as 0 */
};
struct bc_table {
	unsigned long ctid;
	bool running;
	struct bc_row row[UB_KERNEL_COUNT]; /* ids 0..24; the dummy ids stay all zero */
};
/* The table of one CT: live for a running CT (maxheld kept in <RUNDIR>/<ctid>.bcstate
 * for this run of the CT, so it never goes backwards), the config's barrier and limit
 * with no usage for a stopped one.  VZ_E_NO_CTCONF when it has no config. */
int bc_table_get(const struct vz_host *host, const char *ctid, struct bc_table *ret, vz_err *err);
/* What the tables keep between calls, for a reader that stays (the export): each CT's
 * config's limits, and the lock holders of /proc/locks when shared.  Made by
 * vz_host_load, freed by vz_host_free; NULL keeps nothing. */
struct bc_cache *bc_cache_new(void);
void bc_cache_free(struct bc_cache *c);
/* Tables begun less than max_age_ms after a reading of /proc/locks began take numflock
 * from that reading (0, the default: every table reads it).  That read waits for an RCU
 * grace period, 10-30 ms on an idle host, unless another one came within the last; a
 * reader that renders many files shares one reading among those close together. */
void bc_cache_share_locks(struct bc_cache *c, unsigned max_age_ms);
/* The tables of every CT with a config, by id; *ret is malloc'd. */
int bc_table_all(const struct vz_host *host, struct bc_table **ret, size_t *n, vz_err *err);

/* ---------------------------------------------------------- network usage */

/* What a CT's network namespace holds (core/netcount.c), in OpenVZ's terms: socket
 * buffers in bytes (truesize, as the kernel charges them) and netfilter entries.
 * A *_known flag is false when its source could not be read; its values are then 0
 * and mean nothing. */
struct bc_net_usage {
	uint64_t tcpsnd;    /* TCP: skbs on write and retransmit queues (wmem_queued) */
	uint64_t tcprcv;    /* TCP: receive and out-of-order queues (rmem_alloc) */
	uint64_t othersock; /* UNIX, UDP and raw sockets' send side (wmem_alloc) */
	uint64_t dgramrcv;  /* UDP and raw receive queues (rmem_alloc) */
	uint64_t iptent;    /* legacy xtables entries plus nftables rules */
	uint64_t tcpsocks;  /* TCP sockets, time-wait and request ones left out */
	uint64_t othersocks; /* UNIX, UDP and raw sockets */
	bool tcp_known, other_known, iptent_known;
};
/* Reads them for the netns of init (a host pid).  Only the calling thread enters that
 * netns, once, to make its sockets, and always comes back (the process aborts if the
 * kernel refuses the way back).  Nothing is created in the netns: legacy tables are
 * asked for only when it has them, nftables only when its module is loaded.  An
 * error (the netns is gone: -ENOENT/-ESRCH) fills err; a source that fails alone
 * leaves its flag false. */
int bc_net_usage(pid_t init, struct bc_net_usage *ret, vz_err *err);
/* The rows of t that u gives, known (numtcpsock, numothersock, the four buffers,
 * numiptent).  packet_socks: the namespace's packet sockets, which sock_diag shows only
 * through a module that asking would load (/proc/<pid>/net/packet lists them). */
void bc_table_set_net(struct bc_table *t, const struct bc_net_usage *u, uint64_t packet_socks);

/* The parsers behind it, pure.  One sock_diag reply (SOCK_DIAG_BY_FAMILY, an
 * inet_diag_msg or unix_diag_msg with its meminfo attribute) added to u by the kind of
 * dump it came from; a socket without meminfo (time-wait, request) holds nothing, and
 * is not counted among the TCP sockets either: the kernel has replaced the socket by a
 * small record of the connection (OpenVZ charged numtcpsock for full sockets alone).
 * -EBADMSG for a malformed message. */
struct nlmsghdr;
enum bc_net_sock { BC_NET_TCP, BC_NET_DGRAM, BC_NET_UNIX };
int bc_net_add_sock(const struct nlmsghdr *h, enum bc_net_sock kind, struct bc_net_usage *u);
/* One reply of an NFT_MSG_GETRULE dump: a rule adds 1 to u->iptent. */
int bc_net_add_rule(const struct nlmsghdr *h, struct bc_net_usage *u);
/* The table names of an <x>_tables_names file, one a line, into names (at most max);
 * their number, or -EBADMSG (a name too long) / -E2BIG (more than max). */
#define BC_XT_NAME_LEN 32 /* XT_TABLE_MAXNAMELEN */
int bc_net_table_names(const char *text, char (*names)[BC_XT_NAME_LEN], size_t max);

/* The host's own beancounter, block `0:` of the export (core/hostbc.c): what OpenVZ
 * charged to UB 0, everything outside CTs.  ctid 0, running, barrier and limit
 * unlimited, failcnt 0 (nothing limits the host).  held is the system's figure less
 * the CTs' parent cgroup's, where the kernel gives both (see bc_host_table); a row
 * without such a pair has no usage (BC_NOT_AVAILABLE).  maxheld is kept in
 * <RUNDIR>/0.bcstate for the current boot, so it never goes backwards until a reboot.
 * Fails only when the cgroup backend cannot be used, CT_CGROUP_PARENT is invalid or
 * out of memory; a parent cgroup that does not exist yet means no CT runs. */
int bc_table_host(const struct vz_host *host, struct bc_table *ret, vz_err *err);

/* What the host's block is computed from: the kernel's texts, NULL where the kernel
 * gave none. */
struct bc_host_src {
	const char *root_stat;   /* memory.stat of the cgroup2 root: the whole system's */
	bool parent_exists;      /* false: no CT cgroup exists, all of it is the host's */
	bool parent_is_root;     /* the CTs sit right under the root: nothing to subtract
				  * from (memory and numproc are not available then) */
	const char *parent_stat; /* memory.stat of the CTs' parent (hierarchical) */
	const char *parent_pids; /* its pids.current */
	const char *parent_swap; /* its memory.swap.current */
	const char *loadavg;     /* /proc/loadavg: its 4th field's total is every thread */
	const char *meminfo;     /* /proc/meminfo: SwapTotal - SwapFree is the swap in use */
	const struct bc_net_usage *net; /* pid 1's network namespace (every CT has its
					 * own), NULL when it could not be read */
	const char *packet;      /* /proc/1/net/packet: the packet sockets there */
	long ptys;               /* entries of the host's devpts (every CT has its own), or -1 */
};
/* The host's table from those texts (maxheld = held).  held, per row:
 *   numproc       threads of the system (loadavg) - the parent's pids.current
 *   physpages     anon + file + kernel + sock of memory.stat, root - parent, in pages
 *   swappages     swap in use (meminfo) - the parent's memory.swap.current
 *   oomguarpages  physpages + swappages
 *   kmemsize      kernel (bytes), dcachesize slab_reclaimable (bytes), shmpages shmem
 *                 (pages), each root - parent
 *   numtcpsock, numothersock, the four socket buffers, numiptent: as a CT's
 *                 (bc_table_set_net), from pid 1's network namespace; numpty ptys
 * A difference below 0 (two reads a moment apart) is 0.  Pure. */
void bc_host_table(const struct bc_host_src *s, struct bc_table *ret);

/* The kept maxheld (core/counters.c): a state file whose first line, the tag, names
 * what its values belong to (a CT's run: "run <init pid> <start time>"; the host's
 * boot: "boot <boot_id>"), then "<row id> <maxheld>" lines.  Values of another tag are
 * another run's and count for nothing.  bc_maxheld_merge raises each known row's
 * maxheld in t to the one kept in state (NULL when none) and returns 1 with *ret the
 * text to keep (malloc'd) when it differs from state, 0 when state holds it already,
 * -ENOMEM.  Pure. */
int bc_maxheld_merge(const char *state, const char *tag, struct bc_table *t, char **ret);
/* The same on <dir>/<name> (dir made when missing), under its flock, written in place
 * only when a value rose.  A failure to keep loses nothing already shown. */
void bc_maxheld_keep(const char *dir, const char *name, const char *tag, struct bc_table *t);

/* --------------------------------------------------------------- locking */

/* $LOCKDIR/<ctid>.lck holding "<pid>\n<status>\n" (reference §4.5).  It is written
 * whole in a temporary file and link(2)ed into place, so it appears whole or not at
 * all.  The holder also keeps an flock on it: the kernel drops that when the holder
 * dies, which tells a stale lock from a live one even when the pid was reused. */
struct ct_lock {
	char *path;
	int fd;
};

/* Takes the lock.  A lock whose pid is alive gives VZ_E_LOCKED with "Locked by: pid N,
 * cmdline …"; a stale one is removed and taking it is retried (3 times). */
int ct_lock_take(const char *lockdir, const char *ctid, const char *status,
		 struct ct_lock *ret, vz_err *err);
/* Removes the lock file; safe on a lock that was never taken. */
void ct_lock_release(struct ct_lock *lock);

/* ------------------------------------------------------- cgroup backend */

/* A CT's cgroup: <cgroup2 mount>/<parent>/<name>.  Every read and write of a cgroup
 * file in the project goes through these functions. */
typedef struct bc_cgroup bc_cgroup;

/* Creates the cgroup (and the parent when missing), enabling in the parent's
 * cgroup.subtree_control every controller the parent offers. */
int bc_cg_create(const struct vz_host *host, const char *name, bc_cgroup **ret, vz_err *err);
/* Opens an existing cgroup; -ENOENT when it does not exist. */
int bc_cg_open(const struct vz_host *host, const char *name, bc_cgroup **ret, vz_err *err);
void bc_cg_free(bc_cgroup *cg);
static inline void bc_cg_freep(bc_cgroup **p) { bc_cg_free(*p); }
#define _cleanup_cgroup_ __attribute__((cleanup(bc_cg_freep)))
/* The O_PATH fd of the cgroup's directory (owned by the handle), for clone3's
 * CLONE_INTO_CGROUP. */
int bc_cg_dirfd(const bc_cgroup *cg);
/* The O_PATH fd of the cgroup2 mount that the backend opens on first use and keeps for
 * the process's life (-1 before): a process that closes its fds keeps this one. */
int bc_cg_root_fd(void);

/* Writes one file ("pids.max", "memory.max"). The message names the file, the value
 * and, for a missing file, the controller that is not enabled. */
int bc_cg_write(bc_cgroup *cg, const char *file, const char *value, vz_err *err);
/* Reads one file whole (malloc'd, trailing newline removed). */
int bc_cg_read(bc_cgroup *cg, const char *file, char **ret, vz_err *err);
/* Reads a single-value file as a number: `max` gives UINT64_MAX. */
int bc_cg_read_u64(bc_cgroup *cg, const char *file, uint64_t *ret, vz_err *err);
/* Reads one key of a flat-keyed file ("pids.events" "max"); -ENOENT for a missing key. */
int bc_cg_read_key(bc_cgroup *cg, const char *file, const char *key, uint64_t *ret, vz_err *err);
/* Moves a process into the cgroup. */
int bc_cg_attach(bc_cgroup *cg, pid_t pid, vz_err *err);
/* Number of processes in the cgroup (cgroup.procs), 0 for an empty one. */
int bc_cg_nprocs(bc_cgroup *cg, vz_err *err);
/* Removes the (empty) cgroup; the handle is still to be freed. */
int bc_cg_destroy(bc_cgroup *cg, vz_err *err);

/* Parses a value as the kernel prints it: decimal, or `max` as UINT64_MAX. */
int bc_parse_kernel_u64(const char *text, uint64_t *ret);

/* ---------------------------------------------------------- run state */

/* Whether the CT runs: its cgroup exists and holds a process.  Reads only. */
bool ct_is_running(const struct vz_host *host, const char *ctid);

/* ------------------------------------------------------- load average */

/* A stock kernel keeps no load average per cgroup: the CT's monitor samples it every
 * CT_LA_PERIOD s (core/loadavg.c) with the kernel's arithmetic (kernel/sched/loadavg.c)
 * and publishes it in <RUNDIR>/<ctid>.loadavg for this run of the CT. */
#define CT_LA_PERIOD 5 /* seconds, the kernel's LOAD_FREQ */
#define CT_LA_FSHIFT 11
#define CT_LA_FIXED_1 (1UL << CT_LA_FSHIFT)

/* The CT's 1, 5 and 15 minute averages as /proc/loadavg would print them (hundredths).
 * -ENOENT, with no message, when there is no current sample: the CT does not run, it
 * was restored by CRIU (no monitor), or it started less than CT_LA_PERIOD s ago. */
int ct_loadavg(const struct vz_host *host, const char *ctid, double la[3], vz_err *err);

/* The kernel's calc_load() for the three averages (avenrun, fixed point): periods
 * periods of nr_active tasks (calc_load_n() when more than one).  Pure. */
void ct_la_update(unsigned long avenrun[3], unsigned long nr_active, unsigned int periods);
/* A fixed-point average as /proc/loadavg prints it: rounded to hundredths.  Pure. */
double ct_la_value(unsigned long fixed);
/* The file's text, and reading it back: la as ct_loadavg gives it, -ENOENT when it is
 * about another run (init pid and start time) or older than a few periods at now
 * (CLOCK_BOOTTIME seconds), -EBADMSG when it is no such file.  Pure. */
int ct_la_format(char *buf, size_t size, pid_t init, uint64_t start, uint64_t at,
		 const unsigned long avenrun[3]);
int ct_la_parse(const char *text, pid_t init, uint64_t start, uint64_t now, double la[3]);
/* The threads the kernel's load average counts (state R or D) in the cgroup rel below
 * dirfd and in every cgroup under it, from their cgroup.threads. */
int ct_la_count(int dirfd, const char *rel, unsigned long *ret);

/* The monitor's side. */
struct ct_la_sampler {
	char *path;               /* <RUNDIR>/<ctid>.loadavg */
	char *cgroup;             /* the CT's cgroup, relative to the cgroup2 mount */
	pid_t init;
	uint64_t init_start;      /* with init: which run of the CT the file is about */
	unsigned long avenrun[3]; /* fixed point */
};
/* Opens nothing: each tick opens what it reads and closes it. */
int ct_la_sampler_init(struct ct_la_sampler *s, const char *rundir, const char *ctid,
		       const char *cgroup, pid_t init);
/* Counts the CT's active threads (cgroup relative to cgroot, the cgroup2 mount), folds
 * them in for periods periods and publishes the result. */
int ct_la_sampler_tick(struct ct_la_sampler *s, int cgroot, unsigned int periods);
/* Removes the file and frees s. */
void ct_la_sampler_end(struct ct_la_sampler *s);

/* ------------------------------------------------------------- CT runtime */

/* Where a CT's files are, from vz.conf layered under its CTID.conf (VE_ROOT,
 * VE_PRIVATE with $VEID replaced).  Strings are malloc'd; free with ct_paths_free. */
struct ct_paths {
	char *conf;    /* <confdir>/<ctid>.conf */
	char *root;    /* VE_ROOT: where the CT's root is mounted */
	char *private; /* VE_PRIVATE: the CT's files */
};
int ct_paths_get(const struct vz_host *host, const vz_conf *ct_conf, const char *ctid,
		 struct ct_paths *ret, vz_err *err);
void ct_paths_free(struct ct_paths *p);
/* The same from the CT's own config; a CT without a config takes vz.conf's. */
int ct_load_paths(const struct vz_host *host, const char *ctid, struct ct_paths *ret,
		  vz_err *err);

/* `vzctl status`: CTID <id> exist|deleted mounted|unmounted running|down [suspended] */
struct ct_state {
	bool exist;     /* private area and config are there */
	bool mounted;   /* the root area is mounted */
	bool running;   /* the CT's init lives */
	bool suspended; /* a dump file exists for a stopped CT */
};
int ct_state_get(const struct vz_host *host, const char *ctid, struct ct_state *ret, vz_err *err);

/* Mounting the private area on the root area (a bind mount, as OpenVZ did on
 * upstream kernels).  VZ_E_MOUNTED / VZ_E_NOT_MOUNTED when already so.
 * (core/ct.c) The mount is private (nothing propagates either way) and made between
 * directory fds.  mount runs the action scripts <confdir>/vps.premount,
 * <ctid>.premount, then vps.mount, <ctid>.mount; umount runs vps.umount, <ctid>.umount,
 * then vps.postumount, <ctid>.postumount (VEID and VE_CONFFILE set; a failure is
 * VZ_E_ACTION_SCRIPT, and a failed mount script takes the mount back).  mount: 43 no
 * private area, 49/50 mkdir or mount failed.  umount: 32 running, 51 busy; it also
 * unmounts whatever is still mounted below the root area.  Mounted means a mount on
 * exactly the resolved VE_ROOT in /proc/self/mountinfo. */
int ct_mount(const struct vz_host *host, const char *ctid, vz_err *err);
int ct_umount(const struct vz_host *host, const char *ctid, vz_err *err);
bool ct_is_mounted(const struct vz_host *host, const char *ctid);

/* The pid (in the host's pid namespace) of the CT's init, from the run state;
 * -ESRCH with VZ_E_NOT_RUNNING when the CT does not run. */
int ct_init_pid(const struct vz_host *host, const char *ctid, pid_t *ret, vz_err *err);
/* The same, with what tells this run of the CT from a later one whose init got the
 * same pid: the init's start time (clock ticks after boot, /proc/<pid>/stat field 22). */
struct ct_run {
	pid_t init;
	uint64_t start;
};
int ct_init_run(const struct vz_host *host, const char *ctid, struct ct_run *ret, vz_err *err);
/* From the text of /proc/<pid>/stat: the state letter (field 3) and the start time
 * (field 22, clock ticks since boot); either may be NULL.  Pure (core/loadavg.c). */
int proc_stat_parse(const char *text, char *state, uint64_t *start);

/* Starting and stopping (core/runtime.c).  The caller holds the CT's lock. */
struct ct_run_opts {
	bool wait;          /* start: return once init has run its start script */
	bool fast;          /* stop: skip the stop script and asking init, kill at once */
	bool force;         /* start: even a CT whose config says DISABLED=yes */
	long timeout;       /* seconds; < 0: STOP_TIMEOUT of the config (120), for --wait too */
	const vz_warn *note; /* progress ("Container is mounted", "Container was stopped"), may be NULL */
};
/* Mounts the root area when needed, creates the CT's cgroup and starts /sbin/init in it
 * in new pid, mount, uts, ipc, net and cgroup namespaces, pivoted into the root area,
 * with the capability bounding set of ct_cap_bound(); returns once init runs and
 * <RUNDIR>/<ctid>.pid names it.  Errors: 32 running, 43 no private area, 47 no
 * /sbin/init or /bin/sh, 133 --wait timed out; a failure leaves no process, cgroup
 * or mount that this start made.  init's parent is the CT's monitor ("vzmon <ctid>"),
 * a host process that outlives the caller and, when a reboot(2) inside the CT ends
 * init, starts the CT again under its lock. */
int ct_start(const struct vz_host *host, const char *ctid, const struct ct_run_opts *o,
	     vz_err *err);
/* Asks init to power off (SIGUSR2) unless fast, kills what is left after the timeout
 * through cgroup.kill, removes the cgroup and the run state and unmounts the root area.
 * It then waits (2 s at most) for the CT's monitor to exit.  Leftovers of a CT whose
 * init died are cleaned, then 31 (not running) is returned. */
int ct_stop(const struct vz_host *host, const char *ctid, const struct ct_run_opts *o,
	    vz_err *err);

/* A CT in a user namespace (LOCAL_UID/LOCAL_GID; core/userns.c).  The host side writes
 * the maps of the CT's init pid (ids 0..CT_USERNS_IDS-1 from uid and gid) and makes a
 * detached copy of the root area mounted with that namespace's idmapping, so that the
 * private area keeps the CT's own ids on disk.  The init then takes uid and gid 0 of
 * its namespace.  -errno on failure. */
int ct_userns_map(pid_t pid, unsigned long uid, unsigned long gid);
int ct_userns_idmapped_tree(pid_t pid, const char *root, int *ret);
int ct_userns_become_root(void);
/* The host uid and gid of the CT's root from LOCAL_UID/LOCAL_GID, one given alone
 * standing for both; 0 and 0 without a user namespace. */
void ct_res_userns_ids(const struct ct_res *res, unsigned long *uid, unsigned long *gid);

/* The counters view of a CT (core/ctview.c).  bcfs serves <dir>/ct/<id>/ as the tree
 * that CT sees; it is bound read-only, nosuid, nodev, noexec onto the same path <dir>
 * inside the CT, so that <dir>/proc/user_beancounters names the CT's own block there as
 * it names every CT's on the host.  dir is BCFS_DIR of vz.conf, else
 * CT_VIEW_DIR_DEFAULT. */
#define CT_VIEW_DIR_DEFAULT "/var/lib/bcfs"
const char *ct_view_dir(const struct vz_host *host);
/* A detached read-only copy (open_tree) of <dir>/ct/<ctid> into *ret (close-on-exec).
 * -ENOENT when no FUSE file system serves it there (bcfs does not run), -ENOTCONN when
 * its daemon died. */
int ct_view_open(const char *dir, const char *ctid, int *ret);
/* The directory path (absolute, as the CT names it) below root, a directory fd of the
 * CT's root, as an O_PATH fd in *ret: each component resolved inside root (openat2
 * RESOLVE_IN_ROOT: a symlink leads somewhere inside the CT, never out of it), the
 * missing ones made 0755.  -errno. */
int ct_view_target(int root, const char *path, int *ret);
/* Moves tree onto that directory.  The caller is in the CT's mount namespace (and user
 * namespace).  -errno. */
int ct_view_place(int root, const char *path, int tree);
/* Binds a fresh view into the running CT, in place of the views of a bcfs that died
 * (detached first): a child joins the CT's user namespace (as its root) when it has
 * one, then its mount namespace.  VZ_E_NOT_RUNNING when the CT does not run,
 * VZ_E_MOUNT when bcfs does not serve or the CT has no directory to mount on. */
int ct_view_attach(const struct vz_host *host, const char *ctid, vz_err *err);

/* The action script <confdir>/<ctid>.<event> ("start", "stop"), run inside the running
 * CT by its /bin/sh -c with VEID and VE_CONFFILE set, stdin /dev/null; each line it
 * prints goes to note.  0 when there is no such script; VZ_E_ACTION_SCRIPT when it
 * cannot be read or run or exits non-zero (core/action.c). */
int ct_run_inside_action(const struct vz_host *host, const char *ctid, const char *event,
			 const vz_warn *note, vz_err *err);
/* The longest script handed to sh -c: one argv string (MAX_ARG_STRLEN less the NUL). */
#define CT_SCRIPT_MAX (32 * 4096 - 1)

/* The capability bounding set of a CT, as a mask of 1 << CAP_*: OpenVZ's default
 * (no sys_module, sys_rawio, sys_time, sys_boot, sys_pacct, mknod, sys_admin, ...; see
 * core/runtime.c) changed by the CAPABILITY items `name:on|off[,…]` (lower-case
 * capability names, also `ve_admin` = sys_admin + net_admin; `setveid` is accepted and
 * means nothing here).  Pure: VZ_E_VALUE names a bad item; *mask is untouched then. */
uint64_t ct_cap_default(void);
int ct_cap_apply(const char *items, uint64_t *mask, vz_err *err);
/* The set for a CT: the default changed by CAPABILITY of vz.conf, then of CTID.conf.
 * A CT in a user namespace (userns) also has sys_boot by default: there it lets the
 * CT's init reboot the CT and nothing more (kexec needs it on the host). */
int ct_cap_bound(const vz_conf *global, const vz_conf *ct, bool userns, uint64_t *ret,
		 vz_err *err);
/* Lets the cgroup's processes use only the CT's devices (null, zero, full, random,
 * urandom, tty, console, ptmx, pts/N; no block device), through a cgroup device BPF
 * program (cgroup v2 has no devices files); core/devices.c. */
int ct_dev_limit(bc_cgroup *cg, vz_err *err);

/* Getting in (core/exec.c): a process that joins every namespace of the CT's init, the
 * CT's cgroup (clone3 CLONE_INTO_CGROUP where the kernel has it), its root and its
 * capability bounding set, with no host fd but 0..2 and a clean environment, then
 * executes a program resolved inside the CT (never a host binary). */
struct ct_exec_opts {
	char *const *argv; /* argv[0] looked up in the CT's PATH; NULL: the user's shell
			    * (/bin/bash if the CT has it, else /bin/sh) as a login shell */
	const char *term;  /* TERM to pass on (when sane), NULL for none */
	bool pty;          /* a pty of the CT's own devpts becomes the command's terminal */
	unsigned short rows, cols; /* with pty: its size (0: leave the default) */
	int fds[3];        /* what the command gets as 0, 1, 2 (without pty) */
	char *const *env;  /* NAME=value added to the environment, NULL-terminated; may be NULL */
};
struct ct_exec_proc {
	pid_t pid;      /* the host-side helper; its exit status is the command's */
	int pty_master; /* with pty: the master side, owned by the caller; else -1 */
};
/* Returns once the command runs (or failed to start: VZ_E_SYSTEM with the step that
 * failed; VZ_E_NOT_RUNNING when the CT does not run). */
int ct_exec_start(const struct vz_host *host, const char *ctid, const struct ct_exec_opts *o,
		  struct ct_exec_proc *ret, vz_err *err);
/* Waits for the command: *ret_status is its exit code, or 128 + the signal that
 * killed it.  SIGINT, SIGQUIT, SIGTERM and SIGHUP sent to the helper reach the
 * command. */
int ct_exec_wait(struct ct_exec_proc *p, int *ret_status, vz_err *err);
/* The words joined with single spaces, as vzctl hands `exec CT cmd…` to /bin/sh -c;
 * NULL when out of memory. */
char *ct_exec_join(int argc, char *const argv[]);
/* The environment of a command run in the CT: PATH, HOME=/root, TERM when term is a
 * plain terminal name, then the NAME=value strings of extra (NULL: none); one malloc'd
 * block (vector and strings), NULL on ENOMEM. */
char **ct_exec_env(const char *term, char *const *extra);
/* The CapBnd mask from the text of /proc/<pid>/status; -ENOENT when absent. */
int ct_parse_capbnd(const char *status, uint64_t *ret);

/* `vzctl create`: what the command line gave; NULL takes the default. */
struct ct_create_opts {
	const char *ostemplate; /* <TEMPLATE>/cache/<name>.tar.*; NULL: DEF_OSTEMPLATE of vz.conf */
	const char *config;     /* sample ve-<config>.conf-sample; NULL: CONFIGFILE of vz.conf */
	const char *private;    /* VE_PRIVATE for this CT ($VEID allowed); NULL: vz.conf's */
	const char *root;       /* VE_ROOT for this CT; NULL: vz.conf's */
	const char *hostname;   /* HOSTNAME, NULL: none */
	const char *name;       /* NAME, NULL: none */
	const vz_warn *note;    /* progress ("Creating container private area (NAME)"), may be NULL */
};

/* Unpacks the template into the private area and writes CTID.conf from the sample (its
 * lines kept; OSTEMPLATE, ORIGIN_SAMPLE and the options given set).  Errors: 44 the
 * private area exists, 91 no template, 29 no template named, 82 no sample or the config
 * already exists, 48 unpacking failed, 131 name taken.  A failure leaves neither a
 * private area nor a config. */
int ct_create(const struct vz_host *host, const char *ctid, const struct ct_create_opts *opts,
	      vz_err *err);
/* Removes a CT that is not running (VZ_E_RUNNING): unmounts it (running the umount
 * action scripts), removes the private area and the root directory, and renames
 * CTID.conf to CTID.conf.destroyed.  note gets "Destroying container private area: P"
 * and warnings.  A CT with neither private area nor config is VZ_E_NO_PRIVATE. */
int ct_destroy(const struct vz_host *host, const char *ctid, const vz_warn *note, vz_err *err);

#endif
