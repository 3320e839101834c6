#!/usr/bin/env bash
# Makes a local Debian archive from which vztmpl-debian builds the Debian templates in
# the test guest, which has no network: every package a minbase Debian 12 with any of
# the three inits needs, fetched with this host's apt sources into tests/vm/cache/debian
# (git-ignored), indexed as a flat repository.
#
#   tests/vm/fetch-debian.sh [--refresh]
#
# The package set is chosen as mmdebstrap's minbase chooses it (Essential: yes,
# Priority: required, apt) plus each init's packages, each set resolved by apt against
# an empty system, so the archive holds exactly what the guest's mmdebstrap asks for.
# apt runs with a configuration of its own (lists, status and archives under the cache):
# it only downloads, as `apt-get download` does, and installs nothing on this host.
# Idempotent: a complete archive is used as is, without asking apt, so later runs work
# offline.  Prints the archive's directory on stdout; everything else goes to stderr.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${VZ_VM_CACHE:-$here/cache}
suite=bookworm
refresh=0
# What each init adds to minbase (vztmpl-debian --init); the guest tests need nothing more.
init_sets=("systemd-sysv" "sysvinit-core" "sysvinit-core openrc")

die() { echo "fetch-debian: $*" >&2; exit 1; }
say() { echo "fetch-debian: $*" >&2; }

# shellcheck source=scripts/debs.bash
. "$here/../../scripts/debs.bash"
debs_args "$@"

dir=$cache/debian/$suite
# Release is written last: an archive without it is incomplete.
if [ $refresh -eq 0 ] && [ -s "$dir/Release" ]; then
	echo "$dir"
	exit 0
fi

debs_need apt-get apt-ftparchive

mkdir -p "$cache/debian"
exec 9>"$cache/debian/.lock"
flock 9
if [ $refresh -eq 0 ] && [ -s "$dir/Release" ]; then
	echo "$dir"
	exit 0
fi

aptdir=$cache/debian/apt
rm -rf "$aptdir" "$dir.new"
mkdir -p "$aptdir"/{lists/partial,archives/partial,etc/preferences.d} "$dir.new"
: >"$aptdir/status"
# This host's sources (its bookworm mirror and keys); state and archives of our own.
cat >"$aptdir/apt.conf" <<EOF
Dir::State "$aptdir";
Dir::State::Lists "$aptdir/lists";
Dir::State::status "$aptdir/status";
Dir::Cache "$aptdir";
Dir::Cache::archives "$aptdir/archives";
Dir::Etc::Preferences "$aptdir/etc/preferences";
Dir::Etc::PreferencesParts "$aptdir/etc/preferences.d";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Debug::NoLocking "true";
EOF
export APT_CONFIG=$aptdir/apt.conf
# Run as root, apt drops to _apt for downloads, which cannot write into the cache.
apt_get() { apt-get -q -o APT::Sandbox::User=root "$@"; }

say "reading the package lists of this host's sources"
apt_get update >&2 || die "apt-get update failed (no network, or no Debian mirror in /etc/apt/sources.list*)"

# minbase: every Essential: yes or Priority: required package of the suite's own
# archive, and apt.  Lists of other suites (security, updates) only update those.
base=$(apt-cache dumpavail | awk -v RS= '
	/\nEssential: yes/ || /\nPriority: required/ {
		if (match($0, /^Package: [^\n]+/)) print substr($0, 10, RLENGTH - 9)
	}' | sort -u)
[ -n "$base" ] || die "no Essential or required package in the lists: wrong sources?"

for set in "${init_sets[@]}"; do
	say "resolving minbase + $set"
	# shellcheck disable=SC2086 # the lists are words
	apt_get install -y --download-only $base apt $set >&2 ||
		die "apt cannot download minbase + $set"
done

mv "$aptdir"/archives/*.deb "$dir.new/"
(cd "$dir.new" && apt-ftparchive packages . >Packages && gzip -9nk Packages &&
	apt-ftparchive -o APT::FTPArchive::Release::Suite="$suite" release . >Release.tmp &&
	mv Release.tmp Release) || die "apt-ftparchive failed in $dir.new"
rm -rf "$dir" "$aptdir"
mv "$dir.new" "$dir"
say "$(ls "$dir"/*.deb | wc -l) packages ready in $dir"
echo "$dir"
