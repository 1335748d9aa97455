#!/usr/bin/env bash
# The whole test suite: what README's test command and CI run.
#   bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/petrel-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n==> %s\n' "$*"; }

step "npm fixtures (from committed lockfiles)"
for lock in tests/fixtures/*/package-lock.json; do
  dir=$(dirname "$lock")
  echo "   npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
done

step "petrel migrate's templates: npm ci, tsc --noEmit and node --test"
(cd crates/petrel_migrate/templates-test && npm ci --no-audit --no-fund --loglevel=error && npm test)

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test --workspace"
cargo test --workspace

step "node --test (worker shim)"
node --test crates/petrel_worker/js/test/

echo
echo "All checks passed."
