#!/bin/bash
# A CT's root against what `vzctl exec` hands it, in a CT with a user namespace and in
# a privileged one:
#
#   - stdout and stdin redirected to host files reach the command as pipes: reopening
#     /proc/self/fd/N for writing and chmod 4777 on it change neither the host file's
#     mode nor its content beyond the command's output (the same for `exec -`);
#   - a CT process that stops (SIGSTOP) every new process does not hang vzctl: exec ends
#     within its deadlines with exit code 15 and a message saying why (a command that
#     stops itself after its exec too, and is killed, not resumed), and what the CT's
#     root sees of a stopped process (its fds, its working directory) holds nothing of
#     the host, not even the host file given as stdout;
#   - 50 MB pass intact both ways, exit codes pass (exec2 42, exec 8, 128 + signal),
#     stdin's end is the command's, and a command that leaves a process holding its
#     stdout does not keep vzctl waiting.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host

userns_ct=1076
priv_ct=1077
ct_host /vz/itest-exec-hostile itest-exec-hostile.slice
trap "ct_host_cleanup $userns_ct $priv_ct" EXIT

ct_template
for ct in $userns_ct $priv_ct; do
	vzctl create $ct --ostemplate busybox >/dev/null || fail "create $ct failed"
done
vzctl set $userns_ct --local_uid 100000 --local_gid 100000 --save >/dev/null ||
	fail "set --local_uid failed"
for ct in $userns_ct $priv_ct; do
	vzctl start $ct --wait >"$it/start.out" 2>&1 || fail "start $ct failed: $(tail -n 3 "$it/start.out")"
done

# bounded SECONDS ARG...: vzctl ARG... must end within SECONDS (it hangs otherwise);
# its exit code is kept in $rc, its stderr in $it/bounded.err, its stdout in $bounded_out.
rc=0
bounded_out=''
bounded() {
	local s=$1
	shift
	timeout -s KILL "$s" "$BUILD/bin/vzctl" "$@" >"${bounded_out:-$it/bounded.out}" 2>"$it/bounded.err"
	rc=$?
	[ "$rc" -ne 137 ] || fail "vzctl $* did not end within $s s"
}

# only_pipes FILE: each of 0, 1, 2 in FILE (`ls -l /proc/self/fd/` inside) is a pipe.
only_pipes() {
	local fd
	for fd in 0 1 2; do
		grep -Eq " $fd -> pipe:\[[0-9]+\]\$" "$1" || fail "fd $fd inside is not a pipe: $(cat "$1")"
	done
}

check_files() {
	local ct=$1 f=$it/report.$1 in=$it/input.$1 script=$it/script.$1
	echo "== CT $ct: host files as stdout and stdin"
	echo "the host's report" >"$f"
	chmod 0644 "$f"
	vzctl exec2 $ct 'ls -l /proc/self/fd/' >"$f" </dev/null || fail "exec with stdout to a file failed"
	cat "$f"
	only_pipes "$f"
	grep -qF "$f" "$f" && fail "the host file is among the command's fds"
	# Reopened for writing (O_TRUNC) and chmod'ed through /proc/self/fd: a pipe, which
	# the CT's root may reopen (its writes are output like any other) or not (with a
	# user namespace the pipe is the host root's), but never truncate.
	vzctl exec2 $ct 'echo first; chmod 4777 /proc/self/fd/1 2>/dev/null;
		{ echo reopened >/proc/self/fd/1; } 2>/dev/null; echo last' >"$f" </dev/null ||
		fail "exec failed"
	[ "$(stat -c %a "$f")" = 644 ] || fail "the report's mode is $(stat -c %a "$f") after chmod inside"
	[ "$(cat "$f")" = "$(printf 'first\nreopened\nlast')" ] || [ "$(cat "$f")" = "$(printf 'first\nlast')" ] ||
		fail "the report holds '$(cat "$f")', not the command's output"
	printf 'line one\nline two\n' >"$in"
	chmod 0644 "$in"
	vzctl exec2 $ct 'cat; ls -l /proc/self/fd/; chmod 4777 /proc/self/fd/0 2>/dev/null;
		{ echo written >/proc/self/fd/0; } 2>/dev/null; true' <"$in" >"$it/out" 2>&1 ||
		fail "exec with stdin from a file failed: $(cat "$it/out")"
	cat "$it/out"
	[ "$(head -n 2 "$it/out")" = "$(printf 'line one\nline two')" ] || fail "the CT did not read stdin"
	only_pipes "$it/out"
	[ "$(stat -c %a "$in")" = 644 ] || fail "the input's mode is $(stat -c %a "$in") after chmod inside"
	[ "$(cat "$in")" = "$(printf 'line one\nline two')" ] || fail "the input file was written: $(cat "$in")"
	printf '%s\n' 'chmod 4777 /proc/self/fd/0 2>/dev/null; { echo x >/proc/self/fd/0; } 2>/dev/null; echo from-script' >"$script"
	chmod 0644 "$script"
	[ "$(vzctl exec2 $ct - <"$script")" = from-script ] || fail "exec - did not run the script"
	[ "$(stat -c %a "$script")" = 644 ] || fail "exec -: the script's mode is $(stat -c %a "$script")"
}

