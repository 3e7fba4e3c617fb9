// pool.h — the kernel interface of the 2-D pooling ops (max, average, adaptive average,
// adaptive max), forward and backward. The ops (checks, output sizes, autograd) are in
// src/ops/pool.cpp; the CPU kernels in src/cpu/pool.cpp.
//
// Every kernel sees its tensors as contiguous [P, H, W] blocks: P = N * C planes (C for an
// unbatched [C, H, W] input), each pooled on its own. Input planes are H x W, output planes
// OH x OW. An index is the flat position h * W + w of the chosen input element inside its
// plane, as PyTorch's max_pool2d_with_indices returns it.
#pragma once

#include <cstdint>

#include "src/core/dispatch.h"

namespace tinydl {

// The geometry of one pooling call; window (oh, ow) covers input rows
// oh * stride_h - pad_h + kh * dilation_h for kh in [0, kernel_h) (columns alike), clipped to
// the input. Adaptive pools ignore kernel/stride/pad/dilation and compute their own windows.
struct Pool2dParams {
    int64_t planes = 0;
    int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0;
    int64_t kernel_h = 1, kernel_w = 1;
    int64_t stride_h = 1, stride_w = 1;
    int64_t pad_h = 0, pad_w = 0;
    int64_t dilation_h = 1, dilation_w = 1;
    // avg_pool2d only: see the divisor rule in src/cpu/pool.cpp.
    bool count_include_pad = true;
    int64_t divisor_override = 0;  // 0: none
};

// max_pool2d: out[p, o] = max over the window, indices[p, o] its flat position (int64).
using MaxPool2dKernel = void (*)(const TensorView& out, const TensorView& indices, const TensorView& in,
                                 const Pool2dParams& p);
// The backward of max_pool2d and adaptive_max_pool2d: grad_in = 0, then
// grad_in[p, indices[p, o]] += grad_out[p, o].
using MaxPool2dBackwardKernel = void (*)(const TensorView& grad_in, const TensorView& grad_out,
                                         const TensorView& indices, const Pool2dParams& p);
// avg_pool2d / adaptive_avg_pool2d: out = window sum / divisor.
using AvgPool2dKernel = void (*)(const TensorView& out, const TensorView& in, const Pool2dParams& p);
// Their backward: every element of a window receives grad_out / divisor (grad_in is overwritten).
using AvgPool2dBackwardKernel = void (*)(const TensorView& grad_in, const TensorView& grad_out,
                                         const Pool2dParams& p);

namespace cpu {
void max_pool2d(const TensorView& out, const TensorView& indices, const TensorView& in, const Pool2dParams& p);
void max_pool2d_backward(const TensorView& grad_in, const TensorView& grad_out, const TensorView& indices,
                         const Pool2dParams& p);
void avg_pool2d(const TensorView& out, const TensorView& in, const Pool2dParams& p);
void avg_pool2d_backward(const TensorView& grad_in, const TensorView& grad_out, const Pool2dParams& p);
void adaptive_avg_pool2d(const TensorView& out, const TensorView& in, const Pool2dParams& p);
void adaptive_avg_pool2d_backward(const TensorView& grad_in, const TensorView& grad_out, const Pool2dParams& p);
void adaptive_max_pool2d(const TensorView& out, const TensorView& indices, const TensorView& in,
                         const Pool2dParams& p);
}  // namespace cpu

}  // namespace tinydl
