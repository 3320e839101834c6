/* The consistency rules of reference §1.5: what `vzcfgvalidate` checks and how `-r`
 * repairs.  Rules, repairs and wording follow legacy vzctl (src/validate.c).  Where
 * that code goes wrong (unsigned wrap-around on unlimited values, a gap computed as a
 * negative number, a repair that sets privvmpages' limit to vmguarpages' limit) this
 * file does what the rule means instead.
 *
 * Decisions:
 * - Rules compare values with "unlimited" as infinity and compute with saturating
 *   arithmetic, so an unlimited input asks for an unlimited output instead of
 *   wrapping round to a small number that passes.
 * - A rule whose inputs are not set is skipped; the missing parameter is its own
 *   finding.  avnumproc is AVNUMPROC, else half of NUMPROC's barrier (as vzctl);
 *   with neither (or NUMPROC unlimited) its term is left out.
 * - The per-parameter rules apply in both modes; the cross-parameter formulas size
 *   the pre-vswap memory model and apply outside vswap mode only (as vzctl).
 * - dgramrcvbuf and othersockbuf below 129 KiB but at least 32 KiB are fine: vzctl
 *   only recommends more, and a recommendation is not a broken rule.
 * - A repair changes only the pair of the finding's resource, and each finding is
 *   reported right after its repair. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/model/model.h"

#define KIB 1024UL
/* Repairs only raise values, except the vswap ones, which no other rule reads; so the
 * rounds end.  The table order resolves the longest chain (numproc -> numfile ->
 * dcachesize -> kmemsize) in one round; a second round proves it.  The bound is a
 * guard only. */
#define MAX_ROUNDS 8
#define MAX_RULES 64

enum mode { ANY, CLASSIC, VSWAP };

struct run;
struct rule;

struct verdict {
	char msg[240];       /* what is wrong, with the current values */
	struct ubc_pair fix; /* what a repair writes into ub[rule->id]; .set false: none */
};

/* Returns true when the rule is broken, filling *v; false when it holds or when its
 * inputs are not set. */
typedef bool check_fn(const struct run *run, const struct rule *rule, struct verdict *v);

struct rule {
	enum ubc_id id;    /* the resource checked, and the one a repair changes */
	enum mode mode;
	check_fn *check;
	enum ubc_id in;    /* the other resource a cross rule reads */
	unsigned long arg; /* the rule's constant: a minimum, a factor, a sample barrier */
	unsigned long arg2; /* a recommended minimum, a sample limit */
};

enum state { FRESH, OPEN }; /* OPEN: reported and left broken; not reported again */

struct run {
	struct ct_res *r;
	bool vswap;
	unsigned long host_ram, host_swap;
	bc_repair_ask *ask;
	void (*fn)(void *ctx, const struct bc_finding *f);
	void *ctx;
	int repairs;
	unsigned char state[MAX_RULES];
};

/* ------------------------------------------------------------- arithmetic */

static bool unlim(unsigned long v)
{
	return v >= VZ_UNLIMITED || v == VZ_UNLIMITED32;
}

static unsigned long norm(unsigned long v)
{
	return unlim(v) ? VZ_UNLIMITED : v;
}

static unsigned long sat_add(unsigned long a, unsigned long b)
{
	unsigned long s;

	if (__builtin_add_overflow(norm(a), norm(b), &s) || s > VZ_UNLIMITED)
		return VZ_UNLIMITED;
	return s;
}

static unsigned long sat_mul(unsigned long a, unsigned long b)
{
	unsigned long p;

	if (__builtin_mul_overflow(norm(a), norm(b), &p) || p > VZ_UNLIMITED)
		return VZ_UNLIMITED;
	return p;
}

static unsigned long max_ul(unsigned long a, unsigned long b)
{
	return a > b ? a : b;
}

/* Room between barrier and limit; an unlimited limit leaves unlimited room. */
static unsigned long gap(const struct ubc_pair *p)
{
	if (unlim(p->lim))
		return VZ_UNLIMITED;
	return p->lim > norm(p->bar) ? p->lim - norm(p->bar) : 0;
}

