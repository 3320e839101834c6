#!/bin/bash
# The network rows of a running CT: tcpsndbuf, tcprcvbuf, othersockbuf and dgramrcvbuf
# agree with what ss reads in the CT's netns at the same time (the sum of its skmem
# fields: TCP w and r, UNIX/UDP/raw t, UDP/raw r) while ct-probe holds unread data on
# loopback (a TCP connection, UDP datagrams, a unix socketpair), and cover at least the
# bytes the probe left unread; numiptent equals the legacy xtables entries (policies,
# user chains twice, rules, one closing entry per table, counted from iptables-save)
# plus the nft rules, before and after rules are added in the CT's netns, and reading it
# creates no table and loads no module; maxheld stays at the peak when they are flushed;
# the rows are "accounted", never "not available", and vzlist shows them; a CT with
# LOCAL_UID has them too.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host
need_built tests/bctable bin/vzlist
for t in ss nsenter iptables-legacy iptables-legacy-save ip6tables-legacy ip6tables-legacy-save nft; do
	command -v $t >/dev/null || skip "$t is not installed (make deps)"
done

ctid=1068
BYTES=4194304
N=5 # iptables rules in INPUT
M=3 # nft rules
ct_new $ctid netbufs
ct_probe $ctid
vzctl start $ctid --wait >"$it/start.out" 2>&1 || fail "start failed: $(tail -n 3 "$it/start.out")"
init=$(cat "$it/run/$ctid.pid")
innet() { nsenter -n -t "$init" "$@"; }
bct() { "$BUILD/tests/bctable" "$ctid"; }
col() { awk -v r="$1" -v c="$2" '$1 == r { print $c }' "$3"; } # 2 held 3 maxheld 7 class 8 known

probe_bg $ctid sock sock "$BYTES"
out=$probe_out
read -r _ tcp_sent _ udp_sent _ unix_sent <"$out"
echo "probe left unread: tcp $tcp_sent udp $udp_sent unix $unix_sent bytes"

# skmem OPTS FIELD: FIELD of ss's skmem summed over the sockets ss -OPTS lists in the CT.
skmem() {
	innet ss -anm "$1" | grep -o 'skmem:([^)]*)' | awk -v f="$2" '{
		n = split(substr($0, 8, length($0) - 8), kv, ",")
		for (i = 1; i <= n; i++) {
			k = kv[i]; sub(/[0-9]+$/, "", k)
			if (k == f) s += substr(kv[i], length(k) + 1)
		}
	} END { print s + 0 }'
}

bct >"$it/t1"
ss_tcpsnd=$(skmem -t w)
ss_tcprcv=$(skmem -t r)
ss_other=$(( $(skmem -x t) + $(skmem -u t) + $(skmem -w t) ))
ss_dgram=$(( $(skmem -u r) + $(skmem -w r) ))
bct >"$it/t2"
cat "$it/t2"

# within ROW SS: the row read before and after ss brackets ss's sum (a page of slack
# for anything the CT's own processes did meanwhile).
within() {
	local a b lo hi
	a=$(col "$1" 2 "$it/t1"); b=$(col "$1" 2 "$it/t2")
	lo=$(( a < b ? a : b )); hi=$(( a < b ? b : a ))
	[ "$2" -ge $((lo - 4096)) ] && [ "$2" -le $((hi + 4096)) ] ||
		fail "$1: the table says $a then $b, ss counts $2"
	echo "$1: $b (ss $2)"
}
within tcpsndbuf "$ss_tcpsnd"
within tcprcvbuf "$ss_tcprcv"
within othersockbuf "$ss_other"
within dgramrcvbuf "$ss_dgram"

held() { col "$1" 2 "$it/t2"; }
[ "$(held tcpsndbuf)" -gt 0 ] || fail "tcpsndbuf is 0 while the sender's queue is full"
[ "$(held tcprcvbuf)" -gt 0 ] || fail "tcprcvbuf is 0 while the receiver holds unread data"
# Every unread TCP byte sits in the receiver's queue or the sender's; truesize >= bytes.
[ $(( $(held tcpsndbuf) + $(held tcprcvbuf) )) -ge "$tcp_sent" ] ||
	fail "tcpsndbuf + tcprcvbuf = $(( $(held tcpsndbuf) + $(held tcprcvbuf) )), below the $tcp_sent bytes unread"
[ "$(held othersockbuf)" -ge "$unix_sent" ] && [ "$unix_sent" -gt 0 ] ||
	fail "othersockbuf $(held othersockbuf), the unix socketpair holds $unix_sent bytes"
[ "$(held dgramrcvbuf)" -ge "$udp_sent" ] && [ "$udp_sent" -gt 0 ] ||
	fail "dgramrcvbuf $(held dgramrcvbuf), $udp_sent bytes of datagrams are unread"

# Entries the kernel holds, counted from the rule sets: per legacy table one closing
# entry, one policy per builtin chain, a head and a return per user chain, each rule;
# one per nft rule.  Neither tool is run before rules exist (iptables would create the
# filter table, nft load nf_tables).
legacy_entries() {
	{ innet iptables-legacy-save; innet ip6tables-legacy-save; } 2>/dev/null | awk '
		/^\*/ { n++ } /^:/ { n += ($2 == "-") ? 2 : 1 } /^-A / { n++ } END { print n + 0 }'
}
nft_rules() {
	[ -e /sys/module/nf_tables ] || { echo 0; return; }
	innet nft -a list ruleset | grep '# handle' | grep -cvE '^[[:space:]]*(table|chain|set|map|flowtable) '
}
numiptent() { bct | awk '$1 == "numiptent" { print $2, $3 }'; }

