#!/usr/bin/env bash
# govmomi 0.24.2 (Debian's golang-github-vmware-govmomi-dev) against `vsim serve`, driven the
# way govc drives vCenter: sessions, finder paths, property collector, views, waits, VM
# tasks, search index, task and event history, snapshots, host maintenance and connection,
# guest customization, custom fields, event history collectors, datastore files (FileManager
# and /folder uploads and downloads, with service tickets, its listings), standalone virtual disks (VirtualDiskManager), a host's
# configManager (NFS datastores, standard switches and portgroups, the clock, the firewall), key
# providers and VM encryption (CryptoManagerKmip, a virtual TPM), faults.
# The checks are one Go program (src/conformance) built in GOPATH mode; it runs over HTTP and
# over HTTPS (certificate not verified, as with vcsim) against a fresh default inventory each time.
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
vcsim_reference vcsimref conformance 120

summary
