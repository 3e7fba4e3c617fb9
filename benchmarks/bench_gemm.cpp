// bench_gemm.cpp — workload W3 of /work/shared/BENCHMARKS.md: float32 C = A·B for square N,
// through tinydl::mm, reported as GFLOP/s = 2 N^3 / time (one multiply and one add per term).
//
// For each N: two untimed warm-up calls (first touch of the output, caches, thread start), then
// `--samples` timed samples. Small N are repeated inside a sample so that each sample lasts at
// least ~50 ms and the clock's resolution does not matter. A per-size time budget stops early
// when mm is slow, so the whole run stays short on a shared machine.
//
// Before timing, a few entries of C are checked against a float64 dot product: a fast wrong
// GEMM must not report a number.
//
// With --device cuda, A and B are drawn on the CPU and moved to the GPU, C is copied back for the
// check, and every clock read waits for the GPU (cuda::synchronize): the warm-up calls also pay
// for cuBLAS's handle and workspace, and a sample ends when its products are done.
//
// Output: one JSON line per (N, thread count); see benchmarks/README.md. This program measures
// tinydl only (no libtorch, Eigen or OpenBLAS).
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_common.h"
#include "bench_device.h"
#include "tinydl/tinydl.h"

using namespace tinydl;

namespace {

// Each timed sample repeats mm until it lasts at least this long, so that a small N is not
// timed at the clock's resolution (or ruined by one preemption).
constexpr double kMinSampleSeconds = 0.05;

const char* kUsage =
    "usage: bench_gemm [--sizes 128,256,512,1024,2048] [--threads 1] [--samples 5]\n"
    "                  [--budget 4] [--device cpu|cuda|cuda:N]\n"
    "  --sizes     square matrix sizes N\n"
    "  --threads   thread counts, comma-separated (e.g. 1,2); for each N they alternate\n"
    "              (CPU threads: with --device cuda they change nothing but the label)\n"
    "  --samples   timed samples per result (median, min and max are reported)\n"
    "  --budget    seconds per (N, threads) after which sampling stops early (>= 1 sample)\n"
    "  --device    where A, B and C live (default cpu)\n";

// Checks 16 entries of c = a b (all contiguous float32 [n, n], on the CPU) against float64 dot
// products, allowing 1e-4 sum_k |a_ik b_kj|: loose for float32 rounding over n terms, tight for
// a real mistake (a missing or doubled term is off by ~1/sqrt(n) of that sum or more).
bool spot_check(const Tensor& a, const Tensor& b, const Tensor& c, int64_t n) {
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
        const double got = pc[i * n + j];
        if (!(std::abs(got - exact) <= 1e-4 * magnitude + 1e-6)) {
            std::fprintf(stderr, "error: mm(%lld x %lld): C[%lld, %lld] = %.9g, expected %.9g\n",
                         static_cast<long long>(n), static_cast<long long>(n), static_cast<long long>(i),
                         static_cast<long long>(j), got, exact);
            return false;
        }
    }
    return true;
}

}  // namespace

int run(int argc, char** argv) {
    bench::Flags flags(argc, argv, kUsage);
    const std::vector<int64_t> sizes = flags.get_list("sizes", "128,256,512,1024,2048");
    const std::vector<int64_t> thread_counts = flags.get_list("threads", "1");
    const int64_t samples = flags.get_int("samples", 5);
    const double budget = flags.get_double("budget", 4.0);
    const std::string device_flag = flags.get("device", "cpu");
    flags.finish();
    if (samples < 1) {
        std::fprintf(stderr, "error: --samples must be >= 1\n\n%s", kUsage);
        return 2;
    }

    const Device device = bench::open_device("bench_gemm", device_flag);
    const std::string machine = bench::machine_name();
    const std::string command = bench::command_line(argc, argv);
    manual_seed(0);
    int status = 0;

    for (int64_t n : sizes) {
        const Tensor a_cpu = randn({n, n});  // the same numbers on every device
        const Tensor b_cpu = randn({n, n});
        const Tensor a = a_cpu.to(device), b = b_cpu.to(device);
        const double flops = 2.0 * static_cast<double>(n) * n * n;
        for (int64_t threads : thread_counts) {
            set_num_threads(static_cast<int>(threads));

            // Warm-up calls, also used to check the result and to size the inner repetition
            // (from the faster one: the first also pays for thread start and page faults).
            double t0 = bench::now_synced(device);
            Tensor c = mm(a, b);
            double first = bench::now_synced(device) - t0;
            const bool ok = spot_check(a_cpu, b_cpu, c.cpu(), n);
            if (!ok) status = 1;
            if (first <= budget) {
                t0 = bench::now_synced(device);
                c = mm(a, b);
                first = std::min(first, bench::now_synced(device) - t0);
            }
            const int64_t reps = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(kMinSampleSeconds / std::max(first, 1e-9))));

            std::vector<double> ms;  // milliseconds per mm call, one entry per sample
            const double start = bench::now_seconds();
            if (first > budget) {
                ms.push_back(first * 1e3);  // too slow to repeat: report the warm-up call
            } else {
                while (static_cast<int64_t>(ms.size()) < samples &&
                       (ms.empty() || bench::now_seconds() - start < budget)) {
                    t0 = bench::now_synced(device);
                    for (int64_t r = 0; r < reps; ++r) c = mm(a, b);
                    ms.push_back((bench::now_synced(device) - t0) * 1e3 / static_cast<double>(reps));
                }
            }
            const bench::Stats s = bench::summarize(ms);
            std::printf("{\"framework\":\"tinydl\",\"workload\":\"W3\",\"n\":%lld,\"threads\":%lld,\"device\":\"%s\","
                        "\"gflops_median\":%.2f,"
                        "\"gflops_min\":%.2f,\"gflops_max\":%.2f,\"ms_median\":%.4f,\"ms_min\":%.4f,"
                        "\"ms_max\":%.4f,\"samples\":%zu,\"reps_per_sample\":%lld,\"check\":\"%s\","
                        "\"machine\":%s,\"command\":%s}\n",
                        static_cast<long long>(n), static_cast<long long>(threads), device.str().c_str(), flops / (s.median * 1e6),
                        flops / (s.max * 1e6), flops / (s.min * 1e6), s.median, s.min, s.max, ms.size(),
                        static_cast<long long>(reps), ok ? "ok" : "FAILED", bench::json_string(machine).c_str(),
                        bench::json_string(command).c_str());
            std::fflush(stdout);
        }
    }
    return status;
}

int main(int argc, char** argv) {
    return bench::run_main("bench_gemm", [&] { return run(argc, argv); });
}
