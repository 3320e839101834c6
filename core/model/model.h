/* core/model: pure knowledge, no system calls: the resource table (ids, names, units,
 * classes), CT ids and names, the typed parameters of a config and the value checks,
 * the vswap fill, the consistency rules of vzcfgvalidate, and a CT's capability
 * bounding set.  Uses conf only.
 *
 * Errors follow conf/conf.h: negative errno plus a filled vz_err; outputs are
 * untouched on failure; nothing here prints. */
#ifndef VZ_CORE_MODEL_H
#define VZ_CORE_MODEL_H

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



/* Unprivileged by default (USERNS=yes in vz.conf): each new CT gets ranges of
 * CT_USERNS_IDS host ids no other CT's LOCAL_UID or LOCAL_GID range touches, starting
 * at base + k x CT_USERNS_IDS.  used holds the first host id of every range in use (n
 * of them; a CT's uid and gid ranges both count).  *ret is the lowest such start that
 * overlaps none of them and is at most CT_LOCAL_ID_MAX; -ENOSPC when there is none.
 * Pure. */
#define CT_USERNS_BASE_DEFAULT 1000000UL
int ct_userns_pick(const unsigned long *used, size_t n, unsigned long base, unsigned long *ret);

/* The host uid and gid of the CT's root from LOCAL_UID/LOCAL_GID, one given alone
 * standing for both; 0 and 0 without a user namespace. */
void ct_res_userns_ids(const struct ct_res *res, unsigned long *uid, unsigned long *gid);

/* The capability bounding set of a CT, as a mask of 1 << CAP_*: OpenVZ's default
 * (no sys_module, sys_rawio, sys_time, sys_boot, sys_pacct, mknod, sys_admin, ...) less
 * dac_read_search and sys_ptrace, which a stock kernel checks in the host's user
 * namespace (see core/model/caps.c), changed by the CAPABILITY items `name:on|off[,…]` (lower-case
 * capability names, also `ve_admin` = sys_admin + net_admin; `setveid` is accepted and
 * means nothing here).  Pure: VZ_E_VALUE names a bad item; *mask is untouched then. */
uint64_t ct_cap_default(void);
/* The default of a CT in a user namespace: the above with sys_admin, sys_boot, mknod,
 * sys_ptrace and dac_read_search, which there act on the CT's own namespaces only
 * (reasons in core/model/caps.c). */
uint64_t ct_cap_userns_default(void);
int ct_cap_apply(const char *items, uint64_t *mask, vz_err *err);
/* The set for a CT: the default (ct_cap_userns_default for a CT in a user namespace)
 * changed by CAPABILITY of vz.conf, then of CTID.conf. */
int ct_cap_bound(const vz_conf *global, const vz_conf *ct, bool userns, uint64_t *ret,
		 vz_err *err);

/* ------------------------------------------------------ a CT's counters */

/* One row of a CT's beancounter table (core/acct).  held, maxheld and failcnt
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

#endif
