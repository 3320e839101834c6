/* The load average of a CT (core/acct/sampler.c): the kernel's fixed-point averages, the
 * /proc/<pid>/stat fields it reads, the published file and its freshness, and the
 * count of active threads over a tree of cgroup.threads files.  The monitor that
 * samples a running CT is covered by the guest test 69-laverage. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/acct/acct.h"
#include "core/base/base.h"
#include "core/ct/ct.h"
#include "core/limits/limits.h"
#include "testutil.h"

static void run_constant(unsigned long avenrun[3], unsigned long n, int ticks)
{
	for (int i = 0; i < ticks; i++)
		ct_la_update(avenrun, n, 1);
}

/* The numbers below are what kernel/sched/loadavg.c gives for 2 runnable tasks from an
 * idle start; each is within a rounding of 2 * (1 - e^(-t / window)). */
Test(loadavg, two_runnable_as_the_kernel)
{
	unsigned long av[3] = { 0, 0, 0 };

	run_constant(av, 2, 1);
	cr_expect(av[0] == 328 && av[1] == 68 && av[2] == 22, "%lu %lu %lu", av[0], av[1], av[2]);
	run_constant(av, 2, 11); /* 1 minute */
	cr_expect(av[0] == 2595 && av[1] == 750 && av[2] == 261, "%lu %lu %lu", av[0], av[1], av[2]);
	cr_expect_float_eq(ct_la_value(av[0]), 1.27, 1e-9);
	cr_expect_float_eq(ct_la_value(av[1]), 0.37, 1e-9);
	cr_expect_float_eq(ct_la_value(av[2]), 0.13, 1e-9);
	run_constant(av, 2, 48); /* 5 minutes */
	cr_expect(av[0] == 4076 && av[1] == 2614 && av[2] == 1156, "%lu %lu %lu", av[0], av[1], av[2]);
	run_constant(av, 2, 120); /* 15 minutes */
	cr_expect(av[0] == 4096 && av[1] == 3923 && av[2] == 2601, "%lu %lu %lu", av[0], av[1], av[2]);
	cr_expect_float_eq(ct_la_value(av[0]), 2.00, 1e-9);
	cr_expect_float_eq(ct_la_value(av[1]), 1.92, 1e-9);
	cr_expect_float_eq(ct_la_value(av[2]), 1.27, 1e-9);
}

Test(loadavg, decays_to_idle)
{
	unsigned long av[3] = { 0, 0, 0 };

	run_constant(av, 2, 180);
	run_constant(av, 0, 12);
	cr_expect(av[0] == 1501 && av[1] == 3205 && av[2] == 2433, "%lu %lu %lu", av[0], av[1], av[2]);
	run_constant(av, 0, 2000);
	cr_expect(av[0] == 0 && av[1] == 0 && av[2] == 0, "%lu %lu %lu", av[0], av[1], av[2]);
}

/* Missed periods go through the kernel's calc_load_n(): exp^n in fixed point. */
Test(loadavg, missed_periods_as_calc_load_n)
{
	unsigned long av[3] = { 0, 0, 0 }, one[3] = { 0, 0, 0 };

	ct_la_update(av, 2, 12);
	cr_expect(av[0] == 2594 && av[1] == 742 && av[2] == 258, "%lu %lu %lu", av[0], av[1], av[2]);
	memset(av, 0, sizeof(av));
	ct_la_update(av, 3, 1);
	run_constant(one, 3, 1);
	cr_expect_arr_eq(av, one, sizeof(av), "one period is one calc_load()");
}

Test(loadavg, value_as_proc_loadavg_prints_it)
{
	cr_expect_float_eq(ct_la_value(0), 0.0, 1e-9);
	cr_expect_float_eq(ct_la_value(CT_LA_FIXED_1), 1.0, 1e-9);
	cr_expect_float_eq(ct_la_value(CT_LA_FIXED_1 / 2), 0.5, 1e-9);
	/* 0.004... rounds down, 0.0054 up, as /proc/loadavg's + FIXED_1/200. */
	cr_expect_float_eq(ct_la_value(9), 0.0, 1e-9);
	cr_expect_float_eq(ct_la_value(11), 0.01, 1e-9);
	cr_expect_float_eq(ct_la_value(3 * CT_LA_FIXED_1 + 1024 + 20), 3.51, 1e-9);
}

Test(loadavg, parse_stat)
{
	char state = 0;
	uint64_t start = 0;
	const char *text = "4242 (a) b) c) R 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
			   "987654 1000 100 18446744073709551615\n";

	cr_assert_eq(proc_stat_parse(text, &state, &start), 0);
	cr_expect_eq(state, 'R');
	cr_expect_eq(start, 987654);
	cr_expect_eq(proc_stat_parse("7 (x) D 1", &state, NULL), 0);
	cr_expect_eq(state, 'D');
	cr_expect_eq(proc_stat_parse("7 (x) D 1", NULL, &start), -EINVAL, "no field 22");
	cr_expect_eq(proc_stat_parse("7 x S 1", &state, NULL), -EINVAL);
	cr_expect_eq(proc_stat_parse("", &state, NULL), -EINVAL);
}

