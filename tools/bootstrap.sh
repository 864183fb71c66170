#!/bin/sh
# bootstrap.sh [--test] - installs what is missing (Debian 12, as root),
# configures, builds and installs newstag.  Used by the README's quick start
# and by CI.  --test also installs what only the tests use (valgrind for
# memcheck, chromium for the review page test).
#   BUILD_DIR   build directory (default: build)
#   PREFIX      install prefix (default: /usr/local)
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
PREFIX=${PREFIX:-/usr/local}
pkgs="build-essential cmake pkg-config libpcre2-dev libutf8proc-dev libcjson-dev python3"
if [ "${1:-}" = "--test" ]; then
  pkgs="$pkgs valgrind chromium"
fi
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "bootstrap: installing$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DNEWSTAG_WERROR=ON >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
cmake --install "$BUILD_DIR" >/dev/null
ldconfig 2>/dev/null || true
