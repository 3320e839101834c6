#!/bin/bash
# vzlist on running CTs: `vzlist -a -j`, read by python3's json module, agrees with the
# columns of `vzlist -a -H -o ctid,numproc,numproc.l,physpages,status` for the same CTs;
# numproc held is the number of processes in the CT's cgroup.procs, read here at the
# same moment (within 1: a process may start or end in between); a stopped CT shows "-"
# in the columns and null in JSON for what only a running CT has.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host
need_built bin/vzlist
command -v python3 >/dev/null || skip "python3 is not installed"

ct_host /vz/itest-vzlist itest-vzlist.slice
trap "ct_host_cleanup 1070 1071" EXIT
vzlist() { "$BUILD/bin/vzlist" "$@"; }
procs() { wc -l <"/sys/fs/cgroup/$parent/$1/cgroup.procs"; }

ct_template
for c in 1070 1071 1072; do
	vzctl create $c --ostemplate busybox --hostname ct$c.example.org >/dev/null ||
		fail "create $c failed"
done
vzctl set 1071 --numproc 64 --save >/dev/null || fail "set --numproc failed"
for c in 1070 1071; do
	vzctl start $c --wait >"$it/start.out" 2>&1 || fail "start $c failed: $(tail -n 3 "$it/start.out")"
done

# By default only the running CTs.
running=$(vzlist -H -o ctid | tr -d ' ' | tr '\n' ' ') || fail "vzlist failed"
[ "$running" = "1070 1071 " ] || fail "vzlist listed '$running', not the running 1070 1071"

vzlist -a -j >"$it/json" || fail "vzlist -a -j failed"
p1070=$(procs 1070) p1071=$(procs 1071)
vzlist -a -H -o ctid,numproc,numproc.l,physpages,status >"$it/cols" || fail "vzlist -a -o failed"
echo "cgroup.procs: 1070 $p1070, 1071 $p1071"
cat "$it/cols"

python3 - "$it/json" "$it/cols" "$p1070" "$p1071" <<'EOF' || fail "vzlist -j and -o disagree"
import json, sys

cts = {ct["ctid"]: ct for ct in json.load(open(sys.argv[1]))}
procs = {1070: int(sys.argv[3]), 1071: int(sys.argv[4])}
rows = [line.split() for line in open(sys.argv[2]) if line.strip()]
errors = []

def check(ok, what):
    if not ok:
        errors.append(what)

check(sorted(cts) == [1070, 1071, 1072], "JSON lists %s" % sorted(cts))
check([int(r[0]) for r in rows] == [1070, 1071, 1072], "columns list %s" % [r[0] for r in rows])
for ctid, held, lim, phys, status in rows:
    ct = cts[int(ctid)]
    nproc, physp = ct["numproc"], ct["physpages"]
    check(ct["status"] == status, "%s: status %s / %s" % (ctid, ct["status"], status))
    check(str(nproc["limit"]) == lim, "%s: numproc limit %s / %s" % (ctid, nproc["limit"], lim))
    # Sampled every 5 s by the CT's monitor: a running CT may have no sample yet.
    la = ct["laverage"]
    check(la is None or (status == "running" and len(la) == 3 and all(x >= 0 for x in la)),
          "%s: laverage %s" % (ctid, la))
    check(ct["ip"] == [], "%s: ip %s" % (ctid, ct["ip"]))
    check(ct["hostname"] == "ct%s.example.org" % ctid, "%s: hostname %s" % (ctid, ct["hostname"]))
    if status == "running":
        n = int(held)
        check(abs(nproc["held"] - n) <= 1, "%s: numproc held %s / %s" % (ctid, nproc["held"], n))
        check(abs(n - procs[int(ctid)]) <= 1, "%s: numproc %s, cgroup.procs %s" % (ctid, n, procs[int(ctid)]))
        check(nproc["maxheld"] >= nproc["held"], "%s: maxheld below held" % ctid)
        check(nproc["failcnt"] == 0, "%s: numproc failcnt %s" % (ctid, nproc["failcnt"]))
        check(phys != "-" and physp["held"] > 0, "%s: physpages %s / %s" % (ctid, physp["held"], phys))
        if phys != "-":
            check(abs(physp["held"] - int(phys)) <= max(256, int(phys) // 10),
                  "%s: physpages %s / %s" % (ctid, physp["held"], phys))
        check(isinstance(ct["uptime"], float) and 0 <= ct["uptime"] < 3600,
              "%s: uptime %s" % (ctid, ct["uptime"]))
    else:
        check(status == "stopped", "%s: status %s" % (ctid, status))
        check(held == "-" and phys == "-", "%s: usage of a stopped CT: %s %s" % (ctid, held, phys))
        for part in ("held", "maxheld", "failcnt"):
            check(nproc[part] is None and physp[part] is None,
                  "%s: %s of a stopped CT is %s / %s" % (ctid, part, nproc[part], physp[part]))
        check(ct["uptime"] is None, "%s: uptime %s" % (ctid, ct["uptime"]))
check(cts[1071]["numproc"]["limit"] == 64 and cts[1071]["numproc"]["barrier"] == 64,
      "1071: numproc %s" % cts[1071]["numproc"])
for e in errors:
    print("mismatch:", e)
sys.exit(1 if errors else 0)
EOF

# A running CT's uptime column, and usage shown for it, not for the stopped one.
line=$(vzlist -H -o ctid,uptime,numproc.f 1071) || fail "vzlist -o uptime failed"
[[ $line =~ ^\ +1071\ 000d00h:[0-9]{2}m:[0-9]{2}s\ +0$ ]] || fail "uptime line: '$line'"
line=$(vzlist -H -o ctid,uptime,numproc,numproc.f 1072)
[[ $line =~ ^\ +1072\ +-\ +-\ +-$ ]] || fail "stopped CT line: '$line'"
echo "vzlist: JSON and columns agree for 2 running CTs and 1 stopped"
