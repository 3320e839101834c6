#!/usr/bin/env python3
"""Writes the golden files of tests/unit/test_metrics.c (prometheus.0, .1, .3) from the
rules of the Prometheus exposition in proc-export/export.h, an implementation of its
own, for the fixture of test_export.c (see make-export-golden.py): CT c, row i: held
c*1000+i, maxheld held+7, barrier unlimited when i%3 == 0 else 100*(i+1), limit
barrier+50 (or unlimited), failcnt i%4; rows 12..16 and 23 have no source.  CT 102 is
stopped.

Rules: openvz_ct_running per CT first; then the families held, maxheld, barrier,
limit (gauges) and failcnt_total (counter), each with HELP and TYPE, one sample per CT
(in order) and resource (id order, dummies out, swappages in), labels ctid, resource,
class (the core's class name, "not available" for a row without a source);
unlimited is +Inf; held, maxheld and failcnt only for a running CT's rows with a
source."""
import os

UNL = 9223372036854775807
NAMES = ["kmemsize", "lockedpages", "privvmpages", "shmpages", None, "numproc",
         "physpages", "vmguarpages", "oomguarpages", "numtcpsock", "numflock", "numpty",
         "numsiginfo", "tcpsndbuf", "tcprcvbuf", "othersockbuf", "dgramrcvbuf",
         "numothersock", "dcachesize", "numfile", None, None, None, "numiptent", "swappages"]
# The classes of README "Resources": enforced, guarantee, else accounted.
ENFORCED = {"numproc", "physpages", "swappages", "shmpages", "numpty"}
GUARANTEE = {"vmguarpages", "oomguarpages"}
UNKNOWN = {12, 13, 14, 15, 16, 23}
RUNNING = {101: True, 102: False, 103: True}

FAMILIES = [
    ("openvz_bc_held", "gauge",
     "Current usage of a beancounter resource, in its own unit (pages, bytes or items).", 0, True),
    ("openvz_bc_maxheld", "gauge",
     "Largest usage of a beancounter resource seen since the CT started.", 1, True),
    ("openvz_bc_barrier", "gauge",
     "Barrier of a beancounter resource in force (+Inf: unlimited).", 2, False),
    ("openvz_bc_limit", "gauge",
     "Limit of a beancounter resource in force (+Inf: unlimited).", 3, False),
    ("openvz_bc_failcnt_total", "counter",
     "Allocations of a beancounter resource refused since the CT started.", 4, True),
]


def values(c, i):
    held = c * 1000 + i
    bar = UNL if i % 3 == 0 else 100 * (i + 1)
    lim = UNL if bar == UNL else bar + 50
    return (held, held + 7, bar, lim, i % 4)


def cls(i):
    if i in UNKNOWN:
        return "not available"
    n = NAMES[i]
    return "enforced" if n in ENFORCED else "guarantee" if n in GUARANTEE else "accounted"


def text(cts):
    out = ["# HELP openvz_ct_running Whether the CT runs (1) or not (0).",
           "# TYPE openvz_ct_running gauge"]
    out += ['openvz_ct_running{ctid="%d"} %d' % (c, 1 if RUNNING[c] else 0) for c in cts]
    for name, typ, hlp, col, usage in FAMILIES:
        out += ["# HELP %s %s" % (name, hlp), "# TYPE %s %s" % (name, typ)]
        for c in cts:
            for i, res in enumerate(NAMES):
                if res is None or (usage and (not RUNNING[c] or i in UNKNOWN)):
                    continue
                v = values(c, i)[col]
                out.append('%s{ctid="%d",resource="%s",class="%s"} %s' % (
                    name, c, res, cls(i), "+Inf" if v >= UNL else str(v)))
    return "\n".join(out) + "\n"


here = os.path.dirname(os.path.abspath(__file__))
for suffix, cts in {"0": [], "1": [101], "3": [101, 102, 103]}.items():
    with open(os.path.join(here, "prometheus." + suffix), "w") as f:
        f.write(text(cts))
