#!/bin/bash
# The scripted session `make demo` shows inside the test guest (whose root is a tmpfs
# overlay, so installing here changes nothing on the host): the tools installed with
# `make install`, a CT configured with vzctl set and checked with vzcfgvalidate, then
# that CT's numproc enforced by the cgroup v2 backend (through the tests/cgtest helper):
# pids.max refuses the fork past it and pids.events counts the refusal (the failcnt).
set -eu
cgtest=${BUILD:?}/tests/cgtest
parent=vz.slice
ct=101

say() { printf '\n$ %s\n' "$*"; }
run() { say "$*"; "$@"; }
# Shows a command that is expected to fail, with its exit code.
run_fails() { say "$*"; local rc=0; "$@" || rc=$?; echo "(exit code $rc)"; }
cg() { "$cgtest" --parent "$parent" "$@"; }

make -s -C "${VZ_SRC:?}" install BUILD="$BUILD" PREFIX=/usr/local >/dev/null
export PATH=/usr/local/sbin:$PATH
echo "Installed: $(ls /usr/local/sbin | tr '\n' ' ')and /etc/vz/vz.conf with the samples in /etc/vz/conf"

run vzctl set $ct --applyconfig vswap-256m --save
run vzctl set $ct --numproc 5 --cpuunits 2000 --cpulimit 50 --hostname ct$ct.example.org --save
run cat /etc/vz/conf/$ct.conf
run_fails vzctl set $ct --numproc lots --save
run_fails vzctl set $ct --cpuunits 7 --save
run_fails vzctl set ../etc --numproc 5 --save
run vzctl set $ct --kmemsize 2M:1M --save
run_fails vzcfgvalidate /etc/vz/conf/$ct.conf
run vzcfgvalidate -r /etc/vz/conf/$ct.conf
run vzcfgvalidate /etc/vz/conf/$ct.conf
run grep ^KMEMSIZE= /etc/vz/conf/$ct.conf
numproc=$(sed -n 's/^NUMPROC="\([0-9]*\)".*/\1/p' /etc/vz/conf/$ct.conf)

echo "Guest kernel $(uname -r); cgroup2 at /sys/fs/cgroup with: $(cat /sys/fs/cgroup/cgroup.subtree_control)"

say "cgtest create $ct            # CT $ct's cgroup: /sys/fs/cgroup/$parent/$ct"
cg create $ct
run cat /sys/fs/cgroup/$parent/cgroup.subtree_control

say "cgtest write $ct pids.max $numproc  # NUMPROC from /etc/vz/conf/$ct.conf"
cg write $ct pids.max "$numproc"
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
