#!/usr/bin/env bash
# run.sh — the main job: install what is missing, build tinydl (Release, in build/) and train
# examples/mnist_cnn on Fashion-MNIST (Debian's dataset-fashion-mnist, installed by
# install_deps.sh): the default CNN, Adam, 3 epochs, with a progress bar, per-epoch test accuracy
# and time, and the final test accuracy (about 90%). Arguments go to the trainer (see
# mnist_cnn --help; e.g. --model lenet5, --augment, --epochs 5).
#
#   bash scripts/run.sh          bash scripts/run.sh --model bn --epochs 5
#
# See scripts/common.sh for TINYDL_BUILD_DIR, TINYDL_WITH_CUDA and TINYDL_CMAKE_ARGS.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bash "$repo_root/scripts/install_deps.sh"
configure_tinydl -DTINYDL_BUILD_EXAMPLES=ON
cmake --build "$build_dir" --parallel "$build_jobs" --target mnist_cnn
"$build_dir/examples/mnist_cnn" "$@"
