#!/usr/bin/env python3
"""check_beancounter's reading rule (reference §8.2): lines containing `Version`, `uid`
or `dummy` are skipped; a 7-field line starts a CT and its id is the first field with
its last character cut (`[:-1]`), so the colon must be glued to the id and followed by
whitespace; a 6-field line is a row of the current CT.  held and barrier are int()ed:
a blank line, a non-numeric id or value crashes it, as it crashed the original."""
import sys

vid = None
with open(sys.argv[1]) as f:
    for line in f:
        if "Version" in line or "uid" in line or "dummy" in line:
            continue
        fields = line.split()
        if len(fields) == 7:
            vid = fields[0][:-1]
            int(vid)  # it opens /etc/vz/conf/<id>.conf: a number or a crash
            fields = fields[1:]
        res = fields[0]  # a blank line: IndexError, as in the original
        held, maxheld, barrier, limit, failcnt = (int(x) for x in fields[1:6])
        print(vid, res, held, maxheld, barrier, limit, failcnt)
