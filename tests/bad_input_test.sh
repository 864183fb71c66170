#!/usr/bin/env bash
# bad_input_test.sh NEWSTAG - the bad-input matrix: every case gives exactly
# one output line per input record, a message naming file and line, and the
# documented exit code; nothing crashes or grows without bound.
set -u
exe=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# case NAME EXPECTED_LINES EXPECTED_RC [MESSAGE_REGEX] -- FILE...
case_() {
  local name=$1 lines=$2 want_rc=$3 msg=$4
  shift 5
  "$exe" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  local got
  got=$(wc -l <"$tmp/out")
  local ok=1
  [ "$rc" -eq "$want_rc" ] || { ok=0; echo "FAIL $name: exit $rc, want $want_rc" >&2; }
  [ "$got" -eq "$lines" ] || { ok=0; echo "FAIL $name: $got lines, want $lines" >&2; }
  if [ -n "$msg" ] && ! grep -Eq "$msg" "$tmp/err"; then
    ok=0
    echo "FAIL $name: no message matching /$msg/ in: $(head -c 300 "$tmp/err")" >&2
  fi
  if ! python3 -c 'import json,sys
for l in open(sys.argv[1], encoding="utf-8"): json.loads(l)' "$tmp/out" 2>/dev/null; then
    ok=0
    echo "FAIL $name: output is not valid UTF-8 JSON Lines" >&2
  fi
  if [ $ok -eq 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}

f=$tmp/f
# --- text files
printf 'Overlong \xc0\xaf, surrogate \xed\xa0\x80, truncated \xe2\x82 and China.' >"$f.utf8.txt"
case_ invalid-utf8 1 0 "" -- "$f.utf8.txt"
grep -q '"invalid_utf8":[1-9]' "$tmp/out" || { fail=$((fail + 1)); echo "FAIL invalid-utf8 not counted" >&2; }
grep -q '"id":"CHN"' "$tmp/out" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL invalid-utf8 lost China" >&2; }
printf 'Russia\0China\0' >"$f.nul.txt"
case_ nul-bytes 1 0 "" -- "$f.nul.txt"
printf '\xef\xbb\xbfRussia and China.\n' >"$f.bom.txt"
case_ bom-text 1 0 "" -- "$f.bom.txt"
grep -q '"start":3,"end":9,"text":"Russia"' "$tmp/out" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL bom offsets" >&2; }
printf 'Headline\r\n\r\nRussia and China.\r\n' >"$f.crlf.txt"
case_ crlf 1 0 "" -- "$f.crlf.txt"
printf 'Headline\r\rRussia and China.\r' >"$f.cr.txt"
case_ cr-only 1 0 "" -- "$f.cr.txt"
: >"$f.empty.txt"
case_ empty-text 1 0 "" -- "$f.empty.txt"
# --- JSON Lines
printf '\xef\xbb\xbf{"id":"a","text":"China"}\r\n{"id":"b","text":"Russia"}\r\n' >"$f.bom.jsonl"
case_ bom-crlf-jsonl 2 0 "" -- "$f.bom.jsonl"
: >"$f.empty.jsonl"
case_ empty-jsonl 0 0 "" -- "$f.empty.jsonl"
printf '{"id":"a","text":"China"}\n{"id":"b","text":"Russia"}' >"$f.nofinal.jsonl"
case_ no-final-newline 2 0 "" -- "$f.nofinal.jsonl"
printf '{"id":"a","text":"China"}\n{"id":"b","text":"Rus' >"$f.trunc.jsonl"
case_ truncated-json 2 0 "at $f.trunc.jsonl:2\): invalid JSON" -- "$f.trunc.jsonl"
python3 -c 'print("{\"text\":" + "[" * 10000 + "]" * 10000 + "}")' >"$f.deep.jsonl"
case_ nested-10000 1 0 "at $f.deep.jsonl:1\): invalid JSON" -- "$f.deep.jsonl"
printf '{"id":"a","text":"China","text":"Russia"}\n' >"$f.dup.jsonl"
case_ duplicate-keys 1 0 "" -- "$f.dup.jsonl"
printf '{"id":"n","text":1}\n{"id":"z","text":null}\n{"id":"r","text":["a"]}\n{"id":"o","text":{}}\n' >"$f.types.jsonl"
case_ text-types 4 0 'at .*types.jsonl:3\): "text" is not a string' -- "$f.types.jsonl"
test "$(grep -c '"error":"\\"text\\" is not a string"' "$tmp/out")" -eq 4 && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL text-types errors" >&2; }
printf '{"id":"u0","text":"China\\u0000Russia"}\n{"id":"ls","text":"lone \\ud800 surrogate China"}\n{"id":"\xff","text":"bad id bytes"}\n' >"$f.escapes.jsonl"
case_ escapes 3 0 "" -- "$f.escapes.jsonl"
printf '{"text":"%s"}\n' "$(head -c 200 /dev/zero | tr '\0' 'a')" >"$f.long.jsonl"
printf '{"id":"after","text":"China"}\n' >>"$f.long.jsonl"
case_ over-max-record 2 0 "at $f.long.jsonl:1\): line longer than the limit" -- --max-record 100 "$f.long.jsonl"
grep -q '"id":"after"' "$tmp/out" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL record after long line lost" >&2; }
# a 100 MB single line: an error record in bounded memory
{ printf '{"id":"big","text":"'; head -c 100000000 /dev/zero | tr '\0' 'a'; printf '"}\n{"id":"next","text":"China"}\n'; } >"$f.huge.jsonl"
if [ -z "${NT_NO_ULIMIT:-}" ]; then
  ( ulimit -v 600000; "$exe" "$f.huge.jsonl" >"$tmp/out" 2>"$tmp/err" )
  rc=$?
else
  "$exe" "$f.huge.jsonl" >"$tmp/out" 2>"$tmp/err"
  rc=$?
fi
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 2 ] && grep -q '"line":1,"error":"line longer' "$tmp/out"; then
  pass=$((pass + 1))
else
  fail=$((fail + 1))
  echo "FAIL huge-line: rc=$rc lines=$(wc -l <"$tmp/out") $(head -c 200 "$tmp/err")" >&2
fi
rm -f "$f.huge.jsonl"
# --- directories: dangling links, unreadable entries, link loops
mkdir -p "$tmp/d/sub"
printf 'China\n' >"$tmp/d/a.txt"
ln -s "$tmp/nowhere.txt" "$tmp/d/b.txt"
ln -s "$tmp/d" "$tmp/d/sub/loop"
printf 'Russia\n' >"$tmp/d/sub/c.txt"
printf 'Iran\n' >"$tmp/d/z.txt"
chmod 000 "$tmp/d/z.txt"
# z.txt is unreadable unless we are root; either way 4 records, exit 1 (b.txt)
case_ directory-bad-entries 4 1 "at $tmp/d/b.txt\): cannot open" -- "$tmp/d"
chmod 644 "$tmp/d/z.txt"
# --- a lexicon file with a bad line
mkdir -p "$tmp/lex"
printf 'entity\tgrp-a\tA Group\ttype=group\nalias\tgrp-a\tA Group\tbogus-flag\n' >"$tmp/lex/mine.tsv"
case_ bad-lexicon 0 3 "at $tmp/lex/mine.tsv:2\): unknown flag \"bogus-flag\"" -- --lexicon "$tmp/lex" "$f.bom.txt"

echo "$pass passed, $fail failed"
test "$fail" -eq 0
