#!/usr/bin/env bash
# govmomi 0.24.2's REST clients (Debian's golang-github-vmware-govmomi-dev: vapi/rest,
# vapi/tags, vapi/library, vapi/vcenter, vapi/cluster) against `vsim serve`, the way govc's
# tags.*, library.* and library.deploy commands and vm-operator use them: a SOAP login first,
# then a REST session (Basic credentials, or LoginByToken from the SOAP session); tag
# categories, tags and associations with their refusals; libraries and items, a file pushed
# through an update session, an OVF item deployed as a VM that SOAP then finds, and that VM
# captured with an activation id whose task SOAP finds, as vm-operator finds it; a VM captured
# as a VM template item, its template read and deployed as a VM SOAP finds, the item's deletion
# taking the template VM along; a cluster module with its members and refusals. The checks are one Go
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
vcsim_reference vcsimrest restconformance 25

summary
