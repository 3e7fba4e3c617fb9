// conv_winograd.h — 3x3 stride-1 convolution by Winograd's minimal filtering, F(2x2, 3x3)
// (conv_winograd.cpp). Internal to src/cpu: conv.cpp routes float32 forwards and input
// gradients here when winograd_applies says so.
//
// Dimension legend: as in conv.h. The routine computes a plain 3x3 correlation
//   out[n, o, i, j] = sum_{c, a, b} filter(o, c)[a][b] * in[n, c, i + a - pad_h, j + b - pad_w]
// (+ bias[o]), `in` reading 0 outside its plane; filter(o, c) is w[o, c] for a forward, and
// w[c, o] turned by 180 degrees for an input gradient (Note [Input gradient as a convolution]).
#pragma once

#include <cstdint>

#include "src/cpu/conv.h"

namespace tinydl::cpu {

struct WinogradConv {
    int64_t N = 1;
    int64_t C = 1, H = 1, W = 1;     // in  [N, C, H, W]
    int64_t O = 1, oH = 1, oW = 1;   // out [N, O, oH, oW]
    int64_t pad_h = 0, pad_w = 0;    // rows / columns of zeros before the input (may be negative)
    bool rotated = false;            // filter(o, c) = rot180(w[c, o]) (w is [C, O, 3, 3]) instead of w[o, c]
};

// Whether conv.cpp should run g's forward and input gradient through Winograd: float32 with
// the own GEMM, 3x3, stride 1, dilation 1, one group, and enough channels on both sides for
// the transforms to pay (C and O >= 8). TINYDL_CONV_WINOGRAD=0 in the environment turns it off
// (to compare with im2col).
bool winograd_applies(const ConvGeometry& g);

// out = the correlation described above (+ bias[o] when bias != nullptr). in, w, out contiguous.
void winograd_conv3x3(float* out, const float* in, const float* w, const float* bias, const WinogradConv& s);

// grad_w [O, C, 3, 3] of the forward correlation above (rotated = false), from its input
// `in` and the gradient of its output: the adjoint of each step, summed over tiles in the
// Winograd domain, dU[xi] = sum_t (A dY_t A^T)[xi] (B^T d_t B)[xi], then grad_w = G^T dU G.
// Overwrites gw. Its bits do not depend on the thread count.
void winograd_weight_grad3x3(float* gw, const float* grad_out, const float* in, const WinogradConv& s);

}  // namespace tinydl::cpu
