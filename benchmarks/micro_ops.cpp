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

// The three GEMMs of W1's first Linear(784 -> 512) on a batch of 128, with the operands as
// autograd hands them over: forward x W^T (W is [512, 784], used transposed), grad_x = grad_y W,
// grad_W = grad_y^T x (grad_y transposed). A transposed operand that the GEMM copies to a
// contiguous buffer first shows here as a gap between the three rates.
enum class LinearGemm { Forward, GradInput, GradWeight };

void BM_mm_linear(benchmark::State& state, LinearGemm which) {
    const Tensor x = randn({128, 784}), w = randn({512, 784}), grad_y = randn({128, 512});
    for (auto _ : state) {
        Tensor c = which == LinearGemm::Forward     ? mm(x, w.t())
                   : which == LinearGemm::GradInput ? mm(grad_y, w)
                                                    : mm(grad_y.t(), x);
        benchmark::DoNotOptimize(c.data_ptr());
    }
    state.SetItemsProcessed(state.iterations() * 2 * 128 * 784 * 512);  // flops
}
BENCHMARK_CAPTURE(BM_mm_linear, forward_x_wT, LinearGemm::Forward)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_mm_linear, grad_input_gy_w, LinearGemm::GradInput)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_mm_linear, grad_weight_gyT_x, LinearGemm::GradWeight)->Unit(benchmark::kMicrosecond);

// ---- the other hot ops of W2 ------------------------------------------------------------------
// max_pool2d 2x2 of W2's first block ([128, 32, 28, 28] -> [128, 32, 14, 14]), forward with the
// graph recorded, and forward + backward.
void BM_max_pool2d(benchmark::State& state, bool backward) {
    const Tensor x = randn({128, 32, 28, 28}).requires_grad_(true);
    const Tensor g = randn({128, 32, 14, 14});
    for (auto _ : state) {
        Tensor y = max_pool2d(x, 2);
        if (backward) {
            y.backward(g);
            x.set_grad({});
        }
        benchmark::DoNotOptimize(y.data_ptr());
    }
    set_counters(state, x.numel(), (x.numel() + g.numel()) * kFloatBytes * (backward ? 2 : 1));
}
BENCHMARK_CAPTURE(BM_max_pool2d, fwd, false)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_max_pool2d, fwd_bwd, true)->Unit(benchmark::kMicrosecond);

// The bias gradient of W2's first convolution: a sum over batch and space of [128, 32, 28, 28].
void BM_sum_conv_bias_grad(benchmark::State& state) {
    const Tensor g = randn({128, 32, 28, 28});
    for (auto _ : state) {
        Tensor s = g.sum({0, 2, 3});
        benchmark::DoNotOptimize(s.data_ptr());
    }
    set_counters(state, g.numel(), g.numel() * kFloatBytes);
}
BENCHMARK(BM_sum_conv_bias_grad)->Unit(benchmark::kMicrosecond);

// Softmax-cross-entropy of one W1/W2 batch (logits [128, 10]), forward + backward, and of a
// wider one ([128, 1000]) where the arithmetic, not the bookkeeping, dominates.
void BM_cross_entropy(benchmark::State& state) {
    const int64_t classes = state.range(0);
    const Tensor logits = randn({128, classes}).requires_grad_(true);
    const Tensor target = randint(0, classes, {128});
    for (auto _ : state) {
        Tensor loss = nn::functional::cross_entropy(logits, target);
        loss.backward();
        logits.set_grad({});
        benchmark::DoNotOptimize(loss.data_ptr());
    }
    set_counters(state, 128 * classes, 2 * 128 * classes * kFloatBytes);
}
BENCHMARK(BM_cross_entropy)->Arg(10)->Arg(1000)->Unit(benchmark::kMicrosecond);

// One optimizer step over the parameters of W1's MLP (535,818 floats; SGD momentum 0.9) and of
// W2's CNN (421,642 floats; Adam), with gradients already in place.
std::vector<Tensor> parameters_like(const std::vector<std::vector<int64_t>>& shapes) {
    std::vector<Tensor> params;
    for (const auto& shape : shapes) {
        Tensor p = randn(shape).requires_grad_(true);
        p.set_grad(randn(shape) * 0.01);
        params.push_back(p);
    }
    return params;
}

void BM_optimizer_step(benchmark::State& state, bool adam) {
    const std::vector<Tensor> params =
        adam ? parameters_like({{32, 1, 3, 3}, {32}, {64, 32, 3, 3}, {64}, {128, 3136}, {128}, {10, 128}, {10}})
             : parameters_like({{512, 784}, {512}, {256, 512}, {256}, {10, 256}, {10}});
    std::unique_ptr<optim::Optimizer> opt;
    if (adam) opt = std::make_unique<optim::Adam>(params, optim::AdamOptions(1e-3));
    else opt = std::make_unique<optim::SGD>(params, optim::SGDOptions(0.05).momentum(0.9));
    int64_t numel = 0;
    for (const Tensor& p : params) numel += p.numel();
    for (auto _ : state) opt->step();
    // SGD momentum reads p, grad, buf and writes p, buf; Adam reads p, grad, m, v, writes p, m, v.
    set_counters(state, numel, numel * kFloatBytes * (adam ? 7 : 5));
}
BENCHMARK_CAPTURE(BM_optimizer_step, sgd_momentum_w1, false)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_optimizer_step, adam_w2, true)->Unit(benchmark::kMicrosecond);

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

