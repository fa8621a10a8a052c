#!/usr/bin/env python3
"""Time whole processes side by side, interleaved: run 1 of every command,
then run 2 of every command, ... so a change in the machine's load hits
every side alike (this machine is shared). Prints, per command, the median
and range of wall time, the median CPU time (user + system) and the peak
memory, then each command's ratio to the first one.

    scripts/interleave.py [--runs N] [--warmup N] [--stdin FILE] \
        NAME=COMMAND [NAME=COMMAND ...]

A COMMAND is run with `sh -c`, its output thrown away (a pipe is drained,
so tools that stop early on /dev/null do the full work). A command that
exits non-zero is reported (and still timed: failing commands are timed
on purpose by scripts/compare_errors.sh).
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time


def run_once(command):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(
        ["sh", "-c", "exec " + command],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    while proc.stdout.read(1 << 16):
        pass
    code = proc.wait()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of children is the largest of any child so far: measured
    # separately below for each command's first run.
    return wall, cpu, code


def peak_rss_kb(command):
    out = subprocess.run(
        ["/usr/bin/time", "-f", "%M", "sh", "-c", "exec " + command + " > /dev/null 2>&1"],
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    lines = out.stderr.strip().splitlines()
    try:
        return int(lines[-1])
    except (IndexError, ValueError):
        return None


def fmt_ms(s):
    return f"{s * 1000:.1f} ms" if s < 10 else f"{s:.2f} s"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("commands", nargs="+", metavar="NAME=COMMAND")
    a = p.parse_args()
    cmds = []
    for c in a.commands:
        name, sep, command = c.partition("=")
        if not sep:
            sys.exit(f"not NAME=COMMAND: {c}")
        cmds.append((name, command))
    for _ in range(a.warmup):
        for _, c in cmds:
            run_once(c)
    walls = {n: [] for n, _ in cmds}
    cpus = {n: [] for n, _ in cmds}
    codes = {n: set() for n, _ in cmds}
    for _ in range(a.runs):
        for n, c in cmds:
            w, u, code = run_once(c)
            walls[n].append(w)
            cpus[n].append(u)
            codes[n].add(code)
    rss = {n: peak_rss_kb(c) for n, c in cmds}
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"{a.runs} interleaved runs each, medians")
    width = max(len(n) for n, _ in cmds)
    first = None
    for n, _ in cmds:
        med = statistics.median(walls[n])
        cpu = statistics.median(cpus[n])
        first = first or (med, cpu)
        mem = f"{rss[n] / 1024:.1f} MB" if rss[n] else "?"
        exit_note = "" if codes[n] == {0} else f"  exit {sorted(codes[n])}"
        print(
            f"  {n:<{width}}  wall {fmt_ms(med):>9} "
            f"({fmt_ms(min(walls[n]))} – {fmt_ms(max(walls[n]))})  "
            f"cpu {fmt_ms(cpu):>9}  peak {mem:>8}  "
            f"x{med / first[0]:.2f} wall, x{cpu / first[1] if first[1] else 0:.2f} cpu"
            f"{exit_note}"
        )


if __name__ == "__main__":
    main()
