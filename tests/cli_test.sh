#!/usr/bin/env bash
# cli_test.sh NEWSTAG SRC_DIR - the command line: exit codes, messages on
# stderr, data on stdout, one output line per input record.
set -u
exe=$1
src=$2
. "$(dirname "$0")/lib.sh"


run() { # run ARGS...: sets $rc, $out, $err
  "$exe" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
}

run --help
check "--help exits 0" test "$rc" -eq 0
check "--help on stdout" grep -q '^Usage: newstag' "$tmp/out"
check "--help documents exit status" grep -q 'Exit status' "$tmp/out"
check "--help nothing on stderr" test -z "$err"

run --version
check "--version" test "$rc" -eq 0 -a -n "$out"

run --bogus
check "unknown option exits 2" test "$rc" -eq 2
check "unknown option message" grep -q "^newstag: error: unknown option '--bogus'" "$tmp/err"
check "unknown option: nothing on stdout" test -z "$out"

run --format xml x
check "bad --format exits 2" test "$rc" -eq 2
run --min-score 7 x
check "bad --min-score exits 2" test "$rc" -eq 2

# the seed article from a file and from stdin
run "$src/corpora/s400-delivery.txt"
check "seed exits 0" test "$rc" -eq 0
check "seed gives one line" test "$(wc -l <"$tmp/out")" -eq 1
check "seed has China" grep -q '"id":"CHN"' "$tmp/out"
"$exe" <"$src/corpora/s400-delivery.txt" >"$tmp/stdin.out" 2>/dev/null
check "stdin gives the same entities" test "$(grep -o '"id":"[A-Z]*"' "$tmp/stdin.out")" = "$(grep -o '"id":"[A-Z]*"' "$tmp/out")"
printf '{"id":"a","text":"China"}\n' | "$exe" - >"$tmp/dash.out" 2>/dev/null
check "- reads stdin as JSON Lines" grep -q '"id":"a"' "$tmp/dash.out"

# malformed records: error records in place, messages name file and line, exit 0
printf '{"id":"a","text":"Russia"}\nnot json\n{"id":"c"}\n{"id":"d","text":"China"}\n' >"$tmp/in.jsonl"
run "$tmp/in.jsonl"
check "bad records exit 0" test "$rc" -eq 0
check "one line per record" test "$(wc -l <"$tmp/out")" -eq 4
check "error record for line 2" test "$(sed -n 2p "$tmp/out" | grep -c '"error":"invalid JSON"')" -eq 1
check "error record keeps id" grep -q '"id":"c".*"error"' "$tmp/out"
check "message names file:line" grep -q "^newstag: error (at $tmp/in.jsonl:2): invalid JSON" "$tmp/err"
check "order kept" test "$(sed -n 4p "$tmp/out" | grep -c '"id":"d"')" -eq 1
run -q "$tmp/in.jsonl"
check "--quiet silences stderr" test -z "$err"

# an unreadable file is reported, the others are still processed, exit 1
printf 'Russia\n' >"$tmp/ok.txt"
run "$tmp/missing.txt" "$tmp/ok.txt"
check "missing file exits 1" test "$rc" -eq 1
check "missing file message" grep -q "^newstag: error (at $tmp/missing.txt): cannot open" "$tmp/err"
check "other file still processed" test "$(wc -l <"$tmp/out")" -eq 2

# a directory: every file, sorted, recursively
mkdir -p "$tmp/dir/sub"
printf 'China\n' >"$tmp/dir/b.txt"
printf 'Russia\n' >"$tmp/dir/a.txt"
printf '{"text":"India"}\n{"text":"Iran"}\n' >"$tmp/dir/sub/c.jsonl"
run "$tmp/dir"
check "directory exits 0" test "$rc" -eq 0
check "directory records" test "$(wc -l <"$tmp/out")" -eq 4
check "directory order" test "$(grep -o '"id":"[A-Z]*"' "$tmp/out" | tr -d '\n')" = '"id":"RUS""id":"CHN""id":"IND""id":"IRN"'

