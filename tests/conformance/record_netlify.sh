#!/usr/bin/env bash
# Records the golden.json of the Netlify conformance suites from the real `netlify dev`
# (netlify-cli, offline, edge functions off): for each suite folder (tests/conformance/netlify_*),
# `netlify dev` on its ./project, then `http-diff record` of its ./cases.json, then a replay
# against the same server (determinism). Never edit a golden.json by hand.
#
#   bash tests/conformance/record_netlify.sh                      # every netlify_*/ suite
#   bash tests/conformance/record_netlify.sh netlify_functions    # one suite
#
# Where `netlify dev` is known to differ from Netlify production (reference §12/§13: it
# lower-cases paths, crashes on a 6 MB body, times out at 30 s), the golden keeps what it
# answered and the suite's expected_failures.txt says why Petrel follows production.
#
# Environment:
#   NETLIFY_CLI_SPEC         npm spec (default netlify-cli@27.10.2, the reference's version)
#   PETREL_NETLIFY_CLI_CACHE where it is installed once (default ~/.cache/petrel-netlify-cli)
set -euo pipefail

conf="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tool="$conf/tools/http-diff"
cache="${PETREL_NETLIFY_CLI_CACHE:-$HOME/.cache/petrel-netlify-cli}"
spec="${NETLIFY_CLI_SPEC:-netlify-cli@27.10.2}"
export NETLIFY_TELEMETRY_DISABLED=1

suites=()
if [ "$#" -eq 0 ]; then
  for d in "$conf"/netlify_*/; do suites+=("${d%/}"); done
else
  for arg in "$@"; do
    if [ -d "$arg" ]; then d="$(cd "$arg" && pwd)"; else d="$conf/${arg%/}"; fi
    suites+=("$d")
  done
fi

if [ ! -x "$cache/node_modules/.bin/netlify" ]; then
  echo "installing $spec into $cache"
  mkdir -p "$cache"
  [ -f "$cache/package.json" ] || echo '{ "name": "petrel-netlify-cli-cache", "private": true }' > "$cache/package.json"
  (cd "$cache" && npm install --no-audit --no-fund "$spec")
fi
netlify="$cache/node_modules/.bin/netlify"
cli_version="$("$netlify" --version | sed -E 's#^netlify-cli/([^ ]+).*#\1#')"
node_version="$(node --version)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

for suite in "${suites[@]}"; do
  name="$(basename "$suite")"
  project="$suite/project"
  port="$(free_port)"
  log="$(mktemp)"
  echo "== $name: netlify dev on port $port"
  (cd "$project" && exec "$netlify" dev --offline --internal-disable-edge-functions --port "$port" >"$log" 2>&1) &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  for _ in $(seq 1 120); do
    grep -q "Local dev server ready" "$log" && break
    sleep 0.5
  done
  grep -q "Local dev server ready" "$log" || { cat "$log"; echo "netlify dev did not start" >&2; exit 1; }
  sleep 1
  python3 "$tool" record --base "http://127.0.0.1:$port" --cases "$suite/cases.json" \
    --out "$suite/golden.json" \
    --meta "{\"netlify-cli\": \"$cli_version\", \"node\": \"$node_version\"}"
  echo "-- replay (determinism)"
  python3 "$tool" compare --base "http://127.0.0.1:$port" --cases "$suite/cases.json" --golden "$suite/golden.json"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  trap - EXIT
  rm -rf "$project/.netlify" "$log"
done
