# shellcheck shell=bash disable=SC2034  # variables used by the scripts that source this one
# common.sh — sourced by run.sh and test.sh: configures the build tree both of them share.
#
# Environment knobs (all optional):
#   TINYDL_BUILD_DIR   build directory (default: build, at the repository root)
#   TINYDL_WITH_CUDA   AUTO (default: CUDA when nvcc, cuBLAS and cuDNN are found), ON or OFF
#   TINYDL_CMAKE_ARGS  extra arguments for the configure step, e.g. "-DTINYDL_NATIVE=ON"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${TINYDL_BUILD_DIR:-$repo_root/build}"
build_jobs="$(nproc 2>/dev/null || echo 2)"

# ccache speeds up rebuilds, but a compile must never fail because of it: use it only when its
# cache directory can be written.
ccache_usable() {
    command -v ccache >/dev/null || return 1
    local dir
    dir="$(ccache --get-config cache_dir 2>/dev/null)" || return 1
    mkdir -p "$dir" 2>/dev/null && [ -w "$dir" ]
}

# configure_tinydl [cmake -D arguments...]: (re)configures $build_dir as a Release build. An
# existing build tree is reused, so a second run only rebuilds what changed.
configure_tinydl() {
    local args=(-S "$repo_root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "$@")
    if [ -n "${TINYDL_WITH_CUDA:-}" ]; then
        args+=("-DTINYDL_WITH_CUDA=$TINYDL_WITH_CUDA")
    fi
    if ccache_usable; then
        args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
    fi
    # shellcheck disable=SC2206  # word splitting of the extra arguments is intended
    args+=(${TINYDL_CMAKE_ARGS:-})
    cmake "${args[@]}"
}
