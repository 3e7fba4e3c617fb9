// dataset.h — what a data set is to tinydl: a size and a way to fetch example i.
//
// A Dataset is random access, like torch.utils.data.Dataset (map-style): size() examples,
// get(i) returns one Example {data, target}. get_batch(indices) returns many at once, stacked
// along a new dim 0; its default calls get() per index and stacks, and data sets that hold whole
// tensors (TensorDataset, datasets::MNIST) override it with one index_select per tensor, which
// is much faster than building and stacking hundreds of small tensors.
//
// This file is not the loader: batching, shuffling and the prefetch thread live in
// dataloader.h. Transforms (Normalize, Compose) are in transforms.h.
//
// Threading: the DataLoader calls get()/get_batch() from its one background thread while the
// training loop runs on the main thread. They are const and must not touch shared mutable state
// (in particular, not the global random generator of random.h, which is not thread-safe).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "tinydl/tensor.h"

namespace tinydl::data {

// One sample: an input and its label. target may be undefined for unlabelled data.
struct Example {
    Tensor data;
    Tensor target;
};

// Many samples stacked along dim 0: data [B, ...], target [B, ...] (or undefined).
struct Batch {
    Tensor data;
    Tensor target;
};

class Dataset {
  public:
    virtual ~Dataset();

    virtual size_t size() const = 0;
    // Example `index` (0 <= index < size(); implementations throw IndexError otherwise).
    virtual Example get(size_t index) const = 0;
    // The examples at `indices`, stacked along a new dim 0 (in the given order; repeats allowed).
    // Default: get() each one and stack. Override when a faster gather exists.
    virtual Batch get_batch(const std::vector<size_t>& indices) const;
};

// A data set held as two whole tensors whose dim 0 indexes the examples (TensorDataset):
// example i is {data[i], targets[i]}. `targets` may be undefined (no labels).
//   auto ds = std::make_shared<data::TensorDataset>(randn({100, 3}), randint(0, 2, {100}));
class TensorDataset : public Dataset {
  public:
    TensorDataset(Tensor data, Tensor targets = {});

    size_t size() const override;
    Example get(size_t index) const override;
    Batch get_batch(const std::vector<size_t>& indices) const override;  // one index_select each

    const Tensor& data() const { return data_; }
    const Tensor& targets() const { return targets_; }

  private:
    Tensor data_;
    Tensor targets_;
};

}  // namespace tinydl::data
