#!/usr/bin/env bash
# pyvmomi (Debian's python3-pyvmomi 6.7.1) against `vsim serve`: the same checks over HTTP
# (SoapStubAdapter, vim25/6.5) and HTTPS (SmartConnect, version negotiated from
# /sdk/vimServiceVersions.xml). checks.py prints one line per check and its own total;
# this script adds the two totals into its final `N passed, M failed`.
set -u
. "$(dirname "$0")/../lib.sh"
need_packages python3-pyvmomi

here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3

# Runs checks.py over `scheme` against the last started server; adds its totals to passed/failed.
run_checks() {
  local scheme=$1 hostport host port user pass out line
  hostport=$(echo "$URL" | sed 's#^[a-z]*://[^@]*@##; s#/sdk$##')
  host=${hostport%:*}
  port=${hostport##*:}
  user=$(echo "$URL" | sed 's#^[a-z]*://\([^:]*\):.*#\1#')
  pass=$(echo "$URL" | sed 's#^[a-z]*://[^:]*:\([^@]*\)@.*#\1#')
  out=$(mktemp)
  timeout 40 "$py" "$here/checks.py" "$scheme" "$host" "$port" "$user" "$pass" >"$out" 2>&1
  sed "s/^/[$scheme] /" "$out"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)
  if [ -z "$line" ]; then
    echo "[$scheme] FAIL checks.py ended without a summary: $(tail -3 "$out")"
    failed=$((failed + 1))
  else
    passed=$((passed + ${line%% passed*}))
    failed=$((failed + $(echo "$line" | sed 's/.*passed, \([0-9]*\) failed/\1/')))
  fi
  rm -f "$out"
}

# Starts a server with the given flags and runs the checks over `scheme`.
run_over() {
  local scheme=$1
  shift
  if ! start_vsim "$@"; then
    echo "FAIL $scheme: vsim serve did not start"
    failed=$((failed + 1))
    return
  fi
  check "$scheme: vsim serve answers on $scheme://" matches "$URL" "^$scheme://"
  run_checks "$scheme"
}

run_over http -tls=false
run_over https

summary
