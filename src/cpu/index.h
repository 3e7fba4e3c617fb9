// index.h — kernel signatures of the indexing family and their CPU kernels (see index.cpp).
//
// Every index a kernel receives is int64 and already bounds-checked by the op (on the host), so
// kernels never check. Two shapes of problem:
//   index_select / index_add pick whole slices along one dim: the tensor is read as a
//     contiguous [outer, size, inner] block (outer = product of the dims before `dim`, inner =
//     of the dims after it) and index holds n slice numbers;
//   gather / scatter_add pick one element per index entry: they walk index's shape, with any
//     strides, and replace the coordinate along `dim` by the index value.
#pragma once

#include "src/core/dispatch.h"

namespace tinydl {

// out [outer, n, inner] = x [outer, size, inner] at slices index[0..n-1] (all contiguous).
using IndexSelectKernel = void (*)(const TensorView& out, const TensorView& x, const TensorView& index,
                                   int64_t outer, int64_t size, int64_t inner);
// out [outer, size, inner] (already holding x) gets slice index[i] += source [outer, n, inner]
// slice i, for each i; repeated indices accumulate. All contiguous.
using IndexAddKernel = void (*)(const TensorView& out, const TensorView& source, const TensorView& index,
                                int64_t outer, int64_t size, int64_t inner);
// out (index's shape, contiguous)[p] = x[p with coordinate `dim` replaced by index[p]].
// x and index may have any strides; index's sizes are at most x's outside `dim`.
using GatherKernel = void (*)(const TensorView& out, const TensorView& x, const TensorView& index,
                              int64_t dim);
// For every position p of index: out[p with coordinate `dim` replaced by index[p]] += src[p].
// out is contiguous (already holding x); index and src may have any strides.
using ScatterAddKernel = void (*)(const TensorView& out, const TensorView& index, const TensorView& src,
                                  int64_t dim);

namespace cpu {
void index_select(const TensorView& out, const TensorView& x, const TensorView& index, int64_t outer,
                  int64_t size, int64_t inner);
void index_add(const TensorView& out, const TensorView& source, const TensorView& index, int64_t outer,
               int64_t size, int64_t inner);
void gather(const TensorView& out, const TensorView& x, const TensorView& index, int64_t dim);
void scatter_add(const TensorView& out, const TensorView& index, const TensorView& src, int64_t dim);
}  // namespace cpu

}  // namespace tinydl
