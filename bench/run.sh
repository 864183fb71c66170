#!/usr/bin/env bash
# bench/run.sh [OPTIONS] - newstag's throughput and memory next to its floors
# (cat, ripgrep with every lexicon alias) and its peer (the npm package
# compromise), on the shared Reuters-21578 and BBC News corpora.  See
# bench/README.md for what each column means and the figures measured here.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
corpora=$repo/../shared/corpora
newstag=$repo/build/newstag
work=/tmp/newstag-bench
runs=5
peer_runs=3
prefix_mb=2
big=0
big_mb=1000
dist=0
dist_mb=200
do_compromise=1
do_callgrind=1
keep=0
compromise_version=14.17.0

usage() {
  cat <<EOF
Usage: bench/run.sh [OPTIONS]

Times, on reuters21578.jsonl and bbc-news.jsonl: cat (the I/O floor), rg with
every lexicon alias (the raw matching floor), compromise (places and
organisations, on a prefix of each corpus), newstag -j1 / -j2, and two
newstag -j1 started together (the machine's own parallel ceiling; these three
take turns run by run).  Prints the median of several runs, MB/s (MB = 10^6
bytes), newstag's speed ratio to each row, peak RSS, and callgrind
instructions per MB of newstag -j1.

Options:
  --corpora DIR     folder with reuters21578.jsonl and bbc-news.jsonl
                    (default: ../shared/corpora from the repository root)
  --newstag FILE    the binary to time (default: build/newstag); it is copied
                    to the work folder first so a rebuild cannot change it mid-run
  --work DIR        scratch folder, never inside the repository
                    (default: /tmp/newstag-bench)
  --runs N          runs per measurement (default 5; median reported)
  --peer-runs N     runs of compromise (default 3)
  --prefix-mb N     size of the corpus prefix for compromise and callgrind
                    (default 2)
  --no-compromise   skip compromise
  --no-callgrind    skip callgrind
  --big             also build a ~1 GB JSON Lines file in the work folder by
                    repeating the corpora, and time newstag on it (peak RSS)
  --big-mb N        size of that file in MB (default 1000)
  --distributed     also run bench/distributed.sh (GNU parallel --pipe, locally
                    and over ssh to an sshd on 127.0.0.1)
  --dist-mb N       size of the input of the distributed run (default 200)
  --keep            keep the generated big files
  -h, --help        this text
EOF
}

die() { echo "bench: error: $*" >&2; exit 2; }
note() { echo "bench: $*" >&2; }

while (($#)); do
  case $1 in
    --corpora) corpora=${2:?}; shift 2 ;;
    --corpora=*) corpora=${1#*=}; shift ;;
    --newstag) newstag=${2:?}; shift 2 ;;
    --newstag=*) newstag=${1#*=}; shift ;;
    --work) work=${2:?}; shift 2 ;;
    --work=*) work=${1#*=}; shift ;;
    --runs) runs=${2:?}; shift 2 ;;
    --peer-runs) peer_runs=${2:?}; shift 2 ;;
    --prefix-mb) prefix_mb=${2:?}; shift 2 ;;
    --no-compromise) do_compromise=0; shift ;;
    --no-callgrind) do_callgrind=0; shift ;;
    --big) big=1; shift ;;
    --big-mb) big=1; big_mb=${2:?}; shift 2 ;;
    --distributed) dist=1; shift ;;
    --dist-mb) dist=1; dist_mb=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done

