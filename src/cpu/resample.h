// resample.h — the one kernel pair behind interpolate (nearest, linear, bilinear, trilinear) and
// pad's reflect and replicate modes (the ops are in src/ops/resample.cpp).
//
// All of these resample one dim at a time, and each output position along that dim reads at
// most two input positions ("taps") with fixed weights:
//
//   out[a, o, b] = w0[o] * in[a, i0[o], b] + w1[o] * in[a, i1[o], b]
//
// with the tensor read as a contiguous [A, In, B] block (A: the dims before the resampled one,
// B: the dims after it). Nearest upsampling and reflect/replicate padding are the one-tap case
// (w1 == nullptr: a gather); linear interpolation is the two-tap case. A 2-D op is two passes:
// along W, then along H, the same order of arithmetic as PyTorch's direct 2-D kernel.
//
// The backward kernel is the transpose: every out position sends w * grad back to its taps
// (grad_in[a, i0[o], b] += w0[o] * grad_out[a, o, b], ...), which is how reflected border
// pixels and upsampled pixels collect several gradients.
#pragma once

#include "src/core/dispatch.h"

namespace tinydl {

// The taps of one pass: arrays of out_size entries. w0/w1 were computed in the tensor's own
// precision (float for float32, as PyTorch's opmath) and are stored as double exactly.
struct ResampleTaps {
    const int64_t* i0 = nullptr;
    const int64_t* i1 = nullptr;  // unused when w1 == nullptr
    const double* w0 = nullptr;   // nullptr: weight 1 (a pure gather)
    const double* w1 = nullptr;   // nullptr: one tap only
    int64_t in_size = 0;
    int64_t out_size = 0;
};

// out [A, out_size, B] from in [A, in_size, B]; both contiguous.
using ResampleKernel = void (*)(const TensorView& out, const TensorView& in, int64_t A, int64_t B,
                                const ResampleTaps& taps);
// grad_in [A, in_size, B] (overwritten) from grad_out [A, out_size, B]; both contiguous.
using ResampleBackwardKernel = void (*)(const TensorView& grad_in, const TensorView& grad_out, int64_t A,
                                        int64_t B, const ResampleTaps& taps);

namespace cpu {
void resample_dim(const TensorView& out, const TensorView& in, int64_t A, int64_t B, const ResampleTaps& taps);
void resample_dim_backward(const TensorView& grad_in, const TensorView& grad_out, int64_t A, int64_t B,
                           const ResampleTaps& taps);
}  // namespace cpu

}  // namespace tinydl
