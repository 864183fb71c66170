#!/usr/bin/env python3
"""stream_test.py NEWSTAG - records from a pipe come out as they arrive.

A producer that writes one JSON Lines record and then waits (a live feed,
`tail -f feed.jsonl | newstag`) must get that record's line back before it
writes the next: newstag may neither wait for a chunk of input to fill nor
keep the line in its output buffer.  Checked with 1, 2 and 3 threads, for
a stream whose format is sniffed and one given as -f jsonl, with blank
lines after each record, and for a file whose record must come out while
the stdin after it waits.  A generous
timeout only guards against a hang; nothing here is timed.
"""
import json
import os
import select
import subprocess
import sys
import tempfile

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


def run(exe, args, blank=False):
    """Three records, each waited for; with blank, each is followed by
    blank lines (not records) before the wait."""
    failures = []
    proc = subprocess.Popen([exe, "-q"] + args, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    buf = b""
    texts = ["Talks between France and Germany resumed.",
             "Iran and Iraq signed a border accord.",
             "China sent a delegation to Brazil."]
    want_ids = [{"FRA", "DEU"}, {"IRN", "IRQ"}, {"CHN", "BRA"}]
    for i, text in enumerate(texts):
        tail = "\n  \r\n\n" if blank else "\n"
        proc.stdin.write((json.dumps({"id": "s%d" % i, "text": text}) + tail).encode())
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
    rest = b""
    while True:
        line, buf = read_line(proc, buf)
        if line is None:
            break
        rest += line.encode() + b"\n"
    rc = proc.wait(timeout=TIMEOUT)
    if rest.strip():
        failures.append("%s: unexpected lines at the end: %r" % (args, rest[:120]))
    if rc != 0:
        failures.append("%s: exit status %d" % (args, rc))
    return failures


def file_then_pipe(exe, jobs):
    """A file, then stdin that waits: the file's record comes out first."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.write(json.dumps({"id": "file", "text": "Talks in Paris and Berlin."}) + "\n")
    try:
        proc = subprocess.Popen([exe, "-q", "-j", jobs, f.name, "-"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line, _ = read_line(proc, b"")
        failures = []
        if line is None or json.loads(line).get("id") != "file":
            failures.append("-j %s: the file's record waits for stdin" % jobs)
        proc.stdin.close()
        proc.stdout.read()
        proc.wait(timeout=TIMEOUT)
        return failures
    finally:
        os.unlink(f.name)


def main():
    exe = sys.argv[1]
    passed = failed = 0
    cases = [(run, (exe, ["-j", j])) for j in ("1", "2", "3")]
    cases += [(run, (exe, ["-j", "2", "-f", "jsonl"])),
              (run, (exe, ["-j", "1"], True)), (run, (exe, ["-j", "2"], True)),
              (file_then_pipe, (exe, "1")), (file_then_pipe, (exe, "2"))]
    for fn, fargs in cases:
        failures = fn(*fargs)
        for f in failures:
            print("FAIL:", f, file=sys.stderr)
        passed += not failures
        failed += bool(failures)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
