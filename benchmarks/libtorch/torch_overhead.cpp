// torch_overhead.cpp — W4 with libtorch: the twin of ../bench_overhead.cpp. Tensors of shape {4}
// that require grad; variant "autograd" is y = (a*b + c).relu().sum(); y.backward(); then the
// grads are set to none (or zeroed with --zero zero); "forward_nograd" is the forward under
// NoGradGuard. Same warm-up, samples and JSON fields.
#include <torch/torch.h>

#include <cstdio>
#include <string>
#include <vector>

#include "bench_common.h"
#include "torch_common.h"

namespace {

constexpr int kOpsPerIter = 4;  // mul, add, relu, sum

const char* kUsage =
    "usage: torch_overhead [--threads 1] [--iters 20000] [--samples 7] [--warmup 2000]\n"
    "                      [--zero none|zero] [--variants autograd,forward_nograd] [--label TEXT]\n"
    "  the flags of bench_overhead (tinydl)\n";

template <typename Step> std::vector<double> time_samples(const Step& step, int64_t warmup, int64_t iters, int64_t samples) {
    for (int64_t i = 0; i < warmup; ++i) step();
    std::vector<double> us;
    for (int64_t s = 0; s < samples; ++s) {
        const double t0 = bench::now_seconds();
        for (int64_t i = 0; i < iters; ++i) step();
        us.push_back((bench::now_seconds() - t0) * 1e6 / static_cast<double>(iters));
    }
    return us;
}

}  // namespace

int main(int argc, char** argv) {
    bench::Flags flags(argc, argv, kUsage);
    const std::vector<int64_t> thread_counts = flags.get_list("threads", "1");
    const int64_t iters = flags.get_int("iters", 20000);
    const int64_t samples = flags.get_int("samples", 7);
    const int64_t warmup = flags.get_int("warmup", 2000);
    const std::string zero = flags.get("zero", "none");
    const std::string variants = flags.get("variants", "autograd,forward_nograd");
    const std::string label = flags.get("label", "");
    flags.finish();
    const bool set_to_none = zero != "zero";

    torch::manual_seed(0);
    torch::Tensor a = torch::randn({4}).requires_grad_(true);
    torch::Tensor b = torch::randn({4}).requires_grad_(true);
    torch::Tensor c = torch::randn({4}).requires_grad_(true);
    auto step_autograd = [&] {
        torch::Tensor y = (a * b + c).relu().sum();
        y.backward();
        for (torch::Tensor* t : {&a, &b, &c}) {
            if (set_to_none) t->mutable_grad().reset();
            else t->mutable_grad().zero_();
        }
    };
    auto step_forward = [&] {
        torch::Tensor y = (a * b + c).relu().sum();
        (void)y;
    };

    const std::string machine = bench::json_string(bench::machine_name());
    const std::string command = bench::json_string(bench::command_line(argc, argv));
    auto report = [&](const char* variant, int64_t threads, const std::vector<double>& us) {
        const bench::Stats s = bench::summarize(us);
        std::printf("{\"framework\":\"libtorch\",\"workload\":\"W4\",\"variant\":\"%s\",\"threads\":%lld,"
                    "\"us_per_iter_median\":%.4f,\"us_per_iter_min\":%.4f,\"us_per_iter_max\":%.4f,\"us_per_op\":%.4f,"
                    "\"ops_per_iter\":%d,\"samples\":%lld,\"iters_per_sample\":%lld,\"zero_grad\":\"%s\",\"label\":%s,%s,"
                    "\"machine\":%s,\"command\":%s}\n",
                    variant, static_cast<long long>(threads), s.median, s.min, s.max, s.median / kOpsPerIter, kOpsPerIter,
                    static_cast<long long>(samples), static_cast<long long>(iters), set_to_none ? "set_to_none" : "zero_",
                    bench::json_string(label).c_str(), bench::torch_config_json().c_str(), machine.c_str(), command.c_str());
        std::fflush(stdout);
    };
    for (int64_t threads : thread_counts) {
        bench::torch_set_threads(static_cast<int>(threads));
        if (variants.find("autograd") != std::string::npos) {
            // With --zero zero the grads must exist before the first zero_().
            torch::Tensor y = (a * b + c).relu().sum();
            y.backward();
            report("autograd", threads, time_samples(step_autograd, warmup, iters, samples));
            for (torch::Tensor* t : {&a, &b, &c}) t->mutable_grad().reset();
        }
        if (variants.find("forward_nograd") != std::string::npos) {
            torch::NoGradGuard no_grad;
            report("forward_nograd", threads, time_samples(step_forward, warmup, iters, samples));
        }
    }
    return 0;
}
