#!/usr/bin/env bash
# Instructions per request of the client thread, per side of the request-path benchmark, under callgrind.
#
# The client runs on the bench binary's main thread (a current-thread runtime); the loopback server runs on
# another thread, which callgrind counts separately (`--separate-threads=yes`). Each side runs twice, with LOW
# and HIGH requests after the same warm-up; the difference divided by HIGH - LOW is the cost per request, with
# start-up and warm-up cancelled out. Instruction counts are exact and do not depend on what else the machine
# runs, unlike CPU time. The simulated first-level caches (32 KiB each for code and data, `--cache-sim=yes`)
# give the misses per request too: lines of code and data the request path touches that the rest of the
# request evicted, which cost time that instruction counts do not show.
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

# Instructions, L1 code misses and L1 data misses of the main (client) thread in one run.
client_counts() {
    local side=$1 requests=$2
    REQUEST_PATH_PROFILE="$workload:$side" REQUEST_PATH_PROFILE_REQUESTS="$requests" \
        valgrind --tool=callgrind --separate-threads=yes --cache-sim=yes \
        --callgrind-out-file="$out/$side-$requests.%p" "$bin" >/dev/null 2>&1
    # Thread 1 is the main thread; its file ends in -01. Events: Ir Dr Dw I1mr D1mr D1mw ...
    awk '/^summary:/ { print $2, $5, $6 + $7 }' "$out"/"$side-$requests".*-01
}

printf '| %s, client thread | instructions per request | / raw | L1 code misses | / raw | L1 data misses | / raw |\n' "$workload"
printf '| --- | --- | --- | --- | --- | --- | --- |\n'
raw=()
for side in "${sides[@]}"; do
    read -r -a a <<<"$(client_counts "$side" "$low")"
    read -r -a b <<<"$(client_counts "$side" "$high")"
    per=()
    for i in 0 1 2; do per[i]=$(( (b[i] - a[i]) / (high - low) )); done
    if [ "$side" = raw ]; then raw=("${per[@]}"); fi
    row="| $side"
    for i in 0 1 2; do
        if [ ${#raw[@]} -gt 0 ]; then
            ratio=$(awk -v p="${per[i]}" -v r="${raw[i]}" 'BEGIN { printf "%.3f×", p / r }')
        else
            ratio="—"
        fi
        row="$row | ${per[i]} | $ratio"
    done
    printf '%s |\n' "$row"
done
