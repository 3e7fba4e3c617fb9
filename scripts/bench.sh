#!/usr/bin/env bash
# bench.sh — tinydl side by side with libtorch on the workloads W1–W6 of BENCHMARKS.md
# (see docs/performance.md for what they are and a recorded run).
#
#   bash scripts/bench.sh                 # the full comparison (about an hour on 2 cores)
#   bash scripts/bench.sh --quick         # a few minutes: 1 repeat, short W2, fewer sizes
#   bash scripts/bench.sh --repeats 3 --threads "2" --workloads "W1 W3"
#
# What it does:
#   1. installs what is missing: tinydl's own dependencies (scripts/install_deps.sh), and for the
#      comparison Debian's libtorch-dev (PyTorch 1.13.1, CPU) and libopenblas0-pthread (the BLAS
#      behind libtorch's GEMM; without it Debian falls back to the reference BLAS, ~6 GFLOP/s).
#      apt-get runs as root or through sudo. The README's two commands never need any of this.
#   2. builds tinydl (Release, default options, build-bench/) and the libtorch twins
#      (benchmarks/libtorch, build-libtorch/), both with ccache when usable;
#   3. runs every workload with 1 and 2 threads, alternating tinydl / libtorch in its best
#      configuration / libtorch stock, `--repeats` times (stock only in the first repeat, and
#      one epoch of W1/W2: it is slow);
#   4. prints the table (benchmarks/bench_table.py) and keeps the raw JSON lines and the logs.
#
# libtorch "best" = env -u OPENBLAS_CORETYPE GLIBC_TUNABLES=glibc.malloc.mmap_threshold=
#   33554432:glibc.malloc.trim_threshold=17179869184 OMP_WAIT_POLICY=passive (BENCHMARKS.md);
# "stock" = the environment without those knobs. tinydl always runs without them: it must be
# fast with no tuning.
#
# Options:
#   --quick              1 repeat; W1 1 epoch; W2 100 steps (the table extrapolates to an
#                        epoch); W3 N = 256, 1024; W4 fewer iterations; W5 3 samples
#   --repeats N          runs per configuration (default 2)
#   --threads "1 2"      thread counts (default "1 2")
#   --workloads "..."    any of W1 W2 W3 W4 W5 (W6 comes with W2; default all)
#   --w1-epochs N        epochs per W1 run (default 5: accuracy after 5 epochs)
#   --w2-epochs N        epochs per W2 run (default 3: accuracy after 3 epochs)
#   --no-stock           skip libtorch's stock configuration
#   --skip-install, --skip-build
#   --out DIR            where results go (default build-bench/results/<UTC date and time>)
# Environment: TINYDL_BENCH_BUILD_DIR (default build-bench) for tinydl's build tree.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=common.sh
source "$repo_root/scripts/common.sh"

quick=0 repeats=2 threads="1 2" workloads="W1 W2 W3 W4 W5" w1_epochs=5 w2_epochs=3 w2_steps=0
stock=1 install=1 build=1 out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1; repeats=1; w1_epochs=1; w2_epochs=1; w2_steps=100 ;;
        --repeats) repeats=$2; shift ;;
        --threads) threads=$2; shift ;;
        --workloads) workloads=$2; shift ;;
        --w1-epochs) w1_epochs=$2; shift ;;
        --w2-epochs) w2_epochs=$2; shift ;;
        --no-stock) stock=0 ;;
        --skip-install) install=0 ;;
        --skip-build) build=0 ;;
        --out) out=$2; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
tinydl_build="${TINYDL_BENCH_BUILD_DIR:-$repo_root/build-bench}"
torch_build="$repo_root/build-libtorch"
out="${out:-$tinydl_build/results/$(date -u +%Y%m%d-%H%M%S)}"  # under build*/: ignored by git
mkdir -p "$out"
raw="$out/results.jsonl"
log="$out/log.txt"
: > "$raw"

# ---- 1. install -------------------------------------------------------------------------------
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
if [ "$install" = 1 ]; then
    bash "$repo_root/scripts/install_deps.sh"
    missing=()
    for p in libtorch-dev libopenblas0-pthread; do is_installed "$p" || missing+=("$p"); done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "bench.sh: installing ${missing[*]} (for the libtorch side of the comparison)"
        as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" \
            || echo "bench.sh: could not install ${missing[*]}; the libtorch columns will be empty" >&2
    fi
fi

# ---- 2. build ---------------------------------------------------------------------------------
have_torch=0
if [ "$build" = 1 ]; then
    launcher=()
    if ccache_usable; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
    cmake -S "$repo_root" -B "$tinydl_build" -DCMAKE_BUILD_TYPE=Release -DTINYDL_WITH_CUDA=OFF \
        -DTINYDL_BUILD_BENCHMARKS=ON -DTINYDL_BUILD_TESTS=OFF -DTINYDL_BUILD_EXAMPLES=OFF "${launcher[@]}" >> "$log"
    cmake --build "$tinydl_build" -j "$build_jobs" --target bench_train bench_gemm bench_overhead bench_conv >> "$log"
    if cmake -S "$repo_root/benchmarks/libtorch" -B "$torch_build" -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >> "$log" 2>&1 &&
       cmake --build "$torch_build" -j "$build_jobs" >> "$log" 2>&1; then
        have_torch=1
    else
        echo "bench.sh: the libtorch programs did not build (is libtorch-dev installed? see $log)" >&2
    fi
