#!/usr/bin/env bash
# Records tests/conformance/nextjs_pages/golden.json from the real Next.js:
# `next build && next start` of ./project, then `http-diff record` of ./cases.json.
# Never edit golden.json by hand: change project/ or cases.json and run this script again.
#
#   bash tests/conformance/nextjs_pages/record.sh
#
# Environment:
#   NEXT_SPEC         npm spec of Next.js to install (default next@16)
#   PETREL_NEXT_CACHE where Next.js is installed once and reused (default ~/.cache/petrel-next16;
#                     delete it to pick up a newer release)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tool="$here/../tools/http-diff"
cache="${PETREL_NEXT_CACHE:-$HOME/.cache/petrel-next16}"
next_spec="${NEXT_SPEC:-next@16}"
export NEXT_TELEMETRY_DISABLED=1

# 1. Next.js, React and the TypeScript packages `next build` insists on (without them it runs
#    `npm install` in the project, which would remove the linked node_modules).
missing=""
for pkg in next react react-dom typescript @types/react @types/node; do
  [ -f "$cache/node_modules/$pkg/package.json" ] || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  echo "installing$missing into $cache"
  mkdir -p "$cache"
  [ -f "$cache/package.json" ] || echo '{ "name": "petrel-next16-cache", "private": true }' > "$cache/package.json"
  (cd "$cache" && npm install --no-audit --no-fund "$next_spec" react react-dom typescript @types/react @types/node)
fi
ver() { node -p "require('$cache/node_modules/$1/package.json').version"; }
next_version="$(ver next)"

# 2. A scratch copy of the fixture beside the cache (same file system, for hard links).
#    node_modules must be a hard-linked copy: Turbopack refuses a symlinked one.
scratch="$(mktemp -d "${cache%/}-run.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT
(cd "$here/project" && tar --exclude=./.petrel --exclude=./node_modules --exclude=./.next -cf - .) \
  | (cd "$scratch" && tar -xf -)
cp -al "$cache/node_modules" "$scratch/node_modules"

# 3. next build (no npx: node runs the CLI directly, so $! below is the server itself).
echo "next build ($next_version) in $scratch"
if ! (cd "$scratch" && node node_modules/next/dist/bin/next build > build.log 2>&1); then
  cat "$scratch/build.log"
  echo "next build failed" >&2
  exit 1
fi

# 4. next start on a free port, and wait until it answers.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
(cd "$scratch" && exec node node_modules/next/dist/bin/next start -p "$port" -H 127.0.0.1) \
  > "$scratch/start.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  if python3 -c "import http.client as h; c = h.HTTPConnection('127.0.0.1', $port, timeout=2); c.request('GET', '/api/ping'); c.getresponse().read()" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$scratch/start.log"
    echo "next start exited" >&2
    exit 1
  fi
  sleep 0.2
done

# 5. Record, with the platform versions in the golden's "_meta", then replay the cases against
#    the same server: every recorded case must be deterministic.
meta="$(printf '{"platform": "next start", "next": "%s", "react": "%s", "react-dom": "%s", "node": "%s", "recorded_by": "tests/conformance/nextjs_pages/record.sh"}' \
  "$next_version" "$(ver react)" "$(ver react-dom)" "$(node --version)")"
python3 "$tool" record --base "http://127.0.0.1:$port" --cases "$here/cases.json" \
  --out "$here/golden.json" --meta "$meta"
echo "replaying against the same server (determinism check)"
python3 "$tool" compare --base "http://127.0.0.1:$port" --cases "$here/cases.json" \
  --golden "$here/golden.json"

echo "--- next start output (errors and warnings the cases provoked) ---"
cat "$scratch/start.log"
echo "golden.json recorded from Next.js $next_version"
