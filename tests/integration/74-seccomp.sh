#!/bin/bash
# Every CT process carries the system-call filter, in a CT with a user namespace and in
# a privileged one: the init, what exec runs and the in-CT start script show
# `Seccomp: 2` (one filter, no_new_privs off), and inside, calls the kernel would
# otherwise allow fail with EPERM: keyctl (also through the i386 and x32 tables),
# add_key, perf_event_open, bpf, and open_by_handle_at of the ext4 root handle
# {type 1, inode 2} (the "shocker"), even in a privileged CT given dac_read_search
# back.  The same probe on the host opens that root and makes those calls, so the
# refusals are the CT's.  The privileged default bounding set lacks dac_read_search
# and sys_ptrace; the user namespace's keeps them (they act on the CT alone there).
set -u
. "$(dirname "$0")/common.bash"
need_ct_host

userns=1074
priv=1075
ct_host /vz/itest-seccomp itest-seccomp.slice
trap "ct_host_cleanup $userns $priv" EXIT
ct_template
[ "$(stat -fc %T /vz)" = ext2/ext3 ] || skip "/vz is $(stat -fc %T /vz), not ext4: the root handle {1, 2} is ext4's"

# The probe's calls from the host: the handle is good, the calls work where unfiltered.
host_calls=$("$BUILD/tests/ct-probe" calls /vz)
echo "on the host:"
echo "$host_calls" | sed 's/^/    /'
for c in open_by_handle_at keyctl keyctl-i386 add_key perf_event_open; do
	grep -qx "$c ok" <<<"$host_calls" || fail "$c fails on the host itself: the probe proves nothing"
done

vzctl create $userns --ostemplate busybox --local_uid 100000 >/dev/null || fail "create $userns failed"
vzctl create $priv --ostemplate busybox --local_uid 0 >/dev/null || fail "create $priv failed"
for ct in $userns $priv; do
	ct_probe $ct
	echo 'grep -E "^(Seccomp|Seccomp_filters|NoNewPrivs):" /proc/$$/status >/start.seccomp' \
		>"$it/conf/$ct.start"
	vzctl start $ct --wait >"$it/start.out" 2>&1 || fail "start of $ct failed: $(tail -n 3 "$it/start.out")"
done

# filtered WHAT STATUS: the text of WHAT's /proc/<pid>/status shows the CT's filter.
filtered() {
	echo "$1: $(seccomp_line "$2")"
	ct_filtered "$2" || fail "$1 does not carry the CT's filter alone, without no_new_privs"
}

# refused CT TEXT: every call of the probe failed with EPERM.
refused() {
	local ct=$1 text=$2 c
	echo "inside CT $ct:"
	echo "$text" | sed 's/^/    /'
	for c in open_by_handle_at keyctl keyctl-i386 keyctl-x32 add_key bpf perf_event_open; do
		grep -qx "$c EPERM" <<<"$text" || fail "CT $ct: $c is not refused with EPERM"
	done
}

# capbnd_bit PID BIT: whether the bounding set of PID has capability BIT.
capbnd_bit() {
	local bnd
	bnd=$(sed -n 's/^CapBnd:\t//p' "/proc/$1/status")
	(( (16#$bnd >> $2) & 1 ))
}

for ct in $userns $priv; do
	init=$(cat "$it/run/$ct.pid")
	filtered "CT $ct's init" "$(cat /proc/$init/status)"
	filtered "a process exec runs in CT $ct" "$(vzctl exec2 $ct cat /proc/self/status </dev/null)"
	filtered "CT $ct's start script" "$(cat "$it/private/$ct/start.seccomp")"
	refused $ct "$(vzctl exec2 $ct ct-probe calls / </dev/null)"
done

# The bounding sets: 2 dac_read_search, 19 sys_ptrace.
init=$(cat "$it/run/$priv.pid")
capbnd_bit $init 2 && fail "the privileged CT keeps dac_read_search"
capbnd_bit $init 19 && fail "the privileged CT keeps sys_ptrace"
init=$(cat "$it/run/$userns.pid")
capbnd_bit $init 2 || fail "the CT with a user namespace lost dac_read_search"
capbnd_bit $init 19 || fail "the CT with a user namespace lost sys_ptrace"

# A privileged CT given dac_read_search back: open_by_handle_at stays refused.
vzctl stop $priv >/dev/null 2>&1 || fail "stop of $priv failed"
echo 'CAPABILITY="dac_read_search:on"' >>"$it/conf/$priv.conf"
vzctl start $priv --wait >"$it/start.out" 2>&1 || fail "restart of $priv failed: $(tail -n 3 "$it/start.out")"
init=$(cat "$it/run/$priv.pid")
capbnd_bit $init 2 || fail "CAPABILITY=dac_read_search:on did not give it back"
out=$(vzctl exec2 $priv ct-probe calls / </dev/null)
echo "CT $priv with dac_read_search: $(grep open_by_handle_at <<<"$out")"
grep -qx "open_by_handle_at EPERM" <<<"$out" || fail "with dac_read_search the CT opens the host's file system by handle"

for ct in $userns $priv; do
	vzctl stop $ct >/dev/null 2>&1 || fail "stop of $ct failed"
done
echo "the filter is in every CT process and refuses its calls, with and without a user namespace"
