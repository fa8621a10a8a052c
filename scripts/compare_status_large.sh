#!/usr/bin/env bash
# Row "status on a large session": a whole `greenlight status` process on a
# session of EVENTS events (3 actor files, made by examples/gen_session
# in the repository's own store, so `status` without an id finds it),
# with and without the id, beside the bare open + fold
# (examples/open_session), the open from the fold checkpoint the first
# run writes (`--cached`) and `cat` of the same files (reading the bytes,
# the floor). Each run is a new process (page cache warm). Goals: 100,000
# events ≤ 50 ms, 1,000,000 ≤ 400 ms.
#   scripts/compare_status_large.sh [EVENTS [runs]]
. "$(dirname "$0")/common.sh"
events="${1:-100000}"
runs="${2:-10}"
build gen_session open_session
examples="$target/release/examples"
repo="$work/large-$events"
export GREENLIGHT_HOME="$work/large-$events-home"
if [ ! -f "$repo/.made" ]; then
    rm -rf "$repo" "$GREENLIGHT_HOME"
    mkdir -p "$repo"
    git -C "$repo" init -q -b main
    git -C "$repo" -c user.name=B -c user.email=b@example.com commit -q --allow-empty -m "chore: start"
    "$examples/gen_session" --repo "$repo" "$events" 3 > "$repo/.made"
fi
dir="$(cat "$repo/.made")"
id="$(basename "$dir")"
cd "$repo"
echo "session $id: $events events, $(du -sh "$dir" | cut -f1); status prints $("$gl" status | wc -c) bytes ($("$gl" status --all | wc -c) with --all)"
cat "$dir"/*.jsonl > /dev/null
"$interleave" --runs "$runs" --warmup 1 \
    "cat-files=cat $dir/*.jsonl" \
    "open+fold=$examples/open_session $dir" \
    "open-cached=$examples/open_session --cached $dir" \
    "status=$gl status" \
    "status-id=$gl status $id"
