#!/usr/bin/env bash
# snapshot_test.sh NEWSTAG SRC_DIR - lexicon snapshots (src/snapshot.c) and
# the lexicon cache (cli.c): the same output bytes as the text lexicons on
# the golden inputs, and a corrupt, truncated, other-version or stale
# snapshot refused with exit 3 and a message saying what is wrong.  The
# cache lives in this test's temporary folder, never in ~/.cache.
set -u
exe=$1
src=$2
. "$(dirname "$0")/lib.sh"
unset NEWSTAG_NO_CACHE XDG_CACHE_HOME
export NEWSTAG_CACHE_DIR=$tmp/cache

run() { # run ARGS...: sets $rc, $out, $err
  "$exe" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
}

# compile, then the same bytes on every golden input: text, snapshot, cache
run lexicon compile -o "$tmp/def.snap"
check "compile exits 0" test "$rc" -eq 0
check "compile says what it wrote" grep -q "^newstag: wrote $tmp/def.snap: .* entities, .* aliases" "$tmp/err"
check "compile writes no cache" test ! -e "$tmp/cache"
for input in "$src"/tests/golden/*.txt "$src"/tests/golden/records.jsonl; do
  name=$(basename "$input")
  (cd "$src/tests/golden" && "$exe" -q --no-cache "$name") >"$tmp/text.out"
  (cd "$src/tests/golden" && "$exe" -q --snapshot "$tmp/def.snap" "$name") >"$tmp/snap.out"
  (cd "$src/tests/golden" && "$exe" "$name") >"$tmp/cache1.out" 2>"$tmp/cache1.err"
  (cd "$src/tests/golden" && "$exe" "$name") >"$tmp/cache2.out" 2>"$tmp/cache2.err"
  check "$name: snapshot gives the same bytes" cmp -s "$tmp/text.out" "$tmp/snap.out"
  check "$name: new cache gives the same bytes" cmp -s "$tmp/text.out" "$tmp/cache1.out"
  check "$name: cache gives the same bytes" cmp -s "$tmp/text.out" "$tmp/cache2.out"
  check "$name: cache is silent" sh -c "! grep -q warning '$tmp/cache1.err' '$tmp/cache2.err'"
done
check "cache file written" test "$(ls "$tmp/cache" | grep -c '^lexicon-.*\.snap$')" -eq 1
check "no temporary file left" test "$(ls "$tmp/cache" | grep -c tmp)" -eq 0
"$exe" lexicon check --no-cache >"$tmp/check.text" 2>&1
"$exe" lexicon check --snapshot "$tmp/def.snap" >"$tmp/check.snap" 2>&1
check "lexicon check: same report" cmp -s "$tmp/check.text" "$tmp/check.snap"

# broken snapshots: exit 3, the file and what is wrong
broken() { # broken NAME EXPECTED-MESSAGE
  run --snapshot "$tmp/$1" "$src/tests/golden/s400-delivery.txt"
  check "$1: exits 3" test "$rc" -eq 3
  check "$1: message" grep -q "^newstag: error (at $tmp/$1): $2" "$tmp/err"
  check "$1: no output" test -z "$out"
}
size=$(stat -c %s "$tmp/def.snap")
cp "$tmp/def.snap" "$tmp/flipped.snap"
byte=$(od -An -tu1 -j $((size / 2)) -N1 "$tmp/def.snap" | tr -d ' ')
printf "\\$(printf %o $((255 - byte)))" |   # the byte's complement
  dd of="$tmp/flipped.snap" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
broken flipped.snap "corrupt lexicon snapshot: checksum mismatch"
head -c $((size - 1000)) "$tmp/def.snap" >"$tmp/truncated.snap"
broken truncated.snap "corrupt lexicon snapshot: truncated: $((size - 1000)) bytes, the header says $size"
cp "$tmp/def.snap" "$tmp/version.snap"
printf '\x63' | dd of="$tmp/version.snap" bs=1 seek=8 conv=notrunc 2>/dev/null
broken version.snap "lexicon snapshot of format version 99, this newstag reads version 5"
head -c 100 "$src/lexicons/countries.tsv" >"$tmp/text.snap"
broken text.snap "not a newstag lexicon snapshot"
run --snapshot "$tmp/missing.snap" "$src/tests/golden/s400-delivery.txt"
check "missing snapshot exits 3" test "$rc" -eq 3
check "missing snapshot message" grep -q "^newstag: error (at $tmp/missing.snap): cannot read the lexicon snapshot: No such file" "$tmp/err"

# stale: a changed, a new and a removed lexicon file are named
mkdir "$tmp/lex"
cp "$src"/tests/data/lex/*.tsv "$tmp/lex/"
run lexicon compile --no-default-lexicon -l "$tmp/lex" -o "$tmp/user.snap"
check "user compile exits 0" test "$rc" -eq 0
run --snapshot "$tmp/user.snap" "$src/tests/golden/s400-delivery.txt"
check "user snapshot loads" test "$rc" -eq 0
printf '# a comment\n' >>"$tmp/lex/weapons.tsv"
lexdir=$(cd "$tmp/lex" && pwd -P)
broken user.snap "stale lexicon snapshot: $lexdir/weapons.tsv changed since it was compiled"
run lexicon compile --no-default-lexicon -l "$tmp/lex" -o "$tmp/user.snap"
printf 'entity\tgrp-new\tNew Group\ttype=group\n' >"$tmp/lex/extra.tsv"
broken user.snap "stale lexicon snapshot: $lexdir/extra.tsv is a new lexicon file"
rm "$tmp/lex/extra.tsv"
run lexicon compile --no-default-lexicon -l "$tmp/lex" -o "$tmp/user.snap"
rm "$tmp/lex/groups.tsv"
broken user.snap "stale lexicon snapshot: cannot read $lexdir/groups.tsv"

# the cache follows the lexicons: rebuilt with a warning, or quietly with -q
cp "$src/tests/data/lex/groups.tsv" "$tmp/lex/"
run --no-default-lexicon -l "$tmp/lex" "$src/tests/golden/s400-delivery.txt"
check "user cache: first run silent" test -z "$err" -a "$rc" -eq 0
cp "$tmp/out" "$tmp/user1.out"
printf '# another comment\n' >>"$tmp/lex/countries.tsv"
run --no-default-lexicon -l "$tmp/lex" "$src/tests/golden/s400-delivery.txt"
check "changed lexicon: warning names the file" grep -q "^newstag: warning: rebuilding the lexicon cache .*: stale lexicon snapshot: $lexdir/countries.tsv changed" "$tmp/err"
check "changed lexicon: one warning line" test "$(wc -l <"$tmp/err")" -eq 1
check "changed lexicon: same output" cmp -s "$tmp/out" "$tmp/user1.out"
run --no-default-lexicon -l "$tmp/lex" "$src/tests/golden/s400-delivery.txt"
check "rebuilt cache: silent" test -z "$err"
for f in "$tmp"/cache/lexicon-*.snap; do
  printf '\xff' | dd of="$f" bs=1 seek=200 conv=notrunc 2>/dev/null
done
run -q --no-default-lexicon -l "$tmp/lex" "$src/tests/golden/s400-delivery.txt"
check "corrupt cache with -q: silent, exit 0" test -z "$err" -a "$rc" -eq 0
check "corrupt cache: same output" cmp -s "$tmp/out" "$tmp/user1.out"
run --no-default-lexicon -l "$tmp/lex" "$src/tests/golden/s400-delivery.txt"
check "corrupt cache was rebuilt" test -z "$err"

# no cache: unwritable folder, --no-cache, NEWSTAG_NO_CACHE
NEWSTAG_CACHE_DIR=/proc/newstag-cache run "$src/tests/golden/s400-delivery.txt"
check "unwritable cache folder: silent, exit 0" test -z "$err" -a "$rc" -eq 0
check "unwritable cache folder: output" grep -q '"id":"CHN"' "$tmp/out"
NEWSTAG_CACHE_DIR=$tmp/nocache run --no-cache "$src/tests/golden/s400-delivery.txt"
check "--no-cache writes no cache" test ! -e "$tmp/nocache"
NEWSTAG_CACHE_DIR=$tmp/nocache NEWSTAG_NO_CACHE=1 run "$src/tests/golden/s400-delivery.txt"
check "NEWSTAG_NO_CACHE writes no cache" test ! -e "$tmp/nocache"

# usage
run lexicon compile
check "compile without -o exits 2" test "$rc" -eq 2
run --snapshot "$tmp/def.snap" -l "$tmp/lex" x
check "--snapshot with -l exits 2" test "$rc" -eq 2
run -o "$tmp/x.snap" x
check "-o without compile exits 2" test "$rc" -eq 2
run lexicon compile -o "$tmp/no/such/dir/x.snap"
check "unwritable -o exits 4" test "$rc" -eq 4
check "unwritable -o message" grep -q "^newstag: error (at $tmp/no/such/dir/x.snap): cannot write the snapshot" "$tmp/err"

finish
