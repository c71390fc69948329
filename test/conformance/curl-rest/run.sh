#!/usr/bin/env bash
# The curl examples of docs/rest.md, run as written against a fresh `vsim serve -tls=false`,
# so the REST guide and the server cannot drift apart. Every ```sh block of the guide is run
# in order in one shell (variables an example sets are seen by the later ones), with VSIM,
# TOKEN (an /api session) and SESSION (a /rest session) set first. Each block must carry at
# least one `# expect: X` line: X of three digits is an HTTP status that must be the last line
# the block prints; any other X must appear in its output. A block without one fails.
set -u
. "$(dirname "$0")/../lib.sh"
need_packages curl

doc=$root/docs/rest.md
work=$root/test/conformance/.work/curl-rest
rm -rf "$work"
mkdir -p "$work/blocks" "$work/out" "$work/run"

# One file per ```sh block (N.sh), its first line number (N.line) and its expectations (N.expect).
awk -v dir="$work/blocks" '
  /^```sh[[:space:]]*$/ { n++; inside = 1; printf "%d\n", NR > (dir "/" n ".line"); printf "" > (dir "/" n ".expect"); next }
  inside && /^```[[:space:]]*$/ { inside = 0; close(dir "/" n ".sh"); close(dir "/" n ".expect"); next }
  inside {
    print > (dir "/" n ".sh")
    if ($0 ~ /^# expect: /) { sub(/^# expect: /, ""); print > (dir "/" n ".expect") }
  }
  END { printf "%d\n", n > (dir "/count") }
' "$doc"
count=$(cat "$work/blocks/count")
check "docs/rest.md has sh examples ($count)" test "$count" -gt 0

if ! start_vsim -tls=false -namespaces ns1; then
  check "vsim serve starts with -tls=false" false
  summary
  exit 1
fi
export VSIM=$BASE
TOKEN=$(curl -s --max-time 10 -X POST -u user:pass "$VSIM/api/session" | tr -d '"')
SESSION=$(curl -s --max-time 10 -X POST -u user:pass -H 'vmware-use-header-authn: true' "$VSIM/rest/com/vmware/cis/session" | cut -d'"' -f4)
export TOKEN SESSION
check "an /api session for the examples (TOKEN)" matches "$TOKEN" '^[0-9a-f]{32}$'
check "a /rest session for the examples (SESSION)" matches "$SESSION" '^[0-9a-f]{32}$'

# One shell runs every block in order; each block's output goes to its own file. curl gets a
# time bound so a hung request fails its example instead of the suite.
{
  echo 'cd "$1" || exit 1'
  echo 'curl() { command curl --max-time 10 "$@"; }'
  for i in $(seq 1 "$count"); do
    printf '{ . %q; } >%q 2>&1 </dev/null\n' "$work/blocks/$i.sh" "$work/out/$i"
  done
} >"$work/driver.sh"
timeout 45 bash "$work/driver.sh" "$work/run" >/dev/null 2>&1

# Checks one block's output against its expectations; prints why not on stdout.
verdict() {
  local i=$1 out expect last
  out=$(cat "$work/out/$i" 2>/dev/null || true)
  [ -s "$work/blocks/$i.expect" ] || { echo "no '# expect:' line"; return 1; }
  last=$(printf '%s\n' "$out" | sed '/^[[:space:]]*$/d' | tail -n 1)
  while IFS= read -r expect; do
    if [[ $expect =~ ^[0-9]{3}$ ]]; then
      [ "$last" = "$expect" ] || { echo "want HTTP $expect as the last line, got: ${out:0:300}"; return 1; }
    else
      [[ $out == *"$expect"* ]] || { echo "want output containing $expect, got: ${out:0:300}"; return 1; }
    fi
  done <"$work/blocks/$i.expect"
}

for i in $(seq 1 "$count"); do
  line=$(cat "$work/blocks/$i.line")
  what=$(grep -v '^#' "$work/blocks/$i.sh" | head -n 1 | cut -c1-90)
  expects=$(paste -sd '|' "$work/blocks/$i.expect")
  if reason=$(verdict "$i"); then
    passed=$((passed + 1))
    echo "ok   docs/rest.md:$line [$expects] $what"
  else
    failed=$((failed + 1))
    echo "FAIL docs/rest.md:$line [$expects] $what: $reason"
  fi
done

summary
