// layout.h — memory order: which dim of an elementwise op's operands is fastest in memory, and
// the strides of a new output laid out in that order.
//
// PyTorch gives an elementwise result the memory layout of its inputs (TensorIterator's
// reorder_dimensions, the rule behind empty_like's preserve_format): a.t() + b.t() is itself a
// transposed tensor, so the kernel walks all three in memory order and the result is as fast to
// use as the inputs were. Dims are sorted from fastest to slowest by their strides, and the
// *first* operand that can tell two dims apart decides: a stride-0 (broadcast) dim gives no
// opinion, equal strides only order a smaller dim first. With contiguous inputs this is the
// row-major order; with mixed layouts the first input wins (a.t() + b is transposed, a + b.t()
// row-major), as in PyTorch.
#pragma once

#include <array>
#include <cstdint>
#include <utility>

#include "tinydl/storage.h"
#include "tinydl/tensor.h"

namespace tinydl::detail {

// perm[0] is the fastest dim, perm[ndim-1] the slowest, judged by `strides` (one per operand,
// each with sizes.size() entries; an operand with no strides, e.g. an output to be allocated,
// is skipped).
template <size_t N>
DimVector fastest_first(IntArrayRef sizes, const std::array<IntArrayRef, N>& strides) {
    const int64_t ndim = static_cast<int64_t>(sizes.size());
    DimVector perm(static_cast<size_t>(ndim));
    for (int64_t i = 0; i < ndim; ++i) perm[i] = ndim - 1 - i;  // row-major: the last dim first
    // > 0 when dim d0 must come after (be slower than) d1; 0 when no operand can tell.
    auto should_swap = [&](int64_t d0, int64_t d1) -> int {
        for (size_t k = 0; k < N; ++k) {
            if (strides[k].empty()) continue;
            const int64_t s0 = strides[k][d0], s1 = strides[k][d1];
            if (s0 == 0 || s1 == 0) continue;  // broadcast along one of them: no opinion
            if (s0 != s1) return s0 < s1 ? -1 : 1;
            if (sizes[d0] > sizes[d1]) return 1;  // equal strides: the smaller dim goes first
        }
        return 0;
    };
    // Insertion sort, stable for dims nobody can order (they keep the row-major order).
    for (int64_t i = 1; i < ndim; ++i) {
        int64_t d1 = i;
        for (int64_t d0 = i - 1; d0 >= 0; --d0) {
            const int c = should_swap(perm[d0], perm[d1]);
            if (c > 0) {
                std::swap(perm[d0], perm[d1]);
                d1 = d0;
            } else if (c < 0) {
                break;
            }
        }
    }
    return perm;
}

// Strides of a dense tensor of `sizes` whose dims lie in memory in the order `strides` imply.
template <size_t N>
DimVector dense_strides_like(IntArrayRef sizes, const std::array<IntArrayRef, N>& strides) {
    const DimVector perm = fastest_first(sizes, strides);
    DimVector out(sizes.size());
    int64_t step = 1;
    for (size_t i = 0; i < perm.size(); ++i) {
        out[perm[i]] = step;
        step *= std::max<int64_t>(sizes[perm[i]], 1);
    }
    return out;
}

// True when `strides` are the row-major strides of `sizes` (size-1 dims may have any stride).
inline bool is_row_major(IntArrayRef sizes, IntArrayRef strides) {
    int64_t expected = 1;
    for (size_t i = sizes.size(); i-- > 0;) {
        if (sizes[i] == 1) continue;
        if (strides[i] != expected) return false;
        expected *= sizes[i];
    }
    return true;
}

// A new tensor of `sizes` (no autograd) laid out like operands with these strides: dense, in
// their memory order; row-major when they are (the common case costs one stride check).
template <size_t N>
Tensor empty_like_operands(IntArrayRef sizes, const std::array<IntArrayRef, N>& strides, DType dtype, Device device) {
    bool row_major = true;
    for (size_t k = 0; k < N && row_major; ++k) {
        // The first operand without broadcast dims decides alone when it is row-major.
        if (strides[k].empty()) continue;
        bool broadcast = false;
        for (size_t d = 0; d < sizes.size(); ++d) broadcast = broadcast || (strides[k][d] == 0 && sizes[d] > 1);
        if (!broadcast) {
            if (!is_row_major(sizes, strides[k])) row_major = false;
            break;
        }
        row_major = false;  // broadcast operands first: let the full rule decide
    }
    if (row_major) return Tensor(TensorImpl::empty(sizes, dtype, device));
    const DimVector out_strides = dense_strides_like(sizes, strides);
    if (is_row_major(sizes, out_strides)) return Tensor(TensorImpl::empty(sizes, dtype, device));
    auto storage = std::make_shared<Storage>(static_cast<size_t>(numel_of(sizes)) * itemsize(dtype), device);
    return Tensor(std::make_shared<TensorImpl>(std::move(storage), sizes, out_strides, 0, dtype));
}

}  // namespace tinydl::detail
