#!/usr/bin/env bash
# The export read the way each consumer of reference §8.2 reads it: each parser here is
# written from the rules stated there, and each must get the numbers the core reports
# (the dump of tests/helpers/export-sample, unknown usage being 0 in the texts).
# Runs on the host; BUILD names the build directory.  Prints PASS/FAIL per check and
# exits non-zero when one failed.
set -euo pipefail

BUILD=${BUILD:-build}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$BUILD/tests/export-sample" "$work"
cd "$work"

passed=0
failed=0
pass() { echo "PASS consumers: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL consumers: $1"; failed=$((failed + 1)); }
# same NAME GOT WANT: the two files hold the same lines
same() {
	if diff -u "$3" "$2" > diff.out; then
		pass "$1"
	else
		fail "$1"
		head -n 20 diff.out
	fi
}
expect() { python3 "$here/expect.py" dump "$@"; }
cts="101 202 1000"

# --- the texts themselves: no line a strict parser would trip on
if grep -qE '[ \r]$|^$' user_beancounters bc_resources bc_*_resources; then
	fail "no blank line, no trailing blank or CR"
else
	pass "no blank line, no trailing blank or CR"
fi

# --- vzubc's awk rules (§8.1)
awk -f "$here/vzubc.awk" user_beancounters | sort > got
expect --no-swap --unl U > want
same "vzubc rules over user_beancounters" got want
awk -f "$here/vzubc.awk" bc_resources | sort > got
expect --unl U > want
same "vzubc rules over bc/resources (swappages last, no dummies)" got want
for id in $cts; do
	awk -f "$here/vzubc.awk" "bc_${id}_resources" | sed 's/^ //' | sort > got
	expect --ct "$id" --unl U | cut -d' ' -f2- > want
	same "vzubc rules over bc/$id/resources (no id)" got want
done
sed 's/^Version: 2.5$/Version: 2.6/' user_beancounters > v26
if awk -f "$here/vzubc.awk" v26 > /dev/null 2>&1; then
	fail "vzubc rules refuse Version: 2.6"
else
	pass "vzubc rules refuse Version: 2.6"
fi
for f in user_beancounters bc_resources bc_101_resources; do
	if VZ_CONF=/nonexistent "$BUILD/bin/vzubc" -v -f "$f" > vzubc.out 2> vzubc.err &&
		[ ! -s vzubc.err ] && [ -s vzubc.out ]; then
		pass "vzubc -v -f $f"
	else
		fail "vzubc -v -f $f"
		cat vzubc.err
	fi
done

# --- check_beancounter's 7-field rule and its [:-1] id
python3 "$here/check_beancounter.py" user_beancounters | sort > got
expect --no-swap > want
same "check_beancounter 7-field rule, id[:-1]" got want
sed -E 's/^ +0:/0 :/' user_beancounters > spaced
if python3 "$here/check_beancounter.py" spaced > got 2> /dev/null && ! grep -q '^0: ' got; then
	fail "check_beancounter: a colon not glued to the id gives 8 fields and a lost block"
else
	pass "check_beancounter: a colon not glued to the id gives 8 fields and a lost block"
fi
printf '\n' >> spaced
if python3 "$here/check_beancounter.py" spaced > /dev/null 2>&1; then
	fail "check_beancounter crashes on a blank line (as the original did)"
else
	pass "check_beancounter crashes on a blank line (as the original did)"
fi

# --- Proxmox's regex, over bc/resources only
if ! command -v perl > /dev/null; then
	fail "Proxmox regex: perl is not installed"
else
	perl "$here/proxmox.pl" bc_resources > px.out
	grep -v '^sum ' px.out | sort > got
	expect > want
	same "Proxmox regex rows (physpages, swappages, numproc for every CT)" got want
	grep '^sum ' px.out | sort > got
	expect --sum-failcnt | sed 's/^/sum /' | sort > want
	same "Proxmox failcnt sum per CT" got want
	rows=$(grep -vc '^sum ' px.out)
	sed '5s/$/ /' bc_resources > blank
	sed '6s/$/\r/' bc_resources > cr
	b=$(perl "$here/proxmox.pl" blank | grep -vc '^sum ')
	c=$(perl "$here/proxmox.pl" cr | grep -vc '^sum ')
	if [ "$b" -eq $((rows - 1)) ] && [ "$c" -eq $((rows - 1)) ]; then
		pass "Proxmox regex drops a row with a trailing blank or CR (so the export has none)"
	else
		fail "Proxmox regex drops a row with a trailing blank or CR ($rows $b $c)"
	fi
