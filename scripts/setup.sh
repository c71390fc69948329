# Sourced by scripts/test and scripts/vsim: brings a fresh checkout to a runnable state.
# Needs only Node.js 20+ and npm. Idempotent and quick when nothing changed.
# Sets PNPM to a command that runs pnpm 12.4.2.

PNPM_VERSION=12.4.2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "vsim needs Node.js 20 or later (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

if [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then
  PNPM=pnpm
elif npm install -g "pnpm@$PNPM_VERSION" >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then
  echo "setup: installed pnpm $PNPM_VERSION" >&2
  PNPM=pnpm
else
  # No rights to install globally: run it through npx instead.
  PNPM="npx -y pnpm@$PNPM_VERSION"
fi

cd "$root" || exit 1
if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ] || [ -n "$(find . -name package.json -path './packages/*' -newer node_modules/.modules.yaml -not -path '*/node_modules/*' 2>/dev/null | head -1)" ]; then
  echo "setup: installing dependencies" >&2
  $PNPM install --frozen-lockfile >&2 || exit 1
fi

# Rebuild when a package's sources are newer than its build (however it was built: pnpm build too).
for pkg in packages/*/; do
  [ -f "$pkg/package.json" ] || continue
  built="$pkg/dist/index.js"
  if [ ! -f "$built" ] || [ -n "$(find "$pkg/src" "$pkg/package.json" -newer "$built" 2>/dev/null | head -1)" ]; then
    echo "setup: building packages" >&2
    $PNPM build >&2 || exit 1
    break
  fi
done
