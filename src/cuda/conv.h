// conv.h — the CUDA kernels behind conv2d, conv1d and conv_transpose2d (src/ops/conv.cpp):
// cuDNN's convolutions plus two small kernels of tinydl's own (bias, bias gradient). Same
// signatures and contracts as the CPU ones in src/cpu/conv.h, geometry always in conv2d's
// orientation (Note [Transposed convolution] in src/ops/conv.cpp). A plain C++ header:
// src/ops/conv.cpp includes it.
#pragma once

#include "src/cpu/conv.h"  // ConvGeometry, the kernel signatures

namespace tinydl::cuda {
void conv2d_forward(const TensorView& y, const TensorView& x, const TensorView& w, const TensorView& bias,
                    const ConvGeometry& g);
void conv2d_input_grad(const TensorView& grad_x, const TensorView& grad_y, const TensorView& w,
                       const TensorView& bias, const ConvGeometry& g);
// Never writes grad_bias (returns false): conv2d_bias_grad sums it, one fixed-order pass.
bool conv2d_weight_grad(const TensorView& grad_w, const TensorView& grad_y, const TensorView& x,
                        const ConvGeometry& g, const TensorView& grad_bias);
void conv2d_bias_grad(const TensorView& grad_bias, const TensorView& grad, int64_t N, int64_t C, int64_t HW);
}  // namespace tinydl::cuda
