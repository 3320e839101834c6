#!/usr/bin/env bash
# Builds the Debian templates the guest tests boot (debian-12-<init>-x86_64.tar.gz for
# systemd, sysvinit and openrc) into tests/vm/cache/templates (git-ignored), each once:
# the packages come from tests/vm/fetch-debian.sh's local archive, and vztmpl-debian
# runs in the test guest, since mmdebstrap mounts and chroots.
#
#   tests/vm/debian-templates.sh [INIT...]     (default: all three)
#
# Prints the template directory on stdout; everything else goes to stderr.  A template
# already in the cache is not built again, unless the scripts that build it changed
# since (a stamp beside it holds their digest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${VZ_VM_CACHE:-$here/cache}
out=$cache/templates
inits=("$@")
[ ${#inits[@]} -gt 0 ] || inits=(systemd sysvinit openrc)

die() { echo "debian-templates: $*" >&2; exit 1; }

digest=$(cat "$here/../../scripts/vztmpl-debian" "$here/../../scripts/vztmpl.bash" | sha256sum | cut -d' ' -f1)
missing=()
for i in "${inits[@]}"; do
	case $i in systemd|sysvinit|openrc) ;; *) die "unknown init '$i'" ;; esac
	[ -s "$out/debian-12-$i-x86_64.tar.gz" ] &&
		[ "$(cat "$out/debian-12-$i-x86_64.stamp" 2>/dev/null)" = "$digest" ] || missing+=("$i")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "$out"
	exit 0
fi

repo=$("$here/fetch-debian.sh") || die "no local Debian archive (see above)"
mkdir -p "$out"
job=$(mktemp "${TMPDIR:-/tmp}/debian-templates.XXXXXX.sh")
trap 'rm -f "$job"' EXIT
cat >"$job" <<JOB
#!/bin/bash
# In the guest: /vz is a fresh ext4 disk, roomier than the tmpfs /tmp.
set -e
export TMPDIR=/vz
for i in ${missing[*]}; do
	t0=\$(date +%s)
	"$here/../../scripts/vztmpl-debian" --init "\$i" --mirror "deb [trusted=yes] file://$repo ./" \\
		-o "$out/.debian-12-\$i-x86_64.tar" >&2
	echo "debian-templates: \$i built in \$((\$(date +%s) - t0)) s" >&2
done
JOB
echo "debian-templates: building ${missing[*]} in the guest" >&2
"$here/run-guest.sh" --timeout 1800 --out "$out" "$job" >&2 || die "the guest could not build the templates"
# Compressed here: gzip under the guest's emulation takes longer than the build.
for i in "${missing[@]}"; do
	gzip -n -6 <"$out/.debian-12-$i-x86_64.tar" >"$out/.debian-12-$i-x86_64.tar.gz" &&
		mv "$out/.debian-12-$i-x86_64.tar.gz" "$out/debian-12-$i-x86_64.tar.gz" &&
		rm "$out/.debian-12-$i-x86_64.tar" || die "cannot compress the $i template"
	echo "$digest" >"$out/debian-12-$i-x86_64.stamp"
done
echo "$out"