// ---- convolution (W5) -------------------------------------------------------------------------
// The two convolutions of W2 on a batch of 128 (3x3, pad 1, bias), as in bench_conv: "fwd" is
// the forward with the graph recorded; "fwd_bwd" adds backward with a fixed gradient. conv1's
// input is data (no input gradient), conv2's is an activation (input gradient too). Google
// Benchmark's CPU column counts the calling thread only: compare 1-thread runs on a busy machine
// by it. items_per_second counts the flops of the GEMM-shaped products.
namespace {

struct ConvCase {
    int64_t c_in, c_out, size;
    bool input_grad;
};
constexpr ConvCase kConv1{1, 32, 28, false}, kConv2{32, 64, 14, true};

void BM_w5_conv(benchmark::State& state, ConvCase c, bool backward) {
    constexpr int64_t batch = 128;
    const Tensor x = randn({batch, c.c_in, c.size, c.size}).requires_grad_(c.input_grad);
    const Tensor w = (randn({c.c_out, c.c_in, 3, 3}) * 0.1).requires_grad_(true);
    const Tensor b = (randn({c.c_out}) * 0.1).requires_grad_(true);
    const Tensor g = randn({batch, c.c_out, c.size, c.size});
    for (auto _ : state) {
        Tensor y = conv2d(x, w, b, 1, 1);
        if (backward) {
            y.backward(g);
            x.set_grad({});
            w.set_grad({});
            b.set_grad({});
        }
        benchmark::DoNotOptimize(y.data_ptr());
    }
    const int64_t products = backward ? (c.input_grad ? 3 : 2) : 1;
    state.SetItemsProcessed(state.iterations() * products * 2 * batch * c.c_out * c.size * c.size * c.c_in * 9);
}
BENCHMARK_CAPTURE(BM_w5_conv, conv1_fwd, kConv1, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_w5_conv, conv1_fwd_bwd, kConv1, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_w5_conv, conv2_fwd, kConv2, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_w5_conv, conv2_fwd_bwd, kConv2, true)->Unit(benchmark::kMillisecond);

// One gradient at a time: forward, then backward with only one of x, w, b requiring grad, so
// that (this time - conv*_fwd) is what that gradient's kernel costs.
enum class Part { Input, Weight, Bias };
void BM_w5_conv_part(benchmark::State& state, ConvCase c, Part part) {
    constexpr int64_t batch = 128;
    const Tensor x = randn({batch, c.c_in, c.size, c.size}).requires_grad_(part == Part::Input);
    const Tensor w = (randn({c.c_out, c.c_in, 3, 3}) * 0.1).requires_grad_(part == Part::Weight);
    const Tensor b = (randn({c.c_out}) * 0.1).requires_grad_(part == Part::Bias);
    const Tensor g = randn({batch, c.c_out, c.size, c.size});
    for (auto _ : state) {
        Tensor y = conv2d(x, w, b, 1, 1);
        y.backward(g);
        x.set_grad({});
        w.set_grad({});
        b.set_grad({});
        benchmark::DoNotOptimize(y.data_ptr());
    }
}
BENCHMARK_CAPTURE(BM_w5_conv_part, conv1_weight, kConv1, Part::Weight)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_w5_conv_part, conv1_bias, kConv1, Part::Bias)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_w5_conv_part, conv2_input, kConv2, Part::Input)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_w5_conv_part, conv2_weight, kConv2, Part::Weight)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_w5_conv_part, conv2_bias, kConv2, Part::Bias)->Unit(benchmark::kMillisecond);

}  // namespace

// ---- issue 7 (CPU performance): the allocator and transposed reads ----------------------------
namespace {
// A fresh tensor and its release: with the caching allocator a free-list pop and push, whatever
// the size (glibc maps and unmaps the big ones, page faults included).
void BM_alloc_free(benchmark::State& state) {
    for (auto _ : state) {
        Tensor t = empty({state.range(0)});
        benchmark::DoNotOptimize(t.data_ptr());
    }
}
BENCHMARK(BM_alloc_free)->Arg(16)->Arg(1 << 16)->Arg(1 << 20)->Unit(benchmark::kMicrosecond);

// The copy AccumulateGrad makes of a Linear weight gradient (x^T g comes out transposed).
void BM_copy_transposed(benchmark::State& state) {
    const Tensor w = randn({784, 512});
    for (auto _ : state) {
        Tensor c = w.t().contiguous();
        benchmark::DoNotOptimize(c.data_ptr());
    }
    state.SetItemsProcessed(state.iterations() * w.numel());
}
BENCHMARK(BM_copy_transposed)->Unit(benchmark::kMicrosecond);
}  // namespace
