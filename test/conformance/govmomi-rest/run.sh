#!/usr/bin/env bash
# govmomi 0.24.2's REST clients (Debian's golang-github-vmware-govmomi-dev: vapi/rest,
# vapi/tags, vapi/library, vapi/vcenter) against `vsim serve`, the way govc's tags.*,
# library.* and library.deploy commands use them: a SOAP login first, then a REST session
# (Basic credentials, or LoginByToken from the SOAP session); tag categories, tags and
# associations with their refusals; libraries and items, a file pushed through an update
# session, and an OVF item deployed as a VM that SOAP then finds. The checks are one Go
# program (src/restconformance) built in GOPATH mode; it runs over HTTP and over HTTPS
# (certificate not verified) against a fresh default inventory each time.
#
#   VCSIM_REFERENCE=1  also run the checks against govmomi's own vcsim with its REST endpoints,
#                      for reference only: its results are printed, never counted
set -u
. "$(dirname "$0")/../lib.sh"
need_packages golang-go golang-github-vmware-govmomi-dev

here=$(cd "$(dirname "$0")" && pwd)
work=$root/test/conformance/.work/govmomi-rest
mkdir -p "$work"
go_build restconformance

run_client() { run_counted "$1" timeout 25 "$work/restconformance" -url "$URL" -k; }
over_http_and_https run_client

# govmomi's own simulator is in the same Debian package; it is a reference, never a dependency.
if [ "${VCSIM_REFERENCE:-}" = 1 ]; then
  if go build -o "$work/vcsimrest" vcsimrest 2>"$work/vcsimrest.log"; then
    out=$(mktemp)
    "$work/vcsimrest" -tls=false >"$out" 2>/dev/null &
    ref_pid=$!
    for _ in $(seq 1 100); do
      [ -s "$out" ] && break
      sleep 0.1
    done
    ref_url=$(sed -n 's/^export GOVC_URL=\([^ ]*\) .*/\1/p' "$out")
    echo "reference: the same checks against vcsim 0.24.2 at $ref_url (not counted)"
    timeout 25 "$work/restconformance" -url "$ref_url" -k 2>&1 | sed 's/^/reference vcsim: /'
    kill "$ref_pid" 2>/dev/null
  else
    echo "reference: vcsim did not build: $(head -n 3 "$work/vcsimrest.log")"
  fi
else
  echo "note: govmomi's vcsim with its REST endpoints is available as a reference (VCSIM_REFERENCE=1); not run, not counted"
fi

summary
