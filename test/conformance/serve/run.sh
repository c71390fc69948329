#!/usr/bin/env bash
# `vsim serve` as a user starts it, judged by curl: vcsim's first line, its flags, HTTP and HTTPS.
set -u
. "$(dirname "$0")/../lib.sh"
need_packages curl

json_field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=process.argv[1].split(".").reduce((o,k)=>o?.[k],JSON.parse(s));console.log(v)})' "$1"; }

start_vsim
check "first line is vcsim's export with user:pass over https" matches "$URL" '^https://user:pass@127\.0\.0\.1:[0-9]+/sdk$'
check "GET /about over HTTPS (shipped loopback certificate)" \
  test "$(curl -sf --cacert "$root/packages/vsim/certs/loopback-cert.pem" "$BASE/about" | json_field inventory.virtualMachines)" = 4
check "default inventory: 4 hosts, 1 cluster, 1 datastore" \
  test "$(curl -skf "$BASE/about" | json_field inventory.hosts)/$(curl -skf "$BASE/about" | json_field inventory.clusters)/$(curl -skf "$BASE/about" | json_field inventory.datastores)" = 4/1/1
check "unknown path answers 404" test "$(curl -sk -o /dev/null -w '%{http_code}' "$BASE/nope")" = 404

start_vsim -tls=false -dc 2 -vm 3 -username alice -password secret
check "-tls=false serves plain HTTP with the given credentials" matches "$URL" '^http://alice:secret@127\.0\.0\.1:[0-9]+/sdk$'
check "-dc 2 -vm 3 builds 2 x 3 x 2 = 12 VMs" test "$(curl -sf "$BASE/about" | json_field inventory.virtualMachines)" = 12

start_vsim --tls=false --api-version=7.0.3
check "--flag=value with two dashes" test "$(curl -sf "$BASE/about" | json_field vcenter.version)" = 7.0.3

state=$(mktemp --suffix=.json)
(cd "$root" && node --input-type=module -e "
  import { writeFileSync } from 'node:fs';
  import { createSimulator, serializeState } from 'vsim';
  const sim = await createSimulator({ seed: 9, inventory: { vm: 7 } });
  writeFileSync('$state', serializeState(sim.vsphere));
  await sim.close();")
start_vsim -tls=false -load "$state"
check "-load starts from a state saved in-process (14 VMs)" test "$(curl -sf "$BASE/about" | json_field inventory.virtualMachines)" = 14

check "an unknown flag exits 2 with Go's message" bash -c \
  "node '$root/packages/vsim/dist/cli.js' serve -nope 2>&1 >/dev/null | grep -q 'flag provided but not defined: -nope'; test \${PIPESTATUS[0]} = 2"

summary
