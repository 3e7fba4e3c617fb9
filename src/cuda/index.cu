// index.cu — CUDA kernels of the indexing family: index_select, index_add, gather, scatter_add
// (interface: src/cpu/index.h; the CPU kernels: src/cpu/index.cpp; the ops, which bounds-check
// every index on the host before a kernel runs: src/ops/index.cpp).
//
// Dimension legend: [outer, size, inner] is a tensor read around dim `dim`; n index entries.
//
// The reads are easy: index_select and gather use one thread per output element.
//
// The adds are where the design is. index_add and scatter_add may send several index entries
// to one element, so two threads can meet on it. Two schemes, chosen per call:
//   - columns (deterministic): one thread per "column", i.e. per output position with the
//     indexed coordinate left out; it walks the index entries of its column in order and adds
//     them one by one. Two columns never share an element, so there are no races, the result
//     is the same on every run, and the order of additions is the CPU kernel's (same bits).
//     Its weakness: a column is a serial walk of n (index_add) or index.size(dim) (scatter_add)
//     steps, and there may be few columns (embedding's backward, index_add along dim 0 of a
//     [V, D] table, has D columns of one step per token).
//   - atomics: one thread per source element, atomicAdd into the output. Fully parallel, but
//     floating-point additions then happen in whatever order the threads arrive, so the low
//     bits of a float sum can change from run to run (integer sums are exact in any order).
// The columns scheme runs when it is cheap (short walks, or enough columns to fill the GPU) or
// when tinydl::set_deterministic(true) asks for reproducible floats; atomics otherwise.
// (PyTorch sorts the indices for a deterministic embedding backward; not done here.)
//
// atomicAdd exists for float, double (sm_60+; tinydl builds sm_80/sm_90), int32 and unsigned
// 64-bit (int64 adds as two's complement, the same bits); uint8 has none and is done with a
// compare-and-swap on the aligned 32-bit word that holds the byte.
#include <cuda_runtime.h>

#include <cstdint>

#include "src/cuda/index.h"
#include "src/cuda/launch.cuh"
#include "tinydl/determinism.h"  // is_deterministic

namespace tinydl::cuda {

namespace {

// When the columns scheme runs (see the file header): walks of at most kShortWalk steps, or at
// least kManyColumns columns (an H100 holds about 270k resident threads; 16k columns of a
// longer walk already keep it reasonably busy).
constexpr int64_t kShortWalk = 32;
constexpr int64_t kManyColumns = 16384;

bool use_columns(DType dtype, int64_t columns, int64_t walk) {
    return walk <= kShortWalk || columns >= kManyColumns || (is_deterministic() && is_floating(dtype));
}

// ---- atomic adds ------------------------------------------------------------------------------
__device__ __forceinline__ void atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(double* p, double v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(int32_t* p, int32_t v) { atomicAdd(reinterpret_cast<int*>(p), v); }
__device__ __forceinline__ void atomic_add(int64_t* p, int64_t v) {
    atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(v));
}
// The byte's aligned 32-bit word lies inside the tensor's allocation (the caching allocator
// hands out blocks of a multiple of 64 bytes, 256-byte aligned), and the other three bytes are
// written back unchanged.
__device__ __forceinline__ void atomic_add(uint8_t* p, uint8_t v) {
    const uintptr_t addr = reinterpret_cast<uintptr_t>(p);
    unsigned int* word = reinterpret_cast<unsigned int*>(addr & ~uintptr_t{3});
    const unsigned int shift = static_cast<unsigned int>(addr & 3) * 8;
    unsigned int old = *word, assumed;
    do {
        assumed = old;
        const unsigned int byte = ((assumed >> shift) + v) & 0xffu;
        old = atomicCAS(word, assumed, (assumed & ~(0xffu << shift)) | (byte << shift));
    } while (old != assumed);
}

// ---- index_select -------------------------------------------------------------------------------
// out[o, j, r] = x[o, index[j], r], one thread per output element. A copy, so it runs on the
// element's bytes (W = an unsigned type of the element's size) and covers every dtype, as the
// CPU's memcpy does.
template <typename W> __global__ void index_select_kernel(W* __restrict__ out, const W* __restrict__ x,
                                                          const int64_t* __restrict__ index, int64_t n_index,
                                                          int64_t size, int64_t inner, int64_t n) {
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        const int64_t r = i % inner, t = i / inner;
        const int64_t j = t % n_index, o = t / n_index;
        out[i] = x[(o * size + index[j]) * inner + r];
    }
}

// ---- index_add ----------------------------------------------------------------------------------
// out[o, index[j], r] += source[o, j, r].
// Columns: thread per (o, r), walking j = 0..n-1 in order (the CPU's loop, per column).
template <typename T>
__global__ void index_add_columns_kernel(T* __restrict__ out, const T* __restrict__ source,
                                         const int64_t* __restrict__ index, int64_t n_index, int64_t size,
                                         int64_t inner, int64_t columns) {
    TINYDL_CUDA_KERNEL_LOOP(col, columns) {
        const int64_t o = col / inner, r = col % inner;
        const T* src = source + o * n_index * inner + r;
        T* dst = out + o * size * inner + r;
        for (int64_t j = 0; j < n_index; ++j) dst[index[j] * inner] += src[j * inner];
    }
}
// Atomics: thread per source element.
template <typename T>
__global__ void index_add_atomic_kernel(T* __restrict__ out, const T* __restrict__ source,
                                        const int64_t* __restrict__ index, int64_t n_index, int64_t size,
                                        int64_t inner, int64_t n) {
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        const int64_t r = i % inner, t = i / inner;
        const int64_t j = t % n_index, o = t / n_index;
        atomic_add(out + (o * size + index[j]) * inner + r, source[i]);
    }
}

