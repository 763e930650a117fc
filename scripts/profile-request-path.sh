#!/usr/bin/env bash
# Instructions per request of the client thread, per side of the request-path benchmark, under callgrind.
#
# The client runs on the bench binary's main thread (a current-thread runtime); the loopback server runs on
# another thread, which callgrind counts separately (`--separate-threads=yes`). Each side runs twice, with LOW
# and HIGH requests after the same warm-up; the difference divided by HIGH - LOW is the cost per request, with
# start-up and warm-up cancelled out. Instruction counts are exact and do not depend on what else the machine
# runs, unlike CPU time; they do not show cache misses.
#
# Usage: scripts/profile-request-path.sh [workload] [side ...]
#   workload: health | admin_get_assistant_5KiB | initiate_call | initiate_call_64_in_flight (default: health)
#   sides:    raw raw-timeouts generated sdk-no-retries sdk (default: all)
# Needs valgrind (`apt-get install valgrind`). LOW/HIGH default to 2000/10000 requests.
set -euo pipefail
cd "$(dirname "$0")/.."

workload=${1:-health}
shift || true
sides=("$@")
[ ${#sides[@]} -gt 0 ] || sides=(raw raw-timeouts generated sdk-no-retries sdk)
low=${LOW:-2000}
high=${HIGH:-10000}

command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
bin=$(cargo bench -p mirai-voice --bench request_path --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*request_path[^"]*\)".*/\1/p' | tail -1)
[ -x "$bin" ] || { echo "could not build the request_path bench" >&2; exit 1; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Instructions of the main (client) thread in one run.
client_instructions() {
    local side=$1 requests=$2
    REQUEST_PATH_PROFILE="$workload:$side" REQUEST_PATH_PROFILE_REQUESTS="$requests" \
        valgrind --tool=callgrind --separate-threads=yes \
        --callgrind-out-file="$out/$side-$requests.%p" "$bin" >/dev/null 2>&1
    # Thread 1 is the main thread; its file ends in -01.
    awk '/^summary:/ { print $2 }' "$out"/"$side-$requests".*-01
}

printf '| %s, client thread | instructions per request | / raw |\n| --- | --- | --- |\n' "$workload"
raw=""
for side in "${sides[@]}"; do
    a=$(client_instructions "$side" "$low") &&
    b=$(client_instructions "$side" "$high")
    per=$(( (b - a) / (high - low) ))
    if [ "$side" = raw ]; then raw=$per; fi
    if [ -n "$raw" ]; then
        ratio=$(awk -v p="$per" -v r="$raw" 'BEGIN { printf "%.3f×", p / r }')
    else
        ratio="—"
    fi
    printf '| %s | %d | %s |\n' "$side" "$per" "$ratio"
done