nft_was=$([ -e /sys/module/nf_tables ] && echo loaded || echo absent)
read -r before _ <<<"$(numiptent)"
[ "$before" -eq 0 ] || fail "numiptent is $before in a CT that made no rules"
# Reading created nothing: no legacy table in the CT's netns, nf_tables not loaded by it.
for f in ip_tables_names ip6_tables_names arp_tables_names; do
	[ ! -s /proc/$init/net/$f ] || fail "reading numiptent created tables: $f holds $(cat /proc/$init/net/$f)"
done
[ "$nft_was" = loaded ] || [ ! -e /sys/module/nf_tables ] || fail "reading numiptent loaded nf_tables"
echo "numiptent before any rule: $before (nf_tables $nft_was), no table created"
for i in $(seq $N); do
	innet iptables-legacy -A INPUT -s 192.0.2.$i -j DROP || fail "iptables-legacy -A failed"
done
innet iptables-legacy -N vztest && innet iptables-legacy -A vztest -s 198.51.100.1 -j RETURN ||
	fail "iptables-legacy -N failed"
innet ip6tables-legacy -A INPUT -s ::ffff:192.0.2.1 -j DROP || fail "ip6tables-legacy -A failed"
innet nft add table inet vztest && innet nft add chain inet vztest c || fail "nft add chain failed"
for i in $(seq $M); do
	innet nft add rule inet vztest c ip saddr 203.0.113.$i drop || fail "nft add rule failed"
done
want=$(( $(legacy_entries) + $(nft_rules) ))
read -r got maxheld <<<"$(numiptent)"
echo "numiptent: $got (counted $want: legacy $(legacy_entries), nft $(nft_rules))"
[ "$got" -eq "$want" ] || fail "numiptent $got, the rule sets hold $want entries"
# filter: 3 policies + N + 2 (vztest) + 1 rule + 1 closing; ip6 filter: 3 + 1 + 1; M.
[ "$got" -eq $((N + 7 + 5 + M)) ] || fail "numiptent $got, expected $((N + 7 + 5 + M))"
[ "$maxheld" -ge "$got" ] || fail "numiptent maxheld $maxheld below held $got"

innet nft flush ruleset && innet iptables-legacy -F && innet iptables-legacy -X ||
	fail "flushing the rules failed"
read -r low lowmax <<<"$(numiptent)"
echo "numiptent after the flush: $low, maxheld $lowmax"
[ "$low" -eq $(( $(legacy_entries) + $(nft_rules) )) ] || fail "numiptent $low after the flush"
[ "$low" -lt "$got" ] || fail "numiptent stayed at $low after the flush"
[ "$lowmax" -ge "$got" ] || fail "numiptent maxheld went back from $got to $lowmax"

bct >"$it/t3"
for r in tcpsndbuf tcprcvbuf othersockbuf dgramrcvbuf numiptent; do
	[ "$(col $r 7 "$it/t3") $(col $r 8 "$it/t3")" = "accounted known" ] ||
		fail "$r is not an accounted row: $(grep "^$r " "$it/t3")"
	[ "$(col $r 3 "$it/t3")" -ge "$(col $r 2 "$it/t3")" ] || fail "$r maxheld below held: $(grep "^$r " "$it/t3")"
done
line=$("$BUILD/bin/vzlist" -H -o tcpsndbuf,tcprcvbuf,othersockbuf,dgramrcvbuf,numiptent $ctid) ||
	fail "vzlist -o failed"
echo "vzlist: $line"
read -ra v <<<"$line"
[ ${#v[@]} -eq 5 ] || fail "vzlist printed '$line'"
for x in "${v[@]}"; do
	case $x in '' | *[!0-9]*) fail "vzlist shows '$x' for a network row: $line" ;; esac
done

vzctl stop $ctid >/dev/null 2>&1 || fail "stop failed"
[ "$(bct | awk '$1 == "tcpsndbuf" { print $8 }')" = unknown ] || fail "a stopped CT shows tcpsndbuf usage"

# A CT in a user namespace of its own: its netns belongs to that namespace; the host
# still reads it.
vzctl set $ctid --local_uid 300000 --local_gid 300000 --save >/dev/null || fail "set --local_uid failed"
vzctl start $ctid --wait >"$it/start.out" 2>&1 || fail "start with LOCAL_UID failed: $(tail -n 3 "$it/start.out")"
bct >"$it/t4"
for r in tcpsndbuf tcprcvbuf othersockbuf dgramrcvbuf numiptent; do
	[ "$(col $r 7 "$it/t4") $(col $r 8 "$it/t4")" = "accounted known" ] ||
		fail "$r in a CT with LOCAL_UID: $(grep "^$r " "$it/t4")"
done
[ "$(col numiptent 2 "$it/t4")" -eq 0 ] || fail "numiptent of a fresh CT: $(grep "^numiptent " "$it/t4")"
echo "CT with LOCAL_UID: $(grep -E '^(tcpsndbuf|othersockbuf|numiptent) ' "$it/t4" | awk '{ printf "%s %s  ", $1, $2 }')"
vzctl stop $ctid >/dev/null 2>&1 || fail "stop failed"
echo "network rows match ss and the rule sets"
