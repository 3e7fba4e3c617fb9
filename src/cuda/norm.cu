// norm.cu — CUDA kernels of batch normalisation: per-channel statistics, the per-channel affine
// map, and the fused backward (interface: src/cuda/norm.h; the op: src/ops/norm.cpp; the CPU
// kernels these follow formula for formula: src/cpu/norm.cpp).
//
// Layout: x is a contiguous [N, C, S] block; channel c owns N runs of S contiguous values, run
// n starting at x + (n * C + c) * S. M = N * S values per channel.
//
// Statistics and backward: one block per channel (blocks loop over channels when C exceeds the
// grid). The block's threads stride over the channel's M values, each keeping a double partial
// sum, and a fixed-shape tree (warp shuffles, then one warp over the warp sums) combines them:
// the same inputs give the same bits on every run, with no atomics. Sums are in double, as on
// the CPU; only the order of the additions differs from the CPU's sequential loop, so results
// agree to double rounding (exactly, in practice, once cast back to float32).
//   stats:    two passes, as the CPU (mean, then the sum of squared deviations: no
//             cancellation, unlike E[x^2] - E[x]^2);
//   backward: one pass for sum(g) and sum(g (x - mean)), then a pass writing grad_input.
// One block per channel suits CNN shapes (C = 16..1024 channels, M up to a few hundred
// thousand); a layer with very few channels and a huge M would want several blocks per
// channel and a second, fixed-order combine, which is not done here.
//
// Affine map: one thread per element, y = x * scale[c] + shift[c].
//
// Rounding: nvcc fuses a * b + c into one FMA (one rounding) where the CPU build rounds twice;
// the elementwise formulas below use the __fmul_rn / __fadd_rn intrinsics (never fused) so that
// they give the CPU's bits exactly.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "src/cuda/launch.cuh"
#include "src/cuda/norm.h"

namespace tinydl::cuda {

namespace {

// Threads of the block that owns one channel (a multiple of 32; __launch_bounds__ makes the
// compiler keep registers within what 512 threads per block allow).
constexpr int kNormThreads = 512;

// ---- rounding as the CPU does it (see the file header) ------------------------------------------
__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double add_rn(double a, double b) { return __dadd_rn(a, b); }

// ---- walking one channel --------------------------------------------------------------------------
// Thread t visits the channel's values m = t, t + step, t + 2 step, ... (m = n * S + s) without
// a division per value: (n, s) advance by (step / S, step % S) with one carry.
struct ChannelWalk {
    int64_t n, s;    // the current value: run n, position s in it
    int64_t dn, ds;  // step / S, step % S
    int64_t S;
    __device__ ChannelWalk(int64_t start, int64_t step, int64_t S_)
        : n(start / S_), s(start % S_), dn(step / S_), ds(step % S_), S(S_) {}
    __device__ void next() {
        n += dn;
        s += ds;
        if (s >= S) {
            s -= S;
            ++n;
        }
    }
};

// The sum of v over the block's threads, returned to every thread. Fixed order: each warp sums
// its 32 values with shuffles, then warp 0 sums the warp sums. Called by all threads together.
__device__ double block_sum(double v) {
    __shared__ double warp_sums[32];
    __syncthreads();  // a previous call's readers of warp_sums[0] are done
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    if (lane == 0) warp_sums[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < static_cast<int>(blockDim.x / 32) ? warp_sums[lane] : 0.0;
        for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
        if (lane == 0) warp_sums[0] = v;
    }
    __syncthreads();
    return warp_sums[0];
}

// ---- statistics -------------------------------------------------------------------------------------
// mean[c] = sum(x) / M; var[c] = sum((x - mean)^2) / M (biased), both accumulated in double.
template <typename T> __global__ void __launch_bounds__(kNormThreads)
    batch_norm_stats_kernel(T* __restrict__ mean, T* __restrict__ var, const T* __restrict__ x, int64_t N,
                            int64_t C, int64_t S) {
    const double M = static_cast<double>(N * S);
    for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
        double sum = 0;
        for (ChannelWalk w(threadIdx.x, blockDim.x, S); w.n < N; w.next()) sum += x[(w.n * C + c) * S + w.s];
        const double mu = block_sum(sum) / M;
        double sq = 0;
        for (ChannelWalk w(threadIdx.x, blockDim.x, S); w.n < N; w.next()) {
            const double d = x[(w.n * C + c) * S + w.s] - mu;
            sq += d * d;
        }
        const double sq_sum = block_sum(sq);
        if (threadIdx.x == 0) {
            mean[c] = static_cast<T>(mu);
            var[c] = static_cast<T>(sq_sum / M);
        }
    }
}

// ---- affine map ------------------------------------------------------------------------------------
// y[n, c, s] = x[n, c, s] * scale[c] + shift[c]; one thread per element.
template <typename T> __global__ void batch_norm_apply_kernel(T* __restrict__ y, const T* __restrict__ x,
                                                              const T* __restrict__ scale,
                                                              const T* __restrict__ shift, int64_t C,
                                                              int64_t S, int64_t n) {
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        const int64_t c = (i / S) % C;
        y[i] = add_rn(mul_rn(x[i], scale[c]), shift[c]);
    }
}

