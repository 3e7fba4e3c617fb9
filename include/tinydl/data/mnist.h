// mnist.h — the MNIST family of data sets (MNIST, Fashion-MNIST, KMNIST: same files, same format).
//
// A directory holds four IDX files (see idx.h), each optionally gzip'd:
//   train-images-idx3-ubyte  [60000, 28, 28] uint8     train-labels-idx1-ubyte  [60000] uint8
//   t10k-images-idx3-ubyte   [10000, 28, 28] uint8     t10k-labels-idx1-ubyte   [10000] uint8
// Debian's dataset-fashion-mnist package installs Fashion-MNIST in /usr/share/datasets/fashion-mnist,
// the default directory here.
//
//   auto train = std::make_shared<data::datasets::MNIST>();               // 60000 examples
//   auto test = std::make_shared<data::datasets::MNIST>(data::datasets::kMNISTDefaultRoot, false);
//   data::Example e = train->get(0);   // e.data [1, 28, 28] float32 in [0, 1], e.target int64 0-dim
//
// The whole split is decoded once, in the constructor: images as float32 byte / 255 (what
// torchvision's ToTensor gives), labels as int64. Normalization is a transform
// (transforms::Normalize, transforms.h), not part of the data set.
#pragma once

#include <string>
#include <vector>

#include "tinydl/data/dataset.h"

namespace tinydl::data::datasets {

inline constexpr const char* kMNISTDefaultRoot = "/usr/share/datasets/fashion-mnist";

class MNIST : public Dataset {
  public:
    static constexpr int64_t kNumClasses = 10;

    // Reads "<root>/{train,t10k}-{images-idx3,labels-idx1}-ubyte", with or without ".gz".
    // Errors name the file: a missing file, images not [N, H, W] uint8, labels not [N] uint8,
    // different N ("images file ... has 60000 images but labels file ... has 59999 labels"), or a
    // label >= 10 (with its index).
    explicit MNIST(const std::string& root = kMNISTDefaultRoot, bool train = true);

    size_t size() const override;
    // Example i: data [1, H, W] float32 in [0, 1] and target a 0-dim int64 tensor. Both are views
    // of the whole-set tensors (no copy): do not modify them in place.
    Example get(size_t index) const override;
    // One index_select per tensor: data [B, 1, H, W], target [B].
    Batch get_batch(const std::vector<size_t>& indices) const override;

    Tensor images() const { return images_; }    // [N, 1, H, W] float32, byte / 255
    Tensor targets() const { return targets_; }  // [N] int64 in [0, 10)
    bool is_train() const { return train_; }
    const std::string& images_file() const { return images_file_; }
    const std::string& labels_file() const { return labels_file_; }

  private:
    bool train_;
    std::string images_file_, labels_file_;
    Tensor images_;
    Tensor targets_;
};

}  // namespace tinydl::data::datasets
