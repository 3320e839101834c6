# Debian packages fetched for the project's own use without installing them (no
# postinst runs): `apt-get download` into a cache directory, `dpkg-deb -x` to unpack.
# Sourced by tests/vm/fetch-kernel.sh and bench/fetch-lxc.sh, which define die and say.

# debs_need TOOL...: each tool is on PATH, or the caller dies saying what is missing.
debs_need() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null ||
			die "'$tool' is missing: this needs a Debian host (apt, dpkg, kmod; run 'make deps')"
	done
}

# debs_fetch DIR NAME [VERSION]: prints the path of NAME's .deb in DIR (of VERSION
# when given), downloading it first when DIR has none.  File names carry the version
# without its epoch.
debs_fetch() {
	local dir=$1 name=$2 ver=${3:-} spec=$2 deb
	local pattern="${name}_*${ver#*:}_*.deb"
	[ -n "$ver" ] && spec="$name=$ver"
	deb=$(cd "$dir" 2>/dev/null && ls $pattern 2>/dev/null | sort -V | tail -n 1) || true
	if [ -z "$deb" ]; then
		say "downloading $spec"
		mkdir -p "$dir"
		# apt-get download writes into the current directory.  It warns when the _apt
		# user cannot write there; the download itself still works.
		(cd "$dir" && apt-get download -q "$spec" 2>&1 |
			{ grep -v 'performed unsandboxed' || true; } >&2) ||
			die "apt-get download of $spec failed (no network or no Debian mirror?)"
		deb=$(cd "$dir" && ls $pattern 2>/dev/null | sort -V | tail -n 1) || true
		[ -n "$deb" ] || die "no $pattern in $dir after the download"
	fi
	echo "$dir/$deb"
}

# debs_args ARG...: the fetch scripts' arguments: --refresh sets refresh=1, --help prints
# the caller's header comment.
debs_args() {
	local a
	for a in "$@"; do
		case $a in
		--refresh) refresh=1 ;;
		-h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
		*) die "unknown argument '$a' (see --help)" ;;
		esac
	done
}
