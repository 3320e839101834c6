/* The typed view of a CT's resource settings, read from and written to configs. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model/model.h"

void ct_res_free(struct ct_res *r)
{
	if (!r)
		return;
	free(r->cpumask);
	free(r->hostname);
	r->cpumask = NULL;
	r->hostname = NULL;
}

/* CTID.conf overrides vz.conf (reference §4.1). */
static const char *layered_get(const vz_conf *global, const vz_conf *ct, const char *key)
{
	const char *v = ct ? vz_conf_get(ct, key) : NULL;

	if (!v && global)
		v = vz_conf_get(global, key);
	return v;
}

static void warn_skipped(const vz_warn *w, const char *key, const char *value, const vz_err *why)
{
	vz_warnf(w, "invalid value for %s (\"%s\"), skipped: %s", key, value, why->msg);
}

/* A UBC key may also be spelled by an alias (DCACHE=…); the canonical key wins. */
static const char *ubc_value(const vz_conf *global, const vz_conf *ct, const struct ubc_res *res)
{
	static const struct {
		enum ubc_id id;
		const char *alias;
	} aliases[] = {
		{ UB_DCACHESIZE, "DCACHE" },
		{ UB_NUMIPTENT, "IPTENTRIES" },
		{ UB_TCPSNDBUF, "TCPSENDBUF" },
	};
	const char *v = layered_get(global, ct, res->key);

	for (size_t i = 0; !v && i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (aliases[i].id == res->id)
			v = layered_get(global, ct, aliases[i].alias);
	return v;
}

static void read_ubcs(const vz_conf *global, const vz_conf *ct, struct ct_res *r, const vz_warn *w)
{
	for (int id = 0; id < UB_PARAM_COUNT; id++) {
		const struct ubc_res *res = ubc_by_id(id);
		const char *v;
		vz_err why;

		if (!res)
			continue;
		v = ubc_value(global, ct, res);
		if (!v)
			continue;
		if (vz_parse_barlim(v, res->unit, &r->ub[id].bar, &r->ub[id].lim, w, &why) < 0) {
			warn_skipped(w, res->key, v, &why);
			continue;
		}
		r->ub[id].set = true;
	}
}

/* Reads a whole number in [min, max]; `unlimited` is not a number here. */
static int parse_ranged(const char *text, unsigned long min, unsigned long max,
			unsigned long *ret, vz_err *err)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (!text || text[0] < '0' || text[0] > '9')
		goto bad;
	v = strtoul(text, &end, 10);
	if (errno || *end || v < min || v > max)
		goto bad;
	*ret = v;
	return 0;
bad:
	return vz_fail(err, VZ_E_VALUE, 0, "invalid value \"%s\": a whole number from %lu to %lu is needed",
		       text ? text : "", min, max);
}

int ct_parse_cpuunits(const char *text, unsigned long *ret, vz_err *err)
{
	return parse_ranged(text, CT_CPUUNITS_MIN, CT_CPUUNITS_MAX, ret, err);
}

int ct_parse_ioprio(const char *text, unsigned long *ret, vz_err *err)
{
	return parse_ranged(text, 0, 7, ret, err);
}

int ct_parse_yesno(const char *text, bool *ret, vz_err *err)
{
	if (text && (strcmp(text, "yes") == 0 || strcmp(text, "no") == 0)) {
		*ret = text[0] == 'y';
		return 0;
	}
	return vz_fail(err, VZ_E_VALUE, 0, "invalid value \"%s\": yes or no is needed",
		       text ? text : "");
}

int ct_parse_count(const char *text, unsigned long *ret, vz_err *err)
{
	return parse_ranged(text, 0, VZ_UNLIMITED, ret, err);
}

int ct_parse_iolimit(const char *text, unsigned long *ret, vz_err *err)
{
	size_t len = text ? strlen(text) : 0;
	unsigned long v;

	if (len > 0 && text[len - 1] >= '0' && text[len - 1] <= '9') {
		if (parse_ranged(text, 0, VZ_UNLIMITED >> 20, &v, err) < 0)
			return -EINVAL;
		*ret = v << 20;
		return 0;
	}
	return vz_parse_value(text, VZ_UNIT_BYTES, ret, NULL, err);
}

