// loss.cu — CUDA kernels of cross entropy (fused log-softmax + NLL) and nll_loss.
//
// Same contract and maths as the CPU kernels (src/cpu/loss.cpp, where the formulas are derived):
// row i = (a, b) holds the C logits x_c = in[a, c, b] (B apart) and its target t; e is the label
// smoothing, w the class weights (all 1 without), W = sum_c w_c.
//
//   forward   lse  = m + log sum_c exp(x_c - m),  m = max_c x_c
//             loss = (1 - e) w_t (lse - x_t) + (e / C) sum_c w_c (lse - x_c)
//   backward  grad_c = s (coef p_c - (e / C) w_c) - s (1 - e) w_t [c == t],
//             coef = (1 - e) w_t + (e / C) W,  p_c = exp(x_c - lse),  s = grad_loss_i * grad_scale
//
// Forward is a reduction over the C classes of each row, which is exactly the [A, R, B] column
// reduction of softmax: the same block layout (src/cuda/reduce.cuh), `lanes` threads per row and
// three fixed-order shared-memory trees (max, sum of exps, smoothing term): deterministic, no
// atomics. Backward and nll_loss are elementwise: one thread per gradient element (or per row),
// grid-stride. The per-row losses are reduced to Mean/Sum by the op with tinydl::sum, which is
// deterministic too.
//
// The targets are on the device, already checked on the host (src/ops/loss.cpp, Note [Checked
// class indices]): every t is in [0, C) or ignore_index, so no kernel here can read out of
// bounds, and an ignored row never reads x at t.
#include <cstdint>
#include <limits>

#include "src/cuda/loss.h"
#include "src/cuda/reduce.cuh"
#include "tinydl/factory.h"

