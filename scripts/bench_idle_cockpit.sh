#!/usr/bin/env bash
# Row "the idle cockpit": `greenlight demo` (a simulated canary judged every
# 5 s, logs arriving at 20 lines a second) in a real pseudo-terminal
# (tmux, 200x50), left alone for SECONDS in each state, measuring the
# process's CPU (utime + stime from /proc), the bytes it wrote to the
# terminal (tmux pipe-pane) and the bytes added to the session's journal:
#   following   the Logs pane follows the newest lines (the default)
#   paused      the Logs pane paused (f)
#   zoomed      the Checklist zoomed (z): the Logs pane is hidden
#   scrolled    the Logs pane scrolled a page back from the tail
# Goals: following < 2 % of a core; the others < 0.5 %; the journal 0 bytes.
#   scripts/bench_idle_cockpit.sh [SECONDS]
. "$(dirname "$0")/common.sh"
secs="${1:-30}"
build
command -v tmux > /dev/null || { echo "needs tmux (apt-get install tmux)"; exit 1; }
run="$work/idle-$$"
mkdir -p "$run"
session="gl-idle-$$"
trap 'tmux kill-session -t "$session" 2> /dev/null || true; rm -rf "$run"' EXIT
tmux new-session -d -s "$session" -x 200 -y 50 \
    "env GREENLIGHT_HOME=$run/home TMPDIR=$run $gl demo"
tmux pipe-pane -t "$session" -o "cat >> $run/tty"
sleep 5 # the demo's repository, session and first frames
pid="$(tmux display-message -p -t "$session" '#{pane_pid}')"
tick="$(getconf CLK_TCK)"
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
journal() { find "$run/home" -name '*.jsonl' -printf '%s\n' 2> /dev/null | awk '{s += $1} END {print s + 0}'; }
tty() { stat -c %s "$run/tty" 2> /dev/null || echo 0; }
keys() { tmux send-keys -t "$session" "$@"; sleep 1; }
measure() {
    local name="$1"
    sleep 2 # let the keys' own redraws pass
    local c0 t0 j0 c1 t1 j1
    c0="$(cpu)"; t0="$(tty)"; j0="$(journal)"
    sleep "$secs"
    c1="$(cpu)"; t1="$(tty)"; j1="$(journal)"
    awk -v n="$name" -v c=$((c1 - c0)) -v hz="$tick" -v s="$secs" -v t=$((t1 - t0)) -v j=$((j1 - j0)) \
        'BEGIN { printf "  %-10s cpu %5.2f %% of a core (%d ms)  terminal %8d bytes  journal %6d bytes  per %d s\n", n, 100 * c / hz / s, 1000 * c / hz, t, j, s }'
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $gl demo, pid $pid"
measure following
keys BTab # focus the Logs pane
keys f
tmux capture-pane -p -t "$session" | grep -q "paused" || echo "  (warning: the Logs pane does not say paused)"
measure paused
keys f # follow again
keys Tab # focus the Checklist
keys z
measure zoomed
keys z
keys BTab
keys PPage
measure scrolled
