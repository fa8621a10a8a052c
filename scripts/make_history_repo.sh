#!/usr/bin/env bash
# Make (once) the repository the release comparisons run on: 10,100
# conventional commits, a release tag every 100 (v1.0.0 … v1.99.0, half
# of them annotated) and 100 commits after v1.99.0, unreleased (what
# `notes` and `git-cliff --unreleased` cover). Written with `git fast-import`
# (seconds, no build). Prints the repository's path.
#   scripts/make_history_repo.sh [DIR]
set -euo pipefail

dir="${1:-${TMPDIR:-/tmp}/greenlight-history-repo}"
if [ -d "$dir/.git" ] && [ -f "$dir/.made" ]; then
    echo "$dir"
    exit 0
fi
rm -rf "$dir"
mkdir -p "$dir"
git -C "$dir" init -q -b main
messages=(
    "fix(core): handle empty input"
    "feat(api): add an endpoint"
    "docs: explain the flags"
    "chore(deps): bump things"
    "perf(db): index the lookup"
    "Tidy up some code"
)
{
    t=1600000000
    for i in $(seq 0 10099); do
        msg="${messages[$((i % 6))]} #$i"
        echo "commit refs/heads/main"
        echo "mark :$((i + 1))"
        echo "committer Bench <bench@example.com> $((t + i * 60)) +0000"
        echo "data ${#msg}"
        echo "$msg"
        if [ "$i" -gt 0 ]; then echo "from :$i"; fi
        echo "M 644 inline file.txt"
        echo "data ${#i}"
        echo "$i"
        if [ $(( (i + 1) % 100 )) -eq 0  ] && [ "$i" -lt 10000 ]; then
            n=$(( (i + 1) / 100 - 1 ))
            if [ $((n % 2)) -eq 0 ]; then
                tagmsg="release v1.$n.0"
                echo "tag v1.$n.0"
                echo "from :$((i + 1))"
                echo "tagger Bench <bench@example.com> $((t + i * 60)) +0000"
                echo "data ${#tagmsg}"
                echo "$tagmsg"
            else
                echo "reset refs/tags/v1.$n.0"
                echo "from :$((i + 1))"
            fi
        fi
    done
} | git -C "$dir" fast-import --quiet
git -C "$dir" checkout -q main
git -C "$dir" gc -q
git -C "$dir" config user.name Bench
git -C "$dir" config user.email bench@example.com
touch "$dir/.made"
echo "$dir"
