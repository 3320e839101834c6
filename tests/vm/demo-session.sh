#!/bin/bash
# The scripted session `make demo` shows inside the test guest: a CT's cgroup made by
# the project's cgroup backend (through the tests/cgtest helper), numproc enforced by
# pids.max, the refused fork counted in pids.events.
set -eu
cgtest=${BUILD:?}/tests/cgtest
parent=vz.slice
ct=101

say() { printf '\n$ %s\n' "$*"; }
run() { say "$*"; "$@"; }
cg() { "$cgtest" --parent "$parent" "$@"; }

echo "Guest kernel $(uname -r); cgroup2 at /sys/fs/cgroup with: $(cat /sys/fs/cgroup/cgroup.subtree_control)"

say "cgtest create $ct            # CT $ct's cgroup: /sys/fs/cgroup/$parent/$ct"
cg create $ct
run cat /sys/fs/cgroup/$parent/cgroup.subtree_control

say "cgtest write $ct pids.max 5  # numproc 5"
cg write $ct pids.max 5
say "cgtest read $ct pids.max"
cg read $ct pids.max

say "cgtest exec $ct sh -c 'start 6 sleepers'   # the shell is process 1 of 5"
cg exec $ct /bin/busybox sh -c '
	for i in 1 2 3 4 5 6; do
		sleep 60 & echo "  sleeper $i: pid $!"
	done' 2>&1 || true

say "cgtest read $ct pids.current"
cg read $ct pids.current
say "cgtest read $ct pids.events max   # refused forks: numproc's failcnt"
cg read $ct pids.events max

say "cgtest write $ct cgroup.kill 1; cgtest destroy $ct"
cg write $ct cgroup.kill 1
for _ in $(seq 50); do [ "$(cg read $ct pids.current)" = 0 ] && break; sleep 0.1; done
cg destroy $ct
if cg running $ct; then echo "CT $ct still running"; else echo "CT $ct: cgroup removed"; fi