else
    [ -x "$torch_build/torch_train" ] && have_torch=1
fi
bin="$tinydl_build/benchmarks"

# ---- 3. run -----------------------------------------------------------------------------------
# tinydl and stock libtorch run without the tuning knobs, even if this shell has them set
# (OPENBLAS_CORETYPE stays as the machine exports it: it is part of "stock").
plain_env=(env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT -u GLIBC_TUNABLES -u OMP_NUM_THREADS -u OPENBLAS_NUM_THREADS)
best_env=(env -u OPENBLAS_CORETYPE
          GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=17179869184
          OMP_WAIT_POLICY=passive)

# run LABEL CMD...: one program, its JSON lines to $raw, everything else to $log.
run() {
    local label=$1; shift
    echo "[$(date -u +%H:%M:%S)] load $(cut -d' ' -f1 /proc/loadavg) | $label: $*" | tee -a "$log"
    "$@" > "$out/.last" 2>> "$log" || echo "bench.sh: FAILED ($?): $*" | tee -a "$log" >&2
    grep '^{' "$out/.last" >> "$raw" || true
    cat "$out/.last" >> "$log"
}

# side_by_side TINYDL_CMD -- TORCH_CMD: tinydl, then libtorch best, then (first repeat) stock.
side_by_side() {
    local tinydl_cmd=() torch_cmd=()
    while [ "$1" != "--" ]; do tinydl_cmd+=("$1"); shift; done
    shift
    torch_cmd=("$@")
    run tinydl "${plain_env[@]}" "${tinydl_cmd[@]}"
    if [ "$have_torch" = 1 ]; then
        run "libtorch best" "${best_env[@]}" "${torch_cmd[@]}" --label best
        if [ "$stock" = 1 ] && [ "$rep" = 1 ]; then run "libtorch stock" "${plain_env[@]}" "${torch_cmd[@]}" --label stock; fi
    fi
}

# train_side_by_side MODEL THREADS EPOCHS [--steps N]: W1 or W2 (and W6). Stock libtorch is
# several times slower here (BENCHMARKS.md: 5.1 s and 66 s an epoch): it trains one epoch.
train_side_by_side() {
    local model=$1 t=$2 epochs=$3; shift 3
    run tinydl "${plain_env[@]}" "$bin/bench_train" --model "$model" --threads "$t" --epochs "$epochs" "$@"
    if [ "$have_torch" = 1 ]; then
        run "libtorch best" "${best_env[@]}" "$torch_build/torch_train" --model "$model" --threads "$t" \
            --epochs "$epochs" "$@" --label best
        if [ "$stock" = 1 ] && [ "$rep" = 1 ]; then
            run "libtorch stock" "${plain_env[@]}" "$torch_build/torch_train" --model "$model" --threads "$t" --epochs 1 "$@" --label stock
        fi
    fi
}

sizes="128,256,512,1024,2048"; w4_iters=20000; w5_samples=7
if [ "$quick" = 1 ]; then sizes="256,1024"; w4_iters=5000; w5_samples=3; fi
steps_flag=()
if [ "$w2_steps" -gt 0 ]; then steps_flag=(--steps "$w2_steps"); fi

{
    echo "tinydl benchmark run, $(date -u '+%Y-%m-%d %H:%M UTC')"
    # The commit, and a fingerprint of uncommitted changes to tracked files (sha256 of git diff).
    echo "tree: $(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$repo_root" diff --quiet 2>/dev/null ||
        echo " + uncommitted changes in $(git -C "$repo_root" diff --name-only | wc -l) files (diff sha256 $(git -C "$repo_root" diff | sha256sum | cut -c1-12))")"
    echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
    echo "options: repeats=$repeats threads='$threads' workloads='$workloads' w1_epochs=$w1_epochs w2_epochs=$w2_epochs w2_steps=$w2_steps quick=$quick"
} | tee "$out/run.txt" | tee -a "$log"

for rep in $(seq 1 "$repeats"); do
    for t in $threads; do
        for w in $workloads; do
            case $w in
                W1) train_side_by_side mlp "$t" "$w1_epochs" ;;
                W2) train_side_by_side cnn "$t" "$w2_epochs" "${steps_flag[@]}" ;;
                W3) side_by_side "$bin/bench_gemm" --threads "$t" --sizes "$sizes" -- \
                                 "$torch_build/torch_gemm" --threads "$t" --sizes "$sizes"
                    # OpenBLAS called directly: the third contender for the best GEMM rate
                    if [ -x "$torch_build/blas_gemm" ]; then
                        run "OpenBLAS" "${plain_env[@]}" "$torch_build/blas_gemm" --threads "$t" --sizes "$sizes"
                    fi ;;
                W4) side_by_side "$bin/bench_overhead" --threads "$t" --iters "$w4_iters" -- \
                                 "$torch_build/torch_overhead" --threads "$t" --iters "$w4_iters" ;;
                W5) side_by_side "$bin/bench_conv" --threads "$t" --samples "$w5_samples" -- \
                                 "$torch_build/torch_conv" --threads "$t" --samples "$w5_samples" ;;
                *) echo "bench.sh: unknown workload $w" >&2; exit 2 ;;
            esac
        done
    done
done
rm -f "$out/.last"

# ---- 4. table ---------------------------------------------------------------------------------
python3 "$repo_root/benchmarks/bench_table.py" "$raw" | tee "$out/table.md"
echo
echo "raw results: $raw; log: $log"
