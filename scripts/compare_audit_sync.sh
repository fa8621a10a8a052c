#!/usr/bin/env bash
# Row "first audit sync": `greenlight audit sync` of a 100,000-event
# session (examples/gen_session) to a fresh bare remote, never synced
# before, against git doing the same transfer: the session's files
# committed to a branch and pushed to a fresh bare remote (`git add`,
# `commit`, `push`). Each run starts from a pristine copy (not timed);
# the two sides alternate. Then a re-sync with nothing new. Goal: first
# sync ≤ 1 s.
#   scripts/compare_audit_sync.sh [EVENTS [runs]]
. "$(dirname "$0")/common.sh"
events="${1:-100000}"
runs="${2:-5}"
build gen_session
pristine="$work/sync-$events"
if [ ! -f "$pristine/repo/.made" ]; then
    rm -rf "$pristine"
    mkdir -p "$pristine/repo"
    git -C "$pristine/repo" init -q -b main
    git -C "$pristine/repo" config user.name "Dana Developer"
    git -C "$pristine/repo" config user.email dana@example.com
    git -C "$pristine/repo" commit -q --allow-empty -m "chore: start"
    GREENLIGHT_HOME="$pristine/home" "$target/release/examples/gen_session" \
        --repo "$pristine/repo" "$events" 3 > "$pristine/repo/.made"
    git -C "$pristine/repo" remote add origin "$pristine/remote.git"
fi
session_dir="$(cat "$pristine/repo/.made")"
echo "session: $events events, $(du -sh "$session_dir" | cut -f1)"
if [ ! -f "$pristine/snapshot.tar" ]; then
    tar -C "$pristine" -cf "$pristine/snapshot.tar" repo home
fi
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
# Back to never synced: the repository and the store as made, a new remote.
fresh() {
    rm -rf "$pristine/repo" "$pristine/home" "$pristine/remote.git"
    tar -C "$pristine" -xf "$pristine/snapshot.tar"
    git init -q --bare "$pristine/remote.git"
}
export GREENLIGHT_HOME="$pristine/home"
ours=()
peer=()
for _ in $(seq "$runs"); do
    fresh
    start=$(date +%s%N)
    "$gl" -C "$pristine/repo" audit sync > "$work/sync-out.txt" 2>&1 || { cat "$work/sync-out.txt"; exit 1; }
    ours+=("$(ms "$start")")
    start=$(date +%s%N)
    "$gl" -C "$pristine/repo" audit sync > /dev/null 2>&1
    resync="$(ms "$start")"
    fresh
    start=$(date +%s%N)
    (
        cd "$pristine/repo"
        mkdir -p audit && cp "$session_dir"/*.jsonl audit/
        git add audit && git commit -qm "audit" && git push -q origin main 2> /dev/null
    )
    peer+=("$(ms "$start")")
    echo "  run: greenlight first sync ${ours[-1]} ms (re-sync $resync ms); git add+commit+push ${peer[-1]} ms"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m_ours="$(median "${ours[@]}")"
m_peer="$(median "${peer[@]}")"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg); medians of $runs: greenlight first audit sync $m_ours ms, git add+commit+push $m_peer ms (x$(awk -v a="$m_ours" -v b="$m_peer" 'BEGIN {printf "%.2f", a / b}'))"
tail -3 "$work/sync-out.txt"
