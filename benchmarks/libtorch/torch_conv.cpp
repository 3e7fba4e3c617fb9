// torch_conv.cpp — W5 with libtorch: the twin of ../bench_conv.cpp (read its header). The same
// two convolutions, passes, timing and JSON fields; torch::conv2d (oneDNN or ATen's own
// im2col + BLAS path, as libtorch decides).
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_common.h"
#include "torch_common.h"

namespace {

const char* kUsage =
    "usage: torch_conv [--threads 1] [--samples 7] [--cases conv1,conv2] [--label TEXT]\n"
    "  the flags of bench_conv (tinydl)\n";

constexpr double kMinSampleSeconds = 0.05;

struct Case {
    std::string name;
    int64_t batch, c_in, c_out, size;
    bool input_grad;
};

template <typename F> std::vector<double> time_ms(const F& fn, int64_t samples) {
    for (int i = 0; i < 3; ++i) fn();
    double t0 = bench::now_seconds();
    fn();
    const double once = bench::now_seconds() - t0;
    const int64_t reps = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(kMinSampleSeconds / std::max(once, 1e-9))));
    std::vector<double> ms;
    for (int64_t s = 0; s < samples; ++s) {
        t0 = bench::now_seconds();
        for (int64_t r = 0; r < reps; ++r) fn();
        ms.push_back((bench::now_seconds() - t0) * 1e3 / static_cast<double>(reps));
    }
    return ms;
}

}  // namespace

int main(int argc, char** argv) {
    bench::Flags flags(argc, argv, kUsage);
    const std::vector<int64_t> thread_counts = flags.get_list("threads", "1");
    const int64_t samples = flags.get_int("samples", 7);
    const std::string cases_flag = flags.get("cases", "conv1,conv2");
    const std::string label = flags.get("label", "");
    flags.finish();
    std::vector<Case> cases;
    if (cases_flag.find("conv1") != std::string::npos) cases.push_back({"conv1", 128, 1, 32, 28, false});
    if (cases_flag.find("conv2") != std::string::npos) cases.push_back({"conv2", 128, 32, 64, 14, true});

    const std::string machine = bench::json_string(bench::machine_name());
    const std::string command = bench::json_string(bench::command_line(argc, argv));
    torch::manual_seed(0);
    for (const Case& c : cases) {
        torch::Tensor x = torch::randn({c.batch, c.c_in, c.size, c.size}).requires_grad_(c.input_grad);
        torch::Tensor w = (torch::randn({c.c_out, c.c_in, 3, 3}) * 0.1).requires_grad_(true);
        torch::Tensor b = (torch::randn({c.c_out}) * 0.1).requires_grad_(true);
        const torch::Tensor g = torch::randn({c.batch, c.c_out, c.size, c.size});
        const double product_flops = 2.0 * static_cast<double>(c.batch * c.size * c.size) * static_cast<double>(c.c_in * 9 * c.c_out);

        auto forward = [&] { (void)torch::conv2d(x, w, b, 1, 1); };
        auto forward_backward = [&] {
            torch::conv2d(x, w, b, 1, 1).backward(g);
            for (torch::Tensor* t : {&x, &w, &b}) t->mutable_grad().reset();
        };
        for (int64_t threads : thread_counts) {
            bench::torch_set_threads(static_cast<int>(threads));
            for (const bool with_backward : {false, true}) {
                const bench::Stats s = bench::summarize(with_backward ? time_ms(forward_backward, samples) : time_ms(forward, samples));
                const double flops = product_flops * (with_backward ? (c.input_grad ? 3 : 2) : 1);
                std::printf("{\"framework\":\"libtorch\",\"workload\":\"W5\",\"case\":\"%s\",\"pass\":\"%s\",\"threads\":%lld,"
                            "\"ms_median\":%.4f,\"ms_min\":%.4f,\"ms_max\":%.4f,\"gflops_median\":%.2f,\"samples\":%lld,"
                            "\"shape\":\"[%lld, %lld, %lld, %lld] -> %lld channels\",\"label\":%s,%s,\"machine\":%s,\"command\":%s}\n",
                            c.name.c_str(), with_backward ? "fwd_bwd" : "fwd", static_cast<long long>(threads), s.median, s.min,
                            s.max, flops / (s.median * 1e6), static_cast<long long>(samples), static_cast<long long>(c.batch),
                            static_cast<long long>(c.c_in), static_cast<long long>(c.size), static_cast<long long>(c.size),
                            static_cast<long long>(c.c_out), bench::json_string(label).c_str(), bench::torch_config_json().c_str(),
                            machine.c_str(), command.c_str());
                std::fflush(stdout);
            }
        }
    }
    return 0;
}
