// softmax.cu — CUDA softmax and log_softmax kernels.
//
// Same contract and maths as the CPU kernels (src/cpu/softmax.cpp): the input is a contiguous
// [A, R, B] block and each column x = in[a, 0..R-1, b] is normalised on its own:
//
//   m = max_r x_r                      (a NaN wins: a column with a NaN comes out all NaN)
//   s = sum_r exp(x_r - m)             (exp in T, accumulated in double)
//   softmax:      y_r = exp(x_r - m) * (1 / s)
//   log_softmax:  y_r = (x_r - m) - log(s)
//
// One kernel, the block layout of src/cuda/reduce.cuh: `lanes` threads per column, each reading
// r = lane, lane + lanes, ...; the max and the sum are each one fixed-order shared-memory tree
// over the lanes (deterministic), then every lane writes its own r's. With B == 1 (softmax over
// the last dim, the common case) the lanes of a column are neighbouring threads over one
// contiguous row; with B > 1 neighbouring threads take neighbouring columns, so every read is
// coalesced without a transpose. Three passes over the column: max, sum, write; exp is
// recomputed in the last pass rather than stored, as the CPU does for log_softmax.
#include <cstdint>
#include <limits>

#include "src/cuda/reduce.cuh"
#include "src/cuda/reduce.h"

namespace tinydl::cuda {

namespace {

template <typename T, bool kLog> __global__ void softmax_kernel(T* __restrict__ y, const T* __restrict__ x,
                                                                int64_t n_cols, int64_t R, int64_t B,
                                                                ColumnLayout layout, T neg_inf) {
    TINYDL_CUDA_BLOCK_SMEM(raw, sizeof(double));  // holds T (the max), then double (the sum)
    const ThreadSlot slot = thread_slot(layout);
    const int64_t groups = (n_cols + layout.cols - 1) / layout.cols;
    for (int64_t g = blockIdx.x; g < groups; g += gridDim.x) {  // uniform across the block
        const int64_t j = g * layout.cols + slot.col;
        const bool live = j < n_cols;  // threads past the last column still join the trees
        const int64_t a = j / B, b = j - a * B;
        const int64_t base = a * R * B + b;  // x_r = x[base + r * B]
        T m = neg_inf;
        if (live)
            for (int64_t r = slot.lane; r < R; r += layout.lanes) m = NanMax<T>{}.combine(m, x[base + r * B]);
        m = column_reduce(reinterpret_cast<T*>(raw), m, slot, layout.lanes, NanMax<T>{});
        double s = 0;
        if (live)
            for (int64_t r = slot.lane; r < R; r += layout.lanes)
                s += dev_exp(static_cast<T>(x[base + r * B] - m));
        s = column_reduce(reinterpret_cast<double*>(raw), s, slot, layout.lanes, PlusDouble{});
        if (!live) continue;  // only the writes are skipped: every thread still runs each iteration's trees
        if constexpr (kLog) {
            const T log_s = static_cast<T>(::log(s));
            for (int64_t r = slot.lane; r < R; r += layout.lanes) {
                const int64_t k = base + r * B;
                y[k] = (x[k] - m) - log_s;
            }
        } else {
            const double inv_s = 1.0 / s;
            for (int64_t r = slot.lane; r < R; r += layout.lanes) {
                const int64_t k = base + r * B;
                y[k] = static_cast<T>(dev_exp(static_cast<T>(x[k] - m)) * inv_s);
            }
        }
    }
}

template <bool kLog> void launch_softmax(const char* op, const TensorView& out, const TensorView& in,
                                         int64_t A, int64_t R, int64_t B) {
    dispatch_floating(in.dtype, op, [&]<typename T>() {
        const int64_t n_cols = A * B;
        if (n_cols == 0 || R == 0) return;  // nothing to write
        const ColumnLayout layout = column_layout(n_cols, R, B);
        const int64_t groups = (n_cols + layout.cols - 1) / layout.cols;
        softmax_kernel<T, kLog><<<blocks_for_groups(groups), layout.threads()>>>(
            out.ptr<T>(), in.ptr<const T>(), n_cols, R, B, layout, -std::numeric_limits<T>::infinity());
        TINYDL_CUDA_LAUNCH_CHECK(op);
    });
}

}  // namespace

void softmax(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B) {
    launch_softmax<false>("softmax", out, in, A, R, B);
}

void log_softmax(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B) {
    launch_softmax<true>("log_softmax", out, in, A, R, B);
}

}  // namespace tinydl::cuda
