#!/usr/bin/env bash
# fuzz.sh — builds the libFuzzer targets of fuzz/ (clang, ASan + UBSan, any report fatal) and
# runs each for a bounded time, starting from the committed seed corpus fuzz/corpus/<target>/.
# Exits non-zero on any crash, leak, hang (one input over -timeout), allocation over the limit,
# sanitizer report or uncaught exception; the input that did it is kept in
# <build>/fuzz/runs/<target>/crash-* (or leak-*, timeout-*, oom-*), and rerunning the target on
# that file alone reproduces it:  build-asan/fuzz/fuzz_idx build-asan/fuzz/runs/fuzz_idx/crash-...
# Prints the executions per target. See docs/reliability.md, "Fuzzing".
#
#   bash scripts/fuzz.sh                    every target
#   bash scripts/fuzz.sh fuzz_idx           some targets
#
# Environment knobs (all optional; the build ones are in scripts/sanitize_common.sh):
#   TINYDL_FUZZ_SECONDS   seconds per target (default 60)
#   TINYDL_FUZZ_JOBS      targets run at once (default: the number of cores)
#   TINYDL_FUZZ_ARGS      extra libFuzzer flags, e.g. "-max_len=65536"
set -euo pipefail
# shellcheck source=scripts/sanitize_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/sanitize_common.sh"
start=$(date +%s)
seconds="${TINYDL_FUZZ_SECONDS:-60}"
parallel="${TINYDL_FUZZ_JOBS:-$build_jobs}"

if ! sanitize_is_clang; then
    echo "fuzz.sh: libFuzzer needs clang, but the compiler is $sanitize_cxx (apt-get install clang-14 libclang-rt-14-dev, or set CXX)" >&2
    exit 1
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in "$repo_root"/fuzz/fuzz_*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi

bash "$repo_root/scripts/install_deps.sh" --sanitizers
configure_sanitized
cmake --build "$build_dir" --parallel "$build_jobs" --target "${targets[@]}"

# Limits that turn resource bugs into failures: one input may take 10 s (sanitized, cold
# caches), one malloc 256 MB (a header's size believed before the file's is one), the whole
# process 2 GB. Leaks are checked after each input that allocated more than it freed.
run_target() {
    local target=$1 name=${1#fuzz_}
    local dir="$build_dir/fuzz/runs/$target"
    local dict=()
    [ -f "$repo_root/fuzz/$name.dict" ] && dict=("-dict=$repo_root/fuzz/$name.dict")
    mkdir -p "$dir/corpus"
    # New inputs go to the first corpus directory (in the build tree); the committed seeds are
    # only read. ${TINYDL_FUZZ_ARGS} is split into flags on purpose.
    # shellcheck disable=SC2086
    (cd "$dir" && "$build_dir/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -malloc_limit_mb=256 -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$dir/" \
        "${dict[@]}" ${TINYDL_FUZZ_ARGS:-} "$dir/corpus" "$repo_root/fuzz/corpus/$name") >"$dir/log.txt" 2>&1
}

# Run them $parallel at a time; wait -n returns as soon as one finishes.
for target in "${targets[@]}"; do
    mkdir -p "$build_dir/fuzz/runs/$target"
    rm -f "$build_dir/fuzz/runs/$target/status"
    while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
    (rc=0; run_target "$target" || rc=$?; echo "$rc" >"$build_dir/fuzz/runs/$target/status") &
    echo "fuzz.sh: $target for ${seconds} s"
done
wait

status=0
printf '%-20s %12s %10s %8s  %s\n' target executions exec/s corpus result
for target in "${targets[@]}"; do
    dir="$build_dir/fuzz/runs/$target"
    log="$dir/log.txt"
    rc=$(cat "$dir/status" 2>/dev/null || echo "?")
    runs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
    # "Done N runs in S second(s)" (libFuzzer's own average is often printed as 0)
    took=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -oE '[0-9]+ second' | grep -oE '[0-9]+' || echo 0)
    rate=$(( took > 0 ? runs / took : 0 ))
    corpus=$(find "$dir/corpus" -type f | wc -l)
    result=ok
    # A non-zero exit is a crash, leak, timeout or OOM; the log is also searched, in case a
    # report did not reach the exit status.
    if [ "$rc" != 0 ] || grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY: ' "$log"; then
        result="FAILED (exit $rc): see $log"
        status=1
    fi
    printf '%-20s %12s %10s %8s  %s\n' "$target" "$runs" "$rate" "$corpus" "$result"
done
for target in "${targets[@]}"; do
    log="$build_dir/fuzz/runs/$target/log.txt"
    if [ "$(cat "$build_dir/fuzz/runs/$target/status" 2>/dev/null)" != 0 ]; then
        echo "---- $target: the end of $log" >&2
        tail -n 40 "$log" >&2
    fi
done
echo "fuzz.sh: $(( $(date +%s) - start )) s, exit status $status"
exit "$status"
