// tensor_impl.cpp — TensorImpl construction and the geometry bookkeeping of views.
#include "tinydl/tensor.h"

#include <algorithm>
#include <limits>

#include "src/core/dispatch.h"

namespace tinydl {

TensorImpl::TensorImpl(std::shared_ptr<Storage> storage, IntArrayRef sizes, IntArrayRef strides,
                       int64_t offset, DType dtype)
    : storage_(std::move(storage)), sizes_(sizes), strides_(strides), offset_(offset), dtype_(dtype) {
    TINYDL_ASSERT(sizes.size() == strides.size(), "sizes ", sizes, " vs strides ", strides);
    refresh();
}

std::shared_ptr<TensorImpl> TensorImpl::empty(IntArrayRef sizes, DType dtype, Device device) {
    // The element count, and the product with zero dims counted as 1, which the contiguous
    // strides hold: [0, 2^40, 2^40] has no elements but strides past int64 (found by fuzzing
    // the file readers). Both, in bytes, must fit in int64.
    int64_t n = 1, extent = 1;
    for (int64_t s : sizes) {
        TINYDL_CHECK_SHAPE(s >= 0, "empty", "negative dimension ", s, " in shape ", sizes);
        TINYDL_CHECK_SHAPE(!__builtin_mul_overflow(extent, std::max<int64_t>(s, 1), &extent) &&
                               extent <= std::numeric_limits<int64_t>::max() / static_cast<int64_t>(itemsize(dtype)),
                           "empty", "shape ", sizes, " is too large: its size in bytes overflows int64");
        n *= s;  // cannot overflow: n <= extent
    }
    auto storage = std::make_shared<Storage>(static_cast<size_t>(n) * itemsize(dtype), device);
    return std::make_shared<TensorImpl>(std::move(storage), sizes, contiguous_strides(sizes), 0, dtype);
}

void TensorImpl::set_geometry(IntArrayRef sizes, IntArrayRef strides, int64_t offset) {
    sizes_ = DimVector(sizes);
    strides_ = DimVector(strides);
    offset_ = offset;
    refresh();
}

void TensorImpl::set_data(const TensorImpl& other) {
    storage_ = other.storage_;
    dtype_ = other.dtype_;
    is_view_ = other.is_view_;  // whether the new data shares a base with another tensor
    set_geometry(other.sizes_, other.strides_, other.offset_);
}

void TensorImpl::refresh() {
    numel_ = numel_of(sizes_);
    // Contiguous = row-major with no gaps; size-1 dims may have any stride (as in PyTorch).
    is_contiguous_ = true;
    int64_t expected = 1;
    for (size_t i = sizes_.size(); i-- > 0;) {
        if (sizes_[i] == 1) continue;
        if (strides_[i] != expected) {
            is_contiguous_ = false;
            break;
        }
        expected *= sizes_[i];
    }
    if (numel_ == 0) is_contiguous_ = true;
}

// ---- kernel views ---------------------------------------------------------------------------
TensorView view_of(const Tensor& t) {
    TensorView v;
    v.data = t.data_ptr();
    v.dtype = t.dtype();
    // assign in place: a temporary DimVector copied into v cost more than the rest of view_of
    // (its 8-byte stores are read back as 16-byte moves, which store forwarding cannot serve).
    v.sizes.assign(t.sizes().begin(), t.sizes().end());
    v.strides.assign(t.strides().begin(), t.strides().end());
    return v;
}

TensorView broadcast_view(const Tensor& t, IntArrayRef shape) {
    TensorView v;
    v.data = t.data_ptr();
    v.dtype = t.dtype();
    v.sizes.assign(shape.begin(), shape.end());
    v.strides.resize(shape.size(), 0);
    const int64_t lead = static_cast<int64_t>(shape.size()) - t.dim();
    TINYDL_ASSERT(lead >= 0, "cannot broadcast ", t.sizes(), " to ", shape);
    for (int64_t i = 0; i < t.dim(); ++i) {
        const int64_t s = t.sizes()[i];
        TINYDL_ASSERT(s == shape[lead + i] || s == 1, "cannot broadcast ", t.sizes(), " to ", shape);
        v.strides[lead + i] = (s == 1 && shape[lead + i] != 1) ? 0 : t.strides()[i];
    }
    return v;
}

}  // namespace tinydl