// ---- gather ---------------------------------------------------------------------------------------
// out[p] = x[p with coordinate dim replaced by index[p]]. The indexer walks index's shape with
// three sets of strides: out's, index's and x's with dim's stride zeroed (the index value
// supplies that coordinate, times dim_stride).
template <typename T> __global__ void gather_kernel(T* __restrict__ out, const T* __restrict__ x,
                                                    const int64_t* __restrict__ index, StridedIndexer<3> ix,
                                                    int64_t dim_stride, int64_t n) {
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        int64_t off[3];
        ix.offsets(i, off);
        out[off[0]] = x[off[2] + index[off[1]] * dim_stride];
    }
}

// ---- scatter_add ------------------------------------------------------------------------------------
// out[p with coordinate dim replaced by index[p]] += src[p], for every position p of index.
// Columns: the indexer walks index's shape with dim's size set to 1 (one thread per column);
// each thread then steps k = 0..K-1 along dim, K = index.size(dim), in the CPU's order.
template <typename T>
__global__ void scatter_add_columns_kernel(T* __restrict__ out, const int64_t* __restrict__ index,
                                           const T* __restrict__ src, StridedIndexer<3> ix, int64_t K,
                                           int64_t index_step, int64_t src_step, int64_t dim_stride,
                                           int64_t columns) {
    TINYDL_CUDA_KERNEL_LOOP(col, columns) {
        int64_t off[3];  // index, src, out (out's dim coordinate comes from the index)
        ix.offsets(col, off);
        for (int64_t k = 0; k < K; ++k)
            out[off[2] + index[off[0] + k * index_step] * dim_stride] += src[off[1] + k * src_step];
    }
}
// Atomics: thread per index position.
template <typename T>
__global__ void scatter_add_atomic_kernel(T* __restrict__ out, const int64_t* __restrict__ index,
                                          const T* __restrict__ src, StridedIndexer<3> ix, int64_t dim_stride,
                                          int64_t n) {
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        int64_t off[3];
        ix.offsets(i, off);
        atomic_add(out + off[2] + index[off[0]] * dim_stride, src[off[1]]);
    }
}

// A view with the same data and strides as v but other sizes (how the indexers walk index's
// shape over x or out).
TensorView with_sizes(const TensorView& v, const DimVector& sizes, const DimVector& strides) {
    TensorView r = v;
    r.sizes = sizes;
    r.strides = strides;
    return r;
}

}  // namespace

// ---- launchers ----------------------------------------------------------------------------------------
void index_select(const TensorView& out, const TensorView& x, const TensorView& index, int64_t outer,
                  int64_t size, int64_t inner) {
    const int64_t n_index = index.numel();
    const int64_t n = outer * n_index * inner;
    if (n == 0) return;
    const auto launch = [&]<typename W>() {
        index_select_kernel<W><<<blocks_for(n), kThreadsPerBlock>>>(
            out.ptr<W>(), x.ptr<const W>(), index.ptr<const int64_t>(), n_index, size, inner, n);
        TINYDL_CUDA_LAUNCH_CHECK("index_select");
    };
    switch (itemsize(x.dtype)) {
        case 1:
            launch.template operator()<uint8_t>();
            break;
        case 2:
            launch.template operator()<uint16_t>();
            break;
        case 4:
            launch.template operator()<uint32_t>();
            break;
        case 8:
            launch.template operator()<uint64_t>();
            break;
        default:
            throw TypeError(detail::str("index_select: dtype ", x.dtype, " is not supported on CUDA"));
    }
}

