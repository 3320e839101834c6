#!/bin/bash
# A Debian 12 CT with OpenRC (under sysvinit's init), created unprivileged by default:
# `rc-status -r` says default with no crashed service within 60 s of start; exec
# works; the console shows getty's login prompt; `reboot` inside comes back with a new
# init whose default runlevel starts the CT's own service again; `vzctl stop` runs the
# CT's `halt`, whose shutdown stops that service (its stop writes a file), and leaves
# nothing.  The stop is held to 60 s, not 10: in the emulated test guest OpenRC stops
# some 25 services one after the other (its own, then Debian's sysv scripts it runs:
# savecache, umountfs, mountall, checkroot, hostname.sh, mountkernfs.sh ...), each an
# openrc-run of about 1 s under TCG, so its shutdown took 18 to 30 s where sysvinit's
# took 7 s (measured from the console log and the CT's processes, sampled every 0.5 s).
# The CT is stopped by its own shutdown either way, not killed at STOP_TIMEOUT (120 s).
set -u
. "$(dirname "$0")/common.bash"
. "$(dirname "$0")/debian.bash"
need_ct_host
debian_new openrc 1082
debian_ids

cat >"$priv/etc/init.d/stopmark" <<'SCRIPT'
#!/sbin/openrc-run
description="a service whose stop leaves a mark"
start() { touch /run/stopmark.started; }
stop() { touch /var/lib/stopmark.stopped; }
SCRIPT
chmod 0755 "$priv/etc/init.d/stopmark"

normal_state() {
	local r crashed
	r=$(in_ct 'rc-status -r' 2>&1)
	crashed=$(in_ct 'rc-status --crashed' 2>&1)
	echo "rc-status -r: $r; crashed: ${crashed:-none}"
	[ "$r" = default ] && [ -z "$crashed" ]
}

debian_start
debian_inside
in_ct 'rc-update add stopmark default && rc-service stopmark start' >/dev/null ||
	fail "cannot enable stopmark"
debian_console
debian_reboot
debian_stop 60
echo "PASS"
