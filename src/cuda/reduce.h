// reduce.h — the CUDA reduction and softmax kernels (src/cuda/reduce.cu, src/cuda/softmax.cu),
// declared for the ops (src/ops/reduce.cpp, src/ops/softmax.cpp). Plain C++: no CUDA types, so
// g++ compiles the op files that include it; the ops reference these only in a CUDA build
// (TINYDL_IF_CUDA). Same signatures and meaning as the CPU kernels in src/cpu/reduce.h and
// src/cpu/softmax.h: the input is a contiguous [A, R, B] block and the middle is reduced.
#pragma once

#include "src/core/dispatch.h"

namespace tinydl::cuda {

// ReduceKernel: out[a, b] = sum / prod / max / min of in[a, 0..R-1, b]. sum and prod accept any
// input dtype and write either the input's dtype or int64 (what the ops ask for).
void sum(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B);
void prod(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B);
void amax(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B);
void amin(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B);
// ArgReduceKernel: the value and its index r (first occurrence; the first NaN wins). values may
// have data == nullptr (argmax, argmin).
void max_with_index(const TensorView& values, const TensorView& indices, const TensorView& in, int64_t A,
                    int64_t R, int64_t B);
void min_with_index(const TensorView& values, const TensorView& indices, const TensorView& in, int64_t A,
                    int64_t R, int64_t B);

// SoftmaxKernel (src/cuda/softmax.cu): each column in[a, 0..R-1, b] normalised on its own.
void softmax(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B);
void log_softmax(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B);

}  // namespace tinydl::cuda
