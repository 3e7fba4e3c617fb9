// norm.h — normalisation ops: batch_norm, layer_norm, group_norm (torch.nn.functional's).
//
// Each one standardises x over some set of elements S, then applies an optional affine map:
//   y = (x - mean_S(x)) / sqrt(var_S(x) + eps) * weight + bias      (var biased: divides by |S|)
// They differ only in S:
//   batch_norm  per channel c, over the batch and spatial dims  (all n, all h, w)
//   layer_norm  per sample, over the trailing normalized_shape dims
//   group_norm  per sample and group of C / G channels, over those channels and spatial dims
//
// Dimension legend: N batch, C channels, * any spatial dims (L, or H W), G groups.
// Implementation notes: batch_norm has fused kernels (src/cpu/norm.cpp, src/cuda/norm.cu) and a dedicated
// backward node; layer_norm and group_norm are compositions of mean, sub, mul, rsqrt, so their
// gradient (of any order) comes from those ops. See src/ops/norm.cpp.
// Modules (BatchNorm1d/2d, LayerNorm, GroupNorm, with running-stat buffers) are in nn/normalization.h.
#pragma once

#include <cstdint>

#include "tinydl/tensor.h"

namespace tinydl {

// Batch normalisation of input [N, C] or [N, C, *] with per-channel statistics.
//   training = true:  normalises with the batch mean and *biased* variance of each channel; when
//                     running_mean / running_var are defined, updates them in place (no grad) with
//                     running = (1 - momentum) running + momentum * stat, where the variance stat
//                     is the *unbiased* one (M / (M - 1) times the biased, M = N * prod(*)).
//   training = false: normalises with running_mean / running_var (both required).
// weight, bias [C] are optional (undefined = 1 and 0); running_mean, running_var [C].
// momentum is a plain factor here; nn::BatchNorm's momentum = None (a cumulative average) passes
// 1 / num_batches_tracked, as PyTorch's module does.
// Gradient (NativeBatchNormBackward0), with xhat = (x - mean) / sqrt(var + eps):
//   training: grad_input = weight / sqrt(var + eps) * (g - mean(g) - xhat * mean(g * xhat))
//   eval:     grad_input = g * weight / sqrt(running_var + eps)
//   grad_weight = sum(g * xhat), grad_bias = sum(g)   (sums over every dim but C)
// Double backward works: with create_graph the node computes the same formulas with tinydl ops
// (differentiable) instead of the fused kernel.
//   Tensor rm = zeros({3}), rv = ones({3});
//   Tensor y = batch_norm(x /* [8, 3, 5, 5] */, rm, rv, w, b, /*training=*/true);  // rm, rv updated
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = {}, const Tensor& bias = {}, bool training = false, double momentum = 0.1,
                  double eps = 1e-5);

// Layer normalisation over the last normalized_shape.size() dims of input, which must equal
// normalized_shape: input [*, D...] with D... = normalized_shape; weight, bias of shape
// normalized_shape (optional). Each sample (each index of *) is standardised on its own.
//   Tensor y = layer_norm(x /* [4, 10] */, {10}, w, b);
Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);

// Group normalisation: input [N, C, *] with C divisible by num_groups; the C / G channels of each
// group and all spatial positions of one sample are standardised together; then the per-channel
// affine map weight, bias [C] (optional). group_norm with G = C is instance norm, G = 1 is a
// layer norm over (C, *).
//   Tensor y = group_norm(x /* [2, 4, 5, 5] */, 2, w, b);
Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight = {}, const Tensor& bias = {},
                  double eps = 1e-5);

}  // namespace tinydl
