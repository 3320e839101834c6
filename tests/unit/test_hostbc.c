/* The host's block `0:` (core/acct/hostbc.c): held is the system's figure less the CTs'
 * parent cgroup's, from the kernel's texts in tests/unit/hostbc/ (a root and a parent
 * memory.stat of Linux 6.1 and of 5.15, which has no `kernel` line, loadavg, meminfo
 * and the host's packet sockets); rows without such a pair are not available;
 * nothing limits the host; maxheld is kept per boot and never goes backwards.  Reading
 * the live kernel is covered by the guest test 72-hostblock. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/acct/acct.h"
#include "core/base/base.h"
#include "core/ct/ct.h"
#include "core/limits/limits.h"
#include "core/state/state.h"
#include "testutil.h"

#define PAGES(bytes) (((bytes) + 4095ULL) / 4096ULL)

/* Every text a test may take, read once per test. */
static char *fx[16];
static const char *const fx_names[] = {
	"root.memory.stat", "parent.memory.stat", "root.memory.stat-5.15", "parent.memory.stat-5.15",
	"loadavg",          "meminfo",            "net.packet",
};
enum { ROOT, PARENT, ROOT_515, PARENT_515, LOADAVG, MEMINFO, PACKET, NFX };

static void setup(void)
{
	const char *src = getenv("SRCDIR");

	cr_assert(src, "SRCDIR is not set: run the unit tests through 'make unit'");
	for (int i = 0; i < NFX; i++) {
		char *path;

		cr_assert(asprintf(&path, "%s/tests/unit/hostbc/%s", src, fx_names[i]) > 0);
		fx[i] = tu_read(path, NULL);
		cr_assert_not_null(fx[i], "no fixture %s", path);
		free(path);
	}
}

static void teardown(void)
{
	for (int i = 0; i < NFX; i++) {
		free(fx[i]);
		fx[i] = NULL;
	}
}

TestSuite(hostbc, .init = setup, .fini = teardown);

/* pid 1's network namespace as core/acct/netcount.c reads it. */
static const struct bc_net_usage host_net = {
	.tcpsnd = 4096, .tcprcv = 512, .othersock = 2304, .dgramrcv = 768, .iptent = 9,
	.tcpsocks = 5, .othersocks = 11, .tcp_known = true, .other_known = true, .iptent_known = true,
};

/* A host with 130 threads and 8 MiB of swap in its CTs. */
static struct bc_host_src sources(void)
{
	struct bc_host_src s = {
		.root_stat = fx[ROOT],
		.parent_exists = true,
		.parent_stat = fx[PARENT],
		.parent_pids = "130\n",
		.parent_swap = "8388608\n",
		.loadavg = fx[LOADAVG],
		.meminfo = fx[MEMINFO],
		.net = &host_net,
		.packet = fx[PACKET],
		.ptys = 2,
	};

	return s;
}

static void expect_known(const struct bc_table *t, enum ubc_id id, uint64_t held)
{
	const struct bc_row *r = &t->row[id];

	cr_expect(r->usage_known, "%s has no usage", ubc_by_id(id)->name);
	cr_expect_eq(r->held, held, "%s held %lu, want %lu", ubc_by_id(id)->name,
		     (unsigned long)r->held, (unsigned long)held);
	cr_expect_eq(r->maxheld, held, "%s maxheld %lu", ubc_by_id(id)->name, (unsigned long)r->maxheld);
	cr_expect_eq(r->cls, BC_ACCOUNTED, "%s is %s", ubc_by_id(id)->name, bc_class_name(r->cls));
}

static void expect_unknown(const struct bc_table *t, enum ubc_id id)
{
	cr_expect_not(t->row[id].usage_known, "%s shows usage", ubc_by_id(id)->name);
	cr_expect_eq(t->row[id].cls, BC_NOT_AVAILABLE, "%s is %s", ubc_by_id(id)->name,
		     bc_class_name(t->row[id].cls));
}

