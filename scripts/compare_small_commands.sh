#!/usr/bin/env bash
# Row "a small command": `greenlight status` on a small session and
# `greenlight playbook list`, against `git status` in the same repository
# (whole processes, interleaved). Goal: ≤ 10 ms, nothing heavy (TLS)
# initialised unless used.
#   scripts/compare_small_commands.sh [runs]
. "$(dirname "$0")/common.sh"
runs="${1:-30}"
build
repo="$work/small"
export GREENLIGHT_HOME="$work/small-home"
if [ ! -d "$repo/.git" ]; then
    rm -rf "$repo" "$GREENLIGHT_HOME"
    mkdir -p "$repo"
    git -C "$repo" init -q -b main
    git -C "$repo" config user.name "Dana Developer"
    git -C "$repo" config user.email dana@example.com
    echo hello > "$repo/README"
    git -C "$repo" add README
    git -C "$repo" commit -qm "feat: start"
    "$gl" -C "$repo" new --scenario feature-release --version 1.0.0 > /dev/null 2>&1
fi
cd "$repo"
echo "== does any command read the CA bundle? (strace)"
if command -v strace > /dev/null; then
    strace -f -e trace=openat -o "$work/strace.txt" "$gl" status > /dev/null
    if grep -q "ca-certificates\|/certs" "$work/strace.txt"; then
        echo "   yes: $(grep -c "certs" "$work/strace.txt") opens"
    else
        echo "   no"
    fi
fi
"$interleave" --runs "$runs" \
    "git-status=git status" \
    "status=$gl status" \
    "playbook-list=$gl playbook list"
