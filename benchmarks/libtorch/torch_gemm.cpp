// torch_gemm.cpp — W3 with libtorch: the twin of ../bench_gemm.cpp. C = torch::mm(A, B) for
// square float32 N; same warm-up, repetitions, samples, time budget, spot check and JSON fields.
// Debian's libtorch runs mm through the system BLAS (libblas.so.3: OpenBLAS when installed).
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_common.h"
#include "torch_common.h"

namespace {

constexpr double kMinSampleSeconds = 0.05;

const char* kUsage =
    "usage: torch_gemm [--sizes 128,256,512,1024,2048] [--threads 1] [--samples 5] [--budget 4]\n"
    "                  [--label TEXT]\n"
    "  the flags of bench_gemm (tinydl)\n";

// As in bench_gemm: 16 entries of c against float64 dot products.
bool spot_check(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& c, int64_t n) {
    const float* pa = a.data_ptr<float>();
    const float* pb = b.data_ptr<float>();
    const float* pc = c.data_ptr<float>();
    for (int64_t k = 0; k < 16; ++k) {
        const int64_t i = (k * 7919) % n, j = (k * 104729 + 3) % n;
        double exact = 0, magnitude = 0;
        for (int64_t t = 0; t < n; ++t) {
            const double term = static_cast<double>(pa[i * n + t]) * pb[t * n + j];
            exact += term;
            magnitude += std::abs(term);
        }
        if (!(std::abs(pc[i * n + j] - exact) <= 1e-4 * magnitude + 1e-6)) return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    bench::Flags flags(argc, argv, kUsage);
    const std::vector<int64_t> sizes = flags.get_list("sizes", "128,256,512,1024,2048");
    const std::vector<int64_t> thread_counts = flags.get_list("threads", "1");
    const int64_t samples = flags.get_int("samples", 5);
    const double budget = flags.get_double("budget", 4.0);
    const std::string label = flags.get("label", "");
    flags.finish();

    const std::string machine = bench::json_string(bench::machine_name());
    const std::string command = bench::json_string(bench::command_line(argc, argv));
    torch::manual_seed(0);
    int status = 0;
    for (int64_t n : sizes) {
        const torch::Tensor a = torch::randn({n, n}), b = torch::randn({n, n});
        const double flops = 2.0 * static_cast<double>(n) * n * n;
        for (int64_t threads : thread_counts) {
            bench::torch_set_threads(static_cast<int>(threads));
            double t0 = bench::now_seconds();
            torch::Tensor c = torch::mm(a, b);
            double first = bench::now_seconds() - t0;
            const bool ok = spot_check(a, b, c, n);
            if (!ok) status = 1;
            if (first <= budget) {
                t0 = bench::now_seconds();
                c = torch::mm(a, b);
                first = std::min(first, bench::now_seconds() - t0);
            }
            const int64_t reps = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(kMinSampleSeconds / std::max(first, 1e-9))));
            std::vector<double> ms;
            const double start = bench::now_seconds();
            if (first > budget) {
                ms.push_back(first * 1e3);
            } else {
                while (static_cast<int64_t>(ms.size()) < samples && (ms.empty() || bench::now_seconds() - start < budget)) {
                    t0 = bench::now_seconds();
                    for (int64_t r = 0; r < reps; ++r) c = torch::mm(a, b);
                    ms.push_back((bench::now_seconds() - t0) * 1e3 / static_cast<double>(reps));
                }
            }
            const bench::Stats s = bench::summarize(ms);
            std::printf("{\"framework\":\"libtorch\",\"workload\":\"W3\",\"n\":%lld,\"threads\":%lld,\"gflops_median\":%.2f,"
                        "\"gflops_min\":%.2f,\"gflops_max\":%.2f,\"ms_median\":%.4f,\"ms_min\":%.4f,\"ms_max\":%.4f,"
                        "\"samples\":%zu,\"reps_per_sample\":%lld,\"check\":\"%s\",\"label\":%s,%s,\"machine\":%s,\"command\":%s}\n",
                        static_cast<long long>(n), static_cast<long long>(threads), flops / (s.median * 1e6),
                        flops / (s.max * 1e6), flops / (s.min * 1e6), s.median, s.min, s.max, ms.size(),
                        static_cast<long long>(reps), ok ? "ok" : "FAILED", bench::json_string(label).c_str(),
                        bench::torch_config_json().c_str(), machine.c_str(), command.c_str());
            std::fflush(stdout);
        }
    }
    return status;
}
