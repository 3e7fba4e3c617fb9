// loss.cpp — CPU kernels of cross entropy (fused log-softmax + NLL) and nll_loss.
//
// Row i = (a, b) holds the C logits x_c = in[a, c, b] (stride B apart) and its target t.
// Maths names -> variables, for one row (e = label_smoothing, w = weight or all ones,
// W = sum_c w_c, p = softmax(x)):
//
//   forward   m   = max_c x_c                       (subtracted so exp never overflows)
//             lse = m + log sum_c exp(x_c - m)       (accumulated in double)
//             loss = (1 - e) w_t (lse - x_t)                 term 1: NLL of the target
//                  + (e / C) sum_c w_c (lse - x_c)           term 2: NLL of the uniform target
//   backward  d loss / d x_c = coef p_c - (1 - e) w_t [c == t] - (e / C) w_c,
//             coef = (1 - e) w_t + (e / C) W,
//             times s = grad_loss_i * grad_scale.
//
// Backward writes each gradient element once, from x and the saved lse: no softmax, one-hot or
// other temporary is ever materialised. A row whose target is ignore_index gets loss 0 and
// gradient 0 (written as 0, never as 0 * scale, which would be NaN when every target of a Mean
// is ignored and the scale is 1/0).
//
// The naive float64 references (plain loops) are in tests/nn/test_loss.cpp.
#include "src/cpu/loss.h"

#include <cmath>
#include <limits>

#include "tinydl/parallel.h"

namespace tinydl::cpu {

namespace {

// Rows per parallel chunk: each costs about C exps.
int64_t row_grain(int64_t C) { return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(C, 1)); }

// w_c, or 1 without a weight.
template <typename T> inline double weight_at(const T* w, int64_t c) { return w ? static_cast<double>(w[c]) : 1.0; }

// lse = m + log sum_c exp(x_c - m) of one row, x_c = xr[c * stride]; a NaN anywhere gives NaN.
// Called with a literal stride 1 for [N, C] inputs, so that loop is over contiguous memory.
template <typename T> inline double row_logsumexp(const T* xr, int64_t C, int64_t stride) {
    T m = -std::numeric_limits<T>::infinity();
    bool nan = false;
    for (int64_t c = 0; c < C; ++c) {
        const T v = xr[c * stride];
        nan |= v != v;
        m = v > m ? v : m;
    }
    if (nan) return std::numeric_limits<double>::quiet_NaN();
    double s = 0;  // exp in T (float exp is much faster), the sum in double
    for (int64_t c = 0; c < C; ++c) s += std::exp(xr[c * stride] - m);
    return static_cast<double>(m) + std::log(s);
}

template <typename T>
void cross_entropy_forward_impl(const TensorView& loss_v, const TensorView& lse_v, const TensorView& logits,
                                const TensorView& target_v, const TensorView& weight, const ClassLossParams& p) {
    const T* x = logits.ptr<const T>();
    const int64_t* target = target_v.ptr<const int64_t>();
    const T* w = weight.ptr<const T>();  // nullptr: no weight
    T* loss = loss_v.ptr<T>();
    T* lse = lse_v.ptr<T>();
    const int64_t C = p.C, B = p.B;
    const double e = p.label_smoothing;
    parallel_for(0, p.A * B, row_grain(C), [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const int64_t t = target[i];
            if (t == p.ignore_index) {
                loss[i] = T(0);
                lse[i] = T(0);
                continue;
            }
            const T* xr = x + (i / B) * C * B + (i % B);  // xr[c * B] is x_c
            const double row_lse = B == 1 ? row_logsumexp(xr, C, 1) : row_logsumexp(xr, C, B);
            double l = (1 - e) * weight_at(w, t) * (row_lse - static_cast<double>(xr[t * B]));  // term 1
            if (e > 0) {                                                                      // term 2
                double smooth = 0;
                for (int64_t c = 0; c < C; ++c) smooth += weight_at(w, c) * (row_lse - static_cast<double>(xr[c * B]));
                l += e / static_cast<double>(C) * smooth;
            }
            loss[i] = static_cast<T>(l);
            lse[i] = static_cast<T>(row_lse);
        }
    });
}

