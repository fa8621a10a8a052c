#!/usr/bin/env bash
# Row "a failing command with RUST_BACKTRACE=1": a user error (an unknown
# session) with and without RUST_BACKTRACE=1, beside git's own user error
# (an unknown revision), whole processes, interleaved, with peak memory.
# Goal: as fast with RUST_BACKTRACE=1 as without (a backtrace only for bugs).
#   scripts/compare_errors.sh [runs]
. "$(dirname "$0")/common.sh"
runs="${1:-20}"
build
repo="$work/small"
if [ ! -d "$repo/.git" ]; then
    "$root/scripts/compare_small_commands.sh" 1 > /dev/null
fi
export GREENLIGHT_HOME="$work/small-home"
cd "$repo"
echo "the error: $("$gl" status NOPE 2>&1 | head -1)"
"$interleave" --runs "$runs" \
    "git-error=env RUST_BACKTRACE=1 git rev-parse --verify nope" \
    "error=$gl status NOPE" \
    "error+RUST_BACKTRACE=env RUST_BACKTRACE=1 $gl status NOPE"