int ct_parse_local_id(const char *text, unsigned long *ret, vz_err *err)
{
	return parse_ranged(text, 0, CT_LOCAL_ID_MAX, ret, err);
}

int ct_parse_cpus(const char *text, unsigned long *ret, vz_err *err)
{
	if (text && strcmp(text, "unlimited") == 0) {
		*ret = 0;
		return 0;
	}
	return parse_ranged(text, 0, CT_CPUS_MAX, ret, err);
}

int ct_parse_cpulimit(const char *text, unsigned long ncpus, unsigned long *ret, vz_err *err)
{
	size_t len = text ? strlen(text) : 0;
	unsigned long v;
	char num[32];

	if (len > 1 && len < sizeof(num) && text[len - 1] == '%') {
		/* N% is a share of the whole host: percent of one CPU times the CPU count. */
		memcpy(num, text, len - 1);
		num[len - 1] = '\0';
		if (parse_ranged(num, 0, 100, &v, NULL) < 0)
			return vz_fail(err, VZ_E_VALUE, 0,
				       "invalid value \"%s\": N%% takes N from 0 to 100", text);
		*ret = v * (ncpus ? ncpus : 1);
		return 0;
	}
	return parse_ranged(text, 0, CT_CPULIMIT_MAX, ret, err);
}

int ct_parse_cpumask(const char *text, char **ret, vz_err *err)
{
	unsigned long prev = 0;
	bool in_range = false, have_num = false;
	unsigned long n = 0;

	if (!text || !*text)
		goto bad;
	if (strcmp(text, "all") == 0 || strcmp(text, "auto") == 0)
		goto ok;
	/* A cpuset list: N or N-M items separated by commas, ranges ascending. */
	for (const char *p = text;; p++) {
		if (*p >= '0' && *p <= '9') {
			n = n * 10 + (unsigned long)(*p - '0');
			if (n >= CT_CPUMASK_MAX)
				goto bad;
			have_num = true;
			continue;
		}
		if (!have_num)
			goto bad;
		if (*p == '-' && !in_range) {
			prev = n;
			in_range = true;
		} else if (*p == ',' || *p == '\0') {
			if (in_range && n < prev)
				goto bad;
			in_range = false;
		} else {
			goto bad;
		}
		if (*p == '\0')
			break;
		n = 0;
		have_num = false;
	}
ok:
	*ret = strdup(text);
	if (!*ret)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	return 0;
bad:
	return vz_fail(err, VZ_E_VALUE, 0,
		       "invalid value \"%s\": a CPU list such as 0-3,6, or all, is needed", text ? text : "");
}

int ct_parse_overcommit(const char *text, double *ret, vz_err *err)
{
	char *end;
	double v;

	/* Digits and at most one dot only: strtod alone would take inf, nan and hex. */
	if (!text || !*text || strspn(text, "0123456789.") != strlen(text))
		goto bad;
	errno = 0;
	v = strtod(text, &end);
	if (errno || *end || !isfinite(v) || v < 0 || v > 1000)
		goto bad;
	*ret = v;
	return 0;
bad:
	return vz_fail(err, VZ_E_VALUE, 0, "invalid value \"%s\": a number from 0 to 1000 is needed",
		       text ? text : "");
}

