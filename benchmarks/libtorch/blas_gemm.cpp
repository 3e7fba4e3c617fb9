// blas_gemm.cpp — W3 through the system BLAS directly (no framework): C = A·B with sgemm_ from
// libblas.so.3, which is OpenBLAS when libopenblas0 is installed. BENCHMARKS.md asks tinydl's
// GEMM for >= 0.95 of the best of libtorch, Eigen and OpenBLAS, and this is the "OpenBLAS" one;
// it also sets the floor of the W1/W2 epochs when it is the fastest. Same sizes, warm-up,
// repetitions, samples and JSON fields as ../bench_gemm.cpp, with "framework":"openblas".
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench_common.h"
#include "blas_info.h"

// The Fortran BLAS interface: column-major, every argument by pointer. A row-major C = A B is
// the column-major C^T = B^T A^T, so the operands are passed swapped.
extern "C" void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
                       const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
                       const float* beta, float* c, const int* ldc);

namespace {

constexpr double kMinSampleSeconds = 0.05;

const char* kUsage =
    "usage: blas_gemm [--sizes 128,256,512,1024,2048] [--threads 1] [--samples 5] [--budget 4]\n"
    "                 [--label TEXT]\n"
    "  the flags of bench_gemm (tinydl); --threads sets OpenBLAS's thread count\n";

void gemm(int n, const std::vector<float>& a, const std::vector<float>& b, std::vector<float>& c) {
    const float one = 1.0f, zero = 0.0f;
    sgemm_("N", "N", &n, &n, &n, &one, b.data(), &n, a.data(), &n, &zero, c.data(), &n);
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
    const std::string blas = bench::json_string(bench::blas_name());
    std::mt19937 rng(0);
    std::normal_distribution<float> normal;
    for (int64_t n64 : sizes) {
        const int n = static_cast<int>(n64);
        std::vector<float> a(static_cast<size_t>(n) * n), b(a.size()), c(a.size());
        for (float& v : a) v = normal(rng);
        for (float& v : b) v = normal(rng);
        const double flops = 2.0 * n64 * n64 * n64;
        for (int64_t threads : thread_counts) {
            bench::blas_set_threads(static_cast<int>(threads));
            double t0 = bench::now_seconds();
            gemm(n, a, b, c);
            double first = bench::now_seconds() - t0;
            // One entry checked against a float64 dot product, as bench_gemm does for 16.
            double exact = 0;
            for (int t = 0; t < n; ++t) exact += static_cast<double>(a[static_cast<size_t>(t)]) * b[static_cast<size_t>(t) * n];
            const bool ok = std::abs(c[0] - exact) <= 1e-3 * std::sqrt(static_cast<double>(n)) + 1e-4;
            t0 = bench::now_seconds();
            gemm(n, a, b, c);
            first = std::min(first, bench::now_seconds() - t0);
            const int64_t reps = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(kMinSampleSeconds / std::max(first, 1e-9))));
            std::vector<double> ms;
            const double start = bench::now_seconds();
            while (static_cast<int64_t>(ms.size()) < samples && (ms.empty() || bench::now_seconds() - start < budget)) {
                t0 = bench::now_seconds();
                for (int64_t r = 0; r < reps; ++r) gemm(n, a, b, c);
                ms.push_back((bench::now_seconds() - t0) * 1e3 / static_cast<double>(reps));
            }
            const bench::Stats s = bench::summarize(ms);
            std::printf("{\"framework\":\"openblas\",\"workload\":\"W3\",\"n\":%lld,\"threads\":%lld,\"gflops_median\":%.2f,"
                        "\"gflops_min\":%.2f,\"gflops_max\":%.2f,\"ms_median\":%.4f,\"ms_min\":%.4f,\"ms_max\":%.4f,"
                        "\"samples\":%zu,\"reps_per_sample\":%lld,\"check\":\"%s\",\"label\":%s,\"blas\":%s,\"machine\":%s,"
                        "\"command\":%s}\n",
                        static_cast<long long>(n64), static_cast<long long>(threads), flops / (s.median * 1e6),
                        flops / (s.max * 1e6), flops / (s.min * 1e6), s.median, s.min, s.max, ms.size(),
                        static_cast<long long>(reps), ok ? "ok" : "FAILED", bench::json_string(label).c_str(), blas.c_str(),
                        machine.c_str(), command.c_str());
            std::fflush(stdout);
        }
    }
    return 0;
}
