#!/usr/bin/env bash
# Records the golden.json of conformance suites from the real Next.js: for each suite folder
# (tests/conformance/nextjs_*), `next build && next start` of its ./project, then
# `http-diff record` of its ./cases.json, then a replay against the same server (determinism).
# Never edit a golden.json by hand: change project/ or cases.json and run this script again.
#
#   bash tests/conformance/record.sh                 # every tests/conformance/nextjs_*/ suite
#   bash tests/conformance/record.sh nextjs_env      # one suite (a name here or a folder path)
#
# Suites are recorded one after the other (one `next build` at a time).
#
# The variables a fixture's .env* files set, and NODE_ENV, are removed from the environment of
# `next build` and `next start`: the files decide their values (reference §7, case 100 without
# `A=from-process`), as they do for Petrel, which the runner starts without them.
#
# Environment:
#   NEXT_SPEC         npm spec of Next.js to install (default next@16)
#   PETREL_NEXT_CACHE where Next.js is installed once and reused (default ~/.cache/petrel-next16;
#                     delete it to pick up a newer release)
set -euo pipefail

conf="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$conf/../.." && pwd)"
tool="$conf/tools/http-diff"
cache="${PETREL_NEXT_CACHE:-$HOME/.cache/petrel-next16}"
next_spec="${NEXT_SPEC:-next@16}"
export NEXT_TELEMETRY_DISABLED=1

# The suites: the arguments (names under tests/conformance/ or paths), else every nextjs_*/.
suites=()
if [ "$#" -eq 0 ]; then
  for d in "$conf"/nextjs_*/; do suites+=("${d%/}"); done
else
  for arg in "$@"; do
    if [ -d "$arg" ]; then d="$(cd "$arg" && pwd)"; else d="$conf/${arg%/}"; fi
    suites+=("$d")
  done
fi
for d in "${suites[@]}"; do
  if [ ! -f "$d/cases.json" ] || [ ! -d "$d/project" ]; then
    echo "$d is not a conformance suite (needs cases.json and project/)" >&2
    exit 2
  fi
done

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

scratch=""
server_pid=""
stop() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
  if [ -n "$scratch" ]; then rm -rf "$scratch"; fi
  scratch=""
}
trap stop EXIT

record_suite() {
  local suite="$1" name rel
  name="$(basename "$suite")"
  rel="${suite#"$repo"/}"

  # 2. A scratch copy of the fixture beside the cache (same file system, for hard links).
  #    node_modules must be a hard-linked copy: Turbopack refuses a symlinked one.
  scratch="$(mktemp -d "${cache%/}-run.XXXXXX")"
  (cd "$suite/project" && tar --exclude=./.petrel --exclude=./node_modules --exclude=./.next -cf - .) \
    | (cd "$scratch" && tar -xf -)
  cp -al "$cache/node_modules" "$scratch/node_modules"

  # The keys the fixture's .env* files set, plus NODE_ENV: unset for build and start.
  local unset_args=(-u NODE_ENV) key
  for key in $(cat "$suite"/project/.env* 2>/dev/null \
      | sed -n 's/^[[:space:]]*\(export[[:space:]]\{1,\}\)\{0,1\}\([A-Za-z_][A-Za-z0-9_]*\)[[:space:]]*=.*/\2/p' | sort -u); do
    unset_args+=(-u "$key")
  done

  # 3. next build (no npx: node runs the CLI directly, so $! below is the server itself).
  echo "== $name: next build ($next_version) in $scratch"
  if ! (cd "$scratch" && env "${unset_args[@]}" node node_modules/next/dist/bin/next build > build.log 2>&1); then
    cat "$scratch/build.log"
    echo "next build failed" >&2
    exit 1
  fi
  grep -E 'Environments:' "$scratch/build.log" || true

  # 4. next start on a free port, and wait until it answers anything (a 404 will do).
  local port
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  (cd "$scratch" && exec env "${unset_args[@]}" node node_modules/next/dist/bin/next start -p "$port" -H 127.0.0.1) \
    > "$scratch/start.log" 2>&1 &
  server_pid=$!
  local ready=""
  for _ in $(seq 1 100); do
    if python3 -c "import http.client as h; c = h.HTTPConnection('127.0.0.1', $port, timeout=2); c.request('GET', '/'); c.getresponse().read()" 2>/dev/null; then
      ready=1
      break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
      break
    fi
    sleep 0.2
  done
  if [ -z "$ready" ]; then
    cat "$scratch/start.log"
    echo "next start did not answer" >&2
    exit 1
  fi

  # 5. Record, with the platform versions in the golden's "_meta", then replay the cases against
  #    the same server: every recorded case must be deterministic.
  local meta
  meta="$(printf '{"platform": "next start", "next": "%s", "react": "%s", "react-dom": "%s", "node": "%s", "recorded_by": "tests/conformance/record.sh %s"}' \
    "$next_version" "$(ver react)" "$(ver react-dom)" "$(node --version)" "$name")"
  python3 "$tool" record --base "http://127.0.0.1:$port" --cases "$suite/cases.json" \
    --out "$suite/golden.json" --meta "$meta"
  echo "replaying against the same server (determinism check)"
  python3 "$tool" compare --base "http://127.0.0.1:$port" --cases "$suite/cases.json" \
    --golden "$suite/golden.json"

  echo "--- next start output (errors and warnings the cases provoked) ---"
  cat "$scratch/start.log"
  echo "$rel/golden.json recorded from Next.js $next_version"
  stop
}

for suite in "${suites[@]}"; do
  record_suite "$suite"
done
