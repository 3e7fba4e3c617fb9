// mnist.cpp — datasets::MNIST (include/tinydl/data/mnist.h): finds the four IDX files, checks
// that they make a labelled data set, and decodes a split into two whole tensors.
#include "tinydl/data/mnist.h"

#include <filesystem>

#include "tinydl/data/idx.h"
#include "tinydl/factory.h"

namespace tinydl::data::datasets {

namespace {

// "<root>/<stem>" or "<root>/<stem>.gz", whichever exists (the plain file first).
std::string find_file(const std::string& root, const std::string& stem) {
    namespace fs = std::filesystem;
    std::error_code ec;
    TINYDL_CHECK(fs::is_directory(root, ec), "MNIST", "directory ", root,
                 " does not exist (Fashion-MNIST on Debian: apt install dataset-fashion-mnist)");
    for (const std::string& name : {stem, stem + ".gz"}) {
        const fs::path p = fs::path(root) / name;
        if (fs::is_regular_file(p, ec)) return p.string();
    }
    TINYDL_CHECK(false, "MNIST", "cannot find ", stem, " or ", stem, ".gz in ", root);
    return {};
}

}  // namespace

MNIST::MNIST(const std::string& root, bool train) : train_(train) {
    const std::string split = train ? "train" : "t10k";
    images_file_ = find_file(root, split + "-images-idx3-ubyte");
    labels_file_ = find_file(root, split + "-labels-idx1-ubyte");
    const Tensor images = read_idx(images_file_);  // [N, H, W] uint8
    const Tensor labels = read_idx(labels_file_);  // [N] uint8
    TINYDL_CHECK(images.dim() == 3 && images.dtype() == kUInt8, "MNIST", "images file ", images_file_,
                 " holds ", dtype_name(images.dtype()), " ", images.sizes(), "; expected uint8 [N, H, W]");
    TINYDL_CHECK(labels.dim() == 1 && labels.dtype() == kUInt8, "MNIST", "labels file ", labels_file_,
                 " holds ", dtype_name(labels.dtype()), " ", labels.sizes(), "; expected uint8 [N]");
    const int64_t n = images.size(0);
    TINYDL_CHECK(labels.size(0) == n, "MNIST", "images file ", images_file_, " has ", n,
                 " images but labels file ", labels_file_, " has ", labels.size(0), " labels");
    const uint8_t* label = labels.data_ptr<uint8_t>();
    for (int64_t i = 0; i < n; ++i)
        TINYDL_CHECK(label[i] < kNumClasses, "MNIST", "labels file ", labels_file_, ": label ", int{label[i]},
                     " at index ", i, " is out of range [0, ", kNumClasses, ")");

    // As torchvision's ToTensor: float32, byte / 255, a channel dim in front of H, W.
    Tensor pixels = images.to(kFloat32);
    pixels.div_(255.0f);
    images_ = pixels.view({n, 1, images.size(1), images.size(2)});
    targets_ = labels.to(kInt64);
}

size_t MNIST::size() const { return static_cast<size_t>(targets_.size(0)); }

Example MNIST::get(size_t index) const {
    TINYDL_CHECK_INDEX(index < size(), "MNIST", "index ", index, " is out of range for a data set of size ",
                       size());
    const auto i = static_cast<int64_t>(index);
    return {images_.select(0, i), targets_.select(0, i)};
}

Batch MNIST::get_batch(const std::vector<size_t>& indices) const {
    std::vector<int64_t> rows(indices.size());
    for (size_t k = 0; k < indices.size(); ++k) {
        TINYDL_CHECK_INDEX(indices[k] < size(), "MNIST", "index ", indices[k],
                           " is out of range for a data set of size ", size());
        rows[k] = static_cast<int64_t>(indices[k]);
    }
    const Tensor index = tensor(rows, kInt64);
    return {images_.index_select(0, index), targets_.index_select(0, index)};
}

}  // namespace tinydl::data::datasets
