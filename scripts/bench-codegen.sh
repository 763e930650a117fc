#!/usr/bin/env bash
# Times code generation: `cargo xtask codegen` once xtask is built, then the
# rebuild of the generated crate after a one-line spec change (an operation
# summary edit, which lands in a doc comment of generated.rs). The spec and the
# generated files are restored on exit, whatever happens.
#
# Usage: scripts/bench-codegen.sh   (from anywhere in the workspace)
set -euo pipefail
cd "$(dirname "$0")/.."

spec=swagger.yaml
generated=generated-client/src/generated.rs
# Codegen also writes the CLI's subcommands, which carry the operation summaries.
cli_generated=cli/src/generated.rs
backup=$(mktemp -d)
cp "$spec" "$backup/spec" && cp "$generated" "$backup/generated" && cp "$cli_generated" "$backup/cli_generated"
restore() {
    cp "$backup/spec" "$spec" && cp "$backup/generated" "$generated" && cp "$backup/cli_generated" "$cli_generated"
    rm -rf "$backup"
}
trap restore EXIT

# Nanoseconds since the epoch; differences printed as seconds with two decimals (bash integers, no `bc`).
nanos() { date +%s%N; }
elapsed() { local ns=$(($2 - $1)); printf '%d.%02d' $((ns / 1000000000)) $((ns % 1000000000 / 10000000)); }

# Warm: xtask and the generated crate built, so only the measured step runs.
cargo build --quiet -p xtask
cargo build --quiet -p mirai-voice-generated

start=$(nanos)
cargo xtask codegen --check --quiet
check=$(elapsed "$start" "$(nanos)")

start=$(nanos)
cargo xtask codegen --quiet
codegen=$(elapsed "$start" "$(nanos)")

# One-line spec change: the first operation summary gets a suffix.
sed -i '0,/summary: platform health status$/s//summary: platform health status (edited)/' "$spec"
grep -q 'platform health status (edited)' "$spec" || { echo "spec edit not applied" >&2; exit 1; }
cargo xtask codegen --quiet
grep -q 'platform health status (edited)' "$generated" || { echo "edit not in generated.rs" >&2; exit 1; }
start=$(nanos)
cargo build --quiet -p mirai-voice-generated
rebuild=$(elapsed "$start" "$(nanos)")

printf '| Step | Wall time |\n| --- | --- |\n'
printf '| `cargo xtask codegen --check` (xtask built) | %s s |\n' "$check"
printf '| `cargo xtask codegen` (xtask built) | %s s |\n' "$codegen"
printf '| `cargo build -p mirai-voice-generated` after a one-line spec change (dev profile) | %s s |\n' "$rebuild"
