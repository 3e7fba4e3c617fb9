// norm.h — CPU kernels of batch normalisation (the op is in src/ops/norm.cpp).
//
// Every kernel sees its input as a contiguous [N, C, S] block: N batch, C channels, S the
// product of the spatial dims (1 for a [N, C] input, L for [N, C, L], H*W for [N, C, H, W]).
// Per-channel vectors (mean, invstd, scale, shift, weight, grads) are contiguous [C] of the
// input's dtype. layer_norm and group_norm are compositions and have no kernel here.
#pragma once

#include "src/core/dispatch.h"

namespace tinydl::cpu {

// Per channel c, over the M = N * S values x[n, c, s]: mean[c] and the biased variance var[c].
void batch_norm_stats(const TensorView& mean, const TensorView& var, const TensorView& x, int64_t N, int64_t C,
                      int64_t S);

// y[n, c, s] = x[n, c, s] * scale[c] + shift[c]  (the whole affine normalisation folded into two
// numbers per channel by the op).
void batch_norm_apply(const TensorView& y, const TensorView& x, const TensorView& scale, const TensorView& shift,
                      int64_t N, int64_t C, int64_t S);

// The backward of y = (x - mean[c]) * invstd[c] * weight[c] + bias[c], given g = dL/dy:
//   grad_weight[c] = sum(g * xhat),  grad_bias[c] = sum(g)   (over n, s; xhat = (x - mean) invstd)
//   training:  grad_input = weight invstd (g - mean(g) - xhat mean(g xhat))   (mean, invstd
//              are functions of x, hence the two extra terms)
//   eval:      grad_input = g weight invstd                                   (constants)
// grad_input.data may be null (input needs no gradient); weight.data null means weight = 1.
void batch_norm_backward(const TensorView& grad_input, const TensorView& grad_weight, const TensorView& grad_bias,
                         const TensorView& grad_out, const TensorView& x, const TensorView& mean,
                         const TensorView& invstd, const TensorView& weight, bool training, int64_t N, int64_t C,
                         int64_t S);

}  // namespace tinydl::cpu
