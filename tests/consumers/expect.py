#!/usr/bin/env python3
"""What a consumer must find in the export, from the dump of export-sample (the core's
numbers, `-` for a usage value it does not know, which the export prints as 0).

expect.py DUMP [--no-host] [--no-swap] [--ct ID] [--unl TOKEN] [--pages-bytes]
              [--sum-failcnt]
prints sorted `<ctid> <resource> <held> <maxheld> <barrier> <limit> <failcnt>` lines,
or with --sum-failcnt `<ctid> <sum of failcnt>` lines."""
import argparse

LONG_MAX = 9223372036854775807

ap = argparse.ArgumentParser()
ap.add_argument("dump")
ap.add_argument("--no-host", action="store_true", help="leave out the host's block 0")
ap.add_argument("--no-swap", action="store_true", help="leave out swappages (user_beancounters)")
ap.add_argument("--ct", help="only this CT")
ap.add_argument("--unl", help="print unlimited as this token")
ap.add_argument("--pages-bytes", action="store_true", help="*pages values x 4096")
ap.add_argument("--sum-failcnt", action="store_true")
a = ap.parse_args()

rows, sums = [], {}
with open(a.dump) as f:
    for line in f:
        ctid, res, *vals = line.split()
        if (a.no_host and ctid == "0") or (a.ct and ctid != a.ct):
            continue
        if a.no_swap and res == "swappages":
            continue
        out = []
        for v in vals:
            n = 0 if v == "-" else int(v)
            if n >= LONG_MAX and a.unl:
                out.append(a.unl)
            elif a.pages_bytes and res.endswith("pages"):
                out.append(str(n * 4096))
            else:
                out.append(str(n))
        sums[ctid] = sums.get(ctid, 0) + (0 if vals[4] == "-" else int(vals[4]))
        rows.append(" ".join([ctid, res] + out))
if a.sum_failcnt:
    for ctid in sorted(sums):
        print(ctid, sums[ctid])
else:
    for r in sorted(rows):
        print(r)
