#!/bin/bash
# A Debian 12 CT with sysvinit, created unprivileged by default: runlevel 2 within 60 s
# of start; exec works; the console shows getty's login prompt (the template's inittab
# keeps one on /dev/console); `reboot` inside runs rc 6 and comes back with a new init
# whose rc 2 starts the CT's own service again; `vzctl stop` runs the CT's `halt`, whose
# rc 0 stops that service (its stop writes a file), in under 10 s, and leaves nothing.
set -u
. "$(dirname "$0")/common.bash"
. "$(dirname "$0")/debian.bash"
need_ct_host
debian_new sysvinit 1081
debian_ids

cat >"$priv/etc/init.d/stopmark" <<'SCRIPT'
#!/bin/sh
### BEGIN INIT INFO
# Provides:          stopmark
# Required-Start:    $local_fs
# Required-Stop:     $local_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: a service whose stop leaves a mark
### END INIT INFO
case "$1" in
start) touch /run/stopmark.started ;;
stop) touch /var/lib/stopmark.stopped ;;
esac
exit 0
SCRIPT
chmod 0755 "$priv/etc/init.d/stopmark"

normal_state() {
	local r
	r=$(in_ct 'runlevel' 2>&1)
	echo "runlevel: $r"
	[ "${r#* }" = 2 ]
}

debian_start
debian_inside
in_ct 'update-rc.d stopmark defaults && /etc/init.d/stopmark start' || fail "cannot enable stopmark"
debian_console
debian_reboot
debian_stop
echo "PASS"
