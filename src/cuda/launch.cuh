// launch.cuh — what every CUDA kernel file shares: the launch shape, the launch check, and the
// strided indexer that turns a flat element number into one memory offset per operand.
//
// How a tinydl kernel is launched (see docs/cuda.md):
//   - one thread per output element, in a grid-stride loop, so any n fits a bounded grid;
//   - the op's maths is a functor (src/ops/elementwise_functors.h), passed by value into a
//     templated __global__ function; no __device__ lambdas, because nvcc forbids them inside
//     the generic lambdas that dispatch_* use to pick T;
//   - every launch is followed by TINYDL_CUDA_LAUNCH_CHECK(op), which turns a bad launch
//     configuration into a tinydl::Error naming the op (a fault *inside* a kernel surfaces at the
//     next synchronizing call instead, as in every CUDA program);
//   - everything runs on the legacy default stream, so kernels, cuBLAS, cuDNN and cudaMemcpy are
//     ordered one after another without events, and the caching allocator may hand a freed block
//     to the next op at once (see Note [One stream] in src/cuda/runtime.cu).
//   - kernels run on the calling thread's current GPU; tinydl's ops check that all inputs share
//     one device, and tensors on cuda:1 need cudaSetDevice(1) first (multi-GPU is not yet managed).
//
// Strides: a TensorView gives sizes and strides in elements. StridedIndexer<N> holds the sizes
// once and the strides of N operands (output first); dims where every operand is contiguous with
// its neighbour are merged first (coalesce), so a contiguous tensor of any rank is one dim and
// the per-element division loop runs once.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "src/core/dispatch.h"     // TensorView
#include "src/cuda/cuda_check.h"   // TINYDL_CUDA_CHECK

#define TINYDL_CUDA_LAUNCH_CHECK(op) TINYDL_CUDA_CHECK(cudaGetLastError(), op)

namespace tinydl::cuda {

constexpr int kThreadsPerBlock = 256;
constexpr int kMaxDims = 10;  // after coalescing; a view with more distinct dims is rejected

// Blocks for n elements at `threads` per block, capped: the grid-stride loop covers the rest.
// 65,535 blocks x 256 threads keeps every SM of an H100 busy many times over.
inline unsigned int blocks_for(int64_t n, int threads = kThreadsPerBlock) {
    const int64_t blocks = (n + threads - 1) / threads;
    return static_cast<unsigned int>(std::clamp<int64_t>(blocks, 1, 65535));
}

template <int N> struct StridedIndexer {
    int ndim = 0;
    int64_t sizes[kMaxDims] = {};
    int64_t strides[N][kMaxDims] = {};

    // Offsets (in elements) of flat element `linear` (row-major over sizes) in each operand.
    __device__ __forceinline__ void offsets(int64_t linear, int64_t (&off)[N]) const {
#pragma unroll
        for (int k = 0; k < N; ++k) off[k] = 0;
        for (int d = ndim - 1; d >= 0; --d) {
            const int64_t size = sizes[d];
            const int64_t i = linear % size;
            linear /= size;
#pragma unroll
            for (int k = 0; k < N; ++k) off[k] += i * strides[k][d];
        }
    }
};

// Builds the indexer for views of equal sizes (views[0] is the output). Size-1 dims are dropped;
// the others are put in the output's memory order (largest stride first, so neighbouring threads
// touch neighbouring addresses even when the output is a transposed view, as PyTorch's
// TensorIterator reorders them); then neighbouring dims d-1, d merge when
// stride[d-1] == stride[d] * size[d] in every operand. Which element a thread takes changes, not
// what it computes: every kernel reads and writes through the offsets alone.
template <int N> StridedIndexer<N> make_indexer(const char* op, const std::array<const TensorView*, N>& views) {
    const TensorView& ref = *views[0];
    StridedIndexer<N> ix;
    int64_t sizes[64];
    int64_t strides[N][64];
    int nd = 0;
    TINYDL_CHECK(ref.ndim() <= 64, op, "CUDA kernels take at most 64 dims, got ", ref.ndim());
    int order[64];
    for (int d = 0; d < ref.ndim(); ++d) order[d] = d;
    std::stable_sort(order, order + ref.ndim(), [&](int x, int y) {
        const int64_t sx = ref.strides[x] < 0 ? -ref.strides[x] : ref.strides[x];
        const int64_t sy = ref.strides[y] < 0 ? -ref.strides[y] : ref.strides[y];
        return sx > sy;
    });
    for (int64_t k = 0; k < ref.ndim(); ++k) {
        const int64_t d = order[k];
        if (ref.sizes[d] == 1) continue;
        const bool merge = nd > 0 && [&] {
            for (int k = 0; k < N; ++k)
                if (strides[k][nd - 1] != views[k]->strides[d] * ref.sizes[d]) return false;
            return true;
        }();
        if (merge) {
            sizes[nd - 1] *= ref.sizes[d];
            for (int k = 0; k < N; ++k) strides[k][nd - 1] = views[k]->strides[d];
        } else {
            sizes[nd] = ref.sizes[d];
            for (int k = 0; k < N; ++k) strides[k][nd] = views[k]->strides[d];
            ++nd;
        }
    }
    TINYDL_CHECK(nd <= kMaxDims, op, "the CUDA kernels handle views of at most ", kMaxDims,
                 " non-mergeable dims; this one has ", nd, " (call .contiguous() first)");
    ix.ndim = nd;
    for (int d = 0; d < nd; ++d) {
        ix.sizes[d] = sizes[d];
        for (int k = 0; k < N; ++k) ix.strides[k][d] = strides[k][d];
    }
    return ix;
}

// The usual grid-stride loop: for (i = this thread; i < n; i += all threads).
#define TINYDL_CUDA_KERNEL_LOOP(i, n)                                                            \
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n);       \
         i += static_cast<int64_t>(blockDim.x) * gridDim.x)

}  // namespace tinydl::cuda
