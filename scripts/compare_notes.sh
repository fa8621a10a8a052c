#!/usr/bin/env bash
# Row "notes": `greenlight notes` (release notes since the last tag) against
# `git-cliff --unreleased` on the same repository (10,100 commits, 100
# tags, 100 commits unreleased: scripts/make_history_repo.sh), with `version
# next` beside it, then `version next` against `git-cliff --bumped-version`.
# Whole processes, interleaved.
# Needs git-cliff (`pip install git-cliff` ships the binary); without it the
# peer is reported as unavailable. Goal: notes no slower than git-cliff.
#   scripts/compare_notes.sh [runs]
. "$(dirname "$0")/common.sh"
runs="${1:-20}"
build
repo="$("$root/scripts/make_history_repo.sh" "$work/history")"
cd "$repo"
export GREENLIGHT_HOME="$work/history-home"
cliff="$(command -v git-cliff || true)"
# pyenv's shim is a shell script around the real binary: time the binary.
if [ -n "$cliff" ] && command -v pyenv > /dev/null && [ "$(head -c 2 "$cliff")" = "#!" ]; then
    cliff="$(pyenv which git-cliff 2> /dev/null || echo "$cliff")"
fi
echo "greenlight notes: $("$gl" notes | grep -c '^- ') entries; version next: $("$gl" version next 2>/dev/null | head -1)"
cmds=("notes=$gl notes" "version-next=$gl version next")
if [ -n "$cliff" ]; then
    echo "git-cliff --unreleased: $("$cliff" --unreleased 2> /dev/null | grep -c '^- ') entries ($("$cliff" --version))"
    cmds=("git-cliff-unreleased=$cliff --unreleased" "${cmds[@]}")
else
    echo "git-cliff is not installed (pip install git-cliff): peer unavailable, timing ours only"
fi
"$interleave" --runs "$runs" "${cmds[@]}"
if [ -n "$cliff" ]; then
    # Seconds per run: three interleaved runs are enough.
    "$interleave" --runs 3 --warmup 0 \
        "git-cliff-bumped=$cliff --bumped-version" "version-next=$gl version next"
fi