namespace tinydl::cuda {

namespace {

// w_c, or 1 without a weight.
template <typename T> __device__ __forceinline__ double weight_at(const T* w, int64_t c) {
    return w != nullptr ? static_cast<double>(w[c]) : 1.0;
}

// ---- cross entropy -----------------------------------------------------------------------------
template <typename T>
__global__ void cross_entropy_forward_kernel(T* __restrict__ loss, T* __restrict__ lse,
                                             const T* __restrict__ x, const int64_t* __restrict__ target,
                                             const T* __restrict__ w, int64_t n_rows, int64_t C, int64_t B,
                                             int64_t ignore_index, double e, ColumnLayout layout, T neg_inf) {
    TINYDL_CUDA_BLOCK_SMEM(raw, sizeof(double));  // T for the max, then double for the sums
    const ThreadSlot slot = thread_slot(layout);
    const int64_t groups = (n_rows + layout.cols - 1) / layout.cols;
    for (int64_t g = blockIdx.x; g < groups; g += gridDim.x) {  // uniform across the block
        const int64_t i = g * layout.cols + slot.col;
        const bool live = i < n_rows;
        const int64_t t = live ? target[i] : ignore_index;
        const bool active = live && t != ignore_index;  // only active rows read x
        const int64_t a = i / B, b = i - a * B;
        const int64_t base = a * C * B + b;  // x_c = x[base + c * B]

        T m = neg_inf;  // a NaN anywhere makes m, hence lse and the loss, NaN (as the CPU)
        if (active)
            for (int64_t c = slot.lane; c < C; c += layout.lanes) m = NanMax<T>{}.combine(m, x[base + c * B]);
        m = column_reduce(reinterpret_cast<T*>(raw), m, slot, layout.lanes, NanMax<T>{});
        double s = 0;
        if (active)
            for (int64_t c = slot.lane; c < C; c += layout.lanes)
                s += dev_exp(static_cast<T>(x[base + c * B] - m));
        s = column_reduce(reinterpret_cast<double*>(raw), s, slot, layout.lanes, PlusDouble{});
        const double row_lse = static_cast<double>(m) + ::log(s);
        double smooth = 0;  // sum_c w_c (lse - x_c), for label smoothing only
        if (e > 0) {        // a kernel argument: the same branch for the whole block
            if (active)
                for (int64_t c = slot.lane; c < C; c += layout.lanes)
                    smooth += weight_at(w, c) * (row_lse - static_cast<double>(x[base + c * B]));
            smooth = column_reduce(reinterpret_cast<double*>(raw), smooth, slot, layout.lanes, PlusDouble{});
        }
        if (slot.lane != 0 || !live) continue;  // lane 0 writes the row
        if (!active) {
            loss[i] = T(0);
            lse[i] = T(0);
            continue;
        }
        double l = (1 - e) * weight_at(w, t) * (row_lse - static_cast<double>(x[base + t * B]));
        if (e > 0) l += e / static_cast<double>(C) * smooth;
        loss[i] = static_cast<T>(l);
        lse[i] = static_cast<T>(row_lse);
    }
}

// W = sum_c w_c into *out, by one block in a fixed tree (the backward's coef needs it).
template <typename T>
__global__ void weight_sum_kernel(const T* __restrict__ w, int64_t C, double* __restrict__ out) {
    TINYDL_CUDA_BLOCK_SMEM(raw, sizeof(double));
    const ThreadSlot slot{0, static_cast<int>(threadIdx.x), 1};
    double s = 0;
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x) s += static_cast<double>(w[c]);
    s = column_reduce(reinterpret_cast<double*>(raw), s, slot, static_cast<int>(blockDim.x), PlusDouble{});
    if (threadIdx.x == 0) *out = s;
}

// One thread per element o = (a, c, b) of the gradient. W_dev: W on the device (with a weight),
// or nullptr and W = W_host (= C).
template <typename T>
__global__ void cross_entropy_backward_kernel(T* __restrict__ gx, const T* __restrict__ g, int64_t g_stride,
                                              const T* __restrict__ x, const T* __restrict__ lse,
                                              const int64_t* __restrict__ target, const T* __restrict__ w,
                                              const double* __restrict__ W_dev, double W_host, int64_t n,
                                              int64_t C, int64_t B, int64_t ignore_index, double e,
                                              double grad_scale) {
    TINYDL_CUDA_KERNEL_LOOP(o, n) {
        const int64_t b = o % B, ac = o / B;
        const int64_t c = ac % C, a = ac / C;
        const int64_t i = a * B + b;
        const int64_t t = target[i];
        if (t == ignore_index) {  // 0, never 0 * scale (NaN when every target is ignored)
            gx[o] = T(0);
            continue;
        }
        const double s = static_cast<double>(g[i * g_stride]) * grad_scale;
        const double w_t = weight_at(w, t);
        const double e_c = e / static_cast<double>(C);
        const double W = W_dev != nullptr ? *W_dev : W_host;
        const double coef = (1 - e) * w_t + e_c * W;
        const double prob = dev_exp(static_cast<T>(x[o] - lse[i]));  // p_c, in T
        double d = coef * prob;
        if (e > 0) d -= e_c * weight_at(w, c);
        T v = static_cast<T>(s * d);
        // The one-hot term, applied to the stored value as the CPU does (same rounding).
        if (c == t) v = static_cast<T>(static_cast<double>(v) - s * (1 - e) * w_t);
        gx[o] = v;
    }
}

// ---- nll_loss ------------------------------------------------------------------------------------
template <typename T> __global__ void nll_loss_forward_kernel(T* __restrict__ loss, const T* __restrict__ x,
                                                              const int64_t* __restrict__ target,
                                                              const T* __restrict__ w, int64_t n_rows,
                                                              int64_t C, int64_t B, int64_t ignore_index) {
    TINYDL_CUDA_KERNEL_LOOP(i, n_rows) {
        const int64_t t = target[i];
        if (t == ignore_index) {
            loss[i] = T(0);
            continue;
        }
        const int64_t a = i / B, b = i - a * B;
        const T picked = x[(a * C + t) * B + b];
        loss[i] = static_cast<T>(-weight_at(w, t) * static_cast<double>(picked));
    }
}

template <typename T>
__global__ void nll_loss_backward_kernel(T* __restrict__ gx, const T* __restrict__ g, int64_t g_stride,
                                         const int64_t* __restrict__ target, const T* __restrict__ w,
                                         int64_t n, int64_t C, int64_t B, int64_t ignore_index,
                                         double grad_scale) {
    TINYDL_CUDA_KERNEL_LOOP(o, n) {
        const int64_t b = o % B, ac = o / B;
        const int64_t c = ac % C, a = ac / C;
        const int64_t i = a * B + b;
        const int64_t t = target[i];
        T v = T(0);
        if (t != ignore_index && c == t)
            v = static_cast<T>(-static_cast<double>(g[i * g_stride]) * grad_scale * weight_at(w, t));
        gx[o] = v;
    }
}

// grad_loss is [A * B] with one stride: 1 (one gradient per row) or 0 (a reduced loss).
int64_t grad_stride(const TensorView& grad_loss) {
    return grad_loss.strides.empty() ? 0 : grad_loss.strides[0];
}

}  // namespace