// ---- backward -----------------------------------------------------------------------------------------
// src/cpu/norm.h states the formulas. Per channel: sum_g = sum(g), sum_gxc = sum(g (x - mean)),
// grad_weight = sum(g xhat) = invstd sum_gxc, grad_bias = sum_g; then, when grad_input is wanted,
//   grad_input = k (g - mean_g - (x - mean) proj),  k = weight invstd,
//   mean_g = sum_g / M, proj = mean(g xhat) invstd   (training; both 0 in eval).
template <typename T> __global__ void __launch_bounds__(kNormThreads)
    batch_norm_backward_kernel(T* __restrict__ gi, T* __restrict__ gw, T* __restrict__ gb,
                               const T* __restrict__ g, const T* __restrict__ x, const T* __restrict__ mean,
                               const T* __restrict__ invstd, const T* __restrict__ w, bool training,
                               int64_t N, int64_t C, int64_t S) {
    const double M = static_cast<double>(N * S);
    for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
        const double mu = mean[c], is = invstd[c];
        double sum_g = 0, sum_gxc = 0;
        for (ChannelWalk wk(threadIdx.x, blockDim.x, S); wk.n < N; wk.next()) {
            const int64_t off = (wk.n * C + c) * S + wk.s;
            const double gv = g[off];
            sum_g += gv;
            sum_gxc += gv * (x[off] - mu);
        }
        sum_g = block_sum(sum_g);
        sum_gxc = block_sum(sum_gxc);
        const double sum_gxhat = sum_gxc * is;
        if (threadIdx.x == 0) {
            gw[c] = static_cast<T>(sum_gxhat);
            gb[c] = static_cast<T>(sum_g);
        }
        if (gi == nullptr) continue;  // uniform across the block: every thread skips together
        const double k = (w ? static_cast<double>(w[c]) : 1.0) * is;
        const double mean_g = training ? sum_g / M : 0.0;
        const double proj = training ? sum_gxhat / M * is : 0.0;
        for (ChannelWalk wk(threadIdx.x, blockDim.x, S); wk.n < N; wk.next()) {
            const int64_t off = (wk.n * C + c) * S + wk.s;
            const double centred = static_cast<double>(g[off]) - mean_g;
            const double through_var = mul_rn(static_cast<double>(x[off]) - mu, proj);
            gi[off] = static_cast<T>(k * (centred - through_var));
        }
    }
}

unsigned int channel_blocks(int64_t C) { return static_cast<unsigned int>(std::clamp<int64_t>(C, 1, 65535)); }

}  // namespace

// ---- launchers --------------------------------------------------------------------------------------
void batch_norm_stats(const TensorView& mean, const TensorView& var, const TensorView& x, int64_t N,
                      int64_t C, int64_t S) {
    if (N * C * S == 0) return;
    dispatch_floating(x.dtype, "batch_norm", [&]<typename T>() {
        batch_norm_stats_kernel<T>
            <<<channel_blocks(C), kNormThreads>>>(mean.ptr<T>(), var.ptr<T>(), x.ptr<const T>(), N, C, S);
        TINYDL_CUDA_LAUNCH_CHECK("batch_norm");
    });
}

void batch_norm_apply(const TensorView& y, const TensorView& x, const TensorView& scale,
                      const TensorView& shift, int64_t N, int64_t C, int64_t S) {
    const int64_t n = N * C * S;
    if (n == 0) return;
    dispatch_floating(x.dtype, "batch_norm", [&]<typename T>() {
        batch_norm_apply_kernel<T><<<blocks_for(n), kThreadsPerBlock>>>(
            y.ptr<T>(), x.ptr<const T>(), scale.ptr<const T>(), shift.ptr<const T>(), C, S, n);
        TINYDL_CUDA_LAUNCH_CHECK("batch_norm");
    });
}

void batch_norm_backward(const TensorView& grad_input, const TensorView& grad_weight,
                         const TensorView& grad_bias, const TensorView& grad_out, const TensorView& x,
                         const TensorView& mean, const TensorView& invstd, const TensorView& weight,
                         bool training, int64_t N, int64_t C, int64_t S) {
    if (N * C * S == 0) return;
    dispatch_floating(x.dtype, "batch_norm_backward", [&]<typename T>() {
        batch_norm_backward_kernel<T><<<channel_blocks(C), kNormThreads>>>(
            grad_input.ptr<T>(), grad_weight.ptr<T>(), grad_bias.ptr<T>(), grad_out.ptr<const T>(),
            x.ptr<const T>(), mean.ptr<const T>(), invstd.ptr<const T>(), weight.ptr<const T>(), training, N,
            C, S);
        TINYDL_CUDA_LAUNCH_CHECK("batch_norm_backward");
    });
}

}  // namespace tinydl::cuda
