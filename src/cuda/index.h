// index.h — the CUDA kernels of the indexing family: index_select, index_add, gather,
// scatter_add (src/cuda/index.cu), declared for the op layer (src/ops/index.cpp), which is
// compiled by the host compiler: no CUDA types here.
//
// Same interface as the CPU kernels (src/cpu/index.h); every pointer is a device pointer, and
// every index was bounds-checked on the host by the op (Note [Checked indices] in
// src/ops/index.cpp), so the kernels never check and never assert.
#pragma once

#include "src/cpu/index.h"  // the kernel signatures

namespace tinydl::cuda {

void index_select(const TensorView& out, const TensorView& x, const TensorView& index, int64_t outer,
                  int64_t size, int64_t inner);
void index_add(const TensorView& out, const TensorView& source, const TensorView& index, int64_t outer,
               int64_t size, int64_t inner);
void gather(const TensorView& out, const TensorView& x, const TensorView& index, int64_t dim);
void scatter_add(const TensorView& out, const TensorView& index, const TensorView& src, int64_t dim);

}  // namespace tinydl::cuda
