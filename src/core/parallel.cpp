// parallel.cpp — thread count and parallel_for over OpenMP.
#include "tinydl/parallel.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <mutex>

#include "tinydl/error.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace tinydl {

namespace {
// Idle OpenMP threads spin by default and steal the core from the thread doing work; ask for
// sleeping ones before the runtime starts, unless the user chose a policy.
int initial_threads() {
    setenv("OMP_WAIT_POLICY", "passive", /*overwrite=*/0);
#ifdef _OPENMP
    return std::max(1, omp_get_max_threads());
#else
    return 1;
#endif
}
std::atomic<int>& thread_count() {
    static std::atomic<int> n{initial_threads()};
    return n;
}
}  // namespace

void set_num_threads(int n) {
    TINYDL_CHECK(n >= 1, "set_num_threads", "expected a thread count >= 1, got ", n);
    thread_count() = n;
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
}

int get_num_threads() { return thread_count().load(std::memory_order_relaxed); }

namespace detail {
void parallel_for_impl(int64_t begin, int64_t end, int64_t grain, ChunkFn fn) {
#ifdef _OPENMP
    const int64_t n = end - begin;
    const int64_t max_chunks = (n + grain - 1) / grain;
    const int threads = static_cast<int>(std::min<int64_t>(get_num_threads(), max_chunks));
    // Exceptions must not cross the OpenMP region: keep the first and rethrow it here.
    std::exception_ptr error;
    std::mutex error_mutex;
#pragma omp parallel num_threads(threads)
    {
        const int t = omp_get_thread_num();
        const int nt = omp_get_num_threads();
        const int64_t chunk = (n + nt - 1) / nt;
        const int64_t b = begin + t * chunk;
        const int64_t e = std::min(end, b + chunk);
        if (b < e) {
            try {
                fn(b, e);
            } catch (...) {
                std::lock_guard<std::mutex> lock(error_mutex);
                if (!error) error = std::current_exception();
            }
        }
    }
    if (error) std::rethrow_exception(error);
#else
    (void)grain;
    fn(begin, end);
#endif
}
}  // namespace detail

}  // namespace tinydl
