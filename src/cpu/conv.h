// conv.h — the geometry of a 2-D convolution, the kernel signatures the conv ops dispatch to,
// and the CPU kernels (im2col + GEMM; see conv.cpp). Internal to tinydl.
//
// Every kernel sees a convolution in its "forward" orientation, image -> output:
//   input  x [N, C, H, W]   (C = groups * Cg)
//   weight w [O, Cg, kH, kW] (O = groups * Og)
//   output y [N, O, oH, oW],  y[n, o, i, j] = sum_{c, kh, kw} w[o, c, kh, kw] *
//                                 x[n, g*Cg + c, i*sH - pH + kh*dH, j*sW - pW + kw*dW]
// (g = o / Og; x reads 0 outside the image). conv_transpose2d is this picture read backwards:
// its input plays y and its output plays x (src/ops/conv.cpp, Note [Transposed convolution]).
//
// Dimension legend: N batch, C/O channels in/out, Cg/Og per group, H/W image, oH/oW output,
// k kernel, s stride, p padding (top/left; the bottom/right padding is implied by oH/oW),
// d dilation, L = oH*oW output positions, K = Cg*kH*kW rows of the column matrix.
//
// Read next: conv.cpp (im2col, col2im and the three products); docs/convolution.md.
#pragma once

#include <cstdint>

#include "src/core/dispatch.h"

namespace tinydl {

struct ConvGeometry {
    int64_t N = 1, C = 1, H = 1, W = 1;  // x
    int64_t O = 1, oH = 1, oW = 1;       // y
    int64_t kH = 1, kW = 1;
    int64_t sH = 1, sW = 1;
    int64_t pH = 0, pW = 0;  // padding before row 0 / column 0
    int64_t dH = 1, dW = 1;
    int64_t groups = 1;

    int64_t Cg() const { return C / groups; }
    int64_t Og() const { return O / groups; }
    int64_t L() const { return oH * oW; }
    int64_t K() const { return Cg() * kH * kW; }
};

// y = conv(x, w) + bias. x, w contiguous; y contiguous [N, O, oH, oW]; bias [O] contiguous or
// data == nullptr for none.
using ConvForwardKernel = void (*)(const TensorView& y, const TensorView& x, const TensorView& w,
                                   const TensorView& bias, const ConvGeometry& g);
// grad_x = d(sum(grad_y * conv(x, w)))/dx, i.e. col2im(w^T grad_y), plus bias[c] on every
// element of channel c when bias is given (what conv_transpose2d's forward needs).
// grad_y, w contiguous; grad_x contiguous [N, C, H, W], overwritten.
using ConvInputGradKernel = void (*)(const TensorView& grad_x, const TensorView& grad_y, const TensorView& w,
                                     const TensorView& bias, const ConvGeometry& g);
// grad_w = sum_n grad_y[n] im2col(x[n])^T. grad_y, x contiguous; grad_w contiguous [O, Cg, kH, kW],
// overwritten. grad_bias (data == nullptr: not wanted) asks for grad_y summed over N, oH, oW in
// the same pass over grad_y where the kernel can do that cheaply (conv2d_bias_grad otherwise);
// returns whether it wrote grad_bias.
using ConvWeightGradKernel = bool (*)(const TensorView& grad_w, const TensorView& grad_y, const TensorView& x,
                                      const ConvGeometry& g, const TensorView& grad_bias);

// grad_bias[c] = sum_{n, l} grad[n, c, l] over a contiguous grad [N, C, HW] (the output side of
// conv2d, the input side of conv_transpose2d). grad_bias contiguous [C], overwritten.
using ConvBiasGradKernel = void (*)(const TensorView& grad_bias, const TensorView& grad, int64_t N, int64_t C,
                                    int64_t HW);

namespace cpu {
void conv2d_bias_grad(const TensorView& grad_bias, const TensorView& grad, int64_t N, int64_t C, int64_t HW);
void conv2d_forward(const TensorView& y, const TensorView& x, const TensorView& w, const TensorView& bias,
                    const ConvGeometry& g);
void conv2d_input_grad(const TensorView& grad_x, const TensorView& grad_y, const TensorView& w,
                       const TensorView& bias, const ConvGeometry& g);
bool conv2d_weight_grad(const TensorView& grad_w, const TensorView& grad_y, const TensorView& x,
                        const ConvGeometry& g, const TensorView& grad_bias);

// One image's column matrix: cols [C*kH*kW, oH*oW], row (c, kh, kw), column (i, j) holds
// x[c, i*sH - pH + kh*dH, j*sW - pW + kw*dW] or 0 outside the image. x is one image [C, H, W].
template <typename T> void im2col(T* cols, const T* x, const ConvGeometry& g);
// The adjoint: x[c, ih, iw] += every cols entry im2col would have read from there.
template <typename T> void col2im(T* x, const T* cols, const ConvGeometry& g);
}  // namespace cpu

}  // namespace tinydl
