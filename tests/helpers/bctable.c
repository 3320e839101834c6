/* Prints the beancounter table of one CT as the core gives it, one row per line:
 *   <name> <held> <maxheld> <barrier> <limit> <failcnt> <class> known|unknown
 * (the class with '_' for blanks: "not_available")
 * for the guest tests of the counters (vzlist shows the same values). */
#include <stdio.h>
#include <string.h>

#include "core/acct/acct.h"
#include "core/base/base.h"
#include "core/ct/ct.h"
#include "core/limits/limits.h"

int main(int argc, char **argv)
{
	struct vz_host host;
	struct bc_table t;
	vz_err err;

	if (argc != 2) {
		fprintf(stderr, "usage: bctable CTID\n");
		return 2;
	}
	if (vz_host_load(&host, NULL, &err) < 0 || bc_table_get(&host, NULL, argv[1], &t, &err) < 0) {
		fprintf(stderr, "bctable: %s\n", err.msg);
		return err.exit_code ? err.exit_code : 1;
	}
	for (int id = 0; id < UB_KERNEL_COUNT; id++) {
		const struct ubc_res *u = ubc_by_id(id);
		const struct bc_row *r = &t.row[id];

		char cls[32];

		snprintf(cls, sizeof(cls), "%s", bc_class_name(r->cls));
		for (char *p = strchr(cls, ' '); p; p = strchr(p, ' '))
			*p = '_';
		if (u)
			printf("%s %llu %llu %llu %llu %llu %s %s\n", u->name,
			       (unsigned long long)r->held, (unsigned long long)r->maxheld,
			       (unsigned long long)r->barrier, (unsigned long long)r->limit,
			       (unsigned long long)r->failcnt, cls,
			       r->usage_known ? "known" : "unknown");
	}
	vz_host_free(&host);
	return 0;
}