fi

# --- dstat's token rule: failcnt sums, host block 0: skipped
python3 "$here/dstat.py" user_beancounters > got
expect --no-host --no-swap --sum-failcnt | sort > want
sort -o got got
same "dstat token rule (7 tokens l[6], 6 tokens l[5], 0: skipped)" got want

# --- vzlist's "%s %lu %lu %lu %lu %lu" per row, the row after the colon
python3 "$here/vzlist.py" bc_resources | sort > got
expect > want
same "vzlist scanf over bc/resources (a block's first row too)" got want
python3 "$here/vzlist.py" user_beancounters | sort > got
expect --no-swap > want
same "vzlist scanf over user_beancounters" got want
# The same scan over the whole line (VZ8's vzlist over its emulation): the first row of
# each block holds `<id>:` before the name, so "%s" takes the id and the first "%lu"
# fails on the name.  That is the format OpenVZ's kernel printed and that the readers
# above need (the glued id); legacy vzlist scans after the colon and gets every row.
python3 "$here/vzlist.py" --whole bc_resources | sort > got
printf '%s kmemsize 1\n' 0 $cts | sort > want
same "a whole-line scan loses exactly each block's first row (kmemsize)" got want
python3 "$here/vzlist.py" --veinfo veinfo | sort > got
expect | awk '$2 == "numproc" { print $1, $3 }' | sort > want
same "vzlist veinfo scan (numproc)" got want

# --- Zabbix-OpenVZ: column 6 of the per-CT file summed
for id in $cts; do
	got=$(awk 'NF != 6 { bad = 1 } { s += $6 } END { print (bad ? "bad" : s + 0) }' "bc_${id}_resources")
	want=$(expect --ct "$id" --sum-failcnt | cut -d' ' -f2)
	if [ "$got" = "$want" ]; then
		pass "Zabbix-OpenVZ column 6 of bc/$id/resources"
	else
		fail "Zabbix-OpenVZ column 6 of bc/$id/resources: $got, want $want"
	fi
done

# --- collectd inside a CT: 6 or 7 tokens, pages x 4096, LONG_MAX as NaN
for id in $cts; do
	python3 "$here/collectd.py" "ct_${id}_user_beancounters" | sort > got
	expect --ct "$id" --no-swap --unl NaN --pages-bytes | cut -d' ' -f2- | sort > want
	same "collectd 6/7-token rule in CT $id" got want
done

# --- KUDOS: a CT line is NF==7 and not uid, continuation NF==6, failcnt compared
awk '$1 == "uid" || $1 == "Version:" { next }
	NF == 7 { sub(/:$/, "", $1); ct = $1; if ($2 != "dummy") print ct, $2, $7; next }
	NF == 6 && $1 != "dummy" { print ct, $1, $6 }' user_beancounters | sort > got
expect --no-swap | awk '{ print $1, $2, $7 }' > want
same "KUDOS NF==7 / NF==6 failcnt" got want

# --- the host's block 0: comes after the CTs', as OpenVZ's host printed it
for f in user_beancounters bc_resources; do
	ids=$(awk '$1 ~ /^[0-9]+:$/ { printf "%s ", $1 }' "$f")
	if [ "$ids" = "101: 202: 1000: 0: " ]; then
		pass "$f: the host's block last"
	else
		fail "$f: blocks $ids, want the host's block last"
	fi
done
if [ "$(awk '{ printf "%s ", $1 }' veinfo)" = "101 202 1000 0 " ]; then
	pass "veinfo: the host's line last"
else
	fail "veinfo: $(awk '{ printf "%s ", $1 }' veinfo), want the host's line last"
fi

echo "consumers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
