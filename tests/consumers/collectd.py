#!/usr/bin/env python3
"""collectd's beancounter rule (reference §8.2), run inside a CT over its own file:
lines of 7 tokens (with the uid) or 6 (without), others skipped; rows named `dummy`
or `resource` (the header) skipped; `*pages` values x the page size; a value at or
above LONG_MAX is NaN.  Prints `<resource> <5 values>`."""
import sys

LONG_MAX = 9223372036854775807
PAGE = 4096

with open(sys.argv[1]) as f:
    for line in f:
        t = line.split()
        if len(t) == 7:
            t = t[1:]
        elif len(t) != 6:
            continue
        if t[0] in ("dummy", "resource"):
            continue
        out = []
        for v in t[1:]:
            n = int(v)
            if n >= LONG_MAX:
                out.append("NaN")
            else:
                out.append(str(n * PAGE if t[0].endswith("pages") else n))
        print(t[0], *out)