corpora=$(cd "$corpora" 2>/dev/null && pwd) || die "no corpora folder"
reuters=$corpora/reuters21578.jsonl
bbc=$corpora/bbc-news.jsonl
for f in "$reuters" "$bbc"; do [ -r "$f" ] || die "cannot read $f"; done
[ -x "$newstag" ] || die "no executable $newstag (build it: cmake --build build -j2)"
newstag=$(cd "$(dirname "$newstag")" && pwd)/$(basename "$newstag")
mkdir -p "$work"
work=$(cd "$work" && pwd)
case "$work/" in "$repo"/*) die "the work folder must not be inside the repository" ;; esac

# --- tools: install only what is missing -------------------------------------
ensure() { # ensure COMMAND DEBIAN-PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  [ "$(id -u)" = 0 ] || die "$1 is missing: install the Debian package $2"
  note "installing the Debian package $2"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "$2" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && apt-get install -y -qq "$2" >/dev/null; } ||
    die "cannot install $2"
}
ensure /usr/bin/time time
ensure rg ripgrep
if ((do_compromise)); then ensure node nodejs; ensure npm npm; fi
if ((do_callgrind)); then ensure valgrind valgrind; fi

# --- the binary: a snapshot, so that a concurrent rebuild cannot change it -------
nt=$work/newstag
cp "$newstag" "$nt"
if [ -f "$(dirname "$newstag")/CMakeCache.txt" ] && [ -z "${NEWSTAG_LEXICON_DIR:-}" ]; then
  # a build-tree binary reads the source lexicons; the copy is told where they are
  export NEWSTAG_LEXICON_DIR=$repo/lexicons
fi
# the lexicon snapshot cache of this run, made before anything is timed
export NEWSTAG_CACHE_DIR=$work/cache
rm -rf "$NEWSTAG_CACHE_DIR"
"$nt" -q /dev/null >/dev/null
if ! cmp -s <("$newstag" -q - <"$repo/tests/golden/records.jsonl") \
            <("$nt" -q - <"$repo/tests/golden/records.jsonl"); then
  die "the copy of $newstag does not behave like the original (lexicon folder?)"
fi
if "$nt" -j 2 -f jsonl - </dev/null >/dev/null 2>&1; then
  has_j=1
  j1=(-j 1)
  j2=(-j 2)
else
  has_j=0
  j1=()
  j2=()
  note "newstag rejects -j 2: newstag runs without -j (one row, labelled 'no -j')"
fi

bytes() { stat -c %s "$1"; }
mb() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1e6 }'; }

# prefix FILE N OUT: the first whole lines of FILE within N MB
prefix() {
  LC_ALL=C awk -v max="$(($2 * 1000000))" '{ s += length($0) + 1; if (s > max) exit; print }' \
    "$1" >"$3"
}

# One timed run is added to the runs of a KEY; summarize turns them into a
# row's figures.  Keeping the runs per KEY lets several measurements take turns
# (j1, j2, pair, j1, j2, pair, ...), so that a drift of the machine's speed
# reaches all of them alike.
declare -A ACC_T=() ACC_C=() ACC_R=()
cpu_us() { awk -F': ' '/User time|System time/ { s += $2 } END { printf "%d", s * 1e6 }' "$1"; }
rss_kb() { sed -n 's/.*Maximum resident set size (kbytes): *//p' "$1"; }

# run_once KEY IN CMD...: runs CMD once with stdin IN, stdout to /dev/null, and
# adds its wall time, user + system CPU time and peak RSS (/usr/bin/time -v) to
# KEY's runs.
run_once() {
  local key=$1 in=$2 t0 t1 r
  shift 2
  t0=$(date +%s%N)
  if ! /usr/bin/time -v -o "$work/time.txt" "$@" <"$in" >/dev/null 2>"$work/stderr.txt"; then
    note "failed: $* (stderr: $work/stderr.txt)"
    tail -n 3 "$work/stderr.txt" >&2
    return 1
  fi
  t1=$(date +%s%N)
  ACC_T[$key]+=" $(((t1 - t0) / 1000))"
  ACC_C[$key]+=" $(cpu_us "$work/time.txt")"
  r=$(rss_kb "$work/time.txt")
  if ((r > ${ACC_R[$key]:-0})); then ACC_R[$key]=$r; fi
}