bool ct_hostname_valid(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > 253 || name[0] == '-' || name[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* Reads one scalar key through parse; a bad value is a warning and stays unset. */
#define READ_SCALAR(key, parse, field, flag)                                         \
	do {                                                                         \
		const char *v_ = layered_get(global, ct, key);                       \
		vz_err why_;                                                         \
		if (v_ && parse(v_, &r->field, &why_) == 0)                          \
			r->flag = true;                                              \
		else if (v_)                                                         \
			warn_skipped(w, key, v_, &why_);                             \
	} while (0)

static int read_strings(const vz_conf *global, const vz_conf *ct, struct ct_res *r,
			const vz_warn *w, vz_err *err)
{
	const char *v = layered_get(global, ct, "CPUMASK");
	vz_err why;

	if (v && ct_parse_cpumask(v, &r->cpumask, &why) < 0) {
		if (why.exit_code == VZ_E_NOMEM)
			return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
		warn_skipped(w, "CPUMASK", v, &why);
	}
	v = layered_get(global, ct, "HOSTNAME");
	if (v && *v) {
		r->hostname = strdup(v);
		if (!r->hostname)
			return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory");
	}
	return 0;
}

int ct_res_from_conf(const vz_conf *global, const vz_conf *ct, struct ct_res *ret,
		     const vz_warn *w, vz_err *err)
{
	struct ct_res res = { 0 }, *r = &res;
	const char *v;
	vz_err why;
	int rc;

	read_ubcs(global, ct, r, w);
	READ_SCALAR("VM_OVERCOMMIT", ct_parse_overcommit, vm_overcommit, has_vm_overcommit);
	READ_SCALAR("CPUUNITS", ct_parse_cpuunits, cpuunits, has_cpuunits);
	READ_SCALAR("CPUS", ct_parse_cpus, cpus, has_cpus);
	READ_SCALAR("IOPRIO", ct_parse_ioprio, ioprio, has_ioprio);
	READ_SCALAR("IOLIMIT", ct_parse_count, iolimit, has_iolimit);
	READ_SCALAR("IOPSLIMIT", ct_parse_count, iopslimit, has_iopslimit);
	READ_SCALAR("DISABLED", ct_parse_yesno, disabled, has_disabled);
	READ_SCALAR("LOCAL_UID", ct_parse_local_id, local_uid, has_local_uid);
	READ_SCALAR("LOCAL_GID", ct_parse_local_id, local_gid, has_local_gid);
	/* A config keeps CPULIMIT as percent of one CPU; N% only makes sense on the
	 * command line, where the host's CPU count is known. */
	v = layered_get(global, ct, "CPULIMIT");
	if (v && parse_ranged(v, 0, CT_CPULIMIT_MAX, &r->cpulimit, &why) == 0)
		r->has_cpulimit = true;
	else if (v)
		warn_skipped(w, "CPULIMIT", v, &why);
	rc = read_strings(global, ct, r, w, err);
	if (rc < 0) {
		ct_res_free(r);
		return rc;
	}
	*ret = res;
	return 0;
}

static int set_number(vz_conf *cf, const char *key, unsigned long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu", v);
	return vz_conf_set(cf, key, buf);
}

int ct_res_to_conf(const struct ct_res *r, vz_conf *cf, vz_err *err)
{
	char buf[64];
	int rc = 0;

	for (int id = 0; id < UB_PARAM_COUNT && rc == 0; id++) {
		const struct ubc_res *res = ubc_by_id(id);

		if (res && r->ub[id].set)
			rc = vz_conf_set(cf, res->key,
					 vz_format_barlim(r->ub[id].bar, r->ub[id].lim, buf, sizeof(buf)));
	}
	if (rc == 0 && r->has_vm_overcommit) {
		snprintf(buf, sizeof(buf), "%g", r->vm_overcommit);
		rc = vz_conf_set(cf, "VM_OVERCOMMIT", buf);
	}
	if (rc == 0 && r->has_cpuunits)
		rc = set_number(cf, "CPUUNITS", r->cpuunits);
	if (rc == 0 && r->has_cpulimit)
		rc = set_number(cf, "CPULIMIT", r->cpulimit);
	if (rc == 0 && r->has_cpus)
		rc = set_number(cf, "CPUS", r->cpus);
	if (rc == 0 && r->has_ioprio)
		rc = set_number(cf, "IOPRIO", r->ioprio);
	if (rc == 0 && r->cpumask)
		rc = vz_conf_set(cf, "CPUMASK", r->cpumask);
	if (rc == 0 && r->hostname)
		rc = vz_conf_set(cf, "HOSTNAME", r->hostname);
	if (rc == 0 && r->has_iolimit)
		rc = set_number(cf, "IOLIMIT", r->iolimit);
	if (rc == 0 && r->has_iopslimit)
		rc = set_number(cf, "IOPSLIMIT", r->iopslimit);
	if (rc == 0 && r->has_disabled)
		rc = vz_conf_set(cf, "DISABLED", r->disabled ? "yes" : "no");
	if (rc == 0 && r->has_local_uid)
		rc = set_number(cf, "LOCAL_UID", r->local_uid);
	if (rc == 0 && r->has_local_gid)
		rc = set_number(cf, "LOCAL_GID", r->local_gid);
	if (rc < 0)
		return vz_fail(err, VZ_E_NOMEM, -rc, "Out of memory");
	return 0;
}

static bool is_unlimited(unsigned long v)
{
	return v >= VZ_UNLIMITED || v == VZ_UNLIMITED32;
}

bool ct_res_is_vswap(const struct ct_res *r)
{
	return r->ub[UB_PHYSPAGES].set && !is_unlimited(r->ub[UB_PHYSPAGES].lim);
}

static unsigned long sat_add(unsigned long a, unsigned long b)
{
	unsigned long s;

	if (__builtin_add_overflow(a, b, &s) || s > VZ_UNLIMITED)
		return VZ_UNLIMITED;
	return s;
}

static void fill(struct ct_res *r, enum ubc_id id, unsigned long bar, unsigned long lim)
{
	if (r->ub[id].set)
		return;
	r->ub[id] = (struct ubc_pair){ bar, lim, true };
}

void ct_res_vswap_fill(struct ct_res *r)
{
	unsigned long ram, swap, total, priv;

	if (!ct_res_is_vswap(r))
		return;
	ram = r->ub[UB_PHYSPAGES].lim;
	swap = r->ub[UB_SWAPPAGES].set && !is_unlimited(r->ub[UB_SWAPPAGES].lim)
		       ? r->ub[UB_SWAPPAGES].lim : 0;
	total = sat_add(ram, swap);
	fill(r, UB_LOCKEDPAGES, ram, ram);
	fill(r, UB_OOMGUARPAGES, ram, VZ_UNLIMITED);
	fill(r, UB_VMGUARPAGES, total, VZ_UNLIMITED);
	if (!r->has_vm_overcommit || r->vm_overcommit <= 0) {
		fill(r, UB_PRIVVMPAGES, VZ_UNLIMITED, VZ_UNLIMITED);
		return;
	}
	priv = (double)total * r->vm_overcommit >= (double)VZ_UNLIMITED
		       ? VZ_UNLIMITED : (unsigned long)((double)total * r->vm_overcommit);
	fill(r, UB_PRIVVMPAGES, priv, priv);
}

void ct_res_userns_ids(const struct ct_res *res, unsigned long *uid, unsigned long *gid)
{
	*uid = res->has_local_uid ? res->local_uid : 0;
	*gid = res->has_local_gid ? res->local_gid : 0;
	if (!res->has_local_gid)
		*gid = *uid;
	if (!res->has_local_uid)
		*uid = *gid;
}

/* Whether [a, a + CT_USERNS_IDS) and [b, b + CT_USERNS_IDS) share an id. */
static bool ranges_meet(unsigned long a, unsigned long b)
{
	return a < b + CT_USERNS_IDS && b < a + CT_USERNS_IDS;
}

int ct_userns_pick(const unsigned long *used, size_t n, unsigned long base, unsigned long *ret)
{
	/* Candidates are aligned to base; a range someone set by hand anywhere rules out
	 * the one or two candidates it meets, so at most 2n + 1 are tried. */
	for (unsigned long start = base; start >= base && start <= CT_LOCAL_ID_MAX;
	     start += CT_USERNS_IDS) {
		bool free_range = start > 0;

		for (size_t i = 0; free_range && i < n; i++)
			if (used[i] && ranges_meet(start, used[i]))
				free_range = false;
		if (free_range) {
			*ret = start;
			return 0;
		}
	}
	return -ENOSPC;
}
