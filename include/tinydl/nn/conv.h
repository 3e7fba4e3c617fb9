// conv.h — convolution layers: nn::Conv1d, nn::Conv2d, nn::ConvTranspose2d, with libtorch-style
// options (nn::Conv2dOptions(1, 32, 3).padding(1)). Arguments, defaults, initialisation,
// state_dict names (weight, bias) and printing follow torch.nn; the computation is the
// functional ops of ops/conv.h.
//
// Dimension legend: N batch, C_in/C_out channels, H/W (or L) spatial, k kernel, g groups.
//   Conv1d           [N, C_in, L]    -> [N, C_out, L_out]   weight [C_out, C_in/g, k]
//   Conv2d           [N, C_in, H, W] -> [N, C_out, H', W']  weight [C_out, C_in/g, kH, kW]
//   ConvTranspose2d  [N, C_in, H, W] -> [N, C_out, H', W']  weight [C_in, C_out/g, kH, kW]
// (the unbatched forms without N are accepted too). bias is [C_out].
//
// Initialisation as PyTorch's reset_parameters: weight by kaiming_uniform_(a = sqrt(5)), i.e.
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)), where fan_in =
// weight.size(1) * kH * kW (C_in/g * kH * kW for Conv2d; C_out/g * kH * kW for ConvTranspose2d).
//
//   auto conv = std::make_shared<nn::Conv2d>(nn::Conv2dOptions(1, 32, 3).padding(1));
//   std::cout << *conv;   // Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
//
// Read next: ops/conv.h (the ops), docs/convolution.md (how they are computed).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tinydl/nn/module.h"
#include "tinydl/ops/conv.h"

namespace tinydl::nn {

// The options of a D-dimensional convolution layer (libtorch's ConvOptions<D>). Every spatial
// argument is one int (used for every dim) or D ints.
template <size_t D> class ConvOptions {
  public:
    ConvOptions(int64_t in_channels, int64_t out_channels, IntArrayRef kernel_size)
        : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size.vec()) {}

    ConvOptions& stride(IntArrayRef v) { stride_ = v.vec(); return *this; }
    // An int, D ints, "valid" or "same" (stride 1 only).
    ConvOptions& padding(Padding v) { padding_ = std::move(v); return *this; }
    ConvOptions& dilation(IntArrayRef v) { dilation_ = v.vec(); return *this; }
    ConvOptions& groups(int64_t v) { groups_ = v; return *this; }
    ConvOptions& bias(bool v) { bias_ = v; return *this; }
    // Only "zeros" is implemented; "reflect", "replicate" and "circular" are refused clearly.
    ConvOptions& padding_mode(std::string v) { padding_mode_ = std::move(v); return *this; }

    int64_t in_channels() const { return in_channels_; }
    int64_t out_channels() const { return out_channels_; }
    const std::vector<int64_t>& kernel_size() const { return kernel_size_; }
    const std::vector<int64_t>& stride() const { return stride_; }
    const Padding& padding() const { return padding_; }
    const std::vector<int64_t>& dilation() const { return dilation_; }
    int64_t groups() const { return groups_; }
    bool bias() const { return bias_; }
    const std::string& padding_mode() const { return padding_mode_; }

  private:
    int64_t in_channels_, out_channels_;
    std::vector<int64_t> kernel_size_;
    std::vector<int64_t> stride_{1};
    Padding padding_{0};
    std::vector<int64_t> dilation_{1};
    int64_t groups_ = 1;
    bool bias_ = true;
    std::string padding_mode_ = "zeros";
};
using Conv1dOptions = ConvOptions<1>;
using Conv2dOptions = ConvOptions<2>;

// The options of a transposed convolution (libtorch's ConvTransposeOptions<D>): no string
// padding, plus output_padding.
template <size_t D> class ConvTransposeOptions {
  public:
    ConvTransposeOptions(int64_t in_channels, int64_t out_channels, IntArrayRef kernel_size)
        : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size.vec()) {}

    ConvTransposeOptions& stride(IntArrayRef v) { stride_ = v.vec(); return *this; }
    ConvTransposeOptions& padding(IntArrayRef v) { padding_ = v.vec(); return *this; }
    ConvTransposeOptions& output_padding(IntArrayRef v) { output_padding_ = v.vec(); return *this; }
    ConvTransposeOptions& dilation(IntArrayRef v) { dilation_ = v.vec(); return *this; }
    ConvTransposeOptions& groups(int64_t v) { groups_ = v; return *this; }
    ConvTransposeOptions& bias(bool v) { bias_ = v; return *this; }
    ConvTransposeOptions& padding_mode(std::string v) { padding_mode_ = std::move(v); return *this; }

    int64_t in_channels() const { return in_channels_; }
    int64_t out_channels() const { return out_channels_; }
    const std::vector<int64_t>& kernel_size() const { return kernel_size_; }
    const std::vector<int64_t>& stride() const { return stride_; }
    const std::vector<int64_t>& padding() const { return padding_; }
    const std::vector<int64_t>& output_padding() const { return output_padding_; }
    const std::vector<int64_t>& dilation() const { return dilation_; }
    int64_t groups() const { return groups_; }
    bool bias() const { return bias_; }
    const std::string& padding_mode() const { return padding_mode_; }

  private:
    int64_t in_channels_, out_channels_;
    std::vector<int64_t> kernel_size_;
    std::vector<int64_t> stride_{1};
    std::vector<int64_t> padding_{0};
    std::vector<int64_t> output_padding_{0};
    std::vector<int64_t> dilation_{1};
    int64_t groups_ = 1;
    bool bias_ = true;
    std::string padding_mode_ = "zeros";
};
using ConvTranspose2dOptions = ConvTransposeOptions<2>;

// y = conv1d(x, weight, bias, stride, padding, dilation, groups)
class Conv1d : public Module {
  public:
    explicit Conv1d(const Conv1dOptions& options);
    Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
        : Conv1d(Conv1dOptions(in_channels, out_channels, kernel_size)) {}
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;  // 1, 4, kernel_size=(3,), stride=(1,)
    void reset_parameters();

    Conv1dOptions options;  // spatial values expanded to one per dim
    Tensor weight;          // [C_out, C_in/g, k]
    Tensor bias;            // [C_out]; undefined with bias(false)
};

// y = conv2d(x, weight, bias, stride, padding, dilation, groups)
class Conv2d : public Module {
  public:
    explicit Conv2d(const Conv2dOptions& options);
    Conv2d(int64_t in_channels, int64_t out_channels, IntArrayRef kernel_size)
        : Conv2d(Conv2dOptions(in_channels, out_channels, kernel_size)) {}
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;  // 1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)
    void reset_parameters();

    Conv2dOptions options;
    Tensor weight;  // [C_out, C_in/g, kH, kW]
    Tensor bias;    // [C_out]
};

// y = conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups, dilation)
class ConvTranspose2d : public Module {
  public:
    explicit ConvTranspose2d(const ConvTranspose2dOptions& options);
    ConvTranspose2d(int64_t in_channels, int64_t out_channels, IntArrayRef kernel_size)
        : ConvTranspose2d(ConvTranspose2dOptions(in_channels, out_channels, kernel_size)) {}
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;  // 16, 8, kernel_size=(2, 2), stride=(2, 2)
    void reset_parameters();

    ConvTranspose2dOptions options;
    Tensor weight;  // [C_in, C_out/g, kH, kW]
    Tensor bias;    // [C_out]
};

}  // namespace tinydl::nn