# run_pair KEY IN CMD...: starts two copies of CMD at the same moment (each
# with stdin IN, stdout to /dev/null) and adds to KEY's runs the wall time
# until both have ended, the sum of their CPU times and the larger peak RSS.
run_pair() {
  local key=$1 in=$2 t0 t1 pa pb ra=0 rb=0 r x
  shift 2
  t0=$(date +%s%N)
  /usr/bin/time -v -o "$work/time.a.txt" "$@" <"$in" >/dev/null 2>"$work/stderr.a.txt" &
  pa=$!
  /usr/bin/time -v -o "$work/time.b.txt" "$@" <"$in" >/dev/null 2>"$work/stderr.b.txt" &
  pb=$!
  wait "$pa" || ra=$?
  wait "$pb" || rb=$?
  t1=$(date +%s%N)
  if ((ra || rb)); then
    note "failed: two at once: $* (stderr: $work/stderr.a.txt, $work/stderr.b.txt)"
    tail -n 3 "$work/stderr.a.txt" "$work/stderr.b.txt" >&2
    return 1
  fi
  ACC_T[$key]+=" $(((t1 - t0) / 1000))"
  ACC_C[$key]+=" $(($(cpu_us "$work/time.a.txt") + $(cpu_us "$work/time.b.txt")))"
  r=${ACC_R[$key]:-0}
  for x in "$(rss_kb "$work/time.a.txt")" "$(rss_kb "$work/time.b.txt")"; do
    if ((x > r)); then r=$x; fi
  done
  ACC_R[$key]=$r
}

