#!/usr/bin/env bash
# consumer_test.sh BUILD_DIR SRC_DIR - installs into a temporary prefix and
# builds a small program against the installed library both ways: with
# pkg-config (shared and static) and with CMake's find_package.
set -u
build=$1
src=$2
. "$(dirname "$0")/lib.sh"
prefix=$tmp/prefix
check_quiet "cmake --install" cmake --install "$build" --prefix "$prefix"
check_quiet "binary installed" test -x "$prefix/bin/newstag"
check_quiet "header installed" test -f "$prefix/include/newstag.h"
check_quiet "lexicons installed" test -f "$prefix/share/newstag/lexicons/countries.tsv"
check_quiet "man pages installed" test -f "$prefix/share/man/man1/newstag.1" -a -f "$prefix/share/man/man3/newstag.3"
libdir=$(ls -d "$prefix"/lib* | head -1)
export PKG_CONFIG_PATH=$libdir/pkgconfig
lex=$prefix/share/newstag/lexicons
check_quiet "pkg-config knows newstag" pkg-config --exists newstag
check_quiet "pkg-config shared build" cc -o "$tmp/c1" "$src/tests/consumer/main.c" $(pkg-config --cflags --libs newstag)
check_quiet "pkg-config shared run" env LD_LIBRARY_PATH="$libdir" "$tmp/c1" "$lex"
check_quiet "pkg-config static build" cc -o "$tmp/c2" "$src/tests/consumer/main.c" -I"$prefix/include" "$libdir/libnewstag.a" $(pkg-config --static --libs-only-l --libs-only-L newstag | sed 's/-lnewstag//')
check_quiet "pkg-config static run" "$tmp/c2" "$lex"
check_quiet "find_package configure" cmake -S "$src/tests/consumer" -B "$tmp/cb" -DCMAKE_PREFIX_PATH="$prefix"
check_quiet "find_package build" cmake --build "$tmp/cb"
check_quiet "find_package shared run" env LD_LIBRARY_PATH="$libdir" "$tmp/cb/consumer_shared" "$lex"
check_quiet "find_package static run" "$tmp/cb/consumer_static" "$lex"
# the installed binary finds its lexicons without flags
check_quiet "installed binary runs with default lexicons" sh -c "echo 'Russia and China.' | env -u NEWSTAG_LEXICON_DIR LD_LIBRARY_PATH=$libdir $prefix/bin/newstag | grep -q CHN"
finish
