#!/usr/bin/env python3
"""first_line.py RUNS CMD... - start-up as a user sees it: the time from
starting CMD to its first line on stdout, and to its exit, median of RUNS
runs (issue #7: "start-up to the first output line")."""
import statistics
import subprocess
import sys
import time


def main():
    runs = int(sys.argv[1])
    cmd = sys.argv[2:]
    first, total = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        p.stdout.readline()
        t1 = time.perf_counter()
        p.stdout.read()
        p.wait()
        t2 = time.perf_counter()
        first.append((t1 - t0) * 1000)
        total.append((t2 - t0) * 1000)
    print("%.1f %.1f" % (statistics.median(first), statistics.median(total)))


if __name__ == "__main__":
    main()