/* The barrier raised to need, the limit by as much, so the safety gap is kept (as vzctl
 * does); never below the new barrier. */
static struct ubc_pair raise_bar(const struct ubc_pair *p, unsigned long need)
{
	unsigned long lim = sat_add(p->lim, need - norm(p->bar));

	return (struct ubc_pair){ need, max_ul(lim, need), true };
}

/* ------------------------------------------------------------- wording */

struct text {
	char s[64];
};

/* Messages are for people: one cut short is better than none. */
__attribute__((format(printf, 3, 4)))
static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static struct text val(unsigned long v)
{
	struct text t;

	vz_format_value(norm(v), t.s, sizeof(t.s));
	return t;
}

static struct text pair(const struct ubc_pair *p)
{
	struct text t, b = val(p->bar), l = val(p->lim);

	say(t.s, sizeof(t.s), "%s:%s", b.s, l.s);
	return t;
}

static const char *key(enum ubc_id id)
{
	const struct ubc_res *res = ubc_by_id(id);

	return res ? res->key : "?";
}

/* ------------------------------------------------------------- inputs */

static const struct ubc_pair *get(const struct run *run, enum ubc_id id)
{
	return run->r->ub[id].set ? &run->r->ub[id] : NULL;
}

/* avnumproc as vzctl takes it: AVNUMPROC's barrier, else half of NUMPROC's barrier.
 * False when neither gives a number: an unlimited NUMPROC says nothing of the average. */
static bool avnumproc(const struct run *run, unsigned long *ret, struct text *how)
{
	const struct ubc_pair *av = get(run, UB_AVNUMPROC), *np = get(run, UB_NUMPROC);

	if (av) {
		*ret = norm(av->bar);
		say(how->s, sizeof(how->s), "AVNUMPROC %s", val(av->bar).s);
		return true;
	}
	if (np && !unlim(np->bar)) {
		*ret = np->bar / 2;
		say(how->s, sizeof(how->s), "avnumproc %lu (NUMPROC/2)", *ret);
		return true;
	}
	return false;
}

/* ------------------------------------------------------------- checks */

static bool check_present(const struct run *run, const struct rule *rule, struct verdict *v)
{
	if (get(run, rule->id))
		return false;
	say(v->msg, sizeof(v->msg),
	    "parameter %s not found; it is required %s (the %s sample has %s=\"%s:%s\")",
	    key(rule->id), run->vswap ? "in vswap mode" : "outside vswap mode",
	    run->vswap ? "ve-vswap-256m" : "ve-basic", key(rule->id), val(rule->arg).s,
	    val(rule->arg2).s);
	return true;
}

static bool check_equal(const struct run *run, const struct rule *rule, struct verdict *v)
{
	const struct ubc_pair *p = get(run, rule->id);
	unsigned long m;

	if (!p || norm(p->bar) == norm(p->lim))
		return false;
	say(v->msg, sizeof(v->msg), "barrier should be equal to limit for %s (currently %s)",
	    key(rule->id), pair(p).s);
	m = max_ul(norm(p->bar), norm(p->lim));
	v->fix = (struct ubc_pair){ m, m, true };
	return true;
}

static bool check_le(const struct run *run, const struct rule *rule, struct verdict *v)
{
	const struct ubc_pair *p = get(run, rule->id);

	if (!p || norm(p->bar) <= norm(p->lim))
		return false;
	say(v->msg, sizeof(v->msg), "barrier should be <= limit for %s (currently %s)",
	    key(rule->id), pair(p).s);
	v->fix = (struct ubc_pair){ p->bar, p->bar, true };
	return true;
}

/* A guarantee uses only its barrier; the kernel wants the limit out of the way. */
static bool check_guarantee(const struct run *run, const struct rule *rule, struct verdict *v)
{
	const struct ubc_pair *p = get(run, rule->id);

	if (!p || unlim(p->lim))
		return false;
	say(v->msg, sizeof(v->msg), "limit should be unlimited for %s (currently %s)",
	    key(rule->id), pair(p).s);
	v->fix = (struct ubc_pair){ p->bar, VZ_UNLIMITED, true };
	return true;
}