static const uint64_t swap_bytes = (1048572ULL - 1000000ULL) * 1024 - 8388608ULL;
static const uint64_t phys_bytes =
	(400000000ULL + 200000000 + 50000000 + 4096) - (100000000ULL + 50000000 + 10000000 + 0);

Test(hostbc, held_is_the_system_less_the_ct_parent)
{
	struct bc_host_src s = sources();
	struct bc_table t;

	bc_host_table(&s, &t);
	expect_known(&t, UB_NUMPROC, 412 - 130);
	/* anon + file + kernel + sock: what memory.current counts, which the root lacks. */
	expect_known(&t, UB_PHYSPAGES, PAGES(phys_bytes));
	expect_known(&t, UB_KMEMSIZE, 50000000 - 10000000);
	expect_known(&t, UB_DCACHESIZE, 20000000 - 5000000);
	expect_known(&t, UB_SHMPAGES, PAGES(8192000ULL - 4096000ULL));
	expect_known(&t, UB_SWAPPAGES, PAGES(swap_bytes));
	expect_known(&t, UB_OOMGUARPAGES, PAGES(phys_bytes) + PAGES(swap_bytes));
}

Test(hostbc, sockets_of_the_host_netns_and_its_ptys)
{
	struct bc_host_src s = sources();
	struct bc_net_usage partial = host_net;
	struct bc_table t;

	bc_host_table(&s, &t);
	expect_known(&t, UB_NUMTCPSOCK, 5);
	/* The packet table's header line is not a socket. */
	expect_known(&t, UB_NUMOTHERSOCK, 11 + 1);
	expect_known(&t, UB_TCPSNDBUF, 4096);
	expect_known(&t, UB_TCPRCVBUF, 512);
	expect_known(&t, UB_OTHERSOCKBUF, 2304);
	expect_known(&t, UB_DGRAMRCVBUF, 768);
	expect_known(&t, UB_NUMIPTENT, 9);
	expect_known(&t, UB_NUMPTY, 2);
	/* A kernel without packet sockets has no table for them. */
	s.packet = NULL;
	bc_host_table(&s, &t);
	expect_known(&t, UB_NUMOTHERSOCK, 11);
	/* A source that failed alone leaves its rows unknown. */
	partial.tcp_known = partial.iptent_known = false;
	s.net = &partial;
	bc_host_table(&s, &t);
	expect_unknown(&t, UB_NUMTCPSOCK);
	expect_unknown(&t, UB_TCPSNDBUF);
	expect_unknown(&t, UB_NUMIPTENT);
	expect_known(&t, UB_NUMOTHERSOCK, 11);
	/* The namespace unreadable, devpts too. */
	s.net = NULL;
	s.ptys = -1;
	bc_host_table(&s, &t);
	expect_unknown(&t, UB_NUMTCPSOCK);
	expect_unknown(&t, UB_NUMOTHERSOCK);
	expect_unknown(&t, UB_DGRAMRCVBUF);
	expect_unknown(&t, UB_NUMPTY);
}

Test(hostbc, nothing_limits_the_host_and_sums_over_processes_are_not_available)
{
	struct bc_host_src s = sources();
	struct bc_table t;
	static const enum ubc_id none[] = { UB_LOCKEDPAGES, UB_PRIVVMPAGES, UB_VMGUARPAGES,
					    UB_NUMFLOCK, UB_NUMSIGINFO, UB_NUMFILE };

	memset(&t, 0x5a, sizeof(t));
	bc_host_table(&s, &t);
	cr_expect_eq(t.ctid, 0);
	cr_expect(t.running);
	for (int id = 0; id < UB_KERNEL_COUNT; id++) {
		if (!ubc_by_id(id)) {
			cr_expect_eq(t.row[id].held + t.row[id].barrier + t.row[id].limit, 0,
				     "dummy %d is not all zero", id);
			continue;
		}
		cr_expect_eq(t.row[id].barrier, VZ_UNLIMITED, "%s barrier", ubc_by_id(id)->name);
		cr_expect_eq(t.row[id].limit, VZ_UNLIMITED, "%s limit", ubc_by_id(id)->name);
		cr_expect_eq(t.row[id].failcnt, 0, "%s failcnt", ubc_by_id(id)->name);
	}
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		expect_unknown(&t, none[i]);
}

