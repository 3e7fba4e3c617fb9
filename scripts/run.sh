#!/usr/bin/env bash
# run.sh — the main job: install what is missing, build tinydl (Release, in build/) and run the
# example trainer. For now that is examples/demo_mlp (a two-layer MLP on synthetic data, which
# prints its falling loss); arguments are passed to it (demo_mlp [steps]).
#
#   bash scripts/run.sh          bash scripts/run.sh 1000
#
# See scripts/common.sh for TINYDL_BUILD_DIR, TINYDL_WITH_CUDA and TINYDL_CMAKE_ARGS.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bash "$repo_root/scripts/install_deps.sh"
configure_tinydl -DTINYDL_BUILD_EXAMPLES=ON
cmake --build "$build_dir" --parallel "$build_jobs" --target demo_mlp
"$build_dir/examples/demo_mlp" "$@"
