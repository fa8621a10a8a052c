#!/usr/bin/env bash
# Compare `greenlight logs --grep ERROR --count` with `grep -c ERROR` and
# `lnav -n -c ':filter-in ERROR'` on the same 1,000,000-line mixed-format
# file, and measure the logs pane's pipeline (10,000,000 lines through
# source → feed → model) for throughput and peak memory.
#
# Needs hyperfine and lnav for the comparison (`apt-get install hyperfine
# lnav`); without them it says so and times what it can. Usage:
#   scripts/bench_logs.sh [lines] [pipeline-lines]
set -euo pipefail

lines="${1:-1000000}"
pipeline_lines="${2:-10000000}"
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
work="${TMPDIR:-/tmp}/greenlight-bench-logs"
mkdir -p "$work"
file="$work/app-$lines.log"

echo "== build (release)"
cargo build --release --quiet --bin greenlight --example gen_logs --example logs_pipeline
gl="$target/release/greenlight"

if [ ! -s "$file" ]; then
    echo "== generate $lines lines"
    "$target/release/examples/gen_logs" "$lines" > "$file"
fi
echo "file: $file ($(du -h "$file" | cut -f1), $(wc -l < "$file") lines)"
cat "$file" > /dev/null # warm the page cache

echo "== counts (must agree)"
echo "greenlight: $("$gl" logs --grep ERROR --count "$file")"
echo "grep -c:    $(grep -c ERROR "$file")"

cmds=("$gl logs --grep ERROR --count $file" "grep -c ERROR $file")
if command -v lnav >/dev/null 2>&1; then
    cmds+=("lnav -n -c ':filter-in ERROR' $file")
else
    echo "lnav is not installed (apt-get install lnav): comparing with grep only"
fi

if command -v hyperfine >/dev/null 2>&1; then
    # --output=pipe: GNU grep stops at the first match when its output is
    # /dev/null, which would time nothing.
    hyperfine --warmup 3 --runs 20 --output=pipe --export-markdown "$work/compare.md" "${cmds[@]}"
    cat "$work/compare.md"
else
    echo "hyperfine is not installed (apt-get install hyperfine): one timed run each"
    for c in "${cmds[@]}"; do
        /usr/bin/time -f "%e s  %M KB  $c" bash -c "$c | cat > /dev/null"
    done
fi

echo "== pipeline: $pipeline_lines lines through source → feed → model (100,000 kept)"
if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$target/release/examples/logs_pipeline" "$pipeline_lines" 2> "$work/time.txt"
    grep -E "Maximum resident|Elapsed" "$work/time.txt"
else
    "$target/release/examples/logs_pipeline" "$pipeline_lines"
fi
