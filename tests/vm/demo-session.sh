#!/bin/bash
# The scripted session `make demo` shows inside the test guest (whose root is a tmpfs
# overlay, so installing here changes nothing on the host): the tools installed with
# `make install` and the shipped vz.conf, a Debian 12 CT with systemd created from the
# template (unprivileged: a user namespace of its own), limits set, started, entered
# with vzctl exec; a fork bomb refused at numproc, its failcnt rising in vzlist and in
# /proc/user_beancounters as bcfs serves it; the console's backlog; the stop.
set -eu
ct=101
tmpl=debian-12-systemd-x86_64
cache=${VZ_DEMO_TEMPLATES:?}

say() { printf '\n$ %s\n' "$*"; }
run() { say "$*"; "$@"; }
# Shows a command that is expected to fail, with its exit code.
run_fails() { say "$*"; local rc=0; "$@" || rc=$?; echo "(exit code $rc)"; }

make -s -C "${VZ_SRC:?}" install BUILD="${BUILD:?}" PREFIX=/usr/local >/dev/null
export PATH=/usr/local/sbin:$PATH
echo "Installed: $(ls /usr/local/sbin | tr '\n' ' ')and /etc/vz/vz.conf with the samples in /etc/vz/conf"
echo "Guest kernel $(uname -r); cgroup2 at /sys/fs/cgroup ($(grep -o nsdelegate /proc/self/mountinfo | head -n 1))"
mkdir -p /vz/template/cache
ln -s "$cache/$tmpl.tar.gz" /vz/template/cache/
bcfs_mnt=$(sed -n 's/^BCFS_DIR=//p' /etc/vz/vz.conf)
modprobe fuse 2>/dev/null || true
stop_all() {
	vzctl stop $ct --fast >/dev/null 2>&1 || true
	bcfs -u >/dev/null 2>&1 || true
}
trap stop_all EXIT

run vzctl create $ct --ostemplate $tmpl --hostname ct$ct.example.org
run grep -E '^(LOCAL_UID|LOCAL_GID|HOSTNAME|OSTEMPLATE)=' /etc/vz/conf/$ct.conf
run vzctl set $ct --ram 512M --swap 256M --numproc 100 --cpuunits 1000 --save
run_fails vzctl set $ct --numproc lots --save
run bcfs
run vzctl start $ct --wait
running() { [ "$(vzctl exec2 $ct systemctl is-system-running </dev/null 2>/dev/null)" = running ]; }
for _ in $(seq 120); do running && break; sleep 0.5; done
run vzctl exec $ct systemctl is-system-running
run vzctl exec $ct 'cat /etc/debian_version; cat /proc/self/uid_map; id'
run vzctl exec $ct 'echo 1 >/sys/fs/cgroup/pids.max'  || echo "(refused: the CT's own limits are the host's)"
run vzlist -o ctid,status,hostname,numproc,numproc.l,numproc.f

say "vzctl exec $ct 'a fork bomb: 150 sleepers'"
vzctl exec $ct 'i=0; while [ $i -lt 150 ]; do sleep 20 & i=$((i + 1)); done' </dev/null 2>&1 | tail -n 2 || true
run vzlist -o ctid,numproc,numproc.l,numproc.f
run grep -E 'uid|^ *$ct:|numproc' "$bcfs_mnt/proc/user_beancounters"

say "vzctl console $ct </dev/null   # the backlog: boot messages and getty's prompt"
vzctl console $ct </dev/null 2>&1 | tr -d '\r' | grep -v '^$' | tail -n 8 || true

say "time vzctl stop $ct"
t0=$EPOCHREALTIME
vzctl stop $ct
echo "stopped in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s (systemd halted: SIGRTMIN+3)"
run vzlist -a -o ctid,status,hostname
