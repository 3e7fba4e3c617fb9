// matmul.h — the GEMM kernel signature, the rule for which strided matrices a GEMM can read
// without a copy, and the CPU kernels (Eigen; see matmul.cpp).
//
// Dimension legend: [M, K] x [K, N] -> [M, N]; a batch of B such products is [B, M, K] x
// [B, K, N] -> [B, M, N].
#pragma once

#include <algorithm>
#include <cstdint>

#include "src/core/dispatch.h"

namespace tinydl {

// out [M, N] = a [M, K] x b [K, N] (2-D views), or out [B, M, N] = a [B, M, K] x b [B, K, N]
// (3-D views). out is contiguous and does not overlap a or b; a and b have the same dtype as
// out, and each of their matrices has a GEMM layout (gemm_layout below). The batch stride of a
// or b may be anything, 0 included (one matrix shared by every batch entry). Shared with the
// CUDA backend, where cuBLAS reads the same layouts.
using MatmulKernel = void (*)(const TensorView& out, const TensorView& a, const TensorView& b);

// Note [GEMM layouts]: BLAS-style GEMMs (Eigen's Map, cuBLAS) read a matrix from a pointer, a
// storage order and one "leading dimension" (the distance between rows of a row-major matrix,
// between columns of a column-major one). A strided [rows, cols] view fits when one of its
// strides is 1:
//   col_stride == 1  ->  row-major, ld = row_stride      (a contiguous matrix)
//   row_stride == 1  ->  column-major, ld = col_stride   (the transpose of a contiguous one)
// with ld >= the length of a row (column), so that rows (columns) do not overlap. A dim of
// size 1 never moves the pointer, so its stride is free. Anything else (a slice with step 2 in
// both dims, an expanded [M, 1] -> [M, N] matrix) is copied to a contiguous block first.
struct GemmLayout {
    bool ok = false;  // false: copy the matrix first
    bool row_major = true;
    int64_t ld = 1;  // leading dimension, in elements
};

inline GemmLayout gemm_layout(int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride) {
    GemmLayout l;
    if (col_stride == 1 || cols <= 1) {  // try row-major
        const int64_t ld = rows <= 1 ? std::max<int64_t>(cols, 1) : row_stride;
        if (ld >= std::max<int64_t>(cols, 1)) return {true, true, ld};
    }
    if (row_stride == 1 || rows <= 1) {  // try column-major
        const int64_t ld = cols <= 1 ? std::max<int64_t>(rows, 1) : col_stride;
        if (ld >= std::max<int64_t>(rows, 1)) return {true, false, ld};
    }
    return l;
}

namespace cpu {
void mm(const TensorView& out, const TensorView& a, const TensorView& b);   // 2-D views
void bmm(const TensorView& out, const TensorView& a, const TensorView& b);  // 3-D views
}  // namespace cpu

}  // namespace tinydl
