#!/usr/bin/env python3
"""vzlist's reading rule (reference §5, §2.4): a line holding `:` starts a block, its
id read with "%d:" (a line where that fails, such as `Version: 2.5`, is skipped) and
the row scanned after the colon; every row is scanned with
"%s %lu %lu %lu %lu %lu" and kept when the six conversions succeed and the name is a
resource vzlist knows (a `dummy` row is not).

vzlist.py FILE          prints `<ctid> <resource> <5 numbers>` per row kept
vzlist.py --whole FILE  scans the whole line instead (what VZ8's vzlist did over its
                        own emulation) and prints `<ctid> <resource> <conversions>`
                        for every row that does not give six
vzlist.py --veinfo FILE "%d %d %d" of /proc/vz/veinfo: `<ctid> <numproc>`"""
import re
import sys

WS = re.compile(r"\s*")
STR = re.compile(r"\s*(\S+)")
ULONG = re.compile(r"\s*([+-]?\d+)")


def scanf_ints(s, first_str, n):
    """sscanf(s, "%s %lu ..."): the values converted, stopping at the first failure."""
    out, pos = [], 0
    if first_str:
        m = STR.match(s, pos)
        if not m:
            return out
        out.append(m.group(1))
        pos = m.end()
    for _ in range(n):
        m = ULONG.match(s, pos)
        if not m:
            break
        v = int(m.group(1))
        out.append(min(v, 2**64 - 1) if v >= 0 else (v % 2**64))
        pos = m.end()
    return out


def main():
    args = sys.argv[1:]
    whole = args[0] == "--whole"
    if args[0] == "--veinfo":
        for line in open(args[1]):
            v = scanf_ints(line, False, 3)
            if len(v) == 3:
                print(v[0], v[2])
        return
    path = args[-1]
    veid = None
    for line in open(path):
        s = line
        if ":" in line:
            m = re.match(r"\s*([+-]?\d+):", line)
            if not m:
                continue
            veid = int(m.group(1))
            if not whole:
                s = line[line.index(":") + 1:]
        v = scanf_ints(s, True, 5)
        if whole:
            if len(v) != 6 and veid is not None:
                name = line[line.index(":") + 1:].split()[0] if ":" in line else v[0]
                print(veid, name, len(v))
            continue
        if len(v) == 6 and veid is not None and v[0] != "dummy":
            print(veid, *v)


main()
