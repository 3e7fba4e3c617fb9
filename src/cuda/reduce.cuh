// reduce.cuh — the block-level reduction that the CUDA reductions, softmax and the class-index
// losses share (src/cuda/reduce.cu, softmax.cu, loss.cu). Device code; include from .cu only.
//
// All three see their input as a contiguous [A, R, B] block (src/core/dispatch.h) and combine
// each "column" j = (a, b), i.e. the R values in[a, 0..R-1, b], which lie B elements apart.
// One block of threads handles `cols` columns at once with `lanes` threads per column:
//
//   lane l of column j reads r = l, l + lanes, l + 2 lanes, ...   (a fixed order)
//   then the lanes of a column combine in a shared-memory tree   (a fixed order too)
//
// so the result depends only on the shape, never on timing: no atomics, bit-for-bit
// reproducible. Which threads are neighbours decides coalescing (neighbouring threads should read
// neighbouring addresses):
//   B == 1 (the reduced dim is the last one): a column is one contiguous run, so the lanes of a
//          column are neighbouring threads ("lanes fastest"), up to 256 of them;
//   B > 1:  neighbouring columns are neighbouring addresses, so neighbouring threads take
//          neighbouring columns (up to 32 of them, a warp's worth) and the rest of the block
//          splits R.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "src/cuda/launch.cuh"

namespace tinydl::cuda {

// How the threads of one block are arranged: cols * lanes of them, both powers of two.
struct ColumnLayout {
    int cols = 1;               // columns per block
    int lanes = 1;              // threads per column
    bool lanes_fastest = true;  // B == 1: thread t is lane t % lanes of column t / lanes
    int threads() const { return cols * lanes; }
};

inline int64_t pow2_at_least(int64_t n) {
    int64_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

// The layout for n_cols columns of R values each, B apart (see the header comment).
inline ColumnLayout column_layout(int64_t n_cols, int64_t R, int64_t B) {
    constexpr int64_t kMax = kThreadsPerBlock;
    const int64_t r_lanes = pow2_at_least(std::max<int64_t>(R, 1));
    ColumnLayout layout;
    if (B == 1) {
        layout.lanes = static_cast<int>(std::min(kMax, r_lanes));
        layout.cols = static_cast<int>(kMax / layout.lanes);
        layout.lanes_fastest = true;
    } else {
        // A warp's worth of columns first, R gets the rest; then, if R left threads idle (short
        // columns), more columns fill the block.
        const int64_t cols0 = std::min<int64_t>(32, pow2_at_least(n_cols));
        layout.lanes = static_cast<int>(std::min(kMax / cols0, r_lanes));
        layout.cols = static_cast<int>(std::min(kMax / layout.lanes, pow2_at_least(n_cols)));
        layout.lanes_fastest = false;
    }
    return layout;
}

// Blocks for `groups` groups of columns: each block loops over groups in a grid-stride loop, so
// a capped grid covers any count (and every thread of a block runs the same iterations, which
// the __syncthreads inside need).
inline unsigned int blocks_for_groups(int64_t groups) {
    return static_cast<unsigned int>(std::clamp<int64_t>(groups, 1, 65535));
}

// The GPU this thread is on: kernels run there, and so must their scratch tensors.
inline Device current_device(const char* op) {
    int index = 0;
    TINYDL_CUDA_CHECK(cudaGetDevice(&index), op);
    return Device::cuda(index);
}

// This thread's column within the block, its lane, and how many threads apart two neighbouring
// lanes of one column are. In both layouts the shared-memory slot of (col, lane) is threadIdx.x.
struct ThreadSlot {
    int col;
    int lane;
    int lane_step;
};

__device__ __forceinline__ ThreadSlot thread_slot(const ColumnLayout& layout) {
    const int t = static_cast<int>(threadIdx.x);
    if (layout.lanes_fastest) return {t / layout.lanes, t % layout.lanes, 1};
    return {t % layout.cols, t / layout.cols, layout.cols};
}

// Combines the `lanes` values v of each column of the block in a fixed tree (lane l takes lane
// l + stride, stride = lanes/2, ..., 1) and gives every lane of the column the result. `smem`
// holds blockDim.x values of Acc. Every thread of the block must call it (it syncs), and it
// ends with a sync, so smem can be reused right away. f.combine(a, b) is the reduction.
template <typename Acc, typename F>
__device__ Acc column_reduce(Acc* smem, Acc v, const ThreadSlot& slot, int lanes, const F& f) {
    const int me = static_cast<int>(threadIdx.x);
    smem[me] = v;
    __syncthreads();
    for (int stride = lanes >> 1; stride > 0; stride >>= 1) {
        // Lanes >= stride are only read in this round, so there is no write-read race.
        if (slot.lane < stride) smem[me] = f.combine(smem[me], smem[me + stride * slot.lane_step]);
        __syncthreads();
    }
    const Acc result = smem[me - slot.lane * slot.lane_step];  // lane 0 of my column
    __syncthreads();  // all have read before anyone writes smem again
    return result;
}

// The combines that softmax and the losses use (reduce.cu has its own reducers).
template <typename T> struct NanMax {  // max where a NaN wins and stays, as PyTorch
    __device__ __forceinline__ T combine(T a, T b) const {
        if (a != a) return a;
        if (b != b) return b;
        return b > a ? b : a;
    }
};
struct PlusDouble {
    __device__ __forceinline__ double combine(double a, double b) const { return a + b; }
};

// exp and log in the input's precision (float: expf), as the CPU kernels' std::exp on T. Global
// names on purpose: inside namespace tinydl, `exp` would find the tensor op tinydl::exp.
__device__ __forceinline__ float dev_exp(float v) { return ::expf(v); }
__device__ __forceinline__ double dev_exp(double v) { return ::exp(v); }

// Shared memory for one value per thread of a kThreadsPerBlock block, typed Acc. Declared as raw
// bytes so that one kernel can reuse it for two value types (softmax: max in T, then a double sum).
#define TINYDL_CUDA_BLOCK_SMEM(name, bytes_per_thread) \
    __shared__ __align__(16) unsigned char name[::tinydl::cuda::kThreadsPerBlock * (bytes_per_thread)]

}  // namespace tinydl::cuda
