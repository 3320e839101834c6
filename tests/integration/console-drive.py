#!/usr/bin/env python3
"""Drives a command through a pty, as a user at a terminal would (for 38-console.sh).

    console-drive.py TRANSCRIPT COMMAND [ARG...]  <steps

Each line of the steps is one of:
    expect SECONDS REGEX    the output so far (since the last expect) matches REGEX
    send TEXT               TEXT typed, Python escapes allowed (\\r, \\x1b)
    exit SECONDS CODE       the command ends with CODE within SECONDS, and leaves the
                            terminal's settings as they were before it started
    alive SECONDS           the command still runs after SECONDS (it did not end)
Every byte the command wrote goes to TRANSCRIPT.  Exits 1 at the first step that
fails, saying which and what was seen."""
import os
import re
import select
import subprocess
import sys
import termios
import time


def main():
    transcript, cmd = sys.argv[1], sys.argv[2:]
    master, slave = os.openpty()
    termios.tcsetattr(slave, termios.TCSANOW, termios.tcgetattr(slave))
    before = termios.tcgetattr(slave)
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    seen = b""
    log = open(transcript, "wb")

    def pump(deadline):
        nonlocal seen
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([master], [], [], min(left, 0.2))
        if r:
            data = os.read(master, 65536)
            seen += data
            log.write(data)
            log.flush()
        return True

    def fail(msg):
        tail = seen[-600:].decode("utf-8", "replace")
        print(f"console-drive: {msg}; the output's end: {tail!r}")
        proc.kill()
        sys.exit(1)

    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word == "expect":
            secs, _, pattern = rest.partition(" ")
            deadline = time.monotonic() + float(secs)
            rx = re.compile(pattern.encode(), re.S)
            while not rx.search(seen):
                if proc.poll() is not None:
                    pump(time.monotonic() + 0.3)
                    if rx.search(seen):
                        break
                    fail(f"the command ended ({proc.returncode}) before /{pattern}/")
                if not pump(deadline):
                    fail(f"no /{pattern}/ within {secs} s")
            seen = seen[rx.search(seen).end():]
        elif word == "send":
            os.write(master, rest.encode().decode("unicode_escape").encode("latin-1"))
        elif word == "exit":
            secs, _, code = rest.partition(" ")
            deadline = time.monotonic() + float(secs)
            while proc.poll() is None:
                if not pump(deadline):
                    fail(f"the command did not end within {secs} s")
            while pump(time.monotonic() + 0.2) and select.select([master], [], [], 0)[0]:
                pass
            if proc.returncode != int(code):
                fail(f"the command exited {proc.returncode}, not {code}")
            if termios.tcgetattr(slave) != before:
                fail("the terminal's settings were not restored")
        elif word == "alive":
            deadline = time.monotonic() + float(rest)
            while pump(deadline):
                if proc.poll() is not None:
                    fail(f"the command ended ({proc.returncode})")
        else:
            fail(f"unknown step {line!r}")
    if proc.poll() is None:
        proc.kill()
        proc.wait()


main()
