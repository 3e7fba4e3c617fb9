// micro_ops.cpp — Google Benchmark micro-benchmarks of single tinydl ops, to see where time goes
// inside the workloads of BENCHMARKS.md and to measure a kernel change in isolation.
//
//   elementwise   add, mul, relu on 1M float32 elements ([1024, 1024]), contiguous and
//                 transposed (inputs are .t() views: the kernel reads them with stride 1024)
//   reduce        sum over everything, over dim 0 and over the last dim of [1024, 1024]
//   matmul        mm at N = 256 and 512 (float32)
//   overhead      one autograd step of W4: y = (a*b + c).relu().sum(); y.backward()
//
// Counters: items_per_second counts elements (flops for mm, ops for the W4 step);
// bytes_per_second counts bytes read plus bytes written, once each, so it can be held against
// the machine's memory bandwidth.
//
// Run: micro_ops [--threads=N] [any Google Benchmark flag, e.g. --benchmark_filter=sum]
// --threads sets tinydl's thread count (default 1); see benchmarks/README.md.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tinydl/tinydl.h"

using namespace tinydl;

namespace {

constexpr int64_t kSide = 1024;  // [1024, 1024] = 1M elements = 4 MiB of float32
constexpr int64_t kNumel = kSide * kSide;
constexpr int64_t kFloatBytes = 4;

enum class Layout { Contiguous, Transposed };

// A [kSide, kSide] float32 operand: contiguous, or the transpose of a contiguous tensor.
Tensor operand(Layout layout) {
    Tensor t = randn({kSide, kSide});
    return layout == Layout::Contiguous ? t : t.t();
}

void set_counters(benchmark::State& state, int64_t items, int64_t bytes) {
    state.SetItemsProcessed(state.iterations() * items);
    state.SetBytesProcessed(state.iterations() * bytes);
}

// ---- elementwise ------------------------------------------------------------------------------
enum class Binary { Add, Mul };

void BM_binary(benchmark::State& state, Binary op, Layout layout) {
    const Tensor a = operand(layout), b = operand(layout);
    for (auto _ : state) {
        Tensor c = op == Binary::Add ? a + b : a * b;
        benchmark::DoNotOptimize(c.data_ptr());
    }
    set_counters(state, kNumel, 3 * kNumel * kFloatBytes);  // read a, b; write c
}

void BM_relu(benchmark::State& state, Layout layout) {
    const Tensor x = operand(layout);
    for (auto _ : state) {
        Tensor y = x.relu();
        benchmark::DoNotOptimize(y.data_ptr());
    }
    set_counters(state, kNumel, 2 * kNumel * kFloatBytes);  // read x; write y
}

BENCHMARK_CAPTURE(BM_binary, add_contiguous, Binary::Add, Layout::Contiguous)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_binary, add_transposed, Binary::Add, Layout::Transposed)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_binary, mul_contiguous, Binary::Mul, Layout::Contiguous)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_binary, mul_transposed, Binary::Mul, Layout::Transposed)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_relu, contiguous, Layout::Contiguous)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_relu, transposed, Layout::Transposed)->Unit(benchmark::kMicrosecond);

// ---- reductions -------------------------------------------------------------------------------
enum class SumOver { All, Dim0, LastDim };

void BM_sum(benchmark::State& state, SumOver over) {
    const Tensor x = operand(Layout::Contiguous);
    const int64_t dim = over == SumOver::Dim0 ? 0 : -1;
    int64_t out_numel = 1;
    for (auto _ : state) {
        Tensor s = over == SumOver::All ? x.sum() : x.sum(dim);
        out_numel = s.numel();
        benchmark::DoNotOptimize(s.data_ptr());
    }
    set_counters(state, kNumel, (kNumel + out_numel) * kFloatBytes);
}

BENCHMARK_CAPTURE(BM_sum, all, SumOver::All)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_sum, dim0, SumOver::Dim0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_sum, last_dim, SumOver::LastDim)->Unit(benchmark::kMicrosecond);

// ---- matmul -----------------------------------------------------------------------------------
void BM_mm(benchmark::State& state) {
    const int64_t n = state.range(0);
    const Tensor a = randn({n, n}), b = randn({n, n});
    for (auto _ : state) {
        Tensor c = mm(a, b);
        benchmark::DoNotOptimize(c.data_ptr());
    }
    set_counters(state, 2 * n * n * n, 3 * n * n * kFloatBytes);  // items = flops
}
BENCHMARK(BM_mm)->Arg(256)->Arg(512)->Unit(benchmark::kMicrosecond);

// ---- framework overhead (W4) --------------------------------------------------------------------
void BM_w4_autograd_step(benchmark::State& state) {
    const Tensor a = randn({4}).requires_grad_(true);
    const Tensor b = randn({4}).requires_grad_(true);
    const Tensor c = randn({4}).requires_grad_(true);
    for (auto _ : state) {
        Tensor y = (a * b + c).relu().sum();
        y.backward();
        a.set_grad({});
        b.set_grad({});
        c.set_grad({});
    }
    state.SetItemsProcessed(state.iterations() * 4);  // 4 forward ops: mul, add, relu, sum
}
BENCHMARK(BM_w4_autograd_step);

void BM_w4_forward_nograd(benchmark::State& state) {
    const Tensor a = randn({4}), b = randn({4}), c = randn({4});
    NoGradGuard no_grad;
    for (auto _ : state) {
        Tensor y = (a * b + c).relu().sum();
        benchmark::DoNotOptimize(y.data_ptr());
    }
    state.SetItemsProcessed(state.iterations() * 4);
}
BENCHMARK(BM_w4_forward_nograd);

}  // namespace

// Like BENCHMARK_MAIN, plus our own --threads=N (taken out of argv before Google Benchmark
// sees it, since it rejects flags it does not know).
int main(int argc, char** argv) {
    int threads = 1;
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        if (std::strncmp(argv[i], "--threads=", 10) == 0) threads = std::atoi(argv[i] + 10);
        else args.push_back(argv[i]);
    }
    if (threads < 1) threads = 1;
    set_num_threads(threads);
    manual_seed(0);
    benchmark::AddCustomContext("tinydl_threads", std::to_string(threads));
    int n = static_cast<int>(args.size());
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
