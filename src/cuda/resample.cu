// resample.cu — CUDA kernels for one resampling pass along one dim (the formula is in
// src/cpu/resample.h; the CPU kernels, which these match bit for bit, in src/cpu/resample.cpp;
// the op that plans the passes and uploads their tables in src/ops/resample.cpp):
//
//   out[a, o, b] = w0[o] * in[a, i0[o], b] + w1[o] * in[a, i1[o], b]      (w1 absent: a copy)
//
// The tap tables (i0, i1, w0, w1) are device arrays here, read by every thread: a warp's
// threads mostly share o, so the reads are broadcasts served by the cache.
//
// Forward: one thread per output element.
// Backward (the transpose: grad_in[a, i0[o], b] += w0[o] * grad_out[a, o, b], and so for i1):
// one thread per *column* (a, b). It zeroes its column of grad_in, then walks o = 0..Out-1 in
// order and adds into its own column only, exactly as the CPU does per slab. Different threads
// never write the same element, so there are no atomics, the result is deterministic, and the
// additions happen in the CPU's order (same bits). A gather (one thread per grad_in element)
// would need the inverse tables, which reflect padding makes irregular; atomics would make the
// order of additions, hence the low bits, vary from run to run. The price: A * B threads of Out
// serial steps each. Every pass of an image op has A * B >= N * C * (one spatial size), plenty
// of threads; a 1-D op on a tiny batch (N * C small, L large) runs serial-ish.
//
// Rounding: nvcc would fuse w0 * x0 + w1 * x1 into an FMA; __fmul_rn / __fadd_rn keep the
// CPU's two roundings.
#include <cuda_runtime.h>

#include <cstdint>

#include "src/cuda/launch.cuh"
#include "src/cuda/resample.h"

namespace tinydl::cuda {

namespace {

__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double add_rn(double a, double b) { return __dadd_rn(a, b); }

// One tap of weight 1 (nearest, reflect/replicate pad): out[a, o, b] = in[a, i0[o], b]. Any dtype.
template <typename T> __global__ void resample_gather_kernel(T* __restrict__ out, const T* __restrict__ in,
                                                             const int64_t* __restrict__ i0, int64_t In,
                                                             int64_t Out, int64_t B, int64_t n) {
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        const int64_t b = i % B, t = i / B;
        const int64_t o = t % Out, a = t / Out;
        out[i] = in[(a * In + i0[o]) * B + b];
    }
}

// Two taps (linear modes): out = w0 * in[i0] + w1 * in[i1], weights cast to T first (the
// tables hold the T-precision weights exactly as doubles).
template <typename T> __global__ void resample_linear_kernel(T* __restrict__ out, const T* __restrict__ in,
                                                             ResampleTaps taps, int64_t B, int64_t n) {
    const int64_t In = taps.in_size, Out = taps.out_size;
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        const int64_t b = i % B, t = i / B;
        const int64_t o = t % Out, a = t / Out;
        const T* xa = in + a * In * B + b;
        const T w0 = static_cast<T>(taps.w0[o]), w1 = static_cast<T>(taps.w1[o]);
        out[i] = add_rn(mul_rn(w0, xa[taps.i0[o] * B]), mul_rn(w1, xa[taps.i1[o] * B]));
    }
}

// The transpose, one thread per column (a, b) of grad_in (see the file header).
template <typename T>
__global__ void resample_backward_kernel(T* __restrict__ grad_in, const T* __restrict__ grad_out,
                                         ResampleTaps taps, int64_t B, int64_t columns) {
    const int64_t In = taps.in_size, Out = taps.out_size;
    TINYDL_CUDA_KERNEL_LOOP(col, columns) {
        const int64_t a = col / B, b = col % B;
        const T* g = grad_out + a * Out * B + b;  // g[o * B] = grad_out[a, o, b]
        T* gx = grad_in + a * In * B + b;         // gx[r * B] = grad_in[a, r, b]
        for (int64_t r = 0; r < In; ++r) gx[r * B] = T(0);
        for (int64_t o = 0; o < Out; ++o) {
            const T src = g[o * B];
            const T w0 = taps.w0 ? static_cast<T>(taps.w0[o]) : T(1);
            T* row0 = gx + taps.i0[o] * B;
            *row0 = add_rn(*row0, mul_rn(w0, src));
            if (taps.w1 != nullptr) {
                T* row1 = gx + taps.i1[o] * B;
                *row1 = add_rn(*row1, mul_rn(static_cast<T>(taps.w1[o]), src));
            }
        }
    }
}

}  // namespace

void resample_dim(const TensorView& out, const TensorView& in, int64_t A, int64_t B,
                  const ResampleTaps& taps) {
    const int64_t n = A * taps.out_size * B;
    if (n == 0) return;
    if (taps.w1 == nullptr) {  // a copy: any dtype, as on the CPU
        dispatch_all(in.dtype, "resample", [&]<typename T>() {
            resample_gather_kernel<T><<<blocks_for(n), kThreadsPerBlock>>>(
                out.ptr<T>(), in.ptr<const T>(), taps.i0, taps.in_size, taps.out_size, B, n);
            TINYDL_CUDA_LAUNCH_CHECK("resample");
        });
        return;
    }
    // Two taps interpolate: floating point only (the op checks this before planning).
    dispatch_floating(in.dtype, "resample", [&]<typename T>() {
        resample_linear_kernel<T>
            <<<blocks_for(n), kThreadsPerBlock>>>(out.ptr<T>(), in.ptr<const T>(), taps, B, n);
        TINYDL_CUDA_LAUNCH_CHECK("resample");
    });
}

void resample_dim_backward(const TensorView& grad_in, const TensorView& grad_out, int64_t A, int64_t B,
                           const ResampleTaps& taps) {
    const int64_t columns = A * B;
    if (columns == 0 || taps.in_size == 0) return;
    dispatch_floating(grad_out.dtype, "resample backward", [&]<typename T>() {
        resample_backward_kernel<T><<<blocks_for(columns), kThreadsPerBlock>>>(
            grad_in.ptr<T>(), grad_out.ptr<const T>(), taps, B, columns);
        TINYDL_CUDA_LAUNCH_CHECK("resample backward");
    });
}

}  // namespace tinydl::cuda
