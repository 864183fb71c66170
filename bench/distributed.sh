#!/usr/bin/env bash
# bench/distributed.sh [OPTIONS] - newstag beyond one process: GNU parallel
# --pipe --block 10M --keep-order over one big JSON Lines file, locally and
# across "hosts" with --sshlogin against a throwaway sshd on 127.0.0.1, each
# checked against a single run.  Chunks number their lines from 1, so the
# top-level "line" field is removed (bench/strip_line.py) before comparing;
# every other byte must be identical.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
corpora=$repo/../shared/corpora
newstag=$repo/build/newstag
work=/tmp/newstag-bench
input=
mb=200
port=
keep=0

usage() {
  cat <<EOF
Usage: bench/distributed.sh [OPTIONS]

  --newstag FILE  binary (default: build/newstag)
  --input FILE    JSON Lines input (default: the corpora repeated to --mb MB
                  in the work folder)
  --mb N          size of the generated input (default 200)
  --corpora DIR   corpora to repeat (default: ../shared/corpora)
  --work DIR      scratch folder outside the repository (default /tmp/newstag-bench)
  --port N        sshd port on 127.0.0.1 (default: the first free one from 22022)
  --keep          keep the generated input
EOF
}
die() { echo "distributed: error: $*" >&2; exit 2; }
note() { echo "distributed: $*" >&2; }

while (($#)); do
  case $1 in
    --newstag) newstag=${2:?}; shift 2 ;;
    --input) input=${2:?}; shift 2 ;;
    --mb) mb=${2:?}; shift 2 ;;
    --corpora) corpora=${2:?}; shift 2 ;;
    --work) work=${2:?}; shift 2 ;;
    --port) port=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
