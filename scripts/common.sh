# Shared by the comparison scripts: the release binary and examples, built
# once, and a scratch folder. Source it: `. "$(dirname "$0")/common.sh"`.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
work="${GREENLIGHT_BENCH_DIR:-${TMPDIR:-/tmp}/greenlight-bench}"
mkdir -p "$work"
# Developers' shells often set these; the rows that want them say so.
unset RUST_BACKTRACE RUST_LIB_BACKTRACE
gl="${GL:-$target/release/greenlight}"
interleave="$root/scripts/interleave.py"

# Build the release binary (and the named examples) unless GL is given.
build() {
    if [ -z "${GL:-}" ]; then
        local args=(--bin greenlight)
        for e in "$@"; do args+=(--example "$e"); done
        cargo build --release --quiet "${args[@]}"
    fi
}
