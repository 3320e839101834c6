/* export-sample DIR
 *
 * Writes the export's texts for a fixed table into DIR, for the consumer parsers of
 * tests/consumers/run.sh, together with the numbers they must find:
 *   user_beancounters, bc_resources   three CTs (101, 202, 1000) and the host's block 0
 *   bc_<id>_resources                 each CT's per-CT file (no header, no id)
 *   ct_<id>_user_beancounters         the file as the CT itself sees it (its block only)
 *   veinfo
 *   dump                              `<ctid> <resource> <held> <maxheld> <barrier>
 *                                     <limit> <failcnt>` for every row of every table,
 *                                     swappages included, dummies not; `-` for a usage
 *                                     value the core does not know
 * The table has limited and unlimited rows (barrier 0 with a limit, a limit of
 * unlimited over a barrier, both unlimited), values past 2^32, and rows whose usage is
 * unknown (numsiginfo, tcpsndbuf, numiptent), which hold values that must not show. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc-export/export.h"

static const unsigned long ids[] = { 101, 202, 1000 };
#define N_CTS (sizeof(ids) / sizeof(ids[0]))

static void fill(struct bc_table *t, unsigned long ctid)
{
	memset(t, 0, sizeof(*t));
	t->ctid = ctid;
	t->running = true;
	for (int i = 0; i < UB_KERNEL_COUNT; i++) {
		const struct ubc_res *u = ubc_by_id(i);
		struct bc_row *r = &t->row[i];
		uint64_t k = ctid * 31 + (uint64_t)i * 7;

		if (!u)
			continue;
		r->cls = u->cls;
		r->usage_known = true;
		r->held = k * (u->unit == VZ_UNIT_BYTES ? 40961 : 3) + (uint64_t)i;
		if (i == UB_KMEMSIZE)
			r->held += 5000000000ULL; /* past 2^32 */
		r->maxheld = r->held + k % 97;
		switch (i % 4) {
		case 0: /* both unlimited */
			r->barrier = r->limit = VZ_UNLIMITED;
			break;
		case 1: /* barrier 0 and a limit, as physpages in vswap */
			r->barrier = 0;
			r->limit = r->maxheld * 2 + 5;
			break;
		case 2: /* a barrier under an unlimited limit, as the guarantees */
			r->barrier = r->maxheld + 1000;
			r->limit = VZ_UNLIMITED;
			break;
		default:
			r->barrier = r->maxheld + 11;
			r->limit = r->barrier + 4096;
		}
		r->failcnt = (ctid + (uint64_t)i) % 5;
		if (i == UB_NUMSIGINFO || i == UB_TCPSNDBUF || i == UB_NUMIPTENT) {
			r->usage_known = false;
			r->cls = BC_NOT_AVAILABLE;
			r->held = r->maxheld = r->failcnt = 777777; /* must not show */
		}
	}
}

static int put(const char *dir, const char *name, char *text)
{
	char path[4096];
	FILE *f;
	int r = 0;

	if (!text) {
		fprintf(stderr, "export-sample: out of memory\n");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0)
		r = -1;
	if (f && fclose(f) != 0)
		r = -1;
	if (r < 0)
		fprintf(stderr, "export-sample: %s: %s\n", path, strerror(errno));
	free(text);
	return r;
}

static void dump_table(FILE *f, const struct bc_table *t)
{
	for (int i = 0; i < UB_KERNEL_COUNT; i++) {
		const struct ubc_res *u = ubc_by_id(i);
		const struct bc_row *r = &t->row[i];

		if (!u)
			continue;
		fprintf(f, "%lu %s ", t->ctid, u->name);
		if (r->usage_known)
			fprintf(f, "%llu %llu ", (unsigned long long)r->held,
				(unsigned long long)r->maxheld);
		else
			fputs("- - ", f);
		fprintf(f, "%llu %llu ", (unsigned long long)r->barrier, (unsigned long long)r->limit);
		if (r->usage_known)
			fprintf(f, "%llu\n", (unsigned long long)r->failcnt);
		else
			fputs("-\n", f);
	}
}

int main(int argc, char **argv)
{
	struct bc_table cts[N_CTS], host;
	char name[64], *dump = NULL;
	size_t len = 0;
	FILE *f;
	int r = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: export-sample DIR\n");
		return 2;
	}
	for (size_t i = 0; i < N_CTS; i++)
		fill(&cts[i], ids[i]);
	fill(&host, 0);
	r |= put(argv[1], "user_beancounters", bcx_user_beancounters(cts, N_CTS, &host));
	r |= put(argv[1], "bc_resources", bcx_bc_resources(cts, N_CTS, &host));
	r |= put(argv[1], "veinfo", bcx_veinfo(cts, N_CTS, &host));
	for (size_t i = 0; i < N_CTS; i++) {
		snprintf(name, sizeof(name), "bc_%lu_resources", ids[i]);
		r |= put(argv[1], name, bcx_bc_ct_resources(&cts[i]));
		snprintf(name, sizeof(name), "ct_%lu_user_beancounters", ids[i]);
		r |= put(argv[1], name, bcx_user_beancounters(&cts[i], 1, NULL));
	}
	f = open_memstream(&dump, &len);
	if (!f)
		return 1;
	dump_table(f, &host);
	for (size_t i = 0; i < N_CTS; i++)
		dump_table(f, &cts[i]);
	if (fclose(f) != 0)
		return 1;
	r |= put(argv[1], "dump", dump);
	return r ? 1 : 0;
}