Test(hostbc, without_a_ct_parent_the_host_holds_everything)
{
	struct bc_host_src s = sources();
	struct bc_table t;

	s.parent_exists = false;
	s.parent_stat = s.parent_pids = s.parent_swap = NULL;
	bc_host_table(&s, &t);
	expect_known(&t, UB_NUMPROC, 412);
	expect_known(&t, UB_PHYSPAGES, PAGES(400000000ULL + 200000000 + 50000000 + 4096));
	expect_known(&t, UB_KMEMSIZE, 50000000);
	expect_known(&t, UB_SWAPPAGES, PAGES((1048572ULL - 1000000ULL) * 1024));
}

Test(hostbc, a_parent_file_the_kernel_does_not_give_leaves_its_rows_unknown)
{
	struct bc_host_src s = sources();
	struct bc_table t;

	/* The parent without the memory controller: its CTs' memory is the root's, and
	 * nothing tells it apart. */
	s.parent_stat = NULL;
	s.parent_swap = NULL;
	bc_host_table(&s, &t);
	expect_unknown(&t, UB_PHYSPAGES);
	expect_unknown(&t, UB_KMEMSIZE);
	expect_unknown(&t, UB_DCACHESIZE);
	expect_unknown(&t, UB_SHMPAGES);
	expect_unknown(&t, UB_SWAPPAGES);
	expect_unknown(&t, UB_OOMGUARPAGES);
	expect_known(&t, UB_NUMPROC, 282);

	s = sources();
	s.parent_pids = NULL;
	s.parent_swap = "max\n";
	bc_host_table(&s, &t);
	expect_unknown(&t, UB_NUMPROC);
	expect_unknown(&t, UB_SWAPPAGES);
	expect_unknown(&t, UB_OOMGUARPAGES);
	expect_known(&t, UB_PHYSPAGES, PAGES(phys_bytes));

	s = sources();
	s.root_stat = NULL;
	s.loadavg = "garbage\n";
	s.meminfo = "MemTotal: 1 kB\n";
	bc_host_table(&s, &t);
	expect_unknown(&t, UB_PHYSPAGES);
	expect_unknown(&t, UB_NUMPROC);
	expect_unknown(&t, UB_SWAPPAGES);
}

Test(hostbc, cts_right_under_the_root_leave_nothing_to_subtract_from)
{
	struct bc_host_src s = sources();
	struct bc_table t;

	s.parent_is_root = true;
	bc_host_table(&s, &t);
	expect_unknown(&t, UB_NUMPROC);
	expect_unknown(&t, UB_PHYSPAGES);
	expect_unknown(&t, UB_KMEMSIZE);
	expect_known(&t, UB_NUMTCPSOCK, 5);
}

Test(hostbc, kernel_memory_before_linux_5_18_is_the_sum_of_its_parts)
{
	struct bc_host_src s = sources();
	struct bc_table t;
	uint64_t root_k = 3000000 + 6000000 + 1000000 + 35000000;
	uint64_t parent_k = 1000000 + 2000000 + 500000 + 8000000;

	s.root_stat = fx[ROOT_515];
	s.parent_stat = fx[PARENT_515];
	bc_host_table(&s, &t);
	expect_known(&t, UB_KMEMSIZE, root_k - parent_k);
	expect_known(&t, UB_PHYSPAGES,
		     PAGES(400000000ULL + 200000000 + root_k + 4096 - (100000000ULL + 50000000 + parent_k)));
}

