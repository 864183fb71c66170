# lib.sh - shared by the shell tests: a temporary folder removed at exit,
# check DESCRIPTION COMMAND... (counts, and names what failed), and finish
# (prints the "N passed, M failed" line and sets the exit status).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

check() {
  local what=$1
  shift
  if "$@"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: $what" >&2
  fi
}

# check_quiet DESCRIPTION COMMAND...: like check, with the command's output
# kept out of the way and shown (its last lines) only when it fails
check_quiet() {
  local what=$1
  shift
  if "$@" >"$tmp/log" 2>&1; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: $what" >&2
    tail -20 "$tmp/log" >&2
  fi
}

finish() {
  echo "$pass passed, $fail failed"
  test "$fail" -eq 0
}
