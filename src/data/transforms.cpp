// transforms.cpp — Normalize, Compose, Lambda and TransformDataset.
//
// Read first: include/tinydl/data/transforms.h.
#include "tinydl/data/transforms.h"

#include <cmath>

#include "tinydl/autograd.h"
#include "tinydl/factory.h"
#include "tinydl/ops.h"

namespace tinydl::data {

namespace transforms {

Normalize::Normalize(double mean, double std) : Normalize(std::vector<double>{mean}, std::vector<double>{std}) {}

Normalize::Normalize(std::vector<double> mean, std::vector<double> std) : mean_(std::move(mean)), std_(std::move(std)) {
    TINYDL_CHECK(!mean_.empty() && mean_.size() == std_.size(), "Normalize",
                 "mean and std must have the same number of values (one, or one per channel), got ",
                 mean_.size(), " and ", std_.size());
    for (size_t c = 0; c < std_.size(); ++c)  // torchvision: "std evaluated to zero, leading to division by zero."
        TINYDL_CHECK(std_[c] != 0.0, "Normalize", "std[", c, "] is zero, leading to division by zero");
}

Tensor Normalize::operator()(const Tensor& x) const {
    TINYDL_CHECK_TYPE(x.is_floating_point(), "Normalize", "expected a floating point tensor, got ", x.dtype(),
                      " (convert images with .to(kFloat32) and divide by 255 first)");
    const auto channels = static_cast<int64_t>(mean_.size());
    if (channels == 1) return (x - mean_[0]) / std_[0];
    TINYDL_CHECK_SHAPE(x.dim() >= 3 && x.size(-3) == channels, "Normalize", "expected ", channels,
                       " channels in dim -3 of a [C, H, W] or [N, C, H, W] tensor, got ", shape_str(x.sizes()));
    // mean and std as [C, 1, 1], which broadcast over H, W and any leading batch dims.
    const TensorOptions options = x.options();
    const Tensor mean = tensor(mean_, options).view({channels, 1, 1});
    const Tensor std = tensor(std_, options).view({channels, 1, 1});
    return (x - mean) / std;
}

Compose::Compose(std::vector<Transform> transforms) : transforms_(std::move(transforms)) {
    for (size_t i = 0; i < transforms_.size(); ++i)
        TINYDL_CHECK(static_cast<bool>(transforms_[i]), "Compose", "transform ", i, " is empty");
}

Tensor Compose::operator()(const Tensor& x) const {
    Tensor y = x;
    for (const Transform& t : transforms_) y = t(y);
    return y;
}

Lambda::Lambda(Transform fn) : fn_(std::move(fn)) {
    TINYDL_CHECK(static_cast<bool>(fn_), "Lambda", "the function is empty");
}

}  // namespace transforms

TransformDataset::TransformDataset(std::shared_ptr<Dataset> base, transforms::Transform transform,
                                   transforms::Transform target_transform, TransformMode mode)
    : base_(std::move(base)), transform_(std::move(transform)), target_transform_(std::move(target_transform)),
      mode_(mode) {
    TINYDL_CHECK(base_ != nullptr, "TransformDataset", "the base data set is null");
}

Example TransformDataset::get(size_t index) const {
    Example e = base_->get(index);
    if (transform_) e.data = transform_(e.data);
    if (target_transform_ && e.target.defined()) e.target = target_transform_(e.target);
    return e;
}

Batch TransformDataset::get_batch(const std::vector<size_t>& indices) const {
    if (mode_ == TransformMode::PerExample) return Dataset::get_batch(indices);  // get() + stack
    Batch b = base_->get_batch(indices);
    if (transform_) b.data = transform_(b.data);
    if (target_transform_ && b.target.defined()) b.target = target_transform_(b.target);
    return b;
}

}  // namespace tinydl::data