Test(hostbc, a_parent_read_after_the_root_grew_past_it_gives_zero)
{
	struct bc_host_src s = sources();
	struct bc_table t;

	s.parent_stat = fx[ROOT];
	s.root_stat = fx[PARENT];
	s.parent_pids = "500\n";
	bc_host_table(&s, &t);
	expect_known(&t, UB_NUMPROC, 0);
	expect_known(&t, UB_PHYSPAGES, 0);
	expect_known(&t, UB_KMEMSIZE, 0);
}

static struct bc_table held_table(uint64_t numproc, uint64_t phys)
{
	struct bc_host_src s = sources();
	struct bc_table t;

	bc_host_table(&s, &t);
	t.row[UB_NUMPROC].held = t.row[UB_NUMPROC].maxheld = numproc;
	t.row[UB_PHYSPAGES].held = t.row[UB_PHYSPAGES].maxheld = phys;
	return t;
}

Test(hostbc, maxheld_never_goes_backwards_within_a_boot)
{
	struct bc_table t = held_table(300, 5000);
	char *state = NULL, *next = NULL;

	cr_assert_eq(bc_maxheld_merge(NULL, "boot b-1\n", &t, &state), 1);
	cr_expect(strncmp(state, "boot b-1\n", 9) == 0, "state: %s", state);
	cr_expect_not_null(strstr(state, "\n5 300\n"), "state: %s", state);
	cr_expect_not_null(strstr(state, "\n6 5000\n"), "state: %s", state);
	/* Rows without usage are not kept. */
	cr_expect_null(strstr(state, "\n1 "), "state: %s", state);

	/* Lower now: maxheld stays, held is today's, and the file holds it already. */
	t = held_table(250, 4000);
	cr_assert_eq(bc_maxheld_merge(state, "boot b-1\n", &t, &next), 0);
	cr_expect_eq(t.row[UB_NUMPROC].held, 250);
	cr_expect_eq(t.row[UB_NUMPROC].maxheld, 300);
	cr_expect_eq(t.row[UB_PHYSPAGES].held, 4000);
	cr_expect_eq(t.row[UB_PHYSPAGES].maxheld, 5000);
	cr_expect_null(next);

	/* A row rose: the state is written again. */
	t = held_table(400, 5000);
	cr_assert_eq(bc_maxheld_merge(state, "boot b-1\n", &t, &next), 1);
	cr_expect_eq(t.row[UB_NUMPROC].maxheld, 400);
	cr_expect_not_null(strstr(next, "\n5 400\n"), "state: %s", next);
	free(next);
	next = NULL;

	/* Another boot starts afresh, as UB 0 did. */
	t = held_table(100, 10);
	cr_assert_eq(bc_maxheld_merge(state, "boot b-2\n", &t, &next), 1);
	cr_expect_eq(t.row[UB_NUMPROC].maxheld, 100);
	cr_expect_eq(t.row[UB_PHYSPAGES].maxheld, 10);
	cr_expect(strncmp(next, "boot b-2\n", 9) == 0, "state: %s", next);
	free(next);
	free(state);
}

Test(hostbc, a_damaged_state_file_is_taken_for_what_it_holds)
{
	struct bc_table t = held_table(300, 5000);
	char *next = NULL;

	/* Unknown ids, rows without usage and junk lines are skipped; the row missing from
	 * the file makes it written again. */
	cr_assert_eq(bc_maxheld_merge("boot b-1\n5 900\n99 7\n1 123\njunk\n", "boot b-1\n", &t, &next), 1);
	cr_expect_eq(t.row[UB_NUMPROC].maxheld, 900);
	cr_expect_eq(t.row[UB_PHYSPAGES].maxheld, 5000);
	cr_expect_not(t.row[UB_LOCKEDPAGES].usage_known);
	cr_expect_not_null(strstr(next, "\n5 900\n"), "state: %s", next);
	cr_expect_null(strstr(next, "\n99 "), "state: %s", next);
	free(next);
}

