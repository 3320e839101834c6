/* CT locks: content, exclusion, stale locks, and the message that names the holder. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/acct/acct.h"
#include "core/base/base.h"
#include "core/ct/ct.h"
#include "core/limits/limits.h"
#include "testutil.h"

static char *dir;

static void setup(void)
{
	dir = tu_mkdtemp();
}

static void teardown(void)
{
	tu_rmtree(dir);
	free(dir);
}

static char *lock_path(void)
{
	char *p;

	cr_assert(asprintf(&p, "%s/101.lck", dir) > 0);
	return p;
}

TestSuite(lock, .init = setup, .fini = teardown);

Test(lock, holds_pid_and_status_and_is_removed_on_release)
{
	struct ct_lock l;
	char expect[64];
	char *path = lock_path();

	cr_assert_eq(ct_lock_take(dir, "101", "set", &l, NULL), 0);
	snprintf(expect, sizeof(expect), "%d\nset\n", (int)getpid());
	char *content = tu_read(path, NULL);
	cr_assert_not_null(content);
	cr_expect_str_eq(content, expect);
	ct_lock_release(&l);
	cr_expect_null(tu_read(path, NULL));
	free(content);
	free(path);
}

/* Runs ct_lock_take in a child and returns its error's exit code (0 when taken). */
static int take_in_child(char *msg, size_t len)
{
	int fds[2];
	pid_t pid;
	int st;

	cr_assert(pipe(fds) == 0);
	pid = fork();
	if (pid == 0) {
		struct ct_lock l;
		vz_err err = { 0 };
		int r = ct_lock_take(dir, "101", "child", &l, &err);

		if (write(fds[1], err.msg, strlen(err.msg)) < 0)
			_exit(99);
		_exit(r < 0 ? err.exit_code : 0);
	}
	close(fds[1]);
	ssize_t n = read(fds[0], msg, len - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	waitpid(pid, &st, 0);
	return WEXITSTATUS(st);
}

Test(lock, a_second_taker_gets_exit_9_naming_the_holder)
{
	struct ct_lock l;
	char msg[1024], expect[64];

	cr_assert_eq(ct_lock_take(dir, "101", "set", &l, NULL), 0);
	cr_expect_eq(take_in_child(msg, sizeof(msg)), VZ_E_LOCKED);
	snprintf(expect, sizeof(expect), "Locked by: pid %d, cmdline ", (int)getpid());
	cr_expect(strstr(msg, expect), "message was: %s", msg);
	ct_lock_release(&l);
	cr_expect_eq(take_in_child(msg, sizeof(msg)), 0, "free again after release");
}

Test(lock, a_lock_of_a_dead_process_is_stale)
{
	char *path = lock_path();
	pid_t dead = fork();
	struct ct_lock l;
	char content[64];

	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	snprintf(content, sizeof(content), "%d\nset\n", (int)dead);
	tu_write(path, content);
	cr_expect_eq(ct_lock_take(dir, "101", "set", &l, NULL), 0);
	ct_lock_release(&l);
	free(path);
}

Test(lock, a_holder_killed_with_sigkill_leaves_a_stale_lock)
{
	int ready[2];
	char c;
	struct ct_lock l;
	pid_t pid;

	cr_assert(pipe(ready) == 0);
	pid = fork();
	if (pid == 0) {
		struct ct_lock held;

		if (ct_lock_take(dir, "101", "set", &held, NULL) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	cr_assert_eq(read(ready[0], &c, 1), 1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	cr_expect_eq(ct_lock_take(dir, "101", "set", &l, NULL), 0);
	ct_lock_release(&l);
}

Test(lock, a_foreign_lock_with_a_live_pid_is_respected)
{
	/* Tools such as a shell's `set -C` write the pid and take no flock. */
	char *path = lock_path();
	vz_err err = { 0 };
	struct ct_lock l;

	tu_write(path, "1\nmigrate\n");
	cr_expect_lt(ct_lock_take(dir, "101", "set", &l, &err), 0);
	cr_expect_eq(err.exit_code, VZ_E_LOCKED);
	cr_expect(strstr(err.msg, "Locked by: pid 1,"), "%s", err.msg);
	free(path);
}

Test(lock, release_of_an_untaken_lock_is_harmless)
{
	struct ct_lock l = { NULL, -1 };

	ct_lock_release(&l);
	ct_lock_release(NULL);
}
