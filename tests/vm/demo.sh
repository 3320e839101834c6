#!/usr/bin/env bash
# Boots the test guest and runs the scripted demo session (tests/vm/demo-session.sh)
# on a Debian CT.
#   BUILD=<build dir> tests/vm/demo.sh [run-guest options]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export BUILD=${BUILD:-$(cd "$here/../.." && pwd)/build}
[ -x "$BUILD/bin/vzctl" ] || { echo "demo: $BUILD/bin/vzctl is not built (make BUILD=$BUILD all)" >&2; exit 1; }
# The Debian systemd template, built in a guest of its own the first time.
templates=$("$here/debian-templates.sh" systemd)
# /vz on ext4 (the default): a CT's user namespace needs idmapped mounts, which tmpfs
# has only from Linux 6.3.
exec "$here/run-guest.sh" --env VZ_DEMO_TEMPLATES="$templates" "$@" "$here/demo-session.sh"
