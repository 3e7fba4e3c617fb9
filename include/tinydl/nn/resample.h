// resample.h — modules over the resample ops (include/tinydl/ops/resample.h): Upsample and
// Dropout2d. Each forward is the functional op; a module stores its options and prints like
// PyTorch's. Neither has parameters or buffers.
//
//   auto up = std::make_shared<nn::Upsample>(nn::UpsampleOptions().scale_factor(2.0));
//   std::cout << *up;   // Upsample(scale_factor=2.0, mode='nearest')
//   auto up2 = std::make_shared<nn::Upsample>(nn::UpsampleOptions().size({8, 8}).mode("bilinear"));
//   auto drop = std::make_shared<nn::Dropout2d>(0.2);   // Dropout2d(p=0.2, inplace=False)
//
// Not here: recompute_scale_factor, the padding modules (ZeroPad2d, ReflectionPad2d: call pad()).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tinydl/nn/module.h"
#include "tinydl/ops/resample.h"

namespace tinydl::nn {

// Options with libtorch-style chained setters; a setter without argument is the getter.
// Give exactly one of size and scale_factor (one value for all spatial dims, or one per dim).
class UpsampleOptions {
  public:
    UpsampleOptions& size(IntArrayRef v) { size_ = v.vec(); return *this; }
    UpsampleOptions& scale_factor(double v) { scale_factor_ = {v}; return *this; }
    UpsampleOptions& scale_factor(std::vector<double> v) { scale_factor_ = std::move(v); return *this; }
    UpsampleOptions& mode(std::string v) { mode_ = std::move(v); return *this; }
    UpsampleOptions& align_corners(bool v) { align_corners_ = v; return *this; }
    const std::vector<int64_t>& size() const { return size_; }
    const std::vector<double>& scale_factor() const { return scale_factor_; }
    const std::string& mode() const { return mode_; }
    std::optional<bool> align_corners() const { return align_corners_; }

  private:
    std::vector<int64_t> size_;
    std::vector<double> scale_factor_;
    std::string mode_ = "nearest";
    std::optional<bool> align_corners_;
};

// forward(x) = interpolate(x, options): [N, C, L], [N, C, H, W] or [N, C, D, H, W].
class Upsample : public Module {
  public:
    explicit Upsample(UpsampleOptions options = {});
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;  // scale_factor=2.0, mode='nearest'  or  size=(8, 8), mode='bilinear'

    UpsampleOptions options;
};

// forward(x) = dropout2d(x, p, is_training()): whole channels zeroed in training, identity in eval.
class Dropout2d : public Module {
  public:
    explicit Dropout2d(double p = 0.5);
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;  // p=0.5, inplace=False

    double p;
};

}  // namespace tinydl::nn
