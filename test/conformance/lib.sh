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
