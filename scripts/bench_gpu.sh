#!/usr/bin/env bash
# bench_gpu.sh — tinydl on the GPU side by side with PyTorch eager (Python) on the workloads
# W1–W6 of BENCHMARKS.md (the GPU half of issue 5; scripts/bench.sh is the CPU comparison with
# libtorch). Needs no network: PyTorch must already be installed for python3.
#
#   bash scripts/bench_gpu.sh                    # build, then everything, 2 repeats (a few minutes)
#   bash scripts/bench_gpu.sh --quick            # about a minute once built
#   bash scripts/bench_gpu.sh --workloads "W1 W4" --repeats 3
#
# What it does:
#   1. builds tinydl with CUDA (Release, benchmarks on, tests and examples off) into
#      build-bench-gpu/, with ccache when usable (skipped with --skip-build or --bundle);
#   2. runs every workload alternately as tinydl (benchmarks/bench_* --device cuda) and PyTorch
#      (python3 benchmarks/pytorch/bench_gpu.py ... --device cuda), `--repeats` times, the first
#      of the two swapping from one repeat to the next so that drift hits both alike;
#   3. prints the table of `benchmarks/bench_table.py --gpu` (ratios tinydl / PyTorch, the goals
#      of issue 5: W1 and W2 epochs no slower than PyTorch eager, W4 overhead per op below
#      PyTorch's) and keeps the raw JSON lines and the logs.
#
# Both sides: float32 without TF32, cudnn.benchmark off (cuDNN's heuristics pick the algorithms,
# as in tinydl), a clock that waits for the GPU at every timing boundary, warm-up before timing.
#
# A GPU machine that cannot build tinydl (no Eigen, fmt, ... there) or has no Fashion-MNIST can be
# given a bundle made where it builds:
#   here:  bash scripts/bench_gpu.sh --build-only --pack build-bench-gpu/bundle.tar.xz
#   there: bash scripts/bench_gpu.sh --bundle build-bench-gpu/bundle.tar.xz --out "$OUT/gpu"
# The bundle (~40 MB) holds the four benchmark programs, stripped, the four IDX files, and
# libgomp/libz in case the GPU machine lacks them.
#
# Options:
#   --quick              1 repeat; W1 2 epochs; W2 1 epoch; W3 N = 256, 1024, 4096; W4 and W5
#                        fewer samples
#   --repeats N          runs per framework and workload (default 2)
#   --workloads "..."    any of W1 W2 W3 W4 W5 (W6 comes with W2; default all)
#   --w1-epochs N        epochs per W1 run (default 5: accuracy after 5 epochs)
#   --w2-epochs N        epochs per W2 run (default 3: accuracy after 3 epochs)
#   --device D           cuda (default) or cuda:N (tinydl wants CUDA_VISIBLE_DEVICES=N instead)
#   --threads N          CPU threads of both frameworks (the host side; default 1)
#   --cudnn-benchmark    PyTorch with torch.backends.cudnn.benchmark = True (tinydl has no such
#                        mode: the ratios then compare against PyTorch's autotuned convolutions)
#   --data DIR           Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)
#   --timeout S          limit per program run in seconds (default 300); a run past it is logged
#                        as FAILED and the next one starts
#   --skip-build         use the programs already in the build directory
#   --build-only         build, (pack), and stop
#   --pack FILE          after the build, write the bundle FILE (.tar.xz) for another machine
#   --bundle FILE        run the programs and data of a bundle (implies --skip-build)
#   --out DIR            where results go (default build-bench-gpu/results/<UTC date and time>)
#   --record             also copy the results to benchmarks/results/<date>-gpu-run.{jsonl,txt}
#   --python PY          the Python with PyTorch (default python3)
# Environment: TINYDL_BENCH_GPU_BUILD_DIR (default build-bench-gpu) for tinydl's build tree.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=common.sh
source "$repo_root/scripts/common.sh"

quick=0 repeats=2 workloads="W1 W2 W3 W4 W5" w1_epochs=5 w2_epochs=3 device=cuda threads=1
cudnn_benchmark=0 data_dir=/usr/share/datasets/fashion-mnist run_timeout=300 build=1 build_only=0
pack="" bundle="" out="" record=0 python=python3
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1; repeats=1; w1_epochs=2; w2_epochs=1 ;;
        --repeats) repeats=$2; shift ;;
        --workloads) workloads=$2; shift ;;
        --w1-epochs) w1_epochs=$2; shift ;;
        --w2-epochs) w2_epochs=$2; shift ;;
        --device) device=$2; shift ;;
        --threads) threads=$2; shift ;;
        --cudnn-benchmark) cudnn_benchmark=1 ;;
        --data) data_dir=$2; shift ;;
        --timeout) run_timeout=$2; shift ;;
        --skip-build) build=0 ;;
        --build-only) build_only=1 ;;
        --pack) pack=$2; shift ;;
        --bundle) bundle=$2; build=0; shift ;;
        --out) out=$2; shift ;;
        --record) record=1 ;;
        --python) python=$2; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench_gpu.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