# lexicons: a bad user lexicon stops the run with file:line, exit 3
mkdir -p "$tmp/lex"
printf 'entity\tgrp-x\tX\ttype=group\nalias\tgrp-y\tY\t\n' >"$tmp/lex/watch.tsv"
run --lexicon "$tmp/lex" "$tmp/ok.txt"
check "bad lexicon exits 3" test "$rc" -eq 3
check "bad lexicon names file:line" grep -q "^newstag: error (at $tmp/lex/watch.tsv:2): alias of unknown entity" "$tmp/err"
check "bad lexicon: no output" test -z "$out"
printf 'entity\tgrp-x\tX Brigade\ttype=group\nalias\tgrp-x\tX Brigade\t\n' >"$tmp/lex/watch.tsv"
printf 'The X Brigade in Russia.\n' >"$tmp/x.txt"
run --lexicon "$tmp/lex" "$tmp/x.txt"
check "user lexicon adds entities" grep -q '"id":"grp-x"' "$tmp/out"
check "mention names its lexicon line" grep -q 'watch.tsv:2' "$tmp/out"
run lexicon check
check "lexicon check" test "$rc" -eq 0
check "lexicon check counts" grep -q 'countries' "$tmp/out"
run lexicon lookup Britain
check "lexicon lookup" grep -q 'GBR' "$tmp/out"
printf 'entity\tgrp-x\tX Brigade\ttype=group\nalias\tgrp-x\tX Brigade\t\nalias\tgrp-x\tChina\t\n' >"$tmp/lex/watch.tsv"
run lexicon check --lexicon "$tmp/lex"
check "lexicon check finds a collision" test "$rc" -eq 3
check "lexicon check names file:line" grep -q "watch.tsv:3: alias \"China\" of grp-x (group) also names CHN" "$tmp/out"
run lexicon frobnicate
check "unknown lexicon command exits 2" test "$rc" -eq 2

# -j: threads give the same output, in input order, errors included
for i in $(seq 1 40); do cat "$tmp/in.jsonl"; done >"$tmp/forty.jsonl"
"$exe" -q -j 1 "$tmp/forty.jsonl" "$tmp/dir" "$src/corpora" >"$tmp/j1" 2>/dev/null
"$exe" -q -j 3 "$tmp/forty.jsonl" "$tmp/dir" "$src/corpora" >"$tmp/j3" 2>/dev/null
check "-j 3 output identical to -j 1" cmp -s "$tmp/j1" "$tmp/j3"
corpus_records=$("$exe" -q -j 1 "$src/corpora" | wc -l)
check "-j keeps one line per record" test "$(wc -l <"$tmp/j3")" -eq $((40 * 4 + 4 + corpus_records))
# many batches finishing out of order: records of very different lengths
# (a long article every 37th, a malformed line every 101st), on 2, 4 and 7
# threads, and their messages in the same order as well
python3 - "$src/corpora/s400-delivery.txt" >"$tmp/mixed.jsonl" <<'PY'
import json, sys
art = open(sys.argv[1], encoding="utf-8").read()
for i in range(3000):
    if i % 101 == 50:
        print('{"text": broken %d' % i)
    elif i % 37 == 0:
        print(json.dumps({"id": "long-%d" % i, "text": art * 8}))
    else:
        print(json.dumps({"id": "r%d" % i, "text": "Talks in Paris, %d. France and Iran met." % i}))
PY
"$exe" -q -j 1 "$tmp/mixed.jsonl" >"$tmp/m1" 2>"$tmp/m1.err"
for j in 2 4 7; do
  "$exe" -q -j $j "$tmp/mixed.jsonl" >"$tmp/mj" 2>"$tmp/mj.err"
  check "-j $j on 3000 mixed records identical to -j 1" cmp -s "$tmp/m1" "$tmp/mj"
  check "-j $j messages in input order" cmp -s "$tmp/m1.err" "$tmp/mj.err"
done
check "mixed records: one line each" test "$(wc -l <"$tmp/m1")" -eq 3000
check "mixed records: 30 errors" test "$(grep -c '"error"' "$tmp/m1")" -eq 30
run -j 0 x
check "-j 0 is a usage error" test "$rc" -eq 2
"$exe" -j 2 --html "$tmp/r.html" "$tmp/in.jsonl" >/dev/null 2>&1
check "-j 2 review page" grep -q '"id":"d"' "$tmp/r.html"

# output failures: a full disk is an error, a closed pipe is quiet
"$exe" "$src/corpora/s400-delivery.txt" >/dev/full 2>"$tmp/err"
rc=$?
check "full disk exits 4" test "$rc" -eq 4
check "full disk message" grep -q "cannot write output" "$tmp/err"
for i in $(seq 1 300); do cat "$tmp/in.jsonl"; done >"$tmp/many.jsonl"
"$exe" -q "$tmp/many.jsonl" 2>"$tmp/err" | head -1 >/dev/null
check "closed pipe: no message" test ! -s "$tmp/err"

finish
