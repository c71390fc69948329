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

# Runs checks.py over `scheme` against the last started server.
# `run_checks LABEL admission` runs the checks of a server started with -admission-control.
run_checks() {
  local scheme=$1 hostport user pass
  hostport=$(echo "$URL" | sed 's#^[a-z]*://[^@]*@##; s#/sdk$##')
  user=$(echo "$URL" | sed 's#^[a-z]*://\([^:]*\):.*#\1#')
  pass=$(echo "$URL" | sed 's#^[a-z]*://[^:]*:\([^@]*\)@.*#\1#')
  run_counted "$scheme" timeout 40 "$py" "$here/checks.py" "${URL%%://*}" "${hostport%:*}" "${hostport##*:}" "$user" "$pass" ${2:+"$2"}
}

over_http_and_https run_checks

if start_vsim -tls=false -admission-control; then
  run_checks admission admission
else
  check "vsim serve -admission-control starts" false
fi

summary