template <typename T>
void cross_entropy_backward_impl(const TensorView& grad_v, const TensorView& grad_loss, const TensorView& logits,
                                 const TensorView& lse_v, const TensorView& target_v, const TensorView& weight,
                                 const ClassLossParams& p) {
    const T* x = logits.ptr<const T>();
    const T* lse = lse_v.ptr<const T>();
    const int64_t* target = target_v.ptr<const int64_t>();
    const T* w = weight.ptr<const T>();
    const T* g = grad_loss.ptr<const T>();
    const int64_t g_stride = grad_loss.strides.empty() ? 0 : grad_loss.strides[0];
    T* gx = grad_v.ptr<T>();
    const int64_t C = p.C, B = p.B;
    const double e = p.label_smoothing;
    const double e_c = e / static_cast<double>(C);
    double W = static_cast<double>(C);
    if (w) {
        W = 0;
        for (int64_t c = 0; c < C; ++c) W += static_cast<double>(w[c]);
    }
    parallel_for(0, p.A * B, row_grain(C), [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const int64_t offset = (i / B) * C * B + (i % B);
            const T* xr = x + offset;
            T* gr = gx + offset;
            const int64_t t = target[i];
            if (t == p.ignore_index) {
                for (int64_t c = 0; c < C; ++c) gr[c * B] = T(0);
                continue;
            }
            const double s = static_cast<double>(g[i * g_stride]) * p.grad_scale;
            const double w_t = weight_at(w, t);
            const double coef = (1 - e) * w_t + e_c * W;
            const T row_lse = lse[i];
            for (int64_t c = 0; c < C; ++c) {
                const double prob = std::exp(xr[c * B] - row_lse);  // p_c, in T
                double d = coef * prob;
                if (e > 0) d -= e_c * weight_at(w, c);
                gr[c * B] = static_cast<T>(s * d);
            }
            gr[t * B] = static_cast<T>(static_cast<double>(gr[t * B]) - s * (1 - e) * w_t);
        }
    });
}

template <typename T>
void nll_loss_forward_impl(const TensorView& loss_v, const TensorView& input, const TensorView& target_v,
                           const TensorView& weight, const ClassLossParams& p) {
    const T* x = input.ptr<const T>();
    const int64_t* target = target_v.ptr<const int64_t>();
    const T* w = weight.ptr<const T>();
    T* loss = loss_v.ptr<T>();
    const int64_t C = p.C, B = p.B;
    parallel_for(0, p.A * B, kParallelGrain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const int64_t t = target[i];
            if (t == p.ignore_index) {
                loss[i] = T(0);
                continue;
            }
            const T picked = x[(i / B) * C * B + t * B + (i % B)];
            loss[i] = static_cast<T>(-weight_at(w, t) * static_cast<double>(picked));
        }
    });
}

template <typename T>
void nll_loss_backward_impl(const TensorView& grad_v, const TensorView& grad_loss, const TensorView& target_v,
                            const TensorView& weight, const ClassLossParams& p) {
    const int64_t* target = target_v.ptr<const int64_t>();
    const T* w = weight.ptr<const T>();
    const T* g = grad_loss.ptr<const T>();
    const int64_t g_stride = grad_loss.strides.empty() ? 0 : grad_loss.strides[0];
    T* gx = grad_v.ptr<T>();
    const int64_t C = p.C, B = p.B;
    parallel_for(0, p.A * B, row_grain(C), [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            T* gr = gx + (i / B) * C * B + (i % B);
            for (int64_t c = 0; c < C; ++c) gr[c * B] = T(0);
            const int64_t t = target[i];
            if (t == p.ignore_index) continue;
            gr[t * B] = static_cast<T>(-static_cast<double>(g[i * g_stride]) * p.grad_scale * weight_at(w, t));
        }
    });
}

}  // namespace

void cross_entropy_forward(const TensorView& loss, const TensorView& lse, const TensorView& logits,
                           const TensorView& target, const TensorView& weight, const ClassLossParams& p) {
    dispatch_floating(logits.dtype, "cross_entropy",
                      [&]<typename T>() { cross_entropy_forward_impl<T>(loss, lse, logits, target, weight, p); });
}

void cross_entropy_backward(const TensorView& grad_logits, const TensorView& grad_loss, const TensorView& logits,
                            const TensorView& lse, const TensorView& target, const TensorView& weight,
                            const ClassLossParams& p) {
    dispatch_floating(logits.dtype, "cross_entropy", [&]<typename T>() {
        cross_entropy_backward_impl<T>(grad_logits, grad_loss, logits, lse, target, weight, p);
    });
}

void nll_loss_forward(const TensorView& loss, const TensorView& input, const TensorView& target,
                      const TensorView& weight, const ClassLossParams& p) {
    dispatch_floating(input.dtype, "nll_loss",
                      [&]<typename T>() { nll_loss_forward_impl<T>(loss, input, target, weight, p); });
}

void nll_loss_backward(const TensorView& grad_input, const TensorView& grad_loss, const TensorView& target,
                       const TensorView& weight, const ClassLossParams& p) {
    dispatch_floating(grad_input.dtype, "nll_loss",
                      [&]<typename T>() { nll_loss_backward_impl<T>(grad_input, grad_loss, target, weight, p); });
}

}  // namespace tinydl::cpu
