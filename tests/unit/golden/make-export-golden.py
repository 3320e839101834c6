#!/usr/bin/env python3
"""Writes the golden files of tests/unit/test_export.c from the formats of reference
section 2 (an implementation of its own, in Python), for the fixture tables that the C
test builds the same way: CT c, row i: held c*1000+i, maxheld held+7, barrier
unlimited when i%3 == 0 else 100*(i+1), limit barrier+50 (or unlimited), failcnt i%4;
rows 12..16 and 23 have no source (shown as 0).  CT 102 is stopped."""
import os

UNL = 9223372036854775807
NAMES = ["kmemsize", "lockedpages", "privvmpages", "shmpages", None, "numproc",
         "physpages", "vmguarpages", "oomguarpages", "numtcpsock", "numflock", "numpty",
         "numsiginfo", "tcpsndbuf", "tcprcvbuf", "othersockbuf", "dgramrcvbuf",
         "numothersock", "dcachesize", "numfile", None, None, None, "numiptent", "swappages"]
UNKNOWN = {12, 13, 14, 15, 16, 23}


def row(c, i):
    if NAMES[i] is None:
        return (0, 0, 0, 0, 0)
    held = c * 1000 + i
    bar = UNL if i % 3 == 0 else 100 * (i + 1)
    lim = UNL if bar == UNL else bar + 50
    if i in UNKNOWN:
        return (0, 0, bar, lim, 0)
    return (held, held + 7, bar, lim, i % 4)


def block(c, with_id, dummies, last):
    out, first = [], with_id
    for i in range(last):
        if NAMES[i] is None and not dummies:
            continue
        ident = ("%d:" % c).rjust(11) if first else " " * 11
        out.append("%s %-12s %20d %20d %20d %20d %20d\n" % ((ident, NAMES[i] or "dummy") + row(c, i)))
        first = False
    return "".join(out)


HEADER = "Version: 2.5\n" + "%10s  %-12s %20s %20s %20s %20s %20s\n" % (
    "uid", "resource", "held", "maxheld", "barrier", "limit", "failcnt")
SETS = {"0": [], "1": [101], "3": [101, 102, 103]}
RUNNING = {101: True, 102: False, 103: True}

here = os.path.dirname(os.path.abspath(__file__))
for name, cts in SETS.items():
    for host in (False, True):
        suffix = name + ("-host" if host else "")
        ids = [c for c in cts if RUNNING[c]] + ([0] if host else [])
        with open(os.path.join(here, "user_beancounters." + suffix), "w") as f:
            f.write(HEADER + "".join(block(c, True, True, 24) for c in ids))
        with open(os.path.join(here, "bc_resources." + suffix), "w") as f:
            f.write(HEADER + "".join(block(c, True, False, 25) for c in ids))
        with open(os.path.join(here, "veinfo." + suffix), "w") as f:
            f.write("".join("%10d %5d %5d\n" % (c, 0, row(c, 5)[0]) for c in ids))
with open(os.path.join(here, "bc_101_resources"), "w") as f:
    f.write(block(101, False, False, 25))