Test(loadavg, file_for_this_run_only)
{
	const unsigned long av[3] = { 2595, 750, 261 };
	char buf[160];
	double la[3] = { -1, -1, -1 };
	int n = ct_la_format(buf, sizeof(buf), 1234, 5678, 100, av);

	cr_assert_gt(n, 0);
	cr_expect_str_eq(buf, "run 1234 5678\nat 100\nload 2595 750 261\n");
	cr_assert_eq(ct_la_parse(buf, 1234, 5678, 103, la), 0);
	cr_expect_float_eq(la[0], 1.27, 1e-9);
	cr_expect_float_eq(la[1], 0.37, 1e-9);
	cr_expect_float_eq(la[2], 0.13, 1e-9);
	la[0] = -1;
	cr_expect_eq(ct_la_parse(buf, 1235, 5678, 103, la), -ENOENT, "another init");
	cr_expect_eq(ct_la_parse(buf, 1234, 5679, 103, la), -ENOENT, "a reused pid");
	cr_expect_eq(ct_la_parse(buf, 1234, 5678, 100 + 60, la), -ENOENT, "a monitor gone");
	cr_expect_eq(ct_la_parse(buf, 1234, 5678, 99, la), -ENOENT, "from the future");
	cr_expect_float_eq(la[0], -1.0, 0, "la untouched on failure");
	cr_expect_eq(ct_la_parse("run 1234 5678\nat 100\nload 1 2\n", 1234, 5678, 100, la), -EBADMSG);
	cr_expect_eq(ct_la_parse("run 1234 5678\nat 100\nload 1 2 3\nx", 1234, 5678, 100, la),
		     -EBADMSG);
	cr_expect_eq(ct_la_parse("", 1234, 5678, 100, la), -EBADMSG);
	cr_expect_eq(ct_la_format(buf, 16, 1234, 5678, 100, av), -ENOSPC);
}

/* ---------------------------------------------------------- counting */

static atomic_bool stop;
static atomic_int started;
static int wake[2]; /* the sleeping thread blocks reading wake[0] */

static void *spin(void *arg)
{
	pid_t *tid = arg;

	*tid = gettid();
	atomic_fetch_add(&started, 1);
	while (!atomic_load(&stop))
		;
	return NULL;
}

static void *sleep_until_stop(void *arg)
{
	pid_t *tid = arg;
	char c;

	*tid = gettid();
	atomic_fetch_add(&started, 1);
	while (read(wake[0], &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

/* Waits (2 s at most) for the thread to be asleep. */
static bool sleeping(pid_t tid)
{
	for (int i = 0; i < 2000; i++) {
		char *path, *text, state = 0;

		cr_assert(asprintf(&path, "/proc/self/task/%d/stat", (int)tid) > 0);
		text = tu_read(path, NULL);
		free(path);
		if (text)
			proc_stat_parse(text, &state, NULL);
		free(text);
		if (state == 'S')
			return true;
		usleep(1000);
	}
	return false;
}

/* <dir>/<sub>/cgroup.threads naming a, and b unless 0. */
static void write_threads(const char *dir, const char *sub, pid_t a, pid_t b)
{
	char *path, *text;

	cr_assert(asprintf(&path, "%s/%s", dir, sub) > 0);
	cr_assert(mkdir(path, 0755) == 0 || errno == EEXIST);
	free(path);
	cr_assert(asprintf(&path, "%s/%s/cgroup.threads", dir, sub) > 0);
	if (b)
		cr_assert(asprintf(&text, "%d\n%d\n", (int)a, (int)b) > 0);
	else
		cr_assert(asprintf(&text, "%d\n", (int)a) > 0);
	tu_write(path, text);
	free(text);
	free(path);
}

/* Two spinning threads, one in the cgroup and one in a cgroup below it, are counted;
 * a sleeping thread and a thread that no longer exists are not. */
Test(loadavg, counts_active_threads_of_the_tree)
{
	char *dir = tu_mkdtemp();
	pthread_t th[3];
	pid_t tid[3] = { 0, 0, 0 };
	unsigned long n = 99;
	int fd;

	cr_assert_eq(pipe(wake), 0);
	cr_assert_eq(pthread_create(&th[0], NULL, spin, &tid[0]), 0);
	cr_assert_eq(pthread_create(&th[1], NULL, spin, &tid[1]), 0);
	cr_assert_eq(pthread_create(&th[2], NULL, sleep_until_stop, &tid[2]), 0);
	while (atomic_load(&started) < 3)
		usleep(1000);
	cr_assert(sleeping(tid[2]), "the sleeping thread never slept");
	/* 2147483646 is no thread: it ended before the count. */
	write_threads(dir, "ct", tid[0], tid[2]);
	write_threads(dir, "ct/init.scope", tid[1], 2147483646);
	write_threads(dir, "ct/system.slice", tid[2], 0);

	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_expect_eq(ct_la_count(fd, "ct", &n), 0);
	cr_expect_eq(n, 2, "counted %lu", n);
	n = 99;
	cr_expect_eq(ct_la_count(fd, "ct/init.scope", &n), 0);
	cr_expect_eq(n, 1, "counted %lu", n);
	n = 99;
	cr_expect_eq(ct_la_count(fd, "gone", &n), -ENOENT);
	cr_expect_eq(n, 99, "untouched on failure");
	close(fd);

	atomic_store(&stop, true);
	cr_assert_eq(write(wake[1], "x", 1), 1);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	tu_rmtree(dir);
	free(dir);
}
