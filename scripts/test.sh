#!/usr/bin/env bash
# test.sh — install what is missing, build everything (Release, in build/) and run every test:
# the unit tests, the examples' smoke runs and the packaging tests (install + find_package,
# add_subdirectory, pkg-config). GPU tests skip themselves without a GPU. Exits non-zero on
# any build or test failure. This is also what CI runs (.ci/run).
#
#   bash scripts/test.sh                  everything
#   bash scripts/test.sh -L packaging     arguments go to ctest (-L/-LE label, -R regex)
#
# See scripts/common.sh for TINYDL_BUILD_DIR, TINYDL_WITH_CUDA and TINYDL_CMAKE_ARGS.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
start=$(date +%s)

bash "$repo_root/scripts/install_deps.sh"
configure_tinydl -DTINYDL_BUILD_TESTS=ON -DTINYDL_BUILD_EXAMPLES=ON
cmake --build "$build_dir" --parallel "$build_jobs"
status=0
(cd "$build_dir" && ctest --output-on-failure --no-tests=error -j2 "$@") || status=$?
echo "test.sh: $(( $(date +%s) - start )) s, ctest exit status $status"
exit "$status"
