# What the OS template builders (vztmpl-busybox, vztmpl-debian) share: where the template
# cache is and how a tarball's name says its compression.  Sourced; the caller defines die.

# vztmpl_cache_dir: <TEMPLATE>/cache, TEMPLATE read from $VZ_CONF (else /etc/vz/vz.conf)
# the way vzctl reads a KEY=value line, /vz/template when neither says.
vztmpl_cache_dir() {
	local conf=${VZ_CONF:-/etc/vz/vz.conf} v=''
	if [ -r "$conf" ]; then
		v=$(sed -n 's/^[[:space:]]*TEMPLATE=//p' "$conf" | head -n 1)
		v=${v%\"}; v=${v#\"}
	fi
	echo "${v:-/vz/template}/cache"
}

# vztmpl_compressor FILE: sets the array compress to the command that makes FILE's
# compression from a tar stream on stdin.
vztmpl_compressor() {
	case $1 in
	*.tar.gz|*.tgz) compress=(gzip -n -9) ;;
	*.tar.xz) compress=(xz -9 -T1) ;;
	*.tar.zst) compress=(zstd -q -19) ;;
	*.tar) compress=(cat) ;;
	*) die "the output name must end in .tar.gz, .tar.xz, .tar.zst or .tar: $1" ;;
	esac
}
