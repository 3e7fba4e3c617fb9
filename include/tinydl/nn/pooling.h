// pooling.h — the 2-D pooling layers as modules: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d,
// AdaptiveMaxPool2d. Each forward is the op of the same name (include/tinydl/ops/pool.h, where
// the output-size rules and gradients are); a module only stores its options and prints like
// PyTorch's. None has parameters or buffers.
//
//   auto pool = std::make_shared<nn::MaxPool2d>(2);                          // kernel 2, stride 2
//   auto pool = std::make_shared<nn::MaxPool2d>(nn::MaxPool2dOptions(3).stride(2).padding(1));
//   std::cout << *pool;   // MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)
//
// Sizes given as one value print as one value, pairs as a tuple, as in PyTorch. Not here:
// return_indices (call forward_with_indices instead), the 1-D and 3-D variants.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "tinydl/nn/module.h"

namespace tinydl::nn {

// Options with libtorch-style chained setters; a setter without argument is the getter.
// stride defaults to kernel_size.
class MaxPool2dOptions {
  public:
    MaxPool2dOptions(IntArrayRef kernel_size);  // NOLINT: implicit, as libtorch's
    MaxPool2dOptions& kernel_size(IntArrayRef v) { kernel_size_ = v.vec(); return *this; }
    MaxPool2dOptions& stride(IntArrayRef v) { stride_ = v.vec(); return *this; }
    MaxPool2dOptions& padding(IntArrayRef v) { padding_ = v.vec(); return *this; }
    MaxPool2dOptions& dilation(IntArrayRef v) { dilation_ = v.vec(); return *this; }
    MaxPool2dOptions& ceil_mode(bool v) { ceil_mode_ = v; return *this; }
    const std::vector<int64_t>& kernel_size() const { return kernel_size_; }
    const std::vector<int64_t>& stride() const { return stride_; }
    const std::vector<int64_t>& padding() const { return padding_; }
    const std::vector<int64_t>& dilation() const { return dilation_; }
    bool ceil_mode() const { return ceil_mode_; }

  private:
    std::vector<int64_t> kernel_size_, stride_, padding_{0}, dilation_{1};
    bool ceil_mode_ = false;
};

class MaxPool2d : public Module {
  public:
    explicit MaxPool2d(IntArrayRef kernel_size) : MaxPool2d(MaxPool2dOptions(kernel_size)) {}
    explicit MaxPool2d(MaxPool2dOptions options);
    Tensor forward(const Tensor& input) override;
    // (values, indices), as PyTorch's MaxPool2d(return_indices=True).
    std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
    std::string extra_repr() const override;  // kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False

    MaxPool2dOptions options;
};

class AvgPool2dOptions {
  public:
    AvgPool2dOptions(IntArrayRef kernel_size);  // NOLINT: implicit, as libtorch's
    AvgPool2dOptions& kernel_size(IntArrayRef v) { kernel_size_ = v.vec(); return *this; }
    AvgPool2dOptions& stride(IntArrayRef v) { stride_ = v.vec(); return *this; }
    AvgPool2dOptions& padding(IntArrayRef v) { padding_ = v.vec(); return *this; }
    AvgPool2dOptions& ceil_mode(bool v) { ceil_mode_ = v; return *this; }
    AvgPool2dOptions& count_include_pad(bool v) { count_include_pad_ = v; return *this; }
    AvgPool2dOptions& divisor_override(std::optional<int64_t> v) { divisor_override_ = v; return *this; }
    const std::vector<int64_t>& kernel_size() const { return kernel_size_; }
    const std::vector<int64_t>& stride() const { return stride_; }
    const std::vector<int64_t>& padding() const { return padding_; }
    bool ceil_mode() const { return ceil_mode_; }
    bool count_include_pad() const { return count_include_pad_; }
    std::optional<int64_t> divisor_override() const { return divisor_override_; }

  private:
    std::vector<int64_t> kernel_size_, stride_, padding_{0};
    bool ceil_mode_ = false;
    bool count_include_pad_ = true;
    std::optional<int64_t> divisor_override_;
};

class AvgPool2d : public Module {
  public:
    explicit AvgPool2d(IntArrayRef kernel_size) : AvgPool2d(AvgPool2dOptions(kernel_size)) {}
    explicit AvgPool2d(AvgPool2dOptions options);
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;  // kernel_size=2, stride=2, padding=0

    AvgPool2dOptions options;
};

// Output [.., OH, OW] whatever the input's H, W: AdaptiveAvgPool2d(1) is global average pooling.
class AdaptiveAvgPool2d : public Module {
  public:
    explicit AdaptiveAvgPool2d(IntArrayRef output_size);
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;  // output_size=(1, 1)

    std::vector<int64_t> output_size;
};

class AdaptiveMaxPool2d : public Module {
  public:
    explicit AdaptiveMaxPool2d(IntArrayRef output_size);
    Tensor forward(const Tensor& input) override;
    std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
    std::string extra_repr() const override;  // output_size=(1, 1)

    std::vector<int64_t> output_size;
};

}  // namespace tinydl::nn
