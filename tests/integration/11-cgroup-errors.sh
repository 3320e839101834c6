#!/bin/bash
# The cgroup backend's refusals on a real kernel, each with a message that says what to
# do: a parent that holds processes (nothing written to it), a value the kernel rejects,
# a missing key, a controller that is not enabled, moving a process into a cgroup that
# has children with domain controllers, removing a cgroup below which a process still
# runs (the cgroups a CT made below its own go with it, once empty).
set -u
. "$(dirname "$0")/common.bash"
need_root
need_cgroup2
need_built tests/cgtest

root=/sys/fs/cgroup
parent=itest-errors.slice
c() { "$BUILD/tests/cgtest" --parent "$parent" "$@"; }
sleeper=
cleanup() {
	[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null && wait "$sleeper" 2>/dev/null
	rmdir $root/$parent/101/child $root/$parent/101 $root/$parent 2>/dev/null
}
trap cleanup EXIT

# expect_fail WHAT TEXT CMD...: CMD fails and its message contains TEXT.
expect_fail() {
	local what=$1 text=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		fail "$what: succeeded"
	fi
	printf '%s: %s\n' "$what" "$out"
	[[ $out == *"$text"* ]] || fail "$what: the message lacks '$text'"
}

mkdir $root/$parent || fail "cannot make $root/$parent"
"$BUILD/tests/cgtest" --parent / exec "$parent" sleep 300 &
sleeper=$!
# cgroup files show size 0 to stat(), so they are read, not tested with -s.  Under
# software emulation a process start can take seconds.
for _ in $(seq 300); do [ -n "$(<$root/$parent/cgroup.procs)" ] && break; sleep 0.1; done
[ -n "$(<$root/$parent/cgroup.procs)" ] || fail "the sleeper did not join $parent"
expect_fail "parent with processes" "holds processes itself" c create 101
[ -z "$(cat $root/$parent/cgroup.subtree_control)" ] ||
	fail "subtree_control of the busy parent was changed: $(cat $root/$parent/cgroup.subtree_control)"
kill "$sleeper"; wait "$sleeper" 2>/dev/null; sleeper=

c create 101 || fail "create 101 after the parent was emptied"
expect_fail "bad value" "the kernel refused '1x'" c write 101 memory.max 1x
expect_fail "missing key" "no key 'nosuchkey'" c read 101 pids.events nosuchkey
expect_fail "not a file name" "not a cgroup file name" c read 101 ../cgroup.procs

# A controller this cgroup does not get: take memory back from the parent.
echo -memory >$root/$parent/cgroup.subtree_control || fail "cannot disable memory in $parent"
expect_fail "controller not enabled" "the memory controller is not enabled" c write 101 memory.max 1G
echo +memory >$root/$parent/cgroup.subtree_control || fail "cannot enable memory in $parent"

mkdir $root/$parent/101/child && echo +memory >$root/$parent/101/cgroup.subtree_control ||
	fail "cannot make a child of 101 with memory enabled"
expect_fail "attach to a non-leaf" "only in leaves" c exec 101 true
sleep 1000011 &
sleeper=$!
echo "$sleeper" >$root/$parent/101/child/cgroup.procs || fail "cannot move a process into the child"
expect_fail "destroy with a busy child" "cannot remove the cgroups below" c destroy 101
[ -d $root/$parent/101/child ] || fail "the busy child was removed"
kill "$sleeper"; wait "$sleeper" 2>/dev/null; sleeper=
c destroy 101 || fail "destroy 101 with its empty child"
[ -d $root/$parent/101 ] && fail "101 is left after destroy"
expect_fail "open a removed cgroup" "no cgroup $root/$parent/101" c read 101 pids.max
echo "all refusals as expected"
