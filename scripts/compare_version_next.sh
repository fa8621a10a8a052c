#!/usr/bin/env bash
# Compare greenlight's next-version computation with git-cliff's
# `--bumped-version` on the same generated repository (10,000 commits,
# 100 tags; see benches/version_next.rs).
#
# Needs git-cliff on PATH (`pip install git-cliff` ships a binary wheel;
# `cargo install git-cliff` builds it). Usage:
#   scripts/compare_version_next.sh [runs]
set -euo pipefail

runs="${1:-5}"
repo="${VERSION_NEXT_BENCH_REPO:-${TMPDIR:-/tmp}/greenlight-version-next-repo}"
cd "$(dirname "$0")/.."

if ! command -v git-cliff >/dev/null 2>&1; then
    echo "git-cliff is not on PATH: pip install git-cliff (or cargo install git-cliff)" >&2
    exit 1
fi

echo "== greenlight (criterion, builds the repository at $repo)"
VERSION_NEXT_BENCH_REPO="$repo" cargo bench --bench version_next -- since_last_tag 2>&1 |
    grep -E 'built|proposes|^version_next|time:'

echo "== $(git-cliff --version) --bumped-version, $runs runs"
best=""
for _ in $(seq "$runs"); do
    start=$(date +%s%N)
    proposal=$(git-cliff --repository "$repo" --bumped-version 2>/dev/null)
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
done
echo "git-cliff proposes $proposal; best of $runs: ${best} ms"
