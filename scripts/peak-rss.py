#!/usr/bin/env python3
"""Runs a command and, when it exits, writes its peak resident memory to a file.

    scripts/peak-rss.py OUT -- COMMAND [ARGS...]

The figure is the kernel's own high-water mark for the child (`ru_maxrss` from wait4), so no sample can miss a peak.
SIGTERM and SIGINT are passed to the child and the wrapper waits for it, so it can stand in for the server under a
benchmark harness that stops its servers by signalling their process group (scripts/bench.sh).
"""
import os
import signal
import subprocess
import sys


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        raise SystemExit(__doc__)
    out, command = sys.argv[1], sys.argv[3:]
    child = subprocess.Popen(command)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, _frame: child.send_signal(signum))
    while True:
        try:
            _, status, usage = os.wait4(child.pid, 0)
            break
        except InterruptedError:
            continue
    line = f"peak RSS {usage.ru_maxrss / 1024:.1f} MB ({' '.join(os.path.basename(c) for c in command[:2])})\n"
    with open(out, "w") as fh:
        fh.write(line)
    sys.stderr.write(line)
    raise SystemExit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