void index_add(const TensorView& out, const TensorView& source, const TensorView& index, int64_t outer,
               int64_t size, int64_t inner) {
    const int64_t n_index = index.numel();
    if (outer * n_index * inner == 0) return;
    dispatch_numeric(out.dtype, "index_add", [&]<typename T>() {
        const int64_t columns = outer * inner;
        if (use_columns(out.dtype, columns, n_index)) {
            index_add_columns_kernel<T><<<blocks_for(columns), kThreadsPerBlock>>>(
                out.ptr<T>(), source.ptr<const T>(), index.ptr<const int64_t>(), n_index, size, inner,
                columns);
        } else {
            const int64_t n = columns * n_index;
            index_add_atomic_kernel<T><<<blocks_for(n), kThreadsPerBlock>>>(
                out.ptr<T>(), source.ptr<const T>(), index.ptr<const int64_t>(), n_index, size, inner, n);
        }
        TINYDL_CUDA_LAUNCH_CHECK("index_add");
    });
}

void gather(const TensorView& out, const TensorView& x, const TensorView& index, int64_t dim) {
    const int64_t n = index.numel();
    if (n == 0) return;
    DimVector x_strides(x.strides);
    const int64_t dim_stride = x_strides[dim];
    x_strides[dim] = 0;
    const TensorView x_walk = with_sizes(x, index.sizes, x_strides);
    const StridedIndexer<3> ix = make_indexer<3>("gather", {&out, &index, &x_walk});
    dispatch_all(out.dtype, "gather", [&]<typename T>() {
        gather_kernel<T><<<blocks_for(n), kThreadsPerBlock>>>(out.ptr<T>(), x.ptr<const T>(),
                                                              index.ptr<const int64_t>(), ix, dim_stride, n);
        TINYDL_CUDA_LAUNCH_CHECK("gather");
    });
}

void scatter_add(const TensorView& out, const TensorView& index, const TensorView& src, int64_t dim) {
    const int64_t n = index.numel();
    if (n == 0) return;
    const int64_t K = index.sizes[dim];
    const int64_t columns = n / K;  // n > 0, so K > 0
    DimVector out_strides(out.strides);
    const int64_t dim_stride = out_strides[dim];
    out_strides[dim] = 0;
    dispatch_numeric(out.dtype, "scatter_add", [&]<typename T>() {
        if (use_columns(out.dtype, columns, K)) {
            // Walk index's shape with dim's size 1; the kernel steps along dim itself.
            DimVector col_sizes(index.sizes);
            col_sizes[dim] = 1;
            const TensorView index_walk = with_sizes(index, col_sizes, index.strides);
            const TensorView src_walk = with_sizes(src, col_sizes, src.strides);
            const TensorView out_walk = with_sizes(out, col_sizes, out_strides);
            const StridedIndexer<3> ix = make_indexer<3>("scatter_add", {&index_walk, &src_walk, &out_walk});
            scatter_add_columns_kernel<T><<<blocks_for(columns), kThreadsPerBlock>>>(
                out.ptr<T>(), index.ptr<const int64_t>(), src.ptr<const T>(), ix, K, index.strides[dim],
                src.strides[dim], dim_stride, columns);
        } else {
            const TensorView src_walk = with_sizes(src, index.sizes, src.strides);
            const TensorView out_walk = with_sizes(out, index.sizes, out_strides);
            const StridedIndexer<3> ix = make_indexer<3>("scatter_add", {&index, &src_walk, &out_walk});
            scatter_add_atomic_kernel<T><<<blocks_for(n), kThreadsPerBlock>>>(
                out.ptr<T>(), index.ptr<const int64_t>(), src.ptr<const T>(), ix, dim_stride, n);
        }
        TINYDL_CUDA_LAUNCH_CHECK("scatter_add");
    });
}

}  // namespace tinydl::cuda
