#!/usr/bin/env bash
# Compare `greenlight audit verify` with `sha256sum` over the same files:
# a synthetic session of 1,000,000 events (3 actor files).
# Usage: scripts/bench_verify.sh [EVENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
events="${1:-1000000}"
cargo build --release --quiet --bin greenlight --example gen_session
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dir="$work/01KBSYNTHE7C0000000000000A"
"${CARGO_TARGET_DIR:-target}"/release/examples/gen_session "$dir" "$events" 3 >/dev/null
du -sh "$dir"
cat "$dir"/*.jsonl >/dev/null # warm the page cache for both
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 1 --runs 5 \
    "${CARGO_TARGET_DIR:-target}/release/greenlight audit verify --dir $dir" \
    "sha256sum $dir/*.jsonl"
else
  for i in 1 2 3; do
    /usr/bin/time -f "greenlight audit verify: %e s" "${CARGO_TARGET_DIR:-target}"/release/greenlight audit verify --dir "$dir" >/dev/null
    /usr/bin/time -f "sha256sum: %e s" sha256sum "$dir"/*.jsonl >/dev/null
  done
fi
