// pool.h — 2-D pooling: max_pool2d, avg_pool2d, adaptive_avg_pool2d, adaptive_max_pool2d
// (src/ops/pool.cpp; CPU kernels in src/cpu/pool.cpp). PyTorch's names, argument order,
// defaults and output sizes.
//
// Shapes: input [N, C, H, W] or unbatched [C, H, W]; output [N, C, OH, OW] (or [C, OH, OW]).
// Every plane (n, c) is pooled on its own. Arguments that take a pair (kernel_size, stride,
// padding, dilation, output_size) also take one value for both: max_pool2d(x, 2) == max_pool2d(x, {2, 2}).
//
// Output size of the windowed pools (PyTorch's pooling_output_shape), per spatial dim:
//   OH = floor((H + 2 pad - dilation (kernel - 1) - 1) / stride) + 1      ceil_mode = false
//   OH = ceil(...same...) + 1, minus 1 if the last window would start past H + pad  (ceil_mode)
// padding must be at most half the effective kernel dilation (kernel - 1) + 1; padded
// positions never win a max and never add to an average's sum.
//
//   Tensor y = max_pool2d(x, 2);                            // [128, 32, 28, 28] -> [128, 32, 14, 14]
//   auto [v, i] = max_pool2d_with_indices(x, 3, 2, 1);      // i: int64 flat h * W + w in each plane
//   Tensor g = adaptive_avg_pool2d(x, 1);                   // global average pooling -> [N, C, 1, 1]
#pragma once

#include <cstdint>
#include <optional>
#include <tuple>

#include "tinydl/tensor.h"

namespace tinydl {

// The max of each window. stride empty means stride = kernel_size (PyTorch's default).
// Gradient: grad_out goes to the element each window chose (MaxPool2DWithIndicesBackward0);
// ties go to the first element in row-major order, a NaN wins.
Tensor max_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {}, IntArrayRef padding = 0,
                  IntArrayRef dilation = 1, bool ceil_mode = false);
// The same, also returning the int64 indices (input's shape but OH x OW; flat position h * W + w
// of the chosen element inside its H x W plane, as PyTorch's return_indices=True).
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride = {}, IntArrayRef padding = 0,
                                                   IntArrayRef dilation = 1, bool ceil_mode = false);

// The mean of each window (AvgPool2DBackward0 spreads grad_out / divisor over the window).
// divisor: divisor_override when given (non-zero); else the window's size counting padding
// (count_include_pad) but not the part of a ceil_mode window past the padded input; else the
// number of real input elements in the window.
Tensor avg_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {}, IntArrayRef padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);

// Output [.., OH, OW] = output_size; output row i averages (or maxes) input rows
// [floor(i H / OH), ceil((i + 1) H / OH)), columns alike. Windows cover the whole input and
// overlap by one row where OH does not divide H.
Tensor adaptive_avg_pool2d(const Tensor& input, IntArrayRef output_size);
// Returns (values, indices) like max_pool2d_with_indices (AdaptiveMaxPool2DBackward0).
std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, IntArrayRef output_size);

}  // namespace tinydl
