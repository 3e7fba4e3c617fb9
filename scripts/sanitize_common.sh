# shellcheck shell=bash disable=SC2034  # variables used by the scripts that source this one
# sanitize_common.sh — sourced by sanitize.sh and fuzz.sh: the one sanitizer build both share.
#
# One build tree ($TINYDL_SANITIZE_BUILD_DIR, default build-asan/) compiled by clang with
# AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer comes with ASan), any report
# fatal (-fno-sanitize-recover=all). The library also carries libFuzzer's coverage
# instrumentation (-fsanitize=fuzzer-no-link, via TINYDL_BUILD_FUZZERS), so the same objects
# serve the test suite and the fuzz targets: one library build instead of two.
#
# -O1 -gline-tables-only instead of RelWithDebInfo's -O2 -g: a third less compile time, stack
# traces still have file:line, and -O1 is what ASan recommends (docs/reliability.md has the
# numbers). Benchmarks are off (nothing to check there); the CUDA seam is off (ASan and
# cudaMalloc need protect_shadow_gap=0, and CI machines have no GPU).
#
# Environment knobs (all optional):
#   TINYDL_SANITIZE_BUILD_DIR   build directory (default: build-asan, at the repository root)
#   CXX                         the compiler (default: clang++-14, else clang++; g++ works for
#                               sanitize.sh without the fuzzers)
#   TINYDL_CMAKE_ARGS           extra configure arguments

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
build_dir="${TINYDL_SANITIZE_BUILD_DIR:-$repo_root/build-asan}"

sanitize_cxx() {
    if [ -n "${CXX:-}" ]; then echo "$CXX"; return; fi
    local c
    for c in clang++-14 clang++; do
        if command -v "$c" >/dev/null; then echo "$c"; return; fi
    done
    echo g++
}
sanitize_cxx="$(sanitize_cxx)"
sanitize_is_clang() { "$sanitize_cxx" --version 2>/dev/null | grep -q clang; }

# configure_sanitized: (re)configures $build_dir; fuzzers on with clang.
configure_sanitized() {
    local flags="-fsanitize=address,undefined"
    local fuzzers=OFF
    if sanitize_is_clang; then fuzzers=ON; fi
    local args=(-S "$repo_root" -B "$build_dir" -DTINYDL_WITH_CUDA=OFF
                -DCMAKE_CXX_COMPILER="$sanitize_cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo
                "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG"
                "-DCMAKE_CXX_FLAGS=$flags -fno-sanitize-recover=all -fno-omit-frame-pointer"
                "-DCMAKE_EXE_LINKER_FLAGS=$flags" "-DCMAKE_SHARED_LINKER_FLAGS=$flags"
                -DTINYDL_BUILD_TESTS=ON -DTINYDL_BUILD_EXAMPLES=ON -DTINYDL_BUILD_BENCHMARKS=OFF
                -DTINYDL_BUILD_FUZZERS="$fuzzers")
    if command -v ninja >/dev/null; then
        # Ninja only for a new tree: CMake cannot change the generator of an existing one.
        [ -f "$build_dir/CMakeCache.txt" ] || args+=(-G Ninja)
    fi
    if ccache_usable; then
        args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    fi
    # shellcheck disable=SC2206  # word splitting of the extra arguments is intended
    args+=(${TINYDL_CMAKE_ARGS:-})
    cmake "${args[@]}" >/dev/null
}

# Run-time options: the first report aborts; LSan runs at exit (the default with ASan on Linux,
# spelled out); suppressions are for leaks outside tinydl only (see the file).
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:strict_init_order=1:detect_stack_use_after_return=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$repo_root/tests/sanitizers/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
