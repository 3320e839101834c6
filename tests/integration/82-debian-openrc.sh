#!/bin/bash
# A Debian 12 CT with OpenRC (under sysvinit's init), created unprivileged by default:
# `rc-status -r` says default with no crashed service within 60 s of start; exec
# works; the console shows getty's login prompt; `reboot` inside comes back with a new
# init whose default runlevel starts the CT's own service again; `vzctl stop` runs the
# CT's `halt`, whose shutdown stops that service (its stop writes a file), and leaves
# nothing, in under 10 s.  The template's /etc/rc.conf.d/container.conf (vztmpl-debian)
# is what keeps the stop there in the emulated test guest: without it OpenRC stopped
# some 25 services one after the other (Debian's sysv scripts for hardware and the
# host's mounts among them), each an openrc-run of about 1 s under TCG, 18 to 30 s in all.
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
# mountall.sh stays in the template: what the CT's own fstab lists is mounted at boot.
mkdir -p "$priv/mnt/fstab"
echo 'tmpfs /mnt/fstab tmpfs size=1m 0 0' >>"$priv/etc/fstab"

normal_state() {
	local r crashed
	r=$(in_ct 'rc-status -r' 2>&1)
	crashed=$(in_ct 'rc-status --crashed' 2>&1)
	echo "rc-status -r: $r; crashed: ${crashed:-none}"
	[ "$r" = default ] && [ -z "$crashed" ]
}

debian_start
debian_inside
in_ct 'grep -q " /mnt/fstab tmpfs " /proc/mounts' || fail "the CT's /etc/fstab was not mounted at boot"
in_ct 'rc-update add stopmark default && rc-service stopmark start' >/dev/null ||
	fail "cannot enable stopmark"
debian_console
debian_reboot
debian_stop
echo "PASS"
