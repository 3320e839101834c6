# What a benchmark leaves behind in the guest, for bench/guest.sh: processes it started
# that still run (LXC's monitor and container, a CT's init and its "vzmon CTID", a bcfs,
# a sleep), cgroups it made that are still there (under the CT parents, LXC's
# lxc.payload.* / lxc.monitor.* / lxc.pivot; a BPF device program goes with its cgroup)
# and mounts it made.  In the guest nothing runs in a cgroup below the root but CTs and
# LXC containers.
#
#   leftovers_init            records what the guest has before the first benchmark
#   leftovers_check LABEL     prints "LABEL: load <loadavg>" and, one line each, every
#                             process in a cgroup below the root (pid, comm, cgroup), every
#                             other process started since leftovers_init that still runs,
#                             every cgroup and mount made since; then kills and removes
#                             them and says so.  Returns 1 when something was left.

_lo_cgroot=/sys/fs/cgroup

# _lo_procs: "pid starttime ppid" of every process but kernel threads.
_lo_procs() {
	local f s
	local -a a
	for f in /proc/[0-9]*/stat; do
		{ s=$(<"$f"); } 2>/dev/null || continue
		read -ra a <<<"${s##*) }" # state ppid ... flags is the 7th, starttime the 20th
		((a[6] & 0x200000)) && continue # PF_KTHREAD
		f=${f#/proc/}
		echo "${f%/stat} ${a[19]} ${a[1]}"
	done
}

# _lo_cgroups: every cgroup below the root, parents first.
_lo_cgroups() {
	find "$_lo_cgroot" -mindepth 1 -type d 2>/dev/null | sed "s|^$_lo_cgroot||" | sort
}

# _lo_mounts: the mount points of this mount namespace, in mount order.
_lo_mounts() {
	awk '{ print $5 }' /proc/self/mountinfo
}

leftovers_init() {
	_lo_procs0=$(_lo_procs | awk '{ print $1 ":" $2 }')
	_lo_cgroups0=$(_lo_cgroups)
	_lo_mounts0=$(_lo_mounts)
}

# _lo_comm PID: the process's command line (LXC's monitor is named there), else its
# name; at most 60 characters.
_lo_comm() {
	local c
	c=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)
	[ -n "$c" ] || c=$(cat "/proc/$1/comm" 2>/dev/null)
	c=${c:0:60}
	echo "${c%"${c##*[! ]}"}"
}

# _lo_cg PID: the process's cgroup (v2).
_lo_cg() {
	sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null
}

# _lo_left: sets lo_pids (processes to report: in a cgroup below the root, or started
# since leftovers_init and not this shell's own), lo_cgroups (made since, parents first)
# and lo_mounts (made since, in mount order).
_lo_left() {
	local pid st ppid p cg
	local -A parent=() seen=()
	local list
	list=$(_lo_procs)
	while read -r pid st ppid; do parent[$pid]=$ppid; done <<<"$list"
	for p in $_lo_procs0; do seen[$p]=1; done
	lo_pids=()
	while read -r pid st ppid; do
		[ -n "$pid" ] || continue
		# this shell and what it runs now (the command substitutions of this check)
		p=$pid
		while [ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$$" ]; do p=${parent[$p]:-}; done
		[ "$p" = "$$" ] && continue
		cg=$(_lo_cg "$pid")
		if [ -n "$cg" ] && [ "$cg" != / ]; then
			lo_pids+=("$pid")
		elif [ -z "${seen[$pid:$st]:-}" ]; then
			lo_pids+=("$pid")
		fi
	done <<<"$list"
	mapfile -t lo_cgroups < <(comm -13 <(echo "$_lo_cgroups0") <(_lo_cgroups))
	mapfile -t lo_mounts < <(_lo_mounts | grep -vxF -f <(echo "$_lo_mounts0"))
}

# _lo_print INDENT: one line per process, cgroup and mount of _lo_left.
_lo_print() {
	local p c
	for p in "${lo_pids[@]}"; do
		[ -d "/proc/$p" ] && printf '%spid %s %s in %s\n' "$1" "$p" "$(_lo_comm "$p")" "$(_lo_cg "$p")"
	done
	for c in "${lo_cgroups[@]}"; do
		printf '%scgroup %s (%s processes)\n' "$1" "$c" \
			"$(wc -l 2>/dev/null <"$_lo_cgroot$c/cgroup.procs")"
	done
	for c in "${lo_mounts[@]}"; do printf '%smount %s\n' "$1" "$c"; done
}

# _lo_clean: kills and removes what _lo_left found: the cgroups made since with all
# their processes (cgroup.kill), every other process left, then the mounts (lazily,
# the last made first) and the cgroups (the deepest first).
_lo_clean() {
	local c p i
	for c in "${lo_cgroups[@]}"; do
		[ -e "$_lo_cgroot$c/cgroup.kill" ] && echo 1 >"$_lo_cgroot$c/cgroup.kill" 2>/dev/null
	done
	for p in "${lo_pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	for ((i = ${#lo_mounts[@]} - 1; i >= 0; i--)); do umount -l "${lo_mounts[i]}" 2>/dev/null; done
	for _ in $(seq 50); do
		_lo_alive "${lo_pids[@]}" || break
		sleep 0.1
	done
	for ((i = ${#lo_cgroups[@]} - 1; i >= 0; i--)); do
		c=$_lo_cgroot${lo_cgroups[i]}
		for _ in $(seq 50); do
			{ rmdir "$c" 2>/dev/null || [ ! -d "$c" ]; } && break
			sleep 0.1
		done
	done
}

# _lo_alive PID...: true when one of them still runs (not a zombie).
_lo_alive() {
	local p s
	for p in "$@"; do
		{ s=$(<"/proc/$p/stat"); } 2>/dev/null || continue
		s=${s##*) }
		[ "${s:0:1}" = Z ] || return 0
	done
	return 1
}

leftovers_check() {
	echo "$1: load $(cat /proc/loadavg)"
	_lo_left
	[ $((${#lo_pids[@]} + ${#lo_cgroups[@]} + ${#lo_mounts[@]})) = 0 ] && return 0
	echo "  left running or in place:"
	_lo_print "    "
	_lo_clean
	_lo_left
	if [ $((${#lo_pids[@]} + ${#lo_cgroups[@]} + ${#lo_mounts[@]})) = 0 ]; then
		echo "  all of it killed and removed"
	else
		echo "  still there after killing and removing:"
		_lo_print "    "
	fi
	return 1
}
