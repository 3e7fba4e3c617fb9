// loss.h — CPU kernels of the class-index losses: fused cross entropy (log-softmax + NLL) and
// nll_loss, forward and backward (the ops are in src/ops/loss.cpp; kernel maths in loss.cpp).
//
// The input is read as a contiguous [A, C, B] block: A = N (1 for a [C] input), C classes,
// B = d1 * d2 * ... (1 for [N, C]). Row i = a * B + b is the C values input[a, 0..C-1, b]
// (stride B apart), and target, loss and lse are flat [A * B] arrays indexed by i.
#pragma once

#include "src/core/dispatch.h"

namespace tinydl {

// Everything a class-index loss kernel needs besides its tensors.
struct ClassLossParams {
    int64_t A = 1, C = 1, B = 1;   // input geometry, see above
    int64_t ignore_index = -100;   // rows whose target equals it contribute nothing
    double label_smoothing = 0.0;  // e (cross entropy only)
    double grad_scale = 1.0;       // backward: 1 / total weight for reduction Mean, else 1
};

// Kernel signatures, shared by every backend (CUDA versions will take the same views).
// `weight` is a contiguous [C] view of input's dtype, or has data == nullptr (all weights 1).
// `target` is contiguous int64 [A * B], already checked: every value is in [0, C) or ignore_index.
// `grad_loss` is [A * B] of input's dtype: one gradient per row (reduction None), or stride 0
// when the loss was reduced to one value.
//
// cross entropy forward: loss[i] = the smoothed, weighted NLL of row i (0 when ignored), and
//   lse[i] = logsumexp of row i, kept for backward.
using CrossEntropyForwardKernel = void (*)(const TensorView& loss, const TensorView& lse, const TensorView& logits,
                                           const TensorView& target, const TensorView& weight,
                                           const ClassLossParams& p);
// cross entropy backward: grad_logits = grad_scale * grad_loss[i] * (softmax - smoothed onehot).
using CrossEntropyBackwardKernel = void (*)(const TensorView& grad_logits, const TensorView& grad_loss,
                                            const TensorView& logits, const TensorView& lse,
                                            const TensorView& target, const TensorView& weight,
                                            const ClassLossParams& p);
// nll forward: loss[i] = -w[t_i] * input[i, t_i] (0 when ignored).
using NllLossForwardKernel = void (*)(const TensorView& loss, const TensorView& input, const TensorView& target,
                                      const TensorView& weight, const ClassLossParams& p);
// nll backward: grad_input[i, c] = -grad_scale * grad_loss[i] * w[t_i] where c == t_i, else 0.
using NllLossBackwardKernel = void (*)(const TensorView& grad_input, const TensorView& grad_loss,
                                       const TensorView& target, const TensorView& weight,
                                       const ClassLossParams& p);

namespace cpu {
void cross_entropy_forward(const TensorView& loss, const TensorView& lse, const TensorView& logits,
                           const TensorView& target, const TensorView& weight, const ClassLossParams& p);
void cross_entropy_backward(const TensorView& grad_logits, const TensorView& grad_loss, const TensorView& logits,
                            const TensorView& lse, const TensorView& target, const TensorView& weight,
                            const ClassLossParams& p);
void nll_loss_forward(const TensorView& loss, const TensorView& input, const TensorView& target,
                      const TensorView& weight, const ClassLossParams& p);
void nll_loss_backward(const TensorView& grad_input, const TensorView& grad_loss, const TensorView& target,
                       const TensorView& weight, const ClassLossParams& p);
}  // namespace cpu

}  // namespace tinydl
