// transforms.h — functions applied to examples on their way out of a Dataset
// (torchvision.transforms in miniature): Normalize, Compose, Lambda, and TransformDataset.
//
// A transform is any callable Tensor(const Tensor&). Normalize and Lambda are such callables,
// Compose chains them:
//
//   using namespace tinydl::data;
//   auto normalized = std::make_shared<TransformDataset>(
//       mnist, transforms::Compose({transforms::Normalize(0.2860, 0.3530),
//                                   transforms::Lambda([](const Tensor& x) { return x.flatten(-3); })}));
//
// Batches. TransformDataset applies the transform to each *whole batch* in get_batch() — one
// op over [B, C, H, W] instead of B ops over [C, H, W] — so a transform must treat a leading
// batch dim like any other dim. Normalize does (channels are dim -3); for a Lambda that cannot
// (say, one that reads x.size(0)), pass TransformMode::PerExample.
//
// Not here: random augmentation (crops, flips). A random transform would run on the
// DataLoader's worker thread, where the global generator must not be used (random.h says it is
// not thread-safe); it would need its own generator.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "tinydl/data/dataset.h"

namespace tinydl::data {

namespace transforms {

using Transform = std::function<Tensor(const Tensor&)>;

// out = (x - mean[c]) / std[c] per channel c (dim -3 of [C, H, W] or [N, C, H, W]), or with a
// single mean and std, over every element of a tensor of any shape. x must be floating point;
// the result has x's dtype. As torchvision.transforms.Normalize.
class Normalize {
  public:
    Normalize(double mean, double std);
    Normalize(std::vector<double> mean, std::vector<double> std);  // one value per channel
    Tensor operator()(const Tensor& x) const;

    const std::vector<double>& mean() const { return mean_; }
    const std::vector<double>& std() const { return std_; }

  private:
    std::vector<double> mean_;
    std::vector<double> std_;
};

// Applies its transforms in order: Compose({a, b})(x) == b(a(x)).
class Compose {
  public:
    Compose(std::vector<Transform> transforms);
    Tensor operator()(const Tensor& x) const;

  private:
    std::vector<Transform> transforms_;
};

// A user function as a transform (torchvision.transforms.Lambda): Lambda(f)(x) == f(x).
class Lambda {
  public:
    explicit Lambda(Transform fn);
    Tensor operator()(const Tensor& x) const { return fn_(x); }

  private:
    Transform fn_;
};

}  // namespace transforms

enum class TransformMode {
    Batched,     // get_batch: the base data set's batch, then one transform call on it (fast)
    PerExample,  // get_batch: transform each example, then stack (for batch-unaware transforms)
};

// A Dataset whose examples are another data set's with `transform` applied to the data and
// `target_transform` (if set) to the target.
class TransformDataset : public Dataset {
  public:
    TransformDataset(std::shared_ptr<Dataset> base, transforms::Transform transform,
                     transforms::Transform target_transform = {}, TransformMode mode = TransformMode::Batched);

    size_t size() const override { return base_->size(); }
    Example get(size_t index) const override;
    Batch get_batch(const std::vector<size_t>& indices) const override;

    const std::shared_ptr<Dataset>& base() const { return base_; }

  private:
    std::shared_ptr<Dataset> base_;
    transforms::Transform transform_;
    transforms::Transform target_transform_;
    TransformMode mode_;
};

}  // namespace tinydl::data
