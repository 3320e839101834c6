/* core/acct: the counters.  A CT's beancounter table from every source the kernel has
 * (cgroup files, its tasks, /proc/locks, sock_diag and netfilter in its network
 * namespace), the host's block, and the load average sampler the CT's monitor runs.
 * A reader that stays (the export) keeps what may be kept between tables in a cache of
 * its own.  Uses state, cgroup, host, model and base.
 *
 * Errors follow conf/conf.h: negative errno plus a filled vz_err; outputs are
 * untouched on failure; nothing here prints. */
#ifndef VZ_CORE_ACCT_H
#define VZ_CORE_ACCT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf/conf.h"
#include "core/host/host.h"
#include "core/model/model.h"
#include "core/state/state.h"

/* -------------------------------------------------------------- counters */

/* What the tables keep between calls, for a reader that stays (the export): each CT's
 * config's limits, and the lock holders of /proc/locks when shared.  The reader owns
 * it; a NULL cache keeps nothing. */
struct bc_cache *bc_cache_new(void);
void bc_cache_free(struct bc_cache *c);
/* Tables begun less than max_age_ms after a reading of /proc/locks began take numflock
 * from that reading (0, the default: every table reads it).  That read waits for an RCU
 * grace period, 10-30 ms on an idle host, unless another one came within the last; a
 * reader that renders many files shares one reading among those close together. */
void bc_cache_share_locks(struct bc_cache *c, unsigned max_age_ms);

/* The table of one CT: live for a running CT (maxheld kept in <RUNDIR>/<ctid>.bcstate
 * for this run of the CT, so it never goes backwards), the config's barrier and limit
 * with no usage for a stopped one.  VZ_E_NO_CTCONF when it has no config.  cache may
 * be NULL. */
int bc_table_get(const struct vz_host *host, struct bc_cache *cache, const char *ctid,
		 struct bc_table *ret, vz_err *err);
/* The tables of every CT with a config, by id; *ret is malloc'd. */
int bc_table_all(const struct vz_host *host, struct bc_cache *cache, struct bc_table **ret,
		 size_t *n, vz_err *err);

/* ---------------------------------------------------------- network usage */

/* What a CT's network namespace holds (core/acct/netcount.c), in OpenVZ's terms: socket
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

/* The host's own beancounter, block `0:` of the export (core/acct/hostbc.c): what OpenVZ
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


/* ---------------------------------------------------- load average sampler */

/* The threads the kernel's load average counts (state R or D) in the cgroup rel below
 * dirfd and in every cgroup under it, from their cgroup.threads. */
int ct_la_count(int dirfd, const char *rel, unsigned long *ret);

/* The monitor's side. */
struct ct_la_sampler {
	char *rundir, *ctid;      /* where the file goes (core/state) */
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

#endif
