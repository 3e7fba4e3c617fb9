// resample.h — functional ops that change a tensor's spatial extent or drop whole channels:
// pad, interpolate (and the aten-named upsample_* helpers), dropout2d. torch.nn.functional's
// names, argument order, defaults and index rules.
//
// Dimension legend: N batch, C channels, L length (1-D), H/W height/width (2-D), D depth (3-D).
//
//   Tensor y = pad(x, {1, 1, 2, 2}, "reflect");                  // W by 1 each side, H by 2
//   Tensor z = interpolate(x, {.scale_factor = {2.0}, .mode = "bilinear"});
//   Tensor d = dropout2d(x, 0.2, model.is_training());
//
// Gradients: constant pad's is a crop of g (pad by the negated amounts); reflect/replicate pad
// and interpolate send each output's gradient back to the input positions it was read from
// (reflected borders and upsampled pixels collect several). Double backward works for all.
// What this is not: no "circular" pad, no bicubic/area/nearest-exact, no antialias, no
// recompute_scale_factor. CPU and CUDA kernels. Read next: src/ops/resample.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tinydl/tensor.h"

namespace tinydl {

// Pads the last pad.size()/2 dims; `pad` lists them last dim first, (left, right) each:
// {left, right} pads W, {left, right, top, bottom} pads W then H, and so on (F.pad's order).
//   mode "constant": new cells hold `value`; a negative amount crops instead (any rank).
//   mode "reflect":  mirror without repeating the border (x = [1 2 3], pad 2: 3 2 1 2 3 2 1);
//                    each amount must be less than the padded dim's size.
//   mode "replicate": repeat the border value.
// reflect/replicate pad 1, 2 or 3 trailing dims of a tensor with 1 batch dim more or less:
// {l, r} takes [C, W] or [N, C, W]; 4 values take [C, H, W] or [N, C, H, W]; 6 values take
// [C, D, H, W] or [N, C, D, H, W].
Tensor pad(const Tensor& input, IntArrayRef pad, const std::string& mode = "constant", double value = 0.0);

// What to resize to: exactly one of `size` (output spatial sizes) and `scale_factor` (output =
// floor(input * scale)); either holds one value for all spatial dims or one per spatial dim.
// Written with designated initializers: interpolate(x, {.size = {8, 8}, .mode = "bilinear"}).
struct InterpolateOptions {
    std::vector<int64_t> size{};  // ({} initialisers keep -Wextra quiet on designated initializers)
    std::vector<double> scale_factor{};
    // "nearest" (3-D, 4-D, 5-D input), "linear" (3-D), "bilinear" (4-D), "trilinear" (5-D).
    std::string mode = "nearest";
    // Linear modes only (false when unset). true: corner pixel centres of input and output
    // line up, src = dst * (in - 1) / (out - 1). false: pixel areas line up,
    // src = (dst + 0.5) / scale - 0.5, clamped at 0.
    std::optional<bool> align_corners{};
};

// Resizes the spatial dims of [N, C, L], [N, C, H, W] or [N, C, D, H, W] input.
// nearest: src = min(floor(dst * s), in - 1), s = 1 / scale_factor when given, else in / out
// (PyTorch's 'nearest', which is not centre-aligned: that is 'nearest-exact').
// linear modes: each output is a weighted sum of the 2 (4, 8) nearest inputs, weights from the
// source coordinate above; at the last input pixel both taps coincide.
Tensor interpolate(const Tensor& input, const InterpolateOptions& options);

// The aten ops interpolate lowers to, with an explicit output size.
Tensor upsample_nearest2d(const Tensor& input, IntArrayRef output_size);
Tensor upsample_bilinear2d(const Tensor& input, IntArrayRef output_size, bool align_corners = false);

// Zeroes whole channels: for each (n, c) of [N, C, H, W] input (each c of unbatched [C, H, W])
// one Bernoulli draw from the global generator keeps the channel with probability 1 - p;
// survivors are scaled by 1 / (1 - p). Identity when !training or p == 0. Gradient: g * mask
// (the op is input * mask, recorded as MulBackward0). Channel dropout suits conv features,
// whose neighbouring pixels are correlated, so element dropout would barely regularise.
Tensor dropout2d(const Tensor& input, double p = 0.5, bool training = true);

}  // namespace tinydl
