# Limit-only running CTs for the benchmarks of the counters and the export, sourced
# after tests/integration/common.bash.  For each id a CTID.conf with limits, the cgroup
# <parent>/<id> with the same limits written in, one sleeping process moved into it, and
# <RUNDIR>/<id>.pid naming that process: what the core takes for a running CT
# (ct_init_pid).  RUNDIR is on tmpfs, as /var/run is.  The CTs of a size are made on
# top of the previous size's.

# check_counts REPS N SIZES: the numbers of a benchmark's arguments (usage on a bad one);
# sets the array sizes.
check_counts() {
	local n prev=0
	for n in "$1" "$2"; do
		case $n in '' | *[!0-9]*) usage ;; esac
	done
	{ [ "$1" -ge 1 ] && [ "$2" -ge 1 ]; } || usage
	read -ra sizes <<<"${3//,/ }"
	[ ${#sizes[@]} -ge 1 ] || usage
	for n in "${sizes[@]}"; do
		case $n in '' | *[!0-9]*) usage ;; esac
		{ [ "$n" -gt "$prev" ] && [ "$n" -le 5000 ]; } || usage
		prev=$n
	done
}

# fake_cts_begin NAME BASE_ID: the host tree /vz/<NAME> (or /tmp/<NAME>), CT ids from
# BASE_ID + 1, their parent cgroup <NAME>.slice; sets it, parent, cgp, rundir, confdir,
# base_id, out and err.  fake_cts_end (the EXIT trap it sets) removes all of it.
fake_cts_begin() {
	base_id=$2
	parent=$1.slice
	cgp=/sys/fs/cgroup/$parent
	it=/vz/$1
	rundir=/run/vz-$1
	[ -d /vz ] || it=/tmp/$1
	ct_host "$it" "$parent"
	sed -i "s|^RUNDIR=.*|RUNDIR=$rundir|" "$VZ_CONF"
	confdir=$it/conf
	out=$it/times
	err=$it/errors.log
	fake_pids=()
	made=0
	trap fake_cts_end EXIT # a caller with more to clean calls fake_cts_end from its own
	mkdir -p "$out" "$rundir" "$it/bin"
	# The sleeping processes: busybox from a local copy (no 9p read per process).
	{ cp /bin/busybox "$it/bin/busybox" && ln -s busybox "$it/bin/sleep"; } || fail "cannot copy busybox"
	[ -e "$cgp" ] && fail "$cgp exists already"
	mkdir "$cgp" || fail "cannot create $cgp"
	echo "+memory +pids" >"$cgp/cgroup.subtree_control" || fail "cannot enable memory and pids in $cgp"
}

fake_cts_end() {
	local i
	[ ${#fake_pids[@]} -gt 0 ] && kill "${fake_pids[@]}" 2>/dev/null
	wait 2>/dev/null
	for ((i = 1; i <= made; i++)); do
		rmdir "$cgp/$((base_id + i))" 2>/dev/null
	done
	rmdir "$cgp" 2>/dev/null
	rm -rf "$rundir" "$it"
}

# make_cts N: CTs base_id+1 .. base_id+N (those not made yet).
make_cts() {
	local id pid
	while [ $made -lt "$1" ]; do
		id=$((base_id + made + 1))
		printf '%s\n' 'PHYSPAGES="0:256M"' 'SWAPPAGES="0:512M"' 'NUMPROC="240:240"' \
			'KMEMSIZE="14372700:14790164"' 'NUMFILE="9312:9312"' 'NUMTCPSOCK="360:360"' \
			'CPUUNITS="1000"' >"$confdir/$id.conf"
		mkdir "$cgp/$id" || return 1
		made=$((made + 1))
		echo 240 >"$cgp/$id/pids.max" && echo 268435456 >"$cgp/$id/memory.max" &&
			echo 536870912 >"$cgp/$id/memory.swap.max" || return 1
		"$it/bin/sleep" 3600 </dev/null >/dev/null 2>&1 &
		pid=$!
		fake_pids+=("$pid")
		echo "$pid" >"$cgp/$id/cgroup.procs" || return 1
		echo "$pid" >"$rundir/$id.pid" || return 1
	done
}
