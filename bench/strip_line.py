#!/usr/bin/env python3
"""strip_line.py < newstag-output > stripped

Removes the top-level "line" field from every newstag output record read from
stdin ("source":"<stdin>"), and nothing else, byte for byte.  Chunked runs
(GNU parallel --pipe, Hadoop Streaming, Spark RDD.pipe) number the lines of
each chunk from 1, so "line" is the one field that legitimately differs from a
single run; everything else must be identical.  Exits 1 on a record without
a top-level "line".
"""
import re
import sys

PAT = re.compile(rb'^(\{"schema":1,(?:"id":"(?:[^"\\]|\\.)*",)?"source":"<stdin>"),"line":\d+(?=[,}])')

out = sys.stdout.buffer
for n, rec in enumerate(sys.stdin.buffer, 1):
    m = PAT.match(rec)
    if not m:
        sys.stderr.write("strip_line: record %d has no top-level line field\n" % n)
        sys.exit(1)
    out.write(m.group(1) + rec[m.end():])