/* Lines cut short or run together (a torn write, an edit by hand) give no value:
 * taking a prefix of a number would raise or lower maxheld by a guess. */
Test(hostbc, a_state_line_is_taken_whole_or_not_at_all)
{
	static const char *const bad[] = {
		"boot b-1\n5 900x\n",  "boot b-1\n5 \n",     "boot b-1\n5  900\n",
		"boot b-1\n5\t900\n",  "boot b-1\n-5 900\n", "boot b-1\n5 -900\n",
		"boot b-1\n5 99999999999999999999999\n",      "boot b-1\n4294967301 900\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bc_table t = held_table(300, 5000);
		char *next = NULL;

		cr_assert_eq(bc_maxheld_merge(bad[i], "boot b-1\n", &t, &next), 1, "%s", bad[i]);
		cr_expect_eq(t.row[UB_NUMPROC].maxheld, 300, "%s", bad[i]);
		free(next);
	}
	{
		struct bc_table t = held_table(300, 5000);
		char *next = NULL;

		/* The last line needs no newline; the largest value is taken as it is. */
		cr_assert_geq(bc_maxheld_merge("boot b-1\n6 5000\n5 18446744073709551615", "boot b-1\n",
					       &t, &next), 0);
		cr_expect_eq(t.row[UB_NUMPROC].maxheld, UINT64_MAX);
		free(next);
	}
}

/* A write that fails half way (here the file size limit, as a full disk would) leaves
 * the kept values whole: the state is replaced by a rename, never truncated first. */
Test(hostbc, maxheld_survives_a_failed_write)
{
	_cleanup_free_ char *dir = tu_mkdtemp(), *path = NULL, *text = NULL;
	struct rlimit was, small;
	struct bc_table t = held_table(33, 5000);

	cr_assert(asprintf(&path, "%s/101.bcstate", dir) > 0);
	bc_maxheld_keep(dir, "101.bcstate", "run 1 2\n", &t);
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &was), 0);
	small = (struct rlimit){ 16, was.rlim_max };
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	t = held_table(34, 6000); /* a rise: the file is written again, and the write fails */
	bc_maxheld_keep(dir, "101.bcstate", "run 1 2\n", &t);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &was), 0);
	t = held_table(3, 100);
	bc_maxheld_keep(dir, "101.bcstate", "run 1 2\n", &t);
	cr_expect_eq(t.row[UB_NUMPROC].maxheld, 33, "maxheld went back to %llu",
		     (unsigned long long)t.row[UB_NUMPROC].maxheld);
	cr_expect_eq(t.row[UB_PHYSPAGES].maxheld, 5000);
	text = tu_read(path, NULL);
	cr_expect_not_null(strstr(text, "\n5 33\n"), "state: %s", text);
	tu_rmtree(dir);
}

/* What another user planted under the state's name is neither read nor written
 * through: a symlink to a file stays as it was, and its values count for nothing. */
Test(hostbc, maxheld_ignores_a_planted_link)
{
	_cleanup_free_ char *dir = tu_mkdtemp(), *path = NULL, *target = NULL, *text = NULL;
	struct bc_table t = held_table(3, 100);
	struct stat st;

	cr_assert(asprintf(&path, "%s/101.bcstate", dir) > 0);
	cr_assert(asprintf(&target, "%s/victim", dir) > 0);
	tu_write(target, "run 1 2\n5 999999\n");
	cr_assert_eq(symlink(target, path), 0);
	bc_maxheld_keep(dir, "101.bcstate", "run 1 2\n", &t);
	cr_expect_eq(t.row[UB_NUMPROC].maxheld, 3, "the link's values were read");
	text = tu_read(target, NULL);
	cr_expect_str_eq(text, "run 1 2\n5 999999\n", "written through the link");
	cr_assert_eq(lstat(path, &st), 0);
	cr_expect(S_ISREG(st.st_mode), "the link is replaced by the kept state");
	tu_rmtree(dir);
}
