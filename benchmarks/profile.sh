#!/usr/bin/env bash
# profile.sh — where a W1 or W2 training step of tinydl spends its time: runs bench_train under
# `perf record` (software clock: works where hardware counters are not exposed, as on these VMs)
# and prints the hottest functions and the time per category (GEMM, copies, elementwise, ...).
#
#   bash benchmarks/profile.sh [mlp|cnn] [steps] [threads] [build dir]
#   bash benchmarks/profile.sh mlp 300 1 build-bench
#
# The categories come from the function names (see categorize() below); data loading (zlib,
# reading the IDX files) is left out of the percentages, since the benchmark does not time it.
# Needs perf (Debian: linux-perf) and python3.
set -euo pipefail
model=${1:-mlp}
steps=${2:-200}
threads=${3:-1}
build=${4:-build-bench}
root=$(cd "$(dirname "$0")/.." && pwd)
exe=$root/$build/benchmarks/bench_train
[[ -x $exe ]] || { echo "profile.sh: $exe not built (cmake --build $build --target bench_train)" >&2; exit 1; }
command -v perf >/dev/null || { echo "profile.sh: perf not found (apt-get install linux-perf)" >&2; exit 1; }

data=$(mktemp /tmp/tinydl-profile.XXXXXX)
trap 'rm -f "$data"' EXIT
perf record -q -e cpu-clock -F 2999 -o "$data" -- \
    "$exe" --model "$model" --steps "$steps" --threads "$threads" --eval 0 --label profile
perf report -i "$data" --stdio --no-children --sort dso,symbol 2>/dev/null | python3 -c '
import re, sys

# (category, regex on "dso symbol"), first match wins. Kernel time during a step is almost all
# page faults: first touch of freshly mapped memory (clear_page, handle_mm_fault, ...).
RULES = [
    ("data loading (not timed)", r"libz\.so|load_mnist|read_maybe_gzip|read_idx|_copy_to_iter|filemap_"),
    ("kernel (page faults, zeroing, scheduling)", r"\[kernel"),
    ("data batching (bench harness)", r"gather_batch|bench_\w+ main$"),
    ("GEMM",                   r"gemm|gebp|gemm_pack|matmul|micro_kernel|Eigen::internal::general_matrix"),
    ("Winograd transforms",    r"transform_\w+|padded_row|winograd"),
    ("im2col / col2im",        r"im2col|col2im|unfold|fold"),
    ("copy / contiguous",      r"::copy\(|copy_|memmove|memcpy|contiguous"),
    ("pooling",                r"pool"),
    ("loss (softmax-CE)",      r"cross_entropy|log_softmax|nll|softmax"),
    ("reductions",             r"reduce|::sum|sum_to|Reduce"),
    ("optimizer step",         r"optim::"),
    ("conv glue (bias grad, reshapes)", r"conv2d_|conv_"),
    ("elementwise",            r"unary|binary|elementwise|relu|threshold|fill|memset|add_|mul_|for_each_run|Loop"),
    ("allocator (user space)", r"malloc|free|_int_|aligned_alloc|tcache|Allocator|allocat|Storage|operator new|operator delete|brk|mmap"),
    ("OpenMP runtime",         r"libgomp"),
    ("thread pool (workers polling, caller waiting)", r"parallel_for_impl|ThreadPool|std::thread::_State_impl"),
    ("autograd / dispatch / tensor bookkeeping", r"autograd|Node|backward|Backward|engine|TensorImpl|Tensor::|shared_ptr|tinydl::|std::"),
]
rows = []
for line in sys.stdin:
    m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[[.k]\]\s+(.*\S)\s*$", line)
    if m:
        rows.append((float(m.group(1)), m.group(2), re.sub(r"(\s+-)+$", "", m.group(3))))
def categorize(dso, sym):
    text = dso + " " + sym
    for name, rx in RULES:
        if re.search(rx, text):
            return name
    return "other"
cats = {}
loading = sum(p for p, d, s in rows if categorize(d, s) == "data loading (not timed)")
total = sum(p for p, d, s in rows) - loading
for p, d, s in rows:
    c = categorize(d, s)
    if c != "data loading (not timed)":
        cats[c] = cats.get(c, 0) + p
print("time per category (%% of the training loop; data loading excluded: %.1f%% of samples)" % loading)
for c, p in sorted(cats.items(), key=lambda kv: -kv[1]):
    print("  %6.1f%%  %s" % (100 * p / total, c))
print("hottest functions (%% of the training loop)")
for p, d, s in [r for r in rows if categorize(r[1], r[2]) != "data loading (not timed)"][:20]:
    s = re.sub(r"\(.*", "(...)", s) if len(s) > 110 else s
    print("  %6.1f%%  %-22s %s  [%s]" % (100 * p / total, d[:22], s[:110], categorize(d, s)))
'
