// bench_overhead.cpp — workload W4 of /work/shared/BENCHMARKS.md: the framework's fixed cost per
// op, measured on tensors so small ({4} elements) that the arithmetic is free and everything
// timed is bookkeeping: allocation of outputs, dtype/shape checks, dispatch, recording the
// tape, and the backward engine.
//
//   variant "autograd":        y = (a*b + c).relu().sum(); y.backward(); then zero the grads
//   variant "forward_nograd":  the same forward under NoGradGuard (no tape, no backward)
//
// One iteration runs 4 forward ops (mul, add, relu, sum); us_per_op = us_per_iter / 4 for both
// variants (for "autograd" it is "per forward op, its backward share included").
//
// With --device cuda the three tensors live on the GPU. Each op is then one tiny kernel and the
// time is launch overhead plus the framework's own work; the host queues iterations ahead of the
// GPU, so the clock waits for the GPU only at the ends of each sample (cuda::synchronize), as a
// training loop that never reads a value back would run.
//
// Output: one JSON line per (variant, thread count), see benchmarks/README.md. This program
// measures tinydl only; the libtorch side of the comparison is a separate program.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_common.h"
#include "bench_device.h"
#include "tinydl/tinydl.h"

using namespace tinydl;

namespace {

constexpr int kOpsPerIter = 4;  // mul, add, relu, sum

const char* kUsage =
    "usage: bench_overhead [--threads 1] [--iters 20000] [--samples 7] [--warmup 2000]\n"
    "                      [--zero none|zero] [--variants autograd,forward_nograd]\n"
    "                      [--device cpu|cuda|cuda:N]\n"
    "  --threads   thread counts, comma-separated (e.g. 1,2); each runs all variants in turn\n"
    "              (tinydl's CPU threads: with --device cuda they only run the host side)\n"
    "  --iters     iterations per sample\n"
    "  --samples   timed samples per result (median, min and max are reported)\n"
    "  --warmup    untimed iterations before the samples\n"
    "  --variants  which of autograd, forward_nograd to run\n"
    "  --zero      how grads are cleared after backward: none = set_grad({}) (PyTorch's\n"
    "              zero_grad(set_to_none=True)), zero = grad.zero_()\n"
    "  --device    where the tensors live (default cpu); on cuda the clock waits for the GPU\n"
    "              at the ends of each sample only\n";

struct Inputs {
    Tensor a, b, c;
};

// One training-like step: forward, backward, clear the grads.
void step_autograd(const Inputs& in, bool set_to_none) {
    Tensor y = (in.a * in.b + in.c).relu().sum();
    y.backward();
    for (const Tensor* t : {&in.a, &in.b, &in.c}) {
        if (set_to_none) t->set_grad({});
        else t->mutable_grad().zero_();
    }
}

// The same forward, with grad mode off (the caller holds the NoGradGuard).
void step_forward(const Inputs& in) {
    Tensor y = (in.a * in.b + in.c).relu().sum();
    (void)y;
}

// Microseconds per iteration of `step`, one entry per sample. On a GPU the iterations of a
// sample queue up without waiting; the sample ends when the GPU has run them all.
template <typename Step>
std::vector<double> time_samples(const Step& step, int64_t warmup, int64_t iters, int64_t samples, Device device) {
    for (int64_t i = 0; i < warmup; ++i) step();
    std::vector<double> us;
    for (int64_t s = 0; s < samples; ++s) {
        const double t0 = bench::now_synced(device);
        for (int64_t i = 0; i < iters; ++i) step();
        const double t1 = bench::now_synced(device);
        us.push_back((t1 - t0) * 1e6 / static_cast<double>(iters));
    }
    return us;
}

}  // namespace

int run(int argc, char** argv) {
    bench::Flags flags(argc, argv, kUsage);
    const std::vector<int64_t> thread_counts = flags.get_list("threads", "1");
    const int64_t iters = flags.get_int("iters", 20000);
    const int64_t samples = flags.get_int("samples", 7);
    const int64_t warmup = flags.get_int("warmup", 2000);
    const std::string zero = flags.get("zero", "none");
    const std::string variants = flags.get("variants", "autograd,forward_nograd");
    const std::string device_flag = flags.get("device", "cpu");
    flags.finish();
    if (iters < 1 || samples < 1 || warmup < 0 || (zero != "none" && zero != "zero")) {
        std::fprintf(stderr, "error: bad flag value\n\n%s", kUsage);
        return 2;
    }
    bool run_autograd = false, run_forward = false;
    for (size_t start = 0; start <= variants.size();) {
        const size_t comma = std::min(variants.find(',', start), variants.size());
        const std::string v = variants.substr(start, comma - start);
        if (v == "autograd") run_autograd = true;
        else if (v == "forward_nograd") run_forward = true;
        else {
            std::fprintf(stderr, "error: unknown variant '%s'\n\n%s", v.c_str(), kUsage);
            return 2;
        }
        start = comma + 1;
    }

    const Device device = bench::open_device("bench_overhead", device_flag);
    manual_seed(0);
    Inputs in;  // drawn on the CPU (the same numbers on every device), then moved: leaves there
    in.a = randn({4}).to(device).requires_grad_(true);
    in.b = randn({4}).to(device).requires_grad_(true);
    in.c = randn({4}).to(device).requires_grad_(true);

    // Sanity check before timing: one step must produce a gradient of the right shape.
    step_autograd(in, /*set_to_none=*/false);
    if (!in.a.grad().defined() || in.a.grad().numel() != 4) {
        std::fprintf(stderr, "error: backward produced no gradient for a\n");
        return 1;
    }
    in.a.set_grad({});
    in.b.set_grad({});
    in.c.set_grad({});

    const std::string machine = bench::machine_name();
    const std::string command = bench::command_line(argc, argv);

    auto report = [&](const char* variant, int64_t threads, const std::vector<double>& us) {
        const bench::Stats s = bench::summarize(us);
        std::printf("{\"framework\":\"tinydl\",\"workload\":\"W4\",\"variant\":\"%s\",\"threads\":%lld,\"device\":\"%s\","
                    "\"us_per_iter_median\":%.4f,"
                    "\"us_per_iter_min\":%.4f,\"us_per_iter_max\":%.4f,\"us_per_op\":%.4f,\"ops_per_iter\":%d,"
                    "\"samples\":%lld,\"iters_per_sample\":%lld,\"zero_grad\":\"%s\",\"machine\":%s,\"command\":%s}\n",
                    variant, static_cast<long long>(threads), device.str().c_str(), s.median, s.min, s.max, s.median / kOpsPerIter,
                    kOpsPerIter, static_cast<long long>(samples), static_cast<long long>(iters),
                    zero == "none" ? "set_to_none" : "zero_", bench::json_string(machine).c_str(),
                    bench::json_string(command).c_str());
        std::fflush(stdout);
    };

    for (int64_t threads : thread_counts) {
        set_num_threads(static_cast<int>(threads));
        if (run_autograd) {
            const bool set_to_none = zero == "none";
            report("autograd", threads, time_samples([&] { step_autograd(in, set_to_none); }, warmup, iters, samples, device));
            for (const Tensor* t : {&in.a, &in.b, &in.c}) t->set_grad({});
        }
        if (run_forward) {
            NoGradGuard no_grad;
            report("forward_nograd", threads, time_samples([&] { step_forward(in); }, warmup, iters, samples, device));
        }
    }
    return 0;
}

int main(int argc, char** argv) {
    return bench::run_main("bench_overhead", [&] { return run(argc, argv); });
}