/* Before vswap physpages only accounts; any other value means a vswap config. */
static bool check_physpages(const struct run *run, const struct rule *rule, struct verdict *v)
{
	const struct ubc_pair *p = get(run, rule->id);

	if (!p || (p->bar == 0 && unlim(p->lim)))
		return false;
	say(v->msg, sizeof(v->msg), "%s should be 0:unlimited outside vswap mode (currently %s)",
	    key(rule->id), pair(p).s);
	v->fix = (struct ubc_pair){ 0, VZ_UNLIMITED, true };
	return true;
}

static bool check_zero_bar(const struct run *run, const struct rule *rule, struct verdict *v)
{
	const struct ubc_pair *p = get(run, rule->id);

	if (!p || p->bar == 0)
		return false;
	say(v->msg, sizeof(v->msg), "barrier should be 0 for %s in vswap mode (currently %s)",
	    key(rule->id), pair(p).s);
	v->fix = (struct ubc_pair){ 0, p->lim, true };
	return true;
}

/* The vswap limits cannot promise more RAM or swap than the host has. */
static bool check_host(const struct run *run, const struct rule *rule, struct verdict *v)
{
	const struct ubc_pair *p = get(run, rule->id);
	bool ram = rule->id == UB_PHYSPAGES;
	unsigned long host = ram ? run->host_ram : run->host_swap;

	if (!p || host == 0 || norm(p->lim) <= host)
		return false;
	say(v->msg, sizeof(v->msg),
	    "%s limit should be at most the host's %s, %lu pages (currently %s)", key(rule->id),
	    ram ? "RAM" : "swap", host, pair(p).s);
	v->fix = (struct ubc_pair){ norm(p->bar) < host ? p->bar : 0, host, true };
	return true;
}

static bool check_min_bar(const struct run *run, const struct rule *rule, struct verdict *v)
{
	const struct ubc_pair *p = get(run, rule->id);
	char rec[64] = "";

	if (!p || norm(p->bar) >= rule->arg)
		return false;
	if (rule->arg2)
		say(rec, sizeof(rec), ", %lu recommended", rule->arg2);
	say(v->msg, sizeof(v->msg), "%s barrier should be at least %lu%s (currently %s)",
	    key(rule->id), rule->arg, rec, pair(p).s);
	v->fix = raise_bar(p, rule->arg);
	return true;
}

/* The gap between barrier and limit is what the kernel keeps for one buffer per
 * socket that must not fail. */
static bool check_gap(const struct run *run, const struct rule *rule, struct verdict *v)
{
	const struct ubc_pair *p = get(run, rule->id), *n = get(run, rule->in);
	unsigned long need;

	if (!p || !n)
		return false;
	need = sat_mul(rule->arg, n->bar);
	if (gap(p) >= need)
		return false;
	say(v->msg, sizeof(v->msg),
	    "%s limit - barrier should be at least %lu x %s barrier %s = %s (currently %s)",
	    key(rule->id), rule->arg, key(rule->in), val(n->bar).s, val(need).s, pair(p).s);
	v->fix = (struct ubc_pair){ p->bar, max_ul(sat_add(p->bar, need), norm(p->lim)), true };
	return true;
}

static bool check_covers(const struct run *run, const struct rule *rule, struct verdict *v)
{
	const struct ubc_pair *p = get(run, rule->id), *g = get(run, rule->in);

	if (!p || !g || norm(p->bar) >= norm(g->bar))
		return false;
	say(v->msg, sizeof(v->msg), "%s barrier should be at least %s barrier %s (currently %s)",
	    key(rule->id), key(rule->in), val(g->bar).s, pair(p).s);
	v->fix = raise_bar(p, norm(g->bar));
	return true;
}

