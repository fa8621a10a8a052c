#!/usr/bin/env bash
# Row "logs --level": `greenlight logs --level error --count` against
# `rg -ci error` and `grep -ci error` on the same 1,000,000-line mixed file
# (examples/gen_logs), whole processes, interleaved. The counts differ by
# design (a level is parsed, `-i error` also counts lines that only
# mention the word) and are printed. Goal: within 1.5x of rg.
#   scripts/compare_logs_level.sh [lines [runs]]
. "$(dirname "$0")/common.sh"
lines="${1:-1000000}"
runs="${2:-20}"
build gen_logs
file="$work/app-$lines.log"
if [ ! -s "$file" ]; then
    "$target/release/examples/gen_logs" "$lines" > "$file"
fi
cat "$file" > /dev/null
echo "file: $file ($(du -h "$file" | cut -f1)); counts: greenlight $("$gl" logs --level error --count "$file"), rg $(rg -ci error "$file" 2> /dev/null || echo n/a), grep $(grep -ci error "$file")"
cmds=("greenlight=$gl logs --level error --count $file" "grep=grep -ci error $file")
if command -v rg > /dev/null; then
    cmds=("rg=rg -ci error $file" "${cmds[@]}")
else
    echo "ripgrep is not installed (apt-get install ripgrep): comparing with grep only"
fi
"$interleave" --runs "$runs" "${cmds[@]}"