[ -x "$newstag" ] || die "no executable $newstag"
newstag=$(cd "$(dirname "$newstag")" && pwd)/$(basename "$newstag")
mkdir -p "$work"
work=$(cd "$work" && pwd)
case "$work/" in "$repo"/*) die "the work folder must not be inside the repository" ;; esac
if [ -f "$(dirname "$newstag")/CMakeCache.txt" ] || [ "$newstag" = "$work/newstag" ]; then
  # a build-tree binary reads the source lexicons; its copy is told where they are
  export NEWSTAG_LEXICON_DIR=${NEWSTAG_LEXICON_DIR:-$repo/lexicons}
fi
if [ "$newstag" != "$work/newstag" ]; then
  # a snapshot, so that a concurrent rebuild cannot change the binary mid-run
  cp "$newstag" "$work/newstag.dist"
  newstag=$work/newstag.dist
fi

ensure() { # ensure COMMAND DEBIAN-PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  [ "$(id -u)" = 0 ] || die "$1 is missing: install the Debian package $2"
  note "installing the Debian package $2"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "$2" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && apt-get install -y -qq "$2" >/dev/null; } ||
    die "cannot install $2"
}
ensure parallel parallel
ensure /usr/sbin/sshd openssh-server
ensure ssh openssh-client
ensure python3 python3

# one chunk = one newstag process; -j1 inside it when -j exists (parallel
# gives the parallelism), --format jsonl because a chunk may begin with a
# malformed line, and auto-detection would then read the chunk as one text
jflag=
"$newstag" -j 1 -f jsonl - </dev/null >/dev/null 2>&1 && jflag="-j 1"
cmd="$newstag $jflag -q -f jsonl -"

generated=0
if [ -z "$input" ]; then
  input=$work/dist.jsonl
  target=$((mb * 1000000))
  if [ ! -f "$input" ] || (($(stat -c %s "$input") < target)); then
    note "writing $input (~$mb MB, the corpora repeated)"
    : >"$input"
    while (($(stat -c %s "$input") < target)); do
      for f in "$corpora"/*.jsonl; do
        cat "$f" >>"$input"
        [ -z "$(tail -c 1 "$f")" ] || echo >>"$input"
      done
    done
    generated=1
  fi
fi
size=$(stat -c %s "$input")

# sshd on loopback with its own config, keys and pid in a throwaway folder
sd=$(mktemp -d /tmp/newstag-sshd.XXXXXX)
sshd_pid=
cleanup() {
  if [ -n "$sshd_pid" ]; then kill "$sshd_pid" 2>/dev/null || true; wait "$sshd_pid" 2>/dev/null || true; fi
  rm -rf "$sd"
  if ((generated)) && ((!keep)); then rm -f "$input"; fi
  rm -f "$work"/dist.*.out "$work/newstag.dist"
}
trap cleanup EXIT
if [ -z "$port" ]; then
  port=22022
  while ss -ltn 2>/dev/null | awk '{ print $4 }' | grep -q ":$port\$"; do port=$((port + 1)); done
fi
ssh-keygen -q -t ed25519 -N '' -f "$sd/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$sd/user_key"
cp "$sd/user_key.pub" "$sd/authorized_keys"
chmod 600 "$sd/authorized_keys"
cat >"$sd/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $sd/host_key
PidFile $sd/sshd.pid
AuthorizedKeysFile $sd/authorized_keys
AllowUsers $(id -un)
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
MaxStartups 64
MaxSessions 64
LogLevel ERROR
EOF
[ "$(id -u)" != 0 ] || mkdir -p /run/sshd # privilege separation folder
/usr/sbin/sshd -D -e -f "$sd/sshd_config" 2>"$sd/sshd.log" &
sshd_pid=$!
ssh_cmd="ssh -p $port -i $sd/user_key -o IdentitiesOnly=yes -o BatchMode=yes \
-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
ok=0
for _ in $(seq 50); do
  if $ssh_cmd 127.0.0.1 true 2>/dev/null; then ok=1; break; fi
  sleep 0.2
done
((ok)) || { cat "$sd/sshd.log" >&2; die "sshd on 127.0.0.1:$port does not answer"; }
# the remote side must find the lexicons as well
remote="NEWSTAG_LEXICON_DIR=${NEWSTAG_LEXICON_DIR:-} $cmd"
[ -n "${NEWSTAG_LEXICON_DIR:-}" ] || remote=$cmd

timed() { # timed OUT CMD...: runs CMD < input > OUT, prints wall seconds
  local out=$1 t0 t1
  shift
  t0=$(date +%s%N)
  "$@" <"$input" >"$out"
  t1=$(date +%s%N)
  awk -v t="$(((t1 - t0) / 1000))" 'BEGIN { printf "%.2f", t / 1e6 }'
}

note "single run, local parallel, ssh parallel on $input ($((size / 1000000)) MB)"
ts=$(timed "$work/dist.single.out" $cmd)
tl=$(timed "$work/dist.local.out" parallel --will-cite --pipe --block 10M --keep-order -j 2 $cmd)
tr=$(timed "$work/dist.ssh.out" parallel --will-cite --pipe --block 10M --keep-order \
  --ssh "$ssh_cmd" --sshlogin 2/127.0.0.1 "$remote")

python3 "$here/strip_line.py" <"$work/dist.single.out" >"$work/dist.single.s.out"
result() { # result LABEL SECONDS OUT
  local same raw
  python3 "$here/strip_line.py" <"$3" >"$3.s" && cmp -s "$work/dist.single.s.out" "$3.s" &&
    same="identical apart from \"line\"" ||
    same="DIFFERENT: $(cmp "$work/dist.single.s.out" "$3.s" 2>&1 | head -1)"
  cmp -s "$work/dist.single.out" "$3" && raw="byte-identical" || raw="raw bytes differ"
  awk -v l="$1" -v t="$2" -v b="$size" -v n="$(wc -l <"$3")" -v s="$same" -v r="$raw" 'BEGIN {
    printf "  %-34s %7.2f s %7.2f MB/s  %8d records  %s (%s)\n", l, t, b / 1e6 / t, n, s, r }'
  rm -f "$3.s"
}
{
  echo "distributed: $((size / 1000000)) MB, $(grep -c . "$input") records, newstag command: $cmd"
  [ -n "$(pgrep -f fuzz_ || true)" ] && echo "  (fuzzers were running: $(pgrep -f fuzz_ | wc -l) processes, each keeps a core busy)"
  result "single run" "$ts" "$work/dist.single.out"
  result "parallel --pipe -j 2 (local)" "$tl" "$work/dist.local.out"
  result "parallel --sshlogin 2/127.0.0.1" "$tr" "$work/dist.ssh.out"
} | tee "$work/distributed.txt"
rm -f "$work/dist.single.s.out"