/* Every open file may pin a dentry and an inode. */
static bool check_dcache(const struct run *run, const struct rule *rule, struct verdict *v)
{
	const struct ubc_pair *p = get(run, rule->id), *nf = get(run, rule->in);
	unsigned long need;

	if (!p || !nf)
		return false;
	need = sat_mul(rule->arg, nf->bar);
	if (norm(p->lim) >= need)
		return false;
	say(v->msg, sizeof(v->msg),
	    "%s limit should be at least %lu x %s barrier %s = %s (currently %s)", key(rule->id),
	    rule->arg, key(rule->in), val(nf->bar).s, val(need).s, pair(p).s);
	v->fix = (struct ubc_pair){ p->bar, max_ul(need, norm(p->bar)), true };
	return true;
}

/* Kernel memory holds each process's own structures plus the dentry cache. */
static bool check_kmem(const struct run *run, const struct rule *rule, struct verdict *v)
{
	const struct ubc_pair *p = get(run, rule->id), *dc = get(run, rule->in);
	unsigned long avn, need;
	struct text how;
	char term[96] = "";

	if (!p || !dc)
		return false;
	if (avnumproc(run, &avn, &how)) {
		need = sat_add(sat_mul(rule->arg, avn), dc->lim);
		say(term, sizeof(term), "%lu x %s + ", rule->arg, how.s);
	} else {
		need = norm(dc->lim);
	}
	if (norm(p->bar) >= need)
		return false;
	say(v->msg, sizeof(v->msg), "%s barrier should be at least %s%s limit %s = %s (currently %s)",
	    key(rule->id), term, key(rule->in), val(dc->lim).s, val(need).s, pair(p).s);
	v->fix = raise_bar(p, need);
	return true;
}

/* A process holds a few files, and every socket and pty is a file too. */
static bool check_numfile(const struct run *run, const struct rule *rule, struct verdict *v)
{
	const struct ubc_pair *p = get(run, rule->id), *tcp = get(run, UB_NUMTCPSOCK),
			      *oth = get(run, UB_NUMOTHERSOCK), *pty = get(run, UB_NUMPTY);
	bool have_avn, have_socks = tcp && oth && pty;
	unsigned long avn, need = 0;
	struct text how;
	char per_proc[96] = "", socks[64] = "";

	have_avn = avnumproc(run, &avn, &how);
	if (!p || (!have_avn && !have_socks))
		return false;
	if (have_avn) {
		need = sat_mul(rule->arg, avn);
		say(per_proc, sizeof(per_proc), "%lu x %s", rule->arg, how.s);
	}
	if (have_socks) {
		unsigned long sum = sat_add(sat_add(tcp->bar, oth->bar), pty->bar);

		need = max_ul(need, sum);
		say(socks, sizeof(socks), "NUMTCPSOCK + NUMOTHERSOCK + NUMPTY %s", val(sum).s);
	}
	if (norm(p->bar) >= need)
		return false;
	say(v->msg, sizeof(v->msg), "%s barrier should be at least max(%s%s%s) = %s (currently %s)",
	    key(rule->id), per_proc, have_avn && have_socks ? ", " : "", socks, val(need).s, pair(p).s);
	v->fix = raise_bar(p, need);
	return true;
}

/* ------------------------------------------------------------- the table */

#define REQUIRED(id, mode, bar, lim) { id, mode, check_present, 0, bar, lim }
#define PER_PARAM(id, check) { id, ANY, check, 0, 0, 0 }
#define UNL VZ_UNLIMITED

/* In the order they are checked: a rule comes after every rule whose repair can change
 * its inputs, so that one round of repairs settles everything. */
