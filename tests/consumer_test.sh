#!/usr/bin/env bash
# consumer_test.sh BUILD_DIR SRC_DIR - installs into a temporary prefix and
# builds a small program against the installed library both ways: with
# pkg-config (shared and static) and with CMake's find_package.
set -u
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
check() {
  local what=$1
  shift
  if "$@" >"$tmp/log" 2>&1; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $what" >&2; tail -20 "$tmp/log" >&2; fi
}
prefix=$tmp/prefix
check "cmake --install" cmake --install "$build" --prefix "$prefix"
check "binary installed" test -x "$prefix/bin/newstag"
check "header installed" test -f "$prefix/include/newstag.h"
check "lexicons installed" test -f "$prefix/share/newstag/lexicons/countries.tsv"
check "man pages installed" test -f "$prefix/share/man/man1/newstag.1" -a -f "$prefix/share/man/man3/newstag.3"
libdir=$(ls -d "$prefix"/lib* | head -1)
export PKG_CONFIG_PATH=$libdir/pkgconfig
lex=$prefix/share/newstag/lexicons
check "pkg-config knows newstag" pkg-config --exists newstag
check "pkg-config shared build" cc -o "$tmp/c1" "$src/tests/consumer/main.c" $(pkg-config --cflags --libs newstag)
check "pkg-config shared run" env LD_LIBRARY_PATH="$libdir" "$tmp/c1" "$lex"
check "pkg-config static build" cc -o "$tmp/c2" "$src/tests/consumer/main.c" -I"$prefix/include" "$libdir/libnewstag.a" $(pkg-config --static --libs-only-l --libs-only-L newstag | sed 's/-lnewstag//')
check "pkg-config static run" "$tmp/c2" "$lex"
check "find_package configure" cmake -S "$src/tests/consumer" -B "$tmp/cb" -DCMAKE_PREFIX_PATH="$prefix"
check "find_package build" cmake --build "$tmp/cb"
check "find_package shared run" env LD_LIBRARY_PATH="$libdir" "$tmp/cb/consumer_shared" "$lex"
check "find_package static run" "$tmp/cb/consumer_static" "$lex"
# the installed binary finds its lexicons without flags
check "installed binary runs with default lexicons" sh -c "echo 'Russia and China.' | env -u NEWSTAG_LEXICON_DIR LD_LIBRARY_PATH=$libdir $prefix/bin/newstag | grep -q CHN"
echo "$pass passed, $fail failed"
test "$fail" -eq 0