build_dir="${TINYDL_BENCH_GPU_BUILD_DIR:-$repo_root/build-bench-gpu}"
programs=(bench_train bench_gemm bench_overhead bench_conv)

# ---- 1. build (and pack) ----------------------------------------------------------------------
if [ "$build" = 1 ]; then
    launcher=()
    if ccache_usable; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache); fi
    mkdir -p "$build_dir"
    echo "bench_gpu.sh: building tinydl with CUDA in $build_dir (log: $build_dir/build.log)"
    if ! { cmake -S "$repo_root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DTINYDL_WITH_CUDA=ON \
               -DTINYDL_BUILD_BENCHMARKS=ON -DTINYDL_BUILD_TESTS=OFF -DTINYDL_BUILD_EXAMPLES=OFF "${launcher[@]}" &&
           cmake --build "$build_dir" -j "$build_jobs" --target "${programs[@]}"; } > "$build_dir/build.log" 2>&1; then
        tail -20 "$build_dir/build.log" >&2
        echo "bench_gpu.sh: the CUDA build failed (see $build_dir/build.log); on a machine that cannot build" \
             "tinydl, use a bundle (--pack here, --bundle there)" >&2
        exit 1
    fi
fi
bin="$build_dir/benchmarks"

if [ -n "$pack" ]; then
    stage="$(mktemp -d)"
    mkdir -p "$stage/bin" "$stage/data" "$stage/lib"
    for p in "${programs[@]}"; do strip -o "$stage/bin/$p" "$bin/$p"; done
    # The small system libraries a bare GPU image may lack (the CUDA ones are big and come with
    # the toolkit or PyTorch there); used only where the loader finds none (see below).
    ldd "$bin/bench_train" | awk '$1 ~ /^lib(gomp|z|fmt)\.so/ && $3 ~ /^\// {print $3}' |
        while read -r lib; do cp -L "$lib" "$stage/lib/"; done
    cp "$data_dir"/*-ubyte* "$stage/data/"
    mkdir -p "$(dirname "$pack")"
    # Python's tarfile writes and reads .tar.xz the same everywhere (no xz program needed there).
    python3 - "$stage" "$pack" <<'PY'
import os, sys, tarfile
stage, pack = sys.argv[1], sys.argv[2]
with tarfile.open(pack, "w:xz") as tar:
    for name in ("bin", "data", "lib"):
        tar.add(os.path.join(stage, name), arcname=name)
PY
    rm -rf "$stage"
    echo "bench_gpu.sh: wrote $pack ($(du -h "$pack" | cut -f1)); on the GPU machine: bash scripts/bench_gpu.sh --bundle $pack"
fi
if [ "$build_only" = 1 ]; then exit 0; fi

if [ -n "$bundle" ]; then
    unpacked="$(mktemp -d)"
    trap 'rm -rf "$unpacked"' EXIT
    python3 - "$bundle" "$unpacked" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1]) as tar:
    try:
        tar.extractall(sys.argv[2], filter="data")  # Python >= 3.12 (and recent 3.8-3.11)
    except TypeError:
        tar.extractall(sys.argv[2])
PY
    bin="$unpacked/bin"
    data_dir="$unpacked/data"
    fallback_libs="$unpacked/lib"
fi
for p in "${programs[@]}"; do
    [ -x "$bin/$p" ] || { echo "bench_gpu.sh: $bin/$p is missing (build first, or give --bundle)" >&2; exit 1; }
done

# The programs need the CUDA runtime, cuBLAS and cuDNN at run time. Where the loader does not find
# them (a machine whose CUDA libraries live elsewhere than where they were linked), look in the
# CUDA toolkit's folders and in the NVIDIA wheels that PyTorch brings along.
if ldd "$bin/bench_train" | grep -q "not found"; then
    extra_dirs=""
    for d in /usr/local/cuda/lib64 /usr/local/cuda/lib /usr/local/cuda/targets/x86_64-linux/lib; do
        if [ -d "$d" ]; then extra_dirs+="$d:"; fi
    done
    extra_dirs+="$("$python" - <<'PY' 2>/dev/null || true
import glob, os, site
dirs = []
for sp in site.getsitepackages() + [site.getusersitepackages()]:
    dirs += [d for d in glob.glob(os.path.join(sp, "nvidia", "**", "lib"), recursive=True) if os.path.isdir(d)]
print(":".join(dirs))
PY
)"
    if [ -n "${fallback_libs:-}" ]; then extra_dirs+="$fallback_libs"; fi
    export LD_LIBRARY_PATH="${extra_dirs%:}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    if ldd "$bin/bench_train" | grep "not found" >&2; then
        echo "bench_gpu.sh: libraries above not found, even with LD_LIBRARY_PATH=$LD_LIBRARY_PATH" >&2
        exit 1
    fi
fi
if ! "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    echo "bench_gpu.sh: $python has no PyTorch with a usable GPU; the PyTorch columns will be empty" >&2
fi

# ---- 2. run -----------------------------------------------------------------------------------
out="${out:-$build_dir/results/$(date -u +%Y%m%d-%H%M%S)}"  # under build*/: ignored by git
mkdir -p "$out"
raw="$out/results.jsonl"
log="$out/log.txt"
: > "$raw"
py=(env PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 "$python" "$repo_root/benchmarks/pytorch/bench_gpu.py")

