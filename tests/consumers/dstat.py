#!/usr/bin/env python3
"""dstat's vz_ubc rule (reference §8.2): failcnt summed per CT; a 7-token line takes
l[6] and the id l[0][:-1], a 6-token line takes l[5]; the `uid` header line and the
host's block `0:` are skipped.  Prints `<ctid> <failcnt sum>` lines."""
import sys

sums, vid = {}, None
with open(sys.argv[1]) as f:
    for line in f:
        l = line.split()
        if not l or l[0] == "uid":
            continue
        if len(l) == 7:
            vid = l[0][:-1]
            v = int(l[6])
        elif len(l) == 6:
            v = int(l[5])
        else:
            continue
        if vid == "0":
            continue
        sums[vid] = sums.get(vid, 0) + v
for vid in sorted(sums):
    print(vid, sums[vid])
