#!/usr/bin/env python3
"""stream_test.py NEWSTAG - records from a pipe come out as they arrive.

A producer that writes one JSON Lines record and then waits (a live feed,
`tail -f feed.jsonl | newstag`) must get that record's line back before it
writes the next: newstag may neither wait for a chunk of input to fill nor
keep the line in its output buffer.  Checked with 1, 2 and 3 threads, for
a stream whose format is sniffed and one given as -f jsonl.  A generous
timeout only guards against a hang; nothing here is timed.
"""
import json
import os
import select
import subprocess
import sys

TIMEOUT = 30.0


def read_line(proc, buf):
    """The next output line (without newline), or None on timeout/EOF."""
    while b"\n" not in buf:
        ready, _, _ = select.select([proc.stdout], [], [], TIMEOUT)
        if not ready:
            return None, buf
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            return None, buf
        buf += chunk
    line, _, rest = buf.partition(b"\n")
    return line.decode("utf-8"), rest


def run(exe, args):
    failures = []
    proc = subprocess.Popen([exe, "-q"] + args, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    buf = b""
    texts = ["Talks between France and Germany resumed.",
             "Iran and Iraq signed a border accord.",
             "China sent a delegation to Brazil."]
    want_ids = [{"FRA", "DEU"}, {"IRN", "IRQ"}, {"CHN", "BRA"}]
    for i, text in enumerate(texts):
        proc.stdin.write((json.dumps({"id": "s%d" % i, "text": text}) + "\n").encode())
        proc.stdin.flush()
        line, buf = read_line(proc, buf)
        if line is None:
            failures.append("%s: no output for record %d while the input waits" % (args, i))
            break
        rec = json.loads(line)
        ids = {e["id"] for e in rec.get("entities", [])}
        if rec.get("id") != "s%d" % i or ids != want_ids[i]:
            failures.append("%s: record %d came out as %s" % (args, i, line[:120]))
    proc.stdin.close()
    rest = proc.stdout.read()
    rc = proc.wait(timeout=TIMEOUT)
    if rest.strip():
        failures.append("%s: unexpected lines at the end: %r" % (args, rest[:120]))
    if rc != 0:
        failures.append("%s: exit status %d" % (args, rc))
    return failures


def main():
    exe = sys.argv[1]
    passed = failed = 0
    for args in (["-j", "1"], ["-j", "2"], ["-j", "3"], ["-j", "2", "-f", "jsonl"]):
        failures = run(exe, args)
        for f in failures:
            print("FAIL:", f, file=sys.stderr)
        passed += not failures
        failed += bool(failures)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
