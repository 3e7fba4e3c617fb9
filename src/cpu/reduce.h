// reduce.h — CPU reduction kernels over a contiguous [A, R, B] block (see dispatch.h).
#pragma once

#include "src/core/dispatch.h"

namespace tinydl::cpu {

void sum(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B);
void prod(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B);
void amax(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B);
void amin(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B);
void max_with_index(const TensorView& values, const TensorView& indices, const TensorView& in, int64_t A, int64_t R, int64_t B);
void min_with_index(const TensorView& values, const TensorView& indices, const TensorView& in, int64_t A, int64_t R, int64_t B);

}  // namespace tinydl::cpu
