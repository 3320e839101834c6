#!/bin/bash
# numproc on a real kernel: a CT cgroup made by core/cgroup/cgroup.c with pids.max = 8 refuses
# the fork past the limit with EAGAIN, pids.events counts the refusal, a populated
# cgroup cannot be removed, and after cgroup.kill the cgroup is empty and goes away.
set -u
. "$(dirname "$0")/common.bash"
need_root
need_cgroup2
need_built tests/cgtest

grep -qw pids /sys/fs/cgroup/cgroup.controllers || skip "the kernel has no pids controller"

parent=itest-pids.slice
out=$(mktemp)
trap 'rm -f "$out"; rmdir /sys/fs/cgroup/$parent/cgtest-* /sys/fs/cgroup/$parent 2>/dev/null' EXIT

"$BUILD/tests/cgtest" --parent "$parent" pids 8 >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] || fail "cgtest pids exited $rc"

expect_line "pids.max: 8" "$out"
expect_line "forks before refusal: 7" "$out"
expect_line "refused fork errno: EAGAIN (Resource temporarily unavailable)" "$out"
expect_line "pids.current at the limit: 8" "$out"
expect_line "destroy while populated: refused (EBUSY)" "$out"
expect_line "processes after cgroup.kill: 0" "$out"
expect_line "cgroup after destroy: gone" "$out"
grep -qE '^pids\.events max: 0 -> [1-9][0-9]*$' "$out" || fail "pids.events max did not go from 0 up"

# What the kernel shows, not only what libbc reports.
cg=$(sed -n 's/^cgroup: //p' "$out")
[ -n "$cg" ] || fail "cgtest did not name its cgroup"
[ ! -e "/sys/fs/cgroup/$cg" ] || fail "/sys/fs/cgroup/$cg still exists"
[ -d "/sys/fs/cgroup/$parent" ] || fail "the parent /sys/fs/cgroup/$parent was not created"
for c in $(cat /sys/fs/cgroup/$parent/cgroup.controllers); do
	grep -qw "$c" "/sys/fs/cgroup/$parent/cgroup.subtree_control" ||
		fail "the $c controller is not enabled in $parent/cgroup.subtree_control"
done
echo "kernel: /sys/fs/cgroup/$cg is gone; $parent hands down: $(cat /sys/fs/cgroup/$parent/cgroup.subtree_control)"
