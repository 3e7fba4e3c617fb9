// conv.h — convolutions: conv1d, conv2d, conv_transpose2d (torch.nn.functional's names,
// argument order, defaults and output-size rules). Implemented in src/ops/conv.cpp over the
// im2col + GEMM kernels of src/cpu/conv.cpp; docs/convolution.md explains both.
//
// Dimension legend: N batch, C_in/C_out channels, H/W (or L for 1-D) spatial sizes,
// k kernel, s stride, p padding, d dilation, g groups.
//
// Output size per spatial dim:   out = floor((in + 2p - d (k - 1) - 1) / s) + 1
// conv_transpose2d's inverse:    out = (in - 1) s - 2p + d (k - 1) + output_padding + 1
//
// Gradients (ConvolutionBackward0, one node for all three ops, dedicated kernels):
//   grad_input  = conv_transpose2d(grad_out, weight)   (col2im(w^T grad_out))
//   grad_weight = sum over the batch of grad_out im2col(input)^T
//   grad_bias   = grad_out summed over N, H, W
// Double backward (backward(create_graph=true) through a convolution) is not supported and
// throws an Error saying so.
//
//   Tensor x = randn({8, 1, 28, 28}), w = randn({32, 1, 3, 3}), b = zeros({32});
//   Tensor y = conv2d(x, w, b, /*stride=*/1, /*padding=*/1);          // [8, 32, 28, 28]
//   Tensor z = conv2d(x, w, {}, 1, "same");                            // no bias, same size
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "tinydl/tensor.h"

namespace tinydl {

// The padding argument of a convolution: one int for every side, one int per spatial dim
// ({1, 2}: 1 row top and bottom, 2 columns left and right), or PyTorch's strings "valid" (no
// padding) and "same" (output as large as the input; stride 1 only; when the total padding a
// dim needs is odd, the extra row/column goes at the bottom/right, as in PyTorch).
class Padding {
  public:
    enum class Mode { Explicit, Valid, Same };

    Padding(int value) : Padding(static_cast<int64_t>(value)) {}  // NOLINT: implicit on purpose
    Padding(int64_t value) : values_{value} {}                     // NOLINT
    Padding(std::initializer_list<int64_t> values);                 // NOLINT
    Padding(const std::vector<int64_t>& values);                    // NOLINT
    Padding(const char* mode);                                      // NOLINT: "same" or "valid"
    Padding(const std::string& mode);                               // NOLINT

    Mode mode() const { return mode_; }
    // The explicit values (one per spatial dim, or one for all); empty for "same" and "valid".
    const std::vector<int64_t>& values() const { return values_; }
    // "1", "(1, 2)", "same" or "valid": what error messages and module printing show.
    std::string str() const;

  private:
    std::vector<int64_t> values_;
    Mode mode_ = Mode::Explicit;
};

// y[n, o] = bias[o] + sum_{c in o's group} sum_{kh, kw} weight[o, c, kh, kw] *
//           input[n, c, i s_h - p_h + kh d_h, j s_w - p_w + kw d_w]
// input [N, C_in, H, W] or unbatched [C_in, H, W]; weight [C_out, C_in / g, kH, kW];
// bias [C_out] or undefined; stride, dilation: one int or a pair.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, IntArrayRef stride = 1,
              Padding padding = 0, IntArrayRef dilation = 1, int64_t groups = 1);

// The 1-D case: input [N, C_in, L] or [C_in, L]; weight [C_out, C_in / g, k]. Computed as
// conv2d over a height-1 image.
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, IntArrayRef stride = 1,
              Padding padding = 0, IntArrayRef dilation = 1, int64_t groups = 1);

// The transpose (adjoint) of conv2d with the same weight: each input pixel scatters
// weight[c_in, :, :, :] * input[n, c_in, i, j] onto a kH x kW patch of the output at
// (i s_h - p_h, j s_w - p_w), dilated by d. It is conv2d's input gradient, hence the name
// "deconvolution" is a misnomer. input [N, C_in, H, W] or [C_in, H, W]; weight
// [C_in, C_out / g, kH, kW]; bias [C_out]; output_padding (< stride or < dilation) adds rows and
// columns at the bottom/right to pick one of the output sizes that stride s maps back to H.
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, IntArrayRef stride = 1,
                        IntArrayRef padding = 0, IntArrayRef output_padding = 0, int64_t groups = 1,
                        IntArrayRef dilation = 1);

}  // namespace tinydl
