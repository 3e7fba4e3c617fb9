// softmax.cpp — CPU softmax and log_softmax kernels.
//
// The input is a contiguous [A, R, B] block and each column x = in[a, 0..R-1, b] is normalised
// on its own (R is the softmax dim, A the dims before it, B the dims after it):
//
//   m = max_r x_r                      (subtracted so that exp never overflows: x = 1000 is fine)
//   s = sum_r exp(x_r - m)             (accumulated in double)
//   softmax:      y_r = exp(x_r - m) / s
//   log_softmax:  y_r = (x_r - m) - log(s)
//
// Two loop orders, as in reduce.cpp:
//   B == 1 (softmax over the last dim): each column is one contiguous row, swept three times.
//   B > 1: a segment of b-columns is processed together, reading the R rows of each in memory
//          order, so nothing is transposed and the inner loop runs over contiguous b.
// A NaN in a column makes the whole column NaN (as PyTorch); a column of -inf gives NaN too.
//
// The naive float64 reference is in tests/ops/test_softmax.cpp.
#include "src/cpu/softmax.h"

#include <cmath>
#include <limits>
#include <vector>

#include "tinydl/parallel.h"

namespace tinydl::cpu {

namespace {

// m = max(m, v), where a NaN wins and stays.
template <typename T> inline T nan_max(T m, T v) {
    if (m != m || v != v) return std::numeric_limits<T>::quiet_NaN();
    return v > m ? v : m;
}

template <typename T, bool kLog>
void softmax_arb(const TensorView& out, const TensorView& in, int64_t n_a, int64_t n_r, int64_t n_b) {
    const T* x = in.ptr<const T>();
    T* y = out.ptr<T>();
    // Each output element costs one exp and a few flops: about kParallelGrain elements a chunk.
    if (n_b == 1) {
        parallel_for(0, n_a, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(n_r, 1)), [&](int64_t begin, int64_t end) {
            for (int64_t a = begin; a < end; ++a) {
                const T* xr = x + a * n_r;
                T* yr = y + a * n_r;
                T m = -std::numeric_limits<T>::infinity();
                for (int64_t r = 0; r < n_r; ++r) m = nan_max(m, xr[r]);
                double s = 0;
                for (int64_t r = 0; r < n_r; ++r) {
                    const T e = std::exp(xr[r] - m);
                    if constexpr (!kLog) yr[r] = e;
                    s += e;
                }
                if constexpr (kLog) {
                    const T log_s = static_cast<T>(std::log(s));
                    for (int64_t r = 0; r < n_r; ++r) yr[r] = (xr[r] - m) - log_s;
                } else {
                    const double inv_s = 1.0 / s;
                    for (int64_t r = 0; r < n_r; ++r) yr[r] = static_cast<T>(yr[r] * inv_s);
                }
            }
        });
        return;
    }
    const int64_t grain = std::max<int64_t>(16, kParallelGrain / std::max<int64_t>(n_r, 1));
    parallel_for(0, n_a * n_b, grain, [&](int64_t begin, int64_t end) {
        std::vector<T> m;
        std::vector<double> s;
        // [begin, end) of the flattened (a, b) columns, one a-row segment [b0, b1) at a time.
        for (int64_t i = begin; i < end;) {
            const int64_t a = i / n_b, b0 = i % n_b;
            const int64_t b1 = std::min(n_b, b0 + (end - i));
            const int64_t n = b1 - b0;
            const T* xa = x + a * n_r * n_b + b0;  // xa[r * n_b + j] is column b0 + j, row r
            T* ya = y + a * n_r * n_b + b0;
            m.assign(n, -std::numeric_limits<T>::infinity());
            s.assign(n, 0.0);
            for (int64_t r = 0; r < n_r; ++r)
                for (int64_t j = 0; j < n; ++j) m[j] = nan_max(m[j], xa[r * n_b + j]);
            for (int64_t r = 0; r < n_r; ++r)
                for (int64_t j = 0; j < n; ++j) {
                    const T e = std::exp(xa[r * n_b + j] - m[j]);
                    if constexpr (!kLog) ya[r * n_b + j] = e;
                    s[j] += e;
                }
            if constexpr (kLog) {
                for (int64_t j = 0; j < n; ++j) s[j] = std::log(s[j]);
                for (int64_t r = 0; r < n_r; ++r)
                    for (int64_t j = 0; j < n; ++j)
                        ya[r * n_b + j] = (xa[r * n_b + j] - m[j]) - static_cast<T>(s[j]);
            } else {
                for (int64_t j = 0; j < n; ++j) s[j] = 1.0 / s[j];
                for (int64_t r = 0; r < n_r; ++r)
                    for (int64_t j = 0; j < n; ++j) ya[r * n_b + j] = static_cast<T>(ya[r * n_b + j] * s[j]);
            }
            i += n;
        }
    });
}

}  // namespace

void softmax(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B) {
    dispatch_floating(in.dtype, "softmax", [&]<typename T>() { softmax_arb<T, false>(out, in, A, R, B); });
}

void log_softmax(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B) {
    dispatch_floating(in.dtype, "log_softmax", [&]<typename T>() { softmax_arb<T, true>(out, in, A, R, B); });
}

}  // namespace tinydl::cpu
