# Shared by the conformance suites: Debian packages, starting `vsim serve`, counting checks.
# A suite sources this, calls `need_packages`, runs `check` lines and ends with `summary`.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
passed=0
failed=0
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done' EXIT

# Installs Debian packages when missing. Under CI=true a missing client is a failure;
# elsewhere, without root, the suite is skipped with a loud message.
need_packages() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >&2 && return 0
  fi
  if [ "${CI:-}" = true ]; then
    echo "could not install ${missing[*]}: this suite cannot run" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  echo "!!! SKIPPING $(basename "$(dirname "$0")") conformance: ${missing[*]} not installed and no root to install them" >&2
  echo "0 passed, 0 failed"
  exit 0
}

# Starts `vsim serve` with the given flags on a free port; sets URL (the GOVC_URL) and BASE.
start_vsim() {
  local out
  out=$(mktemp)
  node "$root/packages/vsim/dist/cli.js" serve -l 127.0.0.1:0 -E "$out" "$@" >/dev/null 2>"$out.err" &
  pids+=($!)
  for _ in $(seq 1 100); do
    [ -s "$out" ] && break
    sleep 0.1
  done
  URL=$(sed -n 's/^export GOVC_URL=\([^ ]*\) .*/\1/p' "$out")
  BASE=$(echo "$URL" | sed 's#//[^@]*@#//#; s#/sdk$##')
  [ -n "$URL" ] || { echo "vsim serve did not start: $(cat "$out.err")" >&2; return 1; }
}

check() {
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name"
  fi
}

summary() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

matches() { [[ $1 =~ $2 ]]; }

# Runs a client program that prints `ok`/`FAIL` lines and its own `N passed, M failed`; its
# lines get `[label]`, its totals are added to this suite's. A missing total is a failure.
run_counted() {
  local label=$1 out line
  shift
  out=$("$@" 2>&1)
  echo "$out" | grep -vE '^[0-9]+ passed, [0-9]+ failed$' | sed -E "s/^(ok   |FAIL )/\1[$label] /"
  line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
  if [ -z "$line" ]; then
    echo "FAIL [$label] the client ended without its result line"
    failed=$((failed + 1))
    return
  fi
  echo "[$label] $line"
  passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
  failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
}

# Stops the last server this suite started, so two inventories never run at once.
stop_last() {
  kill "${pids[-1]}" 2>/dev/null
  wait "${pids[-1]}" 2>/dev/null
}

# Calls `$1 <scheme>` against a fresh `vsim serve`, once over HTTP and once over HTTPS.
over_http_and_https() {
  local run=$1 scheme flags
  for scheme in http https; do
    flags=()
    [ "$scheme" = http ] && flags=(-tls=false)
    if ! start_vsim ${flags[@]+"${flags[@]}"}; then
      check "vsim serve starts for $scheme" false
      continue
    fi
    check "vsim serve answers on $scheme://" matches "$URL" "^$scheme://"
    "$run" "$scheme"
    stop_last
  done
}

# Builds the Go program `name` of the calling suite (its src/<name>) in GOPATH mode over
# Debian's govmomi sources into $work; the build cache stays there, not in $HOME.
go_build() {
  local name=$1
  export GOPATH=/usr/share/gocode:$here GO111MODULE=off GOCACHE=$work/gocache GOFLAGS= GOENV=off
  if ! go build -o "$work/$name" "$name" 2>"$work/$name.log"; then
    cat "$work/$name.log"
    echo "FAIL building $name"
    echo "0 passed, 1 failed"
    exit 1
  fi
}

# With VCSIM_REFERENCE=1, runs the suite's checks program against govmomi's own vcsim (the
# suite's Go program `$1`, which prints a GOVC_URL line) for comparison: printed, never counted.
vcsim_reference() {
  local server=$1 checks=$2 seconds=$3 out ref_pid ref_url
  if [ "${VCSIM_REFERENCE:-}" != 1 ]; then
    echo "note: govmomi's vcsim is available as a reference (VCSIM_REFERENCE=1); not run, not counted"
    return
  fi
  if ! go build -o "$work/$server" "$server" 2>"$work/$server.log"; then
    echo "reference: vcsim did not build: $(head -n 3 "$work/$server.log")"
    return
  fi
  out=$(mktemp)
  "$work/$server" -tls=false >"$out" 2>/dev/null &
  ref_pid=$!
  for _ in $(seq 1 100); do
    [ -s "$out" ] && break
    sleep 0.1
  done
  ref_url=$(sed -n 's/^export GOVC_URL=\([^ ]*\) .*/\1/p' "$out")
  echo "reference: the same checks against vcsim 0.24.2 at $ref_url (not counted)"
  timeout "$seconds" "$work/$checks" -url "$ref_url" -k 2>&1 | sed 's/^/reference vcsim: /'
  kill "$ref_pid" 2>/dev/null
}
