#!/usr/bin/env bash
# split_test.sh NEWSTAG SRC_DIR - newstag is a stateless record filter: splitting
# a JSON Lines input at line boundaries into parts, annotating each part on its
# own and concatenating the outputs gives exactly the output of one run over the
# whole input.  This is what GNU parallel --pipe, Hadoop Streaming and Spark
# RDD.pipe rely on (see bench/README.md).
#
# Every part is read from stdin ("source":"<stdin>").  The only field that
# legitimately differs is the top-level "line", which counts from 1 in each
# part; the comparison adds the part's line offset back to it, so it is strict
# on every byte, "line" included.  Parts are run with --format jsonl: a part
# may begin with a malformed line, and auto-detection would then read the part
# as one plain-text article.
set -u
exe=$1
src=$2
. "$(dirname "$0")/lib.sh"


# The input: the golden records (with their malformed and blank lines), the
# bundled article and some newswire-like text as records, repeated with
# variations, and a few more malformed lines scattered through it, one of them
# first in the file.
python3 - "$src" >"$tmp/in.jsonl" <<'EOF' || { echo "cannot build the input" >&2; exit 1; }
import json, sys
src = sys.argv[1]
out = sys.stdout.buffer
def w(b):
    out.write(b if isinstance(b, bytes) else b.encode())
golden = open(f"{src}/tests/golden/records.jsonl", "rb").read()
if not golden.endswith(b"\n"):
    golden += b"\n"
article = open(f"{src}/corpora/s400-delivery.txt", encoding="utf-8").read()
paras = [p for p in article.split("\n\n") if p.strip()]
bad = [b"this line is not JSON", b'{"id": "b1", "text": null}', b"[1, 2, 3]",
       b'{"id": "b2", "text": "unterminated', b'{"id": "b3"}', b'"just a string"',
       b'{"id": "b4", "text": "bad utf-8 \xff\xfe in Ukraine"}', b"{}"]
w(bad[0] + b"\n")
n = 0
for rep in range(6):
    w(golden)
    w(json.dumps({"id": f"a{rep}", "title": "S-400", "text": article}) + "\n")
    for i, p in enumerate(paras):
        n += 1
        rec = {"id": f"p{rep}-{i}", "text": paras[0] + "\n\n" + p}
        if i % 3 == 0:
            rec["url"] = f"https://example.org/{n}"
        w(json.dumps(rec, ensure_ascii=(i % 2 == 0)) + "\n")
        if n % 7 == 0:
            w(bad[n % len(bad)] + b"\n")
        if n % 11 == 0:
            w(b"\n")
    w(json.dumps({"id": f"t{rep}", "text": "NATO and the EU met in Brussels; Hezbollah "
                  "fired rockets at Israel, and Iran denied supplying Shahed-136 drones "
                  "to Russia for use in Ukraine."}) + "\n")
w(bad[6] + b"\n")
EOF

lines=$(wc -l <"$tmp/in.jsonl")
check "input has a few hundred lines" test "$lines" -gt 100

# shift.py PART...: concatenates the outputs PART.out of the parts PART,
# adding to the top-level "line" of every record (the key that follows
# "schema", "id" and "source") the number of input lines of the parts before
# it; fails on a record without one.
cat >"$tmp/shift.py" <<'EOF'
import re, sys
pat = re.compile(rb'^(\{"schema":1,(?:"id":"(?:[^"\\]|\\.)*",)?"source":"<stdin>","line":)(\d+)([,}])')
off = 0
for part in sys.argv[1:]:
    for rec in open(part + ".out", "rb"):
        m = pat.match(rec)
        if not m:
            sys.stderr.write("%s: no top-level line field: %r\n" % (part, rec[:120]))
            sys.exit(1)
        sys.stdout.buffer.write(m.group(1) + str(int(m.group(2)) + off).encode()
                                + m.group(3) + rec[m.end():])
    off += open(part, "rb").read().count(b"\n")
EOF

"$exe" -q -f jsonl - <"$tmp/in.jsonl" >"$tmp/whole.out"
rc=$?
check "whole input exits 0" test "$rc" -eq 0
records=$(grep -c . "$tmp/in.jsonl")
check "one output line per non-blank input line" test "$(wc -l <"$tmp/whole.out")" -eq "$records"
check "the whole run has error records" grep -q '"error":' "$tmp/whole.out"
check "the whole run has entities" grep -q '"id":"RUS"' "$tmp/whole.out"

starts_bad=0
for k in 1 2 3 7; do
  # k parts of nearly equal line counts; the first lines of some parts are
  # malformed or blank, depending on where the cuts fall
  rm -f "$tmp"/part.*
  awk -v k="$k" -v n="$lines" -v dir="$tmp" '
    { p = int((NR - 1) * k / n); printf "%s\n", $0 > (dir "/part." sprintf("%02d", p)) }' \
    "$tmp/in.jsonl"
  ok=1
  nparts=0
  for part in "$tmp"/part.[0-9][0-9]; do
    nparts=$((nparts + 1))
    "$exe" -q -f jsonl - <"$part" >"$part.out" || ok=0
  done
  python3 "$tmp/shift.py" "$tmp"/part.[0-9][0-9] >"$tmp/split.out" || ok=0
  check "$k parts: input split into $k" test "$nparts" -eq "$k"
  for part in "$tmp"/part.[0-9][0-9]; do
    case $(head -c 1 "$part") in '{') ;; *) starts_bad=$((starts_bad + 1)) ;; esac
  done
  check "$k parts: every part exits 0 and has line fields" test "$ok" -eq 1
  check "$k parts: output identical to one run" cmp -s "$tmp/whole.out" "$tmp/split.out"
done

check "some part begins with a malformed or blank line" test "$starts_bad" -gt 1

# Byte-balanced splits (split -n l/K), as block-based splitters cut.
for k in 5 16; do
  rm -f "$tmp"/part.*
  split -n "l/$k" -a 3 "$tmp/in.jsonl" "$tmp/part."
  ok=1
  for part in "$tmp"/part.[a-z][a-z][a-z]; do
    "$exe" -q -f jsonl - <"$part" >"$part.out" || ok=0
  done
  python3 "$tmp/shift.py" "$tmp"/part.[a-z][a-z][a-z] >"$tmp/split.out" || ok=0
  check "byte split into $k: every part exits 0" test "$ok" -eq 1
  check "byte split into $k: output identical to one run" cmp -s "$tmp/whole.out" "$tmp/split.out"
done

# An empty part and a part of blank lines give no record.
check "empty part: no output" test -z "$("$exe" -q -f jsonl - </dev/null)"
check "blank part: no output" test -z "$(printf '\n\n' | "$exe" -q -f jsonl -)"

finish