# run LABEL CMD...: one program, its JSON lines to $raw, everything else to $log.
run() {
    local label=$1; shift
    echo "[$(date -u +%H:%M:%S)] $label: $*" | tee -a "$log"
    local rc=0
    timeout "$run_timeout" "$@" > "$out/.last" 2>> "$log" || rc=$?
    if [ "$rc" != 0 ]; then echo "bench_gpu.sh: FAILED ($rc): $*" | tee -a "$log" >&2; fi
    grep '^{' "$out/.last" >> "$raw" || true
    cat "$out/.last" >> "$log"
}

# pair WORKLOAD_ARGS_TINYDL -- WORKLOAD_ARGS_PYTORCH: both sides, the first one alternating.
pair() {
    local tinydl_cmd=() torch_cmd=()
    while [ "$1" != "--" ]; do tinydl_cmd+=("$1"); shift; done
    shift
    torch_cmd=("$@")
    if [ $((rep % 2)) = 1 ]; then
        run tinydl "${tinydl_cmd[@]}"
        run pytorch "${torch_cmd[@]}"
    else
        run pytorch "${torch_cmd[@]}"
        run tinydl "${tinydl_cmd[@]}"
    fi
}

sizes="128,256,512,1024,2048,4096"; w4_iters=2000; w4_samples=7; w5_samples=7
if [ "$quick" = 1 ]; then sizes="256,1024,4096"; w4_iters=1000; w4_samples=5; w5_samples=3; fi
common=(--device "$device")
pycommon=(--device "$device" --cudnn-benchmark "$cudnn_benchmark")

{
    echo "tinydl GPU benchmark run (PyTorch eager alongside), $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "tree: $(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$repo_root" diff --quiet 2>/dev/null ||
        echo " + uncommitted changes in $(git -C "$repo_root" diff --name-only | wc -l) files (diff sha256 $(git -C "$repo_root" diff | sha256sum | cut -c1-12))")"
    echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
    echo "gpu: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1 || echo unknown)"
    echo "pytorch: $("$python" -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version())' 2>/dev/null || echo none)"
    echo "options: repeats=$repeats workloads='$workloads' w1_epochs=$w1_epochs w2_epochs=$w2_epochs device=$device threads=$threads cudnn_benchmark=$cudnn_benchmark quick=$quick bundle=${bundle:-no}"
} | tee "$out/run.txt" | tee -a "$log"

for rep in $(seq 1 "$repeats"); do
    for w in $workloads; do
        case $w in
            W1) pair "$bin/bench_train" --model mlp --threads "$threads" --epochs "$w1_epochs" --data "$data_dir" "${common[@]}" -- \
                     "${py[@]}" train --model mlp --threads "$threads" --epochs "$w1_epochs" --data "$data_dir" "${pycommon[@]}" ;;
            W2) pair "$bin/bench_train" --model cnn --threads "$threads" --epochs "$w2_epochs" --data "$data_dir" "${common[@]}" -- \
                     "${py[@]}" train --model cnn --threads "$threads" --epochs "$w2_epochs" --data "$data_dir" "${pycommon[@]}" ;;
            W3) pair "$bin/bench_gemm" --threads "$threads" --sizes "$sizes" "${common[@]}" -- \
                     "${py[@]}" gemm --threads "$threads" --sizes "$sizes" "${pycommon[@]}" ;;
            W4) pair "$bin/bench_overhead" --threads "$threads" --iters "$w4_iters" --samples "$w4_samples" --warmup 200 "${common[@]}" -- \
                     "${py[@]}" overhead --threads "$threads" --iters "$w4_iters" --samples "$w4_samples" --warmup 200 "${pycommon[@]}" ;;
            W5) pair "$bin/bench_conv" --threads "$threads" --samples "$w5_samples" "${common[@]}" -- \
                     "${py[@]}" conv --threads "$threads" --samples "$w5_samples" "${pycommon[@]}" ;;
            *) echo "bench_gpu.sh: unknown workload $w" >&2; exit 2 ;;
        esac
    done
done
rm -f "$out/.last"

# ---- 3. table ---------------------------------------------------------------------------------
python3 "$repo_root/benchmarks/bench_table.py" --gpu "$raw" | tee "$out/table.md"
echo
echo "raw results: $raw; log: $log"
if [ "$record" = 1 ]; then
    stamp="$(date -u +%Y-%m-%d-%H%M)"
    cp "$raw" "$repo_root/benchmarks/results/$stamp-gpu-run.jsonl"
    cat "$out/run.txt" "$out/table.md" > "$repo_root/benchmarks/results/$stamp-gpu-run.txt"
    echo "recorded: benchmarks/results/$stamp-gpu-run.{jsonl,txt}"
fi
