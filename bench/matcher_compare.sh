#!/usr/bin/env bash
# matcher_compare.sh - newstag's trie against Intel Hyperscan on the same
# folded text and the same keys (issue #7, point 4); see bench/README.md,
# "Matcher: trie or Hyperscan".
#
#   bench/matcher_compare.sh [--runs N] [--scales "1 10 10n"] [--corpora DIR]
#                            [--work DIR] [--lib FILE --src DIR]
#
# Builds bench/matcher_compare.c with cc -O2 against a static libnewstag and
# libhs (installs libhyperscan-dev with apt-get when it is missing, or stops
# with a message when it cannot), runs it N times (3) per corpus
# (reuters21578.jsonl, bbc-news.jsonl) and alias set (x1: the default
# lexicons; x10: plus synthetic phrases of common news words, 10 times the
# keys; x10n: the same with made-up name-like words), and prints the median
# of every figure.
#
# The program includes src/internal.h, so header and library must come from
# the same sources.  Without --lib, the working tree is copied to
# WORK/src and built there (other engineers may be rebuilding build/ or
# editing src/ meanwhile); --lib build/libnewstag.a --src . uses a build
# as it is.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
runs=3
scales="1 10 10n"
corpora=$repo/../shared/corpora
work=/tmp/newstag-matcher
lib=
src=

die() { echo "matcher_compare: error: $*" >&2; exit 2; }
note() { echo "matcher_compare: $*" >&2; }

while (($#)); do
  case $1 in
    --runs) runs=${2:?}; shift 2 ;;
    --scales) scales=${2:?}; shift 2 ;;
    --corpora) corpora=${2:?}; shift 2 ;;
    --work) work=${2:?}; shift 2 ;;
    --lib) lib=${2:?}; shift 2 ;;
    --src) src=${2:?}; shift 2 ;;
    -h | --help) sed -n '2,20s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) die "unknown argument '$1'" ;;
  esac
