#!/usr/bin/env bash
# Row "a small command": every command that reads only the repository and
# a small session (`status`, `sessions`, `report`, `audit verify`,
# `playbook list`/`show`, `version next`, `notes`, `--version`), against
# `git status` in the same repository (whole processes, interleaved).
# Goal: ≤ 10 ms each, nothing heavy (TLS) set up unless used.
# BEFORE=/path/to/an/older/greenlight adds its
# `status` and `playbook list` to the same run, for a before/after.
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
echo "== does a command read the CA bundle or OpenSSL's configuration? (strace)"
if command -v strace > /dev/null; then
    strace -f -e trace=openat -o "$work/strace.txt" "$gl" status > /dev/null
    if grep -q "ca-certificates\|/certs\|openssl.cnf" "$work/strace.txt"; then
        echo "   yes: $(grep -c "ca-certificates\|/certs\|openssl.cnf" "$work/strace.txt") opens"
    else
        echo "   no"
    fi
fi
before=()
if [ -n "${BEFORE:-}" ]; then
    before=("before-status=$BEFORE status" "before-playbook-list=$BEFORE playbook list")
fi
"$interleave" --runs "$runs" \
    "git-status=git status" \
    "status=$gl status" \
    "playbook-list=$gl playbook list" \
    "sessions=$gl sessions" \
    "report=$gl report" \
    "audit-verify=$gl audit verify" \
    "playbook-show=$gl playbook show feature-release" \
    "version-next=$gl version next" \
    "notes=$gl notes" \
    "version=$gl --version" \
    "${before[@]}"
