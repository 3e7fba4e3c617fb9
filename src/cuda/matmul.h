// matmul.h — the CUDA GEMM kernels behind mm and bmm (src/ops/matmul.cpp): cuBLAS for float32
// and float64, a tiled kernel for int32 and int64. Same signature and contract as the CPU ones
// (MatmulKernel in src/cpu/matmul.h: out contiguous; a and b in a GEMM layout, any batch
// stride, 0 included). A plain C++ header: src/ops/matmul.cpp includes it.
#pragma once

#include "src/cpu/matmul.h"  // MatmulKernel, TensorView

namespace tinydl::cuda {
void mm(const TensorView& out, const TensorView& a, const TensorView& b);   // 2-D views
void bmm(const TensorView& out, const TensorView& a, const TensorView& b);  // 3-D views
}  // namespace tinydl::cuda