done
[ -n "$lib" ] && [ -z "$src" ] && src=$repo
mkdir -p "$work"
work=$(cd "$work" && pwd)
case "$work/" in "$repo"/*) die "the work folder must not be inside the repository" ;; esac

# --- Hyperscan ----------------------------------------------------------------
if ! pkg-config --exists libhs 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    note "installing the Debian package libhyperscan-dev"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq libhyperscan-dev >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq libhyperscan-dev >/dev/null 2>&1; } ||
      true
  fi
  if ! pkg-config --exists libhs 2>/dev/null; then
    note "SKIPPED: Hyperscan (libhyperscan-dev) is not installed and could not be installed"
    note "(it needs Debian/Ubuntu on x86-64 with SSSE3, and root for apt-get)"
    exit 0
  fi
fi

# --- the library ----------------------------------------------------------------
if [ -z "$lib" ]; then
  src=$work/src
  note "copying the working tree to $src and building libnewstag.a there"
  rm -rf "$src"
  mkdir -p "$src"
  git -C "$repo" ls-files -z --cached --others --exclude-standard |
    (cd "$repo" && xargs -0 cp --parents -t "$src" 2>/dev/null) || true
  cmake -S "$src" -B "$src/b" -DCMAKE_BUILD_TYPE=Release -DNEWSTAG_TESTS=OFF >/dev/null ||
    die "cmake configure failed"
  cmake --build "$src/b" -j2 --target newstag_static >/dev/null || die "building libnewstag.a failed"
  lib=$(find "$src/b" -name libnewstag.a | head -1)
fi
[ -f "$lib" ] || die "no static library $lib"
[ -f "$src/src/internal.h" ] || die "no $src/src/internal.h"

# --- the program ------------------------------------------------------------------
bin=$work/matcher_compare
# the program includes "../src/internal.h": lay out the headers of $src so
rm -rf "$work/inc" && mkdir -p "$work/inc/src" "$work/inc/include" "$work/inc/bench"
cp "$src"/src/*.h "$work/inc/src/"
cp "$src"/include/*.h "$work/inc/include/"
cp "$here/matcher_compare.c" "$work/inc/bench/"
# shellcheck disable=SC2046
cc -std=c11 -O2 -Wall -Wextra -I"$work/inc/include" \
  -o "$bin" "$work/inc/bench/matcher_compare.c" "$lib" \
  $(pkg-config --cflags --libs libpcre2-8 libutf8proc libcjson libhs) -lm -lpthread ||
  die "compiling matcher_compare.c failed"

# --- the machine --------------------------------------------------------------------
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sort -u | head -1)," \
    "$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(uname -sr)"
  echo "cc: $(cc --version | head -1); hyperscan: $(pkg-config --modversion libhs)"
  echo "library: $lib"
  echo "sources: $src (repository HEAD $(git -C "$repo" rev-parse --short HEAD)," \
    "uncommitted changes then in src/: $(git -C "$repo" status --short -- src | awk '{ printf "%s%s", (NR > 1 ? " " : ""), $2 }'))"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$work/machine.txt"

# --- the runs -------------------------------------------------------------------------
raw=$work/rows.tsv
: >"$raw"
for f in reuters21578 bbc-news; do
  in=$corpora/$f.jsonl
  [ -r "$in" ] || die "cannot read $in"
  for s in $scales; do
    for ((r = 1; r <= runs; r++)); do
      note "$f x$s run $r/$runs"
      out=$work/out.$f.$s.$r.txt err=$work/err.$f.$s.$r.txt
      "$bin" --lexicons "$src/lexicons" --corpus "$in" --scale "$s" --label "$f" \
        --tmp "$work" >"$out" 2>"$err" || { cat "$err" >&2; die "matcher_compare failed"; }
      grep -E '^(ROW|INFO)' "$err" >>"$raw" || true
      grep -vE '^(ROW|INFO)' "$err" >&2 || true # warnings
    done
  done
done

# --- medians ------------------------------------------------------------------------------
{
  echo
  echo "medians of $runs runs (MB = 10^6 bytes of the records' \"text\"; CPU = thread CPU time)"
  awk -F'\t' '
    function med(s,   n, i, j, t, a) {
      n = split(s, a, " ")
      for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    $1 == "INFO" { k = $2 SUBSEP $3; if (!(k in seen)) { seen[k] = 1; groups[++ng] = k }
                   ik = k SUBSEP $4; if (!(ik in iv)) ikeys[k] = ikeys[k] SUBSEP $4; iv[ik] = iv[ik] " " $5; next }
    $1 == "ROW" { k = $2 SUBSEP $3; if (!(k in seen)) { seen[k] = 1; groups[++ng] = k }
                  rk = k SUBSEP $4; if (!(rk in rw)) { rkeys[k] = rkeys[k] SUBSEP $4; cnt[rk] = $7 }
                  rw[rk] = rw[rk] " " $5; rc[rk] = rc[rk] " " $6; if (cnt[rk] != $7) varies[rk] = 1 }
    END {
      for (g = 1; g <= ng; g++) {
        k = groups[g]; split(k, p, SUBSEP)
        mb = med(iv[k SUBSEP "input text MB"])
        printf "\n%s (%.2f MB of text), alias set x%s:\n", p[1], mb, p[2]
        n = split(substr(ikeys[k], 2), names, SUBSEP)
        for (i = 1; i <= n; i++) {
          v = med(iv[k SUBSEP names[i]])
          printf (v == int(v) ? "  %-44s %d\n" : "  %-44s %.3f\n"), names[i], v
        }
        printf "  %-44s %8s %8s %9s %9s %12s\n", "timed", "wall s", "CPU s", "MB/s", "MB/CPU-s", "matches"
        n = split(substr(rkeys[k], 2), names, SUBSEP)
        for (i = 1; i <= n; i++) {
          rk = k SUBSEP names[i]; mw = med(rw[rk]); mc = med(rc[rk])
          printf "  %-44s %8.3f %8.3f %9.1f %9.1f %12s\n", names[i], mw, mc, mb / mw, mb / mc, cnt[rk] (rk in varies ? "*" : "")
        }
      }
    }' "$raw"
  echo "(* a count that differed between runs: the first run's is shown)"
  echo
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$work/results.txt"
