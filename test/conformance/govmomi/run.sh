#!/usr/bin/env bash
# govmomi 0.24.2 (Debian's golang-github-vmware-govmomi-dev) against `vsim serve`, driven the
# way govc drives vCenter: sessions, finder paths, property collector, views, waits, VM
# tasks, search index, task and event history, snapshots, host maintenance and connection,
# guest customization, custom fields, event history collectors, faults. The checks are one Go
# program (src/conformance) built in GOPATH mode; it runs over HTTP and over HTTPS (certificate
# not verified, as with vcsim) against a fresh default inventory each time.
#
#   VCSIM_REFERENCE=1  also run the checks against govmomi's own vcsim, for reference only:
#                      its results are printed, never counted (vcsim 0.24.2 is wrong in places)
set -u
. "$(dirname "$0")/../lib.sh"
need_packages golang-go golang-github-vmware-govmomi-dev

here=$(cd "$(dirname "$0")" && pwd)
work=$root/test/conformance/.work/govmomi
mkdir -p "$work"
go_build conformance

run_client() { run_counted "$1" timeout 120 "$work/conformance" -url "$URL" -k; }
over_http_and_https run_client

# govmomi's own simulator is in the same Debian package; it is a reference, never a dependency.
if go list github.com/vmware/govmomi/simulator >/dev/null 2>&1; then
  if [ "${VCSIM_REFERENCE:-}" = 1 ]; then
    if go build -o "$work/vcsimref" vcsimref 2>"$work/vcsimref.log"; then
      out=$(mktemp)
      "$work/vcsimref" -tls=false >"$out" 2>/dev/null &
      ref_pid=$!
      for _ in $(seq 1 100); do
        [ -s "$out" ] && break
        sleep 0.1
      done
      ref_url=$(sed -n 's/^export GOVC_URL=\([^ ]*\) .*/\1/p' "$out")
      echo "reference: the same checks against vcsim 0.24.2 at $ref_url (not counted)"
      timeout 120 "$work/conformance" -url "$ref_url" -k 2>&1 | sed 's/^/reference vcsim: /'
      kill "$ref_pid" 2>/dev/null
    else
      echo "reference: vcsim did not build: $(head -n 3 "$work/vcsimref.log")"
    fi
  else
    echo "note: govmomi's vcsim is available as a reference (VCSIM_REFERENCE=1); not run, not counted"
  fi
fi

summary