void cross_entropy_forward(const TensorView& loss, const TensorView& lse, const TensorView& logits,
                           const TensorView& target, const TensorView& weight, const ClassLossParams& p) {
    dispatch_floating(logits.dtype, "cross_entropy", [&]<typename T>() {
        const int64_t n_rows = p.A * p.B;
        if (n_rows == 0) return;
        const ColumnLayout layout = column_layout(n_rows, p.C, p.B);
        const int64_t groups = (n_rows + layout.cols - 1) / layout.cols;
        cross_entropy_forward_kernel<T><<<blocks_for_groups(groups), layout.threads()>>>(
            loss.ptr<T>(), lse.ptr<T>(), logits.ptr<const T>(), target.ptr<const int64_t>(),
            weight.ptr<const T>(), n_rows, p.C, p.B, p.ignore_index, p.label_smoothing, layout,
            -std::numeric_limits<T>::infinity());
        TINYDL_CUDA_LAUNCH_CHECK("cross_entropy");
    });
}

void cross_entropy_backward(const TensorView& grad_logits, const TensorView& grad_loss,
                            const TensorView& logits, const TensorView& lse, const TensorView& target,
                            const TensorView& weight, const ClassLossParams& p) {
    dispatch_floating(logits.dtype, "cross_entropy", [&]<typename T>() {
        const int64_t n = p.A * p.C * p.B;
        if (n == 0) return;
        const T* w = weight.ptr<const T>();
        // W = sum of the weights, computed on the device (the weights live there); it is only
        // read when label smoothing is on, but computed whenever there is a weight, as the CPU.
        Tensor W;  // freed on return: the kernels using it are ordered before any reuse (one stream)
        const double* W_dev = nullptr;
        if (w != nullptr) {
            W = tinydl::empty({1}, TensorOptions(kFloat64).device(current_device("cross_entropy")));
            W_dev = static_cast<const double*>(W.data_ptr());
            weight_sum_kernel<T><<<1, kThreadsPerBlock>>>(w, p.C, static_cast<double*>(W.data_ptr()));
            TINYDL_CUDA_LAUNCH_CHECK("cross_entropy");
        }
        cross_entropy_backward_kernel<T><<<blocks_for(n), kThreadsPerBlock>>>(
            grad_logits.ptr<T>(), grad_loss.ptr<const T>(), grad_stride(grad_loss), logits.ptr<const T>(),
            lse.ptr<const T>(), target.ptr<const int64_t>(), w, W_dev, static_cast<double>(p.C), n, p.C, p.B,
            p.ignore_index, p.label_smoothing, p.grad_scale);
        TINYDL_CUDA_LAUNCH_CHECK("cross_entropy");
    });
}

void nll_loss_forward(const TensorView& loss, const TensorView& input, const TensorView& target,
                      const TensorView& weight, const ClassLossParams& p) {
    dispatch_floating(input.dtype, "nll_loss", [&]<typename T>() {
        const int64_t n_rows = p.A * p.B;
        if (n_rows == 0) return;
        nll_loss_forward_kernel<T><<<blocks_for(n_rows), kThreadsPerBlock>>>(
            loss.ptr<T>(), input.ptr<const T>(), target.ptr<const int64_t>(), weight.ptr<const T>(), n_rows,
            p.C, p.B, p.ignore_index);
        TINYDL_CUDA_LAUNCH_CHECK("nll_loss");
    });
}

void nll_loss_backward(const TensorView& grad_input, const TensorView& grad_loss, const TensorView& target,
                       const TensorView& weight, const ClassLossParams& p) {
    dispatch_floating(grad_input.dtype, "nll_loss", [&]<typename T>() {
        const int64_t n = p.A * p.C * p.B;
        if (n == 0) return;
        nll_loss_backward_kernel<T><<<blocks_for(n), kThreadsPerBlock>>>(
            grad_input.ptr<T>(), grad_loss.ptr<const T>(), grad_stride(grad_loss),
            target.ptr<const int64_t>(), weight.ptr<const T>(), n, p.C, p.B, p.ignore_index, p.grad_scale);
        TINYDL_CUDA_LAUNCH_CHECK("nll_loss");
    });
}

}  // namespace tinydl::cuda