# summarize KEY: sets T_MED (median wall seconds), T_ALL (every run), C_MED
# (median user + system CPU seconds) and RSS_KB (largest peak RSS over the
# runs) from KEY's runs, and forgets them.
median_s() { tr ' ' '\n' | awk NF | sort -n | awk '{ a[NR] = $1 }
    END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.4f", m / 1e6 }'; }
summarize() {
  local key=$1
  T_MED=$(median_s <<<"${ACC_T[$key]:-}")
  C_MED=$(median_s <<<"${ACC_C[$key]:-}")
  T_ALL=$(tr ' ' '\n' <<<"${ACC_T[$key]:-}" | awk 'NF { printf "%s%.3f", (n++ ? " " : ""), $1 / 1e6 }')
  RSS_KB=${ACC_R[$key]:-0}
  unset "ACC_T[$key]" "ACC_C[$key]" "ACC_R[$key]"
}

# timeit RUNS IN CMD...: runs CMD RUNS times (run_once) and summarizes them.
timeit() {
  local n=$1 in=$2 i
  shift 2
  for ((i = 0; i < n; i++)); do run_once timeit "$in" "$@" || { summarize timeit; return 1; }; done
  summarize timeit
}

# rows of the table
R_CORPUS=() R_TOOL=() R_FILE=() R_BYTES=() R_RUNS=() R_SEC=() R_CPU=() R_RSS=()
add_row() { # add_row CORPUS TOOL FILE RUNS [COPIES]: COPIES of FILE read per run (1)
  local b=$(($(bytes "$3") * ${5:-1}))
  R_CORPUS+=("$1") R_TOOL+=("$2") R_FILE+=("$3") R_BYTES+=("$b")
  R_RUNS+=("$4") R_SEC+=("$T_MED") R_CPU+=("$C_MED") R_RSS+=("$RSS_KB")
  printf 'bench: %-14s %-22s %8s MB  runs: %s s  CPU %s s  peak RSS %s KB\n' "$1" "$2" \
    "$(mb "$b")" "$T_ALL" "$C_MED" "$RSS_KB" >&2
}
wide() { # wide WIDTH TEXT: the printf width that pads TEXT to WIDTH characters (× is 2 bytes)
  echo $(($1 + $(printf %s "$2" | wc -c) - ${#2}))
}
ratio() { # ratio A B: A / B with about three significant digits
  awk -v a="$1" -v b="$2" 'BEGIN { x = a / b
    printf (x >= 100 ? "%.0f" : x >= 10 ? "%.1f" : x >= 0.1 ? "%.2f" : "%.4f"), x }'
}
mbs_of() { awk -v b="${R_BYTES[$1]}" -v s="${R_SEC[$1]}" 'BEGIN { printf "%.2f", b / 1e6 / s }'; }
row_of() { # row_of TOOL FILE: index of that row, or nothing
  local i
  for i in "${!R_TOOL[@]}"; do
    if [ "${R_TOOL[$i]}" = "$1" ] && [ "${R_FILE[$i]}" = "$2" ]; then echo "$i"; return; fi
  done
}

fuzzers() { pgrep -fa 'fuzz_' 2>/dev/null | cut -c1-100 || true; }

# --- the machine ----------------------------------------------------------------
machine() {
  echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sort -u | head -1)," \
    "$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(uname -sr)"
  echo "newstag: $("$nt" --version 2>&1 | sed -n 1p) ($newstag, copied to $nt), -j supported: $((has_j)) "
  echo "rg: $(rg --version | sed -n 1p); node: $(node --version 2>/dev/null || echo none)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  local f
  f=$(fuzzers)
  if [ -n "$f" ]; then
    echo "NOTE: fuzzers were running during this benchmark (each keeps a core busy):"
    echo "$f" | sed 's/^/  /'
  fi
}
machine | tee "$work/machine.txt"

# --- the inputs ----------------------------------------------------------------------
awk -F'\t' '$1 == "alias" && $3 != "" { print $3 }' "$repo"/lexicons/*.tsv | sort -u >"$work/aliases.txt"
note "$(wc -l <"$work/aliases.txt") distinct alias texts from lexicons/*.tsv -> $work/aliases.txt"
names=(reuters21578 bbc-news)
files=("$reuters" "$bbc")
pfiles=()
for i in 0 1; do
  prefix "${files[$i]}" "$prefix_mb" "$work/${names[$i]}.prefix.jsonl"
  pfiles+=("$work/${names[$i]}.prefix.jsonl")
done

if ((do_compromise)); then
  cdir=$work/npm
  if [ "$(node -e "try{console.log(require('$cdir/node_modules/compromise/package.json').version)}catch(e){}")" \
    != "$compromise_version" ]; then
    note "npm install --prefix $cdir compromise@$compromise_version"
    npm install --silent --prefix "$cdir" "compromise@$compromise_version" >/dev/null ||
      die "npm install compromise failed"
  fi
  peer=$repo/../shared/eval/peers/compromise_tag.mjs
  [ -r "$peer" ] || die "cannot read $peer"
fi

# --- the measurements -----------------------------------------------------------------
jlabel1="newstag -j1"
jlabel2="newstag -j2"
jlabel_pair="2 × newstag -j1 (together)"
((has_j)) || jlabel1="newstag (no -j)" jlabel_pair="2 × newstag (no -j) (together)"
for i in 0 1; do
  c=${names[$i]} f=${files[$i]} p=${pfiles[$i]}
  timeit "$runs" /dev/null cat "$f" && add_row "$c" "cat" "$f" "$runs"
  timeit "$runs" /dev/null rg -F -w -i --count-matches -f "$work/aliases.txt" "$f" &&
    add_row "$c" "rg -F -w -i (aliases)" "$f" "$runs"
  # newstag -j1, -j2 and two -j1 at once take turns, run by run
  ok1=1 ok2=$has_j okp=1
  for ((run = 0; run < runs; run++)); do
    ((ok1)) && { run_once j1 /dev/null "$nt" "${j1[@]}" -q "$f" || ok1=0; }
    ((ok2)) && { run_once j2 /dev/null "$nt" "${j2[@]}" -q "$f" || ok2=0; }
    ((okp)) && { run_pair pair /dev/null "$nt" "${j1[@]}" -q "$f" || okp=0; }
  done
  summarize j1 && ((ok1)) && add_row "$c" "$jlabel1" "$f" "$runs"
  summarize j2 && ((ok2)) && add_row "$c" "$jlabel2" "$f" "$runs"
  summarize pair && ((okp)) && add_row "$c" "$jlabel_pair" "$f" "$runs" 2
  if ((has_j)); then
    # the same bytes either way
    "$nt" "${j1[@]}" -q "$f" >"$work/out.j1"
    "$nt" "${j2[@]}" -q "$f" >"$work/out.j2"
    if cmp -s "$work/out.j1" "$work/out.j2"; then jsame[$i]=yes; else jsame[$i]=NO; fi
    rm -f "$work/out.j1" "$work/out.j2"
  fi
  if ((do_compromise)); then
    # newstag's runs on the prefix take turns with compromise's (about
    # runs / peer-runs of them before each of compromise's), so that the
    # ratio compares runs made while the machine was in the same mood
    cp_label="$c:${prefix_mb}MB"
    okn=1 okc=1 done_n=0 per=$(((runs + peer_runs - 1) / peer_runs))
    for ((run = 0; run < peer_runs || done_n < runs; run++)); do
      for ((k = 0; k < per && done_n < runs; k++, done_n++)); do
        ((okn)) && { run_once pn /dev/null "$nt" "${j1[@]}" -q "$p" || okn=0; }
      done
      ((run < peer_runs && okc)) &&
        { run_once pc "$p" env COMPROMISE_DIR="$cdir" node "$peer" || okc=0; }
    done
    summarize pn && ((okn)) && add_row "$cp_label" "$jlabel1" "$p" "$runs"
    summarize pc && ((okc)) && add_row "$cp_label" "compromise $compromise_version" "$p" "$peer_runs"
  fi
done
timeit "$runs" /dev/null "$nt" "${j1[@]}" -q -f jsonl - && startup=$T_MED startup_rss=$RSS_KB
# start-up as the issue counts it: to the first output line, from the
# snapshot cache, for one record without and one with a weapon system (that
# one compiles the relation rules it tries: a snapshot's compile on first use)
printf '{"text":"Talks between France and Germany resumed on Monday."}\n' >"$work/plain.jsonl"
printf '{"text":"Russia delivered S-400 systems to India on Monday."}\n' >"$work/arms.jsonl"
read -r first_plain exit_plain < <(python3 "$repo/bench/first_line.py" 21 "$nt" -q "$work/plain.jsonl")
read -r first_arms exit_arms < <(python3 "$repo/bench/first_line.py" 21 "$nt" -q "$work/arms.jsonl")
read -r first_text _ < <(NEWSTAG_NO_CACHE=1 python3 "$repo/bench/first_line.py" 11 "$nt" -q "$work/plain.jsonl")

# --- callgrind: instructions per MB --------------------------------------------
cg_lines=()
if ((do_callgrind)); then
  collected() { # collected IN: instructions of newstag -j1 on IN
    NEWSTAG_NO_JIT=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
      "$nt" "${j1[@]}" -q -f jsonl - <"$1" 2>&1 >/dev/null |
      sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
  }
  base=$(collected /dev/null)
  for i in 0 1; do
    p=${pfiles[$i]}
    ir=$(collected "$p")
    cg_lines+=("$(awk -v c="${names[$i]}" -v ir="$ir" -v base="$base" -v b="$(bytes "$p")" 'BEGIN {
      printf "%-14s %5.2f MB: %7.0f M Ir in all, %6.0f M Ir/MB; after start-up %6.0f M Ir/MB (= Ir/byte)",
        c, b / 1e6, ir / 1e6, ir / b, (ir - base) / b }')")
  done
fi

# --- big file -----------------------------------------------------------------------
big_lines=()
if ((big)); then
  bigf=$work/big.jsonl
  target=$((big_mb * 1000000))
  if [ ! -f "$bigf" ] || (($(bytes "$bigf") < target)); then
    note "writing $bigf (~$big_mb MB, the corpora repeated)"
    : >"$bigf"
    while (($(bytes "$bigf") < target)); do
      for f in "$corpora"/*.jsonl; do
        cat "$f" >>"$bigf"
        [ -z "$(tail -c 1 "$f")" ] || echo >>"$bigf"
      done
    done
  fi
  nrec=$(grep -c . "$bigf")
  runbig() { # runbig LABEL ARGS...
    local label=$1 t0 t1 n r
    shift
    t0=$(date +%s%N)
    /usr/bin/time -v -o "$work/time.txt" "$nt" "$@" -q "$bigf" | wc -l >"$work/count.txt"
    t1=$(date +%s%N)
    n=$(cat "$work/count.txt")
    r=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$work/time.txt")
    big_lines+=("$(awk -v l="$label" -v b="$(bytes "$bigf")" -v t="$(((t1 - t0) / 1000))" -v r="$r" \
      -v n="$n" -v want="$nrec" 'BEGIN {
      printf "%-16s %8.1f MB  %7.1f s  %7.2f MB/s  peak RSS %6.1f MB (target <= 64: %s)  %d of %d records out",
        l, b / 1e6, t / 1e6, b / t, r / 1024, (r / 1024 <= 64 ? "met" : "NOT MET"), n, want }')")
  }
  runbig "$jlabel1" "${j1[@]}"
  ((has_j)) && runbig "$jlabel2" "${j2[@]}"
  ((keep)) || rm -f "$bigf"
fi

# --- the table ------------------------------------------------------------------------
{
  echo
  printf '%-16s %-27s %8s %4s %9s %9s %8s %9s %8s %8s %8s\n' corpus tool "input MB" runs "median s" \
    "MB/s" "CPU s" "MB/CPU-s" "j1 ×" "j2 ×" "RSS MB"
  for i in "${!R_TOOL[@]}"; do
    k1=$(row_of "$jlabel1" "${R_FILE[$i]}")
    k2=$(row_of "$jlabel2" "${R_FILE[$i]}")
    m=$(mbs_of "$i")
    x1=- x2=-
    [ -n "$k1" ] && x1=$(ratio "$(mbs_of "$k1")" "$m")
    [ -n "$k2" ] && x2=$(ratio "$(mbs_of "$k2")" "$m")
    printf '%-16s %-*s %8s %4s %9.3f %9s %8.3f %9s %8s %8s %8.1f\n' "${R_CORPUS[$i]}" \
      "$(wide 27 "${R_TOOL[$i]}")" "${R_TOOL[$i]}" \
      "$(mb "${R_BYTES[$i]}")" "${R_RUNS[$i]}" "${R_SEC[$i]}" "$m" "${R_CPU[$i]}" \
      "$(awk -v b="${R_BYTES[$i]}" -v c="${R_CPU[$i]}" 'BEGIN { printf (c > 0 ? "%.2f" : "-"), b / 1e6 / (c > 0 ? c : 1) }')" \
      "$x1" "$x2" \
      "$(awk -v r="${R_RSS[$i]}" 'BEGIN { print r / 1024 }')"
  done
  echo "(j1 × / j2 × = newstag -j1 / -j2 MB/s on the same input divided by this row's MB/s;"
  echo " MB = 10^6 bytes; median wall time of 'runs' runs; CPU s = median user+system CPU time;"
  echo " MB/CPU-s = MB per CPU second, less sensitive to other load; RSS = largest peak RSS, /usr/bin/time -v)"
  printf 'newstag start-up (lexicon load, empty input): %.3f s, peak RSS %.1f MB\n' \
    "${startup:-0}" "$(awk -v r="${startup_rss:-0}" 'BEGIN { print r / 1024 }')"
  printf 'start-up to the first output line (median of 21): %s ms (exit %s ms) for a record without a weapon, %s ms (exit %s ms) with one; %s ms from the text lexicons (--no-cache); target <= 20 ms\n' \
    "$first_plain" "$exit_plain" "$first_arms" "$exit_arms" "$first_text"
  if ((has_j)); then
    echo "-j1 and -j2 output byte-identical: reuters21578 ${jsame[0]}, bbc-news ${jsame[1]}"
  else
    echo "NOTE: newstag rejected -j 2; it ran without -j and there is no -j2 row"
  fi
  for i in 0 1; do
    k1=$(row_of "$jlabel1" "${files[$i]}")
    kp=$(row_of "$jlabel_pair" "${files[$i]}")
    [ -n "$k1" ] && [ -n "$kp" ] || continue
    k2=$(row_of "$jlabel2" "${files[$i]}")
    awk -v c="${names[$i]}" -v j1="$(mbs_of "$k1")" -v p="$(mbs_of "$kp")" \
      -v j2="${k2:+$(mbs_of "$k2")}" -v l1="$jlabel1" 'BEGIN {
      w = (l1 ~ /-j1/ ? "-j1" : "newstag")
      printf "%s: parallel ceiling of this machine: two independent %s runs give %.2f× one %s run",
        c, w, p / j1, w
      if (j2 != "") printf "; newstag -j2 gives %.2f× (%.0f %% of the ceiling)", j2 / j1, 100 * j2 / p
      printf "\n" }'
  done
  if ((${#cg_lines[@]})); then
    echo
    echo "callgrind, newstag -j1, NEWSTAG_NO_JIT=1, ${prefix_mb} MB prefix" \
      "(start-up on empty input: $(awk -v b="$base" 'BEGIN { printf "%.0f", b / 1e6 }') M Ir):"
    printf '  %s\n' "${cg_lines[@]}"
  fi
  if ((${#big_lines[@]})); then
    echo
    echo "big file ($nrec records):"
    printf '  %s\n' "${big_lines[@]}"
  fi

  echo
  echo "targets:"
  verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v + 0 >= t + 0) ? "met" : "NOT MET" }'; }
  for i in 0 1; do
    k1=$(row_of "$jlabel1" "${files[$i]}")
    kr=$(row_of "rg -F -w -i (aliases)" "${files[$i]}")
    [ -n "$k1" ] || continue
    v=$(mbs_of "$k1")
    vc=$(awk -v b="${R_BYTES[$k1]}" -v c="${R_CPU[$k1]}" 'BEGIN { printf "%.2f", b / 1e6 / c }')
    echo "  ${names[$i]}: >= 150 MB/s per core end to end: $v MB/s ($vc MB per CPU second)" \
      "-> $(verdict "$v" 150)"
    if [ -n "$kr" ]; then
      v2=$(awk -v a="$v" -v b="$(mbs_of "$kr")" 'BEGIN { printf "%.2f", a / b }')
      echo "  ${names[$i]}: faster than rg with the same aliases: ${v2}× -> $(verdict "$v2" 1.0001)"
    fi
    kc=$(row_of "compromise $compromise_version" "${pfiles[$i]}")
    kp=$(row_of "$jlabel1" "${pfiles[$i]}")
    if [ -n "$kc" ] && [ -n "$kp" ]; then
      v2=$(awk -v a="$(mbs_of "$kp")" -v b="$(mbs_of "$kc")" 'BEGIN { printf "%.0f", a / b }')
      echo "  ${names[$i]}: >= 500× compromise (${prefix_mb} MB prefix): ${v2}× -> $(verdict "$v2" 500)"
    fi
    k2=$(row_of "$jlabel2" "${files[$i]}")
    if [ -n "$k2" ]; then
      v2=$(awk -v a="$(mbs_of "$k2")" -v b="$v" 'BEGIN { printf "%.2f", a / b }')
      kp=$(row_of "$jlabel_pair" "${files[$i]}") ceil=
      [ -z "$kp" ] || ceil=$(awk -v a="$(mbs_of "$kp")" -v b="$v" \
        'BEGIN { printf " (the ceiling of this machine, two -j1 at once: %.2f×)", a / b }')
      echo "  ${names[$i]}: -j2 >= 1.8× -j1: ${v2}× -> $(verdict "$v2" 1.8)$ceil"
    fi
  done
  if ((${#big_lines[@]})); then
    echo "  peak RSS <= 64 MB on ${big_mb} MB: see 'big file' above"
  fi
  f=$(fuzzers)
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)${f:+; a fuzzer was still running}"
} | tee "$work/results.txt"

if ((dist)); then
  echo
  dargs=(--newstag "$nt" --corpora "$corpora" --work "$work" --mb "$dist_mb")
  ((keep)) && dargs+=(--keep)
  "$here/distributed.sh" "${dargs[@]}"
fi
