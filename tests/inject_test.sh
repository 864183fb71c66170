#!/usr/bin/env bash
# inject_test.sh NEWSTAG SHIM - I/O errors injected with LD_PRELOAD: a
# failed open or read is reported with the file and exit 1 (other files
# still processed); a failed write is an error with exit 4, never a
# silently short output.
set -u
exe=$1
shim=$2
. "$(dirname "$0")/lib.sh"
printf 'Russia\n' >"$tmp/a.txt"
printf 'China\n' >"$tmp/b.txt"
printf '{"id":"1","text":"India"}\n{"id":"2","text":"Iran"}\n' >"$tmp/c.jsonl"

# a failed open: reported with the file, the other file still processed
NT_INJECT="fopen=a.txt" LD_PRELOAD=$shim "$exe" "$tmp/a.txt" "$tmp/b.txt" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "failed open exits 1" test "$rc" -eq 1
check "failed open names the file" grep -q "error (at $tmp/a.txt): cannot open: Input/output error" "$tmp/err"
check "failed open: both records present" test "$(wc -l <"$tmp/out")" -eq 2
check "failed open: the other file processed" grep -q '"id":"CHN"' "$tmp/out"

# a read error inside a JSON Lines file and inside a text file
NT_INJECT="fread=c.jsonl" LD_PRELOAD=$shim "$exe" "$tmp/c.jsonl" "$tmp/b.txt" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "failed read exits 1" test "$rc" -eq 1
check "failed read names the file" grep -q "error (at $tmp/c.jsonl): read error: Input/output error" "$tmp/err"
check "failed read gives an error record" grep -q '"error":"read error' "$tmp/out"
check "failed read: next file processed" grep -q '"id":"CHN"' "$tmp/out"
NT_INJECT="fread=a.txt" LD_PRELOAD=$shim "$exe" "$tmp/a.txt" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "failed text read exits 1" test "$rc" -eq 1
check "failed text read: one error record" test "$(grep -c '"error":"read error' "$tmp/out")" -eq 1

# a write error on stdout
NT_INJECT="fwrite=2" LD_PRELOAD=$shim "$exe" "$tmp/c.jsonl" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "failed write exits 4" test "$rc" -eq 4
check "failed write message" grep -q "cannot write output: Input/output error" "$tmp/err"
finish
