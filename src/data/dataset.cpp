// dataset.cpp — Dataset's default batching and TensorDataset.
//
// Read first: include/tinydl/data/dataset.h. The loader that calls these is dataloader.cpp.
#include "tinydl/data/dataset.h"

#include "tinydl/factory.h"
#include "tinydl/ops.h"

namespace tinydl::data {

Dataset::~Dataset() = default;

// The generic collate: one get() per index, then stack along a new dim 0. A data set whose
// examples are slices of big tensors should override this with one gather per tensor.
Batch Dataset::get_batch(const std::vector<size_t>& indices) const {
    TINYDL_CHECK(!indices.empty(), "Dataset::get_batch", "expected at least one index, got none");
    std::vector<Tensor> data;
    std::vector<Tensor> targets;
    data.reserve(indices.size());
    targets.reserve(indices.size());
    for (size_t i : indices) {
        Example e = get(i);
        TINYDL_CHECK(e.data.defined(), "Dataset::get_batch", "example ", i, " has no data tensor");
        data.push_back(std::move(e.data));
        if (e.target.defined()) targets.push_back(std::move(e.target));
    }
    // Either every example has a target or none has: a batch cannot be half labelled.
    TINYDL_CHECK(targets.empty() || targets.size() == data.size(), "Dataset::get_batch", "only ",
                 targets.size(), " of ", data.size(), " examples have a target");
    Batch batch;
    batch.data = stack(data, 0);
    if (!targets.empty()) batch.target = stack(targets, 0);
    return batch;
}

TensorDataset::TensorDataset(Tensor data, Tensor targets) : data_(std::move(data)), targets_(std::move(targets)) {
    TINYDL_CHECK(data_.defined(), "TensorDataset", "the data tensor is undefined");
    TINYDL_CHECK_SHAPE(data_.dim() >= 1, "TensorDataset",
                       "data must have a dim 0 that indexes the examples, got a 0-dim tensor");
    if (targets_.defined()) {
        // PyTorch: "Size mismatch between tensors".
        TINYDL_CHECK_SHAPE(targets_.dim() >= 1 && targets_.size(0) == data_.size(0), "TensorDataset",
                           "Size mismatch between tensors: data ", shape_str(data_.sizes()), " and targets ",
                           shape_str(targets_.sizes()), " must have the same size in dim 0");
        TINYDL_CHECK(targets_.device() == data_.device(), "TensorDataset", "data is on ", data_.device(),
                     " but targets are on ", targets_.device());
    }
}

size_t TensorDataset::size() const { return static_cast<size_t>(data_.size(0)); }

Example TensorDataset::get(size_t index) const {
    TINYDL_CHECK_INDEX(index < size(), "TensorDataset", "index ", index, " is out of range for a data set of size ",
                       size());
    const auto i = static_cast<int64_t>(index);
    return {data_.select(0, i), targets_.defined() ? targets_.select(0, i) : Tensor()};
}

Batch TensorDataset::get_batch(const std::vector<size_t>& indices) const {
    std::vector<int64_t> idx(indices.size());
    for (size_t k = 0; k < indices.size(); ++k) {
        TINYDL_CHECK_INDEX(indices[k] < size(), "TensorDataset", "index ", indices[k],
                           " is out of range for a data set of size ", size());
        idx[k] = static_cast<int64_t>(indices[k]);
    }
    const Tensor index = tensor(idx, TensorOptions(DType::Int64)).to(data_.device());
    Batch batch;
    batch.data = index_select(data_, 0, index);
    if (targets_.defined()) batch.target = index_select(targets_, 0, index);
    return batch;
}

}  // namespace tinydl::data