static const struct rule rules[] = {
	/* Required parameters, with the sample values the messages suggest. */
	REQUIRED(UB_KMEMSIZE, CLASSIC, 14372700, 14790164),
	REQUIRED(UB_LOCKEDPAGES, CLASSIC, 2048, 2048),
	REQUIRED(UB_PRIVVMPAGES, CLASSIC, 65536, 69632),
	REQUIRED(UB_SHMPAGES, CLASSIC, 21504, 21504),
	REQUIRED(UB_NUMPROC, CLASSIC, 240, 240),
	REQUIRED(UB_PHYSPAGES, CLASSIC, 0, UNL),
	REQUIRED(UB_VMGUARPAGES, CLASSIC, 33792, UNL),
	REQUIRED(UB_OOMGUARPAGES, CLASSIC, 26112, UNL),
	REQUIRED(UB_NUMTCPSOCK, CLASSIC, 360, 360),
	REQUIRED(UB_NUMFLOCK, CLASSIC, 188, 206),
	REQUIRED(UB_NUMPTY, CLASSIC, 16, 16),
	REQUIRED(UB_NUMSIGINFO, CLASSIC, 256, 256),
	REQUIRED(UB_TCPSNDBUF, CLASSIC, 1720320, 2703360),
	REQUIRED(UB_TCPRCVBUF, CLASSIC, 1720320, 2703360),
	REQUIRED(UB_OTHERSOCKBUF, CLASSIC, 1126080, 2097152),
	REQUIRED(UB_DGRAMRCVBUF, CLASSIC, 262144, 262144),
	REQUIRED(UB_NUMOTHERSOCK, CLASSIC, 360, 360),
	REQUIRED(UB_DCACHESIZE, CLASSIC, 3409920, 3624960),
	REQUIRED(UB_NUMFILE, CLASSIC, 9312, 9312),
	REQUIRED(UB_NUMIPTENT, CLASSIC, 128, 128),
	REQUIRED(UB_PHYSPAGES, VSWAP, 0, 65536),
	REQUIRED(UB_SWAPPAGES, VSWAP, 0, 131072),

	/* Barrier and limit of one parameter. */
	PER_PARAM(UB_NUMPROC, check_equal),
	PER_PARAM(UB_NUMTCPSOCK, check_equal),
	PER_PARAM(UB_NUMOTHERSOCK, check_equal),
	PER_PARAM(UB_SHMPAGES, check_equal),
	PER_PARAM(UB_NUMFILE, check_equal),
	PER_PARAM(UB_NUMPTY, check_equal),
	PER_PARAM(UB_NUMSIGINFO, check_equal),
	PER_PARAM(UB_NUMIPTENT, check_equal),
	PER_PARAM(UB_KMEMSIZE, check_le),
	PER_PARAM(UB_TCPSNDBUF, check_le),
	PER_PARAM(UB_TCPRCVBUF, check_le),
	PER_PARAM(UB_OTHERSOCKBUF, check_le),
	PER_PARAM(UB_DGRAMRCVBUF, check_le),
	PER_PARAM(UB_PRIVVMPAGES, check_le),
	PER_PARAM(UB_LOCKEDPAGES, check_le),
	PER_PARAM(UB_NUMFLOCK, check_le),
	PER_PARAM(UB_DCACHESIZE, check_le),
	PER_PARAM(UB_VMGUARPAGES, check_guarantee),
	PER_PARAM(UB_OOMGUARPAGES, check_guarantee),
	{ UB_PHYSPAGES, CLASSIC, check_physpages, 0, 0, 0 },
	{ UB_PHYSPAGES, VSWAP, check_zero_bar, 0, 0, 0 },
	{ UB_SWAPPAGES, VSWAP, check_zero_bar, 0, 0, 0 },
	{ UB_PHYSPAGES, VSWAP, check_host, 0, 0, 0 },
	{ UB_SWAPPAGES, VSWAP, check_host, 0, 0, 0 },

	/* Formulas across parameters (outside vswap mode). */
	{ UB_NUMFILE, CLASSIC, check_numfile, 0, 32, 0 },
	{ UB_DCACHESIZE, CLASSIC, check_dcache, UB_NUMFILE, 384, 0 },
	{ UB_KMEMSIZE, CLASSIC, check_kmem, UB_DCACHESIZE, 40 * KIB, 0 },
	{ UB_PRIVVMPAGES, CLASSIC, check_covers, UB_VMGUARPAGES, 0, 0 },
	{ UB_TCPSNDBUF, CLASSIC, check_gap, UB_NUMTCPSOCK, 5 * KIB / 2, 0 },
	{ UB_TCPRCVBUF, CLASSIC, check_gap, UB_NUMTCPSOCK, 5 * KIB / 2, 0 },
	{ UB_OTHERSOCKBUF, CLASSIC, check_gap, UB_NUMOTHERSOCK, 5 * KIB / 2, 0 },
	{ UB_TCPSNDBUF, CLASSIC, check_min_bar, 0, 64 * KIB, 0 },
	{ UB_TCPRCVBUF, CLASSIC, check_min_bar, 0, 64 * KIB, 0 },
	{ UB_DGRAMRCVBUF, CLASSIC, check_min_bar, 0, 32 * KIB, 129 * KIB },
	{ UB_OTHERSOCKBUF, CLASSIC, check_min_bar, 0, 32 * KIB, 129 * KIB },
};

