#!/usr/bin/env bash
# install_deps.sh — installs the Debian packages that tinydl needs, and only the missing ones.
#
#   required: cmake g++ make pkg-config            the toolchain (pkg-config: a packaging test)
#             libeigen3-dev libfmt-dev             CPU kernels (Eigen) and printing (fmt)
#             zlib1g-dev nlohmann-json3-dev        gzip'd IDX data (zlib), safetensors headers (JSON)
#             libcli11-dev                         the trainers' command lines (CLI11)
#             dataset-fashion-mnist                the trainers' default data set (IDX files under
#                                                  /usr/share/datasets/fashion-mnist)
#             libgtest-dev libgmock-dev googletest  unit tests (GoogleTest/GoogleMock)
#             libbenchmark-dev                     benchmarks/ (Google Benchmark)
#   optional: ccache                               faster rebuilds; used when present
#   with --sanitizers (scripts/sanitize.sh, fuzz.sh, reliability.sh), also required:
#             clang-14 libclang-rt-14-dev          clang and its sanitizer + libFuzzer runtimes
#
# Quiet when everything is there. Otherwise runs `apt-get update` once and installs what is
# missing, as root or through sudo. Nothing outside Debian's package archive is downloaded.
# A missing optional package is a warning, not a failure. The CUDA toolkit is not installed
# here: tinydl finds it when present (/usr/local/cuda) and builds for the CPU otherwise.
set -euo pipefail

required=(cmake g++ make pkg-config libeigen3-dev libfmt-dev zlib1g-dev nlohmann-json3-dev libcli11-dev
          libgtest-dev libgmock-dev googletest libbenchmark-dev dataset-fashion-mnist)
optional=(ccache)
if [ "${1:-}" = "--sanitizers" ]; then
    required+=(clang-14 libclang-rt-14-dev)
fi

is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
    echo "install_deps: not a Debian-like system; make sure these are installed: ${required[*]} (optional: ${optional[*]})" >&2
    exit 0
fi

missing_required=()
missing_optional=()
for p in "${required[@]}"; do is_installed "$p" || missing_required+=("$p"); done
for p in "${optional[@]}"; do is_installed "$p" || missing_optional+=("$p"); done
if [ ${#missing_required[@]} -eq 0 ] && [ ${#missing_optional[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=(env DEBIAN_FRONTEND=noninteractive)
elif command -v sudo >/dev/null; then
    as_root=(sudo env DEBIAN_FRONTEND=noninteractive)
else
    missing=("${missing_required[@]}" "${missing_optional[@]}")
    echo "install_deps: missing packages: ${missing[*]}" >&2
    echo "install_deps: run as root, or install sudo, or install them yourself" >&2
    exit 1
fi

missing=("${missing_required[@]}" "${missing_optional[@]}")
echo "install_deps: installing ${missing[*]}"
if ! "${as_root[@]}" apt-get update -qq; then
    echo "install_deps: apt-get update failed; trying with the package lists already on this machine" >&2
fi
apt_install() { "${as_root[@]}" apt-get install -y -qq -o=Dpkg::Use-Pty=0 --no-install-recommends "$@"; }

if [ ${#missing_required[@]} -gt 0 ]; then
    apt_install "${missing_required[@]}"
fi
for p in "${missing_optional[@]}"; do
    apt_install "$p" || echo "install_deps: warning: optional package $p could not be installed; going on without it" >&2
done
