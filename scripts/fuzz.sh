#!/usr/bin/env bash
# Fuzzes meshbox's input parsers with libFuzzer (+ AddressSanitizer): builds `meshbox-fuzz` with
# -sanitize=fuzzer,address into .build-fuzz (its own build folder: other flags than the main
# build's) and runs each target for SECONDS (default 30) from its committed corpus in
# Fuzz/corpus/<target>/. New interesting inputs go to a scratch folder (merge them into the
# corpus by hand with -merge=1 when a long run finds coverage worth keeping); a crash is written
# to Fuzz/crashes/ and fails the script. lld links it: gold stops with an internal error on the
# ASan-instrumented objects.
#
#   scripts/fuzz.sh                    # every target, 30 s each
#   scripts/fuzz.sh 600 http1-request  # one target, 10 minutes
#   scripts/fuzz.sh smoke              # CI: 20,000 inputs a target from a fixed seed, so a run
#                                      # is repeatable: it fails only when the code changed
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
if [[ "$seconds" == smoke ]]; then
    budget=(-runs=20000 -seed=1)
    export SWIFT_DETERMINISTIC_HASHING=1  # the same coverage feedback, so the same inputs, every run
else
    budget=(-max_total_time="$seconds")
fi
targets=("$@")
((${#targets[@]})) || targets=(http1-request http1-response resources duration csr dns-message)

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
echo "building meshbox-fuzz (-sanitize=fuzzer,address) in .build-fuzz"
if ! swift build --product meshbox-fuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING -Xswiftc -use-ld=lld \
    >"$scratch/build.log" 2>&1; then
    grep -v "warning: Cannot export local symbol" "$scratch/build.log" | tail -40
    exit 1
fi
binary=.build-fuzz/debug/meshbox-fuzz
mkdir -p Fuzz/crashes
status=0
for target in "${targets[@]}"; do
    mkdir -p "$scratch/$target"
    echo "== $target: ${budget[*]}"
    if ! MESHBOX_FUZZ_TARGET=$target "$binary" "$scratch/$target" "Fuzz/corpus/$target" \
        "${budget[@]}" -max_len=65536 -rss_limit_mb=4096 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="Fuzz/crashes/$target-" 2>"$scratch/$target.log"; then
        status=1
        grep -E "ERROR|violated|Fatal|SUMMARY|Test unit written" "$scratch/$target.log" | head -20
    fi
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|cov:" "$scratch/$target.log" | tail -3
done
exit $status
