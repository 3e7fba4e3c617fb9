// copy.cu — the CUDA strided copy with dtype conversion, and fill: the counterparts of
// src/cpu/copy.cpp. Every .contiguous(), .to(dtype), .clone() and broadcast materialisation of a
// CUDA tensor ends here. Both views are on the same GPU: a copy between devices is staged by
// detail::copy_raw (src/ops/copy.cpp) into a contiguous block of the destination's dtype, moved
// with cudaMemcpy, and only then scattered into a strided destination by this kernel.
//
// The kernels follow elementwise.cu's pattern (one thread per element in a grid-stride loop, a
// StridedIndexer, a direct-index fast path when everything is contiguous); they are written out
// here rather than shared because the copy is the one unary map with two independent dtypes.
#include <cstdint>
#include <type_traits>

#include "src/cuda/elementwise.h"
#include "src/cuda/launch.cuh"

namespace tinydl::cuda {

namespace {

// The range of an integer type, callable in device code (std::numeric_limits is constexpr-host
// only without nvcc's --expt-relaxed-constexpr).
template <typename T> struct IntRange;
template <> struct IntRange<int64_t> {
    __host__ __device__ static constexpr int64_t lowest() { return INT64_MIN; }
    __host__ __device__ static constexpr int64_t max() { return INT64_MAX; }
};
template <> struct IntRange<int32_t> {
    __host__ __device__ static constexpr int32_t lowest() { return INT32_MIN; }
    __host__ __device__ static constexpr int32_t max() { return INT32_MAX; }
};
template <> struct IntRange<uint8_t> {
    __host__ __device__ static constexpr uint8_t lowest() { return 0; }
    __host__ __device__ static constexpr uint8_t max() { return UINT8_MAX; }
};

// static_cast, except that a float out of an integer type's range (or NaN) does not invoke
// undefined behaviour: it saturates, and NaN becomes 0. Exactly src/cpu/copy.cpp's convert, so
// x.to(kInt32) gives the same numbers on both devices. (A float -> bool cast is v != 0, NaN true.)
template <typename To, typename From> __host__ __device__ To convert(From v) {
    if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To> && !std::is_same_v<To, bool>) {
        if (!(v == v)) return To(0);
        if (v <= static_cast<From>(IntRange<To>::lowest())) return IntRange<To>::lowest();
        if (v >= static_cast<From>(IntRange<To>::max())) return IntRange<To>::max();
        return static_cast<To>(v);
    } else {
        return static_cast<To>(v);
    }
}

template <int N> bool all_contiguous(const StridedIndexer<N>& ix) {
    if (ix.ndim == 0) return true;  // a single element
    if (ix.ndim != 1) return false;
    for (int k = 0; k < N; ++k)
        if (ix.strides[k][0] != 1) return false;
    return true;
}

// dst[i] = convert(src[i]); src may be broadcast (stride 0).
template <bool kContiguous, typename TD, typename TS>
__global__ void copy_kernel(TD* dst, const TS* src, int64_t n, StridedIndexer<2> ix) {
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        if constexpr (kContiguous) {
            dst[i] = convert<TD, TS>(src[i]);
        } else {
            int64_t off[2];
            ix.offsets(i, off);
            dst[off[0]] = convert<TD, TS>(src[off[1]]);
        }
    }
}

// dst[i] = v
template <bool kContiguous, typename T> __global__ void fill_kernel(T* dst, T v, int64_t n, StridedIndexer<1> ix) {
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        if constexpr (kContiguous) {
            dst[i] = v;
        } else {
            int64_t off[1];
            ix.offsets(i, off);
            dst[off[0]] = v;
        }
    }
}

}  // namespace

void copy(const TensorView& dst, const TensorView& src) {
    const int64_t n = dst.numel();
    if (n == 0) return;
    const StridedIndexer<2> ix = make_indexer<2>("copy", {&dst, &src});
    const bool contiguous = all_contiguous(ix);
    dispatch_all(dst.dtype, "copy", [&]<typename TD>() {
        dispatch_all(src.dtype, "copy", [&]<typename TS>() {
            TD* pd = dst.ptr<TD>();
            const TS* ps = src.ptr<const TS>();
            if (contiguous)
                copy_kernel<true, TD, TS><<<blocks_for(n), kThreadsPerBlock>>>(pd, ps, n, ix);
            else
                copy_kernel<false, TD, TS><<<blocks_for(n), kThreadsPerBlock>>>(pd, ps, n, ix);
            TINYDL_CUDA_LAUNCH_CHECK("copy");
        });
    });
}

void fill(const TensorView& dst, Scalar value) {
    const int64_t n = dst.numel();
    if (n == 0) return;
    const StridedIndexer<1> ix = make_indexer<1>("fill_", {&dst});
    const bool contiguous = all_contiguous(ix);
    dispatch_all(dst.dtype, "fill_", [&]<typename T>() {
        // The value is converted on the host, as the CPU kernel converts it, and passed by value.
        const T v = value.is_floating() ? convert<T, double>(value.to_double()) : value.to<T>();
        T* p = dst.ptr<T>();
        if (contiguous)
            fill_kernel<true, T><<<blocks_for(n), kThreadsPerBlock>>>(p, v, n, ix);
        else
            fill_kernel<false, T><<<blocks_for(n), kThreadsPerBlock>>>(p, v, n, ix);
        TINYDL_CUDA_LAUNCH_CHECK("fill_");
    });
}

}  // namespace tinydl::cuda