#define RULE_COUNT (sizeof(rules) / sizeof(rules[0]))
_Static_assert(RULE_COUNT <= MAX_RULES, "raise MAX_RULES");

/* ------------------------------------------------------------- the engine */

static bool applies(const struct run *run, const struct rule *rule)
{
	return rule->mode == ANY || (rule->mode == VSWAP) == run->vswap;
}

static void apply(struct run *run, size_t idx)
{
	const struct rule *rule = &rules[idx];
	struct ubc_pair *cur = &run->r->ub[rule->id];
	struct bc_finding f = { .id = rule->id };
	struct verdict v = { 0 };
	bool repairable;

	if (!applies(run, rule) || !rule->check(run, rule, &v) || run->state[idx] == OPEN)
		return;
	/* A repair that would change nothing is no repair: it would loop. */
	repairable = v.fix.set && (v.fix.bar != cur->bar || v.fix.lim != cur->lim);
	if (repairable)
		say(f.msg, sizeof(f.msg), "%s; set %s=\"%s\"", v.msg, key(rule->id), pair(&v.fix).s);
	else
		say(f.msg, sizeof(f.msg), "%s", v.msg);
	if (repairable && run->ask && run->ask(run->ctx, &f)) {
		*cur = v.fix;
		f.repaired = true;
		run->repairs++;
	} else {
		run->state[idx] = OPEN;
	}
	if (run->fn)
		run->fn(run->ctx, &f);
}

static int count_broken(const struct run *run)
{
	int n = 0;

	for (size_t i = 0; i < RULE_COUNT; i++) {
		struct verdict v = { 0 };

		if (applies(run, &rules[i]) && rules[i].check(run, &rules[i], &v))
			n++;
	}
	return n;
}

int bc_validate_ask(struct ct_res *r, int vswap, unsigned long host_ram_pages,
		    unsigned long host_swap_pages, bc_repair_ask *ask,
		    void (*fn)(void *ctx, const struct bc_finding *f), void *ctx)
{
	struct run run = {
		.r = r,
		.vswap = vswap < 0 ? ct_res_is_vswap(r) : vswap > 0,
		.host_ram = host_ram_pages,
		.host_swap = host_swap_pages,
		.ask = ask,
		.fn = fn,
		.ctx = ctx,
	};

	for (int round = 0; round < MAX_ROUNDS; round++) {
		run.repairs = 0;
		for (size_t i = 0; i < RULE_COUNT; i++)
			apply(&run, i);
		if (run.repairs == 0)
			break;
	}
	return count_broken(&run);
}

static bool accept_all(void *ctx, const struct bc_finding *f)
{
	(void)ctx;
	(void)f;
	return true;
}

/* Returns the number of rules still broken: with repair, 0 when every finding was
 * repaired. */
int bc_validate(struct ct_res *r, int vswap, bool repair, unsigned long host_ram_pages,
		unsigned long host_swap_pages, void (*fn)(void *ctx, const struct bc_finding *f),
		void *ctx)
{
	return bc_validate_ask(r, vswap, host_ram_pages, host_swap_pages,
			       repair ? accept_all : NULL, fn, ctx);
}
