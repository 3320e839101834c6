#!/usr/bin/env python3
"""Restores a CT with new consoles and keeps their masters (for 50-criu.sh).

    criu-console.py DIR UID GID TTY... -- criu restore ARG...

Each TTY is NAME=ID[,ID...]: NAME the mount point's key the dump gave (`console`,
`tty1`...), each ID a `tty[rdev:dev]` the dump declared external that this pty stands
for: the pty itself first, then any other (the CT's /dev/tty, when a process held it
with this pty as its controlling terminal).  For each one a new
pty pair is made here, its slave owned by UID:GID (the CT's root on the host) with mode
0620, and criu is run with the slave as an inherited fd (`--inherit-fd fd[N]:ID`) and
as the source of the mount (`--external mnt[NAME]:/dev/pts/<n>`).  criu's status goes
to DIR/rc; then this process stays, holding the masters (and a slave each, so that the
CT closing its last one is no end of file), as the CT's monitor does after a start:
each tty's output is appended to DIR/NAME.log, and what is written to the FIFO
DIR/NAME.in is typed into it.  It ends on SIGTERM."""
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios


def main():
    sep = sys.argv.index("--")
    out, uid, gid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    ttys = [a.split("=", 1) for a in sys.argv[4:sep]]
    cmd = sys.argv[sep + 1:]
    masters, keep, fds = {}, [], []
    for name, tty_ids in ttys:
        master, slave = os.openpty()
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 25, 80, 0, 0))
        path = os.ttyname(slave)
        os.chown(path, uid, gid)
        os.chmod(path, 0o620)
        masters[master] = name
        keep.append(os.open(path, os.O_RDWR | os.O_NOCTTY))
        # One fd per id: criu takes each inherited fd into its store and closes it.
        for i, tty_id in enumerate(tty_ids.split(",")):
            fd = slave if i == 0 else os.dup(slave)
            fds.append(fd)
            cmd += ["--inherit-fd", "fd[%d]:%s" % (fd, tty_id)]
        cmd += ["--external", "mnt[%s]:%s" % (name, path)]
        print("%s: %s for %s" % (name, path, tty_ids), flush=True)
    print("+ " + " ".join(cmd), flush=True)
    rc = subprocess.call(cmd, pass_fds=fds)
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass
    with open(os.path.join(out, "rc.tmp"), "w") as f:
        f.write("%d\n" % rc)
    os.rename(os.path.join(out, "rc.tmp"), os.path.join(out, "rc"))
    if rc != 0:
        return rc
    logs, fifos = {}, {}
    for master, name in masters.items():
        os.set_blocking(master, False)
        logs[master] = open(os.path.join(out, name + ".log"), "ab", buffering=0)
        os.mkfifo(os.path.join(out, name + ".in"))
        fifo = os.open(os.path.join(out, name + ".in"), os.O_RDWR | os.O_NONBLOCK)
        fifos[fifo] = master
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        ready, _, _ = select.select(list(masters) + list(fifos), [], [])
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                continue
            except OSError:  # EIO: the pty hung up; the slave kept here reopens it
                continue
            if fd in masters:
                logs[fd].write(data)
            else:
                os.write(fifos[fd], data)


if __name__ == "__main__":
    sys.exit(main())