check_streams() {
	local ct=$1 want got
	echo "== CT $ct: 50 MB both ways, exit codes, end of input, a process left behind"
	want=$(yes 0123456789abcdef | head -c 52428800 | md5sum | cut -d' ' -f1)
	got=$(vzctl exec2 $ct 'yes 0123456789abcdef | head -c 52428800' </dev/null | md5sum | cut -d' ' -f1)
	[ "$got" = "$want" ] || fail "50 MB out of the CT: md5 $got, not $want"
	got=$(yes 0123456789abcdef | head -c 52428800 | vzctl exec2 $ct md5sum | cut -d' ' -f1)
	[ "$got" = "$want" ] || fail "50 MB into the CT: md5 $got, not $want"
	expect_rc 42 vzctl exec2 $ct 'exit 42' </dev/null
	expect_rc 8 vzctl exec $ct 'exit 3' </dev/null
	expect_rc 143 vzctl exec2 $ct 'kill -TERM $$' </dev/null
	[ "$(echo hello | vzctl exec2 $ct cat)" = hello ] || fail "stdin did not pass"
	bounded 60 exec2 $ct 'wc -c' </dev/null
	[ "$rc" = 0 ] && [ "$(tr -d ' ' <"$it/bounded.out")" = 0 ] || fail "end of stdin: $(cat "$it/bounded.out")"
	bounded 60 exec2 $ct 'sleep 300 & echo left-behind' </dev/null
	[ "$rc" = 0 ] && grep -qx left-behind "$it/bounded.out" || fail "a process left behind: rc $rc"
	vzctl exec2 $ct 'kill $(pidof sleep)' </dev/null
}

# The stopper: every process that appears after it stops is stopped at once; what the
# CT's root can then see of it goes to /stopper.log.  Bounded by its iterations and by
# /stopper.off, which the host makes.
stopper='seen=" $$ "
for d in /proc/[0-9]*; do seen="$seen${d#/proc/} "; done
: >/stopper.ready
n=0
while [ ! -e /stopper.off ] && [ $n -lt 200000 ]; do
	n=$((n + 1))
	for d in /proc/[0-9]*; do
		p=${d#/proc/}
		case "$seen" in *" $p "*) continue ;; esac
		seen="$seen$p "
		kill -STOP $p 2>/dev/null || continue
		{ echo "stopped $p"; ls -l /proc/$p/fd/ 2>&1; echo "cwd: $(readlink /proc/$p/cwd 2>&1)"
		  echo "exe: $(readlink /proc/$p/exe 2>&1)"; } >>/stopper.log
	done
done'

