#!/usr/bin/env bash
# Compare `greenlight audit verify` of a session whose every event is
# signed (SSH ed25519 keys made here by ssh-keygen) with `sha256sum` over
# the same files: 100,000 events in 3 actor files by default.
# Usage: scripts/bench_verify_signed.sh [EVENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
events="${1:-100000}"
cargo build --release --quiet --bin greenlight --example gen_session
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for i in 0 1 2; do ssh-keygen -q -t ed25519 -N "" -f "$work/key$i"; done
dir="$work/01KBSYNTHE7C0000000000000A"
"${CARGO_TARGET_DIR:-target}"/release/examples/gen_session "$dir" "$events" 3 "$work/key0" "$work/key1" "$work/key2" >/dev/null
du -sh "$dir"
cat "$dir"/*.jsonl >/dev/null # warm the page cache for both
for i in 1 2 3; do
  /usr/bin/time -f "greenlight audit verify (signed): %e s, %M KB" "${CARGO_TARGET_DIR:-target}"/release/greenlight audit verify --dir "$dir" >/dev/null
  /usr/bin/time -f "sha256sum: %e s" sha256sum "$dir"/*.jsonl >/dev/null
done
