// norm.cpp — CPU batch-norm kernels: statistics, the per-channel affine map, and the fused
// backward. The naive float64 reference they are tested against is in tests/ops/test_norm.cpp.
//
// Layout: x is a contiguous [N, C, S] block, so the values of channel c are N runs of S
// contiguous elements, run n starting at x + (n * C + c) * S.
// Threads: statistics and backward work per channel (parallel over C), since each channel's sums
// are independent; the affine map is parallel over the N * C runs. Sums accumulate in double,
// which keeps float32 statistics of large batches exact to float rounding.
#include "src/cpu/norm.h"

#include <algorithm>
#include <cmath>

#include "tinydl/parallel.h"

namespace tinydl::cpu {

namespace {

// Channels per parallel chunk: about kParallelGrain elements of work each.
int64_t channel_grain(int64_t N, int64_t S) { return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(N * S, 1)); }

template <typename T>
void stats_impl(const TensorView& mean_v, const TensorView& var_v, const TensorView& x_v, int64_t N, int64_t C, int64_t S) {
    const T* x = x_v.ptr<const T>();
    T* mean = mean_v.ptr<T>();
    T* var = var_v.ptr<T>();
    const double M = static_cast<double>(N * S);
    parallel_for(0, C, channel_grain(N, S), [&](int64_t c0, int64_t c1) {
        for (int64_t c = c0; c < c1; ++c) {
            // Two passes (mean, then the sum of squared deviations): no cancellation, unlike
            // E[x^2] - E[x]^2, at the price of reading the channel twice.
            double sum = 0;
            for (int64_t n = 0; n < N; ++n) {
                const T* run = x + (n * C + c) * S;
                for (int64_t s = 0; s < S; ++s) sum += run[s];
            }
            const double mu = sum / M;
            double sq = 0;
            for (int64_t n = 0; n < N; ++n) {
                const T* run = x + (n * C + c) * S;
                for (int64_t s = 0; s < S; ++s) {
                    const double d = run[s] - mu;
                    sq += d * d;
                }
            }
            mean[c] = static_cast<T>(mu);
            var[c] = static_cast<T>(sq / M);
        }
    });
}

template <typename T>
void apply_impl(const TensorView& y_v, const TensorView& x_v, const TensorView& scale_v, const TensorView& shift_v,
                int64_t N, int64_t C, int64_t S) {
    const T* x = x_v.ptr<const T>();
    const T* scale = scale_v.ptr<const T>();
    const T* shift = shift_v.ptr<const T>();
    T* y = y_v.ptr<T>();
    // One item = one run of S values of one (n, c).
    parallel_for(0, N * C, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(S, 1)), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
            const int64_t c = r % C;
            const T a = scale[c], b = shift[c];
            const T* xr = x + r * S;
            T* yr = y + r * S;
            for (int64_t s = 0; s < S; ++s) yr[s] = xr[s] * a + b;
        }
    });
}

template <typename T>
void backward_impl(const TensorView& gi_v, const TensorView& gw_v, const TensorView& gb_v, const TensorView& g_v,
                   const TensorView& x_v, const TensorView& mean_v, const TensorView& invstd_v, const TensorView& w_v,
                   bool training, int64_t N, int64_t C, int64_t S) {
    const T* g = g_v.ptr<const T>();
    const T* x = x_v.ptr<const T>();
    const T* mean = mean_v.ptr<const T>();
    const T* invstd = invstd_v.ptr<const T>();
    const T* w = w_v.ptr<const T>();  // may be null: weight = 1
    T* gi = gi_v.ptr<T>();            // may be null: no grad_input wanted
    T* gw = gw_v.ptr<T>();
    T* gb = gb_v.ptr<T>();
    const double M = static_cast<double>(N * S);
    parallel_for(0, C, channel_grain(N, S), [&](int64_t c0, int64_t c1) {
        for (int64_t c = c0; c < c1; ++c) {
            const double mu = mean[c], is = invstd[c];
            // Pass 1: sum_g = sum(g), sum_gxc = sum(g (x - mean)); sum(g xhat) = invstd sum_gxc.
            double sum_g = 0, sum_gxc = 0;
            for (int64_t n = 0; n < N; ++n) {
                const int64_t off = (n * C + c) * S;
                for (int64_t s = 0; s < S; ++s) {
                    sum_g += g[off + s];
                    sum_gxc += g[off + s] * (x[off + s] - mu);
                }
            }
            const double sum_gxhat = sum_gxc * is;
            gw[c] = static_cast<T>(sum_gxhat);
            gb[c] = static_cast<T>(sum_g);
            if (gi == nullptr) continue;
            const double k = (w ? static_cast<double>(w[c]) : 1.0) * is;  // weight * invstd
            // Pass 2: grad_input. In training, with xhat = (x - mean) invstd:
            //   term 1: g                      (as if mean and invstd were constants)
            //   term 2: -mean(g)               (through the batch mean)
            //   term 3: -xhat mean(g xhat)     (through the batch variance)
            const double mean_g = training ? sum_g / M : 0.0;
            const double proj = training ? sum_gxhat / M * is : 0.0;  // mean(g xhat) * invstd, times (x - mean) below
            for (int64_t n = 0; n < N; ++n) {
                const int64_t off = (n * C + c) * S;
                for (int64_t s = 0; s < S; ++s)
                    gi[off + s] = static_cast<T>(k * (g[off + s] - mean_g - (x[off + s] - mu) * proj));
            }
        }
    });
}

}  // namespace

void batch_norm_stats(const TensorView& mean, const TensorView& var, const TensorView& x, int64_t N, int64_t C,
                      int64_t S) {
    dispatch_floating(x.dtype, "batch_norm", [&]<typename T>() { stats_impl<T>(mean, var, x, N, C, S); });
}

void batch_norm_apply(const TensorView& y, const TensorView& x, const TensorView& scale, const TensorView& shift,
                      int64_t N, int64_t C, int64_t S) {
    dispatch_floating(x.dtype, "batch_norm", [&]<typename T>() { apply_impl<T>(y, x, scale, shift, N, C, S); });
}

void batch_norm_backward(const TensorView& grad_input, const TensorView& grad_weight, const TensorView& grad_bias,
                         const TensorView& grad_out, const TensorView& x, const TensorView& mean,
                         const TensorView& invstd, const TensorView& weight, bool training, int64_t N, int64_t C,
                         int64_t S) {
    dispatch_floating(x.dtype, "batch_norm_backward", [&]<typename T>() {
        backward_impl<T>(grad_input, grad_weight, grad_bias, grad_out, x, mean, invstd, weight, training, N, C, S);
    });
}

}  // namespace tinydl::cpu
