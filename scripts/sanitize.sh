#!/usr/bin/env bash
# sanitize.sh — builds the CPU configuration with AddressSanitizer + UndefinedBehaviorSanitizer
# (LeakSanitizer included, the first report aborts the process) and runs the whole test suite
# under it, the packaging tests excepted (they install and rebuild tinydl without the flags).
# Exits non-zero on any build or test failure, and on any sanitizer report found in the tests'
# output, even one a test that expects a failure (a killed child, a WILL_FAIL smoke run) swallowed.
# Not part of .ci/run yet: on a 2-core machine it takes about half an hour from scratch
# (docs/reliability.md, "Sanitizers").
#
#   bash scripts/sanitize.sh              everything but the packaging label
#   bash scripts/sanitize.sh -R ops\.     arguments go to ctest (-R regex, -L label)
#
# Environment knobs (all optional):
#   TINYDL_SANITIZE_BUILD_DIR   build directory (default: build-asan, at the repository root)
#   CXX                         the compiler (default: g++; clang++ works too)
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${TINYDL_SANITIZE_BUILD_DIR:-$repo_root/build-asan}"
build_jobs="$(nproc 2>/dev/null || echo 2)"
start=$(date +%s)

sanitize="-fsanitize=address,undefined"
args=(-S "$repo_root" -B "$build_dir" -DTINYDL_WITH_CUDA=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
      "-DCMAKE_CXX_COMPILER=${CXX:-g++}"
      "-DCMAKE_CXX_FLAGS=$sanitize -fno-sanitize-recover=all -fno-omit-frame-pointer"
      "-DCMAKE_EXE_LINKER_FLAGS=$sanitize" "-DCMAKE_SHARED_LINKER_FLAGS=$sanitize"
      -DTINYDL_BUILD_TESTS=ON -DTINYDL_BUILD_EXAMPLES=ON)
if command -v ccache >/dev/null; then
    args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake "${args[@]}"
cmake --build "$build_dir" --parallel "$build_jobs"

# halt_on_error: the first report fails the test; LSan runs at exit (the default with ASan on
# Linux, spelled out here). Suppressions are for leaks outside tinydl only (see the file).
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:strict_init_order=1:detect_stack_use_after_return=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$repo_root/tests/sanitizers/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

status=0
(cd "$build_dir" && ctest --output-on-failure --no-tests=error -j2 -LE packaging "$@") || status=$?
log="$build_dir/Testing/Temporary/LastTest.log"
if [ -f "$log" ] && grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$log"; then
    echo "sanitize.sh: sanitizer reports in the tests' output:" >&2
    grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: ' "$log" | sort | uniq -c >&2
    [ "$status" -ne 0 ] || status=1
fi
echo "sanitize.sh: $(( $(date +%s) - start )) s, exit status $status"
exit "$status"