check_stopped() {
	local ct=$1 priv=$it/private/$1 t0 took capbnd ptrace
	echo "== CT $ct: a CT that stops every new process"
	# A command that stops itself: a stop after its exec, for certain (before the
	# stopper runs, which would stop it earlier).
	bounded 120 exec2 $ct 'kill -STOP $$; echo resumed' </dev/null
	cat "$it/bounded.err"
	[ "$rc" = 15 ] || fail "a command kept stopped: exec2 exited $rc, not 15"
	grep -q "was stopped" "$it/bounded.err" || fail "no clear error: $(cat "$it/bounded.err")"
	grep -q resumed "$it/bounded.out" && fail "the stopped command ran on"
	# Whether the CT's root has sys_ptrace in the host's user namespace (a privileged CT
	# whose CapBnd has bit 19), which passes the undumpable check of a process born in
	# the CT before its exec.
	capbnd=$(vzctl exec2 $ct 'grep CapBnd /proc/self/status' </dev/null | awk '{ print $2 }')
	ptrace=0
	[ "$ct" = "$priv_ct" ] && ptrace=$(((16#$capbnd >> 19) & 1))
	printf '%s\n' "$stopper" | vzctl exec2 $ct 'cat >/stopper.sh' || fail "cannot write the stopper"
	rm -f "$priv/stopper.ready" "$priv/stopper.off" "$priv/stopper.log"
	vzctl exec2 $ct 'sh /stopper.sh </dev/null >/dev/null 2>&1 &' </dev/null || fail "cannot start the stopper"
	wait_for 30 test -e "$priv/stopper.ready" || fail "the stopper did not start"
	t0=$(date +%s)
	bounded 120 exec $ct 'exec sleep 20' </dev/null
	took=$(($(date +%s) - t0))
	cat "$it/bounded.err"
	echo "exec ended after $took s with $rc"
	[ "$rc" = 15 ] || fail "exec under the stopper exited $rc, not 15 (exec timeout)"
	grep -q "stopped\|did not start" "$it/bounded.err" || fail "no clear error: $(cat "$it/bounded.err")"
	# Once more with stdout to a host file: the file is not among what the CT sees.
	bounded_out=$it/stopped.report
	bounded 120 exec $ct 'exec sleep 20' </dev/null
	bounded_out=''
	cat "$it/bounded.err"
	[ "$rc" = 15 ] || fail "the second exec under the stopper exited $rc"
	touch "$priv/stopper.off"
	echo "what the CT's root saw of the stopped processes:"
	cat "$priv/stopper.log"
	grep -q '^stopped ' "$priv/stopper.log" || fail "the stopper stopped nothing"
	grep -qF "$it" "$priv/stopper.log" && fail "a stopped process showed a host path"
	grep -F -- '->' "$priv/stopper.log" | grep -Ev -- '-> (pipe:|socket:|anon_inode:|/dev/)' &&
		fail "a stopped process held something else than pipes, sockets and devices"
	# Without sys_ptrace the host's vzctl binary is out of reach as the /proc/<pid>/exe
	# of a process stopped before its exec; with it, it is not (the threat model).
	if [ "$ptrace" = 1 ]; then
		echo "note: CT $ct keeps sys_ptrace: a process stopped before its exec shows its exe"
	elif grep -qF "exe: $BUILD/bin/vzctl" "$priv/stopper.log"; then
		fail "the CT's root reached the host's vzctl binary through /proc/<pid>/exe"
	fi
	# An unreadable link reads empty (busybox's readlink says nothing).
	grep '^cwd: ' "$priv/stopper.log" | grep -Ev '^cwd: (/|.*denied.*)?$' &&
		fail "a stopped process had a working directory outside the CT"
	# The CT keeps working for its own commands, once the stopper has ended.
	sleep 2
	[ "$(vzctl exec2 $ct 'echo alive' </dev/null)" = alive ] || fail "exec after the stopper fails"
}

for ct in $userns_ct $priv_ct; do
	check_files $ct
	check_streams $ct
	check_stopped $ct
done
for ct in $userns_ct $priv_ct; do
	vzctl stop $ct >/dev/null 2>&1 || fail "stop $ct failed"
done
echo "OK"
