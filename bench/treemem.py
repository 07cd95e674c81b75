#!/usr/bin/env python3
"""Run a command and report its wall time and the peak memory of its whole process tree.

    python3 bench/treemem.py OUT.tsv -- COMMAND ARGS...

GNU time's "maximum resident set size" is one process's peak, but browser mode runs a
whole Chromium (browser, zygote, one renderer per tab, utility processes): the number that
matters is the sum over every process the command started. This samples /proc every 50 ms
and writes one line to OUT.tsv: exit code, wall seconds, peak summed PSS in MB, peak process
count. Memory is proportional set size (PSS, shared pages divided among the processes that
share them) where the kernel reports it, else RSS. Linux only; Python 3 standard library only.
"""

import os
import subprocess
import sys
import time


def children_map():
    kids = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces: split after it.
        ppid = int(stat[stat.rfind(")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(pid))
    return kids


def mem_kb(pid):
    """PSS where the kernel has it: Chromium's processes share much of their memory, and
    summing RSS would count the shared pages once per process. RSS otherwise."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def tree_rss_kb(root):
    kids = children_map()
    total, count, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        try:
            total += mem_kb(pid)
            count += 1
        except OSError:
            pass
        todo.extend(kids.get(pid, []))
    return total, count


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit(__doc__)
    out, cmd = sys.argv[1], sys.argv[3:]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd)
    peak_kb, peak_n = 0, 0
    while proc.poll() is None:
        kb, n = tree_rss_kb(proc.pid)
        peak_kb, peak_n = max(peak_kb, kb), max(peak_n, n)
        time.sleep(0.05)
    wall = time.monotonic() - t0
    with open(out, "a") as f:
        f.write(f"{proc.returncode}\t{wall:.3f}\t{peak_kb / 1024:.1f}\t{peak_n}\n")
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
