// norm.h — the CUDA kernels of batch normalisation (src/cuda/norm.cu), declared for the op layer
// (src/ops/norm.cpp), which is compiled by the host compiler: no CUDA types here.
//
// Same interface, layout and formulas as the CPU kernels (src/cpu/norm.h): x is a contiguous
// [N, C, S] block, per-channel vectors are contiguous [C] of x's dtype; pointers are device
// pointers; grad_input.data and weight.data may be null, as there.
#pragma once

#include "src/core/dispatch.h"

namespace tinydl::cuda {

void batch_norm_stats(const TensorView& mean, const TensorView& var, const TensorView& x, int64_t N,
                      int64_t C, int64_t S);
void batch_norm_apply(const TensorView& y, const TensorView& x, const TensorView& scale,
                      const TensorView& shift, int64_t N, int64_t C, int64_t S);
void batch_norm_backward(const TensorView& grad_input, const TensorView& grad_weight,
                         const TensorView& grad_bias, const TensorView& grad_out, const TensorView& x,
                         const TensorView& mean, const TensorView& invstd, const TensorView& weight,
                         bool training, int64_t N, int64_t C, int64_t S);

}  // namespace tinydl::cuda
