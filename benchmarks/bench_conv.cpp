// bench_conv.cpp — workload W5 of /work/shared/BENCHMARKS.md: the two convolutions of the W2
// network on a batch of 128, alone. benchmarks/libtorch/torch_conv.cpp is its libtorch twin.
//
//   conv1   input [128, 1, 28, 28]  -> conv 1->32,  3x3, pad 1, bias   (W2's first layer: the
//           input is data, so backward computes the weight and bias gradients only)
//   conv2   input [128, 32, 14, 14] -> conv 32->64, 3x3, pad 1, bias   (a middle layer: backward
//           also computes the input gradient)
//
// Pass "fwd" is y = conv2d(x, w, b, 1, 1) with grad mode on (as in training: the graph is
// recorded); "fwd_bwd" adds y.backward(g) with a fixed random g, then clears the gradients
// (set to none, as zero_grad does). Per (case, threads, pass): 3 untimed calls, then `--samples`
// samples of enough repetitions to last >= 50 ms. GFLOP/s counts 2 flops per multiply-add of
// each GEMM-shaped product (forward, weight gradient, and input gradient where needed).
//
// With --device cuda the tensors live on the GPU (drawn on the CPU, then moved) and the clock
// waits for the GPU at each boundary (after the warm-up calls, which also pay for cuDNN's
// algorithm choice and the allocator's first blocks, and at both ends of each sample).
//
// Output: one JSON line per (case, threads, pass); see benchmarks/README.md.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_common.h"
#include "bench_device.h"
#include "tinydl/tinydl.h"

using namespace tinydl;

namespace {

const char* kUsage =
    "usage: bench_conv [--threads 1] [--samples 7] [--cases conv1,conv2] [--label TEXT]\n"
    "                  [--device cpu|cuda|cuda:N]\n"
    "  --threads  thread counts, comma-separated (e.g. 1,2); CPU threads (host side only on cuda)\n"
    "  --samples  timed samples per result (median, min and max are reported)\n"
    "  --cases    which of conv1 (1->32 @ 28x28) and conv2 (32->64 @ 14x14) to run\n"
    "  --device   where the tensors live (default cpu)\n";

constexpr double kMinSampleSeconds = 0.05;

struct Case {
    std::string name;
    int64_t batch, c_in, c_out, size;
    bool input_grad;  // does backward need d loss / d input?
};

// Milliseconds per call of `fn`, one entry per sample (every clock read waits for the GPU).
template <typename F> std::vector<double> time_ms(const F& fn, int64_t samples, Device device) {
    for (int i = 0; i < 3; ++i) fn();
    double t0 = bench::now_synced(device);
    fn();
    const double once = bench::now_synced(device) - t0;
    const int64_t reps = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(kMinSampleSeconds / std::max(once, 1e-9))));
    std::vector<double> ms;
    for (int64_t s = 0; s < samples; ++s) {
        t0 = bench::now_synced(device);
        for (int64_t r = 0; r < reps; ++r) fn();
        ms.push_back((bench::now_synced(device) - t0) * 1e3 / static_cast<double>(reps));
    }
    return ms;
}

}  // namespace

int run(int argc, char** argv) {
    bench::Flags flags(argc, argv, kUsage);
    const std::vector<int64_t> thread_counts = flags.get_list("threads", "1");
    const int64_t samples = flags.get_int("samples", 7);
    const std::string cases_flag = flags.get("cases", "conv1,conv2");
    const std::string label = flags.get("label", "");
    const std::string device_flag = flags.get("device", "cpu");
    flags.finish();
    if (samples < 1) {
        std::fprintf(stderr, "error: --samples must be >= 1\n\n%s", kUsage);
        return 2;
    }
    std::vector<Case> cases;
    if (cases_flag.find("conv1") != std::string::npos) cases.push_back({"conv1", 128, 1, 32, 28, false});
    if (cases_flag.find("conv2") != std::string::npos) cases.push_back({"conv2", 128, 32, 64, 14, true});

    const Device device = bench::open_device("bench_conv", device_flag);
    const std::string machine = bench::json_string(bench::machine_name());
    const std::string command = bench::json_string(bench::command_line(argc, argv));
    manual_seed(0);
    for (const Case& c : cases) {
        // Drawn on the CPU (the same numbers on every device), then moved; the leaves are the
        // moved tensors.
        const Tensor x = randn({c.batch, c.c_in, c.size, c.size}).to(device).requires_grad_(c.input_grad);
        const Tensor w = (randn({c.c_out, c.c_in, 3, 3}) * 0.1).to(device).requires_grad_(true);
        const Tensor b = (randn({c.c_out}) * 0.1).to(device).requires_grad_(true);
        const Tensor g = randn({c.batch, c.c_out, c.size, c.size}).to(device);
        // One GEMM-shaped product: [B*H*W, C_in*9] x [C_in*9, C_out].
        const double product_flops = 2.0 * static_cast<double>(c.batch * c.size * c.size) * static_cast<double>(c.c_in * 9 * c.c_out);

        auto forward = [&] { (void)conv2d(x, w, b, 1, 1); };
        auto forward_backward = [&] {
            conv2d(x, w, b, 1, 1).backward(g);
            for (const Tensor* t : {&x, &w, &b}) t->set_grad({});
        };
        for (int64_t threads : thread_counts) {
            set_num_threads(static_cast<int>(threads));
            for (const bool with_backward : {false, true}) {
                const bench::Stats s = bench::summarize(with_backward ? time_ms(forward_backward, samples, device)
                                                                      : time_ms(forward, samples, device));
                const double flops = product_flops * (with_backward ? (c.input_grad ? 3 : 2) : 1);
                std::printf("{\"framework\":\"tinydl\",\"workload\":\"W5\",\"case\":\"%s\",\"pass\":\"%s\",\"threads\":%lld,"
                            "\"device\":\"%s\",\"ms_median\":%.4f,\"ms_min\":%.4f,\"ms_max\":%.4f,\"gflops_median\":%.2f,\"samples\":%lld,"
                            "\"shape\":\"[%lld, %lld, %lld, %lld] -> %lld channels\",\"label\":%s,\"machine\":%s,\"command\":%s}\n",
                            c.name.c_str(), with_backward ? "fwd_bwd" : "fwd", static_cast<long long>(threads),
                            device.str().c_str(), s.median, s.min,
                            s.max, flops / (s.median * 1e6), static_cast<long long>(samples), static_cast<long long>(c.batch),
                            static_cast<long long>(c.c_in), static_cast<long long>(c.size), static_cast<long long>(c.size),
                            static_cast<long long>(c.c_out), bench::json_string(label).c_str(), machine.c_str(), command.c_str());
                std::fflush(stdout);
            }
        }
    }
    return 0;
}

int main(int argc, char** argv) {
    return bench::run_main("bench_conv", [&] { return run(argc, argv); });
}
