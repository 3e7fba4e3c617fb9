// softmax.h — CPU softmax and log_softmax over the middle of a contiguous [A, R, B] block
// (see SoftmaxKernel in src/core/dispatch.h; the op is in src/ops/softmax.cpp).
#pragma once

#include "src/core/dispatch.h"

namespace tinydl::cpu {

void softmax(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B);
void log_softmax(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B);

}  // namespace tinydl::cpu
